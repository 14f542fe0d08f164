//! The eBPF instruction set: RFC 9669 plus the Linux extensions up to 6.x.
//!
//! * [`Insn`] is the typed instruction every other part of Palisade matches
//!   on. Raw bytes are only touched by [`decode`](decode) and
//!   [`encode`](encode).
//! * [`opcode`] is the single table of opcode bits; nothing else spells out
//!   numeric opcodes.
//! * [`text`] prints and parses the LLVM/kernel assembler syntax
//!   (`r0 = 1`, `if r1 > r2 goto +3`, `lock *(u64 *)(r1 + 0) += r2`).
//!
//! Invariants:
//! * `decode(encode(i)) == i` for every `Insn`, and `encode(decode(b)) == b`
//!   for every byte string `decode` accepts: decoding rejects every
//!   instruction whose unused fields are non-zero, so each accepted byte
//!   string has exactly one typed form.
//! * Decoding never panics; bad input is a [`DecodeError`].

pub mod decode;
pub mod encode;
mod insn;
pub mod opcode;
pub mod text;

pub use decode::{decode_program, DecodeError, DecodeErrorKind};
pub use encode::encode_program;
pub use insn::*;
