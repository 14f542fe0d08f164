//! Argument definitions: the verb list and global flags. Each verb's own
//! arguments are defined next to its implementation in `cmd/<verb>.rs`.

use crate::cmd;
use clap::{Args, Parser, Subcommand};

/// Palisade: intent-based network policy, compiled to verified eBPF.
#[derive(Debug, Parser)]
#[command(name = "palisade", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok, 1 user error (bad policy, rejected program), \
2 usage or environment error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every verb understands.
#[derive(Debug, Args, Clone, Copy)]
pub struct Global {
    /// Print machine-readable JSON instead of text (verbs that report).
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check .pol files; rustc-style diagnostics.
    Check(cmd::check::CheckArgs),
    /// Format .pol files canonically (idempotent).
    Fmt(cmd::fmt::FmtArgs),
    /// Compile a .pol file, verify every program, write one ELF object.
    Build(cmd::build::BuildArgs),
    /// Disassemble an eBPF ELF object (any object, clang-built too).
    Disasm(cmd::disasm::DisasmArgs),
    /// Assemble eBPF assembly text into a loadable ELF object.
    Asm(cmd::asm::AsmArgs),
    /// Verify the programs of eBPF ELF objects with the in-process verifier.
    Verify(cmd::verify::VerifyArgs),
    /// Run the `test` blocks of .pol files.
    Test(cmd::test::TestArgs),
    /// Run one program of an object in the userspace VM (or the kernel).
    Exec(cmd::exec::ExecArgs),
    /// Explain which rule of a policy decides a packet, and why.
    Explain(cmd::explain::ExplainArgs),
    /// Load and attach a compiled policy to the kernel.
    Attach(cmd::attach::AttachArgs),
    /// Detach and unpin a policy.
    Detach(cmd::attach::DetachArgs),
    /// Show attached policies and their counters.
    Status(cmd::attach::StatusArgs),
    /// Live set updates on attached policies.
    #[command(subcommand)]
    Set(cmd::set::SetCommand),
}
