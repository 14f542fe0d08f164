//! palisade-verifier: the eBPF instruction set, its text forms, ELF reading,
//! and the in-process verifier.
//!
//! The ISA is the shared vocabulary of the workspace: the compiler emits
//! [`isa::Insn`] values, the runtime executes them, and the verifier proves
//! them safe. Nothing in this crate makes a syscall.
//!
//! * [`isa`]: the typed instruction set, its encoding and text forms;
//! * [`object`]: ELF objects, read, linked and written;
//! * [`verify`]: the verifier. Its module documentation lists every
//!   property it checks and every one it does not.
//!
//! ```
//! use palisade_verifier::isa::text::assemble_insns;
//! use palisade_verifier::verify::{verify_program, AttachType, Options, Platform, ProgKind, ProgType, Program};
//!
//! let insns = assemble_insns("r0 = 2\nexit").unwrap();
//! let prog = Program::from_insns("pass", ProgKind::new(ProgType::Xdp, AttachType::XDP), insns);
//! let report = verify_program(&prog, &Platform::linux(), &Options::strict());
//! assert!(report.accepted());
//! ```

pub mod isa;
pub mod object;
pub mod verify;
