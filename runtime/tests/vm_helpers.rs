//! Helpers outside maps: the deterministic clock and PRNG, captured
//! `bpf_trace_printk` output, the CPU id, packet byte access and the
//! checksum helpers.

mod support;

use palisade_runtime::vm::{Frame, Maps, PacketHook, Vm, VmConfig, VmErrorKind};
use support::{asm, r0, vm_with};

#[test]
fn the_clock_is_fake_and_deterministic() {
    let config = VmConfig {
        clock_start_ns: 5_000,
        clock_step_ns: 10,
        ..VmConfig::default()
    };
    let text = "call 5\nr6 = r0\ncall 5\nr0 -= r6\nr0 <<= 32\nr0 |= r6\nexit";
    let mut vm = Vm::with_config(&asm(text), Maps::new(), config).unwrap();
    assert_eq!(vm.run_mem(&mut []).unwrap().r0, (10 << 32) | 5_000);
    vm.env_mut().set_clock_ns(1);
    assert_eq!(vm.run_mem(&mut []).unwrap().r0 & 0xffff_ffff, 1);
}

#[test]
fn random_numbers_depend_only_on_the_seed() {
    let run = |seed: u64| {
        let config = VmConfig {
            seed,
            ..VmConfig::default()
        };
        let mut vm = Vm::with_config(&asm("call 7\nexit"), Maps::new(), config).unwrap();
        [0; 3].map(|_: u8| vm.run_mem(&mut []).unwrap().r0)
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
    let values = run(3);
    assert!(values.iter().all(|v| *v <= u64::from(u32::MAX)));
    assert!(values[0] != values[1] || values[1] != values[2]);
}

#[test]
fn trace_printk_output_is_captured() {
    let text = r#"
        *(u64 *)(r10 - 16) = 0
        r1 = 0x2520642520786f6e ll
        *(u64 *)(r10 - 24) = r1
        r1 = 0x0a78 ll
        *(u64 *)(r10 - 16) = r1
        r1 = r10
        r1 += -24
        r2 = 16
        r3 = -5
        r4 = 255
        call 6
        exit"#;
    // "nox %d %x\n" with -5, 255.
    let mut vm = vm_with(text, Maps::new());
    let r = vm.run_mem(&mut []).unwrap();
    assert_eq!(vm.env().trace(), &["nox -5 ff".to_string()]);
    assert_eq!(r.r0, "nox -5 ff\n".len() as u64);
    assert_eq!(vm.env_mut().take_trace().len(), 1);
    assert!(vm.env().trace().is_empty());
}

#[test]
fn trace_printk_without_a_nul_is_einval() {
    let text = "*(u64 *)(r10 - 8) = 0x41\n*(u8 *)(r10 - 8) = 0x41\nr1 = r10\nr1 += -8\nr2 = 1\ncall 6\nexit";
    assert_eq!(r0(text) as i64, -22);
}

#[test]
fn cpu_and_task_identity() {
    assert_eq!(r0("call 8\nexit"), 0);
    let config = VmConfig {
        pid_tgid: 42,
        ..VmConfig::default()
    };
    let mut vm = Vm::with_config(&asm("call 14\nexit"), Maps::new(), config).unwrap();
    assert_eq!(vm.run_mem(&mut []).unwrap().r0, 42);
}

fn ipv4_frame() -> Vec<u8> {
    let mut f = vec![0u8; 34];
    f[12] = 0x08;
    f[14..34].copy_from_slice(&[
        0x45, 0, 0, 0x54, 0, 0, 0x40, 0, 0x40, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    let sum = checksum(&f[14..34]);
    f[24..26].copy_from_slice(&sum.to_be_bytes());
    f
}

fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[test]
fn l3_csum_replace_keeps_the_ipv4_checksum_valid() {
    // Rewrite the destination to 192.168.7.9 and fix the checksum with
    // bpf_skb_store_bytes + bpf_l3_csum_replace, as a NAT program does.
    let text = "
        r6 = r1
        r2 = *(u32 *)(r1 + 76)
        r3 = *(u32 *)(r1 + 80)
        r4 = r2
        r4 += 34
        if r4 > r3 goto out
        r7 = *(u32 *)(r2 + 30)
        w8 = 0x0907a8c0
        *(u32 *)(r10 - 4) = w8
        r1 = r6
        r2 = 30
        r3 = r10
        r3 += -4
        r4 = 4
        r5 = 0
        call 9
        r1 = r6
        r2 = 24
        r3 = r7
        r4 = r8
        r5 = 4
        call 10
    out:
        exit";
    let mut frame = Frame::new(ipv4_frame());
    let r = vm_with(text, Maps::new())
        .run_packet(PacketHook::Tc, &mut frame)
        .unwrap();
    assert_eq!(r.r0, 0);
    assert_eq!(&frame.data[30..34], &[192, 168, 7, 9]);
    assert_eq!(
        checksum(&frame.data[14..34]),
        0,
        "the header still sums to zero"
    );
}

#[test]
fn skb_load_bytes_copies_or_fails_with_efault() {
    let text = "r2 = 12\nr3 = r10\nr3 += -8\nr4 = 2\ncall 26\nif r0 != 0 goto +2\nr0 = *(u16 *)(r10 - 8)\nexit\nexit";
    let mut frame = Frame::new(ipv4_frame());
    assert_eq!(
        vm_with(text, Maps::new())
            .run_packet(PacketHook::Tc, &mut frame)
            .unwrap()
            .r0,
        0x0008
    );
    let text = "r2 = 33\nr3 = r10\nr3 += -8\nr4 = 2\ncall 26\nexit";
    assert_eq!(
        vm_with(text, Maps::new())
            .run_packet(PacketHook::Tc, &mut frame)
            .unwrap()
            .r0 as i64,
        -14
    );
    let err = vm_with(text, Maps::new())
        .run_packet(PacketHook::Xdp, &mut frame)
        .unwrap_err();
    assert!(matches!(err.kind, VmErrorKind::Unsupported(_)), "{err}");
}

#[test]
fn csum_diff_of_a_word_change() {
    // diff(from = 1.2.3.4, to = 1.2.3.5) applied to a checksum.
    let text = "
        *(u32 *)(r10 - 4) = 0x04030201
        *(u32 *)(r10 - 8) = 0x05030201
        r1 = r10
        r1 += -4
        r2 = 4
        r3 = r10
        r3 += -8
        r4 = 4
        r5 = 0
        call 28
        exit";
    let diff = r0(text) as u32;
    // ~from + to, one's complement.
    let (s, c) = (!0x0403_0201u32).overflowing_add(0x0503_0201);
    assert_eq!(diff, s + u32::from(c));
    assert_eq!(
        r0("r1 = r10\nr2 = 3\nr3 = r10\nr4 = 0\nr5 = 0\ncall 28\nexit") as i64,
        -22
    );
}

/// Regression: the first 1,000,000-input fuzz run found `from_size +
/// to_size` overflowing (a debug panic) for sizes near `u64::MAX`.
#[test]
fn csum_diff_with_huge_sizes_is_einval_not_a_panic() {
    let text = "r1 = r10\nr2 = -4\nr3 = r10\nr4 = 8\nr5 = 0\ncall 28\nexit";
    assert_eq!(r0(text) as i64, -22);
}

#[test]
fn redirect_gives_the_hook_verdict() {
    let text = "r1 = 3\nr2 = 0\ncall 23\nexit";
    let mut frame = Frame::new(ipv4_frame());
    assert_eq!(
        vm_with(text, Maps::new())
            .run_packet(PacketHook::Tc, &mut frame)
            .unwrap()
            .r0,
        7
    );
    assert_eq!(
        vm_with(text, Maps::new())
            .run_packet(PacketHook::Xdp, &mut frame)
            .unwrap()
            .r0,
        4
    );
    let bad_flags = "r1 = 3\nr2 = 8\ncall 23\nexit";
    assert_eq!(
        vm_with(bad_flags, Maps::new())
            .run_packet(PacketHook::Tc, &mut frame)
            .unwrap()
            .r0,
        2
    );
}
