//! Printing instructions in the LLVM assembler syntax.
//!
//! The output is what `llvm-objdump-19 -d --mcpu=v4` prints for the same
//! bytes (hexadecimal immediates, `w` registers for 32-bit operations and
//! for sub-64-bit loads and stores), with three extensions where LLVM's text
//! is ambiguous or lossy, so that printing and parsing round-trip byte for
//! byte:
//!
//! * bpf-to-bpf calls print as `call local -0x1` and kfunc calls as
//!   `call kfunc 0x4d2` (LLVM prints both like helper calls, `call -0x1`);
//! * `ld_pseudo r1, 0x2, 0x7, 0x10` adds the second slot's immediate when it
//!   is non-zero (LLVM drops it);
//! * `r0 = *(u32 *)skb[r3 + 0x5]` keeps the immediate of `ld_ind`.
//!
//! Jump targets are printed as slot offsets; listings add symbolic
//! annotations themselves.

use crate::isa::insn::*;
use std::fmt;

/// A signed number in LLVM's style: `0x1f`, `-0x3`.
pub(crate) struct Hex(pub i64);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 0 {
            write!(f, "-{:#x}", self.0.unsigned_abs())
        } else {
            write!(f, "{:#x}", self.0)
        }
    }
}

/// A jump offset: `+0x3`, `-0x1`.
struct JumpOff(i64);

impl fmt::Display for JumpOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 0 {
            write!(f, "+{:#x}", self.0)
        } else {
            write!(f, "{}", Hex(self.0))
        }
    }
}

/// A register as written for an operation of the given width (`w3`, `r3`).
struct R(Reg, Width);

impl fmt::Display for R {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Width::W32 => write!(f, "w{}", self.0.index()),
            Width::W64 => write!(f, "r{}", self.0.index()),
        }
    }
}

/// The register width used for a value of memory size `size`: `w` for the
/// sizes below 64 bits (LLVM's alu32 spelling), `r` for 64-bit.
fn width_of(size: Size) -> Width {
    if size == Size::DW {
        Width::W64
    } else {
        Width::W32
    }
}

/// An address `r1 + 0x4` / `r1 - 0x4`.
struct Addr(Reg, i16);

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let off = self.1 as i64;
        if off < 0 {
            write!(f, "{} - {:#x}", self.0, off.unsigned_abs())
        } else {
            write!(f, "{} + {:#x}", self.0, off)
        }
    }
}

/// A memory operand `(r1 + 0x4)`.
struct Mem(Reg, i16);

impl fmt::Display for Mem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", Addr(self.0, self.1))
    }
}

fn operand(src: Operand, width: Width) -> String {
    match src {
        Operand::Reg(r) => R(r, width).to_string(),
        Operand::Imm(i) => Hex(i as i64).to_string(),
    }
}

fn atomic_name(op: AtomicOp) -> (&'static str, &'static str, bool) {
    // (operator for `lock`, name for fetch form, fetch?)
    match op {
        AtomicOp::Add { fetch } => ("+=", "add", fetch),
        AtomicOp::Or { fetch } => ("|=", "or", fetch),
        AtomicOp::And { fetch } => ("&=", "and", fetch),
        AtomicOp::Xor { fetch } => ("^=", "xor", fetch),
        AtomicOp::Xchg | AtomicOp::CmpXchg => ("", "", true),
    }
}

impl fmt::Display for Insn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => {
                write!(
                    f,
                    "{} {} {}",
                    R(dst, width),
                    op.operator(),
                    operand(src, width)
                )
            }
            Insn::Neg { width, dst } => write!(f, "{} = -{}", R(dst, width), R(dst, width)),
            Insn::MovSx {
                width,
                dst,
                src,
                from,
            } => write!(
                f,
                "{} = ({}){}",
                R(dst, width),
                from.signed_name(),
                R(src, width)
            ),
            Insn::AddrSpaceCast {
                dst,
                src,
                dst_space,
                src_space,
            } => write!(
                f,
                "{dst} = addr_space_cast({src}, {}, {})",
                Hex(dst_space as i64),
                Hex(src_space as i64)
            ),
            Insn::Endian { op, bits, dst } => {
                let name = match op {
                    EndianOp::ToLe => "le",
                    EndianOp::ToBe => "be",
                    EndianOp::Swap => "bswap",
                };
                write!(f, "{dst} = {name}{bits} {dst}")
            }
            Insn::Load {
                size,
                dst,
                src,
                off,
            } => write!(
                f,
                "{} = *({} *){}",
                R(dst, width_of(size)),
                size.unsigned_name(),
                Mem(src, off)
            ),
            Insn::LoadSx {
                size,
                dst,
                src,
                off,
            } => {
                write!(f, "{dst} = *({} *){}", size.signed_name(), Mem(src, off))
            }
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => write!(
                f,
                "*({} *){} = {}",
                size.unsigned_name(),
                Mem(dst, off),
                R(src, width_of(size))
            ),
            Insn::StoreImm {
                size,
                dst,
                off,
                imm,
            } => write!(
                f,
                "*({} *){} = {}",
                size.unsigned_name(),
                Mem(dst, off),
                Hex(imm as i64)
            ),
            Insn::Atomic {
                size,
                op,
                dst,
                src,
                off,
            } => {
                let w = width_of(size);
                let ty = size.unsigned_name();
                let (lock_op, name, fetch) = atomic_name(op);
                match op {
                    AtomicOp::Xchg => {
                        let sfx = if w == Width::W32 { "32_32" } else { "_64" };
                        write!(
                            f,
                            "{} = xchg{sfx}({}, {})",
                            R(src, w),
                            Addr(dst, off),
                            R(src, w)
                        )
                    }
                    AtomicOp::CmpXchg => {
                        let sfx = if w == Width::W32 { "32_32" } else { "_64" };
                        write!(
                            f,
                            "{} = cmpxchg{sfx}({}, {}, {})",
                            R(Reg::R0, w),
                            Addr(dst, off),
                            R(Reg::R0, w),
                            R(src, w)
                        )
                    }
                    _ if fetch => write!(
                        f,
                        "{} = atomic_fetch_{name}(({ty} *){}, {})",
                        R(src, w),
                        Mem(dst, off),
                        R(src, w)
                    ),
                    _ => write!(f, "lock *({ty} *){} {lock_op} {}", Mem(dst, off), R(src, w)),
                }
            }
            Insn::LoadAcquire {
                size,
                dst,
                src,
                off,
            } => write!(
                f,
                "{} = load_acquire(({} *){})",
                R(dst, width_of(size)),
                size.unsigned_name(),
                Mem(src, off)
            ),
            Insn::StoreRelease {
                size,
                dst,
                src,
                off,
            } => write!(
                f,
                "store_release(({} *){}, {})",
                size.unsigned_name(),
                Mem(dst, off),
                R(src, width_of(size))
            ),
            Insn::LdImm64 { dst, imm } => write!(f, "{dst} = {} ll", Hex(imm)),
            Insn::LdPseudo {
                dst,
                kind,
                imm,
                imm2,
            } => {
                // LLVM prints the pseudo immediates unsigned.
                write!(
                    f,
                    "ld_pseudo {dst}, {:#x}, {:#x}",
                    kind.number(),
                    imm as u32
                )?;
                if imm2 != 0 {
                    write!(f, ", {:#x}", imm2 as u32)?;
                }
                Ok(())
            }
            Insn::LdAbs { size, imm } => {
                write!(
                    f,
                    "r0 = *({} *)skb[{}]",
                    size.unsigned_name(),
                    Hex(imm as i64)
                )
            }
            Insn::LdInd { size, src, imm } => {
                write!(f, "r0 = *({} *)skb[{src}", size.unsigned_name())?;
                match imm {
                    0 => {}
                    i if i < 0 => write!(f, " - {:#x}", (i as i64).unsigned_abs())?,
                    i => write!(f, " + {:#x}", i)?,
                }
                f.write_str("]")
            }
            Insn::Ja { off } => write!(f, "goto {}", JumpOff(off as i64)),
            Insn::JaLong { imm } => write!(f, "gotol {}", JumpOff(imm as i64)),
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } => write!(
                f,
                "if {} {} {} goto {}",
                R(dst, width),
                cond.operator(),
                operand(src, width),
                JumpOff(off as i64)
            ),
            Insn::MayGoto { off } => write!(f, "may_goto {}", JumpOff(off as i64)),
            Insn::Call(CallTarget::Helper(id)) => write!(f, "call {}", Hex(id as i64)),
            Insn::Call(CallTarget::Local(off)) => write!(f, "call local {}", Hex(off as i64)),
            Insn::Call(CallTarget::Kfunc { btf_id, module }) => {
                write!(f, "call kfunc {}", Hex(btf_id as i64))?;
                if module != 0 {
                    write!(f, ", {}", Hex(module as i64))?;
                }
                Ok(())
            }
            Insn::Callx { reg } => write!(f, "callx {reg}"),
            Insn::Exit => f.write_str("exit"),
        }
    }
}

/// Normalises an instruction's text for comparison with `llvm-objdump`:
/// collapses whitespace, drops a trailing ` <symbol+0x10>` annotation, and
/// maps Palisade's three extensions (see the module doc) to LLVM's lossy
/// spelling. Apply it to both sides of a comparison.
pub fn llvm_normalise(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.ends_with('>') {
        if let Some(open) = s.rfind(" <") {
            s.truncate(open);
        }
    }
    if let Some(rest) = s.strip_prefix("call local ") {
        s = format!("call {rest}");
    } else if let Some(rest) = s.strip_prefix("call kfunc ") {
        s = format!("call {}", rest.split(',').next().unwrap_or(rest).trim());
    } else if s.starts_with("ld_pseudo ") {
        s = s.split(", ").take(3).collect::<Vec<_>>().join(", ");
    } else if let Some(open) = s.find("skb[r") {
        if let Some(space) = s[open..].find(' ') {
            s = format!("{}]", &s[..open + space]);
        }
    }
    s
}
