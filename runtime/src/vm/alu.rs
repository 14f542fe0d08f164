//! The arithmetic of the ISA as pure functions: ALU operations, byte
//! swaps, sign extension and jump conditions, per RFC 9669 and Linux.
//!
//! * Division by zero gives 0; modulo by zero leaves the dividend
//!   (for 32-bit operations, its low 32 bits, zero-extended).
//! * Signed `INT_MIN / -1` gives `INT_MIN` and `INT_MIN % -1` gives 0
//!   (wrapping, as the kernel's JITs do).
//! * Shift amounts are masked to the operand width (`& 63`, `& 31`).
//! * 32-bit operations see and produce the low 32 bits; the caller
//!   zero-extends the result into the register.
//!
//! Every function is total: no input panics.

use palisade_verifier::isa::{AluOp, EndianOp, JmpCond, Size};

/// `dst op src` on 64 bits.
#[inline]
pub fn alu64(op: AluOp, dst: u64, src: u64) -> u64 {
    match op {
        AluOp::Add => dst.wrapping_add(src),
        AluOp::Sub => dst.wrapping_sub(src),
        AluOp::Mul => dst.wrapping_mul(src),
        AluOp::Div => dst.checked_div(src).unwrap_or(0),
        AluOp::SDiv => {
            if src == 0 {
                0
            } else {
                (dst as i64).wrapping_div(src as i64) as u64
            }
        }
        AluOp::Or => dst | src,
        AluOp::And => dst & src,
        AluOp::Lsh => dst.wrapping_shl(src as u32 & 63),
        AluOp::Rsh => dst.wrapping_shr(src as u32 & 63),
        AluOp::Mod => dst.checked_rem(src).unwrap_or(dst),
        AluOp::SMod => {
            if src == 0 {
                dst
            } else {
                (dst as i64).wrapping_rem(src as i64) as u64
            }
        }
        AluOp::Xor => dst ^ src,
        AluOp::Mov => src,
        AluOp::Arsh => ((dst as i64) >> (src & 63)) as u64,
    }
}

/// `dst op src` on 32 bits.
#[inline]
pub fn alu32(op: AluOp, dst: u32, src: u32) -> u32 {
    match op {
        AluOp::Add => dst.wrapping_add(src),
        AluOp::Sub => dst.wrapping_sub(src),
        AluOp::Mul => dst.wrapping_mul(src),
        AluOp::Div => dst.checked_div(src).unwrap_or(0),
        AluOp::SDiv => {
            if src == 0 {
                0
            } else {
                (dst as i32).wrapping_div(src as i32) as u32
            }
        }
        AluOp::Or => dst | src,
        AluOp::And => dst & src,
        AluOp::Lsh => dst.wrapping_shl(src & 31),
        AluOp::Rsh => dst.wrapping_shr(src & 31),
        AluOp::Mod => dst.checked_rem(src).unwrap_or(dst),
        AluOp::SMod => {
            if src == 0 {
                dst
            } else {
                (dst as i32).wrapping_rem(src as i32) as u32
            }
        }
        AluOp::Xor => dst ^ src,
        AluOp::Mov => src,
        AluOp::Arsh => ((dst as i32) >> (src & 31)) as u32,
    }
}

/// Byte-order conversion of the low `bits` of `value` on a little-endian
/// machine: `le` truncates, `be` and `bswap` swap. The result is
/// zero-extended from `bits`.
#[inline]
pub fn endian(op: EndianOp, bits: u8, value: u64) -> u64 {
    let swap = op != EndianOp::ToLe;
    match bits {
        16 => {
            let v = value as u16;
            u64::from(if swap { v.swap_bytes() } else { v })
        }
        32 => {
            let v = value as u32;
            u64::from(if swap { v.swap_bytes() } else { v })
        }
        _ => {
            if swap {
                value.swap_bytes()
            } else {
                value
            }
        }
    }
}

/// Sign-extends the low `from` bytes of `value` to 64 bits.
#[inline]
pub fn sign_extend(value: u64, from: Size) -> u64 {
    match from {
        Size::B => value as i8 as i64 as u64,
        Size::H => value as i16 as i64 as u64,
        Size::W => value as i32 as i64 as u64,
        Size::DW => value,
    }
}

/// Whether `dst cond src` holds on 64 bits.
#[inline]
pub fn cond64(cond: JmpCond, dst: u64, src: u64) -> bool {
    match cond {
        JmpCond::Eq => dst == src,
        JmpCond::Ne => dst != src,
        JmpCond::Gt => dst > src,
        JmpCond::Ge => dst >= src,
        JmpCond::Lt => dst < src,
        JmpCond::Le => dst <= src,
        JmpCond::SGt => (dst as i64) > (src as i64),
        JmpCond::SGe => (dst as i64) >= (src as i64),
        JmpCond::SLt => (dst as i64) < (src as i64),
        JmpCond::SLe => (dst as i64) <= (src as i64),
        JmpCond::Set => dst & src != 0,
    }
}

/// Whether `dst cond src` holds on the low 32 bits.
#[inline]
pub fn cond32(cond: JmpCond, dst: u32, src: u32) -> bool {
    match cond {
        JmpCond::Eq => dst == src,
        JmpCond::Ne => dst != src,
        JmpCond::Gt => dst > src,
        JmpCond::Ge => dst >= src,
        JmpCond::Lt => dst < src,
        JmpCond::Le => dst <= src,
        JmpCond::SGt => (dst as i32) > (src as i32),
        JmpCond::SGe => (dst as i32) >= (src as i32),
        JmpCond::SLt => (dst as i32) < (src as i32),
        JmpCond::SLe => (dst as i32) <= (src as i32),
        JmpCond::Set => dst & src != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_and_modulo_edge_cases() {
        assert_eq!(alu64(AluOp::Div, 7, 0), 0);
        assert_eq!(alu64(AluOp::Mod, 7, 0), 7);
        assert_eq!(
            alu64(AluOp::SDiv, i64::MIN as u64, -1i64 as u64),
            i64::MIN as u64
        );
        assert_eq!(alu64(AluOp::SMod, i64::MIN as u64, -1i64 as u64), 0);
        assert_eq!(alu64(AluOp::SMod, -7i64 as u64, 2), -1i64 as u64);
        assert_eq!(
            alu32(AluOp::SDiv, i32::MIN as u32, u32::MAX),
            i32::MIN as u32
        );
        assert_eq!(alu32(AluOp::Mod, 9, 0), 9);
    }

    #[test]
    fn shifts_are_masked() {
        assert_eq!(alu64(AluOp::Lsh, 1, 65), 2);
        assert_eq!(alu32(AluOp::Lsh, 1, 33), 2);
        assert_eq!(alu32(AluOp::Arsh, 0x8000_0000, 63), 0xffff_ffff);
        assert_eq!(alu64(AluOp::Arsh, 1 << 63, 64), 1 << 63);
    }

    #[test]
    fn endian_truncates_or_swaps() {
        assert_eq!(endian(EndianOp::ToLe, 16, 0x1122_3344), 0x3344);
        assert_eq!(endian(EndianOp::ToBe, 16, 0x1122_3344), 0x4433);
        assert_eq!(
            endian(EndianOp::Swap, 32, 0xaabb_ccdd_1122_3344),
            0x4433_2211
        );
        assert_eq!(
            endian(EndianOp::ToBe, 64, 0x0102_0304_0506_0708),
            0x0807_0605_0403_0201
        );
    }
}
