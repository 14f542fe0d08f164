//! What an ELF section name says about its programs: libbpf's `SEC()`
//! convention (program type, expected attach type, sleepable, XDP frags).
//!
//! The table follows libbpf 1.x `section_defs`: an entry ending in `+`
//! matches the exact name or the name followed by `/...`; an entry ending
//! in `/` matches any name with that prefix; any other entry matches only
//! itself. A leading `?` marks a program that is not loaded automatically.

/// `enum bpf_prog_type`, with the kernel's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
pub enum ProgType {
    SocketFilter = 1,
    Kprobe = 2,
    SchedCls = 3,
    SchedAct = 4,
    Tracepoint = 5,
    Xdp = 6,
    PerfEvent = 7,
    CgroupSkb = 8,
    CgroupSock = 9,
    LwtIn = 10,
    LwtOut = 11,
    LwtXmit = 12,
    SockOps = 13,
    SkSkb = 14,
    CgroupDevice = 15,
    SkMsg = 16,
    RawTracepoint = 17,
    CgroupSockAddr = 18,
    LwtSeg6Local = 19,
    LircMode2 = 20,
    SkReuseport = 21,
    FlowDissector = 22,
    CgroupSysctl = 23,
    RawTracepointWritable = 24,
    CgroupSockopt = 25,
    Tracing = 26,
    StructOps = 27,
    Ext = 28,
    Lsm = 29,
    SkLookup = 30,
    Syscall = 31,
    Netfilter = 32,
}

impl ProgType {
    /// The kernel's `BPF_PROG_TYPE_*` number.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// bpftool's name for the type (`xdp`, `sched_cls`, ...).
    pub const fn name(self) -> &'static str {
        use ProgType::*;
        match self {
            SocketFilter => "socket_filter",
            Kprobe => "kprobe",
            SchedCls => "sched_cls",
            SchedAct => "sched_act",
            Tracepoint => "tracepoint",
            Xdp => "xdp",
            PerfEvent => "perf_event",
            CgroupSkb => "cgroup_skb",
            CgroupSock => "cgroup_sock",
            LwtIn => "lwt_in",
            LwtOut => "lwt_out",
            LwtXmit => "lwt_xmit",
            SockOps => "sock_ops",
            SkSkb => "sk_skb",
            CgroupDevice => "cgroup_device",
            SkMsg => "sk_msg",
            RawTracepoint => "raw_tracepoint",
            CgroupSockAddr => "cgroup_sock_addr",
            LwtSeg6Local => "lwt_seg6local",
            LircMode2 => "lirc_mode2",
            SkReuseport => "sk_reuseport",
            FlowDissector => "flow_dissector",
            CgroupSysctl => "cgroup_sysctl",
            RawTracepointWritable => "raw_tracepoint_writable",
            CgroupSockopt => "cgroup_sockopt",
            Tracing => "tracing",
            StructOps => "struct_ops",
            Ext => "ext",
            Lsm => "lsm",
            SkLookup => "sk_lookup",
            Syscall => "syscall",
            Netfilter => "netfilter",
        }
    }
}

/// `enum bpf_attach_type` (the kernel's number; see [`attach_type_name`]).
pub type AttachType = u32;

/// Names of `BPF_*` attach types by number (`BPF_CGROUP_INET_INGRESS` = 0).
const ATTACH_NAMES: [&str; 57] = [
    "cgroup_inet_ingress",
    "cgroup_inet_egress",
    "cgroup_inet_sock_create",
    "cgroup_sock_ops",
    "sk_skb_stream_parser",
    "sk_skb_stream_verdict",
    "cgroup_device",
    "sk_msg_verdict",
    "cgroup_inet4_bind",
    "cgroup_inet6_bind",
    "cgroup_inet4_connect",
    "cgroup_inet6_connect",
    "cgroup_inet4_post_bind",
    "cgroup_inet6_post_bind",
    "cgroup_udp4_sendmsg",
    "cgroup_udp6_sendmsg",
    "lirc_mode2",
    "flow_dissector",
    "cgroup_sysctl",
    "cgroup_udp4_recvmsg",
    "cgroup_udp6_recvmsg",
    "cgroup_getsockopt",
    "cgroup_setsockopt",
    "trace_raw_tp",
    "trace_fentry",
    "trace_fexit",
    "modify_return",
    "lsm_mac",
    "trace_iter",
    "cgroup_inet4_getpeername",
    "cgroup_inet6_getpeername",
    "cgroup_inet4_getsockname",
    "cgroup_inet6_getsockname",
    "xdp_devmap",
    "cgroup_inet_sock_release",
    "xdp_cpumap",
    "sk_lookup",
    "xdp",
    "sk_skb_verdict",
    "sk_reuseport_select",
    "sk_reuseport_select_or_migrate",
    "perf_event",
    "trace_kprobe_multi",
    "lsm_cgroup",
    "struct_ops",
    "netfilter",
    "tcx_ingress",
    "tcx_egress",
    "trace_uprobe_multi",
    "cgroup_unix_connect",
    "cgroup_unix_sendmsg",
    "cgroup_unix_recvmsg",
    "cgroup_unix_getpeername",
    "cgroup_unix_getsockname",
    "netkit_primary",
    "netkit_peer",
    "trace_kprobe_session",
];

/// The name of an attach type (`cgroup_inet4_connect`), if known.
pub fn attach_type_name(t: AttachType) -> Option<&'static str> {
    ATTACH_NAMES.get(t as usize).copied()
}

/// The attach type with this name, if known.
pub fn attach_type_by_name(name: &str) -> Option<AttachType> {
    ATTACH_NAMES
        .iter()
        .position(|n| *n == name)
        .map(|i| i as u32)
}

/// What a section name implies for the programs in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionDef {
    /// The `section_defs` entry that matched (`cgroup/connect4`, `kprobe+`).
    pub pattern: &'static str,
    pub prog_type: ProgType,
    /// The expected attach type passed at load time, if any.
    pub attach_type: Option<AttachType>,
    /// `.s` variants: the program may sleep.
    pub sleepable: bool,
    /// `xdp.frags`: the program handles multi-buffer packets.
    pub xdp_frags: bool,
}

/// The section definition of a program section, and whether the program
/// is loaded automatically (no leading `?`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionKind {
    pub def: Option<SectionDef>,
    pub autoload: bool,
}

const S: u8 = 1; // sleepable
const F: u8 = 2; // xdp frags
const NA: u32 = u32::MAX; // no expected attach type

use ProgType::*;

/// libbpf's table, in matching order (first match wins).
#[rustfmt::skip]
const TABLE: &[(&str, ProgType, u32, u8)] = &[
    ("socket", SocketFilter, NA, 0),
    ("sk_reuseport/migrate", SkReuseport, 40, 0),
    ("sk_reuseport", SkReuseport, 39, 0),
    ("kprobe+", Kprobe, NA, 0),
    ("uprobe+", Kprobe, NA, 0),
    ("uprobe.s+", Kprobe, NA, S),
    ("kretprobe+", Kprobe, NA, 0),
    ("uretprobe+", Kprobe, NA, 0),
    ("uretprobe.s+", Kprobe, NA, S),
    ("kprobe.multi+", Kprobe, 42, 0),
    ("kretprobe.multi+", Kprobe, 42, 0),
    ("kprobe.session+", Kprobe, 56, 0),
    ("uprobe.multi+", Kprobe, 48, 0),
    ("uretprobe.multi+", Kprobe, 48, 0),
    ("uprobe.multi.s+", Kprobe, 48, S),
    ("uretprobe.multi.s+", Kprobe, 48, S),
    ("ksyscall+", Kprobe, NA, 0),
    ("kretsyscall+", Kprobe, NA, 0),
    ("usdt+", Kprobe, NA, 0),
    ("usdt.s+", Kprobe, NA, S),
    ("tc/ingress", SchedCls, 46, 0),
    ("tc/egress", SchedCls, 47, 0),
    ("tcx/ingress", SchedCls, 46, 0),
    ("tcx/egress", SchedCls, 47, 0),
    ("tc", SchedCls, NA, 0),
    ("classifier", SchedCls, NA, 0),
    ("action", SchedAct, NA, 0),
    ("netkit/primary", SchedCls, 54, 0),
    ("netkit/peer", SchedCls, 55, 0),
    ("tracepoint+", Tracepoint, NA, 0),
    ("tp+", Tracepoint, NA, 0),
    ("raw_tracepoint+", RawTracepoint, NA, 0),
    ("raw_tp+", RawTracepoint, NA, 0),
    ("raw_tracepoint.w+", RawTracepointWritable, NA, 0),
    ("raw_tp.w+", RawTracepointWritable, NA, 0),
    ("tp_btf+", Tracing, 23, 0),
    ("fentry+", Tracing, 24, 0),
    ("fmod_ret+", Tracing, 26, 0),
    ("fexit+", Tracing, 25, 0),
    ("fentry.s+", Tracing, 24, S),
    ("fmod_ret.s+", Tracing, 26, S),
    ("fexit.s+", Tracing, 25, S),
    ("freplace+", Ext, NA, 0),
    ("lsm+", Lsm, 27, 0),
    ("lsm.s+", Lsm, 27, S),
    ("lsm_cgroup+", Lsm, 43, 0),
    ("iter+", Tracing, 28, 0),
    ("iter.s+", Tracing, 28, S),
    ("syscall", Syscall, NA, S),
    ("xdp.frags/devmap", Xdp, 33, F),
    ("xdp/devmap", Xdp, 33, 0),
    ("xdp.frags/cpumap", Xdp, 35, F),
    ("xdp/cpumap", Xdp, 35, 0),
    ("xdp.frags", Xdp, 37, F),
    ("xdp", Xdp, 37, 0),
    ("perf_event", PerfEvent, NA, 0),
    ("lwt_in", LwtIn, NA, 0),
    ("lwt_out", LwtOut, NA, 0),
    ("lwt_xmit", LwtXmit, NA, 0),
    ("lwt_seg6local", LwtSeg6Local, NA, 0),
    ("sockops", SockOps, 3, 0),
    ("sk_skb/stream_parser", SkSkb, 4, 0),
    ("sk_skb/stream_verdict", SkSkb, 5, 0),
    ("sk_skb/verdict", SkSkb, 38, 0),
    ("sk_skb", SkSkb, NA, 0),
    ("sk_msg", SkMsg, 7, 0),
    ("lirc_mode2", LircMode2, 16, 0),
    ("flow_dissector", FlowDissector, 17, 0),
    ("cgroup_skb/ingress", CgroupSkb, 0, 0),
    ("cgroup_skb/egress", CgroupSkb, 1, 0),
    ("cgroup/skb", CgroupSkb, NA, 0),
    ("cgroup/sock_create", CgroupSock, 2, 0),
    ("cgroup/sock_release", CgroupSock, 34, 0),
    ("cgroup/sock", CgroupSock, 2, 0),
    ("cgroup/post_bind4", CgroupSock, 12, 0),
    ("cgroup/post_bind6", CgroupSock, 13, 0),
    ("cgroup/bind4", CgroupSockAddr, 8, 0),
    ("cgroup/bind6", CgroupSockAddr, 9, 0),
    ("cgroup/connect4", CgroupSockAddr, 10, 0),
    ("cgroup/connect6", CgroupSockAddr, 11, 0),
    ("cgroup/connect_unix", CgroupSockAddr, 49, 0),
    ("cgroup/sendmsg4", CgroupSockAddr, 14, 0),
    ("cgroup/sendmsg6", CgroupSockAddr, 15, 0),
    ("cgroup/sendmsg_unix", CgroupSockAddr, 50, 0),
    ("cgroup/recvmsg4", CgroupSockAddr, 19, 0),
    ("cgroup/recvmsg6", CgroupSockAddr, 20, 0),
    ("cgroup/recvmsg_unix", CgroupSockAddr, 51, 0),
    ("cgroup/getpeername4", CgroupSockAddr, 29, 0),
    ("cgroup/getpeername6", CgroupSockAddr, 30, 0),
    ("cgroup/getpeername_unix", CgroupSockAddr, 52, 0),
    ("cgroup/getsockname4", CgroupSockAddr, 31, 0),
    ("cgroup/getsockname6", CgroupSockAddr, 32, 0),
    ("cgroup/getsockname_unix", CgroupSockAddr, 53, 0),
    ("cgroup/sysctl", CgroupSysctl, 18, 0),
    ("cgroup/getsockopt", CgroupSockopt, 21, 0),
    ("cgroup/setsockopt", CgroupSockopt, 22, 0),
    ("cgroup/dev", CgroupDevice, 6, 0),
    ("struct_ops+", StructOps, NA, 0),
    ("struct_ops.s+", StructOps, NA, S),
    ("sk_lookup", SkLookup, 36, 0),
    ("netfilter", Netfilter, 45, 0),
];

fn matches(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('+') {
        name.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    } else if pattern.ends_with('/') {
        name.starts_with(pattern)
    } else {
        pattern == name
    }
}

/// Classifies a program section name (`xdp`, `?tc`, `cgroup/connect4`,
/// `kprobe/do_unlinkat`). `def` is `None` for names libbpf does not know.
pub fn classify(section: &str) -> SectionKind {
    let (name, autoload) = match section.strip_prefix('?') {
        Some(rest) => (rest, false),
        None => (section, true),
    };
    let def = TABLE
        .iter()
        .find(|(pattern, ..)| matches(pattern, name))
        .map(|&(pattern, prog_type, attach, flags)| SectionDef {
            pattern,
            prog_type,
            attach_type: (attach != NA).then_some(attach),
            sleepable: flags & S != 0,
            xdp_frags: flags & F != 0,
        });
    SectionKind { def, autoload }
}

/// The section name `palisade asm --type` uses for a short type name
/// (`xdp`, `tc`, `socket`, `cgroup-connect4`, ...): the name aya 0.14,
/// libbpf and bpftool all accept.
pub fn section_for_type(short: &str) -> Option<&'static str> {
    Some(match short {
        "xdp" => "xdp",
        "tc" | "classifier" | "sched-cls" => "classifier",
        "socket" | "socket-filter" => "socket",
        "cgroup-skb" => "cgroup/skb",
        "cgroup-skb-ingress" => "cgroup_skb/ingress",
        "cgroup-skb-egress" => "cgroup_skb/egress",
        "cgroup-connect4" => "cgroup/connect4",
        "cgroup-connect6" => "cgroup/connect6",
        "cgroup-sendmsg4" => "cgroup/sendmsg4",
        "cgroup-sendmsg6" => "cgroup/sendmsg6",
        "cgroup-bind4" => "cgroup/bind4",
        "cgroup-bind6" => "cgroup/bind6",
        "cgroup-sock" => "cgroup/sock",
        "sk-skb" => "sk_skb",
        "sk-msg" => "sk_msg",
        "sockops" => "sockops",
        "lwt-in" => "lwt_in",
        "lwt-out" => "lwt_out",
        "lwt-xmit" => "lwt_xmit",
        "flow-dissector" => "flow_dissector",
        "syscall" => "syscall",
        _ => return None,
    })
}

/// The short type names [`section_for_type`] accepts, for help texts.
pub const SHORT_TYPES: &[&str] = &[
    "xdp",
    "tc",
    "socket",
    "cgroup-skb",
    "cgroup-skb-ingress",
    "cgroup-skb-egress",
    "cgroup-connect4",
    "cgroup-connect6",
    "cgroup-sendmsg4",
    "cgroup-sendmsg6",
    "cgroup-bind4",
    "cgroup-bind6",
    "cgroup-sock",
    "sk-skb",
    "sk-msg",
    "sockops",
    "lwt-in",
    "lwt-out",
    "lwt-xmit",
    "flow-dissector",
    "syscall",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `(section name, expected (type, attach type), autoload)`.
    type Case = (&'static str, Option<(ProgType, Option<u32>)>, bool);

    #[test]
    fn section_names_follow_libbpf_matching() {
        let cases: &[Case] = &[
            ("socket", Some((SocketFilter, None)), true),
            ("?socket", Some((SocketFilter, None)), false),
            ("xdp", Some((Xdp, Some(37))), true),
            ("xdp.frags", Some((Xdp, Some(37))), true),
            ("tc", Some((SchedCls, None)), true),
            ("tc/ingress", Some((SchedCls, Some(46))), true),
            ("classifier", Some((SchedCls, None)), true),
            ("cgroup/skb", Some((CgroupSkb, None)), true),
            ("cgroup/connect4", Some((CgroupSockAddr, Some(10))), true),
            ("kprobe/do_unlinkat", Some((Kprobe, None)), true),
            ("kprobe", Some((Kprobe, None)), true),
            ("kprobex", None, true),
            (
                "tracepoint/syscalls/sys_enter",
                Some((Tracepoint, None)),
                true,
            ),
            ("raw_tp/kfree", Some((RawTracepoint, None)), true),
            ("raw_tp.w", Some((RawTracepointWritable, None)), true),
            ("fentry/vfs_open", Some((Tracing, Some(24))), true),
            ("lsm.s/file_open", Some((Lsm, Some(27))), true),
            ("struct_ops/test_1", Some((StructOps, None)), true),
            ("syscall", Some((Syscall, None)), true),
            ("section", None, true),
            ("socketx", None, true),
        ];
        for (name, want, autoload) in cases {
            let got = classify(name);
            assert_eq!(
                got.def.map(|d| (d.prog_type, d.attach_type)),
                *want,
                "section {name}"
            );
            assert_eq!(got.autoload, *autoload, "section {name}");
        }
        assert!(classify("lsm.s/file_open").def.unwrap().sleepable);
        assert!(classify("xdp.frags").def.unwrap().xdp_frags);
    }

    #[test]
    fn every_short_type_names_a_known_section() {
        for short in SHORT_TYPES {
            let section = section_for_type(short).expect("listed type");
            assert!(classify(section).def.is_some(), "{short} -> {section}");
        }
        assert_eq!(attach_type_by_name("xdp"), Some(37));
        assert_eq!(attach_type_name(10), Some("cgroup_inet4_connect"));
    }
}
