//! Running a loaded program on one packet with `BPF_PROG_TEST_RUN`.

use super::load::LoadedProgram;
use crate::sys::{Bpf, SysError, TestRun};

/// The result of running a program on a packet in the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketRun {
    /// The program's return value (`TC_ACT_*`, `XDP_*`).
    pub retval: u32,
    /// Mean nanoseconds per run (meaningful with `repeat` > 1).
    pub duration_ns: u32,
}

/// Smallest frame the kernel runs a packet program on (an Ethernet header).
pub const MIN_FRAME: usize = 14;

/// Runs `program` on `frame` `repeat` times. The kernel refuses frames
/// shorter than [`MIN_FRAME`] (EINVAL), and skb programs also frames whose
/// outer EtherType is IPv4/IPv6 but that are shorter than that header.
pub fn run_packet(
    bpf: &dyn Bpf,
    program: &LoadedProgram,
    frame: &[u8],
    repeat: u32,
) -> Result<PacketRun, SysError> {
    let out = bpf.prog_test_run(
        &program.fd,
        &TestRun {
            data: frame.to_vec(),
            repeat,
            data_out_size: 0,
            ctx: None,
        },
    )?;
    Ok(PacketRun {
        retval: out.retval,
        duration_ns: out.duration_ns,
    })
}

/// The number of possible CPUs (per-CPU map values hold one slot each).
pub fn possible_cpus() -> usize {
    std::fs::read_to_string("/sys/devices/system/cpu/possible")
        .ok()
        .and_then(|s| parse_cpu_list(s.trim()))
        .unwrap_or(1)
}

/// Parses `0-3,5` into the count of CPUs it names (highest index + 1).
fn parse_cpu_list(s: &str) -> Option<usize> {
    let mut max = 0usize;
    for part in s.split(',') {
        let last = part.split('-').next_back()?.trim().parse::<usize>().ok()?;
        max = max.max(last + 1);
    }
    Some(max)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_lists() {
        assert_eq!(super::parse_cpu_list("0-3"), Some(4));
        assert_eq!(super::parse_cpu_list("0"), Some(1));
        assert_eq!(super::parse_cpu_list("0-1,4-5"), Some(6));
        assert_eq!(super::parse_cpu_list("x"), None);
    }
}
