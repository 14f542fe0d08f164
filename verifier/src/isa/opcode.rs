//! The opcode table: every bit pattern of the eBPF opcode byte, defined once.
//!
//! An opcode byte is `class (3 bits) | ...`. For ALU/JMP classes the upper
//! bits hold `op (4 bits) | source (1 bit)`; for load/store classes they hold
//! `mode (3 bits) | size (2 bits)`.

/// Instruction classes (low 3 bits of the opcode).
pub mod class {
    pub const LD: u8 = 0x00;
    pub const LDX: u8 = 0x01;
    pub const ST: u8 = 0x02;
    pub const STX: u8 = 0x03;
    pub const ALU: u8 = 0x04;
    pub const JMP: u8 = 0x05;
    pub const JMP32: u8 = 0x06;
    pub const ALU64: u8 = 0x07;
}

/// Source bit of ALU and JMP opcodes.
pub mod source {
    /// Operand is the 32-bit immediate (also `TO_LE` for `END`).
    pub const K: u8 = 0x00;
    /// Operand is the source register (also `TO_BE` for `END`).
    pub const X: u8 = 0x08;
}

/// ALU operations (bits 4..8).
pub mod alu {
    pub const ADD: u8 = 0x00;
    pub const SUB: u8 = 0x10;
    pub const MUL: u8 = 0x20;
    pub const DIV: u8 = 0x30;
    pub const OR: u8 = 0x40;
    pub const AND: u8 = 0x50;
    pub const LSH: u8 = 0x60;
    pub const RSH: u8 = 0x70;
    pub const NEG: u8 = 0x80;
    pub const MOD: u8 = 0x90;
    pub const XOR: u8 = 0xa0;
    pub const MOV: u8 = 0xb0;
    pub const ARSH: u8 = 0xc0;
    pub const END: u8 = 0xd0;
}

/// Jump operations (bits 4..8).
pub mod jmp {
    pub const JA: u8 = 0x00;
    pub const JEQ: u8 = 0x10;
    pub const JGT: u8 = 0x20;
    pub const JGE: u8 = 0x30;
    pub const JSET: u8 = 0x40;
    pub const JNE: u8 = 0x50;
    pub const JSGT: u8 = 0x60;
    pub const JSGE: u8 = 0x70;
    pub const CALL: u8 = 0x80;
    pub const EXIT: u8 = 0x90;
    pub const JLT: u8 = 0xa0;
    pub const JLE: u8 = 0xb0;
    pub const JSLT: u8 = 0xc0;
    pub const JSLE: u8 = 0xd0;
    /// `may_goto` (JMP class, source K, src_reg 0).
    pub const JCOND: u8 = 0xe0;
}

/// Memory access size (bits 3..5 of load/store opcodes).
pub mod size {
    pub const W: u8 = 0x00;
    pub const H: u8 = 0x08;
    pub const B: u8 = 0x10;
    pub const DW: u8 = 0x18;
}

/// Memory access mode (bits 5..8 of load/store opcodes).
pub mod mode {
    pub const IMM: u8 = 0x00;
    pub const ABS: u8 = 0x20;
    pub const IND: u8 = 0x40;
    pub const MEM: u8 = 0x60;
    pub const MEMSX: u8 = 0x80;
    pub const ATOMIC: u8 = 0xc0;
}

/// The `imm` field of atomic instructions.
pub mod atomic {
    pub const ADD: i32 = 0x00;
    pub const OR: i32 = 0x40;
    pub const AND: i32 = 0x50;
    pub const XOR: i32 = 0xa0;
    /// Or-ed into ADD/OR/AND/XOR: the old value is returned in `src`.
    pub const FETCH: i32 = 0x01;
    pub const XCHG: i32 = 0xe0 | FETCH;
    pub const CMPXCHG: i32 = 0xf0 | FETCH;
    pub const LOAD_ACQ: i32 = 0x100;
    pub const STORE_REL: i32 = 0x110;
}

/// `src_reg` values of `ld_imm64` (BPF_PSEUDO_*).
pub mod pseudo {
    pub const MAP_FD: u8 = 1;
    pub const MAP_VALUE: u8 = 2;
    pub const BTF_ID: u8 = 3;
    pub const FUNC: u8 = 4;
    pub const MAP_IDX: u8 = 5;
    pub const MAP_IDX_VALUE: u8 = 6;
}

/// `src_reg` values of `call`.
pub mod call {
    pub const HELPER: u8 = 0;
    pub const LOCAL: u8 = 1;
    pub const KFUNC: u8 = 2;
}

/// The opcode of the 16-byte `ld_imm64` instruction.
pub const LD_IMM64: u8 = class::LD | mode::IMM | size::DW;

/// Extracts the class bits of an opcode.
pub const fn class_of(code: u8) -> u8 {
    code & 0x07
}
