//! Round-trip properties of the ISA:
//! random well-formed instruction -> encode -> decode -> print -> assemble
//! gives identical bytes; decoding arbitrary bytes never panics and, when
//! it succeeds, re-encodes to the same bytes.

use palisade_verifier::isa::decode::{decode_insn, RawInsn};
use palisade_verifier::isa::text::parse_insn;
use palisade_verifier::isa::*;
use proptest::prelude::*;

mod support;
use support::arb::insn;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn encode_decode_print_assemble_round_trips(insn in insn()) {
        let bytes = insn.to_bytes();
        let decoded = decode_program(&bytes).expect("our encoding decodes");
        prop_assert_eq!(decoded.len(), 1);
        prop_assert_eq!(decoded[0].1, insn);
        let text = insn.to_string();
        let parsed = parse_insn(&text).map_err(|e| TestCaseError::fail(format!("`{text}`: {e}")))?;
        prop_assert_eq!(parsed.to_bytes(), bytes, "`{}`", text);
    }

    #[test]
    fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(insns) = decode_program(&bytes) {
            let re = encode_program(insns.iter().map(|(_, i)| i));
            prop_assert_eq!(re, bytes);
        }
    }
}

/// Every opcode byte with a grid of field values: whatever decodes must
/// encode back to the same bytes and print/parse to itself.
#[test]
fn every_opcode_with_field_grid_round_trips() {
    let offs = [0i16, 1, 8, 16, 32, -1, 0x7fff];
    let imms = [
        0i32, 1, 16, 32, 64, 0x100, 0x110, 0xe1, 0xf1, 0x41, 0x10000, -1,
    ];
    let mut accepted = 0;
    for code in 0..=255u8 {
        for dst in 0..16u8 {
            for src in 0..16u8 {
                for &off in &offs {
                    for &imm in &imms {
                        let raw = RawInsn {
                            code,
                            dst,
                            src,
                            off,
                            imm,
                        };
                        let second = RawInsn {
                            code: 0,
                            dst: 0,
                            src: 0,
                            off: 0,
                            imm: 7,
                        };
                        let Ok(insn) = decode_insn(raw, Some(second)) else {
                            continue;
                        };
                        accepted += 1;
                        let mut expect = raw.to_bytes().to_vec();
                        if insn.slots() == 2 {
                            expect.extend_from_slice(&second.to_bytes());
                        }
                        assert_eq!(insn.to_bytes(), expect, "{code:#04x} {insn:?}");
                        let text = insn.to_string();
                        assert_eq!(
                            parse_insn(&text).unwrap_or_else(|e| panic!("`{text}`: {e}")),
                            insn
                        );
                    }
                }
            }
        }
    }
    // Sanity: the grid reaches a large share of the encodings.
    assert!(accepted > 10_000, "only {accepted} encodings accepted");
}

/// Encodings checked by hand against llvm-mc-19 / llvm-objdump-19
/// (`--mcpu=v4`); these pin the register nibbles and sub-fields.
#[test]
fn known_encodings() {
    let cases: &[(&str, [u8; 8])] = &[
        ("w8 = *(u32 *)(r1 + 0x4)", [0x61, 0x18, 0x04, 0, 0, 0, 0, 0]),
        (
            "*(u32 *)(r10 - 0x4) = w1",
            [0x63, 0x1a, 0xfc, 0xff, 0, 0, 0, 0],
        ),
        (
            "*(u8 *)(r10 - 0x8) = 0x5",
            [0x72, 0x0a, 0xf8, 0xff, 5, 0, 0, 0],
        ),
        (
            "lock *(u64 *)(r2 + 0x0) += r1",
            [0xdb, 0x12, 0, 0, 0, 0, 0, 0],
        ),
        (
            "r9 = atomic_fetch_or((u64 *)(r2 + 0x0), r9)",
            [0xdb, 0x92, 0, 0, 0x41, 0, 0, 0],
        ),
        (
            "r7 = xchg_64(r2 + 0x0, r7)",
            [0xdb, 0x72, 0, 0, 0xe1, 0, 0, 0],
        ),
        (
            "r0 = cmpxchg_64(r2 + 0x0, r0, r9)",
            [0xdb, 0x92, 0, 0, 0xf1, 0, 0, 0],
        ),
        ("r6 = be16 r6", [0xdc, 0x06, 0, 0, 0x10, 0, 0, 0]),
        ("r1 = bswap32 r1", [0xd7, 0x01, 0, 0, 0x20, 0, 0, 0]),
        ("r1 = (s16)r2", [0xbf, 0x21, 0x10, 0, 0, 0, 0, 0]),
        ("w1 s%= 0x3", [0x94, 0x01, 0x01, 0, 3, 0, 0, 0]),
        (
            "r1 = *(s16 *)(r2 - 0x4)",
            [0x89, 0x21, 0xfc, 0xff, 0, 0, 0, 0],
        ),
        (
            "if w1 s<= -0x3 goto -0x1",
            [0xd6, 0x01, 0xff, 0xff, 0xfd, 0xff, 0xff, 0xff],
        ),
        ("gotol +0x2710", [0x06, 0, 0, 0, 0x10, 0x27, 0, 0]),
        ("call 0x1", [0x85, 0, 0, 0, 1, 0, 0, 0]),
        (
            "call local -0x1",
            [0x85, 0x10, 0, 0, 0xff, 0xff, 0xff, 0xff],
        ),
        ("callx r3", [0x8d, 0x03, 0, 0, 0, 0, 0, 0]),
        ("may_goto +0x4", [0xe5, 0, 4, 0, 0, 0, 0, 0]),
        (
            "r1 = addr_space_cast(r2, 0x1, 0x0)",
            [0xbf, 0x21, 1, 0, 0, 0, 1, 0],
        ),
        ("r0 = *(u32 *)skb[r3]", [0x40, 0x30, 0, 0, 0, 0, 0, 0]),
        ("r0 = *(u8 *)skb[0x3]", [0x30, 0, 0, 0, 3, 0, 0, 0]),
        ("exit", [0x95, 0, 0, 0, 0, 0, 0, 0]),
    ];
    for (text, bytes) in cases {
        let insn = parse_insn(text).unwrap_or_else(|e| panic!("`{text}`: {e}"));
        assert_eq!(insn.to_bytes(), bytes, "`{text}`");
        assert_eq!(insn.to_string(), *text);
    }
    let wide = parse_insn("r1 = 0x123456789 ll").unwrap();
    assert_eq!(
        wide.to_bytes(),
        [0x18, 0x01, 0, 0, 0x89, 0x67, 0x45, 0x23, 0, 0, 0, 0, 1, 0, 0, 0]
    );
}

/// Regression: BPF_ST with a register in the src nibble is reserved
/// ("BPF_ST uses reserved fields" in the kernel).
#[test]
fn store_immediate_with_src_register_is_rejected() {
    let bytes = [0x62, 0xa1, 0, 0, 0, 0, 0, 0];
    let err = decode_program(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::ReservedFields("BPF_ST"));
}

#[test]
fn assembler_errors_point_at_the_problem() {
    use palisade_verifier::isa::text::assemble;
    let errs =
        assemble("r0 = 1\nr11 = 2\nif r1 > goto +1\ngoto nowhere\nr1 += w2\nexit\n").unwrap_err();
    let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5], "{errs:?}");
    assert!(
        errs[0].message.contains("register") || errs[0].message.contains("r11"),
        "{}",
        errs[0]
    );
    assert_eq!(errs[2].message, "unknown label `nowhere` in this section");
    assert!(errs[3].message.contains("widths differ"));
    assert!(parse_insn("r1 = 0x100000000")
        .unwrap_err()
        .message
        .contains("32 bits"));
    assert!(parse_insn("*(u64 *)(r10 - 8) = w1").is_err());
    assert!(parse_insn("r1 = *(s64 *)(r2 + 0)").is_err());
}
