//! Shadowed rules: rules that can never decide because an earlier rule
//! matches every packet they match.
//!
//! `covers(a, b)` is a sound, structural test of "every packet matched by
//! `b` is matched by `a`", field by field: a missing condition covers
//! anything; equal protocols, ICMP types and families cover; a list
//! written in a rule covers another when its addresses (or ports) include
//! all of the other's; a named set only covers the *same* set, because
//! set contents change at run time. It does not find a rule that is
//! covered only by several earlier rules together. So every warning is
//! true, and some shadowing goes unreported.
//!
//! Cost: each rule is compared with the rules before it, cheapest fields
//! first, so a 10,000-rule policy is checked in well under a second.

use super::Checker;
use crate::issue::IssueKind;
use crate::model::{AddrList, AddrMatch, Family, Match, PortMatch, Rule};

/// Warns about every rule that an earlier rule shadows (naming the first
/// such earlier rule).
pub fn report_shadowed(cx: &mut Checker<'_>, rules: &[Rule]) {
    for (j, later) in rules.iter().enumerate() {
        let Some(earlier) = rules[..j]
            .iter()
            .find(|earlier| covers(&earlier.matcher, &later.matcher))
        else {
            continue;
        };
        cx.report(
            IssueKind::ShadowedRule {
                by: earlier.span,
                by_line: earlier.line,
                by_text: earlier.text.clone(),
                same_action: earlier.verdict == later.verdict,
            },
            later.span,
        );
    }
}

/// Whether every packet `b` matches is matched by `a` (see the module doc).
pub fn covers(a: &Match, b: &Match) -> bool {
    option_covers(a.family, b.family)
        && option_covers(a.protocol, b.protocol)
        && match (a.icmp, b.icmp) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(x), Some(y)) => x.ty == y.ty && (x.code.is_none() || x.code == y.code),
        }
        && ports_cover(&a.src_ports, &b.src_ports)
        && ports_cover(&a.dst_ports, &b.dst_ports)
        && addrs_cover(&a.src, &b.src, b.family)
        && addrs_cover(&a.dst, &b.dst, b.family)
}

fn option_covers<T: PartialEq>(a: Option<T>, b: Option<T>) -> bool {
    match (a, b) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(x), Some(y)) => x == y,
    }
}

fn ports_cover(a: &PortMatch, b: &PortMatch) -> bool {
    match (a, b) {
        (PortMatch::Any, _) => true,
        (PortMatch::Set(x), PortMatch::Set(y)) => x == y,
        (PortMatch::List(x), PortMatch::List(y)) => x.covers(y),
        _ => false,
    }
}

/// `family` is the family the covered rule is restricted to: entries of
/// the other family can never match, so they need no cover.
fn addrs_cover(a: &AddrMatch, b: &AddrMatch, family: Option<Family>) -> bool {
    match (a, b) {
        (AddrMatch::Any, _) => true,
        (AddrMatch::Set(x), AddrMatch::Set(y)) => x == y,
        (AddrMatch::List(x), AddrMatch::List(y)) => list_covers(x, y, family),
        _ => false,
    }
}

fn list_covers(a: &AddrList, b: &AddrList, family: Option<Family>) -> bool {
    let v4 = family != Some(Family::V6);
    let v6 = family != Some(Family::V4);
    (!v4 || intervals_cover(
        &merge(a.v4().iter().map(|c| c.bounds())),
        b.v4().iter().map(|c| c.bounds()),
    )) && (!v6
        || intervals_cover(
            &merge(a.v6().iter().map(|c| c.bounds())),
            b.v6().iter().map(|c| c.bounds()),
        ))
}

/// Sorted, merged closed intervals.
fn merge<T: Ord + Copy + Successor>(intervals: impl Iterator<Item = (T, T)>) -> Vec<(T, T)> {
    let mut sorted: Vec<(T, T)> = intervals.collect();
    sorted.sort_unstable();
    let mut merged: Vec<(T, T)> = Vec::with_capacity(sorted.len());
    for (lo, hi) in sorted {
        match merged.last_mut() {
            Some(last) if last.1.successor().is_none_or(|next| lo <= next) => {
                last.1 = last.1.max(hi);
            }
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

fn intervals_cover<T: Ord + Copy>(
    merged: &[(T, T)],
    mut needed: impl Iterator<Item = (T, T)>,
) -> bool {
    needed.all(|(lo, hi)| {
        let i = merged.partition_point(|m| m.1 < lo);
        merged.get(i).is_some_and(|m| m.0 <= lo && hi <= m.1)
    })
}

/// The next integer, if any (for merging touching intervals).
trait Successor: Sized {
    fn successor(self) -> Option<Self>;
}

impl Successor for u32 {
    fn successor(self) -> Option<u32> {
        self.checked_add(1)
    }
}

impl Successor for u128 {
    fn successor(self) -> Option<u128> {
        self.checked_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cidr, IcmpMatch, PortList, PortRange, Protocol, SetId};

    fn any() -> Match {
        Match {
            family: None,
            protocol: None,
            icmp: None,
            src: AddrMatch::Any,
            src_ports: PortMatch::Any,
            dst: AddrMatch::Any,
            dst_ports: PortMatch::Any,
        }
    }

    fn cidrs(texts: &[&str]) -> AddrMatch {
        AddrMatch::List(AddrList::new(texts.iter().map(|t| {
            let (a, l) = t.split_once('/').unwrap();
            Cidr::new(a.parse().unwrap(), l.parse().unwrap()).unwrap()
        })))
    }

    #[test]
    fn anything_covers_itself_and_any_covers_all() {
        let mut m = any();
        m.protocol = Some(Protocol::TCP);
        m.dst_ports = PortMatch::List(PortList::new([PortRange::single(443)]));
        assert!(covers(&m, &m));
        assert!(covers(&any(), &m));
        assert!(!covers(&m, &any()));
    }

    #[test]
    fn address_unions_cover() {
        let mut wide = any();
        wide.src = cidrs(&["10.0.0.0/9", "10.128.0.0/9"]);
        let mut narrow = any();
        narrow.src = cidrs(&["10.0.0.0/8"]);
        assert!(covers(&wide, &narrow));
        narrow.src = cidrs(&["10.0.0.0/8", "fd00::/8"]);
        assert!(!covers(&wide, &narrow));
        narrow.family = Some(Family::V4);
        assert!(covers(&wide, &narrow));
    }

    #[test]
    fn named_sets_only_cover_themselves() {
        let mut a = any();
        a.src = AddrMatch::Set(SetId(0));
        let mut b = any();
        b.src = AddrMatch::Set(SetId(0));
        assert!(covers(&a, &b));
        b.src = AddrMatch::Set(SetId(1));
        assert!(!covers(&a, &b));
        b.src = cidrs(&["10.0.0.0/8"]);
        assert!(!covers(&a, &b));
    }

    #[test]
    fn icmp_codes() {
        let mut a = any();
        a.protocol = Some(Protocol::ICMP);
        a.family = Some(Family::V4);
        a.icmp = Some(IcmpMatch { ty: 3, code: None });
        let mut b = a.clone();
        b.icmp = Some(IcmpMatch {
            ty: 3,
            code: Some(4),
        });
        assert!(covers(&a, &b));
        assert!(!covers(&b, &a));
    }

    #[test]
    fn merging_touching_intervals() {
        let merged = merge([(0u32, 4), (5, 9), (20, 30), (u32::MAX, u32::MAX)].into_iter());
        assert_eq!(merged, [(0, 9), (20, 30), (u32::MAX, u32::MAX)]);
    }
}
