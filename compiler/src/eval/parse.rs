//! Packet text (`tcp 10.1.2.3:40000 -> 10.0.0.5:443`) to [`Packet`]: the
//! same grammar and checks as packets in `expect` lines.

use crate::check::lower_packet;
use crate::issue::Issue;
use crate::model::Packet;
use crate::parse;

/// Parses and validates packet text. Issue spans point into `text`.
pub fn parse_packet(text: &str) -> Result<Packet, Vec<Issue>> {
    let spec = parse::parse_packet(text)?;
    lower_packet(&spec, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::Code;

    #[test]
    fn display_and_parse_agree() {
        for text in [
            "tcp 10.1.2.3:40000 -> 10.0.0.5:443",
            "ingress udp [fd00::1]:53 -> [fd00::2]:5353",
            "icmp 10.0.0.1 -> 10.0.0.2 type echo-request code 0",
            "icmpv6 fd00::1 -> fd00::2 type 200 code 3",
            "udp 10.0.0.1 -> 10.0.0.2 fragment",
            "proto 47 10.0.0.1 -> 10.0.0.2",
        ] {
            let packet = parse_packet(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(packet.to_string(), text);
        }
    }

    #[test]
    fn impossible_packets_are_rejected() {
        let code = |text: &str| parse_packet(text).unwrap_err()[0].code();
        assert_eq!(code("tcp 10.0.0.1 -> 10.0.0.2:80"), Code::InvalidPacket);
        assert_eq!(code("tcp 10.0.0.1:1 -> [fd00::1]:80"), Code::FamilyConflict);
        assert_eq!(code("icmp 10.0.0.1 -> 10.0.0.2"), Code::InvalidPacket);
        assert_eq!(code("icmp fd00::1 -> fd00::2 type 8"), Code::InvalidPacket);
        assert_eq!(
            code("udp 10.0.0.1:1 -> 10.0.0.2:2 fragment"),
            Code::InvalidPacket
        );
        assert_eq!(code("tcp 10.0.0.0/8:1 -> 10.0.0.2:2"), Code::InvalidAddress);
        assert_eq!(
            code("tcp 10.0.0.1:70000 -> 10.0.0.2:2"),
            Code::PortOutOfRange
        );
        assert_eq!(
            code("sideways tcp 10.0.0.1:1 -> 10.0.0.2:2"),
            Code::InvalidPacket
        );
    }
}
