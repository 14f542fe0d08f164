//! The checked model: what a `.pol` file means, resolved and typed.
//!
//! [`crate::check::check`] builds a [`Checked`] from the syntax tree, and
//! only when the file has no errors. Both the reference evaluator
//! ([`crate::eval`]) and code generation consume it, so the bytecode and
//! the specification read the same data.
//!
//! # Invariants
//!
//! - **Resolved.** Every name is resolved: rules refer to sets by
//!   [`SetId`] (an index into [`Checked::sets`]); expectations refer to
//!   programs by [`ProgramId`] (an index into [`Checked::programs`]).
//!   Set and program names are unique.
//! - **Typed.** Addresses are [`Cidr4`]/[`Cidr6`] with host bits cleared,
//!   ports are `u16` ranges with `low <= high`, protocols are numbers,
//!   ICMP types and codes are `u8`. A rule's [`AddrMatch::Set`] refers to
//!   an address set and its [`PortMatch::Set`] to a port set.
//! - **Stable set identity.** A set's name (and its [`SetId`], which is its
//!   position in the file) identifies it for live updates: codegen turns
//!   each set into maps named after it, and `palisade set add` changes the
//!   contents without a recompile. The contents here are the initial
//!   contents. For that reason the checker's static analyses (family
//!   conflicts, shadowing) treat named sets as opaque.
//! - **Consistent rules.** In a [`Match`]: a port match (not
//!   [`PortMatch::Any`]) only appears with a protocol that has ports (tcp,
//!   udp, sctp); an [`IcmpMatch`] only with `icmp` (then `family` is
//!   `Some(V4)`) or `icmpv6` (`Some(V6)`); `family` is `Some(f)` when the
//!   protocol or the inline address lists restrict the rule to one family,
//!   and never contradicts them.
//! - **Ordered rules.** [`Filter::rules`] are in source order and
//!   `rules[i].id == RuleId(i)`; first match wins; exactly one
//!   [`DefaultVerdict`] decides when no rule matches. Verdicts fit the
//!   program: policies `allow`/`deny`, guards `drop`/`pass`.
//! - **Services.** A [`Mapping`] has a service address and at least one
//!   backend, all with ports and of the service address's family; no two
//!   mappings of a service overlap (same address, port and protocol).
//! - **Spans.** Every set, program, rule, default, mapping and
//!   expectation carries the [`Span`] of its source text and its 1-based
//!   line, for diagnostics, `explain`, and the line tables of codegen.

mod glob;
mod net;
mod packet;
mod proto;

pub use glob::{Glob, GlobError};
pub use net::{AddrList, Cidr, Cidr4, Cidr6, Family, PortList, PortRange};
pub use packet::{IcmpHeader, Packet, PacketError};
pub use proto::{
    icmp_type_by_name, icmp_type_name, icmp_types, protocol_by_name, Protocol, ProtocolName,
    ICMP4_TYPES, ICMP6_TYPES, PROTOCOL_NAMES,
};

use crate::span::Span;
use serde::Serialize;
use std::fmt;
use std::net::SocketAddr;

macro_rules! entity {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The index this id stands for.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

entity!(
    /// A set: index into [`Checked::sets`]. Prints as `set3`.
    SetId,
    "set"
);
entity!(
    /// A program: index into [`Checked::programs`]. Prints as `prog1`.
    ProgramId,
    "prog"
);
entity!(
    /// A rule of one filter: index into [`Filter::rules`]. Prints as
    /// `rule4`. Codegen's per-rule counters use this index; the default's
    /// counter is at `rules.len()`.
    RuleId,
    "rule"
);
entity!(
    /// A mapping of one service: index into [`Service::mappings`].
    MappingId,
    "map"
);

/// Proof that a file was checked without errors; see the module doc for
/// what it guarantees. Only [`crate::check`] builds one.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub sets: Vec<Set>,
    pub programs: Vec<Program>,
    pub tests: Vec<Test>,
    #[serde(skip)]
    #[expect(
        dead_code,
        reason = "only its privacy matters: it keeps Checked from being built elsewhere"
    )]
    pub(crate) sealed: Sealed,
}

/// Keeps [`Checked`] from being built outside this crate.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sealed;

impl Checked {
    /// The set `id` refers to.
    pub fn set(&self, id: SetId) -> &Set {
        &self.sets[id.index()]
    }

    /// The program `id` refers to.
    pub fn program(&self, id: ProgramId) -> &Program {
        &self.programs[id.index()]
    }

    /// The set called `name`.
    pub fn set_by_name(&self, name: &str) -> Option<&Set> {
        self.sets.iter().find(|s| s.name == name)
    }

    /// The program called `name`.
    pub fn program_by_name(&self, name: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.name == name)
    }
}

/// A named set of addresses or ports.
#[derive(Debug, Clone, Serialize)]
pub struct Set {
    pub id: SetId,
    pub name: String,
    pub span: Span,
    pub line: u32,
    pub contents: SetContents,
}

/// What a set holds. The kind is fixed; the contents may change live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SetContents {
    Addrs(AddrList),
    Ports(PortList),
}

/// A policy, guard or service.
#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub id: ProgramId,
    pub name: String,
    pub span: Span,
    pub line: u32,
    pub kind: ProgramKind,
}

impl Program {
    /// Where the program attaches.
    pub fn hook(&self) -> Hook {
        match &self.kind {
            ProgramKind::Policy(p) => match p.direction {
                Direction::Ingress => Hook::Ingress,
                Direction::Egress => Hook::Egress,
            },
            ProgramKind::Guard(_) => Hook::Xdp,
            ProgramKind::Service(_) => Hook::Connect,
        }
    }

    /// The filter of a policy or guard.
    pub fn filter(&self) -> Option<&Filter> {
        match &self.kind {
            ProgramKind::Policy(p) => Some(&p.filter),
            ProgramKind::Guard(g) => Some(&g.filter),
            ProgramKind::Service(_) => None,
        }
    }

    /// The keyword of the program kind.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            ProgramKind::Policy(_) => "policy",
            ProgramKind::Guard(_) => "guard",
            ProgramKind::Service(_) => "service",
        }
    }
}

/// The three kinds of program.
#[derive(Debug, Clone, Serialize)]
pub enum ProgramKind {
    /// `policy NAME on ingress|egress`: tc on the pod's host-side veth.
    Policy(Policy),
    /// `guard NAME on xdp`: XDP on a device.
    Guard(Guard),
    /// `service NAME on connect`: cgroup connect4/connect6.
    Service(Service),
}

/// Where a program attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Hook {
    /// Traffic arriving at the pod (tc egress on the host-side veth).
    Ingress,
    /// Traffic leaving the pod (tc ingress on the host-side veth).
    Egress,
    /// Packets received on a device, before the stack.
    Xdp,
    /// `connect()` calls of the pod's sockets.
    Connect,
}

impl Hook {
    /// The hook's name in the language.
    pub fn name(self) -> &'static str {
        match self {
            Hook::Ingress => "ingress",
            Hook::Egress => "egress",
            Hook::Xdp => "xdp",
            Hook::Connect => "connect",
        }
    }

    /// The direction of traffic the hook sees, in pod terms. XDP sees
    /// received packets (ingress); connect sees outgoing connects (egress).
    pub fn direction(self) -> Direction {
        match self {
            Hook::Ingress | Hook::Xdp => Direction::Ingress,
            Hook::Egress | Hook::Connect => Direction::Egress,
        }
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A traffic direction in pod terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Direction {
    /// Towards the pod.
    Ingress,
    /// Away from the pod.
    Egress,
}

impl Direction {
    /// The direction's name in the language.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A policy: a filter for one direction of the selected pods.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub direction: Direction,
    /// The pods it applies to: the union of the selectors. Empty means
    /// none (the checker warns).
    pub selectors: Vec<Selector>,
    pub filter: Filter,
}

/// A guard: a filter on a device's XDP hook.
#[derive(Debug, Clone, Serialize)]
pub struct Guard {
    pub filter: Filter,
}

/// Ordered rules, a default, and the audit switch.
#[derive(Debug, Clone, Serialize)]
pub struct Filter {
    /// Audit mode: a deny (drop) decision is logged and counted but the
    /// packet is let through (passed).
    pub audit: bool,
    pub rules: Vec<Rule>,
    pub default: DefaultVerdict,
}

/// What a filter decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Verdict {
    /// Policy: let the packet through.
    Allow,
    /// Policy: drop the packet.
    Deny,
    /// Guard: drop the packet.
    Drop,
    /// Guard: hand the packet to the stack.
    Pass,
}

impl Verdict {
    /// The verdict's word in the language.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Drop => "drop",
            Verdict::Pass => "pass",
        }
    }

    /// Whether the verdict stops the packet.
    pub fn blocks(self) -> bool {
        matches!(self, Verdict::Deny | Verdict::Drop)
    }

    /// The verdict that lets the packet through in the same vocabulary
    /// (`allow` for policies, `pass` for guards).
    pub fn letting_through(self) -> Verdict {
        match self {
            Verdict::Allow | Verdict::Deny => Verdict::Allow,
            Verdict::Drop | Verdict::Pass => Verdict::Pass,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One rule: a verdict for the packets its match selects.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: RuleId,
    pub span: Span,
    pub line: u32,
    /// The rule's source text, for `explain` and test failures.
    pub text: String,
    pub verdict: Verdict,
    pub matcher: Match,
    /// Count packets this rule decides (per-rule counter).
    pub count: bool,
    /// Emit a verdict event for packets this rule decides.
    pub log: bool,
}

/// The `default` line of a filter.
#[derive(Debug, Clone, Serialize)]
pub struct DefaultVerdict {
    pub span: Span,
    pub line: u32,
    pub text: String,
    pub verdict: Verdict,
    pub count: bool,
    pub log: bool,
}

/// What a rule matches: the conjunction of all its fields. `None` and
/// `Any` match everything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Match {
    pub family: Option<Family>,
    pub protocol: Option<Protocol>,
    pub icmp: Option<IcmpMatch>,
    pub src: AddrMatch,
    pub src_ports: PortMatch,
    pub dst: AddrMatch,
    pub dst_ports: PortMatch,
}

/// An ICMP type and optional code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct IcmpMatch {
    pub ty: u8,
    pub code: Option<u8>,
}

/// Addresses a rule accepts on one side.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum AddrMatch {
    /// No address condition.
    Any,
    /// A named address set (live-changeable).
    Set(SetId),
    /// Constants written in the rule (non-empty).
    List(AddrList),
}

/// Ports a rule accepts on one side.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum PortMatch {
    /// No port condition (also matches packets without ports).
    Any,
    /// A named port set (live-changeable).
    Set(SetId),
    /// Constants written in the rule (non-empty).
    List(PortList),
}

/// `apply to pods "GLOB" in namespace "GLOB"`: pods whose name matches
/// `pods` in a namespace matching `namespace`.
#[derive(Debug, Clone, Serialize)]
pub struct Selector {
    pub span: Span,
    /// `*` when only a namespace was given.
    pub pods: Glob,
    /// `None`: any namespace.
    pub namespace: Option<Glob>,
}

impl Selector {
    /// Whether the selector picks pod `name` in `namespace`.
    pub fn matches(&self, name: &str, namespace: &str) -> bool {
        self.pods.matches(name)
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| ns.matches(namespace))
    }
}

/// A service: socket-level load balancing at connect time.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub selectors: Vec<Selector>,
    pub mappings: Vec<Mapping>,
}

/// `[PROTO] VIP:PORT -> { BACKEND:PORT, ... }`
#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    pub id: MappingId,
    pub span: Span,
    pub line: u32,
    pub text: String,
    /// `Some(TCP)` or `Some(UDP)`; `None` for both.
    pub protocol: Option<Protocol>,
    pub vip: SocketAddr,
    /// At least one; same family as `vip`; in source order, duplicates
    /// removed.
    pub backends: Vec<SocketAddr>,
}

/// A `test` block.
#[derive(Debug, Clone, Serialize)]
pub struct Test {
    pub name: String,
    pub span: Span,
    pub line: u32,
    pub expects: Vec<Expectation>,
}

/// One `expect` line.
#[derive(Debug, Clone, Serialize)]
pub struct Expectation {
    pub span: Span,
    pub line: u32,
    pub text: String,
    pub program: ProgramId,
    pub expected: Expected,
    pub packet: Packet,
}

/// What an expectation wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Expected {
    /// A policy or guard decision (before audit mode).
    Verdict(Verdict),
    /// A service rewrites the connect; with `to`, to a set of backends
    /// that includes this one.
    Rewrite(Option<SocketAddr>),
    /// A service leaves the connect alone.
    Unchanged,
}
