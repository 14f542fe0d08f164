//! `palisade build`: check a policy file, compile every policy, guard and
//! service to eBPF, verify each program with the in-process verifier, and
//! write one ELF object.
//!
//! The object is written only when the file checks without errors and
//! every program verifies; it is written atomically. Exit 0 on success, 1
//! for a bad policy or a rejected program, 2 when a file cannot be read or
//! written.

use crate::cli::Global;
use crate::cmd::check::{has_errors, print_issues, read_policy};
use anyhow::Context;
use clap::Args;
use palisade_compiler::codegen::{build, BuildError, Source};
use palisade_compiler::{check_source, diag};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The policy file to compile.
    pub file: PathBuf,
    /// Output object (default: the input name with `.o`).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Serialize)]
struct ProgramReport {
    name: String,
    section: String,
    function: String,
    instructions: usize,
    /// Instructions the verifier processed to prove the program safe.
    verified_insns: u64,
}

#[derive(Serialize)]
struct BuildReport {
    source: String,
    output: String,
    bytes: usize,
    programs: Vec<ProgramReport>,
    maps: Vec<String>,
    compile_ms: f64,
}

pub fn run(args: BuildArgs, global: Global) -> anyhow::Result<ExitCode> {
    let source = read_policy(&args.file)?;
    let name = args.file.display().to_string();
    let report = check_source(&source);
    if has_errors(&report.issues) || report.checked.is_none() {
        if global.json {
            let diags = crate::cmd::check::diagnostics(&report.issues);
            println!(
                "{}",
                serde_json::to_string_pretty(&diag::json(&name, &source, &diags))?
            );
        } else {
            print_issues(&name, &source, &report.issues)?;
        }
        return Err(crate::exit::user_error(format!(
            "{name}: not compiled because of the errors above"
        )));
    }
    if !global.json {
        print_issues(&name, &source, &report.issues)?;
    }
    let checked = report.checked.expect("checked when there are no errors");
    let started = Instant::now();
    let verified = match build(
        &checked,
        &Source {
            path: &name,
            text: &source,
        },
    ) {
        Ok(v) => v,
        Err(BuildError::Rejected { rejected }) => {
            for r in &rejected {
                eprintln!("{r}");
            }
            return Err(crate::exit::user_error(format!(
                "{name}: the verifier rejected {} program(s); nothing was written",
                rejected.len()
            )));
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("{name}: build failed"))),
    };
    let compile_ms = started.elapsed().as_secs_f64() * 1e3;
    let (compiled, elf) = (&verified.compiled, &verified.elf);
    let output = args.output.unwrap_or_else(|| args.file.with_extension("o"));
    crate::output::write_atomically(&output, elf)
        .with_context(|| format!("cannot write {}", output.display()))?;
    let programs: Vec<ProgramReport> = compiled
        .programs
        .iter()
        .map(|p| ProgramReport {
            name: p.name.clone(),
            section: p.section.to_string(),
            function: p.function.clone(),
            instructions: p.code.insns.len(),
            verified_insns: verified
                .reports
                .iter()
                .find(|r| r.program == p.function)
                .map_or(0, |r| r.stats.processed_insns),
        })
        .collect();
    if global.json {
        let report = BuildReport {
            source: name,
            output: output.display().to_string(),
            bytes: elf.len(),
            programs,
            maps: compiled.maps.maps.iter().map(|m| m.name.clone()).collect(),
            compile_ms,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for p in &programs {
            println!(
                "{:<16} {:<16} {:>5} instructions, verified ({} processed)",
                p.function, p.section, p.instructions, p.verified_insns
            );
        }
        println!(
            "wrote {} ({} bytes, {} maps)",
            output.display(),
            elf.len(),
            compiled.maps.maps.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
