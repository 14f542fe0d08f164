//! `palisade build`: compile, verify and write one ELF object.

use crate::cli::Global;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The policy file to compile.
    pub file: PathBuf,
    /// Output object (default: the input name with `.o`).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: BuildArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("build", "issue #5 (codegen)")
}
