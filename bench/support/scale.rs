//! The generated policies of the scale benchmark (exact shapes are written
//! down in `docs/benchmarks.md`; keep the two in step).
//!
//! * [`rules_policy`]`(n)`: one ingress policy with `n` rules. Rule `i`
//!   has its own source network (`10.A.B.0/24` with `A = 16 + i / 256`,
//!   `B = i % 256`) and its own port (`1024 + i`); by `i % 10`:
//!   0, 1, 2, 4: `allow tcp from NET to port P`;
//!   3: `allow tcp from { NET/25 half, NET/26 quarter } to port P`;
//!   5, 6: `allow udp from NET to port P`;
//!   7: `allow tcp from fd00:A:B::/64 to port P` (IPv6);
//!   8: `deny tcp from 10.A.B.7 to port P`;
//!   9: `allow icmp type echo-request from NET`.
//!   `default deny`. No two neighbours differ in a single list, so
//!   Palisade's rule merging does not shrink the policy: this is the
//!   worst case for a linear chain.
//! * [`set_policy`]`(n)`: one rule, `allow tcp from nets to port
//!   svc_ports`, with `n` entries in each named set. Address entry `i` by
//!   `i % 5`: 0: `10.A.B.0/24`; 1: the host `172.16.0.0 + i`; 2: the /28
//!   at `100.64.0.0 + 16 i`; 3: the /20 at `20.0.0.0 + 4096 i`; 4:
//!   `2001:db8:I::/48` (IPv6, `I` = `i` in hex). Port entry `i`:
//!   `1024 + 6 i`.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// The sizes measured.
pub const SIZES: [usize; 5] = [1, 10, 100, 1_000, 10_000];

fn net(i: usize) -> (usize, usize) {
    (16 + i / 256, i % 256)
}

/// The kind of rule `i` (see the module doc).
fn rule(i: usize) -> String {
    let (a, b) = net(i);
    let port = 1024 + i;
    match i % 10 {
        0 | 1 | 2 | 4 => format!("allow tcp from 10.{a}.{b}.0/24 to port {port}"),
        3 => format!("allow tcp from {{ 10.{a}.{b}.0/25, 10.{a}.{b}.128/26 }} to port {port}"),
        5 | 6 => format!("allow udp from 10.{a}.{b}.0/24 to port {port}"),
        7 => format!("allow tcp from fd00:{a:x}:{b:x}::/64 to port {port}"),
        8 => format!("deny tcp from 10.{a}.{b}.7 to port {port}"),
        _ => format!("allow icmp type echo-request from 10.{a}.{b}.0/24"),
    }
}

/// A policy with `n` rules.
pub fn rules_policy(n: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {n} generated rules (bench/support/scale.rs)");
    let _ = writeln!(s, "policy scale on ingress {{");
    let _ = writeln!(s, "  apply to namespace \"bench\"");
    for i in 0..n {
        let _ = writeln!(s, "  {}", rule(i));
    }
    let _ = writeln!(s, "  default deny");
    let _ = writeln!(s, "}}");
    s
}

/// The probe packets of the rules policy: the first rule, the last IPv4
/// tcp `allow` rule, and a packet no rule matches (it walks the whole
/// IPv4 tcp chain; the worst case).
pub fn rules_probes(n: usize) -> Vec<(&'static str, String)> {
    let last = (0..n)
        .rev()
        .find(|i| matches!(i % 10, 0 | 1 | 2 | 4))
        .unwrap_or(0);
    let probe = |i: usize| {
        let (a, b) = net(i);
        format!("tcp 10.{a}.{b}.9:40000 -> 10.1.0.5:{}", 1024 + i)
    };
    vec![
        ("first rule", probe(0)),
        ("last tcp rule", probe(last)),
        (
            "no match (default)",
            "tcp 192.0.2.1:40000 -> 10.1.0.5:80".to_string(),
        ),
    ]
}

/// Address entry `i` of the set policy.
fn set_entry(i: usize) -> String {
    let (a, b) = net(i);
    let v4 = |base: [u8; 4], add: usize| Ipv4Addr::from(u32::from_be_bytes(base) + add as u32);
    match i % 5 {
        0 => format!("10.{a}.{b}.0/24"),
        1 => format!("{}/32", v4([172, 16, 0, 0], i)),
        2 => format!("{}/28", v4([100, 64, 0, 0], 16 * i)),
        3 => format!("{}/20", v4([20, 0, 0, 0], 4096 * i)),
        _ => format!("2001:db8:{i:x}::/48"),
    }
}

/// A one-rule policy whose address and port sets hold `n` entries each.
pub fn set_policy(n: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# sets of {n} entries (bench/support/scale.rs)");
    let nets: Vec<String> = (0..n).map(set_entry).collect();
    let ports: Vec<String> = (0..n).map(|i| (1024 + 6 * i).to_string()).collect();
    let _ = writeln!(s, "set nets = {{ {} }}", nets.join(", "));
    let _ = writeln!(s, "set svc_ports = {{ {} }}", ports.join(", "));
    let _ = writeln!(s, "policy sets on ingress {{");
    let _ = writeln!(s, "  apply to namespace \"bench\"");
    let _ = writeln!(s, "  allow tcp from nets to port svc_ports");
    let _ = writeln!(s, "  default deny");
    let _ = writeln!(s, "}}");
    s
}

/// The probe packets of the set policy.
pub fn set_probes() -> Vec<(&'static str, String)> {
    vec![
        ("hit v4", "tcp 10.16.0.9:40000 -> 10.1.0.5:1024".to_string()),
        (
            "miss v4 (address)",
            "tcp 198.18.0.1:40000 -> 10.1.0.5:1024".to_string(),
        ),
        (
            "miss v4 (port)",
            "tcp 10.16.0.9:40000 -> 10.1.0.5:1025".to_string(),
        ),
        (
            "miss v6 (address)",
            "tcp [2001:db9::1]:40000 -> [fd00:1::5]:1024".to_string(),
        ),
    ]
}
