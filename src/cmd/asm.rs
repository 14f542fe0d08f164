//! `palisade asm`: assemble text (hand-written, or a `palisade disasm` /
//! `llvm-objdump -d -r` listing) into a loadable ELF object.
//!
//! The object is written atomically: to a temporary file next to the
//! output, then renamed, so a failed run never leaves a half-written
//! object behind.

use crate::cli::Global;
use anyhow::Context;
use clap::Args;
use palisade_verifier::isa::text::assemble;
use palisade_verifier::object::prog_type::{section_for_type, SHORT_TYPES};
use palisade_verifier::object::write::{from_asm::spec_from_assembly, write_object};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct AsmArgs {
    /// The assembly file.
    pub file: PathBuf,
    /// Output object.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Program type of instructions outside any `.section`: xdp, tc,
    /// socket, cgroup-skb, cgroup-connect4, cgroup-connect6, ...
    #[arg(long = "type", value_name = "TYPE")]
    pub prog_type: Option<String>,
    /// License when the file has no `.license` directive.
    #[arg(long, default_value = "GPL")]
    pub license: String,
    /// Do not record the assembly lines as source lines (`.BTF.ext`, DWARF).
    #[arg(long)]
    pub no_line_info: bool,
}

pub fn run(args: AsmArgs, global: Global) -> anyhow::Result<ExitCode> {
    let shown = args.file.display().to_string();
    let default_section = match &args.prog_type {
        None => None,
        Some(t) => Some(section_for_type(t).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown program type `{t}` (known: {})",
                SHORT_TYPES.join(", ")
            )
        })?),
    };
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {shown}"))?;
    let asm = assemble(&text).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{shown}:{}:{}: {}", e.line, e.column, e.message))
            .collect();
        crate::exit::user_error(format!(
            "{} error{} in {shown}:\n{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            lines.join("\n")
        ))
    })?;
    let source_name = args
        .file
        .file_name()
        .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let source = (!args.no_line_info).then_some(source_name.as_str());
    let spec = spec_from_assembly(&asm, default_section, &args.license, source)
        .map_err(|e| crate::exit::user_error(format!("{shown}: {e}")))?;
    let bytes =
        write_object(&spec).map_err(|e| crate::exit::user_error(format!("{shown}: {e:#}")))?;
    crate::output::write_atomically(&args.output, &bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    if global.json {
        let programs: Vec<_> = spec
            .sections
            .iter()
            .filter(|s| s.name != ".text")
            .flat_map(|s| s.functions.iter().map(move |f| (s, f)))
            .map(|(s, f)| serde_json::json!({ "section": s.name, "name": f.name, "insns": f.insns.len() }))
            .collect();
        let value = serde_json::json!({
            "output": args.output.display().to_string(),
            "bytes": bytes.len(),
            "programs": programs,
            "maps": spec.maps.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    Ok(ExitCode::SUCCESS)
}
