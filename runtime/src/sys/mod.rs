//! The `bpf()` system-call seam: the only place in Palisade that talks to
//! the kernel's BPF subsystem.
//!
//! [`Bpf`] is a small trait over the commands Palisade needs (create a map,
//! update and freeze it, load a program with a verifier log, close a file
//! descriptor). [`Kernel`] is the real implementation on Linux;
//! [`fake::FakeBpf`] records calls and answers from a script, so loader
//! logic can be unit-tested without root.
//!
//! Invariants:
//! * Every descriptor returned by a successful call is owned by an [`Fd`],
//!   which closes it exactly once when dropped.
//! * Request structs are plain data; the unsafe code that builds the
//!   kernel's `union bpf_attr` lives in [`linux`] only.

pub mod fake;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub mod ringbuf;

#[cfg(target_os = "linux")]
pub use linux::Kernel;

use std::fmt;
use std::sync::Arc;

/// An owned file descriptor returned by the BPF seam.
pub struct Fd {
    raw: i32,
    closer: Option<Arc<dyn Fn(i32) + Send + Sync>>,
}

impl Fd {
    /// Wraps a raw descriptor with the function that closes it.
    pub fn new(raw: i32, closer: Arc<dyn Fn(i32) + Send + Sync>) -> Fd {
        Fd {
            raw,
            closer: Some(closer),
        }
    }

    /// The raw descriptor number (still owned by `self`).
    pub fn raw(&self) -> i32 {
        self.raw
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        if let Some(close) = self.closer.take() {
            close(self.raw);
        }
    }
}

impl fmt::Debug for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fd({})", self.raw)
    }
}

/// `BPF_MAP_CREATE` parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapCreate {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    /// Inner map template for map-in-map types.
    pub inner_map_fd: Option<i32>,
    pub name: String,
}

/// `BPF_PROG_LOAD` parameters. Instructions are raw 8-byte slots, already
/// patched with map descriptors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgLoad {
    pub prog_type: u32,
    pub expected_attach_type: u32,
    pub insns: Vec<[u8; 8]>,
    pub license: String,
    pub prog_flags: u32,
    pub name: String,
    /// Verifier log level (0 = no log, 1 = errors, 2 = every instruction).
    pub log_level: u32,
    /// Size of the log buffer in bytes (0 with `log_level` 0).
    pub log_size: u32,
}

/// The answer to `BPF_PROG_LOAD`: a descriptor or an errno, plus the log.
#[derive(Debug)]
pub struct ProgLoadOutcome {
    pub result: Result<Fd, i32>,
    /// The verifier log (may be truncated to `log_size`).
    pub log: String,
}

/// A failed system call: the command and the errno.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bpf({command}) failed: {}", std::io::Error::from_raw_os_error(*errno))]
pub struct SysError {
    pub command: &'static str,
    pub errno: i32,
}

/// `BPF_PROG_TEST_RUN` parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestRun {
    /// Packet data (or raw context memory) given to the program.
    pub data: Vec<u8>,
    /// Run the program this many times (0 and 1 both mean once); the
    /// kernel reports the mean duration.
    pub repeat: u32,
    /// Room for the output packet, in bytes (0: not wanted).
    pub data_out_size: u32,
    /// Optional context (`struct __sk_buff`, `xdp_md`) given to the program.
    pub ctx: Option<Vec<u8>>,
}

/// The answer to `BPF_PROG_TEST_RUN`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestRunOutcome {
    /// The program's return value (r0, truncated to 32 bits).
    pub retval: u32,
    /// Mean time of one run, in nanoseconds.
    pub duration_ns: u32,
    /// The packet after the run (up to `data_out_size`).
    pub data_out: Vec<u8>,
}

/// What `BPF_OBJ_GET_INFO_BY_FD` tells about a loaded program (the fields
/// Palisade reads).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgInfo {
    /// Bytes of the program after the kernel's rewrites (8 per
    /// instruction).
    pub xlated_len: u32,
    /// Bytes of JIT-compiled machine code (0 when not JIT-compiled).
    pub jited_len: u32,
    /// Instructions the kernel verifier processed to accept the program
    /// (its complexity measure, limited to 1,000,000).
    pub verified_insns: u32,
    /// Total run time and number of runs, counted while
    /// `kernel.bpf_stats_enabled` is on.
    pub run_time_ns: u64,
    pub run_cnt: u64,
}

/// The BPF commands Palisade uses.
pub trait Bpf {
    /// `BPF_MAP_CREATE`.
    fn map_create(&self, req: &MapCreate) -> Result<Fd, SysError>;
    /// `BPF_MAP_UPDATE_ELEM` with flags `BPF_ANY`.
    fn map_update(&self, map: &Fd, key: &[u8], value: &[u8]) -> Result<(), SysError>;
    /// `BPF_MAP_FREEZE`: no more writes from user space.
    fn map_freeze(&self, map: &Fd) -> Result<(), SysError>;
    /// `BPF_PROG_LOAD`. A verifier rejection is an `Ok` outcome with an
    /// errno; only failures to make the call at all are `Err`.
    fn prog_load(&self, req: &ProgLoad) -> ProgLoadOutcome;
    /// `BPF_MAP_LOOKUP_ELEM`: the value (`value_len` bytes; per-CPU maps
    /// need `round_up(value_size, 8) * possible CPUs`), or `None` if the
    /// key is absent.
    fn map_lookup(
        &self,
        map: &Fd,
        key: &[u8],
        value_len: usize,
    ) -> Result<Option<Vec<u8>>, SysError>;
    /// `BPF_PROG_TEST_RUN`.
    fn prog_test_run(&self, prog: &Fd, req: &TestRun) -> Result<TestRunOutcome, SysError>;
    /// `BPF_PROG_ATTACH` of `prog` to `target` (a cgroup directory fd) for
    /// `attach_type` (`BPF_CGROUP_INET4_CONNECT`, ...), allowing other
    /// programs beside it (`BPF_F_ALLOW_MULTI`).
    fn prog_attach(&self, prog: &Fd, target: i32, attach_type: u32) -> Result<(), SysError>;
    /// `BPF_PROG_DETACH` of `prog` from `target`.
    fn prog_detach(&self, prog: &Fd, target: i32, attach_type: u32) -> Result<(), SysError>;
    /// `BPF_OBJ_GET_INFO_BY_FD` of a program.
    fn prog_info(&self, prog: &Fd) -> Result<ProgInfo, SysError>;
}
