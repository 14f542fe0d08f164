//! Context emulation: `xdp_md` and `__sk_buff` with packet pointers,
//! writable and read-only fields, legacy packet loads, and
//! `bpf_sock_addr` for cgroup connect hooks, whose rewrites reach the
//! caller.

mod support;

use palisade_runtime::vm::{Frame, Maps, PacketHook, Region, SockAddr, VmErrorKind};
use support::vm_with;

/// Ethernet + IPv4 + UDP to port 53 (42 bytes).
fn udp_frame() -> Vec<u8> {
    let mut f = vec![0u8; 42];
    f[12] = 0x08; // EtherType 0x0800
    f[14] = 0x45;
    f[23] = 17; // UDP
    f[26..30].copy_from_slice(&[10, 0, 0, 1]);
    f[30..34].copy_from_slice(&[10, 0, 0, 2]);
    f[36..38].copy_from_slice(&53u16.to_be_bytes());
    f
}

const DROP_UDP: &str = "
    r2 = *(u32 *)(r1 + 0x0)
    r3 = *(u32 *)(r1 + 0x4)
    r4 = r2
    r4 += 34
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x8 goto pass
    r5 = *(u8 *)(r2 + 23)
    if r5 != 17 goto pass
    r0 = 1
    exit
pass:
    r0 = 2
    exit";

#[test]
fn xdp_programs_parse_the_packet_through_data_and_data_end() {
    let mut vm = vm_with(DROP_UDP, Maps::new());
    let mut udp = Frame::new(udp_frame());
    assert_eq!(vm.run_packet(PacketHook::Xdp, &mut udp).unwrap().r0, 1);
    let mut tcp = Frame::new(udp_frame());
    tcp.data[23] = 6;
    assert_eq!(vm.run_packet(PacketHook::Xdp, &mut tcp).unwrap().r0, 2);
    let mut short = Frame::new(vec![0u8; 20]);
    assert_eq!(
        vm.run_packet(PacketHook::Xdp, &mut short).unwrap().r0,
        2,
        "bounds check fails"
    );
}

#[test]
fn reading_past_data_end_is_an_out_of_bounds_fault() {
    let mut vm = vm_with(
        "r2 = *(u32 *)(r1 + 0x0)\nr0 = *(u8 *)(r2 + 42)\nexit",
        Maps::new(),
    );
    let err = vm
        .run_packet(PacketHook::Xdp, &mut Frame::new(udp_frame()))
        .unwrap_err();
    assert_eq!(
        err.kind,
        VmErrorKind::OutOfBounds {
            region: Region::Packet,
            offset: 42,
            size: 1,
            len: 42,
            write: false
        }
    );
}

#[test]
fn packet_writes_reach_the_frame() {
    let mut vm = vm_with(
        "r2 = *(u32 *)(r1 + 0x0)\n*(u8 *)(r2 + 23) = 6\nr0 = 2\nexit",
        Maps::new(),
    );
    let mut frame = Frame::new(udp_frame());
    vm.run_packet(PacketHook::Xdp, &mut frame).unwrap();
    assert_eq!(frame.data[23], 6);
}

#[test]
fn sk_buff_fields_are_at_the_kernel_offsets() {
    // len 0, protocol 16, ifindex 40, ingress_ifindex 36, mark 8.
    let text = "
        r0 = *(u32 *)(r1 + 0)
        r2 = *(u32 *)(r1 + 16)
        r0 <<= 16
        r0 |= r2
        r2 = *(u32 *)(r1 + 40)
        r0 <<= 8
        r0 |= r2
        r2 = *(u32 *)(r1 + 36)
        r0 <<= 8
        r0 |= r2
        exit";
    let mut frame = Frame::new(udp_frame());
    frame.ifindex = 3;
    frame.ingress_ifindex = 4;
    let r0 = vm_with(text, Maps::new())
        .run_packet(PacketHook::Tc, &mut frame)
        .unwrap()
        .r0;
    assert_eq!(r0, (42 << 32) | (0x0008 << 16) | (3 << 8) | 4);
}

#[test]
fn writable_fields_come_back_and_read_only_ones_fault() {
    let mut frame = Frame::new(udp_frame());
    let mut vm = vm_with(
        "w2 = 0x77\n*(u32 *)(r1 + 8) = w2\n*(u32 *)(r1 + 48) = w2\nr0 = 0\nexit",
        Maps::new(),
    );
    vm.run_packet(PacketHook::Tc, &mut frame).unwrap();
    assert_eq!(frame.mark, 0x77);
    assert_eq!(frame.cb[0], 0x77);
    let err = vm_with("*(u32 *)(r1 + 0) = 1\nexit", Maps::new())
        .run_packet(PacketHook::Tc, &mut frame)
        .unwrap_err();
    assert!(
        matches!(
            err.kind,
            VmErrorKind::ReadOnly {
                region: Region::Ctx,
                offset: 0,
                ..
            }
        ),
        "{err}"
    );
    // XDP programs cannot write their context at all.
    let err = vm_with("*(u32 *)(r1 + 12) = 1\nexit", Maps::new())
        .run_packet(PacketHook::Xdp, &mut frame)
        .unwrap_err();
    assert!(matches!(err.kind, VmErrorKind::ReadOnly { .. }), "{err}");
    // A socket filter may write cb but not mark.
    let err = vm_with("*(u32 *)(r1 + 8) = 1\nexit", Maps::new())
        .run_packet(PacketHook::SocketFilter, &mut frame)
        .unwrap_err();
    assert!(matches!(err.kind, VmErrorKind::ReadOnly { .. }), "{err}");
}

#[test]
fn pointer_fields_must_be_loaded_whole() {
    let err = vm_with("r0 = *(u16 *)(r1 + 76)\nexit", Maps::new())
        .run_packet(PacketHook::Tc, &mut Frame::new(udp_frame()))
        .unwrap_err();
    assert!(
        matches!(
            err.kind,
            VmErrorKind::CtxAccess {
                offset: 76,
                size: 2,
                ..
            }
        ),
        "{err}"
    );
    let err = vm_with("r0 = *(u64 *)(r1 + 72)\nexit", Maps::new())
        .run_packet(PacketHook::Tc, &mut Frame::new(udp_frame()))
        .unwrap_err();
    assert!(
        matches!(err.kind, VmErrorKind::CtxAccess { .. }),
        "overlaps data: {err}"
    );
}

#[test]
fn data_end_minus_data_is_the_length_in_tc() {
    let text = "r2 = *(u32 *)(r1 + 76)\nr0 = *(u32 *)(r1 + 80)\nr0 -= r2\nexit";
    let r0 = vm_with(text, Maps::new())
        .run_packet(PacketHook::Tc, &mut Frame::new(udp_frame()))
        .unwrap()
        .r0;
    assert_eq!(r0, 42);
}

#[test]
fn legacy_packet_loads_are_big_endian_and_end_the_program_when_out_of_bounds() {
    let mut frame = Frame::new(udp_frame());
    let mut vm = vm_with("r0 = *(u16 *)skb[0xc]\nexit", Maps::new());
    assert_eq!(
        vm.run_packet(PacketHook::Tc, &mut frame).unwrap().r0,
        0x0800
    );
    let mut vm = vm_with(
        "r6 = 40\nr0 = *(u32 *)skb[r6 + 0x4]\nr0 = 7\nexit",
        Maps::new(),
    );
    assert_eq!(
        vm.run_packet(PacketHook::Tc, &mut frame).unwrap().r0,
        0,
        "returns 0"
    );
    let mut vm = vm_with("r0 = *(u8 *)skb[0x0]\nexit", Maps::new());
    let err = vm.run_packet(PacketHook::Xdp, &mut frame).unwrap_err();
    assert!(matches!(err.kind, VmErrorKind::Unsupported(_)));
}

/// A connect4 program: 10.96.0.10:80 -> 10.1.0.5:8080, others untouched.
const CONNECT4: &str = "
    r2 = *(u32 *)(r1 + 4)
    if w2 != 0x0a00600a goto out
    r2 = *(u32 *)(r1 + 24)
    if w2 != 0x5000 goto out
    w2 = 0x0500010a
    *(u32 *)(r1 + 4) = w2
    w2 = 0x901f
    *(u32 *)(r1 + 24) = w2
out:
    r0 = 1
    exit";

#[test]
fn connect4_rewrites_reach_the_caller() {
    let mut vm = vm_with(CONNECT4, Maps::new());
    let mut sa = SockAddr::tcp("10.96.0.10:80".parse().unwrap());
    assert_eq!(vm.run_sock_addr(&mut sa).unwrap().r0, 1);
    assert_eq!(sa.addr, "10.1.0.5:8080".parse().unwrap());
    let mut other = SockAddr::tcp("10.96.0.11:80".parse().unwrap());
    vm.run_sock_addr(&mut other).unwrap();
    assert_eq!(other.addr, "10.96.0.11:80".parse().unwrap());
}

#[test]
fn connect6_writes_user_ip6_and_cannot_write_user_ip4() {
    let text = "
        r2 = *(u32 *)(r1 + 0)
        if r2 != 10 goto +4
        w2 = 0x000080fd
        *(u32 *)(r1 + 8) = w2
        *(u32 *)(r1 + 12) = 0
        *(u32 *)(r1 + 20) = 0x02000000
        r0 = 1
        exit";
    let mut sa = SockAddr::udp("[fd00::1]:53".parse().unwrap());
    vm_with(text, Maps::new()).run_sock_addr(&mut sa).unwrap();
    assert_eq!(sa.addr, "[fd80::2]:53".parse().unwrap());
    let err = vm_with("*(u32 *)(r1 + 4) = 1\nr0 = 1\nexit", Maps::new())
        .run_sock_addr(&mut sa)
        .unwrap_err();
    assert!(
        matches!(err.kind, VmErrorKind::ReadOnly { offset: 4, .. }),
        "{err}"
    );
}

#[test]
fn ctx_sk_points_at_a_read_only_socket() {
    let text = "r2 = *(u64 *)(r1 + 64)\nr0 = *(u32 *)(r2 + 12)\nexit";
    let mut sa = SockAddr::udp("10.0.0.1:53".parse().unwrap());
    assert_eq!(
        vm_with(text, Maps::new())
            .run_sock_addr(&mut sa)
            .unwrap()
            .r0,
        17
    );
    let err = vm_with(
        "r2 = *(u64 *)(r1 + 64)\n*(u32 *)(r2 + 12) = 6\nexit",
        Maps::new(),
    )
    .run_sock_addr(&mut sa)
    .unwrap_err();
    assert!(
        matches!(
            err.kind,
            VmErrorKind::ReadOnly {
                region: Region::Sock,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn kernel_ctx_in_carries_only_user_settable_fields() {
    let mut frame = Frame::new(udp_frame());
    frame.mark = 5;
    frame.ifindex = 2;
    let ctx = frame.kernel_ctx_in(PacketHook::Tc);
    assert_eq!(ctx.len(), 192);
    assert_eq!(&ctx[8..12], &5u32.to_le_bytes());
    assert_eq!(&ctx[40..44], &2u32.to_le_bytes());
    assert_eq!(&ctx[0..4], &[0; 4], "len is set by the kernel");
    assert_eq!(frame.kernel_ctx_in(PacketHook::Xdp).len(), 24);
}

#[test]
fn verdict_names() {
    assert_eq!(PacketHook::Xdp.verdict_name(1), Some("XDP_DROP"));
    assert_eq!(PacketHook::Tc.verdict_name(2), Some("TC_ACT_SHOT"));
    assert_eq!(PacketHook::Tc.verdict_name(u64::MAX), Some("TC_ACT_UNSPEC"));
    assert_eq!(PacketHook::Xdp.verdict_name(9), None);
}

/// Found by the kernel selftest corpus (`verifier_ld_ind.o`): Linux's
/// negative `ld_abs`/`ld_ind` offsets address the link-layer
/// (`SKF_LL_OFF`) and network (`SKF_NET_OFF`) headers.
#[test]
fn legacy_loads_with_skf_offsets_reach_the_headers() {
    let mut frame = Frame::new(udp_frame());
    // SKF_LL_OFF + 12: the EtherType; SKF_NET_OFF + 9: the IP protocol.
    let ll = "r7 = 12\nr0 = *(u16 *)skb[r7 - 0x200000]\nexit";
    assert_eq!(
        vm_with(ll, Maps::new())
            .run_packet(PacketHook::Tc, &mut frame)
            .unwrap()
            .r0,
        0x0800
    );
    let net = "r0 = *(u8 *)skb[-0xffff7]\nexit";
    assert_eq!(
        vm_with(net, Maps::new())
            .run_packet(PacketHook::SocketFilter, &mut frame)
            .unwrap()
            .r0,
        17
    );
    let below = "r0 = 5\nr0 = *(u8 *)skb[-0x200001]\nr0 = 9\nexit";
    assert_eq!(
        vm_with(below, Maps::new())
            .run_packet(PacketHook::Tc, &mut frame)
            .unwrap()
            .r0,
        0
    );
}

#[test]
fn layer_3_hooks_see_the_packet_from_the_network_header() {
    // As BPF_PROG_TEST_RUN: socket filters, cgroup skb and lwt programs
    // start at the IP header and skb->len counts from there.
    let text = "r2 = *(u32 *)(r1 + 76)\nr0 = *(u8 *)(r2 + 0)\nr3 = *(u32 *)(r1 + 0)\nr3 <<= 8\nr0 |= r3\nexit";
    let mut frame = Frame::new(udp_frame());
    let r0 = vm_with(text, Maps::new())
        .run_packet(PacketHook::CgroupSkb, &mut frame)
        .unwrap()
        .r0;
    assert_eq!(r0, (28 << 8) | 0x45, "len 42 - 14, first byte 0x45");
    let r0 = vm_with(text, Maps::new())
        .run_packet(PacketHook::Tc, &mut frame)
        .unwrap()
        .r0;
    assert_eq!(r0, 42 << 8, "tc sees the Ethernet header");
    // ld_abs offsets are from skb->data too.
    let mut vm = vm_with("r0 = *(u8 *)skb[0x9]\nexit", Maps::new());
    assert_eq!(
        vm.run_packet(PacketHook::SocketFilter, &mut frame)
            .unwrap()
            .r0,
        17
    );
}

#[test]
fn xdp_sees_the_loopback_device_by_default() {
    let text = "r0 = *(u32 *)(r1 + 12)\nexit";
    let mut frame = Frame::new(udp_frame());
    assert_eq!(
        vm_with(text, Maps::new())
            .run_packet(PacketHook::Xdp, &mut frame)
            .unwrap()
            .r0,
        1
    );
    frame.ingress_ifindex = 7;
    assert_eq!(
        vm_with(text, Maps::new())
            .run_packet(PacketHook::Xdp, &mut frame)
            .unwrap()
            .r0,
        7
    );
}
