//! The platform: everything the verifier knows about the kernel it
//! verifies for, passed explicitly as a [`Platform`] value (no globals).
//!
//! * [`prog_type`]: program and attach types, section-name mapping;
//! * [`ctx`]: context layouts and their access rules;
//! * [`helpers`]: helper prototypes and per-program-type availability;
//! * [`maps`]: map types and helper/map compatibility;
//! * [`Limits`]: the kernel's complexity and size limits.

pub mod ctx;
pub mod helpers;
pub mod maps;
pub mod prog_type;

use helpers::HelperProto;
use prog_type::ProgKind;

/// The kernel's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Instructions the analysis may process before giving up
    /// (`BPF_COMPLEXITY_LIMIT_INSNS`).
    pub max_processed_insns: u64,
    /// Bytes of stack per frame, and for a whole call chain
    /// (`MAX_BPF_STACK`).
    pub max_stack_bytes: u32,
    /// Call frames, the main program included (`MAX_CALL_FRAMES`).
    pub max_frames: usize,
    /// Branches waiting to be explored (`BPF_COMPLEXITY_LIMIT_JMP_SEQ`).
    pub max_pending_branches: usize,
    /// Instructions in a program.
    pub max_program_len: usize,
    /// Subprograms in a program (`BPF_MAX_SUBPROGS`).
    pub max_subprogs: usize,
}

impl Limits {
    /// The limits of Linux 6.x for a privileged loader.
    pub const LINUX: Limits = Limits {
        max_processed_insns: 1_000_000,
        max_stack_bytes: 512,
        max_frames: 8,
        max_pending_branches: 8192,
        max_program_len: 1_000_000,
        max_subprogs: 256,
    };
}

/// A target platform for verification.
#[derive(Clone, Debug)]
pub struct Platform {
    pub name: &'static str,
    pub limits: Limits,
}

impl Platform {
    /// Linux 6.18 (x86-64) as seen by a loader with `CAP_BPF`,
    /// `CAP_PERFMON` and `CAP_NET_ADMIN`.
    pub fn linux() -> Platform {
        Platform {
            name: "linux-6.18",
            limits: Limits::LINUX,
        }
    }

    /// The prototype of a helper, if it exists.
    pub fn helper(&self, id: i32) -> Option<&'static HelperProto> {
        helpers::helper(id)
    }

    /// Whether programs of this kind may call helper `id`.
    pub fn helper_allowed(&self, kind: ProgKind, id: i32) -> bool {
        helpers::allowed(kind.prog_type.name(), id)
    }

    /// Whether Palisade models this program type's context (programs of
    /// other types are refused as unsupported).
    pub fn supports(&self, kind: ProgKind) -> bool {
        ctx::ctx_size(kind).is_some()
    }

    /// The range `R0` must lie in at program exit, if the program type
    /// restricts it.
    pub fn return_range(&self, kind: ProgKind) -> Option<(i64, i64)> {
        use prog_type::AttachType as A;
        use prog_type::ProgType as P;
        match kind.prog_type {
            P::CgroupSockAddr => Some(match kind.attach {
                A::CGROUP_UDP4_RECVMSG
                | A::CGROUP_UDP6_RECVMSG
                | A::CGROUP_UNIX_RECVMSG
                | A::CGROUP_INET4_GETPEERNAME
                | A::CGROUP_INET6_GETPEERNAME
                | A::CGROUP_UNIX_GETPEERNAME
                | A::CGROUP_INET4_GETSOCKNAME
                | A::CGROUP_INET6_GETSOCKNAME
                | A::CGROUP_UNIX_GETSOCKNAME => (1, 1),
                A::CGROUP_INET4_BIND | A::CGROUP_INET6_BIND => (0, 3),
                _ => (0, 1),
            }),
            P::CgroupSkb => Some(if kind.attach == A::CGROUP_INET_EGRESS {
                (0, 3)
            } else {
                (0, 1)
            }),
            P::CgroupSock | P::SockOps | P::CgroupDevice | P::CgroupSysctl | P::CgroupSockopt => {
                Some((0, 1))
            }
            P::SkLookup | P::Netfilter => Some((0, 1)),
            _ => None,
        }
    }
}

impl Default for Platform {
    fn default() -> Self {
        Platform::linux()
    }
}
