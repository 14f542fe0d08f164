//! `palisade check`: parse and check policy files.
//!
//! Prints rustc-style diagnostics on stderr (coloured on a terminal), or
//! with `--json` one JSON document on stdout. Exit 0 when no file has an
//! error (warnings are fine), 1 when some file has one, 2 when a file
//! cannot be read. The helpers at the bottom (reading a policy file,
//! printing diagnostics) are shared by `fmt`, `explain` and `test`.

use crate::cli::Global;
use anyhow::Context;
use clap::Args;
use palisade_compiler::diag::{self, termcolor};
use palisade_compiler::issue::{Issue, Severity};
use palisade_compiler::{check_source, MAX_SOURCE_LEN};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Policy files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Serialize)]
struct FileReport {
    file: String,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<diag::JsonDiagnostic>,
}

#[derive(Serialize)]
struct Report {
    errors: usize,
    warnings: usize,
    files: Vec<FileReport>,
}

pub fn run(args: CheckArgs, global: Global) -> anyhow::Result<ExitCode> {
    let mut report = Report {
        errors: 0,
        warnings: 0,
        files: Vec::new(),
    };
    for path in &args.files {
        let source = read_policy(path)?;
        let name = path.display().to_string();
        let checked = check_source(&source);
        let errors = checked.errors();
        let warnings = checked.warnings();
        report.errors += errors;
        report.warnings += warnings;
        if global.json {
            report.files.push(FileReport {
                file: name.clone(),
                errors,
                warnings,
                diagnostics: diag::json(&name, &source, &diagnostics(&checked.issues)),
            });
        } else {
            print_issues(&name, &source, &checked.issues)?;
        }
    }
    if global.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let files = args.files.len();
        let verdict = if report.errors > 0 { "failed" } else { "ok" };
        eprintln!(
            "check {verdict}: {files} {}, {} {}, {} {}",
            plural(files, "file", "files"),
            report.errors,
            plural(report.errors, "error", "errors"),
            report.warnings,
            plural(report.warnings, "warning", "warnings"),
        );
    }
    Ok(if report.errors > 0 {
        ExitCode::from(crate::exit::USER)
    } else {
        ExitCode::SUCCESS
    })
}

/// `one` or `many` depending on `n`.
pub(crate) fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Reads a policy file. A file that cannot be read is an environment
/// error (exit 2); one that is not UTF-8 or too large is a user error
/// (exit 1).
pub(crate) fn read_policy(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > MAX_SOURCE_LEN {
        return Err(crate::exit::user_error(format!(
            "{}: file is too large ({} bytes)",
            path.display(),
            bytes.len()
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        crate::exit::user_error(format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Turns issues into diagnostics.
pub(crate) fn diagnostics(issues: &[Issue]) -> Vec<diag::Diagnostic> {
    issues.iter().map(Into::into).collect()
}

/// Whether any issue is an error.
pub(crate) fn has_errors(issues: &[Issue]) -> bool {
    issues.iter().any(|i| i.severity() == Severity::Error)
}

/// Prints issues on stderr, rustc style, coloured on a terminal.
pub(crate) fn print_issues(name: &str, source: &str, issues: &[Issue]) -> anyhow::Result<()> {
    if issues.is_empty() {
        return Ok(());
    }
    let diagnostics = diagnostics(issues);
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        let mut stream = termcolor::StandardStream::stderr(termcolor::ColorChoice::Auto);
        diag::render_colored(&mut stream, name, source, &diagnostics)?;
    } else {
        eprint!("{}", diag::render(name, source, &diagnostics));
    }
    Ok(())
}
