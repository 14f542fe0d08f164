//! Exit-code policy and error reporting for the CLI.
//!
//! Verbs return `anyhow::Result<ExitCode>`. An error wrapping [`UserError`]
//! means the input was at fault (exit 1); any other error is a usage or
//! environment problem (exit 2). A closed stdout (`palisade disasm | head`)
//! ends the process quietly instead of panicking.

use std::fmt;
use std::process::ExitCode;

/// The input (policy, object, assembly) was bad. Exit code 1.
#[derive(Debug)]
pub struct UserError(pub String);

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

/// Builds an `anyhow::Error` that exits with code 1.
pub fn user_error(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UserError(message.into()))
}

/// The process exit code for a user error (bad input).
pub const USER: u8 = 1;
/// The process exit code for usage and environment errors.
pub const ENVIRONMENT: u8 = 2;

/// Prints an error (if any) and maps it to an exit code.
pub fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            if err.downcast_ref::<UserError>().is_some() {
                ExitCode::from(USER)
            } else {
                ExitCode::from(ENVIRONMENT)
            }
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Restores the default SIGPIPE action so that writing to a closed pipe
/// ends the process like other Unix tools, instead of `println!` panicking.
pub fn reset_sigpipe() {
    // SAFETY: setting a signal disposition to SIG_DFL at start-up, before
    // any threads exist, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
