//! Program types and attach types of Linux, and how ELF section names map
//! to them (the libbpf convention).

use std::fmt;

/// `enum bpf_prog_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgType {
    SocketFilter,
    Kprobe,
    SchedCls,
    SchedAct,
    Tracepoint,
    Xdp,
    PerfEvent,
    CgroupSkb,
    CgroupSock,
    LwtIn,
    LwtOut,
    LwtXmit,
    SockOps,
    SkSkb,
    CgroupDevice,
    SkMsg,
    RawTracepoint,
    CgroupSockAddr,
    LwtSeg6local,
    LircMode2,
    SkReuseport,
    FlowDissector,
    CgroupSysctl,
    RawTracepointWritable,
    CgroupSockopt,
    Tracing,
    StructOps,
    Ext,
    Lsm,
    SkLookup,
    Syscall,
    Netfilter,
}

const ALL: [(ProgType, u32, &str); 32] = [
    (ProgType::SocketFilter, 1, "socket_filter"),
    (ProgType::Kprobe, 2, "kprobe"),
    (ProgType::SchedCls, 3, "sched_cls"),
    (ProgType::SchedAct, 4, "sched_act"),
    (ProgType::Tracepoint, 5, "tracepoint"),
    (ProgType::Xdp, 6, "xdp"),
    (ProgType::PerfEvent, 7, "perf_event"),
    (ProgType::CgroupSkb, 8, "cgroup_skb"),
    (ProgType::CgroupSock, 9, "cgroup_sock"),
    (ProgType::LwtIn, 10, "lwt_in"),
    (ProgType::LwtOut, 11, "lwt_out"),
    (ProgType::LwtXmit, 12, "lwt_xmit"),
    (ProgType::SockOps, 13, "sock_ops"),
    (ProgType::SkSkb, 14, "sk_skb"),
    (ProgType::CgroupDevice, 15, "cgroup_device"),
    (ProgType::SkMsg, 16, "sk_msg"),
    (ProgType::RawTracepoint, 17, "raw_tracepoint"),
    (ProgType::CgroupSockAddr, 18, "cgroup_sock_addr"),
    (ProgType::LwtSeg6local, 19, "lwt_seg6local"),
    (ProgType::LircMode2, 20, "lirc_mode2"),
    (ProgType::SkReuseport, 21, "sk_reuseport"),
    (ProgType::FlowDissector, 22, "flow_dissector"),
    (ProgType::CgroupSysctl, 23, "cgroup_sysctl"),
    (
        ProgType::RawTracepointWritable,
        24,
        "raw_tracepoint_writable",
    ),
    (ProgType::CgroupSockopt, 25, "cgroup_sockopt"),
    (ProgType::Tracing, 26, "tracing"),
    (ProgType::StructOps, 27, "struct_ops"),
    (ProgType::Ext, 28, "ext"),
    (ProgType::Lsm, 29, "lsm"),
    (ProgType::SkLookup, 30, "sk_lookup"),
    (ProgType::Syscall, 31, "syscall"),
    (ProgType::Netfilter, 32, "netfilter"),
];

impl ProgType {
    /// Every program type, in kernel order.
    pub fn all() -> impl Iterator<Item = ProgType> {
        ALL.iter().map(|e| e.0)
    }

    /// The kernel's number for this type.
    pub fn kernel_id(self) -> u32 {
        ALL.iter().find(|e| e.0 == self).map_or(0, |e| e.1)
    }

    /// The lower-case name (`sched_cls`).
    pub fn name(self) -> &'static str {
        ALL.iter().find(|e| e.0 == self).map_or("?", |e| e.2)
    }

    /// The type with this kernel number.
    pub fn from_kernel_id(id: u32) -> Option<ProgType> {
        ALL.iter().find(|e| e.1 == id).map(|e| e.0)
    }

    /// Parses `sched_cls` or `BPF_PROG_TYPE_SCHED_CLS`.
    pub fn from_name(name: &str) -> Option<ProgType> {
        let n = name.strip_prefix("BPF_PROG_TYPE_").unwrap_or(name);
        ALL.iter()
            .find(|e| e.2.eq_ignore_ascii_case(n))
            .map(|e| e.0)
    }

    /// Whether the program sees packets through an `__sk_buff` context.
    pub fn is_skb(self) -> bool {
        matches!(
            self,
            ProgType::SocketFilter
                | ProgType::SchedCls
                | ProgType::SchedAct
                | ProgType::CgroupSkb
                | ProgType::LwtIn
                | ProgType::LwtOut
                | ProgType::LwtXmit
                | ProgType::LwtSeg6local
                | ProgType::SkSkb
        )
    }

    /// Whether the program may read packet data directly through
    /// `data`/`data_end` pointers.
    pub fn direct_packet_read(self) -> bool {
        matches!(
            self,
            ProgType::SchedCls
                | ProgType::SchedAct
                | ProgType::Xdp
                | ProgType::CgroupSkb
                | ProgType::LwtIn
                | ProgType::LwtOut
                | ProgType::LwtXmit
                | ProgType::LwtSeg6local
                | ProgType::SkSkb
                | ProgType::SkMsg
                | ProgType::SkReuseport
                | ProgType::FlowDissector
                | ProgType::CgroupSockopt
        )
    }

    /// Whether the program may write packet data directly.
    pub fn direct_packet_write(self) -> bool {
        matches!(
            self,
            ProgType::SchedCls
                | ProgType::SchedAct
                | ProgType::Xdp
                | ProgType::LwtXmit
                | ProgType::SkSkb
                | ProgType::SkMsg
        )
    }
}

impl fmt::Display for ProgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `enum bpf_attach_type` values the verifier distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct AttachType(pub u32);

#[allow(missing_docs)]
impl AttachType {
    pub const NONE: AttachType = AttachType(0);
    pub const CGROUP_INET_INGRESS: AttachType = AttachType(0);
    pub const CGROUP_INET_EGRESS: AttachType = AttachType(1);
    pub const CGROUP_INET_SOCK_CREATE: AttachType = AttachType(2);
    pub const CGROUP_SOCK_OPS: AttachType = AttachType(3);
    pub const SK_SKB_STREAM_PARSER: AttachType = AttachType(4);
    pub const SK_SKB_STREAM_VERDICT: AttachType = AttachType(5);
    pub const CGROUP_DEVICE: AttachType = AttachType(6);
    pub const SK_MSG_VERDICT: AttachType = AttachType(7);
    pub const CGROUP_INET4_BIND: AttachType = AttachType(8);
    pub const CGROUP_INET6_BIND: AttachType = AttachType(9);
    pub const CGROUP_INET4_CONNECT: AttachType = AttachType(10);
    pub const CGROUP_INET6_CONNECT: AttachType = AttachType(11);
    pub const CGROUP_INET4_POST_BIND: AttachType = AttachType(12);
    pub const CGROUP_INET6_POST_BIND: AttachType = AttachType(13);
    pub const CGROUP_UDP4_SENDMSG: AttachType = AttachType(14);
    pub const CGROUP_UDP6_SENDMSG: AttachType = AttachType(15);
    pub const FLOW_DISSECTOR: AttachType = AttachType(17);
    pub const CGROUP_SYSCTL: AttachType = AttachType(18);
    pub const CGROUP_UDP4_RECVMSG: AttachType = AttachType(19);
    pub const CGROUP_UDP6_RECVMSG: AttachType = AttachType(20);
    pub const CGROUP_GETSOCKOPT: AttachType = AttachType(21);
    pub const CGROUP_SETSOCKOPT: AttachType = AttachType(22);
    pub const TRACE_RAW_TP: AttachType = AttachType(23);
    pub const TRACE_FENTRY: AttachType = AttachType(24);
    pub const TRACE_FEXIT: AttachType = AttachType(25);
    pub const MODIFY_RETURN: AttachType = AttachType(26);
    pub const LSM_MAC: AttachType = AttachType(27);
    pub const TRACE_ITER: AttachType = AttachType(28);
    pub const CGROUP_INET4_GETPEERNAME: AttachType = AttachType(29);
    pub const CGROUP_INET6_GETPEERNAME: AttachType = AttachType(30);
    pub const CGROUP_INET4_GETSOCKNAME: AttachType = AttachType(31);
    pub const CGROUP_INET6_GETSOCKNAME: AttachType = AttachType(32);
    pub const XDP_DEVMAP: AttachType = AttachType(33);
    pub const CGROUP_INET_SOCK_RELEASE: AttachType = AttachType(34);
    pub const XDP_CPUMAP: AttachType = AttachType(35);
    pub const SK_LOOKUP: AttachType = AttachType(36);
    pub const XDP: AttachType = AttachType(37);
    pub const SK_SKB_VERDICT: AttachType = AttachType(38);
    pub const NETFILTER: AttachType = AttachType(45);
    pub const TCX_INGRESS: AttachType = AttachType(46);
    pub const TCX_EGRESS: AttachType = AttachType(47);
    pub const CGROUP_UNIX_CONNECT: AttachType = AttachType(49);
    pub const CGROUP_UNIX_SENDMSG: AttachType = AttachType(50);
    pub const CGROUP_UNIX_RECVMSG: AttachType = AttachType(51);
    pub const CGROUP_UNIX_GETPEERNAME: AttachType = AttachType(52);
    pub const CGROUP_UNIX_GETSOCKNAME: AttachType = AttachType(53);
}

/// A program type with the attach type it is loaded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProgKind {
    pub prog_type: ProgType,
    pub attach: AttachType,
}

impl ProgKind {
    pub const fn new(prog_type: ProgType, attach: AttachType) -> ProgKind {
        ProgKind { prog_type, attach }
    }

    /// The program type and attach type for an ELF section name, following
    /// libbpf (`xdp`, `tc`, `classifier`, `cgroup/connect4`, `socket`, ...).
    /// A leading `?` (not auto-loaded) is ignored. `None` if unknown.
    pub fn from_section(section: &str) -> Option<ProgKind> {
        use AttachType as A;
        use ProgType as P;
        let s = section.strip_prefix('?').unwrap_or(section);
        let head = s.split('/').next().unwrap_or(s);
        let k = |p, a| Some(ProgKind::new(p, a));
        match s {
            "cgroup/connect4" => return k(P::CgroupSockAddr, A::CGROUP_INET4_CONNECT),
            "cgroup/connect6" => return k(P::CgroupSockAddr, A::CGROUP_INET6_CONNECT),
            "cgroup/connect_unix" => return k(P::CgroupSockAddr, A::CGROUP_UNIX_CONNECT),
            "cgroup/bind4" => return k(P::CgroupSockAddr, A::CGROUP_INET4_BIND),
            "cgroup/bind6" => return k(P::CgroupSockAddr, A::CGROUP_INET6_BIND),
            "cgroup/sendmsg4" => return k(P::CgroupSockAddr, A::CGROUP_UDP4_SENDMSG),
            "cgroup/sendmsg6" => return k(P::CgroupSockAddr, A::CGROUP_UDP6_SENDMSG),
            "cgroup/sendmsg_unix" => return k(P::CgroupSockAddr, A::CGROUP_UNIX_SENDMSG),
            "cgroup/recvmsg4" => return k(P::CgroupSockAddr, A::CGROUP_UDP4_RECVMSG),
            "cgroup/recvmsg6" => return k(P::CgroupSockAddr, A::CGROUP_UDP6_RECVMSG),
            "cgroup/recvmsg_unix" => return k(P::CgroupSockAddr, A::CGROUP_UNIX_RECVMSG),
            "cgroup/getpeername4" => return k(P::CgroupSockAddr, A::CGROUP_INET4_GETPEERNAME),
            "cgroup/getpeername6" => return k(P::CgroupSockAddr, A::CGROUP_INET6_GETPEERNAME),
            "cgroup/getpeername_unix" => return k(P::CgroupSockAddr, A::CGROUP_UNIX_GETPEERNAME),
            "cgroup/getsockname4" => return k(P::CgroupSockAddr, A::CGROUP_INET4_GETSOCKNAME),
            "cgroup/getsockname6" => return k(P::CgroupSockAddr, A::CGROUP_INET6_GETSOCKNAME),
            "cgroup/getsockname_unix" => return k(P::CgroupSockAddr, A::CGROUP_UNIX_GETSOCKNAME),
            "cgroup/sock" | "cgroup/sock_create" => {
                return k(P::CgroupSock, A::CGROUP_INET_SOCK_CREATE)
            }
            "cgroup/sock_release" => return k(P::CgroupSock, A::CGROUP_INET_SOCK_RELEASE),
            "cgroup/post_bind4" => return k(P::CgroupSock, A::CGROUP_INET4_POST_BIND),
            "cgroup/post_bind6" => return k(P::CgroupSock, A::CGROUP_INET6_POST_BIND),
            "cgroup/dev" => return k(P::CgroupDevice, A::CGROUP_DEVICE),
            "cgroup/sysctl" => return k(P::CgroupSysctl, A::CGROUP_SYSCTL),
            "cgroup/getsockopt" => return k(P::CgroupSockopt, A::CGROUP_GETSOCKOPT),
            "cgroup/setsockopt" => return k(P::CgroupSockopt, A::CGROUP_SETSOCKOPT),
            "cgroup/skb" | "cgroup_skb/ingress" => return k(P::CgroupSkb, A::CGROUP_INET_INGRESS),
            "cgroup_skb/egress" => return k(P::CgroupSkb, A::CGROUP_INET_EGRESS),
            "xdp/devmap" | "xdp.frags/devmap" => return k(P::Xdp, A::XDP_DEVMAP),
            "xdp/cpumap" | "xdp.frags/cpumap" => return k(P::Xdp, A::XDP_CPUMAP),
            "sk_skb/stream_parser" => return k(P::SkSkb, A::SK_SKB_STREAM_PARSER),
            "sk_skb/stream_verdict" => return k(P::SkSkb, A::SK_SKB_STREAM_VERDICT),
            "sk_skb/verdict" => return k(P::SkSkb, A::SK_SKB_VERDICT),
            "tc/ingress" | "tcx/ingress" => return k(P::SchedCls, A::TCX_INGRESS),
            "tc/egress" | "tcx/egress" => return k(P::SchedCls, A::TCX_EGRESS),
            _ => {}
        }
        match head {
            "socket" => k(P::SocketFilter, A::NONE),
            "tc" | "classifier" | "tcx" | "netkit" => k(P::SchedCls, A::NONE),
            "action" => k(P::SchedAct, A::NONE),
            "xdp" | "xdp.frags" => k(P::Xdp, A::XDP),
            "cgroup_skb" => k(P::CgroupSkb, A::CGROUP_INET_INGRESS),
            "lwt_in" => k(P::LwtIn, A::NONE),
            "lwt_out" => k(P::LwtOut, A::NONE),
            "lwt_xmit" => k(P::LwtXmit, A::NONE),
            "lwt_seg6local" => k(P::LwtSeg6local, A::NONE),
            "sockops" => k(P::SockOps, A::CGROUP_SOCK_OPS),
            "sk_skb" => k(P::SkSkb, A::NONE),
            "sk_msg" => k(P::SkMsg, A::SK_MSG_VERDICT),
            "sk_lookup" => k(P::SkLookup, A::SK_LOOKUP),
            "sk_reuseport" => k(P::SkReuseport, A::NONE),
            "flow_dissector" => k(P::FlowDissector, A::FLOW_DISSECTOR),
            "kprobe" | "kretprobe" | "uprobe" | "uretprobe" | "uprobe.s" | "uretprobe.s"
            | "ksyscall" | "kretsyscall" | "kprobe.multi" | "kretprobe.multi" | "usdt" => {
                k(P::Kprobe, A::NONE)
            }
            "tracepoint" | "tp" => k(P::Tracepoint, A::NONE),
            "raw_tracepoint" | "raw_tp" => k(P::RawTracepoint, A::NONE),
            "raw_tracepoint.w" | "raw_tp.w" => k(P::RawTracepointWritable, A::NONE),
            "perf_event" => k(P::PerfEvent, A::NONE),
            "syscall" => k(P::Syscall, A::NONE),
            "netfilter" => k(P::Netfilter, A::NETFILTER),
            "fentry" | "fentry.s" => k(P::Tracing, A::TRACE_FENTRY),
            "fexit" | "fexit.s" => k(P::Tracing, A::TRACE_FEXIT),
            "fmod_ret" | "fmod_ret.s" => k(P::Tracing, A::MODIFY_RETURN),
            "tp_btf" => k(P::Tracing, A::TRACE_RAW_TP),
            "iter" | "iter.s" => k(P::Tracing, A::TRACE_ITER),
            "lsm" | "lsm.s" | "lsm_cgroup" => k(P::Lsm, A::LSM_MAC),
            "struct_ops" | "struct_ops.s" => k(P::StructOps, A::NONE),
            "freplace" => k(P::Ext, A::NONE),
            "lirc_mode2" => k(P::LircMode2, A::NONE),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_map_like_libbpf() {
        assert_eq!(
            ProgKind::from_section("classifier").unwrap().prog_type,
            ProgType::SchedCls
        );
        assert_eq!(
            ProgKind::from_section("cgroup/connect4").unwrap(),
            ProgKind::new(ProgType::CgroupSockAddr, AttachType::CGROUP_INET4_CONNECT)
        );
        assert_eq!(
            ProgKind::from_section("?tc").unwrap().prog_type,
            ProgType::SchedCls
        );
        assert_eq!(ProgKind::from_section("nonsense"), None);
        assert_eq!(
            ProgType::from_name("BPF_PROG_TYPE_XDP"),
            Some(ProgType::Xdp)
        );
        assert_eq!(ProgType::Xdp.kernel_id(), 6);
        for t in ProgType::all() {
            assert_eq!(ProgType::from_kernel_id(t.kernel_id()), Some(t));
        }
    }
}
