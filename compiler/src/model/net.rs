//! Typed network values: address families, CIDRs, address lists, port
//! ranges and port lists.
//!
//! Invariants (upheld by the constructors, relied on by the evaluator,
//! the shadow analysis and codegen):
//! - A [`Cidr4`]/[`Cidr6`] has no host bits set and `len <= 32`/`128`.
//! - An [`AddrList`] keeps each family's CIDRs sorted by `(addr, len)`
//!   without duplicates; it may hold CIDRs covered by others.
//! - A [`PortRange`] has `low <= high`.
//! - A [`PortList`] is sorted and merged: ranges neither overlap nor touch.

use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// The longest prefix length of the family.
    pub fn max_prefix(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// An IPv4 network: address with host bits clear, and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Cidr4 {
    addr: u32,
    len: u8,
}

#[expect(
    clippy::len_without_is_empty,
    reason = "`len` is the prefix length, not a size"
)]
impl Cidr4 {
    /// The network of `addr/len`, with host bits cleared. `None` if
    /// `len > 32`.
    pub fn new(addr: Ipv4Addr, len: u8) -> Option<Cidr4> {
        (len <= 32).then(|| Cidr4 {
            addr: u32::from(addr) & mask32(len),
            len,
        })
    }

    /// The network address.
    pub fn addr(self) -> Ipv4Addr {
        Ipv4Addr::from(self.addr)
    }

    /// The prefix length.
    pub fn len(self) -> u8 {
        self.len
    }

    /// Whether `ip` is in this network.
    pub fn contains(self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask32(self.len) == self.addr
    }

    /// First and last address, as integers.
    pub fn bounds(self) -> (u32, u32) {
        (self.addr, self.addr | !mask32(self.len))
    }
}

impl fmt::Display for Cidr4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(), self.len)
    }
}

/// An IPv6 network: address with host bits clear, and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Cidr6 {
    addr: u128,
    len: u8,
}

#[expect(
    clippy::len_without_is_empty,
    reason = "`len` is the prefix length, not a size"
)]
impl Cidr6 {
    /// The network of `addr/len`, with host bits cleared. `None` if
    /// `len > 128`.
    pub fn new(addr: Ipv6Addr, len: u8) -> Option<Cidr6> {
        (len <= 128).then(|| Cidr6 {
            addr: u128::from(addr) & mask128(len),
            len,
        })
    }

    /// The network address.
    pub fn addr(self) -> Ipv6Addr {
        Ipv6Addr::from(self.addr)
    }

    /// The prefix length.
    pub fn len(self) -> u8 {
        self.len
    }

    /// Whether `ip` is in this network.
    pub fn contains(self, ip: Ipv6Addr) -> bool {
        u128::from(ip) & mask128(self.len) == self.addr
    }

    /// First and last address, as integers.
    pub fn bounds(self) -> (u128, u128) {
        (self.addr, self.addr | !mask128(self.len))
    }
}

impl fmt::Display for Cidr6 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(), self.len)
    }
}

fn mask32(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

fn mask128(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    }
}

/// A CIDR of either family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Cidr {
    V4(Cidr4),
    V6(Cidr6),
}

impl Cidr {
    /// The network of `addr/len` (host bits cleared); `None` if `len` is
    /// too long for the family.
    pub fn new(addr: IpAddr, len: u8) -> Option<Cidr> {
        match addr {
            IpAddr::V4(a) => Cidr4::new(a, len).map(Cidr::V4),
            IpAddr::V6(a) => Cidr6::new(a, len).map(Cidr::V6),
        }
    }

    /// The family.
    pub fn family(self) -> Family {
        match self {
            Cidr::V4(_) => Family::V4,
            Cidr::V6(_) => Family::V6,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cidr::V4(c) => c.fmt(f),
            Cidr::V6(c) => c.fmt(f),
        }
    }
}

/// CIDRs of both families. An IPv4 address is only ever compared with
/// the IPv4 entries, an IPv6 address with the IPv6 entries (an
/// IPv4-mapped IPv6 address is an IPv6 address here).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct AddrList {
    v4: Vec<Cidr4>,
    v6: Vec<Cidr6>,
}

impl AddrList {
    /// A list of `cidrs`, sorted and without duplicates.
    pub fn new(cidrs: impl IntoIterator<Item = Cidr>) -> AddrList {
        let mut list = AddrList::default();
        for cidr in cidrs {
            match cidr {
                Cidr::V4(c) => list.v4.push(c),
                Cidr::V6(c) => list.v6.push(c),
            }
        }
        list.v4.sort_unstable();
        list.v4.dedup();
        list.v6.sort_unstable();
        list.v6.dedup();
        list
    }

    /// The IPv4 entries, sorted.
    pub fn v4(&self) -> &[Cidr4] {
        &self.v4
    }

    /// The IPv6 entries, sorted.
    pub fn v6(&self) -> &[Cidr6] {
        &self.v6
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether some entry of the address's family contains it.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.iter().any(|c| c.contains(a)),
            IpAddr::V6(a) => self.v6.iter().any(|c| c.contains(a)),
        }
    }

    /// The single family of all entries, if they share one.
    pub fn only_family(&self) -> Option<Family> {
        match (self.v4.is_empty(), self.v6.is_empty()) {
            (false, true) => Some(Family::V4),
            (true, false) => Some(Family::V6),
            _ => None,
        }
    }

    /// Every entry, IPv4 first.
    pub fn iter(&self) -> impl Iterator<Item = Cidr> + '_ {
        self.v4
            .iter()
            .map(|&c| Cidr::V4(c))
            .chain(self.v6.iter().map(|&c| Cidr::V6(c)))
    }
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PortRange {
    low: u16,
    high: u16,
}

impl PortRange {
    /// `low..high`; `None` if `low > high`.
    pub fn new(low: u16, high: u16) -> Option<PortRange> {
        (low <= high).then_some(PortRange { low, high })
    }

    /// One port.
    pub fn single(port: u16) -> PortRange {
        PortRange {
            low: port,
            high: port,
        }
    }

    /// Lowest port.
    pub fn low(self) -> u16 {
        self.low
    }

    /// Highest port.
    pub fn high(self) -> u16 {
        self.high
    }

    /// Whether `port` is in the range.
    pub fn contains(self, port: u16) -> bool {
        self.low <= port && port <= self.high
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else {
            write!(f, "{}..{}", self.low, self.high)
        }
    }
}

/// Ports as sorted, merged ranges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct PortList {
    ranges: Vec<PortRange>,
}

impl PortList {
    /// The union of `ranges`, sorted and merged.
    pub fn new(ranges: impl IntoIterator<Item = PortRange>) -> PortList {
        let mut sorted: Vec<PortRange> = ranges.into_iter().collect();
        sorted.sort_unstable();
        let mut merged: Vec<PortRange> = Vec::with_capacity(sorted.len());
        for range in sorted {
            match merged.last_mut() {
                Some(last) if u32::from(range.low) <= u32::from(last.high) + 1 => {
                    last.high = last.high.max(range.high);
                }
                _ => merged.push(range),
            }
        }
        PortList { ranges: merged }
    }

    /// The merged ranges, sorted.
    pub fn ranges(&self) -> &[PortRange] {
        &self.ranges
    }

    /// Whether `port` is in the list.
    pub fn contains(&self, port: u16) -> bool {
        self.ranges.iter().any(|r| r.contains(port))
    }

    /// Whether every port of `other` is in `self`.
    pub fn covers(&self, other: &PortList) -> bool {
        other.ranges.iter().all(|r| {
            // Ranges are merged, so a covered range lies inside one range.
            let i = self.ranges.partition_point(|s| s.high < r.low);
            self.ranges
                .get(i)
                .is_some_and(|s| s.low <= r.low && r.high <= s.high)
        })
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_clear_host_bits_and_contain() {
        let c = Cidr4::new(Ipv4Addr::new(10, 1, 2, 3), 8).unwrap();
        assert_eq!(c.to_string(), "10.0.0.0/8");
        assert!(c.contains(Ipv4Addr::new(10, 255, 0, 1)));
        assert!(!c.contains(Ipv4Addr::new(11, 0, 0, 0)));
        assert!(Cidr4::new(Ipv4Addr::UNSPECIFIED, 33).is_none());
        let any = Cidr4::new(Ipv4Addr::new(1, 2, 3, 4), 0).unwrap();
        assert!(any.contains(Ipv4Addr::BROADCAST));
        let v6 = Cidr6::new("fd00::1".parse().unwrap(), 8).unwrap();
        assert_eq!(v6.to_string(), "fd00::/8");
        assert!(v6.contains("fdff::1".parse().unwrap()));
        assert_eq!(Cidr6::new(Ipv6Addr::LOCALHOST, 128).unwrap().bounds().0, 1);
    }

    #[test]
    fn address_lists_keep_families_apart() {
        let list = AddrList::new([
            Cidr::new("10.0.0.0".parse().unwrap(), 8).unwrap(),
            Cidr::new("fd00::".parse().unwrap(), 8).unwrap(),
            Cidr::new("10.0.0.0".parse().unwrap(), 8).unwrap(),
        ]);
        assert_eq!(list.len(), 2);
        assert!(list.contains("10.9.9.9".parse().unwrap()));
        assert!(list.contains("fd12::1".parse().unwrap()));
        // An IPv4-mapped IPv6 address is IPv6: only v6 entries apply.
        assert!(!list.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert_eq!(list.only_family(), None);
    }

    #[test]
    fn port_lists_merge_and_cover() {
        let list = PortList::new([
            PortRange::single(443),
            PortRange::new(80, 90).unwrap(),
            PortRange::new(91, 100).unwrap(),
            PortRange::single(85),
        ]);
        assert_eq!(list.ranges().len(), 2);
        assert_eq!(list.ranges()[0], PortRange::new(80, 100).unwrap());
        assert!(list.covers(&PortList::new([PortRange::new(85, 95).unwrap()])));
        assert!(!list.covers(&PortList::new([PortRange::new(95, 443).unwrap()])));
        assert!(list.covers(&PortList::default()));
        assert!(PortRange::new(2, 1).is_none());
        let full = PortList::new([PortRange::new(0, 65535).unwrap(), PortRange::single(65535)]);
        assert_eq!(full.ranges().len(), 1);
    }
}
