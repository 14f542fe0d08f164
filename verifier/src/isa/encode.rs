//! [`Insn`] to bytes: the inverse of [`decode`](super::decode).

use super::decode::RawInsn;
use super::insn::*;
use super::opcode::{alu, atomic, call, class, jmp, mode, size, source, LD_IMM64};

fn size_bits(s: Size) -> u8 {
    match s {
        Size::W => size::W,
        Size::H => size::H,
        Size::B => size::B,
        Size::DW => size::DW,
    }
}

fn alu_class(width: Width) -> u8 {
    match width {
        Width::W32 => class::ALU,
        Width::W64 => class::ALU64,
    }
}

fn jmp_class(width: Width) -> u8 {
    match width {
        Width::W32 => class::JMP32,
        Width::W64 => class::JMP,
    }
}

fn raw(code: u8, dst: Reg, src: Reg, off: i16, imm: i32) -> RawInsn {
    RawInsn {
        code,
        dst: dst.index(),
        src: src.index(),
        off,
        imm,
    }
}

const R0: Reg = Reg::R0;

/// The operation bits and `off` value of a binary ALU operation.
fn alu_bits(op: AluOp) -> (u8, i16) {
    match op {
        AluOp::Add => (alu::ADD, 0),
        AluOp::Sub => (alu::SUB, 0),
        AluOp::Mul => (alu::MUL, 0),
        AluOp::Div => (alu::DIV, 0),
        AluOp::SDiv => (alu::DIV, 1),
        AluOp::Or => (alu::OR, 0),
        AluOp::And => (alu::AND, 0),
        AluOp::Lsh => (alu::LSH, 0),
        AluOp::Rsh => (alu::RSH, 0),
        AluOp::Mod => (alu::MOD, 0),
        AluOp::SMod => (alu::MOD, 1),
        AluOp::Xor => (alu::XOR, 0),
        AluOp::Mov => (alu::MOV, 0),
        AluOp::Arsh => (alu::ARSH, 0),
    }
}

fn cond_bits(cond: JmpCond) -> u8 {
    match cond {
        JmpCond::Eq => jmp::JEQ,
        JmpCond::Ne => jmp::JNE,
        JmpCond::Gt => jmp::JGT,
        JmpCond::Ge => jmp::JGE,
        JmpCond::Lt => jmp::JLT,
        JmpCond::Le => jmp::JLE,
        JmpCond::SGt => jmp::JSGT,
        JmpCond::SGe => jmp::JSGE,
        JmpCond::SLt => jmp::JSLT,
        JmpCond::SLe => jmp::JSLE,
        JmpCond::Set => jmp::JSET,
    }
}

fn atomic_imm(op: AtomicOp) -> i32 {
    let fetch = |f: bool| if f { atomic::FETCH } else { 0 };
    match op {
        AtomicOp::Add { fetch: f } => atomic::ADD | fetch(f),
        AtomicOp::Or { fetch: f } => atomic::OR | fetch(f),
        AtomicOp::And { fetch: f } => atomic::AND | fetch(f),
        AtomicOp::Xor { fetch: f } => atomic::XOR | fetch(f),
        AtomicOp::Xchg => atomic::XCHG,
        AtomicOp::CmpXchg => atomic::CMPXCHG,
    }
}

/// Encodes one instruction into one or two slots.
pub fn encode_raw(insn: &Insn) -> (RawInsn, Option<RawInsn>) {
    let one = |r: RawInsn| (r, None);
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            let (bits, off) = alu_bits(op);
            let code = alu_class(width) | bits;
            one(match src {
                Operand::Reg(s) => raw(code | source::X, dst, s, off, 0),
                Operand::Imm(imm) => raw(code | source::K, dst, R0, off, imm),
            })
        }
        Insn::Neg { width, dst } => one(raw(alu_class(width) | alu::NEG, dst, R0, 0, 0)),
        Insn::MovSx {
            width,
            dst,
            src,
            from,
        } => one(raw(
            alu_class(width) | alu::MOV | source::X,
            dst,
            src,
            (from.bytes() * 8) as i16,
            0,
        )),
        Insn::AddrSpaceCast {
            dst,
            src,
            dst_space,
            src_space,
        } => one(raw(
            class::ALU64 | alu::MOV | source::X,
            dst,
            src,
            1,
            ((dst_space as u32) << 16 | src_space as u32) as i32,
        )),
        Insn::Endian { op, bits, dst } => {
            let code = match op {
                EndianOp::ToLe => class::ALU | alu::END | source::K,
                EndianOp::ToBe => class::ALU | alu::END | source::X,
                EndianOp::Swap => class::ALU64 | alu::END | source::K,
            };
            one(raw(code, dst, R0, 0, bits as i32))
        }
        Insn::Load {
            size,
            dst,
            src,
            off,
        } => one(raw(
            class::LDX | mode::MEM | size_bits(size),
            dst,
            src,
            off,
            0,
        )),
        Insn::LoadSx {
            size,
            dst,
            src,
            off,
        } => one(raw(
            class::LDX | mode::MEMSX | size_bits(size),
            dst,
            src,
            off,
            0,
        )),
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => one(raw(
            class::STX | mode::MEM | size_bits(size),
            dst,
            src,
            off,
            0,
        )),
        Insn::StoreImm {
            size,
            dst,
            off,
            imm,
        } => one(raw(
            class::ST | mode::MEM | size_bits(size),
            dst,
            R0,
            off,
            imm,
        )),
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        } => one(raw(
            class::STX | mode::ATOMIC | size_bits(size),
            dst,
            src,
            off,
            atomic_imm(op),
        )),
        Insn::LoadAcquire {
            size,
            dst,
            src,
            off,
        } => one(raw(
            class::STX | mode::ATOMIC | size_bits(size),
            dst,
            src,
            off,
            atomic::LOAD_ACQ,
        )),
        Insn::StoreRelease {
            size,
            dst,
            src,
            off,
        } => one(raw(
            class::STX | mode::ATOMIC | size_bits(size),
            dst,
            src,
            off,
            atomic::STORE_REL,
        )),
        Insn::LdImm64 { dst, imm } => (
            raw(LD_IMM64, dst, R0, 0, imm as i32),
            Some(raw(0, R0, R0, 0, (imm >> 32) as i32)),
        ),
        Insn::LdPseudo {
            dst,
            kind,
            imm,
            imm2,
        } => (
            RawInsn {
                code: LD_IMM64,
                dst: dst.index(),
                src: kind.number(),
                off: 0,
                imm,
            },
            Some(raw(0, R0, R0, 0, imm2)),
        ),
        Insn::LdAbs { size, imm } => {
            one(raw(class::LD | mode::ABS | size_bits(size), R0, R0, 0, imm))
        }
        Insn::LdInd { size, src, imm } => one(raw(
            class::LD | mode::IND | size_bits(size),
            R0,
            src,
            0,
            imm,
        )),
        Insn::Ja { off } => one(raw(class::JMP | jmp::JA, R0, R0, off, 0)),
        Insn::JaLong { imm } => one(raw(class::JMP32 | jmp::JA, R0, R0, 0, imm)),
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            off,
        } => {
            let code = jmp_class(width) | cond_bits(cond);
            one(match src {
                Operand::Reg(s) => raw(code | source::X, dst, s, off, 0),
                Operand::Imm(imm) => raw(code | source::K, dst, R0, off, imm),
            })
        }
        Insn::MayGoto { off } => one(raw(class::JMP | jmp::JCOND, R0, R0, off, 0)),
        Insn::Call(target) => {
            let (src, off, imm) = match target {
                CallTarget::Helper(id) => (call::HELPER, 0, id),
                CallTarget::Local(rel) => (call::LOCAL, 0, rel),
                CallTarget::Kfunc { btf_id, module } => (call::KFUNC, module, btf_id),
            };
            one(RawInsn {
                code: class::JMP | jmp::CALL,
                dst: 0,
                src,
                off,
                imm,
            })
        }
        Insn::Callx { reg } => one(raw(class::JMP | jmp::CALL | source::X, reg, R0, 0, 0)),
        Insn::Exit => one(raw(class::JMP | jmp::EXIT, R0, R0, 0, 0)),
    }
}

/// Appends the bytes of one instruction (8 or 16) to `out`.
pub fn encode_into(insn: &Insn, out: &mut Vec<u8>) {
    let (first, second) = encode_raw(insn);
    out.extend_from_slice(&first.to_bytes());
    if let Some(second) = second {
        out.extend_from_slice(&second.to_bytes());
    }
}

/// Encodes a sequence of instructions into program bytes.
pub fn encode_program<'a>(insns: impl IntoIterator<Item = &'a Insn>) -> Vec<u8> {
    let mut out = Vec::new();
    for insn in insns {
        encode_into(insn, &mut out);
    }
    out
}

impl Insn {
    /// The encoded bytes of this instruction (8 or 16).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16);
        encode_into(self, &mut out);
        out
    }
}
