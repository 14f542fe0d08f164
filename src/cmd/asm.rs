//! `palisade asm`: assemble text into an object.

use crate::cli::Global;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct AsmArgs {
    /// The assembly file.
    pub file: PathBuf,
    /// Output object.
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(args: AsmArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("asm", "issue #3")
}
