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

/// Every `samples/*.pol`, sorted (at least the six the language issue asks
/// for).
pub fn sample_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo_root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pol"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 6, "expected at least six samples");
    paths
}

/// A number from the environment, or a default.
pub fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A fresh directory on bpffs for pins, removed (with its pins) on drop.
pub struct BpffsDir(PathBuf);

impl BpffsDir {
    /// `/sys/fs/bpf/palisade_test_<tag>_<pid>_<n>`; mounts bpffs if needed.
    pub fn new(tag: &str) -> BpffsDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let root = PathBuf::from("/sys/fs/bpf");
        let mounted = std::fs::read_to_string("/proc/mounts").is_ok_and(|m| {
            m.lines()
                .any(|l| l.split_whitespace().nth(1) == Some("/sys/fs/bpf") && l.contains(" bpf "))
        });
        if !mounted {
            let _ = std::process::Command::new("mount")
                .args(["-t", "bpf", "bpf", "/sys/fs/bpf"])
                .status();
        }
        let dir = root.join(format!(
            "palisade_test_{tag}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        BpffsDir(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for BpffsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A network namespace of the test's own, deleted on drop.
pub struct NetNs(String);

impl NetNs {
    /// Creates `pal<tag><pid><n>` with loopback up.
    pub fn new(tag: &str) -> NetNs {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "pal{tag}{}x{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let ok = std::process::Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ip netns add {name} failed");
        let ns = NetNs(name);
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// `ip -n NS ARGS...`, which must succeed.
    pub fn ip(&self, args: &[&str]) {
        let out = std::process::Command::new("ip")
            .arg("-n")
            .arg(&self.0)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ip -n {} {args:?}: {}",
            self.0,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs a command inside the namespace.
    pub fn run(&self, cmd: &[&str]) -> std::process::Output {
        std::process::Command::new("ip")
            .args(["netns", "exec", &self.0])
            .args(cmd)
            .output()
            .unwrap()
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.0])
            .status();
    }
}

/// The cgroup v2 mount point, found in /proc/mounts.
pub fn cgroup2_root() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    mounts
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == "cgroup2")
        .map(|f| PathBuf::from(f[1]))
}

/// A fresh cgroup v2 directory, removed on drop (after its processes exit).
pub struct Cgroup(PathBuf);

impl Cgroup {
    /// `None` (after a loud skip) when cgroup v2 is not mounted.
    pub fn new(tag: &str) -> Option<Cgroup> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let Some(root) = cgroup2_root() else {
            assert!(!kernel_required(), "cgroup v2 is not mounted");
            eprintln!("\n*** SKIPPED: cgroup v2 is not mounted ***\n");
            return None;
        };
        let dir = root.join(format!(
            "palisade_test_{tag}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Some(Cgroup(dir))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
