//! `palisade explain`: explain which rule decides a packet.

use crate::cli::Global;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The policy file.
    pub file: PathBuf,
    /// The packet, e.g. "tcp 10.1.2.3:40000 -> 10.0.0.5:443".
    pub packet: String,
}

pub fn run(args: ExplainArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("explain", "issue #4 (policy language)")
}
