//! The bpf_conformance corpus through the ISA: every one of the 313
//! programs parses into typed instructions and survives
//! encode -> decode and encode -> print -> assemble byte for byte; the
//! `negative/` files that must not decode or assemble are rejected.

mod support;

use palisade_verifier::isa::text::assemble_insns;
use palisade_verifier::isa::{decode_program, encode_program, Insn};
use std::path::Path;
use support::conformance::{parse_program, read_test_file};

fn data_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "data"))
        .collect();
    files.sort();
    files
}

/// Encode, decode, print and re-assemble; every step must be exact.
fn round_trip(name: &str, insns: &[Insn]) {
    let bytes = encode_program(insns);
    let decoded: Vec<Insn> = decode_program(&bytes)
        .unwrap_or_else(|e| panic!("{name}: decode of our own encoding failed: {e}"))
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    assert_eq!(decoded, insns, "{name}: decode(encode(x)) != x");
    let text: String = insns.iter().map(|i| format!("{i}\n")).collect();
    let reassembled = assemble_insns(&text)
        .unwrap_or_else(|e| panic!("{name}: assembling our own listing failed: {e:?}\n{text}"));
    assert_eq!(
        encode_program(&reassembled),
        bytes,
        "{name}: print -> assemble changed the bytes\n{text}"
    );
}

#[test]
fn every_conformance_program_round_trips() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let files = data_files(&corpus.join("conformance/tests"));
    assert_eq!(files.len(), 313, "the conformance suite has 313 tests");
    let mut instructions = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        let file = read_test_file(&std::fs::read_to_string(path).unwrap());
        let insns = parse_program(&file.asm).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(raw) = &file.raw {
            // `-- raw` (lddw.data) describes the same program as `-- asm`.
            assert_eq!(&encode_program(&insns), raw, "{name}: asm and raw disagree");
        }
        instructions += insns.len();
        round_trip(&name, &insns);
    }
    eprintln!(
        "{} conformance programs, {instructions} instructions round-tripped",
        files.len()
    );
}

/// Negative files whose program must be rejected by the decoder or the
/// assembler. `error.data` and `incorrect_return_value_high_bits.data` are
/// valid programs whose failure upstream is at run time, so they are not
/// listed here (they must assemble).
#[test]
fn negative_files_are_rejected() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let mut rejected = 0;
    for path in data_files(&corpus.join("conformance/negative")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let file = read_test_file(&std::fs::read_to_string(&path).unwrap());
        if let Some(raw) = &file.raw {
            let err = decode_program(raw).expect_err(&format!("{name}: must not decode"));
            assert_eq!(err.slot, 0, "{name}: the first instruction is the bad one");
            assert!(!err.to_string().is_empty());
            rejected += 1;
            continue;
        }
        let outcome = parse_program(&file.asm);
        match name.as_str() {
            "error.data" | "incorrect_return_value_high_bits.data" => {
                let insns = outcome.unwrap_or_else(|e| panic!("{name} is a valid program: {e}"));
                round_trip(&name, &insns);
            }
            _ => {
                // Upstream's error texts belong to its own assembler; ours
                // must only be present and say what is wrong.
                let err = outcome.expect_err(&format!("{name}: must not assemble"));
                assert!(!err.is_empty(), "{name}: empty error");
                rejected += 1;
            }
        }
    }
    assert_eq!(
        rejected, 58,
        "58 of the 60 negative files are invalid programs"
    );
}
