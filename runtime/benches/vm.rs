//! Instructions per second of the VM (`cargo bench -p palisade-runtime
//! --bench vm`). Not a test: it prints numbers and asserts nothing about
//! time. Three workloads:
//!
//! * `alu loop`: a tight arithmetic loop (interpreter dispatch cost);
//! * `memory loop`: stack stores and loads in a loop (bounds checks);
//! * `xdp guard`: a packet program parsing Ethernet/IPv4 and looking the
//!   source up in an LPM trie, run packet by packet (per-run overhead
//!   included), as `palisade test` runs policies.

use palisade_runtime::vm::maps::BPF_ANY;
use palisade_runtime::vm::{Frame, MapDef, Maps, PacketHook, Vm, VmConfig};
use palisade_verifier::isa::text::assemble_insns;
use palisade_verifier::object::maps::map_type;
use std::time::{Duration, Instant};

fn vm(text: &str, maps: Maps, budget: u64) -> Vm {
    let insns = assemble_insns(text).expect("bench program assembles");
    let config = VmConfig {
        max_instructions: budget,
        ..VmConfig::default()
    };
    Vm::with_config(&insns, maps, config).expect("bench program loads")
}

/// Runs `f` (which returns instructions executed) for about a second.
fn measure(name: &str, mut f: impl FnMut() -> u64) {
    // Warm up.
    for _ in 0..3 {
        f();
    }
    let start = Instant::now();
    let (mut insns, mut runs) = (0u64, 0u64);
    while start.elapsed() < Duration::from_secs(1) {
        insns += f();
        runs += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<12} {:>8.1} M insns/s  {:>10.0} runs/s  ({} insns/run)",
        insns as f64 / secs / 1e6,
        runs as f64 / secs,
        insns / runs.max(1)
    );
}

fn main() {
    let mut alu = vm(
        "r0 = 0\nr1 = 100000\ntop:\nr2 = r1\nr2 *= 3\nr2 ^= 0x55\nr0 += r2\nr0 >>= 1\nr1 -= 1\nif r1 != 0 goto top\nexit",
        Maps::new(),
        10_000_000,
    );
    measure("alu loop", || {
        alu.run_mem(&mut []).expect("runs").instructions
    });

    let mut mem = vm(
        "r1 = 100000\ntop:\n*(u64 *)(r10 - 8) = r1\nr2 = *(u64 *)(r10 - 8)\n*(u32 *)(r10 - 16) = w2\nr3 = *(u32 *)(r10 - 16)\nr1 -= 1\nif r1 != 0 goto top\nr0 = r3\nexit",
        Maps::new(),
        10_000_000,
    );
    measure("memory loop", || {
        mem.run_mem(&mut []).expect("runs").instructions
    });

    let mut maps = Maps::new();
    let lpm = maps
        .create(
            "blocklist",
            &MapDef {
                map_type: map_type::LPM_TRIE,
                key_size: 8,
                value_size: 4,
                max_entries: 1024,
                ..MapDef::default()
            },
        )
        .expect("map");
    let blocklist = maps.get_mut(lpm).expect("map");
    for (len, a) in [
        (8u32, [10u8, 0, 0, 0]),
        (16, [192, 168, 0, 0]),
        (24, [172, 16, 5, 0]),
    ] {
        let mut key = len.to_le_bytes().to_vec();
        key.extend_from_slice(&a);
        blocklist
            .update(&key, &[1, 0, 0, 0], BPF_ANY)
            .expect("update");
    }
    let mut guard = vm(
        "
        r2 = *(u32 *)(r1 + 0x0)
        r3 = *(u32 *)(r1 + 0x4)
        r4 = r2
        r4 += 34
        if r4 > r3 goto pass
        r5 = *(u16 *)(r2 + 12)
        if r5 != 0x8 goto pass
        r5 = *(u8 *)(r2 + 14)
        r5 &= 0xf0
        if r5 != 0x40 goto pass
        *(u32 *)(r10 - 8) = 32
        r5 = *(u32 *)(r2 + 26)
        *(u32 *)(r10 - 4) = w5
        ld_pseudo r1, 0x1, 0x0
        r2 = r10
        r2 += -8
        call 1
        if r0 == 0 goto pass
        r0 = 1
        exit
    pass:
        r0 = 2
        exit",
        maps,
        1_000_000,
    );
    let mut packet = vec![0u8; 64];
    packet[12] = 0x08;
    packet[14] = 0x45;
    packet[26..30].copy_from_slice(&[172, 16, 5, 9]);
    let mut frame = Frame::new(packet);
    measure("xdp guard", || {
        guard
            .run_packet(PacketHook::Xdp, &mut frame)
            .expect("runs")
            .instructions
    });
}
