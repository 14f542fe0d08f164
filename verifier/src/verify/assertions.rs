//! Preconditions as data: for each instruction, the list of facts that
//! must hold in the state before it runs. [`check`](super::check) judges
//! them; the transfer functions then rely on them.
//!
//! The list is derived from the instruction alone. Conditions that depend
//! on types (which helper argument kinds a call needs, what a context field
//! allows) are expressed as one assertion whose check consults the
//! platform.

use crate::isa::{AluOp, AtomicOp, CallTarget, Insn, Operand, Reg, Size, Width};

/// The direction of a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    Read,
    Write,
    /// Read-modify-write (atomics).
    Atomic,
}

/// One precondition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assertion {
    /// The register has been written.
    Readable(Reg),
    /// The register may be written (it is not the frame pointer).
    Writable(Reg),
    /// A division or modulo by an immediate: the immediate is not 0.
    NonZeroDivisor(i32),
    /// A shift by an immediate stays below the operand width.
    ShiftInRange { amount: i32, bits: u32 },
    /// `size` bytes at `base + off` may be accessed this way (storing
    /// `value`, when it is a register).
    Access {
        base: Reg,
        off: i16,
        size: Size,
        kind: AccessKind,
        /// Sign-extending load.
        sign_extend: bool,
        value: Option<Reg>,
    },
    /// An ALU operation is allowed on these operand types (pointer
    /// arithmetic rules).
    Arith {
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Operand,
    },
    /// A legacy packet load (`ld_abs`/`ld_ind`) is allowed here.
    LdAbs,
    /// The function may return here (return value, references).
    Exit,
    /// The call's target exists, may be called here, and its arguments
    /// have the right types.
    Call(CallTarget),
}

fn operand(o: &Operand) -> Option<Reg> {
    match o {
        Operand::Reg(r) => Some(*r),
        Operand::Imm(_) => None,
    }
}

/// A short list of assertions, kept inline (no allocation per
/// instruction).
#[derive(Clone, Copy, Debug)]
pub struct Assertions {
    items: [Assertion; 6],
    len: usize,
}

impl Assertions {
    fn new() -> Assertions {
        Assertions {
            items: [Assertion::LdAbs; 6],
            len: 0,
        }
    }

    fn push(&mut self, a: Assertion) {
        if self.len < self.items.len() {
            self.items[self.len] = a;
            self.len += 1;
        }
    }

    /// The assertions, in order.
    pub fn as_slice(&self) -> &[Assertion] {
        &self.items[..self.len]
    }
}

impl std::ops::Deref for Assertions {
    type Target = [Assertion];
    fn deref(&self) -> &[Assertion] {
        self.as_slice()
    }
}

/// The preconditions of `insn`, in the order Linux checks them.
pub fn of(insn: &Insn) -> Assertions {
    use Assertion::*;
    let mut a = Assertions::new();
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            if let Some(s) = operand(&src) {
                a.push(Readable(s));
            }
            if op != AluOp::Mov {
                a.push(Readable(dst));
            }
            if let Operand::Imm(imm) = src {
                if matches!(op, AluOp::Div | AluOp::SDiv | AluOp::Mod | AluOp::SMod) {
                    a.push(NonZeroDivisor(imm));
                }
                if matches!(op, AluOp::Lsh | AluOp::Rsh | AluOp::Arsh) {
                    let bits = if width == Width::W64 { 64 } else { 32 };
                    a.push(ShiftInRange { amount: imm, bits });
                }
            }
            a.push(Writable(dst));
            if op != AluOp::Mov {
                a.push(Arith {
                    width,
                    op,
                    dst,
                    src,
                });
            }
        }
        Insn::Neg { dst, .. } | Insn::Endian { dst, .. } => {
            a.push(Readable(dst));
            a.push(Writable(dst));
        }
        Insn::MovSx { dst, src, .. } => {
            a.push(Readable(src));
            a.push(Writable(dst));
        }
        Insn::AddrSpaceCast { dst, src, .. } => {
            a.push(Readable(src));
            a.push(Writable(dst));
        }
        Insn::Load {
            size,
            dst,
            src,
            off,
        }
        | Insn::LoadSx {
            size,
            dst,
            src,
            off,
        } => {
            a.push(Readable(src));
            a.push(Writable(dst));
            a.push(Access {
                base: src,
                off,
                size,
                kind: AccessKind::Read,
                sign_extend: matches!(insn, Insn::LoadSx { .. }),
                value: None,
            });
        }
        Insn::LoadAcquire { dst, src, .. } => {
            a.push(Readable(src));
            a.push(Writable(dst));
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => {
            a.push(Readable(src));
            a.push(Readable(dst));
            a.push(Access {
                base: dst,
                off,
                size,
                kind: AccessKind::Write,
                sign_extend: false,
                value: Some(src),
            });
        }
        Insn::StoreRelease { dst, src, .. } => {
            a.push(Readable(src));
            a.push(Readable(dst));
        }
        Insn::StoreImm { size, dst, off, .. } => {
            a.push(Readable(dst));
            a.push(Access {
                base: dst,
                off,
                size,
                kind: AccessKind::Write,
                sign_extend: false,
                value: None,
            });
        }
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        } => {
            a.push(Readable(src));
            a.push(Readable(dst));
            if op == AtomicOp::CmpXchg {
                a.push(Readable(Reg::R0));
            }
            a.push(Access {
                base: dst,
                off,
                size,
                kind: AccessKind::Atomic,
                sign_extend: false,
                value: Some(src),
            });
            match op {
                AtomicOp::CmpXchg => a.push(Writable(Reg::R0)),
                AtomicOp::Xchg
                | AtomicOp::Add { fetch: true }
                | AtomicOp::Or { fetch: true }
                | AtomicOp::And { fetch: true }
                | AtomicOp::Xor { fetch: true } => a.push(Writable(src)),
                _ => {}
            }
        }
        Insn::LdImm64 { dst, .. } | Insn::LdPseudo { dst, .. } => a.push(Writable(dst)),
        Insn::LdAbs { .. } => {
            a.push(Readable(Reg::R6));
            a.push(LdAbs);
        }
        Insn::LdInd { src, .. } => {
            a.push(Readable(Reg::R6));
            a.push(Readable(src));
            a.push(LdAbs);
        }
        Insn::Jmp { dst, src, .. } => {
            a.push(Readable(dst));
            if let Some(s) = operand(&src) {
                a.push(Readable(s));
            }
        }
        Insn::Call(t) => a.push(Call(t)),
        Insn::Callx { reg } => a.push(Readable(reg)),
        // Whether r0 must be set depends on the frame (subprograms may
        // return nothing): the exit check decides.
        Insn::Exit => a.push(Exit),
        Insn::Ja { .. } | Insn::JaLong { .. } | Insn::MayGoto { .. } => {}
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::text::parse_insn;

    #[test]
    fn derived_from_the_instruction() {
        let a = of(&parse_insn("r1 /= 0").unwrap());
        assert!(a.contains(&Assertion::NonZeroDivisor(0)));
        let a = of(&parse_insn("r0 = *(u32 *)(r1 + 4)").unwrap());
        assert_eq!(a[0], Assertion::Readable(Reg::R1));
        assert!(matches!(a[2], Assertion::Access { off: 4, .. }));
        let a = of(&parse_insn("w1 <<= 40").unwrap());
        assert!(a.contains(&Assertion::ShiftInRange {
            amount: 40,
            bits: 32
        }));
    }
}
