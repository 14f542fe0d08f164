//! `palisade fmt`: canonical formatting of policy files.
//!
//! Rewrites each file in place (through a temporary file in the same
//! directory and a rename, so a file is never half written), or with
//! `--check` only reports which files are not formatted. Files with syntax
//! errors are left alone and their errors printed. Exit 0 when all is
//! well, 1 for syntax errors or (with `--check`) unformatted files, 2 when
//! a file cannot be read or written.

use super::check::{plural, print_issues, read_policy};
use crate::cli::Global;
use anyhow::Context;
use clap::Args;
use palisade_compiler::diag;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Policy files to format in place.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Do not write; exit 1 if any file is not formatted.
    #[arg(long)]
    pub check: bool,
}

#[derive(Serialize)]
struct FileResult {
    file: String,
    /// "formatted" (already canonical), "reformatted" (rewritten),
    /// "unformatted" (`--check` found differences) or "error".
    status: &'static str,
    /// With `--check`: the first line that differs.
    first_difference: Option<usize>,
    diagnostics: Vec<diag::JsonDiagnostic>,
}

pub fn run(args: FmtArgs, global: Global) -> anyhow::Result<ExitCode> {
    let mut results = Vec::new();
    for path in &args.files {
        let source = read_policy(path)?;
        let name = path.display().to_string();
        let result = match palisade_compiler::fmt::format(&source) {
            Err(issues) => {
                if !global.json {
                    print_issues(&name, &source, &issues)?;
                }
                let diagnostics: Vec<diag::Diagnostic> = issues.iter().map(Into::into).collect();
                FileResult {
                    file: name,
                    status: "error",
                    first_difference: None,
                    diagnostics: diag::json(&path.display().to_string(), &source, &diagnostics),
                }
            }
            Ok(formatted) if formatted == source => FileResult {
                file: name,
                status: "formatted",
                first_difference: None,
                diagnostics: Vec::new(),
            },
            Ok(formatted) if args.check => {
                let line = first_difference(&source, &formatted);
                if !global.json {
                    println!("{name}: not formatted (first difference at line {line})");
                }
                FileResult {
                    file: name,
                    status: "unformatted",
                    first_difference: Some(line),
                    diagnostics: Vec::new(),
                }
            }
            Ok(formatted) => {
                crate::output::replace_atomically(path, formatted.as_bytes())
                    .with_context(|| format!("cannot replace {}", path.display()))?;
                if !global.json {
                    println!("{name}: formatted");
                }
                FileResult {
                    file: name,
                    status: "reformatted",
                    first_difference: None,
                    diagnostics: Vec::new(),
                }
            }
        };
        results.push(result);
    }
    let errors = results.iter().filter(|r| r.status == "error").count();
    let unformatted = results.iter().filter(|r| r.status == "unformatted").count();
    if global.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else if errors > 0 {
        eprintln!(
            "fmt failed: {errors} {} not formatted because of syntax errors",
            plural(errors, "file", "files")
        );
    } else if unformatted > 0 {
        eprintln!(
            "fmt --check failed: {unformatted} {} not formatted; run `palisade fmt` on {}",
            plural(unformatted, "file", "files"),
            plural(unformatted, "it", "them")
        );
    }
    Ok(if errors + unformatted > 0 {
        ExitCode::from(crate::exit::USER)
    } else {
        ExitCode::SUCCESS
    })
}

/// The 1-based number of the first line where `a` and `b` differ.
fn first_difference(a: &str, b: &str) -> usize {
    let mut a_lines = a.lines();
    let mut b_lines = b.lines();
    let mut line = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            _ => return line,
        }
    }
}
