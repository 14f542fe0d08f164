//! `palisade disasm`: an `llvm-objdump -d -r`-style listing of any eBPF
//! object, with symbols, relocations, jump-target annotations and source
//! lines; `palisade asm` reads the listing back.

use crate::cli::Global;
use anyhow::Context;
use clap::Args;
use palisade_verifier::object::{listing, Object};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DisasmArgs {
    /// The eBPF object.
    pub object: PathBuf,
    /// Only this section.
    #[arg(long)]
    pub section: Option<String>,
}

pub fn run(args: DisasmArgs, global: Global) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.object)
        .with_context(|| format!("cannot read {}", args.object.display()))?;
    let shown = args.object.display().to_string();
    let obj = Object::parse(&bytes)
        .map_err(|e| crate::exit::user_error(format!("{shown}: {}", error_chain(&e))))?;
    if let Some(section) = &args.section {
        if obj.section(section).is_none() {
            let known: Vec<&str> = obj.sections.iter().map(|s| s.name.as_str()).collect();
            return Err(crate::exit::user_error(format!(
                "{shown}: no code section `{section}` (code sections: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    for problem in obj.problems.iter() {
        eprintln!("warning: {shown}: {}", error_chain(problem));
    }
    let listing = listing::listing(&obj, args.section.as_deref());
    let mut out = std::io::stdout().lock();
    if global.json {
        let value = serde_json::json!({ "file": shown, "listing": listing });
        serde_json::to_writer_pretty(&mut out, &value)?;
        writeln!(out)?;
    } else {
        out.write_all(listing.to_text(&shown).as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `error: cause: cause` in one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
