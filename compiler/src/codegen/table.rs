//! Rule tables: moving the rules of a long chain into a hash-map
//! classifier, so that the cost per packet grows with the number of rule
//! *shapes* (tuples), not the number of rules, and the kernel verifier
//! does not walk one compare per rule.
//!
//! A rule moves into the table when all its tests are inline constants
//! that expand to a bounded number of exact keys: address lists (one key
//! per network), port lists of at most [`MAX_PORTS`] ports, ICMP type and
//! code. Rules that use named sets (which change live) stay compare rules.
//! When to use a table is a cost model ([`TableMode::Auto`]): a hash
//! lookup costs about as much time as 200 compares (measured:
//! docs/benchmarks.md), so a table pays off once the rules it replaces
//! outnumber its tuples by that factor. Chains longer than
//! [`VERIFIER_RULES`] always use one when they can: compare chains that
//! long approach the kernel verifier's budget.

use super::filter::Verdicts;
use super::ir::{Chain, FilterIr, IrRule, Outcome, OutcomeId, RuleTable, TableEntry, Test, Tuple};
use super::maps::{MapDecl, MapPlan, MapRole};
use crate::model::Family;
use std::collections::BTreeMap;

/// When chains become rule tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TableMode {
    /// By the cost model (the default).
    #[default]
    Auto,
    /// Whenever at least [`FORCED_MIN_RULES`] rules can move (tests use
    /// this to exercise tables on short policies).
    Always,
    /// Never: compare code only.
    Never,
}

/// Rules a table must replace, per tuple, before it is faster than
/// compares.
pub const RULES_PER_TUPLE: usize = 200;
/// Chains with more rules use a table whatever its speed (the kernel
/// verifier's budget).
pub const VERIFIER_RULES: usize = 1024;
/// [`TableMode::Always`] still needs this many movable rules.
pub const FORCED_MIN_RULES: usize = 8;
/// A port list expands to at most this many keys.
pub const MAX_PORTS: usize = 256;
/// A rule expands to at most this many keys.
pub const MAX_KEYS_PER_RULE: usize = 4096;

/// Bytes of a table key: `{u32 tuple; u8 src[N]; u8 dst[N]; u16 sport;
/// u16 dport}` with `N` = 4 (IPv4) or 16 (IPv6); ports in host order.
pub fn key_size(family: Family) -> u32 {
    match family {
        Family::V4 => 4 + 4 + 4 + 4,
        Family::V6 => 4 + 16 + 16 + 4,
    }
}

/// Bytes of a table value: `{u32 outcome; u32 action}`.
pub const VALUE_SIZE: u32 = 8;

/// `action` bits of a table value: the return code, and whether the
/// decision counts and logs.
pub mod action {
    pub const CODE_MASK: u32 = 0xff;
    pub const COUNT: u32 = 1 << 8;
    pub const LOG: u32 = 1 << 9;
    /// The decision blocks (before audit mode), for `log` events.
    pub const BLOCKS_BIT: u8 = 10;
}

/// The action word of an outcome.
pub fn action_of(outcome: &Outcome, audit: bool, verdicts: Verdicts) -> u32 {
    let code = if outcome.blocks && !audit {
        verdicts.block
    } else {
        verdicts.pass
    } as u32;
    code | if outcome.count { action::COUNT } else { 0 }
        | if outcome.log { action::LOG } else { 0 }
        | if outcome.blocks {
            1 << action::BLOCKS_BIT
        } else {
            0
        }
}

/// `(tuple, src, dst, sport, dport)` of one table key.
type KeyFields = (u32, [u8; 16], [u8; 16], u16, u16);

/// One field's exact values: `(prefix length, bytes)` for addresses.
type Addrs = Option<Vec<(u8, [u8; 16])>>;
type Ports = Option<Vec<u16>>;

/// The keys of a rule, or `None` if it cannot move into a table.
fn expand(rule: &IrRule) -> Option<(Addrs, Addrs, Ports, Ports)> {
    let (mut src, mut dst, mut sport, mut dport): (Addrs, Addrs, Ports, Ports) =
        (None, None, None, None);
    for test in &rule.tests {
        match test {
            Test::Addr4 { side, cidrs } => {
                let list = cidrs
                    .iter()
                    .map(|c| {
                        let mut b = [0u8; 16];
                        b[..4].copy_from_slice(&c.addr().octets());
                        (c.len(), b)
                    })
                    .collect();
                *side_of(&mut src, &mut dst, *side) = Some(list);
            }
            Test::Addr6 { side, cidrs } => {
                let list = cidrs.iter().map(|c| (c.len(), c.addr().octets())).collect();
                *side_of(&mut src, &mut dst, *side) = Some(list);
            }
            Test::Ports { side, ranges } => {
                let n: usize = ranges
                    .iter()
                    .map(|r| usize::from(r.high() - r.low()) + 1)
                    .sum();
                if n > MAX_PORTS {
                    return None;
                }
                let ports = ranges.iter().flat_map(|r| r.low()..=r.high()).collect();
                match side {
                    super::ir::Side::Src => sport = Some(ports),
                    super::ir::Side::Dst => dport = Some(ports),
                }
            }
            Test::IcmpType(t) => sport = Some(vec![u16::from(*t)]),
            Test::IcmpCode(c) => dport = Some(vec![u16::from(*c)]),
            Test::PortSet { .. } | Test::AddrSet { .. } => return None,
        }
    }
    let keys = [
        src.as_ref().map_or(1, Vec::len),
        dst.as_ref().map_or(1, Vec::len),
        sport.as_ref().map_or(1, Vec::len),
        dport.as_ref().map_or(1, Vec::len),
    ]
    .iter()
    .product::<usize>();
    (keys <= MAX_KEYS_PER_RULE).then_some((src, dst, sport, dport))
}

fn side_of<'a, T>(src: &'a mut T, dst: &'a mut T, side: super::ir::Side) -> &'a mut T {
    match side {
        super::ir::Side::Src => src,
        super::ir::Side::Dst => dst,
    }
}

/// Builds the table of one chain, or `None` when compare code is better.
/// `map` is the index the table's map will get.
fn build(chain: &Chain, map: usize, mode: TableMode) -> Option<(RuleTable, Vec<IrRule>)> {
    let min = match mode {
        TableMode::Never => return None,
        TableMode::Always => FORCED_MIN_RULES,
        TableMode::Auto => RULES_PER_TUPLE.min(VERIFIER_RULES),
    };
    if chain.rules.len() < min {
        return None;
    }
    let mut tuples: BTreeMap<Tuple, u32> = BTreeMap::new();
    let mut keys: BTreeMap<KeyFields, OutcomeId> = BTreeMap::new();
    let mut residual = Vec::new();
    let mut moved = 0usize;
    for rule in &chain.rules {
        let Some((src, dst, sport, dport)) = expand(rule) else {
            residual.push(rule.clone());
            continue;
        };
        moved += 1;
        let none_addr = vec![(0u8, [0u8; 16])];
        let none_port = vec![0u16];
        for &(sl, s) in src.as_ref().unwrap_or(&none_addr) {
            for &(dl, d) in dst.as_ref().unwrap_or(&none_addr) {
                let tuple = Tuple {
                    src_len: src.as_ref().map(|_| sl),
                    dst_len: dst.as_ref().map(|_| dl),
                    sport: sport.is_some(),
                    dport: dport.is_some(),
                };
                let next = tuples.len() as u32;
                let id = *tuples.entry(tuple).or_insert(next);
                for &sp in sport.as_ref().unwrap_or(&none_port) {
                    for &dp in dport.as_ref().unwrap_or(&none_port) {
                        // First rule wins: keep the smallest outcome.
                        keys.entry((id, s, d, sp, dp)).or_insert(rule.outcome);
                    }
                }
            }
        }
    }
    let worth_it = match mode {
        TableMode::Always => moved >= FORCED_MIN_RULES,
        _ => moved >= tuples.len() * RULES_PER_TUPLE || chain.rules.len() > VERIFIER_RULES,
    };
    if !worth_it {
        return None;
    }
    let mut ordered: Vec<(Tuple, u32)> = tuples.into_iter().collect();
    ordered.sort_by_key(|&(_, id)| id);
    let table = RuleTable {
        map,
        tuples: ordered.into_iter().map(|(t, _)| t).collect(),
        entries: keys
            .into_iter()
            .map(|((tuple, src, dst, sport, dport), outcome)| TableEntry {
                tuple,
                src,
                dst,
                sport,
                dport,
                outcome,
            })
            .collect(),
    };
    Some((table, residual))
}

/// The bytes of a table key.
pub fn key_bytes(
    family: Family,
    tuple: u32,
    src: &[u8; 16],
    dst: &[u8; 16],
    sport: u16,
    dport: u16,
) -> Vec<u8> {
    let n = match family {
        Family::V4 => 4,
        Family::V6 => 16,
    };
    let mut key = tuple.to_le_bytes().to_vec();
    key.extend_from_slice(&src[..n]);
    key.extend_from_slice(&dst[..n]);
    key.extend_from_slice(&sport.to_le_bytes());
    key.extend_from_slice(&dport.to_le_bytes());
    key
}

/// Moves the rules of long chains into tables, adding one hash map per
/// table to `plan`.
pub fn tabulate(ir: &mut FilterIr, plan: &mut MapPlan, verdicts: Verdicts, mode: TableMode) {
    for (index, chain) in ir.chains.iter_mut().enumerate() {
        let map = plan.maps.len();
        let Some((table, residual)) = build(chain, map, mode) else {
            continue;
        };
        let entries = table
            .entries
            .iter()
            .map(|e| {
                let outcome = &ir.outcomes[e.outcome.0 as usize];
                let mut value = e.outcome.0.to_le_bytes().to_vec();
                value.extend_from_slice(&action_of(outcome, ir.audit, verdicts).to_le_bytes());
                (
                    key_bytes(chain.family, e.tuple, &e.src, &e.dst, e.sport, e.dport),
                    value,
                )
            })
            .collect::<Vec<_>>();
        plan.push(
            &ir.name,
            &format!("_t{index}"),
            MapDecl {
                name: String::new(),
                role: MapRole::RuleTable {
                    program: ir.name.clone(),
                    chain: index,
                    entries: entries.clone(),
                },
                map_type: super::maps::map_type::HASH,
                key_size: key_size(chain.family),
                value_size: VALUE_SIZE,
                max_entries: (entries.len() as u32).max(1),
                flags: 0,
            },
        );
        chain.table = Some(table);
        chain.rules = residual;
    }
}
