//! Errors of the VM: [`LoadError`] when a program cannot be prepared,
//! [`VmError`] when a run faults.
//!
//! A fault always names the instruction (its slot index, as `palisade
//! disasm` numbers it, and the decoded instruction) and a precise
//! [`VmErrorKind`] that callers can match. The VM never panics and never
//! reads or writes outside the memory it owns: every bad access ends up
//! here.

use palisade_verifier::isa::Insn;
use std::fmt;

use super::memory::Region;

/// Why a run stopped without reaching `exit` normally.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VmErrorKind {
    /// An access to an address that belongs to no region (a scalar or NULL
    /// used as a pointer, or a pointer moved far outside its region).
    #[error("{} of {size} bytes at {addr:#x}: no memory there", access(*write))]
    Unmapped { addr: u64, size: u32, write: bool },
    /// An access that starts or ends outside its region.
    #[error("{} of {size} bytes at offset {offset} of {region} (size {len}): out of bounds", access(*write))]
    OutOfBounds {
        region: Region,
        offset: u64,
        size: u32,
        len: u64,
        write: bool,
    },
    /// A write to memory the program may only read (a read-only map, a
    /// read-only context field, the socket behind `ctx->sk`).
    #[error("write of {size} bytes at offset {offset} of {region}: read only")]
    ReadOnly {
        region: Region,
        offset: u64,
        size: u32,
    },
    /// A context access the program type does not allow in this form (a
    /// narrow load of a pointer field, an atomic on the context).
    #[error("{} of {size} bytes at offset {offset} of the context: {reason}", access(*write))]
    CtxAccess {
        offset: u64,
        size: u32,
        write: bool,
        reason: &'static str,
    },
    /// The instruction budget ran out (a runaway loop).
    #[error("instruction limit of {limit} reached")]
    InstructionLimit { limit: u64 },
    /// A bpf-to-bpf call beyond the maximum depth.
    #[error("call depth exceeds {max} frames")]
    CallDepth { max: usize },
    /// Execution ran past the last instruction.
    #[error("execution fell off the end of the program")]
    FellOffEnd,
    /// A helper the VM does not implement.
    #[error("helper {0} is not supported by the VM")]
    UnknownHelper(i32),
    /// A helper argument that the helper cannot use.
    #[error("helper {helper}: argument r{arg}: {reason}")]
    HelperArg {
        helper: i32,
        arg: u8,
        reason: &'static str,
    },
    /// `callx` through a value that is neither a function address nor a
    /// helper number.
    #[error("callx target {0:#x} is neither a function nor a helper")]
    BadCallx(u64),
    /// A run of a program the VM does not have.
    #[error("the VM has no program {0}")]
    NoSuchProgram(usize),
    /// An instruction or feature outside what the VM emulates.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
}

fn access(write: bool) -> &'static str {
    if write {
        "write"
    } else {
        "read"
    }
}

/// A fault at one instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmError {
    /// Slot index of the faulting instruction (as `palisade disasm` shows).
    pub slot: usize,
    /// The instruction itself.
    pub insn: Insn,
    pub kind: VmErrorKind,
}

impl fmt::Display for VmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "insn {} `{}`: {}", self.slot, self.insn, self.kind)
    }
}

impl std::error::Error for VmError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// Why a program cannot be prepared for the VM.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("the program has no instructions")]
    Empty,
    #[error("the program has more than {0} instructions")]
    TooLarge(usize),
    /// A jump or call whose target is outside the program.
    #[error("insn {slot}: target slot {target} is outside the program")]
    TargetOutOfRange { slot: usize, target: i64 },
    /// A jump or call into the second slot of an `ld_imm64`.
    #[error("insn {slot}: target slot {target} is the middle of an ld_imm64")]
    TargetInsideLdImm64 { slot: usize, target: i64 },
    /// A map reference to a map the VM was not given.
    #[error("insn {slot}: map {map} does not exist ({count} maps)")]
    NoSuchMap { slot: usize, map: i64, count: usize },
    /// A `map_value` reference the map cannot satisfy.
    #[error("insn {slot}: direct value access to map {map} at offset {offset}: {reason}")]
    BadMapValue {
        slot: usize,
        map: usize,
        offset: u32,
        reason: &'static str,
    },
}
