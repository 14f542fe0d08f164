//! Packets as written (`expect` lines and `palisade explain`) to
//! [`Packet`]s, enforcing the packet invariants of [`crate::model`].

use super::programs::lower_sock_ip;
use super::rules::{lower_icmp, lower_proto};
use super::values::lower_port;
use super::{names::Names, Checker};
use crate::ast::{self, PacketSpec};
use crate::issue::{Issue, IssueKind};
use crate::model::{Direction, Family, IcmpHeader, Packet, Protocol};
use std::collections::BTreeSet;

/// Lowers a packet parsed on its own (`palisade explain`); `source` is the
/// packet text the spans point into.
pub fn lower_packet(spec: &PacketSpec, source: &str) -> Result<Packet, Vec<Issue>> {
    let declared = BTreeSet::new();
    let mut cx = Checker::new(source, &declared, false);
    let names = Names::default();
    match lower_packet_in(&mut cx, &names, spec) {
        Some(packet) if cx.issues.is_empty() => Ok(packet),
        _ => Err(cx.issues),
    }
}

fn invalid(
    cx: &mut Checker<'_>,
    span: crate::span::Span,
    reason: impl Into<String>,
    help: Option<String>,
) {
    cx.report(
        IssueKind::InvalidPacket {
            reason: reason.into(),
            help,
        },
        span,
    );
}

/// Lowers a packet inside a checked file.
pub fn lower_packet_in(cx: &mut Checker<'_>, names: &Names, spec: &PacketSpec) -> Option<Packet> {
    let direction = match &spec.direction {
        None => Some(None),
        Some(word) => match word.name.as_str() {
            "ingress" => Some(Some(Direction::Ingress)),
            "egress" => Some(Some(Direction::Egress)),
            other => {
                invalid(
                    cx,
                    word.span,
                    format!("`{other}` is not a direction"),
                    Some("write `ingress` or `egress`, or leave the direction out".into()),
                );
                None
            }
        },
    };
    let proto = lower_proto(cx, names, &spec.proto);
    let src = lower_sock_ip(cx, &spec.src);
    let dst = lower_sock_ip(cx, &spec.dst);
    let (direction, proto, src, dst) = (direction?, proto?, src?, dst?);
    let family = Family::of(src);
    if Family::of(dst) != family {
        cx.report(
            IssueKind::FamilyConflict {
                first: spec.src.span,
                first_family: family,
                second_family: Family::of(dst),
            },
            spec.dst.span,
        );
        return None;
    }
    if let Some(implied) = proto.family.filter(|f| *f != family) {
        let (name, other) = match implied {
            Family::V4 => ("icmp", "icmpv6"),
            Family::V6 => ("icmpv6", "icmp"),
        };
        invalid(
            cx,
            spec.proto.span(),
            format!("`{name}` is ICMP for {implied}, but this packet is {family}"),
            Some(format!("write `{other}`")),
        );
        return None;
    }
    let protocol = proto.protocol;
    let fragment = spec.fragment.is_some();

    let wants_ports = protocol.has_ports() && !fragment;
    let mut ports = Some((None, None));
    for (end, which) in [(&spec.src, "source"), (&spec.dst, "destination")] {
        match (&end.port, wants_ports) {
            (Some(port), true) => {
                let port = lower_port(cx, port);
                if let (Some(p), Some(ports)) = (port, ports.as_mut()) {
                    if which == "source" {
                        ports.0 = Some(p);
                    } else {
                        ports.1 = Some(p);
                    }
                } else {
                    ports = None;
                }
            }
            (None, true) => {
                invalid(
                    cx,
                    end.span,
                    format!("a {protocol} packet needs a {which} port"),
                    Some(match family {
                        Family::V4 => format!("write `{}:PORT`", end.addr.text),
                        Family::V6 => format!("write `[{}]:PORT`", end.addr.text),
                    }),
                );
                ports = None;
            }
            (Some(port), false) => {
                let reason = if fragment {
                    "a non-first fragment carries no ports".to_string()
                } else {
                    format!("{protocol} packets have no ports")
                };
                invalid(cx, port.span, reason, None);
                ports = None;
            }
            (None, false) => {}
        }
    }

    let wants_icmp = protocol.is_icmp_for(family) && !fragment;
    let icmp = match (&spec.icmp, wants_icmp) {
        (Some(icmp_spec), true) => lower_icmp(cx, icmp_spec, family).map(|m| {
            Some(IcmpHeader {
                ty: m.ty,
                code: m.code.unwrap_or(0),
            })
        }),
        (None, true) => {
            invalid(
                cx,
                spec.span,
                "an ICMP packet needs a type",
                Some("add `type echo-request` (or a number), and `code N` if it is not 0".into()),
            );
            None
        }
        (Some(icmp_spec), false) => {
            let reason = if fragment {
                "a non-first fragment carries no ICMP header".to_string()
            } else if protocol == Protocol::ICMP || protocol == Protocol::ICMPV6 {
                format!("protocol {} is not ICMP on {family}", protocol.0)
            } else {
                format!("{protocol} packets have no ICMP type")
            };
            invalid(cx, icmp_spec.span, reason, None);
            None
        }
        (None, false) => Some(None),
    };

    let (src_port, dst_port) = ports?;
    let packet = Packet {
        direction,
        protocol,
        src,
        dst,
        src_port,
        dst_port,
        icmp: icmp?,
        fragment,
    };
    debug_assert_eq!(packet.validate(), Ok(()));
    Some(packet)
}

/// Lowers the `to BACKEND` of a `rewrite` expectation.
pub fn lower_backend(cx: &mut Checker<'_>, addr: &ast::SockAddr) -> Option<std::net::SocketAddr> {
    let ip = lower_sock_ip(cx, addr);
    let port = match &addr.port {
        Some(port) => lower_port(cx, port),
        None => {
            cx.report(IssueKind::MissingPort { what: "a backend" }, addr.span);
            None
        }
    };
    Some(std::net::SocketAddr::new(ip?, port?))
}
