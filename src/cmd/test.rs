//! `palisade test`: run the test blocks of policy files.

use crate::cli::Global;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Policy files whose `test` blocks to run.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also run every expectation in the kernel (BPF_PROG_TEST_RUN).
    #[arg(long)]
    pub kernel: bool,
}

pub fn run(args: TestArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("test", "issue #4 (policy language)")
}
