//! Edge-case frames derived from the benchmark frames, so the correctness
//! test also covers the parser paths the benchmark mixes do not take:
//! VLAN tags (one, two, three), IPv4 options, an IPv6 hop-by-hop header,
//! non-first fragments, truncated transport headers, and ARP.
//!
//! What each frame *is* stays the reference parser's call
//! (`codegen::wire::parse_frame`); these functions only shape bytes.

use palisade_compiler::codegen::wire::{self, ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6};
use palisade_compiler::eval::parse_packet;

fn ethertype(frame: &[u8]) -> u16 {
    u16::from_be_bytes([frame[12], frame[13]])
}

/// `frame` with VLAN tags (TPIDs in order, outermost first) after the MACs.
pub fn with_vlan_tags(frame: &[u8], tpids: &[u16]) -> Vec<u8> {
    let mut out = frame[..12].to_vec();
    for (i, tpid) in tpids.iter().enumerate() {
        out.extend_from_slice(&tpid.to_be_bytes());
        out.extend_from_slice(&(100 + i as u16).to_be_bytes());
    }
    out.extend_from_slice(&frame[12..]);
    out
}

/// An IPv4 frame with 4 bytes of options (IHL 6); other frames as given.
pub fn with_ipv4_options(frame: &[u8]) -> Vec<u8> {
    if ethertype(frame) != ETH_P_IP {
        return frame.to_vec();
    }
    let mut out = frame[..14 + 20].to_vec();
    out[14] = 0x46;
    out.extend_from_slice(&[1, 1, 1, 0]);
    out.extend_from_slice(&frame[14 + 20..]);
    out
}

/// An IPv6 frame with an 8-byte hop-by-hop header in front of the
/// transport; other frames as given.
pub fn with_hop_by_hop(frame: &[u8]) -> Vec<u8> {
    if ethertype(frame) != ETH_P_IPV6 {
        return frame.to_vec();
    }
    let next = frame[14 + 6];
    let mut out = frame[..14 + 40].to_vec();
    out[14 + 6] = 0;
    out.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
    out.extend_from_slice(&frame[14 + 40..]);
    out
}

/// The frame cut two bytes into its transport header (the ports of
/// TCP/UDP are then cut short: malformed).
pub fn truncated(frame: &[u8]) -> Vec<u8> {
    let ip = match ethertype(frame) {
        ETH_P_IPV6 => 40,
        _ => 20,
    };
    frame[..(14 + ip + 2).min(frame.len())].to_vec()
}

/// An ARP request frame (not IP: every filter lets it through).
pub fn arp() -> Vec<u8> {
    let mut f = vec![0u8; 42];
    f[..6].copy_from_slice(&[0xff; 6]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    f[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    f
}

/// The non-first fragment of the packet `text` (no ports, no ICMP header).
pub fn fragment_of(text: &str) -> Vec<u8> {
    let mut packet = parse_packet(text).expect("benchmark packets parse");
    packet.fragment = true;
    packet.src_port = None;
    packet.dst_port = None;
    packet.icmp = None;
    wire::build_frame(&packet)
}

/// Every edge-case variant of the benchmark packets `texts`.
pub fn edge_frames(texts: &[&str]) -> Vec<Vec<u8>> {
    let mut out = vec![arp()];
    for text in texts {
        let packet = parse_packet(text).expect("benchmark packets parse");
        let frame = wire::build_frame(&packet);
        out.push(with_vlan_tags(&frame, &[ETH_P_8021Q]));
        out.push(with_vlan_tags(&frame, &[ETH_P_8021AD, ETH_P_8021Q]));
        out.push(with_vlan_tags(
            &frame,
            &[ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q],
        ));
        out.push(with_ipv4_options(&frame));
        out.push(with_hop_by_hop(&frame));
        out.push(truncated(&frame));
        out.push(fragment_of(text));
    }
    out
}
