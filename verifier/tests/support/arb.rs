//! proptest strategies for instructions.

use palisade_verifier::isa::*;
use proptest::prelude::*;

fn reg() -> impl Strategy<Value = Reg> {
    (0u8..=10).prop_map(|n| Reg::new(n).unwrap())
}

fn width() -> impl Strategy<Value = Width> {
    prop_oneof![Just(Width::W32), Just(Width::W64)]
}

fn size() -> impl Strategy<Value = Size> {
    prop_oneof![Just(Size::B), Just(Size::H), Just(Size::W), Just(Size::DW)]
}

fn imm() -> impl Strategy<Value = i32> {
    prop_oneof![any::<i32>(), -16i32..16, Just(i32::MIN), Just(i32::MAX)]
}

fn off() -> impl Strategy<Value = i16> {
    prop_oneof![any::<i16>(), -16i16..16, Just(i16::MIN)]
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![reg().prop_map(Operand::Reg), imm().prop_map(Operand::Imm)]
}

fn atomic_op() -> impl Strategy<Value = AtomicOp> {
    prop_oneof![
        any::<bool>().prop_map(|fetch| AtomicOp::Add { fetch }),
        any::<bool>().prop_map(|fetch| AtomicOp::Or { fetch }),
        any::<bool>().prop_map(|fetch| AtomicOp::And { fetch }),
        any::<bool>().prop_map(|fetch| AtomicOp::Xor { fetch }),
        Just(AtomicOp::Xchg),
        Just(AtomicOp::CmpXchg),
    ]
}

fn pseudo() -> impl Strategy<Value = Pseudo> {
    (1u8..=6).prop_map(|n| Pseudo::from_number(n).unwrap())
}

/// Every instruction family, with operands drawn from their full ranges;
/// values `decode` would reject are filtered by `is_well_formed`.
pub fn insn() -> impl Strategy<Value = Insn> {
    let alu = (width(), 0..AluOp::ALL.len(), reg(), operand()).prop_map(|(width, op, dst, src)| {
        Insn::Alu {
            width,
            op: AluOp::ALL[op],
            dst,
            src,
        }
    });
    let jmp = (width(), 0..JmpCond::ALL.len(), reg(), operand(), off()).prop_map(
        |(width, c, dst, src, off)| Insn::Jmp {
            width,
            cond: JmpCond::ALL[c],
            dst,
            src,
            off,
        },
    );
    let misc = prop_oneof![
        (width(), reg()).prop_map(|(width, dst)| Insn::Neg { width, dst }),
        (width(), reg(), reg(), size()).prop_map(|(width, dst, src, from)| Insn::MovSx {
            width,
            dst,
            src,
            from
        }),
        (reg(), reg(), any::<bool>()).prop_map(|(dst, src, up)| Insn::AddrSpaceCast {
            dst,
            src,
            dst_space: up as u16,
            src_space: !up as u16,
        }),
        (
            prop_oneof![
                Just(EndianOp::ToLe),
                Just(EndianOp::ToBe),
                Just(EndianOp::Swap)
            ],
            prop_oneof![Just(16u8), Just(32), Just(64)],
            reg()
        )
            .prop_map(|(op, bits, dst)| Insn::Endian { op, bits, dst }),
        (size(), reg(), reg(), off()).prop_map(|(size, dst, src, off)| Insn::Load {
            size,
            dst,
            src,
            off
        }),
        (size(), reg(), reg(), off()).prop_map(|(size, dst, src, off)| Insn::LoadSx {
            size,
            dst,
            src,
            off
        }),
        (size(), reg(), off(), reg()).prop_map(|(size, dst, off, src)| Insn::Store {
            size,
            dst,
            off,
            src
        }),
        (size(), reg(), off(), imm()).prop_map(|(size, dst, off, imm)| Insn::StoreImm {
            size,
            dst,
            off,
            imm
        }),
        (size(), atomic_op(), reg(), reg(), off()).prop_map(|(size, op, dst, src, off)| {
            Insn::Atomic {
                size,
                op,
                dst,
                src,
                off,
            }
        }),
        (size(), reg(), reg(), off()).prop_map(|(size, dst, src, off)| Insn::LoadAcquire {
            size,
            dst,
            src,
            off
        }),
        (size(), reg(), reg(), off()).prop_map(|(size, dst, src, off)| Insn::StoreRelease {
            size,
            dst,
            src,
            off
        }),
        (reg(), any::<i64>()).prop_map(|(dst, imm)| Insn::LdImm64 { dst, imm }),
        (reg(), pseudo(), imm(), imm()).prop_map(|(dst, kind, imm, imm2)| Insn::LdPseudo {
            dst,
            kind,
            imm,
            imm2
        }),
        (size(), imm()).prop_map(|(size, imm)| Insn::LdAbs { size, imm }),
        (size(), reg(), imm()).prop_map(|(size, src, imm)| Insn::LdInd { size, src, imm }),
        off().prop_map(|off| Insn::Ja { off }),
        imm().prop_map(|imm| Insn::JaLong { imm }),
        off().prop_map(|off| Insn::MayGoto { off }),
        imm().prop_map(|id| Insn::Call(CallTarget::Helper(id))),
        imm().prop_map(|rel| Insn::Call(CallTarget::Local(rel))),
        (imm(), off())
            .prop_map(|(btf_id, module)| Insn::Call(CallTarget::Kfunc { btf_id, module })),
        reg().prop_map(|reg| Insn::Callx { reg }),
        Just(Insn::Exit),
    ];
    prop_oneof![alu, jmp, misc].prop_filter("well-formed", Insn::is_well_formed)
}
