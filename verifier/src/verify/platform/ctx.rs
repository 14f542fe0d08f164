//! Context layouts: which bytes of a program's context (`__sk_buff`,
//! `xdp_md`, `bpf_sock_addr`, ...) it may read or write, with which sizes,
//! and what a load produces (a scalar, or a packet or socket pointer).
//!
//! These are the rules of each program type's `is_valid_access` in Linux
//! (`net/core/filter.c`, `kernel/trace/bpf_trace.c`), rewritten as tables
//! of fields. Offsets are those of the UAPI structs on 64-bit little-endian
//! machines.

use super::prog_type::{AttachType, ProgKind, ProgType};

/// What a permitted context load yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtxValue {
    /// A number.
    Scalar,
    /// `skb->data` / `xdp->data`.
    Packet,
    /// `data_meta`.
    PacketMeta,
    /// `data_end`.
    PacketEnd,
    /// A socket pointer that may be NULL.
    SocketOrNull,
    /// A socket pointer that is never NULL.
    Socket,
    /// `skb->sk`: a `bpf_sock_common` pointer that may be NULL.
    SockCommonOrNull,
}

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Read,
    Write,
}

/// One context access to judge.
#[derive(Clone, Copy, Debug)]
pub struct CtxAccess {
    pub off: i64,
    pub size: u32,
    pub dir: Dir,
    /// A sign-extending load (`ldsx`).
    pub sign_extend: bool,
}

/// The context layout of a program kind, or `None` when Palisade does not
/// model that program type's context.
pub fn ctx_size(kind: ProgKind) -> Option<u32> {
    use ProgType as P;
    Some(match kind.prog_type {
        t if t.is_skb() => SKB_SIZE,
        P::Xdp => 24,
        P::CgroupSockAddr => 72,
        P::CgroupSock => 80,
        P::SkLookup => 72,
        P::SkMsg => 80,
        P::Kprobe => PT_REGS_SIZE,
        P::Tracepoint => 2048,
        P::RawTracepoint => 12 * 8,
        P::PerfEvent => PT_REGS_SIZE + 16,
        P::CgroupDevice => 12,
        P::CgroupSysctl => 8,
        P::Syscall => u16::MAX as u32,
        _ => return None,
    })
}

const SKB_SIZE: u32 = 192;
const PT_REGS_SIZE: u32 = 21 * 8;

/// Judges a context access. `Some(value)` when permitted.
pub fn ctx_access(kind: ProgKind, a: CtxAccess) -> Option<CtxValue> {
    use ProgType as P;
    if a.size == 0 || a.off < 0 || a.off > u16::MAX as i64 {
        return None;
    }
    let off = a.off as u32;
    match kind.prog_type {
        P::SocketFilter => sk_filter(off, a),
        P::SchedCls | P::SchedAct => tc(off, a),
        P::CgroupSkb => cg_skb(off, a),
        P::LwtIn | P::LwtOut | P::LwtXmit | P::LwtSeg6local => lwt(off, a),
        P::SkSkb => sk_skb(off, a),
        P::Xdp => xdp(kind.attach, off, a),
        P::CgroupSockAddr => sock_addr(kind.attach, off, a),
        P::CgroupSock => sock_filter(kind.attach, off, a),
        P::SkLookup => sk_lookup(off, a),
        P::SkMsg => sk_msg(off, a),
        P::Kprobe => tracing_read(off, a, 0, PT_REGS_SIZE),
        P::Tracepoint => tracing_read(off, a, 8, 2048),
        P::RawTracepoint => tracing_read(off, a, 0, 96),
        P::PerfEvent => perf_event(off, a),
        P::CgroupDevice => cgroup_dev(off, a),
        P::CgroupSysctl => sysctl(off, a),
        P::Syscall => syscall(off, a),
        _ => None,
    }
}

/// Whether `off` lies within the field `[start, start + len)`.
fn within(off: u32, start: u32, len: u32) -> bool {
    off >= start && off < start + len
}

fn narrow_ok(size: u32, field_size: u32) -> bool {
    size <= field_size && size.is_power_of_two()
}

// __sk_buff field offsets.
mod skb {
    pub const MARK: u32 = 8;
    pub const QUEUE_MAPPING: u32 = 12;
    pub const PRIORITY: u32 = 32;
    pub const TC_INDEX: u32 = 44;
    pub const CB: u32 = 48; // 5 x u32
    pub const TC_CLASSID: u32 = 72;
    pub const DATA: u32 = 76;
    pub const DATA_END: u32 = 80;
    pub const FAMILY: u32 = 88;
    pub const REMOTE_IP4: u32 = 92;
    pub const LOCAL_IP4: u32 = 96;
    pub const REMOTE_IP6: u32 = 100;
    pub const LOCAL_IP6: u32 = 116;
    pub const LOCAL_PORT_END: u32 = 140; // family ..= local_port
    pub const DATA_META: u32 = 140;
    pub const FLOW_KEYS: u32 = 144;
    pub const TSTAMP: u32 = 152;
    pub const WIRE_LEN: u32 = 160;
    pub const SK: u32 = 168;
    pub const TSTAMP_TYPE: u32 = 180;
    pub const HWTSTAMP: u32 = 184;
}

/// The checks common to every `__sk_buff` program (`bpf_skb_is_valid_access`).
fn skb_common(off: u32, a: CtxAccess, value: CtxValue) -> Option<CtxValue> {
    use skb::*;
    if off >= SKB_SIZE || !off.is_multiple_of(a.size) {
        return None;
    }
    let ok = if within(off, CB, 20) {
        off + a.size <= CB + 20
    } else if within(off, DATA, 4) || within(off, DATA_META, 4) || within(off, DATA_END, 4) {
        !a.sign_extend && a.size == 4
    } else if within(off, REMOTE_IP6, 16)
        || within(off, LOCAL_IP6, 16)
        || within(off, REMOTE_IP4, 4)
        || within(off, LOCAL_IP4, 4)
    {
        a.size == 4
    } else if within(off, FLOW_KEYS, 8) {
        false
    } else if within(off, HWTSTAMP, 8) {
        a.dir == Dir::Read && a.size == 8
    } else if within(off, TSTAMP, 8) {
        a.size == 8
    } else if within(off, SK, 8) {
        if a.dir == Dir::Write || a.size != 8 {
            return None;
        }
        return Some(CtxValue::SockCommonOrNull);
    } else if off == TSTAMP_TYPE || (off > TSTAMP_TYPE && off < HWTSTAMP) {
        false
    } else if a.dir == Dir::Write {
        a.size == 4
    } else {
        narrow_ok(a.size, 4)
    };
    ok.then_some(value)
}

fn skb_value(off: u32) -> CtxValue {
    if within(off, skb::DATA, 4) {
        CtxValue::Packet
    } else if within(off, skb::DATA_END, 4) {
        CtxValue::PacketEnd
    } else if within(off, skb::DATA_META, 4) {
        CtxValue::PacketMeta
    } else {
        CtxValue::Scalar
    }
}

fn sk_filter(off: u32, a: CtxAccess) -> Option<CtxValue> {
    use skb::*;
    if within(off, TC_CLASSID, 4)
        || within(off, DATA, 4)
        || within(off, DATA_META, 4)
        || within(off, DATA_END, 4)
        || (FAMILY..LOCAL_PORT_END).contains(&off)
        || within(off, TSTAMP, 8)
        || within(off, WIRE_LEN, 4)
        || within(off, HWTSTAMP, 8)
    {
        return None;
    }
    if a.dir == Dir::Write && !within(off, CB, 20) {
        return None;
    }
    skb_common(off, a, CtxValue::Scalar)
}

fn tc(off: u32, a: CtxAccess) -> Option<CtxValue> {
    use skb::*;
    if a.dir == Dir::Write
        && !(within(off, MARK, 4)
            || within(off, TC_INDEX, 4)
            || within(off, PRIORITY, 4)
            || within(off, TC_CLASSID, 4)
            || within(off, CB, 20)
            || within(off, TSTAMP, 8)
            || within(off, QUEUE_MAPPING, 4))
    {
        return None;
    }
    if (FAMILY..LOCAL_PORT_END).contains(&off) {
        return None;
    }
    if off == TSTAMP_TYPE {
        return (a.size == 1).then_some(CtxValue::Scalar);
    }
    skb_common(off, a, skb_value(off))
}

fn cg_skb(off: u32, a: CtxAccess) -> Option<CtxValue> {
    use skb::*;
    if within(off, TC_CLASSID, 4) || within(off, DATA_META, 4) || within(off, WIRE_LEN, 4) {
        return None;
    }
    if a.dir == Dir::Write
        && !(within(off, MARK, 4)
            || within(off, PRIORITY, 4)
            || within(off, CB, 20)
            || within(off, TSTAMP, 8))
    {
        return None;
    }
    skb_common(off, a, skb_value(off))
}

fn lwt(off: u32, a: CtxAccess) -> Option<CtxValue> {
    use skb::*;
    if within(off, TC_CLASSID, 4)
        || (FAMILY..LOCAL_PORT_END).contains(&off)
        || within(off, DATA_META, 4)
        || within(off, TSTAMP, 8)
        || within(off, WIRE_LEN, 4)
        || within(off, HWTSTAMP, 8)
    {
        return None;
    }
    if a.dir == Dir::Write
        && !(within(off, MARK, 4) || within(off, PRIORITY, 4) || within(off, CB, 20))
    {
        return None;
    }
    skb_common(off, a, skb_value(off))
}

fn sk_skb(off: u32, a: CtxAccess) -> Option<CtxValue> {
    use skb::*;
    if within(off, TC_CLASSID, 4)
        || within(off, DATA_META, 4)
        || within(off, TSTAMP, 8)
        || within(off, WIRE_LEN, 4)
        || within(off, HWTSTAMP, 8)
    {
        return None;
    }
    if a.dir == Dir::Write && !(within(off, TC_INDEX, 4) || within(off, PRIORITY, 4)) {
        return None;
    }
    if within(off, MARK, 4) {
        return None;
    }
    skb_common(off, a, skb_value(off))
}

fn xdp(attach: AttachType, off: u32, a: CtxAccess) -> Option<CtxValue> {
    // data 0, data_end 4, data_meta 8, ingress_ifindex 12,
    // rx_queue_index 16, egress_ifindex 20.
    if attach != AttachType::XDP_DEVMAP && within(off, 20, 4) {
        return None;
    }
    if a.dir == Dir::Write {
        return None;
    }
    if off < 12 && a.sign_extend {
        return None;
    }
    if off >= 24 || !off.is_multiple_of(a.size) || a.size != 4 {
        return None;
    }
    Some(match off {
        0 => CtxValue::Packet,
        4 => CtxValue::PacketEnd,
        8 => CtxValue::PacketMeta,
        _ => CtxValue::Scalar,
    })
}

fn sock_addr(attach: AttachType, off: u32, a: CtxAccess) -> Option<CtxValue> {
    use AttachType as A;
    // user_family 0, user_ip4 4, user_ip6 8..24, user_port 24, family 28,
    // type 32, protocol 36, msg_src_ip4 40, msg_src_ip6 44..60, sk 64.
    if off >= 72 || !off.is_multiple_of(a.size) {
        return None;
    }
    let v4 = [
        A::CGROUP_INET4_BIND,
        A::CGROUP_INET4_CONNECT,
        A::CGROUP_INET4_GETPEERNAME,
        A::CGROUP_INET4_GETSOCKNAME,
        A::CGROUP_UDP4_SENDMSG,
        A::CGROUP_UDP4_RECVMSG,
    ];
    let v6 = [
        A::CGROUP_INET6_BIND,
        A::CGROUP_INET6_CONNECT,
        A::CGROUP_INET6_GETPEERNAME,
        A::CGROUP_INET6_GETSOCKNAME,
        A::CGROUP_UDP6_SENDMSG,
        A::CGROUP_UDP6_RECVMSG,
    ];
    if within(off, 4, 4) && !v4.contains(&attach) {
        return None;
    }
    if within(off, 8, 16) && !v6.contains(&attach) {
        return None;
    }
    if within(off, 40, 4) && attach != A::CGROUP_UDP4_SENDMSG {
        return None;
    }
    if within(off, 44, 16) && attach != A::CGROUP_UDP6_SENDMSG {
        return None;
    }
    let wide_ok = |start: u32| {
        a.size == 8 && within(off, start, 16) && off + 8 <= start + 16 && off.is_multiple_of(8)
    };
    if within(off, 4, 24) || within(off, 40, 20) {
        if wide_ok(8) || wide_ok(44) {
            return Some(CtxValue::Scalar);
        }
        let ok = match a.dir {
            Dir::Read => narrow_ok(a.size, 4),
            Dir::Write => a.size == 4,
        };
        return ok.then_some(CtxValue::Scalar);
    }
    if within(off, 64, 8) {
        return (a.dir == Dir::Read && a.size == 8).then_some(CtxValue::Socket);
    }
    if within(off, 0, 4) || within(off, 28, 12) {
        return (a.dir == Dir::Read && a.size == 4).then_some(CtxValue::Scalar);
    }
    None
}

/// `struct bpf_sock` as seen through a socket pointer
/// (`bpf_sock_is_valid_access`).
pub fn sock_access(off: i64, size: u32, common_only: bool) -> bool {
    // bound_dev_if 0, family 4, type 8, protocol 12, mark 16, priority 20,
    // src_ip4 24, src_ip6 28..44, src_port 44, dst_port 48 (2), pad 50,
    // dst_ip4 52, dst_ip6 56..72, state 72, rx_queue_mapping 76.
    if size == 0 || !(0..80).contains(&off) {
        return false;
    }
    let off = off as u32;
    if !off.is_multiple_of(size) {
        return false;
    }
    if common_only && (8..24).contains(&off) {
        return false;
    }
    match off {
        4 | 12 | 8 | 44 | 72 | 76 => narrow_ok(size, 4),
        o if within(o, 24, 4) || within(o, 28, 16) || within(o, 52, 4) || within(o, 56, 16) => {
            narrow_ok(size, 4)
        }
        48 | 49 => narrow_ok(size, if size == 4 { 4 } else { 2 }),
        50 | 51 => false,
        _ => size == 4,
    }
}

/// `struct bpf_tcp_sock` through a `tcp_sock` pointer: read only; u32
/// fields, except the u64 `bytes_received` (80) and `bytes_acked` (88).
pub fn tcp_sock_access(off: i64, size: u32) -> bool {
    if size == 0 || !(0..112).contains(&off) {
        return false;
    }
    let off = off as u32;
    if !off.is_multiple_of(size) {
        return false;
    }
    match off {
        80 | 88 => size == 8,
        _ => size == 4,
    }
}

fn sock_filter(attach: AttachType, off: u32, a: CtxAccess) -> Option<CtxValue> {
    use AttachType as A;
    if !sock_access(off as i64, a.size, false) {
        return None;
    }
    let read_only = |ok: bool| (ok && a.dir == Dir::Read).then_some(CtxValue::Scalar);
    match off {
        0 | 16 | 20 => {
            if attach == A::CGROUP_INET_SOCK_CREATE || attach == A::CGROUP_INET_SOCK_RELEASE {
                Some(CtxValue::Scalar)
            } else {
                None
            }
        }
        o if within(o, 24, 4) => read_only(attach == A::CGROUP_INET4_POST_BIND),
        o if within(o, 28, 16) => read_only(attach == A::CGROUP_INET6_POST_BIND),
        o if within(o, 44, 4) => {
            read_only(attach == A::CGROUP_INET4_POST_BIND || attach == A::CGROUP_INET6_POST_BIND)
        }
        _ => read_only(true),
    }
}

fn sk_lookup(off: u32, a: CtxAccess) -> Option<CtxValue> {
    // sk 0 (8), family 8, protocol 12, remote_ip4 16, remote_ip6 20..36,
    // remote_port 36 (2), pad 38 (2), local_ip4 40, local_ip6 44..60,
    // local_port 60, ingress_ifindex 64.
    if off >= 72 || !off.is_multiple_of(a.size) || a.dir != Dir::Read {
        return None;
    }
    if within(off, 0, 8) {
        return (a.size == 8).then_some(CtxValue::SocketOrNull);
    }
    let ok = if within(off, 36, 2) {
        a.size == 4 || narrow_ok(a.size, 2)
    } else if within(off, 38, 2) {
        narrow_ok(a.size, 2)
    } else if within(off, 8, 28) || within(off, 40, 28) {
        narrow_ok(a.size, 4)
    } else {
        false
    };
    ok.then_some(CtxValue::Scalar)
}

fn sk_msg(off: u32, a: CtxAccess) -> Option<CtxValue> {
    // data 0 (8), data_end 8 (8), family 16, remote_ip4 20, local_ip4 24,
    // remote_ip6 28..44, local_ip6 44..60, remote_port 60, local_port 64,
    // size 68, sk 72 (8).
    if a.dir == Dir::Write || !off.is_multiple_of(a.size) || off >= 80 {
        return None;
    }
    match off {
        o if within(o, 0, 8) => (a.size == 8).then_some(CtxValue::Packet),
        o if within(o, 8, 8) => (a.size == 8).then_some(CtxValue::PacketEnd),
        o if within(o, 72, 8) => (a.size == 8).then_some(CtxValue::Socket),
        o if within(o, 16, 56) => (a.size == 4).then_some(CtxValue::Scalar),
        _ => None,
    }
}

fn tracing_read(off: u32, a: CtxAccess, min: u32, size: u32) -> Option<CtxValue> {
    if off < min || off >= size || a.dir != Dir::Read || !off.is_multiple_of(a.size) {
        return None;
    }
    if off + a.size > size {
        return None;
    }
    Some(CtxValue::Scalar)
}

fn perf_event(off: u32, a: CtxAccess) -> Option<CtxValue> {
    let total = PT_REGS_SIZE + 16;
    if off >= total || a.dir != Dir::Read || !off.is_multiple_of(a.size) {
        return None;
    }
    let ok = if off >= PT_REGS_SIZE {
        narrow_ok(a.size, 8)
    } else {
        a.size == 8
    };
    ok.then_some(CtxValue::Scalar)
}

fn cgroup_dev(off: u32, a: CtxAccess) -> Option<CtxValue> {
    if a.dir == Dir::Write || off + a.size > 12 || !off.is_multiple_of(a.size) {
        return None;
    }
    let ok = if off < 4 {
        narrow_ok(a.size, 4)
    } else {
        a.size == 4
    };
    ok.then_some(CtxValue::Scalar)
}

fn sysctl(off: u32, a: CtxAccess) -> Option<CtxValue> {
    if off + a.size > 8 || !off.is_multiple_of(a.size) {
        return None;
    }
    let ok = match (off < 4, a.dir) {
        (true, Dir::Read) => narrow_ok(a.size, 4),
        (true, Dir::Write) => false,
        (false, Dir::Read) => narrow_ok(a.size, 4),
        (false, Dir::Write) => a.size == 4,
    };
    ok.then_some(CtxValue::Scalar)
}

fn syscall(off: u32, a: CtxAccess) -> Option<CtxValue> {
    if off >= u16::MAX as u32 || !off.is_multiple_of(a.size) {
        return None;
    }
    Some(CtxValue::Scalar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(off: i64, size: u32) -> CtxAccess {
        CtxAccess {
            off,
            size,
            dir: Dir::Read,
            sign_extend: false,
        }
    }

    fn write(off: i64, size: u32) -> CtxAccess {
        CtxAccess {
            dir: Dir::Write,
            ..read(off, size)
        }
    }

    #[test]
    fn skb_rules() {
        let tc = ProgKind::new(ProgType::SchedCls, AttachType::NONE);
        let sf = ProgKind::new(ProgType::SocketFilter, AttachType::NONE);
        assert_eq!(ctx_access(tc, read(76, 4)), Some(CtxValue::Packet));
        assert_eq!(ctx_access(tc, read(80, 4)), Some(CtxValue::PacketEnd));
        assert_eq!(ctx_access(tc, read(76, 8)), None, "data is a u32 field");
        assert_eq!(
            ctx_access(sf, read(76, 4)),
            None,
            "no direct access for socket filters"
        );
        assert_eq!(
            ctx_access(sf, read(0, 1)),
            Some(CtxValue::Scalar),
            "narrow load of len"
        );
        assert_eq!(ctx_access(sf, write(0, 4)), None);
        assert_eq!(
            ctx_access(sf, write(48, 4)),
            Some(CtxValue::Scalar),
            "cb is writable"
        );
        assert_eq!(
            ctx_access(tc, write(8, 4)),
            Some(CtxValue::Scalar),
            "mark is writable"
        );
        assert_eq!(ctx_access(tc, read(1, 2)), None, "misaligned");
        assert_eq!(
            ctx_access(tc, read(168, 8)),
            Some(CtxValue::SockCommonOrNull)
        );
    }

    #[test]
    fn xdp_and_sock_addr_rules() {
        let xdp = ProgKind::new(ProgType::Xdp, AttachType::XDP);
        assert_eq!(ctx_access(xdp, read(0, 4)), Some(CtxValue::Packet));
        assert_eq!(
            ctx_access(xdp, read(20, 4)),
            None,
            "egress_ifindex needs devmap"
        );
        assert_eq!(ctx_access(xdp, write(12, 4)), None);
        let c4 = ProgKind::new(ProgType::CgroupSockAddr, AttachType::CGROUP_INET4_CONNECT);
        assert_eq!(ctx_access(c4, read(4, 4)), Some(CtxValue::Scalar));
        assert_eq!(ctx_access(c4, write(4, 4)), Some(CtxValue::Scalar));
        assert_eq!(ctx_access(c4, read(8, 4)), None, "user_ip6 is for v6 hooks");
        assert_eq!(
            ctx_access(c4, write(0, 4)),
            None,
            "user_family is read only"
        );
        assert_eq!(ctx_access(c4, read(64, 8)), Some(CtxValue::Socket));
    }
}
