//! Policies, guards and services: headers, block lines, defaults,
//! selectors and service mappings.
//!
//! Every kind of line parses in every block; this pass says which belong
//! where (`misplaced-line`). Policies and guards need exactly one
//! `default`, as their last line. Policies and services should say which
//! pods they apply to.

use super::names::Names;
use super::rules::{lower_rule, modifiers, verdict, FilterKind};
use super::shadow::report_shadowed;
use super::values::{lower_ip, lower_port};
use super::Checker;
use crate::ast::{self, Item, Line, ProgramKind as Kw};
use crate::issue::IssueKind;
use crate::model::{
    DefaultVerdict, Direction, Family, Filter, Glob, Guard, Hook, Mapping, MappingId, Policy,
    Program, ProgramId, ProgramKind, Protocol, Selector, Service,
};
use crate::span::Span;
use crate::suggest::did_you_mean;
use std::net::SocketAddr;

const HOOKS: [&str; 4] = ["ingress", "egress", "xdp", "connect"];

/// Lowers every program; returns them by id (`None` where errors were).
pub fn lower_programs(
    cx: &mut Checker<'_>,
    file: &ast::File,
    names: &mut Names,
) -> Vec<Option<Program>> {
    let mut programs: Vec<Option<Program>> = (0..names.programs.len()).map(|_| None).collect();
    for (item_index, item) in file.items.iter().enumerate() {
        let Item::Program(decl) = item else { continue };
        let id = names.program_of_item(item_index);
        let hook = lower_hook(cx, decl);
        if let (Some(id), Some(hook)) = (id, hook) {
            names.programs[id.index()].hook = Some(hook);
        }
        let program = lower_program(cx, names, decl, hook);
        if let (Some(id), Some(kind)) = (id, program) {
            programs[id.index()] = Some(Program {
                id: ProgramId(id.0),
                name: decl.name.name.clone(),
                span: decl.span,
                line: cx.line(decl.span),
                kind,
            });
        }
    }
    programs
}

/// Resolves `on HOOK` and checks that it fits the program kind.
fn lower_hook(cx: &mut Checker<'_>, decl: &ast::Program) -> Option<Hook> {
    let hook = match decl.hook.name.as_str() {
        "ingress" => Hook::Ingress,
        "egress" => Hook::Egress,
        "xdp" => Hook::Xdp,
        "connect" => Hook::Connect,
        other => {
            cx.report(
                IssueKind::UnknownHook {
                    name: other.to_string(),
                    suggestion: did_you_mean(other, HOOKS),
                },
                decl.hook.span,
            );
            return None;
        }
    };
    let (fits, allowed, help) = match (decl.kind, hook) {
        (Kw::Policy, Hook::Ingress | Hook::Egress)
        | (Kw::Guard, Hook::Xdp)
        | (Kw::Service, Hook::Connect) => (true, "", None),
        (Kw::Policy, _) => (
            false,
            "`ingress` or `egress`",
            match hook {
                Hook::Xdp => Some("to filter on a device's XDP hook, write a `guard`".to_string()),
                _ => Some("to balance connects, write a `service`".to_string()),
            },
        ),
        (Kw::Guard, _) => (
            false,
            "`xdp`",
            Some("to filter a pod's traffic, write a `policy`".to_string()),
        ),
        (Kw::Service, _) => (
            false,
            "`connect`",
            Some("to filter a pod's traffic, write a `policy`".to_string()),
        ),
    };
    if !fits {
        cx.report(
            IssueKind::WrongHook {
                kind: decl.kind.keyword(),
                hook: decl.hook.name.clone(),
                allowed,
                help,
            },
            decl.hook.span,
        );
        return None;
    }
    Some(hook)
}

/// Reads the options after the hook; returns whether `audit` is on.
fn lower_options(cx: &mut Checker<'_>, decl: &ast::Program) -> Option<bool> {
    let mut ok = true;
    let mut audit: Option<Span> = None;
    for option in &decl.options {
        let allowed = decl.kind != Kw::Service;
        if option.name == "audit" && allowed {
            if let Some(first) = audit {
                cx.report(
                    IssueKind::DuplicateModifier {
                        name: "audit".into(),
                        first,
                    },
                    option.span,
                );
            }
            audit.get_or_insert(option.span);
        } else {
            ok = false;
            cx.report(
                IssueKind::UnknownOption {
                    name: option.name.clone(),
                    kind: decl.kind.keyword(),
                    suggestion: if allowed {
                        did_you_mean(&option.name, ["audit"])
                    } else {
                        None
                    },
                },
                option.span,
            );
        }
    }
    ok.then_some(audit.is_some())
}

fn lower_program(
    cx: &mut Checker<'_>,
    names: &mut Names,
    decl: &ast::Program,
    hook: Option<Hook>,
) -> Option<ProgramKind> {
    let audit = lower_options(cx, decl);
    let block_had_errors = decl.body.lines.iter().any(|l| matches!(l, Line::Error(_)));
    match decl.kind {
        Kw::Policy => {
            let selectors = lower_selectors(cx, decl, block_had_errors);
            let filter = lower_filter(cx, names, decl, FilterKind::Policy, block_had_errors);
            let direction = match hook? {
                Hook::Ingress => Direction::Ingress,
                _ => Direction::Egress,
            };
            let mut filter = filter?;
            filter.audit = audit?;
            Some(ProgramKind::Policy(Policy {
                direction,
                selectors: selectors?,
                filter,
            }))
        }
        Kw::Guard => {
            let filter = lower_filter(cx, names, decl, FilterKind::Guard, block_had_errors);
            hook?;
            let mut filter = filter?;
            filter.audit = audit?;
            Some(ProgramKind::Guard(Guard { filter }))
        }
        Kw::Service => {
            let selectors = lower_selectors(cx, decl, block_had_errors);
            let mappings = lower_mappings(cx, decl);
            hook?;
            audit?;
            Some(ProgramKind::Service(Service {
                selectors: selectors?,
                mappings: mappings?,
            }))
        }
    }
}

/// Describes a line kind for `misplaced-line`.
fn line_name(line: &Line) -> &'static str {
    match line {
        Line::Apply(_) => "`apply`",
        Line::Rule(_) => "a rule",
        Line::Default(_) => "`default`",
        Line::Mapping(_) => "a service mapping",
        Line::Expect(_) => "`expect`",
        Line::Error(_) => "a broken line",
    }
}

/// Reports a line that does not belong in a `block` block.
pub fn misplaced(cx: &mut Checker<'_>, line: &Line, block: &'static str) {
    let help = match (line, block) {
        (Line::Expect(_), _) => Some("`expect` lines go in a `test` block".to_string()),
        (Line::Mapping(_), _) => {
            Some("mappings go in a `service NAME on connect` block".to_string())
        }
        (Line::Apply(_), "guard") => Some(
            "guards attach to devices, not pods: the device is chosen at `palisade attach`"
                .to_string(),
        ),
        (Line::Rule(_) | Line::Default(_), "service") => {
            Some("services only map addresses; filtering belongs in a `policy`".to_string())
        }
        (_, "test") => Some("a test block only holds `expect` lines".to_string()),
        _ => None,
    };
    cx.report(
        IssueKind::MisplacedLine {
            line: line_name(line),
            block,
            help,
        },
        line.span(),
    );
}

fn lower_filter(
    cx: &mut Checker<'_>,
    names: &mut Names,
    decl: &ast::Program,
    kind: FilterKind,
    block_had_errors: bool,
) -> Option<Filter> {
    let mut ok = true;
    let mut rules = Vec::new();
    let mut default: Option<(Span, Option<DefaultVerdict>)> = None;
    let mut after_default_reported = false;
    for line in &decl.body.lines {
        match line {
            Line::Rule(rule) => {
                if let Some((default_span, _)) = default {
                    if !after_default_reported {
                        cx.report(
                            IssueKind::RuleAfterDefault {
                                default: default_span,
                            },
                            rule.span,
                        );
                        after_default_reported = true;
                    }
                    ok = false;
                }
                let id = crate::model::RuleId(rules.len() as u32);
                match lower_rule(cx, names, rule, kind, id) {
                    Some(lowered) => rules.push(lowered),
                    None => ok = false,
                }
            }
            Line::Default(line) => {
                if let Some((first, _)) = default {
                    cx.report(IssueKind::DuplicateDefault { first }, line.span);
                    ok = false;
                    continue;
                }
                let lowered = lower_default(cx, line, kind);
                ok &= lowered.is_some();
                default = Some((line.span, lowered));
            }
            Line::Apply(_) if kind == FilterKind::Policy => {}
            Line::Error(_) => ok = false,
            other => {
                misplaced(cx, other, decl.kind.keyword());
                ok = false;
            }
        }
    }
    let default = match default {
        Some((_, lowered)) => lowered,
        None => {
            if !block_had_errors {
                cx.report(
                    IssueKind::MissingDefault {
                        kind: decl.kind.keyword(),
                        name: decl.name.name.clone(),
                    },
                    decl.name.span,
                );
            }
            None
        }
    };
    report_shadowed(cx, &rules);
    let default = default?;
    ok.then_some(Filter {
        audit: false,
        rules,
        default,
    })
}

fn lower_default(
    cx: &mut Checker<'_>,
    line: &ast::DefaultLine,
    kind: FilterKind,
) -> Option<DefaultVerdict> {
    let verdict = verdict(cx, &line.verdict, kind);
    let (count, log) = modifiers(cx, &line.modifiers);
    Some(DefaultVerdict {
        span: line.span,
        line: cx.line(line.span),
        text: cx.text(line.span),
        verdict: verdict?,
        count,
        log,
    })
}

fn lower_selectors(
    cx: &mut Checker<'_>,
    decl: &ast::Program,
    block_had_errors: bool,
) -> Option<Vec<Selector>> {
    let mut ok = true;
    let mut selectors = Vec::new();
    for line in &decl.body.lines {
        let Line::Apply(apply) = line else { continue };
        let pods = match &apply.pods {
            Some(text) => lower_glob(cx, text),
            None => Glob::parse("*").ok(),
        };
        let namespace = apply.namespace.as_ref().map(|text| lower_glob(cx, text));
        match (pods, namespace) {
            (Some(pods), None) => selectors.push(Selector {
                span: apply.span,
                pods,
                namespace: None,
            }),
            (Some(pods), Some(Some(namespace))) => selectors.push(Selector {
                span: apply.span,
                pods,
                namespace: Some(namespace),
            }),
            _ => ok = false,
        }
    }
    let has_apply = decl.body.lines.iter().any(|l| matches!(l, Line::Apply(_)));
    if !has_apply && !block_had_errors {
        cx.report(
            IssueKind::MissingApply {
                kind: decl.kind.keyword(),
                name: decl.name.name.clone(),
            },
            decl.name.span,
        );
    }
    ok.then_some(selectors)
}

fn lower_glob(cx: &mut Checker<'_>, text: &ast::Str) -> Option<Glob> {
    match Glob::parse(&text.value) {
        Ok(glob) => {
            if let Some(ch) = glob.impossible_char() {
                cx.report(
                    IssueKind::GlobNeverMatches {
                        glob: text.value.clone(),
                        reason: format!(
                            "Kubernetes names never contain `{ch}` (only lowercase letters, digits, `-` and `.`)"
                        ),
                    },
                    text.span,
                );
            }
            Some(glob)
        }
        Err(error) => {
            // Point at the offending character inside the quotes.
            let at = text.span.start as usize + 1 + error.offset;
            let width = text.value[error.offset..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
            cx.report(
                IssueKind::InvalidGlob {
                    glob: text.value.clone(),
                    reason: error.reason,
                },
                Span::new(at, at + width),
            );
            None
        }
    }
}

fn lower_mappings(cx: &mut Checker<'_>, decl: &ast::Program) -> Option<Vec<Mapping>> {
    let mut ok = true;
    let mut mappings: Vec<Mapping> = Vec::new();
    for line in &decl.body.lines {
        match line {
            Line::Mapping(mapping) => {
                let id = MappingId(mappings.len() as u32);
                match lower_mapping(cx, mapping, id) {
                    Some(lowered) => {
                        let clash = mappings.iter().find(|m| {
                            m.vip == lowered.vip
                                && (m.protocol.is_none()
                                    || lowered.protocol.is_none()
                                    || m.protocol == lowered.protocol)
                        });
                        if let Some(first) = clash {
                            cx.report(
                                IssueKind::DuplicateMapping { first: first.span },
                                mapping.span,
                            );
                            ok = false;
                        } else {
                            mappings.push(lowered);
                        }
                    }
                    None => ok = false,
                }
            }
            Line::Apply(_) => {}
            Line::Error(_) => ok = false,
            other => {
                misplaced(cx, other, "service");
                ok = false;
            }
        }
    }
    ok.then_some(mappings)
}

/// Lowers `ADDR:PORT` where a port is required.
fn lower_endpoint(
    cx: &mut Checker<'_>,
    addr: &ast::SockAddr,
    what: &'static str,
) -> Option<SocketAddr> {
    let ip = lower_sock_ip(cx, addr);
    let port = match &addr.port {
        Some(port) => lower_port(cx, port),
        None => {
            cx.report(IssueKind::MissingPort { what }, addr.span);
            None
        }
    };
    Some(SocketAddr::new(ip?, port?))
}

/// The address of a socket address; brackets are for IPv6 only.
pub fn lower_sock_ip(cx: &mut Checker<'_>, addr: &ast::SockAddr) -> Option<std::net::IpAddr> {
    let ip = lower_ip(cx, &addr.addr)?;
    if addr.bracketed && ip.is_ipv4() {
        cx.report(
            IssueKind::InvalidAddress {
                text: addr.addr.text.clone(),
                reason: "brackets are only for IPv6 addresses".into(),
            },
            addr.span,
        );
        return None;
    }
    Some(ip)
}

fn lower_mapping(cx: &mut Checker<'_>, mapping: &ast::Mapping, id: MappingId) -> Option<Mapping> {
    let mut ok = true;
    let protocol = match &mapping.proto {
        None => None,
        Some(ast::Proto::Name(name)) if name.name == "tcp" => Some(Protocol::TCP),
        Some(ast::Proto::Name(name)) if name.name == "udp" => Some(Protocol::UDP),
        Some(ast::Proto::Number { number, .. }) if number.value == 6 => Some(Protocol::TCP),
        Some(ast::Proto::Number { number, .. }) if number.value == 17 => Some(Protocol::UDP),
        Some(other) => {
            let proto = match other {
                ast::Proto::Name(name) => name.name.clone(),
                ast::Proto::Number { number, .. } => format!("proto {}", number.value),
            };
            cx.report(IssueKind::ServiceProtocol { proto }, other.span());
            ok = false;
            None
        }
    };
    let vip = lower_endpoint(cx, &mapping.vip, "a service address");
    let mut backends: Vec<SocketAddr> = Vec::new();
    let mut seen: Vec<(SocketAddr, Span)> = Vec::new();
    if mapping.backends.items().is_empty() {
        let span = match &mapping.backends {
            ast::Backends::List { span, .. } => *span,
            ast::Backends::One(one) => one.span,
        };
        cx.report(IssueKind::EmptyBackends, span);
        ok = false;
    }
    for backend in mapping.backends.items() {
        let Some(addr) = lower_endpoint(cx, backend, "a backend") else {
            ok = false;
            continue;
        };
        if let Some(vip) = vip {
            if Family::of(vip.ip()) != Family::of(addr.ip()) {
                cx.report(
                    IssueKind::BackendFamily {
                        vip: mapping.vip.span,
                        vip_family: Family::of(vip.ip()),
                    },
                    backend.span,
                );
                ok = false;
                continue;
            }
        }
        if let Some(&(_, first)) = seen.iter().find(|(a, _)| *a == addr) {
            cx.report(
                IssueKind::DuplicateEntry {
                    text: cx.text(backend.span),
                    first,
                },
                backend.span,
            );
            continue;
        }
        seen.push((addr, backend.span));
        backends.push(addr);
    }
    let vip = vip?;
    ok.then(|| Mapping {
        id,
        span: mapping.span,
        line: cx.line(mapping.span),
        text: cx.text(mapping.span),
        protocol,
        vip,
        backends,
    })
}
