//! One rule: verdict, protocol, ICMP type, endpoints and modifiers.
//!
//! Besides resolving each part, this pass enforces the rule invariants of
//! [`crate::model`]: ports need tcp, udp or sctp; `type` needs `icmp` or
//! `icmpv6`; and the parts must agree on the address family. `icmp`
//! means IPv4 and `icmpv6` IPv6; a list written in the rule whose entries
//! are all of one family restricts the rule to it. A rule whose parts
//! want different families could never match and is an error. Named sets
//! do not restrict the family (their contents change at run time): a
//! packet is matched against the set's entries of its own family.

use super::names::Names;
use super::values::{lower_addr_match, lower_port_match};
use super::Checker;
use crate::ast::{self, IcmpType, ModifierKind, Proto};
use crate::issue::IssueKind;
use crate::model::{
    icmp_type_by_name, icmp_types, protocol_by_name, AddrMatch, Family, IcmpMatch, Match,
    PortMatch, Protocol, Rule, RuleId, Verdict, PROTOCOL_NAMES,
};
use crate::span::Span;
use crate::suggest::did_you_mean;

/// Which vocabulary a filter speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// `allow` / `deny`.
    Policy,
    /// `drop` / `pass`.
    Guard,
}

impl FilterKind {
    fn name(self) -> &'static str {
        match self {
            FilterKind::Policy => "policy",
            FilterKind::Guard => "guard",
        }
    }
}

/// Resolves a verdict word for a filter of `kind`.
pub fn verdict(cx: &mut Checker<'_>, word: &ast::Word, kind: FilterKind) -> Option<Verdict> {
    let verdict = match word.text.as_str() {
        "allow" => Verdict::Allow,
        "deny" => Verdict::Deny,
        "drop" => Verdict::Drop,
        "pass" => Verdict::Pass,
        other => {
            let candidates: &[&str] = match kind {
                FilterKind::Policy => &["allow", "deny"],
                FilterKind::Guard => &["drop", "pass"],
            };
            cx.report(
                IssueKind::UnknownAction {
                    word: other.to_string(),
                    suggestion: did_you_mean(other, candidates.iter().copied()),
                },
                word.span,
            );
            return None;
        }
    };
    let suggestion = match (kind, verdict) {
        (FilterKind::Policy, Verdict::Allow | Verdict::Deny)
        | (FilterKind::Guard, Verdict::Drop | Verdict::Pass) => return Some(verdict),
        (FilterKind::Policy, Verdict::Drop) => "deny",
        (FilterKind::Policy, Verdict::Pass) => "allow",
        (FilterKind::Guard, Verdict::Deny) => "drop",
        (FilterKind::Guard, Verdict::Allow) => "pass",
    };
    cx.report(
        IssueKind::WrongAction {
            word: word.text.clone(),
            kind: kind.name(),
            suggestion,
        },
        word.span,
    );
    None
}

/// Reads `count` / `log`, warning about repeats.
pub fn modifiers(cx: &mut Checker<'_>, modifiers: &[ast::Modifier]) -> (bool, bool) {
    let mut count: Option<Span> = None;
    let mut log: Option<Span> = None;
    for modifier in modifiers {
        let slot = match modifier.kind {
            ModifierKind::Count => &mut count,
            ModifierKind::Log => &mut log,
        };
        if let Some(first) = *slot {
            cx.report(
                IssueKind::DuplicateModifier {
                    name: modifier.kind.keyword().to_string(),
                    first,
                },
                modifier.span,
            );
        } else {
            *slot = Some(modifier.span);
        }
    }
    (count.is_some(), log.is_some())
}

/// A resolved protocol with the family its name implies.
#[derive(Debug, Clone, Copy)]
pub struct LoweredProto {
    pub protocol: Protocol,
    /// `Some` for `icmp` (V4) and `icmpv6` (V6).
    pub family: Option<Family>,
    /// Written as a name (`tcp`), not `proto N`.
    pub named: bool,
}

/// Resolves a protocol name or number.
pub fn lower_proto(cx: &mut Checker<'_>, names: &Names, proto: &Proto) -> Option<LoweredProto> {
    match proto {
        Proto::Name(name) => match protocol_by_name(&name.name) {
            Some(known) => Some(LoweredProto {
                protocol: known.number,
                family: known.family,
                named: true,
            }),
            None => {
                cx.report(
                    IssueKind::UnknownProtocol {
                        name: name.name.clone(),
                        suggestion: did_you_mean(&name.name, PROTOCOL_NAMES.iter().map(|p| p.name)),
                        set_named: names.set_id(&name.name).is_some(),
                    },
                    name.span,
                );
                None
            }
        },
        Proto::Number { number, .. } => match u8::try_from(number.value) {
            Ok(n) => Some(LoweredProto {
                protocol: Protocol(n),
                family: None,
                named: false,
            }),
            Err(_) => {
                cx.report(
                    IssueKind::ProtocolOutOfRange {
                        value: number.value,
                    },
                    number.span,
                );
                None
            }
        },
    }
}

/// Resolves `type T [code C]` for ICMP of `family`.
pub fn lower_icmp(cx: &mut Checker<'_>, spec: &ast::IcmpSpec, family: Family) -> Option<IcmpMatch> {
    let ty = match &spec.ty {
        IcmpType::Number(n) => byte(cx, n, "type"),
        IcmpType::Name(name) => {
            let found = icmp_type_by_name(family, &name.name);
            if found.is_none() {
                cx.report(
                    IssueKind::UnknownIcmpType {
                        name: name.name.clone(),
                        family,
                        suggestion: did_you_mean(
                            &name.name,
                            icmp_types(family).iter().map(|(n, _)| *n),
                        ),
                    },
                    name.span,
                );
            }
            found
        }
    };
    let code = match &spec.code {
        Some(code) => Some(byte(cx, code, "code")?),
        None => None,
    };
    Some(IcmpMatch { ty: ty?, code })
}

fn byte(cx: &mut Checker<'_>, num: &ast::Num, what: &'static str) -> Option<u8> {
    match u8::try_from(num.value) {
        Ok(b) => Some(b),
        Err(_) => {
            cx.report(
                IssueKind::IcmpOutOfRange {
                    what,
                    value: num.value,
                },
                num.span,
            );
            None
        }
    }
}

/// Tracks the family constraints of one rule, reporting the first
/// contradiction.
struct FamilyConstraint {
    current: Option<(Family, Span)>,
    conflict: bool,
}

impl FamilyConstraint {
    fn add(&mut self, cx: &mut Checker<'_>, family: Option<Family>, span: Span) {
        let Some(family) = family else { return };
        match self.current {
            None => self.current = Some((family, span)),
            Some((existing, first)) if existing != family && !self.conflict => {
                self.conflict = true;
                cx.report(
                    IssueKind::FamilyConflict {
                        first,
                        first_family: existing,
                        second_family: family,
                    },
                    span,
                );
            }
            Some(_) => {}
        }
    }
}

fn list_family(m: &AddrMatch) -> Option<Family> {
    match m {
        AddrMatch::List(list) => list.only_family(),
        AddrMatch::Any | AddrMatch::Set(_) => None,
    }
}

/// Lowers one rule of a filter.
pub fn lower_rule(
    cx: &mut Checker<'_>,
    names: &mut Names,
    rule: &ast::Rule,
    kind: FilterKind,
    id: RuleId,
) -> Option<Rule> {
    let mut ok = true;
    let verdict = verdict(cx, &rule.action, kind);
    let proto = match &rule.proto {
        Some(p) => {
            let lowered = lower_proto(cx, names, p);
            if let (None, Proto::Name(name)) = (lowered, p) {
                // `allow trusted` means the set, misplaced: count it used.
                if let Some(id) = names.set_id(&name.name) {
                    names.sets[id.index()].used = true;
                }
            }
            ok &= lowered.is_some();
            lowered
        }
        None => None,
    };
    let proto_text = rule.proto.as_ref().map(|p| cx.text(p.span()));

    let icmp = match &rule.icmp {
        None => None,
        Some(spec) => match proto {
            Some(LoweredProto {
                family: Some(family),
                named: true,
                ..
            }) => {
                let lowered = lower_icmp(cx, spec, family);
                ok &= lowered.is_some();
                lowered
            }
            Some(_) | None => {
                if rule.proto.is_none() || proto.is_some() {
                    cx.report(
                        IssueKind::IcmpTypeWithoutIcmp {
                            proto: proto_text.clone(),
                        },
                        spec.span,
                    );
                }
                ok = false;
                None
            }
        },
    };

    let endpoint = |cx: &mut Checker<'_>,
                    names: &mut Names,
                    ep: &Option<ast::Endpoint>|
     -> (AddrMatch, PortMatch, bool) {
        let Some(ep) = ep else {
            return (AddrMatch::Any, PortMatch::Any, true);
        };
        let mut ok = true;
        let addr = match &ep.addr {
            Some(value) => lower_addr_match(cx, names, value).unwrap_or_else(|| {
                ok = false;
                AddrMatch::Any
            }),
            None => AddrMatch::Any,
        };
        let ports = match &ep.port {
            Some(value) => {
                let lowered = lower_port_match(cx, names, value);
                let carries_ports = proto.is_some_and(|p| p.protocol.has_ports());
                if !carries_ports && (rule.proto.is_none() || proto.is_some()) {
                    cx.report(
                        IssueKind::PortWithoutProtocol {
                            proto: proto_text.clone(),
                        },
                        value.span(),
                    );
                    ok = false;
                }
                lowered.unwrap_or_else(|| {
                    ok = false;
                    PortMatch::Any
                })
            }
            None => PortMatch::Any,
        };
        (addr, ports, ok)
    };
    let (src, src_ports, from_ok) = endpoint(cx, names, &rule.from);
    let (dst, dst_ports, to_ok) = endpoint(cx, names, &rule.to);
    ok &= from_ok && to_ok;

    let mut family = FamilyConstraint {
        current: None,
        conflict: false,
    };
    if let (Some(p), Some(spec)) = (proto, &rule.proto) {
        family.add(cx, p.family, spec.span());
    }
    if let Some(value) = rule.from.as_ref().and_then(|e| e.addr.as_ref()) {
        family.add(cx, list_family(&src), value.span());
    }
    if let Some(value) = rule.to.as_ref().and_then(|e| e.addr.as_ref()) {
        family.add(cx, list_family(&dst), value.span());
    }
    ok &= !family.conflict;

    let (count, log) = modifiers(cx, &rule.modifiers);
    let verdict = verdict?;
    ok.then(|| Rule {
        id,
        span: rule.span,
        line: cx.line(rule.span),
        text: cx.text(rule.span),
        verdict,
        matcher: Match {
            family: family.current.map(|(f, _)| f),
            protocol: proto.map(|p| p.protocol),
            icmp,
            src,
            src_ports,
            dst,
            dst_ports,
        },
        count,
        log,
    })
}
