//! `palisade set add|del|list`: live set updates on attached policies.

use crate::cli::Global;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum SetCommand {
    /// Add entries to a set of an attached policy.
    Add(SetEntries),
    /// Remove entries from a set of an attached policy.
    Del(SetEntries),
    /// List a set's entries.
    List(SetName),
}

#[derive(Debug, Args)]
pub struct SetEntries {
    /// The set, as `policy.set`.
    pub set: String,
    /// CIDRs or ports.
    #[arg(required = true)]
    pub entries: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SetName {
    /// The set, as `policy.set`.
    pub set: String,
}

pub fn run(command: SetCommand, global: Global) -> anyhow::Result<ExitCode> {
    let _ = (command, global);
    super::not_available("set", "the runtime issue (live sets)")
}
