//! The `palisade` command line: parses arguments and dispatches to one
//! module per verb (`cmd/`). All real work lives in the library crates.
//!
//! Exit codes: 0 ok, 1 user error (bad policy, rejected program, bad input
//! file), 2 usage or environment error (bad flags, missing file, no rights,
//! verb not available yet).

mod cli;
mod cmd;
mod engines;
mod exit;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    exit::reset_sigpipe();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    exit::finish(cmd::run(cli))
}
