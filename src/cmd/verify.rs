//! `palisade verify`: verify every program of eBPF objects.

use crate::cli::Global;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// eBPF ELF objects to verify.
    #[arg(required = true)]
    pub objects: Vec<PathBuf>,
}

pub fn run(args: VerifyArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("verify", "issue #6 (verifier)")
}
