//! `palisade attach`, `detach`, `status`: the kernel side.

use crate::cli::Global;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The compiled policy object.
    pub object: PathBuf,
    /// The network device (tc/XDP) to attach to.
    #[arg(long)]
    pub dev: Option<String>,
    /// The cgroup v2 directory (connect hooks) to attach to.
    #[arg(long)]
    pub cgroup: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DetachArgs {
    /// The attached policy name (as `palisade status` shows it).
    pub name: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {}

pub fn run_attach(args: AttachArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("attach", "the runtime issue (kernel attach)")
}

pub fn run_detach(args: DetachArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("detach", "the runtime issue (kernel attach)")
}

pub fn run_status(args: StatusArgs, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (args, global);
    super::not_available("status", "the runtime issue (kernel attach)")
}
