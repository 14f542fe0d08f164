//! The bpf_conformance suite through the VM: every one of the 313
//! execution tests must give its expected `r0` (RFC 9669 semantics). The
//! same files go through the verifier's ISA tests, so both engines share
//! one corpus.

mod support;

use palisade_runtime::vm::{Maps, Vm};
use palisade_verifier::isa::decode_program;
use std::path::PathBuf;
use support::conformance::{parse_program, read_test_file};

fn data_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "data"))
        .collect();
    files.sort();
    files
}

/// Runs one file; `Ok(r0)` or a description of what went wrong.
fn run_file(path: &std::path::Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file = read_test_file(&text);
    let insns = match &file.raw {
        // `-- raw` replaces `-- asm` when present.
        Some(raw) => decode_program(raw)
            .map_err(|e| format!("raw program: {e}"))?
            .into_iter()
            .map(|(_, i)| i)
            .collect(),
        None => parse_program(&file.asm)?,
    };
    let mut vm = Vm::new(&insns, Maps::new()).map_err(|e| format!("refused: {e}"))?;
    let mut mem = file.mem.clone();
    vm.run_mem(&mut mem)
        .map(|r| r.r0)
        .map_err(|e| format!("fault: {e}"))
}

#[test]
fn every_conformance_program_gives_its_expected_result() {
    let Some(corpus) = support::corpus_dir("every_conformance_program_gives_its_expected_result")
    else {
        return;
    };
    let files = data_files(&corpus.join("conformance/tests"));
    assert_eq!(files.len(), 313, "the conformance suite has 313 tests");
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).expect("readable test file");
        let expected = read_test_file(&text)
            .result
            .unwrap_or_else(|| panic!("{name}: no -- result"));
        match run_file(path) {
            Ok(r0) if r0 == expected => {}
            Ok(r0) => failures.push(format!("{name}: r0 = {r0:#x}, expected {expected:#x}")),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    eprintln!(
        "conformance: {}/{} programs gave their expected r0",
        files.len() - failures.len(),
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `negative/incorrect_return_value_high_bits.data` expects a deliberately
/// wrong value: a correct VM must *not* produce it (upstream uses the file
/// to check that runners compare all 64 bits).
#[test]
fn a_wrong_expected_result_is_not_matched() {
    let Some(corpus) = support::corpus_dir("a_wrong_expected_result_is_not_matched") else {
        return;
    };
    let path = corpus.join("conformance/negative/incorrect_return_value_high_bits.data");
    let text = std::fs::read_to_string(&path).expect("readable test file");
    let wrong = read_test_file(&text).result.expect("a result");
    let r0 = run_file(&path).expect("the program runs");
    assert_eq!(r0, 0x8877_6655_4433_2211);
    assert_ne!(r0, wrong);
}
