//! Lowering a checked filter (policy or guard) to the filter IR, and the
//! IR optimisations.
//!
//! Lowering splits the rules by (family, protocol) into chains and turns
//! each rule's match into the tests that the chain does not already imply.
//! The optimisations keep the first-match meaning (see the IR invariants):
//!
//! * a rule that cannot match in a chain is left out of it (an inline
//!   address list without entries of the chain's family, a protocol of
//!   another chain);
//! * rules after a rule without tests are shadowed in that chain;
//! * adjacent rules with the same verdict, neither counting nor logging,
//!   whose tests differ in one inline list, merge into one rule with the
//!   union of the lists (`allow tcp to port 80` + `allow tcp to port 443`);
//! * trailing rules that decide like the default are dropped when neither
//!   they nor the default count or log;
//! * each rule's tests are ordered cheapest first.
//!
//! Named sets always become map lookups (they can change live); inline
//! lists become compare trees in bytecode.

use super::ir::*;
use super::maps::MapPlan;
use crate::model::{AddrList, AddrMatch, Family, Filter, Match, PortList, PortMatch, Protocol};
use crate::span::Span;

/// Lowers one filter.
pub fn lower_filter(
    plan: &MapPlan,
    column: &dyn Fn(Span) -> u32,
    name: &str,
    line: u32,
    hook: FilterHook,
    filter: &Filter,
) -> FilterIr {
    // Audit mode counts and logs every blocking decision (the reference
    // semantics, `crate::eval`).
    let audited = |blocks: bool| filter.audit && blocks;
    let mut outcomes: Vec<Outcome> = filter
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| Outcome {
            rule: Some(i as u32),
            blocks: r.verdict.blocks(),
            count: r.count || audited(r.verdict.blocks()),
            log: r.log || audited(r.verdict.blocks()),
            line: r.line,
            column: column(r.span),
        })
        .collect();
    let d = &filter.default;
    outcomes.push(Outcome {
        rule: None,
        blocks: d.verdict.blocks(),
        count: d.count || audited(d.verdict.blocks()),
        log: d.log || audited(d.verdict.blocks()),
        line: d.line,
        column: column(d.span),
    });
    // Malformed IP packets are blocked (see `super::wire`), counted when
    // the filter has counters, never logged (their fields are not known).
    outcomes.push(Outcome {
        rule: None,
        blocks: true,
        count: filter_counts(filter),
        log: false,
        line: filter.default.line,
        column: column(filter.default.span),
    });
    let mut chains = Vec::new();
    for family in [Family::V4, Family::V6] {
        let mut protocols: Vec<Protocol> = filter
            .rules
            .iter()
            .filter(|r| r.matcher.family.is_none_or(|f| f == family))
            .filter_map(|r| r.matcher.protocol)
            .collect();
        protocols.sort();
        protocols.dedup();
        let classes = protocols
            .into_iter()
            .map(ProtoClass::Exact)
            .chain(std::iter::once(ProtoClass::Other));
        for protocol in classes {
            let rules = filter
                .rules
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    lower_match(plan, &r.matcher, family, &protocol).map(|tests| IrRule {
                        outcome: OutcomeId(i as u32),
                        tests,
                    })
                })
                .collect();
            chains.push(Chain {
                family,
                protocol,
                table: None,
                rules,
            });
        }
    }
    let mut ir = FilterIr {
        name: name.to_string(),
        line,
        hook,
        audit: filter.audit,
        rule_count: filter.rules.len() as u32,
        outcomes,
        chains,
    };
    optimise(&mut ir);
    ir
}

/// Whether a filter's program needs counters: some rule or the default
/// counts, or audit mode counts blocking decisions.
pub fn filter_counts(filter: &Filter) -> bool {
    filter
        .rules
        .iter()
        .any(|r| r.count || (filter.audit && r.verdict.blocks()))
        || filter.default.count
        || (filter.audit && filter.default.verdict.blocks())
}

/// Whether a filter's program emits `log` events.
pub fn filter_logs(filter: &Filter) -> bool {
    filter
        .rules
        .iter()
        .any(|r| r.log || (filter.audit && r.verdict.blocks()))
        || filter.default.log
        || (filter.audit && filter.default.verdict.blocks())
}

/// The tests of `m` in the chain of `family` and `protocol`, or `None` if
/// the rule can never match there.
fn lower_match(
    plan: &MapPlan,
    m: &Match,
    family: Family,
    protocol: &ProtoClass,
) -> Option<Vec<Test>> {
    if m.family.is_some_and(|f| f != family) {
        return None;
    }
    match (protocol, m.protocol) {
        (_, None) => {}
        (ProtoClass::Exact(p), Some(q)) if *p == q => {}
        _ => return None,
    }
    let mut tests = Vec::new();
    if let Some(icmp) = m.icmp {
        tests.push(Test::IcmpType(icmp.ty));
        if let Some(code) = icmp.code {
            tests.push(Test::IcmpCode(code));
        }
    }
    for (side, addr) in [(Side::Src, &m.src), (Side::Dst, &m.dst)] {
        match addr {
            AddrMatch::Any => {}
            AddrMatch::Set(set) => tests.push(Test::AddrSet {
                side,
                map: plan.addr_set(*set, family)?,
            }),
            AddrMatch::List(list) => tests.push(addr_test(side, list, family)?),
        }
    }
    for (side, ports) in [(Side::Src, &m.src_ports), (Side::Dst, &m.dst_ports)] {
        match ports {
            PortMatch::Any => {}
            PortMatch::Set(set) => tests.push(Test::PortSet {
                side,
                map: plan.port_set(*set)?,
            }),
            PortMatch::List(list) => tests.push(Test::Ports {
                side,
                ranges: list.ranges().to_vec(),
            }),
        }
    }
    tests.retain(|t| !matches_everything(t));
    Some(tests)
}

/// The inline address test of a list for one family, or `None` if the
/// list has no entries of that family (the rule cannot match).
fn addr_test(side: Side, list: &AddrList, family: Family) -> Option<Test> {
    match family {
        Family::V4 if !list.v4().is_empty() => Some(Test::Addr4 {
            side,
            cidrs: list.v4().to_vec(),
        }),
        Family::V6 if !list.v6().is_empty() => Some(Test::Addr6 {
            side,
            cidrs: list.v6().to_vec(),
        }),
        _ => None,
    }
}

/// Whether a test passes for every packet of its chain (`0.0.0.0/0`).
/// Port tests never do: packets without ports (non-first fragments) fail
/// them.
fn matches_everything(test: &Test) -> bool {
    match test {
        Test::Addr4 { cidrs, .. } => cidrs.iter().any(|c| c.len() == 0),
        Test::Addr6 { cidrs, .. } => cidrs.iter().any(|c| c.len() == 0),
        _ => false,
    }
}

/// The IR optimisations of the module doc.
pub fn optimise(ir: &mut FilterIr) {
    let outcomes = ir.outcomes.clone();
    let default = outcomes[ir.default_outcome().0 as usize].clone();
    for chain in &mut ir.chains {
        for rule in &mut chain.rules {
            rule.tests.sort_by_key(Test::cost);
        }
        if let Some(first_total) = chain.rules.iter().position(|r| r.tests.is_empty()) {
            chain.rules.truncate(first_total + 1);
        }
        merge_adjacent(&mut chain.rules, &outcomes);
        let quiet = |o: &Outcome| !o.count && !o.log;
        while let Some(last) = chain.rules.last() {
            let o = &outcomes[last.outcome.0 as usize];
            if quiet(o) && quiet(&default) && o.blocks == default.blocks {
                chain.rules.pop();
            } else {
                break;
            }
        }
    }
}

/// Merges runs of adjacent rules that decide alike and differ in one
/// inline list.
fn merge_adjacent(rules: &mut Vec<IrRule>, outcomes: &[Outcome]) {
    let mut out: Vec<IrRule> = Vec::with_capacity(rules.len());
    for rule in rules.drain(..) {
        if let Some(prev) = out.last_mut() {
            let a = &outcomes[prev.outcome.0 as usize];
            let b = &outcomes[rule.outcome.0 as usize];
            let alike = a.blocks == b.blocks && !a.count && !a.log && !b.count && !b.log;
            if alike {
                if let Some(merged) = merge_tests(&prev.tests, &rule.tests) {
                    prev.tests = merged;
                    continue;
                }
            }
        }
        out.push(rule);
    }
    *rules = out;
}

/// The tests of the union of two rules, if they differ in exactly one
/// inline list of the same kind and side.
fn merge_tests(a: &[Test], b: &[Test]) -> Option<Vec<Test>> {
    if a.len() != b.len() {
        return None;
    }
    let mut differing = None;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x != y {
            if differing.is_some() {
                return None;
            }
            differing = Some(i);
        }
    }
    let i = differing?;
    let union = match (&a[i], &b[i]) {
        (
            Test::Ports { side, ranges: x },
            Test::Ports {
                side: s2,
                ranges: y,
            },
        ) if side == s2 => Test::Ports {
            side: *side,
            ranges: PortList::new(x.iter().chain(y).copied()).ranges().to_vec(),
        },
        (Test::Addr4 { side, cidrs: x }, Test::Addr4 { side: s2, cidrs: y }) if side == s2 => {
            let mut cidrs: Vec<_> = x.iter().chain(y).copied().collect();
            cidrs.sort();
            cidrs.dedup();
            Test::Addr4 { side: *side, cidrs }
        }
        (Test::Addr6 { side, cidrs: x }, Test::Addr6 { side: s2, cidrs: y }) if side == s2 => {
            let mut cidrs: Vec<_> = x.iter().chain(y).copied().collect();
            cidrs.sort();
            cidrs.dedup();
            Test::Addr6 { side: *side, cidrs }
        }
        _ => return None,
    };
    let mut merged = a.to_vec();
    merged[i] = union;
    Some(merged)
}
