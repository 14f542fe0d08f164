//! Values: addresses, ports and sets.
//!
//! Every address and port written anywhere is validated here: addresses
//! parse with std's strict parsers (so `010.0.0.1` is rejected, not read
//! as octal), prefixes fit the family, CIDRs with host bits set get a
//! warning with the fixed network as a machine-applicable fix (the model
//! uses the network, which is what a longest-prefix match does anyway),
//! ports are at most 65535 and ranges are ordered. Entries written twice in
//! one list get a warning.
//!
//! A set's kind comes from its `: addr` / `: port` annotation or, without
//! one, from its first valid entry; an empty set needs the annotation.

use super::names::Names;
use super::Checker;
use crate::ast::{self, AddrLit, Item, Value};
use crate::issue::{IssueKind, ValueKind};
use crate::model::{
    AddrList, AddrMatch, Cidr, Family, PortList, PortMatch, PortRange, Set, SetContents,
};
use crate::span::Span;
use crate::suggest::did_you_mean;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

/// Parses an address literal that may carry a `/len` prefix. Reports
/// problems; warns about host bits.
pub fn lower_cidr(cx: &mut Checker<'_>, lit: &AddrLit) -> Option<Cidr> {
    let (addr_text, prefix) = match lit.text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (lit.text.as_str(), None),
    };
    let addr = parse_ip(cx, lit, addr_text)?;
    let family = Family::of(addr);
    let len = match prefix {
        None => family.max_prefix(),
        Some(text) => match text.parse::<u64>() {
            Ok(len) if len <= u64::from(family.max_prefix()) => len as u8,
            _ => {
                cx.report(
                    IssueKind::PrefixTooLong {
                        text: lit.text.clone(),
                        len: text.parse().unwrap_or(u64::MAX),
                        max: family.max_prefix(),
                    },
                    lit.span,
                );
                return None;
            }
        },
    };
    let cidr = Cidr::new(addr, len)?;
    let network = match cidr {
        Cidr::V4(c) => IpAddr::V4(c.addr()),
        Cidr::V6(c) => IpAddr::V6(c.addr()),
    };
    if network != addr {
        cx.report(
            IssueKind::HostBitsSet {
                text: lit.text.clone(),
                fixed: cidr.to_string(),
            },
            lit.span,
        );
    }
    Some(cidr)
}

/// Parses an address literal that must be a single address (no prefix).
pub fn lower_ip(cx: &mut Checker<'_>, lit: &AddrLit) -> Option<IpAddr> {
    if lit.text.contains('/') {
        cx.report(
            IssueKind::InvalidAddress {
                text: lit.text.clone(),
                reason: "a single address is needed here, not a network".into(),
            },
            lit.span,
        );
        return None;
    }
    parse_ip(cx, lit, &lit.text)
}

fn parse_ip(cx: &mut Checker<'_>, lit: &AddrLit, text: &str) -> Option<IpAddr> {
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Some(addr);
    }
    let reason = if text.contains(':') {
        "this is not a valid IPv6 address".to_string()
    } else {
        ipv4_problem(text)
    };
    cx.report(
        IssueKind::InvalidAddress {
            text: lit.text.clone(),
            reason,
        },
        lit.span,
    );
    None
}

/// Explains why dotted text is not an IPv4 address.
fn ipv4_problem(text: &str) -> String {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return format!(
            "an IPv4 address has four numbers separated by dots; this has {}",
            parts.len()
        );
    }
    if let Some(part) = parts
        .iter()
        .find(|p| p.parse::<u64>().is_ok_and(|n| n > 255))
    {
        return format!("`{part}` is more than 255");
    }
    if parts.iter().any(|p| p.len() > 1 && p.starts_with('0')) {
        return "leading zeros are not allowed (they would read as octal elsewhere)".into();
    }
    if text.parse::<Ipv4Addr>().is_err() {
        return "this is not a valid IPv4 address".into();
    }
    unreachable!("caller only asks about text that failed to parse")
}

/// Checks a port number.
pub fn lower_port(cx: &mut Checker<'_>, num: &ast::Num) -> Option<u16> {
    match u16::try_from(num.value) {
        Ok(port) => Some(port),
        Err(_) => {
            cx.report(IssueKind::PortOutOfRange { value: num.value }, num.span);
            None
        }
    }
}

/// Checks a `low..high` range.
fn lower_range(
    cx: &mut Checker<'_>,
    span: Span,
    low: &ast::Num,
    high: &ast::Num,
) -> Option<PortRange> {
    let (lo, hi) = (lower_port(cx, low), lower_port(cx, high));
    let (lo, hi) = (lo?, hi?);
    let range = PortRange::new(lo, hi);
    if range.is_none() {
        cx.report(
            IssueKind::ReversedRange {
                low: low.value,
                high: high.value,
            },
            span,
        );
    }
    range
}

/// What a value is, in words, for `wrong-value-kind`.
fn describe(value: &Value, names: &Names) -> String {
    match value {
        Value::Addr(a) => format!("the address `{}`", a.text),
        Value::Number(n) => format!("the number `{}`", n.value),
        Value::Range { low, high, .. } => format!("the range `{}..{}`", low.value, high.value),
        Value::Name(n) => match names
            .set_id(&n.name)
            .and_then(|id| names.sets[id.index()].kind)
        {
            Some(ValueKind::Ports) => format!("the port set `{}`", n.name),
            Some(ValueKind::Addresses) => format!("the address set `{}`", n.name),
            None => format!("the set `{}`", n.name),
        },
        Value::List(_) => "a list".into(),
    }
}

/// Lowers a list of address entries, with duplicate warnings.
fn lower_addr_entries(cx: &mut Checker<'_>, names: &Names, items: &[Value]) -> Option<AddrList> {
    let mut ok = true;
    let mut cidrs = Vec::with_capacity(items.len());
    let mut seen: HashMap<Cidr, Span> = HashMap::with_capacity(items.len());
    for item in items {
        match item {
            Value::Addr(lit) => match lower_cidr(cx, lit) {
                Some(cidr) => {
                    if let Some(&first) = seen.get(&cidr) {
                        cx.report(
                            IssueKind::DuplicateEntry {
                                text: lit.text.clone(),
                                first,
                            },
                            lit.span,
                        );
                    } else {
                        seen.insert(cidr, lit.span);
                        cidrs.push(cidr);
                    }
                }
                None => ok = false,
            },
            other => {
                ok = false;
                wrong_kind(cx, names, other, ValueKind::Addresses, None);
            }
        }
    }
    ok.then(|| AddrList::new(cidrs))
}

/// Lowers a list of port entries, with duplicate warnings.
fn lower_port_entries(cx: &mut Checker<'_>, names: &Names, items: &[Value]) -> Option<PortList> {
    let mut ok = true;
    let mut ranges = Vec::with_capacity(items.len());
    let mut seen: HashMap<PortRange, Span> = HashMap::with_capacity(items.len());
    for item in items {
        let range = match item {
            Value::Number(n) => lower_port(cx, n).map(PortRange::single),
            Value::Range { span, low, high } => lower_range(cx, *span, low, high),
            other => {
                wrong_kind(cx, names, other, ValueKind::Ports, None);
                None
            }
        };
        match range {
            Some(range) => {
                if let Some(&first) = seen.get(&range) {
                    cx.report(
                        IssueKind::DuplicateEntry {
                            text: range.to_string(),
                            first,
                        },
                        item.span(),
                    );
                } else {
                    seen.insert(range, item.span());
                    ranges.push(range);
                }
            }
            None => ok = false,
        }
    }
    ok.then(|| PortList::new(ranges))
}

fn wrong_kind(
    cx: &mut Checker<'_>,
    names: &Names,
    value: &Value,
    expected: ValueKind,
    help: Option<String>,
) {
    let help = help.or_else(|| match (value, expected) {
        (Value::Name(_), _) => Some("lists cannot contain set names; write the entries".into()),
        _ => None,
    });
    cx.report(
        IssueKind::WrongValueKind {
            expected,
            found: describe(value, names),
            help,
        },
        value.span(),
    );
}

/// Lowers the value after `from` / `to` (the address part).
pub fn lower_addr_match(
    cx: &mut Checker<'_>,
    names: &mut Names,
    value: &Value,
) -> Option<AddrMatch> {
    match value {
        Value::Addr(lit) => lower_cidr(cx, lit).map(|c| AddrMatch::List(AddrList::new([c]))),
        Value::Name(name) => {
            let id = names.use_set(cx, name)?;
            match names.sets[id.index()].kind {
                Some(ValueKind::Ports) => {
                    let help = Some(format!("to match ports, write `port {}`", name.name));
                    wrong_kind(cx, names, value, ValueKind::Addresses, help);
                    None
                }
                Some(ValueKind::Addresses) => Some(AddrMatch::Set(id)),
                None => None,
            }
        }
        Value::Number(n) => {
            let help = Some(format!("to match a port, write `port {}`", n.value));
            wrong_kind(cx, names, value, ValueKind::Addresses, help);
            None
        }
        Value::Range { low, high, .. } => {
            let help = Some(format!(
                "to match ports, write `port {}..{}`",
                low.value, high.value
            ));
            wrong_kind(cx, names, value, ValueKind::Addresses, help);
            None
        }
        Value::List(list) => {
            if list.items.is_empty() {
                cx.report(IssueKind::EmptyList, list.span);
                return None;
            }
            lower_addr_entries(cx, names, &list.items).map(AddrMatch::List)
        }
    }
}

/// Lowers the value after `port`.
pub fn lower_port_match(
    cx: &mut Checker<'_>,
    names: &mut Names,
    value: &Value,
) -> Option<PortMatch> {
    match value {
        Value::Number(n) => {
            lower_port(cx, n).map(|p| PortMatch::List(PortList::new([PortRange::single(p)])))
        }
        Value::Range { span, low, high } => {
            lower_range(cx, *span, low, high).map(|r| PortMatch::List(PortList::new([r])))
        }
        Value::Name(name) => {
            let id = names.use_set(cx, name)?;
            match names.sets[id.index()].kind {
                Some(ValueKind::Addresses) => {
                    let help = Some(format!(
                        "addresses come before `port`: `{} port ...`",
                        name.name
                    ));
                    wrong_kind(cx, names, value, ValueKind::Ports, help);
                    None
                }
                Some(ValueKind::Ports) => Some(PortMatch::Set(id)),
                None => None,
            }
        }
        Value::Addr(lit) => {
            let help = Some(format!(
                "addresses come before `port`: `{} port ...`",
                lit.text
            ));
            wrong_kind(cx, names, value, ValueKind::Ports, help);
            None
        }
        Value::List(list) => {
            if list.items.is_empty() {
                cx.report(IssueKind::EmptyList, list.span);
                return None;
            }
            lower_port_entries(cx, names, &list.items).map(PortMatch::List)
        }
    }
}

/// The kind a set entry suggests, if any.
fn entry_kind(value: &Value) -> Option<ValueKind> {
    match value {
        Value::Addr(_) => Some(ValueKind::Addresses),
        Value::Number(_) | Value::Range { .. } => Some(ValueKind::Ports),
        Value::Name(_) | Value::List(_) => None,
    }
}

/// Decides the kind of every set (so uses can be checked in any order),
/// then lowers their contents. Returns the sets by id; `None` for sets
/// that had errors.
pub fn lower_sets(cx: &mut Checker<'_>, file: &ast::File, names: &mut Names) -> Vec<Option<Set>> {
    let mut sets: Vec<Option<Set>> = (0..names.sets.len()).map(|_| None).collect();
    let item_ids: HashMap<usize, usize> = names
        .sets
        .iter()
        .enumerate()
        .map(|(id, s)| (s.item, id))
        .collect();
    for (item_index, item) in file.items.iter().enumerate() {
        let Item::Set(decl) = item else { continue };
        let id = item_ids.get(&item_index).copied();
        let kind = set_kind(cx, decl);
        if let Some(id) = id {
            names.sets[id].kind = kind;
        }
        let Some(kind) = kind else {
            if let Some(id) = id {
                names.sets[id].broken = true;
            }
            continue;
        };
        let contents = lower_set_contents(cx, names, decl, kind);
        if let (Some(id), None) = (id, &contents) {
            names.sets[id].broken = true;
        }
        if let (Some(id), Some(contents)) = (id, contents) {
            sets[id] = Some(Set {
                id: crate::model::SetId(id as u32),
                name: decl.name.name.clone(),
                span: decl.span,
                line: cx.line(decl.span),
                contents,
            });
        }
    }
    sets
}

fn set_kind(cx: &mut Checker<'_>, decl: &ast::SetDecl) -> Option<ValueKind> {
    if let Some(annotation) = &decl.kind {
        return match annotation.name.as_str() {
            "addr" => Some(ValueKind::Addresses),
            "port" => Some(ValueKind::Ports),
            other => {
                cx.report(
                    IssueKind::UnknownSetKind {
                        text: other.to_string(),
                        suggestion: did_you_mean(other, ["addr", "port"]),
                    },
                    annotation.span,
                );
                None
            }
        };
    }
    let kind = decl.entries.items.iter().find_map(entry_kind);
    if kind.is_none() && decl.entries.items.is_empty() {
        cx.report(
            IssueKind::UntypedEmptySet {
                name: decl.name.name.clone(),
            },
            decl.entries.span,
        );
    }
    kind
}

fn lower_set_contents(
    cx: &mut Checker<'_>,
    names: &Names,
    decl: &ast::SetDecl,
    kind: ValueKind,
) -> Option<SetContents> {
    // Without an annotation, the first entry of the other kind makes the
    // set mixed: report that once, with both entries, instead of calling
    // each such entry the wrong kind.
    if decl.kind.is_none() {
        let mut entries = decl
            .entries
            .items
            .iter()
            .filter_map(|v| entry_kind(v).map(|k| (k, v)));
        if let Some((_, first)) = entries.next() {
            if let Some((other_kind, other)) = entries.find(|(k, _)| *k != kind) {
                cx.report(
                    IssueKind::MixedSet {
                        name: decl.name.name.clone(),
                        first_kind: kind,
                        first: first.span(),
                        other_kind,
                    },
                    other.span(),
                );
                return None;
            }
        }
    }
    match kind {
        ValueKind::Addresses => {
            lower_addr_entries(cx, names, &decl.entries.items).map(SetContents::Addrs)
        }
        ValueKind::Ports => {
            lower_port_entries(cx, names, &decl.entries.items).map(SetContents::Ports)
        }
    }
}
