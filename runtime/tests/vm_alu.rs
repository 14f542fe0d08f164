//! ALU instructions, written as assembler text: 64- and 32-bit arithmetic,
//! zero extension, division and modulo by zero, signed division, shifts,
//! sign-extending moves, negation and byte swaps (RFC 9669 + Linux).

mod support;

use support::r0;

#[test]
fn arithmetic_wraps_on_64_bits() {
    assert_eq!(r0("r0 = -1\nr0 += 2\nexit"), 1);
    assert_eq!(r0("r0 = 0\nr0 -= 1\nexit"), u64::MAX);
    assert_eq!(r0("r0 = 0x100000000 ll\nr0 *= r0\nexit"), 0);
    assert_eq!(r0("r0 = 7\nr1 = 3\nr0 /= r1\nexit"), 2);
    assert_eq!(r0("r0 = 7\nr0 %= 4\nexit"), 3);
    assert_eq!(
        r0("r0 = 0xf0\nr0 |= 0x0f\nr0 &= 0x3c\nr0 ^= 0xff\nexit"),
        0xc3
    );
}

#[test]
fn immediates_are_sign_extended_for_64_bit_operations() {
    assert_eq!(r0("r0 = -2\nexit"), (-2i64) as u64);
    assert_eq!(r0("r0 = 0\nr0 += -1\nexit"), u64::MAX);
    // A 32-bit operation sees the same immediate as 32 bits.
    assert_eq!(r0("w0 = -2\nexit"), 0xffff_fffe);
}

#[test]
fn operations_on_32_bits_zero_extend() {
    assert_eq!(r0("r0 = -1\nw0 += 1\nexit"), 0);
    assert_eq!(r0("r0 = -1\nw0 = w0\nexit"), 0xffff_ffff);
    assert_eq!(r0("r0 = 0x1ffffffff ll\nw0 *= 2\nexit"), 0xffff_fffe);
    assert_eq!(
        r0("r0 = 0x100000005 ll\nr1 = 0x100000002 ll\nw0 /= w1\nexit"),
        2
    );
}

#[test]
fn division_by_zero_gives_zero() {
    assert_eq!(r0("r0 = 9\nr1 = 0\nr0 /= r1\nexit"), 0);
    assert_eq!(r0("r0 = 9\nr0 /= 0\nexit"), 0);
    assert_eq!(r0("r0 = 9\nr1 = 0\nw0 /= w1\nexit"), 0);
    assert_eq!(r0("r0 = -9\nr1 = 0\nr0 s/= r1\nexit"), 0);
    // Only the low 32 bits of the divisor count for 32-bit division.
    assert_eq!(r0("r0 = 9\nr1 = 0x100000000 ll\nw0 /= w1\nexit"), 0);
}

#[test]
fn modulo_by_zero_leaves_the_dividend() {
    assert_eq!(r0("r0 = 9\nr1 = 0\nr0 %= r1\nexit"), 9);
    assert_eq!(r0("r0 = -9\nr1 = 0\nr0 s%= r1\nexit"), (-9i64) as u64);
    // 32-bit: the dividend's low half, zero-extended.
    assert_eq!(r0("r0 = -9\nr1 = 0\nw0 %= w1\nexit"), (-9i32) as u32 as u64);
}

#[test]
fn signed_division_and_modulo() {
    assert_eq!(r0("r0 = -7\nr0 s/= 2\nexit"), (-3i64) as u64);
    assert_eq!(r0("r0 = -7\nr0 s%= 2\nexit"), (-1i64) as u64);
    assert_eq!(r0("r0 = 7\nr0 s%= -2\nexit"), 1);
    assert_eq!(
        r0("r0 = 0x8000000000000000 ll\nr0 s/= -1\nexit"),
        0x8000_0000_0000_0000,
        "INT64_MIN / -1 wraps"
    );
    assert_eq!(r0("r0 = 0x8000000000000000 ll\nr0 s%= -1\nexit"), 0);
    assert_eq!(r0("w0 = -8\nw0 s/= 3\nexit"), (-2i32) as u32 as u64);
}

#[test]
fn shifts_are_masked_to_the_width() {
    assert_eq!(r0("r0 = 1\nr0 <<= 65\nexit"), 2);
    assert_eq!(r0("r0 = 1\nr1 = 64\nr0 <<= r1\nexit"), 1);
    assert_eq!(r0("w0 = 1\nw0 <<= 33\nexit"), 2);
    assert_eq!(r0("r0 = -16\nr0 >>= 60\nexit"), 0xf);
    assert_eq!(r0("r0 = -16\nr0 s>>= 2\nexit"), (-4i64) as u64);
    assert_eq!(r0("w0 = -16\nw0 s>>= 34\nexit"), (-4i32) as u32 as u64);
}

#[test]
fn negation() {
    assert_eq!(r0("r0 = 5\nr0 = -r0\nexit"), (-5i64) as u64);
    assert_eq!(r0("r0 = 5\nw0 = -w0\nexit"), (-5i32) as u32 as u64);
    assert_eq!(
        r0("r0 = 0x8000000000000000 ll\nr0 = -r0\nexit"),
        0x8000_0000_0000_0000
    );
}

#[test]
fn sign_extending_moves() {
    assert_eq!(r0("r1 = 0x80\nr0 = (s8)r1\nexit"), (-128i64) as u64);
    assert_eq!(r0("r1 = 0x18000\nr0 = (s16)r1\nexit"), (-32768i64) as u64);
    assert_eq!(
        r0("r1 = 0x80000000 ll\nr0 = (s32)r1\nexit"),
        0xffff_ffff_8000_0000
    );
    assert_eq!(
        r0("r1 = 0xff\nw0 = (s8)w1\nexit"),
        0xffff_ffff,
        "32-bit movsx zero-extends"
    );
}

#[test]
fn byte_order_conversions() {
    assert_eq!(r0("r0 = 0x1122334455667788 ll\nr0 = be16 r0\nexit"), 0x8877);
    assert_eq!(
        r0("r0 = 0x1122334455667788 ll\nr0 = be32 r0\nexit"),
        0x8877_6655
    );
    assert_eq!(
        r0("r0 = 0x1122334455667788 ll\nr0 = be64 r0\nexit"),
        0x8877_6655_4433_2211
    );
    assert_eq!(
        r0("r0 = 0x1122334455667788 ll\nr0 = le16 r0\nexit"),
        0x7788,
        "le truncates"
    );
    assert_eq!(
        r0("r0 = 0x1122334455667788 ll\nr0 = le32 r0\nexit"),
        0x5566_7788
    );
    assert_eq!(
        r0("r0 = 0x1122334455667788 ll\nr0 = le64 r0\nexit"),
        0x1122_3344_5566_7788
    );
    assert_eq!(
        r0("r0 = 0x1122334455667788 ll\nr0 = bswap16 r0\nexit"),
        0x8877
    );
    assert_eq!(
        r0("r0 = 0x1122334455667788 ll\nr0 = bswap32 r0\nexit"),
        0x8877_6655
    );
    assert_eq!(
        r0("r0 = 0x1122334455667788 ll\nr0 = bswap64 r0\nexit"),
        0x8877_6655_4433_2211
    );
}

#[test]
fn ld_imm64_loads_all_64_bits() {
    assert_eq!(
        r0("r0 = 0xdeadbeefcafef00d ll\nexit"),
        0xdead_beef_cafe_f00d
    );
}
