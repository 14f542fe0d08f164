//! Helper prototypes: argument and return types of every Linux helper,
//! and which program types may call which helper.
//!
//! The prototype table ([`HELPERS`]) is data describing the kernel ABI:
//! each helper's id and name from `include/uapi/linux/bpf.h` and the
//! argument/return kinds of its `bpf_func_proto`. The availability table
//! ([`ALLOWED`]) was measured on Linux 6.18 by loading, for every program
//! type and helper id, a program that calls the helper and checking whether
//! the kernel answered "program of this type cannot use helper";
//! `tests/verifier_kernel.rs` (`helper_availability_matches_kernel`) checks
//! it again against the running kernel. Kernel builds may withhold a helper
//! upstream offers (the CI machine's kernel refuses `xdp_adjust_meta` to
//! XDP); the table keeps the upstream answer and the test lists those.

/// How a helper uses a memory argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads it: the bytes must be initialised.
    Read,
    /// Writes it: the bytes need not be initialised and become so.
    Write,
    /// Reads and writes.
    ReadWrite,
}

/// A helper argument kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Any initialised value.
    Anything,
    /// A map pointer (`r1 = map ll`).
    MapPtr,
    /// A pointer to `key_size` readable bytes of the map passed earlier.
    MapKey,
    /// A pointer to `value_size` bytes of the map passed earlier.
    MapValue { uninit: bool },
    /// Like `MapValue`, or NULL.
    MapValueOrNull,
    /// The program's context (or NULL).
    Ctx { nullable: bool },
    /// A pointer to memory whose size is the next argument.
    Mem { access: Access, nullable: bool },
    /// A pointer to `size` bytes (naturally aligned when `aligned`).
    FixedMem {
        size: u32,
        access: Access,
        aligned: bool,
    },
    /// The size of the previous memory argument; a known bound.
    Size { zero_ok: bool },
    /// An allocation size (ring buffer reserve): a known constant.
    AllocSize,
    /// A socket, sock_common or tcp_sock pointer, not NULL.
    SockCommon,
    /// A socket pointer or NULL.
    SocketOrNull,
    /// A referenced socket to release (`bpf_sk_release`).
    SockRelease,
    /// A ring buffer sample to submit or discard (releases it).
    RingbufRelease,
    /// A pointer to a subprogram (a callback).
    Callback,
    /// A stack pointer or NULL (callback context).
    StackOrNull,
    /// A pointer into a read-only map holding a NUL-terminated string.
    ConstStr,
    /// A `struct bpf_spin_lock` inside a map value.
    SpinLock,
    /// A `struct bpf_timer` inside a map value.
    Timer,
    /// A kind Palisade does not model (BTF ids, dynptrs, kptrs, ...):
    /// calls to such helpers are refused.
    Unsupported,
}

/// A helper return kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    Integer,
    Void,
    MapValueOrNull,
    MapValue,
    SocketOrNull,
    TcpSockOrNull,
    SockCommonOrNull,
    RingbufMemOrNull,
    /// Not modelled: calls are refused.
    Unsupported,
}

/// The helper may take packet pointers as memory arguments.
pub const PKT_ACCESS: u32 = 1;
/// The helper may move packet data: packet pointers are invalid after it.
pub const CHANGES_PKT_DATA: u32 = 2;
/// The helper may sleep (only sleepable programs may call it).
pub const MIGHT_SLEEP: u32 = 4;
/// Only GPL-compatible programs may call it.
pub const GPL_ONLY: u32 = 8;

/// A helper's prototype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelperProto {
    pub id: i32,
    pub name: &'static str,
    pub ret: Ret,
    pub args: &'static [Arg],
    pub flags: u32,
}

impl HelperProto {
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
}

const fn h(id: i32, name: &'static str, ret: Ret, args: &'static [Arg], flags: u32) -> HelperProto {
    HelperProto {
        id,
        name,
        ret,
        args,
        flags,
    }
}

/// Every helper, indexed by `id - 1`.
pub static HELPERS: &[HelperProto] = &[
    h(
        1,
        "map_lookup_elem",
        Ret::MapValueOrNull,
        &[Arg::MapPtr, Arg::MapKey],
        PKT_ACCESS,
    ),
    h(
        2,
        "map_update_elem",
        Ret::Integer,
        &[
            Arg::MapPtr,
            Arg::MapKey,
            Arg::MapValue { uninit: false },
            Arg::Anything,
        ],
        PKT_ACCESS,
    ),
    h(
        3,
        "map_delete_elem",
        Ret::Integer,
        &[Arg::MapPtr, Arg::MapKey],
        PKT_ACCESS,
    ),
    h(
        4,
        "probe_read",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(5, "ktime_get_ns", Ret::Integer, &[], 0),
    h(
        6,
        "trace_printk",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        GPL_ONLY,
    ),
    h(7, "get_prandom_u32", Ret::Integer, &[], 0),
    h(8, "get_smp_processor_id", Ret::Integer, &[], 0),
    h(
        9,
        "skb_store_bytes",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        10,
        "l3_csum_replace",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Anything,
            Arg::Anything,
            Arg::Anything,
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        11,
        "l4_csum_replace",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Anything,
            Arg::Anything,
            Arg::Anything,
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        12,
        "tail_call",
        Ret::Void,
        &[Arg::Ctx { nullable: false }, Arg::MapPtr, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        13,
        "clone_redirect",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(14, "get_current_pid_tgid", Ret::Integer, &[], 0),
    h(15, "get_current_uid_gid", Ret::Integer, &[], 0),
    h(
        16,
        "get_current_comm",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        17,
        "get_cgroup_classid",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(
        18,
        "skb_vlan_push",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        19,
        "skb_vlan_pop",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        CHANGES_PKT_DATA,
    ),
    h(
        20,
        "skb_get_tunnel_key",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        0,
    ),
    h(
        21,
        "skb_set_tunnel_key",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        0,
    ),
    h(
        22,
        "perf_event_read",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Anything],
        GPL_ONLY,
    ),
    h(
        23,
        "redirect",
        Ret::Integer,
        &[Arg::Anything, Arg::Anything],
        0,
    ),
    h(
        24,
        "get_route_realm",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(
        25,
        "perf_event_output",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::MapPtr,
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ],
        GPL_ONLY,
    ),
    h(
        26,
        "skb_load_bytes",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        27,
        "get_stackid",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::MapPtr, Arg::Anything],
        GPL_ONLY,
    ),
    h(
        28,
        "csum_diff",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Read,
                nullable: true,
            },
            Arg::Size { zero_ok: true },
            Arg::Mem {
                access: Access::Read,
                nullable: true,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        PKT_ACCESS,
    ),
    h(
        29,
        "skb_get_tunnel_opt",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        30,
        "skb_set_tunnel_opt",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        31,
        "skb_change_proto",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        32,
        "skb_change_type",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        0,
    ),
    h(
        33,
        "skb_under_cgroup",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::MapPtr, Arg::Anything],
        0,
    ),
    h(
        34,
        "get_hash_recalc",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(35, "get_current_task", Ret::Integer, &[], GPL_ONLY),
    h(
        36,
        "probe_write_user",
        Ret::Integer,
        &[
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        GPL_ONLY,
    ),
    h(
        37,
        "current_task_under_cgroup",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Anything],
        0,
    ),
    h(
        38,
        "skb_change_tail",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        39,
        "skb_pull_data",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        40,
        "csum_update",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        0,
    ),
    h(
        41,
        "set_hash_invalid",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(42, "get_numa_node_id", Ret::Integer, &[], 0),
    h(
        43,
        "skb_change_head",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        44,
        "xdp_adjust_head",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        45,
        "probe_read_str",
        Ret::Unsupported,
        &[Arg::Unsupported],
        0,
    ),
    h(
        46,
        "get_socket_cookie",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(
        47,
        "get_socket_uid",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(
        48,
        "set_hash",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        0,
    ),
    h(
        49,
        "setsockopt",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        50,
        "skb_adjust_room",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Anything,
            Arg::Anything,
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        51,
        "redirect_map",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Anything, Arg::Anything],
        0,
    ),
    h(
        52,
        "sk_redirect_map",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::MapPtr,
            Arg::Anything,
            Arg::Anything,
        ],
        0,
    ),
    h(
        53,
        "sock_map_update",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::MapPtr,
            Arg::MapKey,
            Arg::Anything,
        ],
        PKT_ACCESS,
    ),
    h(
        54,
        "xdp_adjust_meta",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        55,
        "perf_event_read_value",
        Ret::Integer,
        &[
            Arg::MapPtr,
            Arg::Anything,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        GPL_ONLY,
    ),
    h(
        56,
        "perf_prog_read_value",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        GPL_ONLY,
    ),
    h(
        57,
        "getsockopt",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Anything,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        58,
        "override_return",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        GPL_ONLY,
    ),
    h(
        59,
        "sock_ops_cb_flags_set",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        0,
    ),
    h(
        60,
        "msg_redirect_map",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::MapPtr,
            Arg::Anything,
            Arg::Anything,
        ],
        0,
    ),
    h(
        61,
        "msg_apply_bytes",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        0,
    ),
    h(
        62,
        "msg_cork_bytes",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        0,
    ),
    h(
        63,
        "msg_pull_data",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Anything,
            Arg::Anything,
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        64,
        "bind",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        65,
        "xdp_adjust_tail",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        66,
        "skb_get_xfrm_state",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        0,
    ),
    h(
        67,
        "get_stack",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        68,
        "skb_load_bytes_relative",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        0,
    ),
    h(
        69,
        "fib_lookup",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        70,
        "sock_hash_update",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::MapPtr,
            Arg::MapKey,
            Arg::Anything,
        ],
        PKT_ACCESS,
    ),
    h(
        71,
        "msg_redirect_hash",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::MapPtr,
            Arg::MapKey,
            Arg::Anything,
        ],
        0,
    ),
    h(
        72,
        "sk_redirect_hash",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::MapPtr,
            Arg::MapKey,
            Arg::Anything,
        ],
        0,
    ),
    h(
        73,
        "lwt_push_encap",
        Ret::Unsupported,
        &[Arg::Unsupported],
        0,
    ),
    h(
        74,
        "lwt_seg6_store_bytes",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        75,
        "lwt_seg6_adjust_srh",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything, Arg::Anything],
        CHANGES_PKT_DATA,
    ),
    h(
        76,
        "lwt_seg6_action",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        CHANGES_PKT_DATA,
    ),
    h(77, "rc_repeat", Ret::Unsupported, &[Arg::Unsupported], 0),
    h(78, "rc_keydown", Ret::Unsupported, &[Arg::Unsupported], 0),
    h(
        79,
        "skb_cgroup_id",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(80, "get_current_cgroup_id", Ret::Integer, &[], 0),
    h(
        81,
        "get_local_storage",
        Ret::MapValue,
        &[Arg::MapPtr, Arg::Anything],
        0,
    ),
    h(
        82,
        "sk_select_reuseport",
        Ret::Unsupported,
        &[Arg::Unsupported],
        0,
    ),
    h(
        83,
        "skb_ancestor_cgroup_id",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        0,
    ),
    h(
        84,
        "sk_lookup_tcp",
        Ret::SocketOrNull,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
            Arg::Anything,
        ],
        PKT_ACCESS,
    ),
    h(
        85,
        "sk_lookup_udp",
        Ret::SocketOrNull,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
            Arg::Anything,
        ],
        PKT_ACCESS,
    ),
    h(86, "sk_release", Ret::Integer, &[Arg::SockRelease], 0),
    h(
        87,
        "map_push_elem",
        Ret::Integer,
        &[Arg::MapPtr, Arg::MapValue { uninit: false }, Arg::Anything],
        PKT_ACCESS,
    ),
    h(
        88,
        "map_pop_elem",
        Ret::Integer,
        &[Arg::MapPtr, Arg::MapValue { uninit: true }],
        0,
    ),
    h(
        89,
        "map_peek_elem",
        Ret::Integer,
        &[Arg::MapPtr, Arg::MapValue { uninit: true }],
        0,
    ),
    h(
        90,
        "msg_push_data",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Anything,
            Arg::Anything,
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        91,
        "msg_pop_data",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Anything,
            Arg::Anything,
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        92,
        "rc_pointer_rel",
        Ret::Unsupported,
        &[Arg::Unsupported],
        0,
    ),
    h(93, "spin_lock", Ret::Void, &[Arg::SpinLock], 0),
    h(94, "spin_unlock", Ret::Void, &[Arg::SpinLock], 0),
    h(95, "sk_fullsock", Ret::SocketOrNull, &[Arg::SockCommon], 0),
    h(96, "tcp_sock", Ret::TcpSockOrNull, &[Arg::SockCommon], 0),
    h(
        97,
        "skb_ecn_set_ce",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(
        98,
        "get_listener_sock",
        Ret::SocketOrNull,
        &[Arg::SockCommon],
        0,
    ),
    h(
        99,
        "skc_lookup_tcp",
        Ret::SockCommonOrNull,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
            Arg::Anything,
        ],
        PKT_ACCESS,
    ),
    h(
        100,
        "tcp_check_syncookie",
        Ret::Integer,
        &[
            Arg::SockCommon,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        PKT_ACCESS | GPL_ONLY,
    ),
    h(
        101,
        "sysctl_get_name",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        0,
    ),
    h(
        102,
        "sysctl_get_current_value",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        103,
        "sysctl_get_new_value",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        104,
        "sysctl_set_new_value",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        105,
        "strtol",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
            Arg::FixedMem {
                size: 8,
                access: Access::Write,
                aligned: true,
            },
        ],
        0,
    ),
    h(
        106,
        "strtoul",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
            Arg::FixedMem {
                size: 8,
                access: Access::Write,
                aligned: true,
            },
        ],
        0,
    ),
    h(
        107,
        "sk_storage_get",
        Ret::MapValueOrNull,
        &[
            Arg::MapPtr,
            Arg::SockCommon,
            Arg::MapValueOrNull,
            Arg::Anything,
        ],
        0,
    ),
    h(
        108,
        "sk_storage_delete",
        Ret::Integer,
        &[Arg::MapPtr, Arg::SockCommon],
        0,
    ),
    h(109, "send_signal", Ret::Integer, &[Arg::Anything], 0),
    h(
        110,
        "tcp_gen_syncookie",
        Ret::Integer,
        &[
            Arg::SockCommon,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        PKT_ACCESS | GPL_ONLY,
    ),
    h(
        111,
        "skb_output",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::MapPtr,
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ],
        GPL_ONLY,
    ),
    h(
        112,
        "probe_read_user",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        113,
        "probe_read_kernel",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        114,
        "probe_read_user_str",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        115,
        "probe_read_kernel_str",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        116,
        "tcp_send_ack",
        Ret::Integer,
        &[Arg::Unsupported, Arg::Anything],
        0,
    ),
    h(117, "send_signal_thread", Ret::Integer, &[Arg::Anything], 0),
    h(118, "jiffies64", Ret::Integer, &[], 0),
    h(
        119,
        "read_branch_records",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: true,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        120,
        "get_ns_current_pid_tgid",
        Ret::Integer,
        &[
            Arg::Anything,
            Arg::Anything,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        121,
        "xdp_output",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::MapPtr,
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ],
        GPL_ONLY,
    ),
    h(
        122,
        "get_netns_cookie",
        Ret::Integer,
        &[Arg::Ctx { nullable: true }],
        0,
    ),
    h(
        123,
        "get_current_ancestor_cgroup_id",
        Ret::Integer,
        &[Arg::Anything],
        0,
    ),
    h(
        124,
        "sk_assign",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::SockCommon, Arg::Anything],
        0,
    ),
    h(125, "ktime_get_boot_ns", Ret::Integer, &[], 0),
    h(
        126,
        "seq_printf",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Mem {
                access: Access::Read,
                nullable: true,
            },
            Arg::Size { zero_ok: true },
        ],
        GPL_ONLY,
    ),
    h(
        127,
        "seq_write",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ],
        GPL_ONLY,
    ),
    h(128, "sk_cgroup_id", Ret::Integer, &[Arg::SockCommon], 0),
    h(
        129,
        "sk_ancestor_cgroup_id",
        Ret::Integer,
        &[Arg::SockCommon, Arg::Anything],
        0,
    ),
    h(
        130,
        "ringbuf_output",
        Ret::Integer,
        &[
            Arg::MapPtr,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        0,
    ),
    h(
        131,
        "ringbuf_reserve",
        Ret::RingbufMemOrNull,
        &[Arg::MapPtr, Arg::AllocSize, Arg::Anything],
        0,
    ),
    h(
        132,
        "ringbuf_submit",
        Ret::Void,
        &[Arg::RingbufRelease, Arg::Anything],
        0,
    ),
    h(
        133,
        "ringbuf_discard",
        Ret::Void,
        &[Arg::RingbufRelease, Arg::Anything],
        0,
    ),
    h(
        134,
        "ringbuf_query",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Anything],
        0,
    ),
    h(
        135,
        "csum_level",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything],
        0,
    ),
    h(
        136,
        "skc_to_tcp6_sock",
        Ret::Unsupported,
        &[Arg::SockCommon],
        0,
    ),
    h(
        137,
        "skc_to_tcp_sock",
        Ret::Unsupported,
        &[Arg::SockCommon],
        0,
    ),
    h(
        138,
        "skc_to_tcp_timewait_sock",
        Ret::Unsupported,
        &[Arg::SockCommon],
        0,
    ),
    h(
        139,
        "skc_to_tcp_request_sock",
        Ret::Unsupported,
        &[Arg::SockCommon],
        0,
    ),
    h(
        140,
        "skc_to_udp6_sock",
        Ret::Unsupported,
        &[Arg::SockCommon],
        0,
    ),
    h(
        141,
        "get_task_stack",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        0,
    ),
    h(
        142,
        "load_hdr_opt",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        0,
    ),
    h(
        143,
        "store_hdr_opt",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        CHANGES_PKT_DATA,
    ),
    h(
        144,
        "reserve_hdr_opt",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything, Arg::Anything],
        0,
    ),
    h(
        145,
        "inode_storage_get",
        Ret::MapValueOrNull,
        &[
            Arg::MapPtr,
            Arg::Unsupported,
            Arg::MapValueOrNull,
            Arg::Anything,
        ],
        0,
    ),
    h(
        146,
        "inode_storage_delete",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Unsupported],
        0,
    ),
    h(
        147,
        "d_path",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ],
        0,
    ),
    h(
        148,
        "copy_from_user",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        MIGHT_SLEEP,
    ),
    h(
        149,
        "snprintf_btf",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
        ],
        0,
    ),
    h(
        150,
        "seq_printf_btf",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        151,
        "skb_cgroup_classid",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(
        152,
        "redirect_neigh",
        Ret::Integer,
        &[
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: true,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        0,
    ),
    h(
        153,
        "per_cpu_ptr",
        Ret::Unsupported,
        &[Arg::Unsupported, Arg::Anything],
        0,
    ),
    h(
        154,
        "this_cpu_ptr",
        Ret::Unsupported,
        &[Arg::Unsupported],
        0,
    ),
    h(
        155,
        "redirect_peer",
        Ret::Integer,
        &[Arg::Anything, Arg::Anything],
        0,
    ),
    h(
        156,
        "task_storage_get",
        Ret::MapValueOrNull,
        &[
            Arg::MapPtr,
            Arg::Unsupported,
            Arg::MapValueOrNull,
            Arg::Anything,
        ],
        0,
    ),
    h(
        157,
        "task_storage_delete",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Unsupported],
        0,
    ),
    h(158, "get_current_task_btf", Ret::Unsupported, &[], GPL_ONLY),
    h(
        159,
        "bprm_opts_set",
        Ret::Integer,
        &[Arg::Unsupported, Arg::Anything],
        0,
    ),
    h(160, "ktime_get_coarse_ns", Ret::Integer, &[], 0),
    h(
        161,
        "ima_inode_hash",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        MIGHT_SLEEP,
    ),
    h(
        162,
        "sock_from_file",
        Ret::Unsupported,
        &[Arg::Unsupported],
        0,
    ),
    h(
        163,
        "check_mtu",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::FixedMem {
                size: 4,
                access: Access::ReadWrite,
                aligned: true,
            },
            Arg::Anything,
            Arg::Anything,
        ],
        GPL_ONLY,
    ),
    h(
        164,
        "for_each_map_elem",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Callback, Arg::StackOrNull, Arg::Anything],
        0,
    ),
    h(
        165,
        "snprintf",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: true,
            },
            Arg::Size { zero_ok: true },
            Arg::ConstStr,
            Arg::Mem {
                access: Access::Read,
                nullable: true,
            },
            Arg::Size { zero_ok: true },
        ],
        GPL_ONLY,
    ),
    h(
        166,
        "sys_bpf",
        Ret::Integer,
        &[
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        MIGHT_SLEEP,
    ),
    h(
        167,
        "btf_find_by_name_kind",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Anything,
            Arg::Anything,
        ],
        MIGHT_SLEEP,
    ),
    h(
        168,
        "sys_close",
        Ret::Integer,
        &[Arg::Anything],
        MIGHT_SLEEP,
    ),
    h(
        169,
        "timer_init",
        Ret::Integer,
        &[Arg::Timer, Arg::MapPtr, Arg::Anything],
        GPL_ONLY,
    ),
    h(
        170,
        "timer_set_callback",
        Ret::Integer,
        &[Arg::Timer, Arg::Callback],
        GPL_ONLY,
    ),
    h(
        171,
        "timer_start",
        Ret::Integer,
        &[Arg::Timer, Arg::Anything, Arg::Anything],
        GPL_ONLY,
    ),
    h(172, "timer_cancel", Ret::Integer, &[Arg::Timer], GPL_ONLY),
    h(
        173,
        "get_func_ip",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        GPL_ONLY,
    ),
    h(
        174,
        "get_attach_cookie",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(
        175,
        "task_pt_regs",
        Ret::Unsupported,
        &[Arg::Unsupported],
        GPL_ONLY,
    ),
    h(
        176,
        "get_branch_snapshot",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ],
        GPL_ONLY,
    ),
    h(
        177,
        "trace_vprintk",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::Mem {
                access: Access::Read,
                nullable: true,
            },
            Arg::Size { zero_ok: true },
        ],
        GPL_ONLY,
    ),
    h(
        178,
        "skc_to_unix_sock",
        Ret::Unsupported,
        &[Arg::SockCommon],
        0,
    ),
    h(
        179,
        "kallsyms_lookup_name",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
            Arg::FixedMem {
                size: 8,
                access: Access::Write,
                aligned: true,
            },
        ],
        0,
    ),
    h(
        180,
        "find_vma",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Anything,
            Arg::Callback,
            Arg::StackOrNull,
            Arg::Anything,
        ],
        0,
    ),
    h(
        181,
        "loop",
        Ret::Integer,
        &[
            Arg::Anything,
            Arg::Callback,
            Arg::StackOrNull,
            Arg::Anything,
        ],
        0,
    ),
    h(
        182,
        "strncmp",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
            Arg::ConstStr,
        ],
        0,
    ),
    h(
        183,
        "get_func_arg",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::FixedMem {
                size: 8,
                access: Access::Write,
                aligned: true,
            },
        ],
        0,
    ),
    h(
        184,
        "get_func_ret",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::FixedMem {
                size: 8,
                access: Access::Write,
                aligned: true,
            },
        ],
        0,
    ),
    h(
        185,
        "get_func_arg_cnt",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(186, "get_retval", Ret::Integer, &[], 0),
    h(187, "set_retval", Ret::Integer, &[Arg::Anything], 0),
    h(
        188,
        "xdp_get_buff_len",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }],
        0,
    ),
    h(
        189,
        "xdp_load_bytes",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        190,
        "xdp_store_bytes",
        Ret::Integer,
        &[
            Arg::Ctx { nullable: false },
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        0,
    ),
    h(
        191,
        "copy_from_user_task",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
            Arg::Unsupported,
            Arg::Anything,
        ],
        MIGHT_SLEEP | GPL_ONLY,
    ),
    h(
        192,
        "skb_set_tstamp",
        Ret::Integer,
        &[Arg::Ctx { nullable: false }, Arg::Anything, Arg::Anything],
        0,
    ),
    h(
        193,
        "ima_file_hash",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: false },
        ],
        MIGHT_SLEEP,
    ),
    h(
        194,
        "kptr_xchg",
        Ret::Unsupported,
        &[Arg::Unsupported, Arg::Unsupported],
        0,
    ),
    h(
        195,
        "map_lookup_percpu_elem",
        Ret::MapValueOrNull,
        &[Arg::MapPtr, Arg::MapKey, Arg::Anything],
        PKT_ACCESS,
    ),
    h(
        196,
        "skc_to_mptcp_sock",
        Ret::Unsupported,
        &[Arg::SockCommon],
        0,
    ),
    h(
        197,
        "dynptr_from_mem",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
            Arg::Unsupported,
        ],
        0,
    ),
    h(
        198,
        "ringbuf_reserve_dynptr",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Anything, Arg::Anything, Arg::Unsupported],
        0,
    ),
    h(
        199,
        "ringbuf_submit_dynptr",
        Ret::Void,
        &[Arg::Unsupported, Arg::Anything],
        0,
    ),
    h(
        200,
        "ringbuf_discard_dynptr",
        Ret::Void,
        &[Arg::Unsupported, Arg::Anything],
        0,
    ),
    h(
        201,
        "dynptr_read",
        Ret::Integer,
        &[
            Arg::Mem {
                access: Access::Write,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Unsupported,
            Arg::Anything,
            Arg::Anything,
        ],
        0,
    ),
    h(
        202,
        "dynptr_write",
        Ret::Integer,
        &[
            Arg::Unsupported,
            Arg::Anything,
            Arg::Mem {
                access: Access::Read,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
            Arg::Anything,
        ],
        0,
    ),
    h(
        203,
        "dynptr_data",
        Ret::Unsupported,
        &[Arg::Unsupported, Arg::Anything, Arg::AllocSize],
        0,
    ),
    h(
        204,
        "tcp_raw_gen_syncookie_ipv4",
        Ret::Integer,
        &[
            Arg::FixedMem {
                size: 20,
                access: Access::ReadWrite,
                aligned: false,
            },
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ],
        PKT_ACCESS | GPL_ONLY,
    ),
    h(
        205,
        "tcp_raw_gen_syncookie_ipv6",
        Ret::Integer,
        &[
            Arg::FixedMem {
                size: 40,
                access: Access::ReadWrite,
                aligned: false,
            },
            Arg::Mem {
                access: Access::ReadWrite,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ],
        PKT_ACCESS | GPL_ONLY,
    ),
    h(
        206,
        "tcp_raw_check_syncookie_ipv4",
        Ret::Integer,
        &[
            Arg::FixedMem {
                size: 20,
                access: Access::ReadWrite,
                aligned: false,
            },
            Arg::FixedMem {
                size: 20,
                access: Access::ReadWrite,
                aligned: false,
            },
        ],
        PKT_ACCESS | GPL_ONLY,
    ),
    h(
        207,
        "tcp_raw_check_syncookie_ipv6",
        Ret::Integer,
        &[
            Arg::FixedMem {
                size: 40,
                access: Access::ReadWrite,
                aligned: false,
            },
            Arg::FixedMem {
                size: 20,
                access: Access::ReadWrite,
                aligned: false,
            },
        ],
        PKT_ACCESS | GPL_ONLY,
    ),
    h(208, "ktime_get_tai_ns", Ret::Integer, &[], 0),
    h(
        209,
        "user_ringbuf_drain",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Callback, Arg::StackOrNull, Arg::Anything],
        0,
    ),
    h(
        210,
        "cgrp_storage_get",
        Ret::MapValueOrNull,
        &[
            Arg::MapPtr,
            Arg::Unsupported,
            Arg::MapValueOrNull,
            Arg::Anything,
        ],
        0,
    ),
    h(
        211,
        "cgrp_storage_delete",
        Ret::Integer,
        &[Arg::MapPtr, Arg::Unsupported],
        0,
    ),
];

/// The prototype of helper `id`.
pub fn helper(id: i32) -> Option<&'static HelperProto> {
    let i = usize::try_from(id).ok()?.checked_sub(1)?;
    HELPERS.get(i).filter(|h| h.id == id)
}

/// Helper availability per program type on Linux 6.18: bit `id` of the
/// 256-bit set is on when the program type may call helper `id`.
pub static ALLOWED: &[(&str, [u64; 4])] = &[
    (
        "socket_filter",
        [
            0x0080c4280643d1ee,
            0x2d6f260063810010,
            0x80779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "kprobe",
        [
            0x008024280a43d1fe,
            0x296f260063810008,
            0x8073fe307630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "sched_cls",
        [
            0x0085cfeff7ffffee,
            0x3d6f7e1fe3f98034,
            0x80779e397fb03ffc,
            0x00000000000ffffd,
        ],
    ),
    (
        "sched_act",
        [
            0x0085cfeff7ffffee,
            0x3d6f7e1fe3f98034,
            0x80779e397fb03ffc,
            0x00000000000ffffd,
        ],
    ),
    (
        "tracepoint",
        [
            0x008024280a43d1fe,
            0x296f260063810008,
            0x8073fe307630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "xdp",
        [
            0x00c8142812c3d1ee,
            0x296f661863f10022,
            0xf0779e3976303f7c,
            0x00000000000ffffc,
        ],
    ),
    (
        "perf_event",
        [
            0x018024280a43d1fe,
            0x29ef260063810008,
            0x8073fe307630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "cgroup_skb",
        [
            0x0080c4280643d1ee,
            0x2d6f3e0fe3fb8010,
            0x80779e3176303f7f,
            0x00000000000f0ffc,
        ],
    ),
    (
        "cgroup_sock",
        [
            0x008044280243d1ee,
            0x2d6f2e0063830000,
            0x8c739e317630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "lwt_in",
        [
            0x008004ae1743d1ee,
            0x296f260063810200,
            0x80779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "lwt_out",
        [
            0x008004ae1743d1ee,
            0x296f260063810000,
            0x80779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "lwt_xmit",
        [
            0x00800fee77f3ffee,
            0x296f260063810200,
            0x80779e3176303ffc,
            0x00000000000f0ffc,
        ],
    ),
    (
        "sock_ops",
        [
            0x0aa244280243d1ee,
            0x2d6f3e0163830040,
            0x80779e317631ff7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "sk_skb",
        [
            0x0094cce80643d3ee,
            0x296f260863f10100,
            0x80779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "cgroup_device",
        [
            0x008004280243d1ee,
            0x296f260063830000,
            0x80739e307630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "sk_msg",
        [
            0xf08004280243d1ee,
            0x2d6f3e006f810080,
            0x80779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "raw_tracepoint",
        [
            0x008024280a43d1fe,
            0x296f260063810008,
            0x8073fe307630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "cgroup_sock_addr",
        [
            0x028244280243d1ee,
            0x2d6f3e0863f30001,
            0x8c779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "lwt_seg6local",
        [
            0x008004ae1743d1ee,
            0x296f260063811c00,
            0x80779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "sk_reuseport",
        [
            0x008044280443d1ee,
            0x296f260063850010,
            0x80739e317630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "flow_dissector",
        [
            0x008004280443d1ee,
            0x296f260063810000,
            0x80779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "cgroup_sysctl",
        [
            0x008004280243d1ee,
            0x296f27e063830000,
            0x80739e317630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "raw_tracepoint_writable",
        [
            0x008024280a43d1fe,
            0x296f260063810008,
            0x8073fe307630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "cgroup_sockopt",
        [
            0x008004280243d1ee,
            0x2d6f3e0163830000,
            0x8c739e307630207c,
            0x00000000000f0fec,
        ],
    ),
    (
        "sk_lookup",
        [
            0x008004280243d1ee,
            0x396f260063c10000,
            0x80779e3176303f7c,
            0x00000000000f0ffc,
        ],
    ),
    (
        "syscall",
        [
            0xfffffffffffffffe,
            0xffffffffffffffff,
            0xffffffffffffffff,
            0x0000000000ffffff,
        ],
    ),
    (
        "netfilter",
        [
            0x008004280043d1ee,
            0x296f260063810000,
            0x80739e307630207c,
            0x00000000000f0fec,
        ],
    ),
];

/// Whether a program of type `prog_type` (by name, `sched_cls`) may call
/// helper `id`.
pub fn allowed(prog_type: &str, id: i32) -> bool {
    let Ok(id) = usize::try_from(id) else {
        return false;
    };
    if id >= 256 {
        return false;
    }
    ALLOWED
        .iter()
        .find(|(n, _)| *n == prog_type)
        .is_some_and(|(_, bits)| bits[id / 64] & (1u64 << (id % 64)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_id() {
        for (i, h) in HELPERS.iter().enumerate() {
            assert_eq!(h.id as usize, i + 1, "{}", h.name);
        }
        assert_eq!(helper(1).unwrap().name, "map_lookup_elem");
        assert!(helper(0).is_none() && helper(-3).is_none() && helper(100_000).is_none());
    }

    #[test]
    fn availability() {
        assert!(allowed("sched_cls", 9), "tc may store bytes");
        assert!(!allowed("socket_filter", 9));
        assert!(allowed("xdp", 1));
        assert!(!allowed("nonsense", 1));
    }
}
