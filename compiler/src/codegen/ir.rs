//! The filter IR: a policy or guard as decision chains, one per
//! (address family, protocol class), ready for bytecode.
//!
//! Lowering ([`super::lower`]) builds it from the checked model; the
//! optimiser rewrites it; [`validate`] checks it and returns the
//! [`Validated`] token that [`super::filter`] requires, so unvalidated IR
//! cannot reach bytecode.
//!
//! # Invariants (checked by [`validate`])
//!
//! 1. **Partition.** For each family, the chains' protocol classes
//!    partition the protocol numbers: every protocol belongs to exactly one
//!    chain (`Exact(p)` chains, plus one `Other` chain that excludes
//!    exactly the `Exact` protocols of that family).
//! 2. **First match.** A chain's rules are in source order (strictly
//!    increasing [`OutcomeId`] of rule outcomes); a packet of that family
//!    and protocol is decided by the first rule whose tests all pass, else
//!    by the default outcome. Every rule that was dropped from a chain
//!    could not match there or could not change the decision.
//! 3. **Tests fit the chain.** Port tests appear only in chains of
//!    protocols with ports, ICMP tests only in the family's ICMP chain,
//!    address tests only with the chain's family.
//! 4. **Outcomes.** `outcomes[i]` for `i < rule_count` is rule `i`;
//!    `outcomes[rule_count]` is the default and `outcomes[rule_count + 1]`
//!    the verdict for malformed packets. Counter slots are outcome ids.
//! 5. **Inline lists are non-empty, sorted and disjoint**; named sets are
//!    referenced by map index and never inlined (they can change live).
//! 6. **Rule tables.** A chain's [`RuleTable`] holds only rule outcomes, none
//!    of which also appears among the chain's compare rules; its keys
//!    only name tuples it lists, and no key appears twice (the smallest
//!    outcome is kept). A packet is decided by the smallest outcome among
//!    the table's matching keys and the first matching compare rule.

use crate::model::{Cidr4, Cidr6, Family, PortRange, Protocol};
use std::fmt;

/// Index into [`FilterIr::outcomes`]; also the counter slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutcomeId(pub u32);

impl fmt::Display for OutcomeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "outcome{}", self.0)
    }
}

/// The program's attach point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterHook {
    /// tc (sched_cls) on the pod's host-side veth.
    Tc,
    /// XDP on a device.
    Xdp,
}

/// Where a packet field comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Src,
    Dst,
}

/// Which protocols a chain handles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtoClass {
    Exact(Protocol),
    /// Every protocol without a chain of its own.
    Other,
}

/// What happens when a rule (or the default) decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The model rule, or `None` for the default and malformed outcomes.
    pub rule: Option<u32>,
    /// Whether the decision stops the packet (before audit mode).
    pub blocks: bool,
    pub count: bool,
    pub log: bool,
    /// Source line and column of the rule or default.
    pub line: u32,
    pub column: u32,
}

/// One condition on a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    /// The port on `side` is in one of the ranges (a packet without ports
    /// fails).
    Ports { side: Side, ranges: Vec<PortRange> },
    /// The port on `side` is in the named port set held by map `map`.
    PortSet { side: Side, map: usize },
    /// The IPv4 address on `side` is in one of the networks.
    Addr4 { side: Side, cidrs: Vec<Cidr4> },
    /// The IPv6 address on `side` is in one of the networks.
    Addr6 { side: Side, cidrs: Vec<Cidr6> },
    /// The address on `side` is in the named set's LPM trie `map`.
    AddrSet { side: Side, map: usize },
    /// ICMP type equals (a packet without ICMP header fails).
    IcmpType(u8),
    /// ICMP code equals.
    IcmpCode(u8),
}

impl Test {
    /// A rough cost, used to order a rule's tests cheapest first.
    pub fn cost(&self) -> u32 {
        match self {
            Test::IcmpType(_) | Test::IcmpCode(_) => 1,
            Test::Ports { ranges, .. } => 1 + ranges.len().min(16) as u32,
            Test::Addr4 { cidrs, .. } => 2 + cidrs.len().min(16) as u32,
            Test::Addr6 { cidrs, .. } => 4 + 4 * cidrs.len().min(16) as u32,
            Test::PortSet { .. } => 40,
            Test::AddrSet { .. } => 50,
        }
    }
}

/// A rule inside a chain: all tests must pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrRule {
    pub outcome: OutcomeId,
    pub tests: Vec<Test>,
}

/// The rules for one family and protocol class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub family: Family,
    pub protocol: ProtoClass,
    /// Rules moved into a hash-map classifier (see [`RuleTable`]).
    pub table: Option<RuleTable>,
    /// The rules tested by compare code, in source order (with a table:
    /// the rules that could not move into it).
    pub rules: Vec<IrRule>,
}

/// A rule classifier for chains with many rules (tuple-space search): the
/// rules' exact keys grouped by *tuple* (which fields they constrain, and
/// the prefix length of each address), all in one hash map. A packet looks
/// up one key per tuple and keeps the smallest outcome found; that equals
/// the first rule (of the table) that matches, so the chain's decision is
/// the smaller of it and the first matching compare rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleTable {
    /// The hash map (index into the map plan).
    pub map: usize,
    pub tuples: Vec<Tuple>,
    /// Map contents, for the object's initial entries.
    pub entries: Vec<TableEntry>,
}

/// Which fields a group of table keys constrains. A field not constrained
/// is zero in the key. Ports are the transport ports, or the ICMP type
/// (`sport`) and code (`dport`) in ICMP chains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tuple {
    pub src_len: Option<u8>,
    pub dst_len: Option<u8>,
    pub sport: bool,
    pub dport: bool,
}

/// One key of a rule table and the rule it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableEntry {
    /// Index into [`RuleTable::tuples`].
    pub tuple: u32,
    /// Network with host bits cleared (IPv4 in the first four bytes).
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub sport: u16,
    pub dport: u16,
    pub outcome: OutcomeId,
}

/// A lowered policy or guard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterIr {
    pub name: String,
    /// The program's source line (the parser's code is attributed to it).
    pub line: u32,
    pub hook: FilterHook,
    pub audit: bool,
    /// Number of model rules (outcomes `0..rule_count`).
    pub rule_count: u32,
    pub outcomes: Vec<Outcome>,
    pub chains: Vec<Chain>,
}

impl FilterIr {
    /// The default outcome.
    pub fn default_outcome(&self) -> OutcomeId {
        OutcomeId(self.rule_count)
    }

    /// The outcome for malformed packets.
    pub fn malformed_outcome(&self) -> OutcomeId {
        OutcomeId(self.rule_count + 1)
    }

    /// Whether any outcome counts packets (so a counter map is needed).
    pub fn counts(&self) -> bool {
        self.outcomes.iter().any(|o| o.count)
    }

    /// Whether any outcome logs (so an event ring buffer is needed).
    pub fn logs(&self) -> bool {
        self.outcomes.iter().any(|o| o.log)
    }

    /// The chains of one family.
    pub fn chains_of(&self, family: Family) -> impl Iterator<Item = &Chain> {
        self.chains.iter().filter(move |c| c.family == family)
    }
}

/// Proof that a [`FilterIr`] satisfies the module invariants.
#[derive(Debug)]
pub struct Validated<'a>(&'a FilterIr);

impl<'a> Validated<'a> {
    /// The validated IR.
    pub fn ir(&self) -> &'a FilterIr {
        self.0
    }
}

/// A broken IR invariant (a compiler bug, reported instead of emitting
/// wrong code).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("internal error: invalid filter IR for `{filter}`: {problem}")]
pub struct IrError {
    pub filter: String,
    pub problem: String,
}

/// Checks the module invariants.
pub fn validate(ir: &FilterIr) -> Result<Validated<'_>, IrError> {
    let fail = |problem: String| {
        Err(IrError {
            filter: ir.name.clone(),
            problem,
        })
    };
    if ir.outcomes.len() != ir.rule_count as usize + 2 {
        return fail(format!(
            "{} outcomes for {} rules",
            ir.outcomes.len(),
            ir.rule_count
        ));
    }
    for (i, o) in ir.outcomes.iter().enumerate() {
        let expect_rule = (i < ir.rule_count as usize).then_some(i as u32);
        if o.rule != expect_rule {
            return fail(format!("outcome {i} names rule {:?}", o.rule));
        }
    }
    for family in [Family::V4, Family::V6] {
        let chains: Vec<&Chain> = ir.chains_of(family).collect();
        let exact: Vec<Protocol> = chains
            .iter()
            .filter_map(|c| match c.protocol {
                ProtoClass::Exact(p) => Some(p),
                ProtoClass::Other => None,
            })
            .collect();
        let others = chains
            .iter()
            .filter(|c| c.protocol == ProtoClass::Other)
            .count();
        let mut sorted = exact.clone();
        sorted.sort();
        sorted.dedup();
        if others != 1 || sorted.len() != exact.len() {
            return fail(format!("{family} chains do not partition the protocols"));
        }
        for chain in chains {
            if let Err(problem) = check_chain(ir, chain) {
                return fail(problem);
            }
        }
    }
    Ok(Validated(ir))
}

fn check_chain(ir: &FilterIr, chain: &Chain) -> Result<(), String> {
    if let Some(table) = &chain.table {
        let mut keys = std::collections::BTreeSet::new();
        for e in &table.entries {
            if e.tuple as usize >= table.tuples.len() || e.outcome.0 >= ir.rule_count {
                return Err(format!("table entry {e:?} is out of range"));
            }
            if chain.rules.iter().any(|r| r.outcome == e.outcome) {
                return Err(format!(
                    "{} is both in the table and a compare rule",
                    e.outcome
                ));
            }
            if !keys.insert((e.tuple, e.src, e.dst, e.sport, e.dport)) {
                return Err(format!("table key of {} appears twice", e.outcome));
            }
        }
    }
    let mut last: Option<OutcomeId> = None;
    let proto = match chain.protocol {
        ProtoClass::Exact(p) => Some(p),
        ProtoClass::Other => None,
    };
    for rule in &chain.rules {
        if rule.outcome.0 >= ir.rule_count {
            return Err(format!("chain rule uses non-rule {}", rule.outcome));
        }
        if last.is_some_and(|l| l >= rule.outcome) {
            return Err(format!("rules out of order at {}", rule.outcome));
        }
        last = Some(rule.outcome);
        for test in &rule.tests {
            let ok = match test {
                Test::Ports { ranges, .. } => {
                    proto.is_some_and(Protocol::has_ports) && sorted_disjoint_ports(ranges)
                }
                Test::PortSet { .. } => proto.is_some_and(Protocol::has_ports),
                Test::Addr4 { cidrs, .. } => chain.family == Family::V4 && !cidrs.is_empty(),
                Test::Addr6 { cidrs, .. } => chain.family == Family::V6 && !cidrs.is_empty(),
                Test::AddrSet { .. } => true,
                Test::IcmpType(_) | Test::IcmpCode(_) => {
                    proto.is_some_and(|p| p.is_icmp_for(chain.family))
                }
            };
            if !ok {
                return Err(format!(
                    "{test:?} does not fit the {} chain {:?}",
                    chain.family, chain.protocol
                ));
            }
        }
    }
    Ok(())
}

fn sorted_disjoint_ports(ranges: &[PortRange]) -> bool {
    !ranges.is_empty()
        && ranges.iter().all(|r| r.low() <= r.high())
        && ranges.windows(2).all(|w| w[0].high() < w[1].low())
}
