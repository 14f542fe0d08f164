//! Shared helpers for the object-layer integration tests
//! (`tests/object_*.rs`): locating the corpus and external tools, and the
//! skip-loudly policy. Included with `#[path]`, so it is not a test target.
//!
//! Policy: a test whose tool or data is missing prints a loud `SKIPPED`
//! line and passes, unless `PALISADE_REQUIRE_KERNEL=1` (CI) is set, in
//! which case it fails. An explicitly set `PALISADE_CORPUS` that does not
//! exist is always a failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether CI demands that every tool and kernel test runs.
pub fn required() -> bool {
    std::env::var("PALISADE_REQUIRE_KERNEL").is_ok_and(|v| v == "1")
}

/// Skips (or, when required, fails) with a loud message.
pub fn skip(test: &str, why: &str) {
    if required() {
        panic!("{test}: {why}, and PALISADE_REQUIRE_KERNEL=1 requires it");
    }
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
}

/// The repository root (the parent of `verifier/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("verifier/ has a parent")
        .to_path_buf()
}

/// `obj/*.o` of the kernel verifier corpus, sorted; `None` if the corpus is
/// absent and `PALISADE_CORPUS` was not set (a set but missing corpus
/// panics).
pub fn corpus_objects(test: &str) -> Option<Vec<PathBuf>> {
    let explicit = std::env::var_os("PALISADE_CORPUS");
    let base = match &explicit {
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
    let dir = base.join("kernel-verifier-progs/obj");
    let Ok(entries) = std::fs::read_dir(&dir) else {
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
        return None;
    };
    let mut objs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "o"))
        .collect();
    objs.sort();
    Some(objs)
}

/// Whether `tool --version` runs.
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a command and returns stdout; panics with stderr on failure.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A directory in bpffs for this test's pins, unique per process and
/// test, removed on drop; `None` (after skipping loudly) without BPF
/// rights.
pub struct BpfDir(pub PathBuf);

impl BpfDir {
    pub fn new(test: &str) -> Option<BpfDir> {
        if !have("bpftool") {
            skip(test, "bpftool is not installed");
            return None;
        }
        let base = Path::new("/sys/fs/bpf");
        let is_bpffs = Command::new("stat")
            .args(["-f", "-c", "%T", "/sys/fs/bpf"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "bpf_fs");
        if !is_bpffs {
            skip(
                test,
                "/sys/fs/bpf is not a mounted bpffs (mount -t bpf bpf /sys/fs/bpf)",
            );
            return None;
        }
        let dir = base.join(format!("palisade-test-{}-{test}", std::process::id()));
        if let Err(e) = std::fs::create_dir(&dir) {
            skip(
                test,
                &format!("cannot create {} ({e}); no BPF rights?", dir.display()),
            );
            return None;
        }
        Some(BpfDir(dir))
    }
}

impl Drop for BpfDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
