//! `palisade fmt`: canonical formatting of policy files.

use crate::cli::Global;
use clap::Args;
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

pub fn run(args: FmtArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("fmt", "issue #4 (policy language)")
}
