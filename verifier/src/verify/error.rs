//! Verification errors: a precise [`ErrorKind`] callers can match, placed at
//! an instruction with its disassembly, source line and the slice of
//! abstract state that made the check fail ([`VerifyError`]).

use super::program::SourceLine;
use crate::isa::Reg;
use std::fmt;

/// A memory region kind, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    Stack,
    Packet,
    MapValue,
    MapKey,
    Ctx,
    Mem,
    Socket,
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Region::Stack => "stack",
            Region::Packet => "packet",
            Region::MapValue => "map value",
            Region::MapKey => "map key",
            Region::Ctx => "context",
            Region::Mem => "memory",
            Region::Socket => "socket",
        })
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    // --- structure (CFG) ---
    #[error("the program has no instructions")]
    EmptyProgram,
    #[error("the program has {len} instructions; the limit is {limit}")]
    ProgramTooLarge { len: usize, limit: usize },
    #[error("jump out of range from instruction {from} to {to}")]
    JumpOutOfRange { from: usize, to: i64 },
    #[error("jump into the middle of the ld_imm64 instruction at {target}")]
    JumpIntoLdImm64 { target: usize },
    #[error("call to invalid destination {target}")]
    BadCallTarget { target: i64 },
    #[error("the last instruction of a function must be exit or an unconditional jump (control falls off the end)")]
    FallsOffEnd,
    #[error("instruction {slot} is unreachable")]
    Unreachable { slot: usize },
    #[error("too many subprograms ({count})")]
    TooManySubprogs { count: usize },
    #[error("recursive call to the function at instruction {target}")]
    Recursion { target: usize },
    #[error("unrecognized ld_imm64: its second slot carries a value this kind does not use")]
    BadLdImm64,
    #[error("ld_imm64 refers to map fd {fd}, which is not a map of this program")]
    UnresolvedMap { fd: i32 },

    // --- registers and arithmetic ---
    #[error("{reg} is read before it is written (!read_ok)")]
    Uninit { reg: Reg },
    #[error("frame pointer r10 is read only")]
    FramePointerWrite,
    #[error("division by zero (constant divisor 0)")]
    DivByZero,
    #[error("invalid shift by {amount}")]
    InvalidShift { amount: i64 },
    #[error("pointer arithmetic prohibited: {reason}")]
    PointerArithmetic { reason: String },

    // --- memory ---
    #[error("invalid memory access through {reg}: {reason}")]
    InvalidAccess { reg: Reg, reason: String },
    #[error("{region} access out of bounds through {reg}: offset {off} size {size}, allowed [0, {limit})")]
    OutOfBounds {
        reg: Reg,
        region: Region,
        off: i64,
        size: u64,
        limit: i64,
    },
    #[error("{reg} may be NULL here; check it against 0 first")]
    MaybeNull { reg: Reg },
    #[error("read of uninitialised stack at offset {off} size {size}")]
    UninitStack { off: i64, size: u32 },
    #[error("invalid context access at offset {off} size {size} ({dir})")]
    CtxAccess {
        off: i64,
        size: u32,
        dir: &'static str,
    },
    #[error("misaligned {region} access: offset {off} size {size}")]
    Misaligned {
        region: Region,
        off: String,
        size: u32,
    },
    #[error("the same instruction accesses different kinds of pointers on different paths")]
    MixedPointerTypes,

    // --- calls ---
    #[error("unknown helper function {id}")]
    UnknownHelper { id: i32 },
    #[error("program type {prog_type} cannot call helper {name}#{id}")]
    HelperNotAllowed {
        prog_type: String,
        name: &'static str,
        id: i32,
    },
    #[error("helper {name}#{id}: {reason}")]
    HelperCall {
        name: &'static str,
        id: i32,
        reason: String,
    },
    #[error("argument {arg} ({reg}) of helper {name}#{id}: {reason}")]
    HelperArg {
        name: &'static str,
        id: i32,
        arg: u8,
        reg: Reg,
        reason: String,
    },
    #[error("call stack of {frames} frames is too deep (limit 8)")]
    CallStackTooDeep { frames: usize },
    #[error("combined stack size {bytes} of the call chain exceeds 512 bytes")]
    StackTooLarge { bytes: u32 },
    #[error("reference acquired at instruction {acquired_at} is not released before exit")]
    ReferenceLeak { acquired_at: usize },
    #[error("at program exit r0 {reason}")]
    ReturnValue { reason: String },

    // --- termination and budget ---
    #[error("infinite loop: the loop at instruction {header} comes back to the same state")]
    InfiniteLoop { header: usize },
    #[error("loop at instruction {header} (back edge {back_edge} -> {header}) is not proved bounded: exploring it exceeded {limit} instructions")]
    UnboundedLoop {
        header: usize,
        back_edge: usize,
        limit: u64,
    },
    #[error("program too complex: processed more than {limit} instructions")]
    TooComplex { limit: u64 },
    #[error("too many branches waiting to be explored (more than {limit})")]
    TooManyBranches { limit: usize },

    // --- scope ---
    #[error("not supported by Palisade: {what}")]
    Unsupported { what: String },
}

impl ErrorKind {
    /// A short stable identifier (`out_of_bounds`), for JSON and tests.
    pub fn code(&self) -> &'static str {
        use ErrorKind::*;
        match self {
            EmptyProgram => "empty_program",
            ProgramTooLarge { .. } => "program_too_large",
            JumpOutOfRange { .. } => "jump_out_of_range",
            JumpIntoLdImm64 { .. } => "jump_into_ld_imm64",
            BadCallTarget { .. } => "bad_call_target",
            FallsOffEnd => "falls_off_end",
            Unreachable { .. } => "unreachable",
            TooManySubprogs { .. } => "too_many_subprogs",
            Recursion { .. } => "recursion",
            UnresolvedMap { .. } => "unresolved_map",
            BadLdImm64 => "bad_ld_imm64",
            Uninit { .. } => "uninit_register",
            FramePointerWrite => "frame_pointer_write",
            DivByZero => "div_by_zero",
            InvalidShift { .. } => "invalid_shift",
            PointerArithmetic { .. } => "pointer_arithmetic",
            InvalidAccess { .. } => "invalid_access",
            OutOfBounds { .. } => "out_of_bounds",
            MaybeNull { .. } => "maybe_null",
            UninitStack { .. } => "uninit_stack",
            CtxAccess { .. } => "ctx_access",
            Misaligned { .. } => "misaligned",
            MixedPointerTypes => "mixed_pointer_types",
            UnknownHelper { .. } => "unknown_helper",
            HelperNotAllowed { .. } => "helper_not_allowed",
            HelperCall { .. } => "helper_call",
            HelperArg { .. } => "helper_arg",
            CallStackTooDeep { .. } => "call_stack_too_deep",
            StackTooLarge { .. } => "stack_too_large",
            ReferenceLeak { .. } => "reference_leak",
            ReturnValue { .. } => "return_value",
            InfiniteLoop { .. } => "infinite_loop",
            UnboundedLoop { .. } => "unbounded_loop",
            TooComplex { .. } => "too_complex",
            TooManyBranches { .. } => "too_many_branches",
            Unsupported { .. } => "unsupported",
        }
    }

    /// Whether the error says the analysis gave up (budget, unsupported
    /// feature) rather than found a safety violation.
    pub fn is_limitation(&self) -> bool {
        matches!(
            self,
            ErrorKind::Unsupported { .. }
                | ErrorKind::TooComplex { .. }
                | ErrorKind::TooManyBranches { .. }
        )
    }
}

/// A located verification error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// Slot index of the instruction (what the kernel and llvm-objdump
    /// number instructions by).
    pub slot: usize,
    /// The instruction in assembler syntax.
    pub insn: String,
    pub kind: ErrorKind,
    /// The relevant abstract state, e.g. `r1=pkt(off=14,r=14) r2=pkt_end`.
    pub state: String,
    pub line: Option<SourceLine>,
    /// The function containing the instruction.
    pub function: Option<String>,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "instruction {}: {}", self.slot, self.kind)?;
        if !self.insn.is_empty() {
            write!(f, "\n  --> {}: {}", self.slot, self.insn)?;
        }
        if let Some(l) = &self.line {
            write!(f, "\n  at {}:{}", l.file, l.line)?;
            if let Some(t) = &l.text {
                write!(f, ": {}", t.trim())?;
            }
        }
        if !self.state.is_empty() {
            write!(f, "\n  state: {}", self.state)?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}
