//! Bytes to [`Insn`]: the only place that interprets raw instruction fields.
//!
//! The rules follow the Linux verifier's own field checks
//! (`resolve_pseudo_ldimm64`, `check_alu_op`, `do_check`): an instruction
//! whose unused fields are not zero is rejected here, which also makes the
//! typed form unique, so `encode(decode(bytes)) == bytes`.
//! Semantic checks that need more than one instruction (division by a zero
//! immediate is *valid* encoding, for example) belong to the verifier.

use super::insn::*;
use super::opcode::{alu, atomic, call, class, jmp, mode, size, source, LD_IMM64};

/// One 8-byte instruction slot with its fields split out, before typing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawInsn {
    pub code: u8,
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
}

impl RawInsn {
    /// Splits an 8-byte little-endian slot.
    pub fn from_bytes(b: [u8; 8]) -> RawInsn {
        RawInsn {
            code: b[0],
            dst: b[1] & 0x0f,
            src: b[1] >> 4,
            off: i16::from_le_bytes([b[2], b[3]]),
            imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// Joins the fields back into 8 little-endian bytes.
    pub fn to_bytes(self) -> [u8; 8] {
        let off = self.off.to_le_bytes();
        let imm = self.imm.to_le_bytes();
        [
            self.code,
            (self.dst & 0x0f) | (self.src << 4),
            off[0],
            off[1],
            imm[0],
            imm[1],
            imm[2],
            imm[3],
        ]
    }
}

/// Why an instruction could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("program length {0} is not a multiple of 8 bytes")]
    TrailingBytes(usize),
    #[error("unknown opcode {0:#04x}")]
    UnknownOpcode(u8),
    #[error("{0} uses reserved fields")]
    ReservedFields(&'static str),
    #[error("invalid register r{0}")]
    InvalidRegister(u8),
    #[error("ld_imm64 is missing its second slot")]
    LdImm64Truncated,
    #[error("invalid second slot of ld_imm64 (must be opcode 0 with zero registers and offset)")]
    LdImm64BadSecondSlot,
    #[error("unknown ld_imm64 pseudo source {0}")]
    UnknownPseudo(u8),
    #[error("unknown atomic operation {0:#x}")]
    UnknownAtomic(i32),
    #[error("invalid atomic operand size")]
    AtomicSize,
    #[error("invalid byte-swap width {0} (must be 16, 32 or 64)")]
    EndianWidth(i32),
}

/// A decoding failure at a slot index.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("instruction {slot}: {kind}")]
pub struct DecodeError {
    /// Index of the offending 8-byte slot.
    pub slot: usize,
    pub kind: DecodeErrorKind,
}

type Result<T> = std::result::Result<T, DecodeErrorKind>;

fn reg(n: u8) -> Result<Reg> {
    Reg::new(n).ok_or(DecodeErrorKind::InvalidRegister(n))
}

fn reserved(what: &'static str) -> DecodeErrorKind {
    DecodeErrorKind::ReservedFields(what)
}

fn mem_size(code: u8) -> Size {
    match code & 0x18 {
        size::W => Size::W,
        size::H => Size::H,
        size::B => Size::B,
        _ => Size::DW,
    }
}

/// Decodes the instruction starting at `slots[0]`. `slots[1]` is consulted
/// only for `ld_imm64`. Returns the instruction (which says how many slots
/// it used via [`Insn::slots`]).
pub fn decode_insn(first: RawInsn, second: Option<RawInsn>) -> Result<Insn> {
    match first.code & 0x07 {
        class::LD => decode_ld(first, second),
        class::LDX => decode_ldx(first),
        class::ST => decode_st(first),
        class::STX => decode_stx(first),
        class::ALU => decode_alu(first, Width::W32),
        class::ALU64 => decode_alu(first, Width::W64),
        class::JMP => decode_jmp(first, Width::W64),
        _ => decode_jmp(first, Width::W32),
    }
}

fn decode_ld(r: RawInsn, second: Option<RawInsn>) -> Result<Insn> {
    let m = r.code & 0xe0;
    if r.code == LD_IMM64 {
        if r.off != 0 {
            return Err(reserved("BPF_LD_IMM64"));
        }
        let dst = reg(r.dst)?;
        let next = second.ok_or(DecodeErrorKind::LdImm64Truncated)?;
        if next.code != 0 || next.dst != 0 || next.src != 0 || next.off != 0 {
            return Err(DecodeErrorKind::LdImm64BadSecondSlot);
        }
        if r.src == 0 {
            let imm = (r.imm as u32 as u64 | ((next.imm as u32 as u64) << 32)) as i64;
            return Ok(Insn::LdImm64 { dst, imm });
        }
        let kind = Pseudo::from_number(r.src).ok_or(DecodeErrorKind::UnknownPseudo(r.src))?;
        return Ok(Insn::LdPseudo {
            dst,
            kind,
            imm: r.imm,
            imm2: next.imm,
        });
    }
    let sz = mem_size(r.code);
    if (m != mode::ABS && m != mode::IND) || sz == Size::DW {
        return Err(DecodeErrorKind::UnknownOpcode(r.code));
    }
    if r.dst != 0 || r.off != 0 || (m == mode::ABS && r.src != 0) {
        return Err(reserved("BPF_LD_[ABS|IND]"));
    }
    if m == mode::ABS {
        Ok(Insn::LdAbs {
            size: sz,
            imm: r.imm,
        })
    } else {
        Ok(Insn::LdInd {
            size: sz,
            src: reg(r.src)?,
            imm: r.imm,
        })
    }
}

fn decode_ldx(r: RawInsn) -> Result<Insn> {
    let m = r.code & 0xe0;
    let sz = mem_size(r.code);
    let signed = match m {
        mode::MEM => false,
        mode::MEMSX if sz != Size::DW => true,
        _ => return Err(DecodeErrorKind::UnknownOpcode(r.code)),
    };
    if r.imm != 0 {
        return Err(reserved("BPF_LDX"));
    }
    let (dst, src, off) = (reg(r.dst)?, reg(r.src)?, r.off);
    Ok(if signed {
        Insn::LoadSx {
            size: sz,
            dst,
            src,
            off,
        }
    } else {
        Insn::Load {
            size: sz,
            dst,
            src,
            off,
        }
    })
}

fn decode_st(r: RawInsn) -> Result<Insn> {
    if r.code & 0xe0 != mode::MEM {
        return Err(DecodeErrorKind::UnknownOpcode(r.code));
    }
    if r.src != 0 {
        return Err(reserved("BPF_ST"));
    }
    Ok(Insn::StoreImm {
        size: mem_size(r.code),
        dst: reg(r.dst)?,
        off: r.off,
        imm: r.imm,
    })
}

fn decode_stx(r: RawInsn) -> Result<Insn> {
    let sz = mem_size(r.code);
    let (dst, src, off) = (reg(r.dst)?, reg(r.src)?, r.off);
    match r.code & 0xe0 {
        mode::MEM => {
            if r.imm != 0 {
                return Err(reserved("BPF_STX"));
            }
            Ok(Insn::Store {
                size: sz,
                dst,
                off,
                src,
            })
        }
        mode::ATOMIC => {
            let op = match r.imm {
                atomic::LOAD_ACQ => {
                    return Ok(Insn::LoadAcquire {
                        size: sz,
                        dst,
                        src,
                        off,
                    })
                }
                atomic::STORE_REL => {
                    return Ok(Insn::StoreRelease {
                        size: sz,
                        dst,
                        src,
                        off,
                    })
                }
                atomic::XCHG => AtomicOp::Xchg,
                atomic::CMPXCHG => AtomicOp::CmpXchg,
                imm => {
                    let fetch = imm & atomic::FETCH != 0;
                    match imm & !atomic::FETCH {
                        atomic::ADD => AtomicOp::Add { fetch },
                        atomic::OR => AtomicOp::Or { fetch },
                        atomic::AND => AtomicOp::And { fetch },
                        atomic::XOR => AtomicOp::Xor { fetch },
                        _ => return Err(DecodeErrorKind::UnknownAtomic(imm)),
                    }
                }
            };
            if sz != Size::W && sz != Size::DW {
                return Err(DecodeErrorKind::AtomicSize);
            }
            Ok(Insn::Atomic {
                size: sz,
                op,
                dst,
                src,
                off,
            })
        }
        _ => Err(DecodeErrorKind::UnknownOpcode(r.code)),
    }
}

fn alu_op(code: u8) -> Option<AluOp> {
    Some(match code & 0xf0 {
        alu::ADD => AluOp::Add,
        alu::SUB => AluOp::Sub,
        alu::MUL => AluOp::Mul,
        alu::DIV => AluOp::Div,
        alu::OR => AluOp::Or,
        alu::AND => AluOp::And,
        alu::LSH => AluOp::Lsh,
        alu::RSH => AluOp::Rsh,
        alu::MOD => AluOp::Mod,
        alu::XOR => AluOp::Xor,
        alu::MOV => AluOp::Mov,
        alu::ARSH => AluOp::Arsh,
        _ => return None,
    })
}

fn decode_alu(r: RawInsn, width: Width) -> Result<Insn> {
    let op = r.code & 0xf0;
    let is_x = r.code & source::X != 0;
    match op {
        alu::NEG => {
            if is_x || r.src != 0 || r.off != 0 || r.imm != 0 {
                return Err(reserved("BPF_NEG"));
            }
            Ok(Insn::Neg {
                width,
                dst: reg(r.dst)?,
            })
        }
        alu::END => {
            if r.src != 0 || r.off != 0 || (width == Width::W64 && is_x) {
                return Err(reserved("BPF_END"));
            }
            if !matches!(r.imm, 16 | 32 | 64) {
                return Err(DecodeErrorKind::EndianWidth(r.imm));
            }
            let op = match (width, is_x) {
                (Width::W64, _) => EndianOp::Swap,
                (Width::W32, false) => EndianOp::ToLe,
                (Width::W32, true) => EndianOp::ToBe,
            };
            Ok(Insn::Endian {
                op,
                bits: r.imm as u8,
                dst: reg(r.dst)?,
            })
        }
        alu::MOV if is_x && r.off != 0 => decode_mov_special(r, width),
        _ => {
            let mut op = alu_op(r.code).ok_or(DecodeErrorKind::UnknownOpcode(r.code))?;
            match (r.off, op) {
                (0, _) => {}
                (1, AluOp::Div) => op = AluOp::SDiv,
                (1, AluOp::Mod) => op = AluOp::SMod,
                _ => return Err(reserved("BPF_ALU")),
            }
            let dst = reg(r.dst)?;
            let src = if is_x {
                if r.imm != 0 {
                    return Err(reserved("BPF_ALU"));
                }
                Operand::Reg(reg(r.src)?)
            } else {
                if r.src != 0 {
                    return Err(reserved("BPF_ALU"));
                }
                Operand::Imm(r.imm)
            };
            Ok(Insn::Alu {
                width,
                op,
                dst,
                src,
            })
        }
    }
}

/// `mov` with a register source and a non-zero offset: sign-extending moves
/// and the arena address-space cast.
fn decode_mov_special(r: RawInsn, width: Width) -> Result<Insn> {
    let (dst, src) = (reg(r.dst)?, reg(r.src)?);
    if width == Width::W64 && r.off == 1 {
        // The kernel accepts only casts between address spaces 0 and 1.
        if r.imm != 1 && r.imm != 1 << 16 {
            return Err(reserved("addr_space_cast"));
        }
        return Ok(Insn::AddrSpaceCast {
            dst,
            src,
            dst_space: (r.imm as u32 >> 16) as u16,
            src_space: r.imm as u32 as u16,
        });
    }
    let from = match (r.off, width) {
        (8, _) => Size::B,
        (16, _) => Size::H,
        (32, Width::W64) => Size::W,
        _ => return Err(reserved("BPF_MOV")),
    };
    if r.imm != 0 {
        return Err(reserved("BPF_MOV"));
    }
    Ok(Insn::MovSx {
        width,
        dst,
        src,
        from,
    })
}

fn jmp_cond(code: u8) -> Option<JmpCond> {
    Some(match code & 0xf0 {
        jmp::JEQ => JmpCond::Eq,
        jmp::JGT => JmpCond::Gt,
        jmp::JGE => JmpCond::Ge,
        jmp::JSET => JmpCond::Set,
        jmp::JNE => JmpCond::Ne,
        jmp::JSGT => JmpCond::SGt,
        jmp::JSGE => JmpCond::SGe,
        jmp::JLT => JmpCond::Lt,
        jmp::JLE => JmpCond::Le,
        jmp::JSLT => JmpCond::SLt,
        jmp::JSLE => JmpCond::SLe,
        _ => return None,
    })
}

fn decode_jmp(r: RawInsn, width: Width) -> Result<Insn> {
    let is_x = r.code & source::X != 0;
    let is64 = width == Width::W64;
    match r.code & 0xf0 {
        jmp::JA => {
            if is_x || r.src != 0 || r.dst != 0 || (is64 && r.imm != 0) || (!is64 && r.off != 0) {
                return Err(reserved("BPF_JA"));
            }
            Ok(if is64 {
                Insn::Ja { off: r.off }
            } else {
                Insn::JaLong { imm: r.imm }
            })
        }
        jmp::CALL if is64 && is_x => {
            if r.src != 0 || r.off != 0 || r.imm != 0 {
                return Err(reserved("BPF_CALLX"));
            }
            Ok(Insn::Callx { reg: reg(r.dst)? })
        }
        jmp::CALL if is64 => {
            let target = match r.src {
                call::HELPER if r.off == 0 => CallTarget::Helper(r.imm),
                call::LOCAL if r.off == 0 => CallTarget::Local(r.imm),
                call::KFUNC => CallTarget::Kfunc {
                    btf_id: r.imm,
                    module: r.off,
                },
                _ => return Err(reserved("BPF_CALL")),
            };
            if r.dst != 0 {
                return Err(reserved("BPF_CALL"));
            }
            Ok(Insn::Call(target))
        }
        jmp::EXIT if is64 => {
            if is_x || r.imm != 0 || r.src != 0 || r.dst != 0 || r.off != 0 {
                return Err(reserved("BPF_EXIT"));
            }
            Ok(Insn::Exit)
        }
        jmp::JCOND if is64 => {
            if is_x || r.src != 0 || r.dst != 0 || r.imm != 0 {
                return Err(reserved("may_goto"));
            }
            Ok(Insn::MayGoto { off: r.off })
        }
        _ => {
            let cond = jmp_cond(r.code).ok_or(DecodeErrorKind::UnknownOpcode(r.code))?;
            let dst = reg(r.dst)?;
            let src = if is_x {
                if r.imm != 0 {
                    return Err(reserved("BPF_JMP"));
                }
                Operand::Reg(reg(r.src)?)
            } else {
                if r.src != 0 {
                    return Err(reserved("BPF_JMP"));
                }
                Operand::Imm(r.imm)
            };
            Ok(Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off: r.off,
            })
        }
    }
}

/// Decodes a whole program. Returns each instruction with the index of its
/// first slot; `ld_imm64` occupies two slots, so indexes can skip.
pub fn decode_program(bytes: &[u8]) -> std::result::Result<Vec<(usize, Insn)>, DecodeError> {
    if !bytes.len().is_multiple_of(8) {
        return Err(DecodeError {
            slot: bytes.len() / 8,
            kind: DecodeErrorKind::TrailingBytes(bytes.len()),
        });
    }
    let raws: Vec<RawInsn> = bytes
        .chunks_exact(8)
        .map(|c| RawInsn::from_bytes(c.try_into().expect("chunks_exact yields 8 bytes")))
        .collect();
    let mut out = Vec::with_capacity(raws.len());
    let mut slot = 0;
    while slot < raws.len() {
        let insn = decode_insn(raws[slot], raws.get(slot + 1).copied())
            .map_err(|kind| DecodeError { slot, kind })?;
        out.push((slot, insn));
        slot += insn.slots();
    }
    Ok(out)
}

/// Decodes one instruction from the start of `bytes` (8 or 16 bytes).
pub fn decode_one(bytes: &[u8]) -> std::result::Result<Insn, DecodeErrorKind> {
    let slot = |i: usize| -> Option<RawInsn> {
        bytes
            .get(i * 8..i * 8 + 8)
            .map(|c| RawInsn::from_bytes(c.try_into().expect("slice of 8")))
    };
    let first = slot(0).ok_or(DecodeErrorKind::TrailingBytes(bytes.len()))?;
    decode_insn(first, slot(1))
}
