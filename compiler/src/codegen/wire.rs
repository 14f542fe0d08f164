//! The reference meaning of raw frames: which bytes make which
//! [`Packet`], and which frames are not IP or malformed.
//!
//! Generated code ([`super::frame`]) must agree with [`parse_frame`] on
//! every frame; the differential tests check that. Rules:
//!
//! * **Not IP** (let through by every filter, never counted): a frame
//!   shorter than an Ethernet header, a VLAN tag cut short, more than two
//!   VLAN tags, or an EtherType other than IPv4/IPv6 (ARP must work).
//! * **Malformed** (blocked, counted as the filter's last outcome; audit
//!   mode lets it through): an IPv4 header shorter than 20 bytes, with a
//!   version other than 4, a header length below 5 words or beyond the
//!   frame; an IPv6 header shorter than 40 bytes or with a version other
//!   than 6; an extension header cut short or running past the frame; a
//!   ninth extension header; a transport header too short for its ports
//!   (4 bytes of TCP, UDP, SCTP) or its ICMP type and code (2 bytes), in a
//!   packet that is not a non-first fragment.
//! * Otherwise an IP [`Packet`]: a non-first fragment (IPv4 fragment
//!   offset, or an IPv6 fragment header with a non-zero offset) has no
//!   ports or ICMP fields, and its protocol is the one named in the IP
//!   header (IPv6: the fragment header's next header).
//!
//! Lengths in IP headers (total length, payload length) are not checked:
//! the packet is what the frame holds.

use crate::model::{Direction, IcmpHeader, Packet, Protocol};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const ETH_P_IP: u16 = 0x0800;
pub const ETH_P_IPV6: u16 = 0x86dd;
pub const ETH_P_8021Q: u16 = 0x8100;
pub const ETH_P_8021AD: u16 = 0x88a8;
/// Extension headers an IPv6 packet may have before it is malformed.
pub const MAX_IPV6_EXT_HEADERS: u32 = 8;

/// What a frame is, to a filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    NotIp,
    Malformed,
    Ip(Packet),
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Parses an Ethernet frame. `direction` is copied into the packet.
pub fn parse_frame(frame: &[u8], direction: Option<Direction>) -> Frame {
    let Some(mut ethertype) = be16(frame, 12) else {
        return Frame::NotIp;
    };
    let mut at = 14;
    for _ in 0..2 {
        if ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD {
            match be16(frame, at + 2) {
                Some(t) => ethertype = t,
                None => return Frame::NotIp,
            }
            at += 4;
        }
    }
    let ip = &frame[at..];
    let parsed = match ethertype {
        ETH_P_IP => parse_ipv4(ip),
        ETH_P_IPV6 => parse_ipv6(ip),
        _ => return Frame::NotIp,
    };
    match parsed {
        Some((src, dst, protocol, fragment, transport)) => {
            match transport_fields(src, protocol, fragment, transport) {
                Some((src_port, dst_port, icmp)) => Frame::Ip(Packet {
                    direction,
                    protocol,
                    src,
                    dst,
                    src_port,
                    dst_port,
                    icmp,
                    fragment,
                }),
                None => Frame::Malformed,
            }
        }
        None => Frame::Malformed,
    }
}

type Parsed<'a> = (IpAddr, IpAddr, Protocol, bool, &'a [u8]);

fn parse_ipv4(ip: &[u8]) -> Option<Parsed<'_>> {
    if ip.len() < 20 || ip[0] >> 4 != 4 {
        return None;
    }
    let header_len = usize::from(ip[0] & 0x0f) * 4;
    if header_len < 20 || header_len > ip.len() {
        return None;
    }
    let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
    let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
    let fragment = be16(ip, 6)? & 0x1fff != 0;
    Some((
        src.into(),
        dst.into(),
        Protocol(ip[9]),
        fragment,
        &ip[header_len..],
    ))
}

fn parse_ipv6(ip: &[u8]) -> Option<Parsed<'_>> {
    if ip.len() < 40 || ip[0] >> 4 != 6 {
        return None;
    }
    let addr = |at: usize| {
        let bytes: [u8; 16] = ip[at..at + 16].try_into().expect("16 bytes");
        IpAddr::V6(Ipv6Addr::from(bytes))
    };
    let (src, dst) = (addr(8), addr(24));
    let mut next = ip[6];
    let mut at = 40;
    let mut left = MAX_IPV6_EXT_HEADERS;
    loop {
        let len = match next {
            0 | 43 | 60 => 8 * (usize::from(*ip.get(at + 1)?) + 1),
            51 => 4 * (usize::from(*ip.get(at + 1)?) + 2),
            44 => 8,
            _ => break,
        };
        if left == 0 || at + len > ip.len() {
            return None;
        }
        left -= 1;
        let this = next;
        next = ip[at];
        if this == 44 {
            let offset = be16(ip, at + 2)? & 0xfff8;
            at += 8;
            if offset != 0 {
                return Some((src, dst, Protocol(next), true, &ip[at..]));
            }
            continue;
        }
        at += len;
    }
    Some((src, dst, Protocol(next), false, &ip[at..]))
}

type Transport = (Option<u16>, Option<u16>, Option<IcmpHeader>);

/// Ports or ICMP fields; `None` when the header is too short.
fn transport_fields(
    src: IpAddr,
    protocol: Protocol,
    fragment: bool,
    t: &[u8],
) -> Option<Transport> {
    if fragment {
        return Some((None, None, None));
    }
    if protocol.has_ports() {
        return Some((Some(be16(t, 0)?), Some(be16(t, 2)?), None));
    }
    let family = crate::model::Family::of(src);
    if protocol.is_icmp_for(family) {
        let (ty, code) = (*t.first()?, *t.get(1)?);
        return Some((None, None, Some(IcmpHeader { ty, code })));
    }
    Some((None, None, None))
}

/// Builds the frame of a packet (the inverse of [`parse_frame`] for valid
/// packets): Ethernet + IPv4/IPv6 + an 8-byte transport header. Used by
/// `palisade test` and the differential tests.
pub fn build_frame(packet: &Packet) -> Vec<u8> {
    let mut f = vec![0u8; 12];
    f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    let mut transport = Vec::new();
    if !packet.fragment {
        if let (Some(s), Some(d)) = (packet.src_port, packet.dst_port) {
            transport.extend_from_slice(&s.to_be_bytes());
            transport.extend_from_slice(&d.to_be_bytes());
            transport.extend_from_slice(&[0, 8, 0, 0]);
        } else if let Some(icmp) = packet.icmp {
            transport.extend_from_slice(&[icmp.ty, icmp.code, 0, 0, 0, 0, 0, 0]);
        } else {
            transport.extend_from_slice(&[0; 8]);
        }
    } else {
        transport.extend_from_slice(&[0; 8]);
    }
    match (packet.src, packet.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            f.extend_from_slice(&ETH_P_IP.to_be_bytes());
            let total = 20 + transport.len() as u16;
            let frag: u16 = if packet.fragment { 0x00b9 } else { 0 };
            f.extend_from_slice(&[0x45, 0]);
            f.extend_from_slice(&total.to_be_bytes());
            f.extend_from_slice(&[0, 1]);
            f.extend_from_slice(&frag.to_be_bytes());
            f.extend_from_slice(&[64, packet.protocol.0, 0, 0]);
            f.extend_from_slice(&s.octets());
            f.extend_from_slice(&d.octets());
        }
        (s, d) => {
            let (s, d) = (to_v6(s), to_v6(d));
            f.extend_from_slice(&ETH_P_IPV6.to_be_bytes());
            let (next, extra): (u8, Vec<u8>) = if packet.fragment {
                let mut h = vec![packet.protocol.0, 0];
                h.extend_from_slice(&0x05b8u16.to_be_bytes());
                h.extend_from_slice(&[0, 0, 0, 1]);
                (44, h)
            } else {
                (packet.protocol.0, Vec::new())
            };
            let payload = (extra.len() + transport.len()) as u16;
            f.extend_from_slice(&[0x60, 0, 0, 0]);
            f.extend_from_slice(&payload.to_be_bytes());
            f.extend_from_slice(&[next, 64]);
            f.extend_from_slice(&s.octets());
            f.extend_from_slice(&d.octets());
            f.extend_from_slice(&extra);
        }
    }
    f.extend_from_slice(&transport);
    f
}

fn to_v6(a: IpAddr) -> Ipv6Addr {
    match a {
        IpAddr::V6(a) => a,
        IpAddr::V4(a) => a.to_ipv6_mapped(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(src: &str, dst: &str) -> Packet {
        Packet {
            direction: None,
            protocol: Protocol::TCP,
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            src_port: Some(40000),
            dst_port: Some(443),
            icmp: None,
            fragment: false,
        }
    }

    #[test]
    fn built_frames_parse_back() {
        for p in [tcp("10.1.2.3", "10.0.0.5"), tcp("fd00::1", "fd00::2")] {
            assert_eq!(parse_frame(&build_frame(&p), None), Frame::Ip(p.clone()));
            let mut frag = p.clone();
            frag.fragment = true;
            frag.src_port = None;
            frag.dst_port = None;
            assert_eq!(parse_frame(&build_frame(&frag), None), Frame::Ip(frag));
        }
    }

    #[test]
    fn short_and_odd_frames() {
        assert_eq!(parse_frame(&[0; 13], None), Frame::NotIp);
        let mut arp = vec![0u8; 60];
        arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
        assert_eq!(parse_frame(&arp, None), Frame::NotIp);
        let good = build_frame(&tcp("10.1.2.3", "10.0.0.5"));
        // Cut into the TCP ports: malformed.
        assert_eq!(parse_frame(&good[..14 + 20 + 3], None), Frame::Malformed);
        // Cut into the IPv4 header: malformed.
        assert_eq!(parse_frame(&good[..14 + 19], None), Frame::Malformed);
        let mut bad_version = good.clone();
        bad_version[14] = 0x55;
        assert_eq!(parse_frame(&bad_version, None), Frame::Malformed);
    }

    #[test]
    fn vlan_tags_are_skipped() {
        let plain = build_frame(&tcp("10.1.2.3", "10.0.0.5"));
        let mut tagged = plain[..12].to_vec();
        tagged.extend_from_slice(&[0x88, 0xa8, 0, 5, 0x81, 0x00, 0, 7]);
        tagged.extend_from_slice(&plain[12..]);
        assert_eq!(parse_frame(&tagged, None), parse_frame(&plain, None));
    }
}
