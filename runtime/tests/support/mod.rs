//! Shared helpers of the VM integration tests: assembling test programs
//! from text, running them, and locating the shared corpus.
//!
//! Corpus policy: `PALISADE_CORPUS` (absolute, or relative to the
//! repository root; default `../shared/corpus`). A missing default corpus
//! skips loudly; an explicitly set one that is missing fails.

#![allow(dead_code)]

/// The bpf_conformance `.data` reader, shared with the verifier's tests so
/// that both engines read the corpus the same way.
#[path = "../../../verifier/tests/support/conformance.rs"]
pub mod conformance;

use palisade_runtime::vm::{Maps, RunResult, Vm, VmError};
use palisade_verifier::isa::text::assemble_insns;
use palisade_verifier::isa::Insn;
use std::path::{Path, PathBuf};

/// Assembles test text (LLVM syntax, labels allowed); panics with the
/// assembler's errors, which is a bug in the test itself.
pub fn asm(text: &str) -> Vec<Insn> {
    assemble_insns(text).unwrap_or_else(|e| panic!("bad test assembly: {e:?}\n{text}"))
}

/// A VM for `text` with `maps`.
pub fn vm_with(text: &str, maps: Maps) -> Vm {
    Vm::new(&asm(text), maps).unwrap_or_else(|e| panic!("program refused: {e}\n{text}"))
}

/// Runs `text` on `mem` with no maps.
pub fn run(text: &str, mem: &mut [u8]) -> Result<RunResult, VmError> {
    vm_with(text, Maps::new()).run_mem(mem)
}

/// Runs `text` on no memory and returns `r0`; panics on a fault.
pub fn r0(text: &str) -> u64 {
    run(text, &mut [])
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .r0
}

/// The repository root (the parent of `runtime/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("runtime/ has a parent")
        .to_path_buf()
}

/// The shared corpus directory, or `None` (after a loud message) when the
/// default one is absent.
pub fn corpus_dir(test: &str) -> Option<PathBuf> {
    let explicit = std::env::var_os("PALISADE_CORPUS");
    let dir = match &explicit {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                repo_root().join(p)
            }
        }
        None => repo_root().join("../shared/corpus"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if explicit.is_some() {
        panic!(
            "{test}: PALISADE_CORPUS is set but {} is missing",
            dir.display()
        );
    }
    eprintln!(
        "\n*** SKIPPED {test}: corpus {} not found (set PALISADE_CORPUS) ***\n",
        dir.display()
    );
    None
}
