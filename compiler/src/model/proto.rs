//! IP protocols and ICMP types: numbers, names, and which carry ports.

use super::net::Family;
use serde::Serialize;
use std::fmt;

/// An IP protocol number (IPv4 `protocol`, IPv6 `next header` after
/// extension headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Protocol(pub u8);

impl Protocol {
    pub const ICMP: Protocol = Protocol(1);
    pub const TCP: Protocol = Protocol(6);
    pub const UDP: Protocol = Protocol(17);
    pub const GRE: Protocol = Protocol(47);
    pub const ESP: Protocol = Protocol(50);
    pub const AH: Protocol = Protocol(51);
    pub const ICMPV6: Protocol = Protocol(58);
    pub const SCTP: Protocol = Protocol(132);

    /// Whether packets of this protocol carry source and destination
    /// ports (tcp, udp, sctp).
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::TCP | Protocol::UDP | Protocol::SCTP)
    }

    /// Whether this is the ICMP protocol of `family` (icmp on IPv4,
    /// icmpv6 on IPv6), whose packets carry an ICMP type and code.
    pub fn is_icmp_for(self, family: Family) -> bool {
        matches!(
            (self, family),
            (Protocol::ICMP, Family::V4) | (Protocol::ICMPV6, Family::V6)
        )
    }
}

impl fmt::Display for Protocol {
    /// The name if the protocol has one, else `proto N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match PROTOCOL_NAMES.iter().find(|p| p.number == *self) {
            Some(named) => f.write_str(named.name),
            None => write!(f, "proto {}", self.0),
        }
    }
}

/// A protocol name of the language.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolName {
    pub name: &'static str,
    pub number: Protocol,
    /// `icmp` is IPv4 only and `icmpv6` IPv6 only: a rule naming them only
    /// matches packets of that family.
    pub family: Option<Family>,
}

/// Every protocol name the language knows.
pub const PROTOCOL_NAMES: &[ProtocolName] = &[
    ProtocolName {
        name: "tcp",
        number: Protocol::TCP,
        family: None,
    },
    ProtocolName {
        name: "udp",
        number: Protocol::UDP,
        family: None,
    },
    ProtocolName {
        name: "sctp",
        number: Protocol::SCTP,
        family: None,
    },
    ProtocolName {
        name: "icmp",
        number: Protocol::ICMP,
        family: Some(Family::V4),
    },
    ProtocolName {
        name: "icmpv6",
        number: Protocol::ICMPV6,
        family: Some(Family::V6),
    },
    ProtocolName {
        name: "gre",
        number: Protocol::GRE,
        family: None,
    },
    ProtocolName {
        name: "esp",
        number: Protocol::ESP,
        family: None,
    },
    ProtocolName {
        name: "ah",
        number: Protocol::AH,
        family: None,
    },
];

/// Looks up a protocol name.
pub fn protocol_by_name(name: &str) -> Option<&'static ProtocolName> {
    PROTOCOL_NAMES.iter().find(|p| p.name == name)
}

/// ICMP (IPv4) type names.
pub const ICMP4_TYPES: &[(&str, u8)] = &[
    ("echo-reply", 0),
    ("destination-unreachable", 3),
    ("redirect", 5),
    ("echo-request", 8),
    ("router-advertisement", 9),
    ("router-solicitation", 10),
    ("time-exceeded", 11),
    ("parameter-problem", 12),
    ("timestamp-request", 13),
    ("timestamp-reply", 14),
];

/// ICMPv6 type names.
pub const ICMP6_TYPES: &[(&str, u8)] = &[
    ("destination-unreachable", 1),
    ("packet-too-big", 2),
    ("time-exceeded", 3),
    ("parameter-problem", 4),
    ("echo-request", 128),
    ("echo-reply", 129),
    ("router-solicitation", 133),
    ("router-advertisement", 134),
    ("neighbor-solicitation", 135),
    ("neighbor-advertisement", 136),
    ("redirect", 137),
];

/// The ICMP type names of `family`.
pub fn icmp_types(family: Family) -> &'static [(&'static str, u8)] {
    match family {
        Family::V4 => ICMP4_TYPES,
        Family::V6 => ICMP6_TYPES,
    }
}

/// The number of ICMP type `name` in `family`.
pub fn icmp_type_by_name(family: Family, name: &str) -> Option<u8> {
    icmp_types(family)
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, number)| number)
}

/// The name of ICMP type `number` in `family`, if it has one.
pub fn icmp_type_name(family: Family, number: u8) -> Option<&'static str> {
    icmp_types(family)
        .iter()
        .find(|(_, n)| *n == number)
        .map(|&(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip() {
        for p in PROTOCOL_NAMES {
            assert_eq!(p.number.to_string(), p.name);
            assert_eq!(protocol_by_name(p.name).unwrap().number, p.number);
        }
        assert_eq!(Protocol(253).to_string(), "proto 253");
        for family in [Family::V4, Family::V6] {
            for &(name, number) in icmp_types(family) {
                assert_eq!(icmp_type_by_name(family, name), Some(number));
                assert_eq!(icmp_type_name(family, number), Some(name));
            }
        }
        assert_eq!(icmp_type_by_name(Family::V6, "echo-request"), Some(128));
    }

    #[test]
    fn ports_and_icmp() {
        assert!(Protocol::SCTP.has_ports());
        assert!(!Protocol::ICMP.has_ports());
        assert!(Protocol::ICMP.is_icmp_for(Family::V4));
        assert!(!Protocol::ICMP.is_icmp_for(Family::V6));
        assert!(Protocol::ICMPV6.is_icmp_for(Family::V6));
    }
}
