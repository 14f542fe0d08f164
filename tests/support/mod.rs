//! Shared helpers for the CLI-level integration tests.
#![allow(dead_code)]

pub mod gen;

use palisade_runtime::sys::{Bpf, Kernel, MapCreate};
use std::path::PathBuf;

/// Whether CI demands kernel tests (`PALISADE_REQUIRE_KERNEL=1`).
pub fn kernel_required() -> bool {
    std::env::var("PALISADE_REQUIRE_KERNEL").is_ok_and(|v| v == "1")
}

/// The kernel seam if this process may use BPF, else `None` after a loud
/// skip message (a failure when kernel tests are required).
pub fn kernel(test: &str) -> Option<Kernel> {
    let probe = Kernel.map_create(&MapCreate {
        map_type: 2,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        name: "palisade_probe".into(),
        ..MapCreate::default()
    });
    match probe {
        Ok(_) => Some(Kernel),
        Err(e) => {
            assert!(
                !kernel_required(),
                "{test}: no BPF rights ({e}) but PALISADE_REQUIRE_KERNEL=1"
            );
            eprintln!("\n*** SKIPPED {test}: no BPF rights ({e}); run as root ***\n");
            None
        }
    }
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A number from the environment, or a default.
pub fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
