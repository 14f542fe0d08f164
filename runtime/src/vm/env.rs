//! The world outside the program, made deterministic: a fake clock, a
//! seeded random number generator, the captured `bpf_trace_printk` output
//! and the identity of the "current task".
//!
//! Invariant: nothing here reads the real clock, the real process or any
//! global state, so the same program, input and [`VmConfig`] always give
//! the same results.

/// Settings of a VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmConfig {
    /// Instructions one run may execute before it fails with
    /// `InstructionLimit` (default 1,000,000).
    pub max_instructions: u64,
    /// How often `may_goto` falls through in one call frame before it
    /// jumps (default 8 Mi, Linux's `BPF_MAX_LOOPS`; since 6.15 Linux
    /// bounds it by time instead, which is not reproducible). A loop that
    /// only ends through `may_goto` needs a larger `max_instructions`.
    pub may_goto_budget: u32,
    /// Seed of `bpf_get_prandom_u32`.
    pub seed: u64,
    /// First value of `bpf_ktime_get_ns` ...
    pub clock_start_ns: u64,
    /// ... and how much it advances on every call.
    pub clock_step_ns: u64,
    /// What `bpf_get_current_pid_tgid` returns.
    pub pid_tgid: u64,
    /// What `bpf_get_current_uid_gid` returns.
    pub uid_gid: u64,
}

impl Default for VmConfig {
    fn default() -> VmConfig {
        VmConfig {
            max_instructions: 1_000_000,
            may_goto_budget: 8 * 1024 * 1024,
            seed: 0x5eed,
            clock_start_ns: 1_000_000_000,
            clock_step_ns: 1_000,
            pid_tgid: (1000 << 32) | 1000,
            uid_gid: 0,
        }
    }
}

/// The mutable part of the environment.
#[derive(Clone, Debug)]
pub struct Env {
    clock_ns: u64,
    clock_step_ns: u64,
    prng: u64,
    pub(crate) pid_tgid: u64,
    pub(crate) uid_gid: u64,
    trace: Vec<String>,
}

impl Env {
    pub fn new(config: &VmConfig) -> Env {
        Env {
            clock_ns: config.clock_start_ns,
            clock_step_ns: config.clock_step_ns,
            prng: config.seed,
            pid_tgid: config.pid_tgid,
            uid_gid: config.uid_gid,
            trace: Vec::new(),
        }
    }

    /// The clock's current value, then advances it.
    pub fn ktime_ns(&mut self) -> u64 {
        let now = self.clock_ns;
        self.clock_ns = self.clock_ns.wrapping_add(self.clock_step_ns);
        now
    }

    /// Sets the clock (e.g. to test time-based logic).
    pub fn set_clock_ns(&mut self, ns: u64) {
        self.clock_ns = ns;
    }

    /// The next pseudo-random `u32` (splitmix64).
    pub fn random_u32(&mut self) -> u32 {
        self.prng = self.prng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.prng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as u32
    }

    pub(crate) fn push_trace(&mut self, line: String) {
        self.trace.push(line);
    }

    /// Lines printed by `bpf_trace_printk`, oldest first.
    pub fn trace(&self) -> &[String] {
        &self.trace
    }

    /// Drains the printed lines.
    pub fn take_trace(&mut self) -> Vec<String> {
        std::mem::take(&mut self.trace)
    }
}
