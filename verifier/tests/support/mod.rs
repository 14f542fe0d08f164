//! Shared helpers for the verifier crate's integration tests.
#![allow(dead_code)]

pub mod arb;
pub mod conformance;

use std::path::PathBuf;

/// The shared test corpus: `$PALISADE_CORPUS`, else `../shared/corpus`
/// relative to the workspace root. Returns `None` (after a loud message)
/// when it is missing and not required; panics when `PALISADE_CORPUS` is
/// set but the directory does not exist.
pub fn corpus_dir() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    match std::env::var_os("PALISADE_CORPUS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let dir = if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            };
            assert!(
                dir.is_dir(),
                "PALISADE_CORPUS={} does not exist",
                dir.display()
            );
            Some(dir)
        }
        None => {
            let dir = root.join("../shared/corpus");
            if dir.is_dir() {
                Some(dir)
            } else {
                eprintln!(
                    "\n*** SKIPPED: test corpus not found at {} (set PALISADE_CORPUS) ***\n",
                    dir.display()
                );
                None
            }
        }
    }
}
