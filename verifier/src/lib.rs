//! palisade-verifier: the eBPF instruction set, its text forms, ELF reading,
//! and the in-process verifier.
//!
//! The ISA is the shared vocabulary of the workspace: the compiler emits
//! [`isa::Insn`] values, the runtime executes them, and the verifier proves
//! them safe. Nothing in this crate makes a syscall.

pub mod isa;
pub mod object;
pub mod verify;
