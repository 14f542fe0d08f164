//! Shared by the code-quality benchmark (`benches/codegen.rs`) and its
//! correctness test (`tests/bench_baselines.rs`), which include this folder
//! with `#[path]`.
//!
//! * [`cases`]: the three benchmark policies (`bench/policies/*.pol`),
//!   their hand-written C twins (`bench/c/*.c`) and the packet mixes;
//! * [`frames`]: benchmark frames and the edge-case frames derived from
//!   them (VLAN tags, options, extension headers, fragments, truncation);
//! * [`clang`]: compiles the C baselines with clang-16 into a temp dir;
//! * [`engines`]: loads objects into the userspace VM (instruction counts)
//!   and the kernel (verdicts, `BPF_PROG_TEST_RUN` timings), filling the C
//!   baselines' maps with exactly the entries Palisade's object carries;
//! * [`scale`]: the generated policies of the scale benchmark;
//! * [`report`]: medians and Markdown tables.
//!
//! Invariant: before anything is measured, [`engines::Pair::check_mixes`]
//! checks that the Palisade program, the C program and the reference
//! semantics give the same verdict on every frame, in every engine used
//! ([`engines::Pair::verdicts`] is the one comparison).
#![allow(dead_code, reason = "the test uses only part of the harness")]

pub mod cases;
pub mod clang;
pub mod engines;
pub mod frames;
pub mod report;
pub mod scale;

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `bench/` folder.
pub fn bench_dir() -> PathBuf {
    repo_root().join("bench")
}

/// Whether CI demands the kernel parts (`PALISADE_REQUIRE_KERNEL=1`).
pub fn kernel_required() -> bool {
    std::env::var("PALISADE_REQUIRE_KERNEL").is_ok_and(|v| v == "1")
}

/// A number from the environment, or a default.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
