//! `palisade exec`: run one program in the VM.

use crate::cli::Global;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The eBPF object.
    pub object: PathBuf,
    /// The program section (or section/name) to run.
    #[arg(long)]
    pub section: String,
}

pub fn run(args: ExecArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("exec", "the runtime issue (userspace VM)")
}
