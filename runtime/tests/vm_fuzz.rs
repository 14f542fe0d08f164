//! The fuzz targets of `palisade_runtime::vm::fuzz`, run a bounded number
//! of times: random (unverified) programs and random bytes never panic,
//! every failure is a typed error at a real instruction, and identical runs
//! agree. `PALISADE_VM_FUZZ_RUNS` sets the number of inputs per target
//! (default 20,000; a long run uses 1,000,000).

use palisade_runtime::vm::fuzz::{raw_program, structured_program, typed_program, FuzzOutcome};
use palisade_runtime::vm::VmErrorKind;
use palisade_verifier::isa::encode_program;
use std::collections::BTreeMap;

fn runs() -> u64 {
    std::env::var("PALISADE_VM_FUZZ_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// A small deterministic generator of test inputs (splitmix64).
struct Inputs(u64);

impl Inputs {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = (self.next_u64() as usize) % (max + 1);
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// The bytes of a typed program with a few bytes overwritten: mostly
    /// decodable, sometimes not, never shaped by the decoder's rules.
    fn mutated_program(&mut self) -> Vec<u8> {
        let choices = self.bytes(400);
        let mut bytes = encode_program(&typed_program(&choices).0);
        for _ in 0..self.next_u64() % 4 {
            let r = self.next_u64();
            let i = (r as usize) % bytes.len();
            bytes[i] = (r >> 32) as u8;
        }
        bytes
    }
}

fn kind_name(kind: &VmErrorKind) -> &'static str {
    match kind {
        VmErrorKind::Unmapped { .. } => "unmapped",
        VmErrorKind::OutOfBounds { .. } => "out of bounds",
        VmErrorKind::ReadOnly { .. } => "read only",
        VmErrorKind::CtxAccess { .. } => "ctx access",
        VmErrorKind::InstructionLimit { .. } => "instruction limit",
        VmErrorKind::CallDepth { .. } => "call depth",
        VmErrorKind::FellOffEnd => "fell off end",
        VmErrorKind::UnknownHelper(_) => "unknown helper",
        VmErrorKind::HelperArg { .. } => "helper argument",
        VmErrorKind::BadCallx(_) => "callx",
        VmErrorKind::Unsupported(_) => "unsupported",
        VmErrorKind::NoSuchProgram(_) => "no such program",
    }
}

/// Runs a target over generated inputs; returns outcome counts by name.
fn drive(
    target: fn(&[u8]) -> FuzzOutcome,
    seed: u64,
    mut make: impl FnMut(&mut Inputs) -> Vec<u8>,
) -> BTreeMap<&'static str, u64> {
    let mut inputs = Inputs(seed);
    let mut counts = BTreeMap::new();
    for _ in 0..runs() {
        let data = make(&mut inputs);
        let name = match target(&data) {
            FuzzOutcome::NotAProgram => "not a program",
            FuzzOutcome::Refused(_) => "refused",
            FuzzOutcome::Ran(Ok(_)) => "exit",
            FuzzOutcome::Ran(Err(e)) => {
                // A fault renders and names an instruction of the program
                // (at most 41 instructions of at most 2 slots).
                assert!(!e.to_string().is_empty());
                assert!(e.slot < 82.max(data.len() / 8), "{e}");
                kind_name(&e.kind)
            }
            FuzzOutcome::Diverged(why) => {
                panic!("identical runs diverged: {why}\ninput: {data:02x?}")
            }
        };
        *counts.entry(name).or_insert(0) += 1;
    }
    counts
}

#[test]
fn random_typed_programs_never_panic_and_fault_cleanly() {
    let counts = drive(structured_program, 1, |i| i.bytes(400));
    eprintln!("structured fuzz, {} inputs: {counts:?}", runs());
    // The generator reaches both ends of a run and the memory checks.
    for expected in ["exit", "unmapped", "out of bounds"] {
        assert!(
            counts.get(expected).copied().unwrap_or(0) > 0,
            "no `{expected}` outcome: {counts:?}"
        );
    }
}

#[test]
fn random_bytes_never_panic() {
    let counts = drive(raw_program, 2, |i| i.bytes(96));
    eprintln!("raw-bytes fuzz, {} inputs: {counts:?}", runs());
    assert!(counts.get("not a program").copied().unwrap_or(0) > 0);
}

#[test]
fn mutated_program_bytes_never_panic() {
    let counts = drive(raw_program, 3, Inputs::mutated_program);
    eprintln!("mutated-bytes fuzz, {} inputs: {counts:?}", runs());
    assert!(counts.get("exit").copied().unwrap_or(0) > 0, "{counts:?}");
    assert!(
        counts.get("not a program").copied().unwrap_or(0) > 0,
        "{counts:?}"
    );
}
