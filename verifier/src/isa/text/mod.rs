//! The assembler text syntax: printing ([`Display`](std::fmt::Display) for
//! [`Insn`](crate::isa::Insn)), single-instruction parsing and the
//! whole-file assembler.
//!
//! The syntax is LLVM's (`llvm-objdump -d --mcpu=v4` prints it, `llvm-mc`
//! assembles it, and the kernel's verifier log uses a close relative):
//! `r0 = 1`, `w1 += w2`, `if r1 > r2 goto +3`, `*(u32 *)(r10 - 8) = r1`,
//! `lock *(u64 *)(r1 + 0) += r2`, `r1 = 0x1234 ll`, `call 1`, `exit`.
//! See [`print`] for the three places where Palisade's spelling extends
//! LLVM's so that text round-trips to identical bytes.
//!
//! ```
//! use palisade_verifier::isa::text::parse_insn;
//! let insn = parse_insn("if r1 > r2 goto +3").unwrap();
//! assert_eq!(insn.to_string(), "if r1 > r2 goto +0x3");
//! ```

mod assemble;
mod lex;
mod parse;
pub mod print;

pub use assemble::{
    assemble, assemble_insns, parse_insn, AsmError, AsmInsn, AsmMap, AsmReloc, AsmSection,
    AsmSymbol, Assembly, RelocKind, SymbolKind, MAP_TYPES,
};
pub use parse::parse_reg;
