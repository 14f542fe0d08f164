//! The typed instruction and its operand types.
//!
//! Every variant corresponds to exactly one family of encodings; the field
//! types make invalid combinations unrepresentable where that is cheap
//! (registers are 0..=10, sign-extending loads have no 64-bit size, ...).
//! Offsets of jumps and calls are in instruction *slots* (8 bytes), relative
//! to the slot after the instruction, as in the encoding.

use std::fmt;

/// A register, `r0`..`r10`. `r10` is the read-only frame pointer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reg(u8);

impl Reg {
    pub const R0: Reg = Reg(0);
    pub const R1: Reg = Reg(1);
    pub const R2: Reg = Reg(2);
    pub const R3: Reg = Reg(3);
    pub const R4: Reg = Reg(4);
    pub const R5: Reg = Reg(5);
    pub const R6: Reg = Reg(6);
    pub const R7: Reg = Reg(7);
    pub const R8: Reg = Reg(8);
    pub const R9: Reg = Reg(9);
    /// The frame pointer.
    pub const R10: Reg = Reg(10);
    /// The number of registers.
    pub const COUNT: usize = 11;

    /// Returns the register with this number, if it exists (0..=10).
    pub const fn new(n: u8) -> Option<Reg> {
        if n <= 10 {
            Some(Reg(n))
        } else {
            None
        }
    }

    /// The register number, 0..=10.
    pub const fn index(self) -> u8 {
        self.0
    }

    /// All registers r0..r10 in order.
    pub fn all() -> impl Iterator<Item = Reg> {
        (0..=10).map(Reg)
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

impl fmt::Debug for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// Operation width of ALU and jump instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// 32-bit (`w` registers; class ALU / JMP32). Results are zero-extended.
    W32,
    /// 64-bit (class ALU64 / JMP).
    W64,
}

/// Memory access size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Size {
    B,
    H,
    W,
    DW,
}

impl Size {
    /// The size in bytes: 1, 2, 4 or 8.
    pub const fn bytes(self) -> u32 {
        match self {
            Size::B => 1,
            Size::H => 2,
            Size::W => 4,
            Size::DW => 8,
        }
    }

    /// The C type name used by the assembler syntax (`u8` .. `u64`).
    pub const fn unsigned_name(self) -> &'static str {
        match self {
            Size::B => "u8",
            Size::H => "u16",
            Size::W => "u32",
            Size::DW => "u64",
        }
    }

    /// The signed C type name (`s8` .. `s64`).
    pub const fn signed_name(self) -> &'static str {
        match self {
            Size::B => "s8",
            Size::H => "s16",
            Size::W => "s32",
            Size::DW => "s64",
        }
    }

    /// All sizes, smallest first.
    pub const ALL: [Size; 4] = [Size::B, Size::H, Size::W, Size::DW];
}

/// The second operand of ALU and conditional-jump instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    Reg(Reg),
    Imm(i32),
}

/// Binary ALU operations (`dst = dst op src`), including `mov`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    Add,
    Sub,
    Mul,
    Div,
    /// Signed division (`off == 1`), ISA v4.
    SDiv,
    Or,
    And,
    Lsh,
    Rsh,
    Mod,
    /// Signed modulo (`off == 1`), ISA v4.
    SMod,
    Xor,
    Mov,
    Arsh,
}

impl AluOp {
    /// Every binary ALU operation.
    pub const ALL: [AluOp; 14] = [
        AluOp::Add,
        AluOp::Sub,
        AluOp::Mul,
        AluOp::Div,
        AluOp::SDiv,
        AluOp::Or,
        AluOp::And,
        AluOp::Lsh,
        AluOp::Rsh,
        AluOp::Mod,
        AluOp::SMod,
        AluOp::Xor,
        AluOp::Mov,
        AluOp::Arsh,
    ];

    /// The compound-assignment operator of the assembler syntax (`+=`).
    pub const fn operator(self) -> &'static str {
        match self {
            AluOp::Add => "+=",
            AluOp::Sub => "-=",
            AluOp::Mul => "*=",
            AluOp::Div => "/=",
            AluOp::SDiv => "s/=",
            AluOp::Or => "|=",
            AluOp::And => "&=",
            AluOp::Lsh => "<<=",
            AluOp::Rsh => ">>=",
            AluOp::Mod => "%=",
            AluOp::SMod => "s%=",
            AluOp::Xor => "^=",
            AluOp::Mov => "=",
            AluOp::Arsh => "s>>=",
        }
    }
}

/// Conditions of conditional jumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JmpCond {
    Eq,
    Ne,
    /// Unsigned `>`.
    Gt,
    Ge,
    Lt,
    Le,
    /// Signed `>`.
    SGt,
    SGe,
    SLt,
    SLe,
    /// `dst & src != 0`.
    Set,
}

impl JmpCond {
    /// Every condition.
    pub const ALL: [JmpCond; 11] = [
        JmpCond::Eq,
        JmpCond::Ne,
        JmpCond::Gt,
        JmpCond::Ge,
        JmpCond::Lt,
        JmpCond::Le,
        JmpCond::SGt,
        JmpCond::SGe,
        JmpCond::SLt,
        JmpCond::SLe,
        JmpCond::Set,
    ];

    /// The comparison operator of the assembler syntax.
    pub const fn operator(self) -> &'static str {
        match self {
            JmpCond::Eq => "==",
            JmpCond::Ne => "!=",
            JmpCond::Gt => ">",
            JmpCond::Ge => ">=",
            JmpCond::Lt => "<",
            JmpCond::Le => "<=",
            JmpCond::SGt => "s>",
            JmpCond::SGe => "s>=",
            JmpCond::SLt => "s<",
            JmpCond::SLe => "s<=",
            JmpCond::Set => "&",
        }
    }

    /// The condition that holds exactly when `self` does not.
    /// `Set` has no single-instruction negation and returns `None`.
    pub const fn negate(self) -> Option<JmpCond> {
        Some(match self {
            JmpCond::Eq => JmpCond::Ne,
            JmpCond::Ne => JmpCond::Eq,
            JmpCond::Gt => JmpCond::Le,
            JmpCond::Ge => JmpCond::Lt,
            JmpCond::Lt => JmpCond::Ge,
            JmpCond::Le => JmpCond::Gt,
            JmpCond::SGt => JmpCond::SLe,
            JmpCond::SGe => JmpCond::SLt,
            JmpCond::SLt => JmpCond::SGe,
            JmpCond::SLe => JmpCond::SGt,
            JmpCond::Set => return None,
        })
    }
}

/// Byte-order conversions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndianOp {
    /// Host to little endian (`le16`); class ALU, source K.
    ToLe,
    /// Host to big endian (`be16`); class ALU, source X.
    ToBe,
    /// Unconditional byte swap (`bswap16`); class ALU64, ISA v4.
    Swap,
}

/// Read-modify-write atomic operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    /// `lock *(u64 *)(dst + off) += src`, or with `fetch` the old value in src.
    Add {
        fetch: bool,
    },
    Or {
        fetch: bool,
    },
    And {
        fetch: bool,
    },
    Xor {
        fetch: bool,
    },
    /// Exchange: `src = xchg(dst + off, src)`.
    Xchg,
    /// Compare and exchange: `r0 = cmpxchg(dst + off, r0, src)`.
    CmpXchg,
}

/// The `src_reg` of an `ld_imm64` that the loader resolves (BPF_PSEUDO_*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pseudo {
    /// `imm` is a map fd.
    MapFd,
    /// `imm` is a map fd, `imm2` an offset into its value.
    MapValue,
    /// `imm` is a kernel BTF id of a variable.
    BtfId,
    /// `imm` is the slot offset of a subprogram (pointer to function).
    Func,
    /// `imm` is an index into the fd array passed at load time.
    MapIdx,
    /// Like `MapValue`, with a map index instead of an fd.
    MapIdxValue,
}

impl Pseudo {
    /// The `src_reg` number of this pseudo kind.
    pub const fn number(self) -> u8 {
        use super::opcode::pseudo;
        match self {
            Pseudo::MapFd => pseudo::MAP_FD,
            Pseudo::MapValue => pseudo::MAP_VALUE,
            Pseudo::BtfId => pseudo::BTF_ID,
            Pseudo::Func => pseudo::FUNC,
            Pseudo::MapIdx => pseudo::MAP_IDX,
            Pseudo::MapIdxValue => pseudo::MAP_IDX_VALUE,
        }
    }

    /// The pseudo kind with this `src_reg` number.
    pub const fn from_number(n: u8) -> Option<Pseudo> {
        use super::opcode::pseudo;
        Some(match n {
            pseudo::MAP_FD => Pseudo::MapFd,
            pseudo::MAP_VALUE => Pseudo::MapValue,
            pseudo::BTF_ID => Pseudo::BtfId,
            pseudo::FUNC => Pseudo::Func,
            pseudo::MAP_IDX => Pseudo::MapIdx,
            pseudo::MAP_IDX_VALUE => Pseudo::MapIdxValue,
            _ => return None,
        })
    }

    /// Whether the second slot's `imm` carries a value offset.
    pub const fn has_value_offset(self) -> bool {
        matches!(self, Pseudo::MapValue | Pseudo::MapIdxValue)
    }
}

/// What a `call` instruction calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallTarget {
    /// A helper function by number (`call 1` = `bpf_map_lookup_elem`).
    Helper(i32),
    /// A bpf-to-bpf call; the target slot is `pc + 1 + offset`.
    Local(i32),
    /// A kernel function by BTF id; `module` is the index of the module BTF
    /// fd in the fd array (0 = vmlinux).
    Kfunc { btf_id: i32, module: i16 },
}

/// One eBPF instruction, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Insn {
    /// `dst op= src` for every binary ALU operation, including `mov`.
    Alu {
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Operand,
    },
    /// `dst = -dst`.
    Neg { width: Width, dst: Reg },
    /// Sign-extending move, `dst = (s8)src` (ISA v4). `from` is B, H or W
    /// (W only with 64-bit width).
    MovSx {
        width: Width,
        dst: Reg,
        src: Reg,
        from: Size,
    },
    /// Arena pointer cast between address spaces (Linux 6.9).
    AddrSpaceCast {
        dst: Reg,
        src: Reg,
        dst_space: u16,
        src_space: u16,
    },
    /// Byte-order conversion of the low `bits` (16, 32, 64) of `dst`.
    Endian { op: EndianOp, bits: u8, dst: Reg },
    /// `dst = *(size *)(src + off)`, zero-extending.
    Load {
        size: Size,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `dst = *(s8 *)(src + off)`, sign-extending (ISA v4). `size` is not DW.
    LoadSx {
        size: Size,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `*(size *)(dst + off) = src`.
    Store {
        size: Size,
        dst: Reg,
        off: i16,
        src: Reg,
    },
    /// `*(size *)(dst + off) = imm`.
    StoreImm {
        size: Size,
        dst: Reg,
        off: i16,
        imm: i32,
    },
    /// Atomic read-modify-write on `*(size *)(dst + off)`; size is W or DW.
    Atomic {
        size: Size,
        op: AtomicOp,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `dst = load_acquire((size *)(src + off))` (Linux 6.15).
    LoadAcquire {
        size: Size,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `store_release((size *)(dst + off), src)` (Linux 6.15).
    StoreRelease {
        size: Size,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `dst = imm ll`: a 64-bit constant; takes two slots.
    LdImm64 { dst: Reg, imm: i64 },
    /// An `ld_imm64` the loader resolves (map fd, map value, BTF id,
    /// function, map index); takes two slots. `imm2` is the second slot's
    /// `imm` and is zero unless `kind.has_value_offset()`.
    LdPseudo {
        dst: Reg,
        kind: Pseudo,
        imm: i32,
        imm2: i32,
    },
    /// Legacy packet load `r0 = *(size *)skb[imm]` (socket filters).
    LdAbs { size: Size, imm: i32 },
    /// Legacy packet load `r0 = *(size *)skb[src + imm]`.
    LdInd { size: Size, src: Reg, imm: i32 },
    /// `goto +off`.
    Ja { off: i16 },
    /// `gotol +imm` (JMP32 class, ISA v4): a jump with a 32-bit offset.
    JaLong { imm: i32 },
    /// `if dst cond src goto +off`.
    Jmp {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Operand,
        off: i16,
    },
    /// `may_goto +off`: a loop escape the kernel bounds at run time.
    MayGoto { off: i16 },
    /// `call ...`.
    Call(CallTarget),
    /// `callx reg`: an indirect call (not supported by Linux).
    Callx { reg: Reg },
    /// `exit`: return r0.
    Exit,
}

impl Insn {
    /// The number of 8-byte slots this instruction occupies (1 or 2).
    pub const fn slots(&self) -> usize {
        match self {
            Insn::LdImm64 { .. } | Insn::LdPseudo { .. } => 2,
            _ => 1,
        }
    }

    /// The slot offset of a jump relative to the next slot, for every
    /// instruction that transfers control within the function
    /// (jumps and `may_goto`; not calls).
    pub const fn jump_offset(&self) -> Option<i32> {
        match *self {
            Insn::Ja { off } | Insn::Jmp { off, .. } | Insn::MayGoto { off } => Some(off as i32),
            Insn::JaLong { imm } => Some(imm),
            _ => None,
        }
    }

    /// Whether control never falls through to the next instruction.
    pub const fn is_unconditional_transfer(&self) -> bool {
        matches!(self, Insn::Ja { .. } | Insn::JaLong { .. } | Insn::Exit)
    }

    /// Whether this value is one `decode` can produce, i.e. it respects the
    /// size and width restrictions the type system does not express
    /// (sign-extending loads are B/H/W, atomics are W/DW, `movsx` from W
    /// needs 64-bit width, byte swaps are 16/32/64 bits, address-space
    /// casts are between spaces 0 and 1). `encode` of a
    /// well-formed instruction always decodes back to itself.
    pub fn is_well_formed(&self) -> bool {
        match *self {
            Insn::MovSx { width, from, .. } => {
                matches!(from, Size::B | Size::H) || (from == Size::W && width == Width::W64)
            }
            Insn::Endian { bits, .. } => matches!(bits, 16 | 32 | 64),
            Insn::AddrSpaceCast {
                dst_space,
                src_space,
                ..
            } => matches!((dst_space, src_space), (0, 1) | (1, 0)),
            Insn::LoadSx { size, .. } => size != Size::DW,
            Insn::Atomic { size, .. } => matches!(size, Size::W | Size::DW),
            Insn::LdAbs { size, .. } | Insn::LdInd { size, .. } => size != Size::DW,
            _ => true,
        }
    }
}
