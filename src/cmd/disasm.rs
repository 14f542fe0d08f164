//! `palisade disasm`: disassemble an object.

use crate::cli::Global;
use clap::Args;
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
    let _ = (args, global);
    super::not_available("disasm", "issue #3")
}
