//! One module per verb. Each defines its `clap` arguments and a `run`
//! function returning the process exit code.

pub mod asm;
pub mod attach;
pub mod build;
pub mod check;
pub mod disasm;
pub mod exec;
pub mod explain;
pub mod fmt;
pub mod set;
pub mod test;
pub mod verify;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Dispatches a parsed command line to its verb.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let global = cli.global;
    match cli.command {
        Command::Check(args) => check::run(args, global),
        Command::Fmt(args) => fmt::run(args, global),
        Command::Build(args) => build::run(args, global),
        Command::Disasm(args) => disasm::run(args, global),
        Command::Asm(args) => asm::run(args, global),
        Command::Verify(args) => verify::run(args, global),
        Command::Test(args) => test::run(args, global),
        Command::Exec(args) => exec::run(args, global),
        Command::Explain(args) => explain::run(args, global),
        Command::Attach(args) => attach::run_attach(args, global),
        Command::Detach(args) => attach::run_detach(args, global),
        Command::Status(args) => attach::run_status(args, global),
        Command::Set(command) => set::run(command, global),
    }
}

/// The answer of a verb whose issue has not landed yet: a clear message and
/// exit code 2 (an environment/usage error, not a verdict on the input).
pub fn not_available(verb: &str, issue: &str) -> anyhow::Result<ExitCode> {
    eprintln!(
        "palisade {verb}: not available in this build yet ({issue} has not landed). \
         See README.md for what works today."
    );
    Ok(ExitCode::from(crate::exit::ENVIRONMENT))
}
