//! The packet model of the reference semantics.
//!
//! A [`Packet`] is what a compiled program sees of one packet (or, for
//! services, one `connect()`): enough to compare generated code with the
//! evaluator packet by packet.
//!
//! Invariants ([`Packet::validate`] checks them; the packet parser only
//! builds valid packets):
//! - `src` and `dst` have the same family.
//! - `src_port`/`dst_port` are `Some` exactly when the protocol has ports
//!   (tcp, udp, sctp) and the packet is not a non-first fragment.
//! - `icmp` is `Some` exactly when the protocol is the family's ICMP (1 on
//!   IPv4, 58 on IPv6) and the packet is not a non-first fragment.
//!
//! A non-first fragment carries no transport header, so it has no ports
//! and no ICMP type: rules that match ports or ICMP types never match it;
//! rules on addresses and protocol alone do.

use super::net::Family;
use super::proto::{icmp_type_name, Protocol};
use super::Direction;
use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// An ICMP or ICMPv6 header's type and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct IcmpHeader {
    pub ty: u8,
    pub code: u8,
}

/// One packet (see the module doc for its invariants).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Packet {
    /// The direction in pod terms; `None` means "the direction of the
    /// program that evaluates it".
    pub direction: Option<Direction>,
    pub protocol: Protocol,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub icmp: Option<IcmpHeader>,
    /// A non-first fragment.
    pub fragment: bool,
}

/// Why a packet cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketError {
    /// Source and destination families differ.
    MixedFamilies,
    /// Ports are missing for tcp/udp/sctp.
    MissingPorts,
    /// Ports on a protocol without ports or on a non-first fragment.
    UnexpectedPorts,
    /// An ICMP packet without type.
    MissingIcmpType,
    /// An ICMP type on a non-ICMP packet or a non-first fragment.
    UnexpectedIcmpType,
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PacketError::MixedFamilies => {
                "source and destination are of different address families"
            }
            PacketError::MissingPorts => {
                "this protocol carries ports: give both source and destination port"
            }
            PacketError::UnexpectedPorts => {
                "ports only exist on tcp, udp and sctp packets that are not non-first fragments"
            }
            PacketError::MissingIcmpType => "an ICMP packet needs `type`",
            PacketError::UnexpectedIcmpType => {
                "only ICMP packets (not non-first fragments) have a type"
            }
        })
    }
}

impl Packet {
    /// The packet's address family (that of `src`).
    pub fn family(&self) -> Family {
        Family::of(self.src)
    }

    /// Checks the invariants of the module doc.
    pub fn validate(&self) -> Result<(), PacketError> {
        if Family::of(self.src) != Family::of(self.dst) {
            return Err(PacketError::MixedFamilies);
        }
        let has_ports = self.protocol.has_ports() && !self.fragment;
        match (has_ports, self.src_port.is_some(), self.dst_port.is_some()) {
            (true, true, true) | (false, false, false) => {}
            (true, _, _) => return Err(PacketError::MissingPorts),
            (false, _, _) => return Err(PacketError::UnexpectedPorts),
        }
        let has_icmp = self.protocol.is_icmp_for(self.family()) && !self.fragment;
        match (has_icmp, self.icmp.is_some()) {
            (true, false) => Err(PacketError::MissingIcmpType),
            (false, true) => Err(PacketError::UnexpectedIcmpType),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Packet {
    /// The packet in the syntax `explain` and `expect` read:
    /// `[DIRECTION] PROTO SRC -> DST [type T code C] [fragment]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(direction) = self.direction {
            write!(f, "{direction} ")?;
        }
        let family = self.family();
        if self.protocol.is_icmp_for(family) || self.protocol.has_ports() {
            write!(f, "{}", self.protocol)?;
        } else {
            // `icmp` names protocol 1 on IPv4 only, so write other
            // protocols (and ICMP numbers on the wrong family) as numbers.
            write!(f, "proto {}", self.protocol.0)?;
        }
        write!(f, " ")?;
        write_end(f, self.src, self.src_port)?;
        write!(f, " -> ")?;
        write_end(f, self.dst, self.dst_port)?;
        if let Some(icmp) = self.icmp {
            match icmp_type_name(family, icmp.ty) {
                Some(name) => write!(f, " type {name}")?,
                None => write!(f, " type {}", icmp.ty)?,
            }
            write!(f, " code {}", icmp.code)?;
        }
        if self.fragment {
            write!(f, " fragment")?;
        }
        Ok(())
    }
}

fn write_end(f: &mut fmt::Formatter<'_>, addr: IpAddr, port: Option<u16>) -> fmt::Result {
    match (addr, port) {
        (IpAddr::V4(a), Some(p)) => write!(f, "{a}:{p}"),
        (IpAddr::V6(a), Some(p)) => write!(f, "[{a}]:{p}"),
        (a, None) => write!(f, "{a}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp() -> Packet {
        Packet {
            direction: None,
            protocol: Protocol::TCP,
            src: "10.1.2.3".parse().unwrap(),
            dst: "10.0.0.5".parse().unwrap(),
            src_port: Some(40000),
            dst_port: Some(443),
            icmp: None,
            fragment: false,
        }
    }

    #[test]
    fn validation() {
        assert_eq!(tcp().validate(), Ok(()));
        let mut p = tcp();
        p.dst = "fd00::1".parse().unwrap();
        assert_eq!(p.validate(), Err(PacketError::MixedFamilies));
        let mut p = tcp();
        p.fragment = true;
        assert_eq!(p.validate(), Err(PacketError::UnexpectedPorts));
        p.src_port = None;
        p.dst_port = None;
        assert_eq!(p.validate(), Ok(()));
        let mut p = tcp();
        p.protocol = Protocol::ICMP;
        p.src_port = None;
        p.dst_port = None;
        assert_eq!(p.validate(), Err(PacketError::MissingIcmpType));
    }

    #[test]
    fn display_is_the_packet_syntax() {
        assert_eq!(tcp().to_string(), "tcp 10.1.2.3:40000 -> 10.0.0.5:443");
        let p = Packet {
            direction: Some(Direction::Egress),
            protocol: Protocol::ICMPV6,
            src: "fd00::1".parse().unwrap(),
            dst: "fd00::2".parse().unwrap(),
            src_port: None,
            dst_port: None,
            icmp: Some(IcmpHeader { ty: 128, code: 0 }),
            fragment: false,
        };
        assert_eq!(
            p.to_string(),
            "egress icmpv6 fd00::1 -> fd00::2 type echo-request code 0"
        );
    }
}
