//! Random policies (as `.pol` text) and random Ethernet frames for the
//! differential tests. Deterministic for a seed.
//!
//! Policies draw addresses and ports from a small universe, and frames
//! draw from the same universe, so rules match often. Frames also get
//! VLAN tags, IPv4 options, IPv6 extension headers, fragments, truncation
//! and corrupted versions; what a frame *is* (not IP, malformed, which
//! packet) is decided by the reference parser, not by the generator.

use std::fmt::Write as _;

/// xorshift64*: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const V4_NETS: &[[u8; 4]] = &[
    [10, 0, 0, 0],
    [10, 1, 0, 0],
    [10, 1, 2, 0],
    [192, 168, 1, 0],
];
const V6_NETS: &[[u16; 8]] = &[
    [0xfd00, 0, 0, 0, 0, 0, 0, 0],
    [0xfd00, 1, 0, 0, 0, 0, 0, 0],
    [0xfd00, 1, 2, 0, 0, 0, 0, 0],
];
const PORTS: &[u16] = &[22, 53, 80, 443, 8080, 8081, 30000];

/// A random IPv4 address near the universe.
pub fn v4(rng: &mut Rng) -> [u8; 4] {
    let mut a = *rng.pick(V4_NETS);
    a[2] = if rng.chance(50) {
        a[2]
    } else {
        rng.below(4) as u8
    };
    a[3] = rng.below(8) as u8;
    a
}

/// A random IPv6 address near the universe.
pub fn v6(rng: &mut Rng) -> [u8; 16] {
    let n = *rng.pick(V6_NETS);
    let mut out = [0u8; 16];
    for (i, w) in n.iter().enumerate() {
        out[i * 2..i * 2 + 2].copy_from_slice(&w.to_be_bytes());
    }
    if rng.chance(50) {
        out[5] = rng.below(4) as u8;
    }
    out[15] = rng.below(8) as u8;
    out
}

fn v4_text(a: [u8; 4]) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

fn v6_text(a: [u8; 16]) -> String {
    std::net::Ipv6Addr::from(a).to_string()
}

/// Which address families a rule's inline lists may hold.
#[derive(Clone, Copy, PartialEq)]
enum Fam {
    V4,
    V6,
    /// Lists hold both families (so no side restricts the rule).
    Both,
}

fn cidr(rng: &mut Rng, v4_family: bool) -> String {
    if v4_family {
        let len = *rng.pick(&[8u8, 16, 24, 29, 32]);
        let a = u32::from_be_bytes(v4(rng));
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        format!("{}/{len}", v4_text((a & mask).to_be_bytes()))
    } else {
        let len = *rng.pick(&[16u8, 32, 48, 125, 128]);
        let a = u128::from_be_bytes(v6(rng));
        let mask = if len == 0 {
            0
        } else {
            u128::MAX << (128 - len)
        };
        format!("{}/{len}", v6_text((a & mask).to_be_bytes()))
    }
}

fn any_cidr(rng: &mut Rng) -> String {
    let v4 = rng.chance(60);
    cidr(rng, v4)
}

fn cidr_list(rng: &mut Rng, fam: Fam) -> String {
    let n = 1 + rng.below(5);
    let mut items: Vec<String> = (0..n)
        .map(|i| match fam {
            Fam::V4 => cidr(rng, true),
            Fam::V6 => cidr(rng, false),
            Fam::Both => cidr(rng, i % 2 == 0),
        })
        .collect();
    if fam == Fam::Both && items.len() == 1 {
        items.push(cidr(rng, false));
    }
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("{{ {} }}", items.join(", "))
    }
}

fn port_list(rng: &mut Rng) -> String {
    let n = 1 + rng.below(6);
    let items: Vec<String> = (0..n)
        .map(|_| {
            if rng.chance(25) {
                let lo = rng.below(40000) as u16;
                format!("{lo}..{}", lo.saturating_add(rng.below(5000) as u16))
            } else {
                rng.pick(PORTS).to_string()
            }
        })
        .collect();
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("{{ {} }}", items.join(", "))
    }
}

/// A random `.pol` file with one to three policies or guards.
pub fn policy_source(rng: &mut Rng) -> String {
    let mut s = String::new();
    let addr_sets = rng.below(3);
    let port_sets = rng.below(2);
    for i in 0..addr_sets {
        let _ = writeln!(
            s,
            "set a{i} = {{ {} }}",
            (0..1 + rng.below(4))
                .map(|_| any_cidr(rng))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for i in 0..port_sets {
        let _ = writeln!(s, "set p{i} = {}", {
            let l = port_list(rng);
            if l.starts_with('{') {
                l
            } else {
                format!("{{ {l} }}")
            }
        });
    }
    let programs = 1 + rng.below(3);
    for n in 0..programs {
        let guard = rng.chance(30);
        let (allow, deny) = if guard {
            ("pass", "drop")
        } else {
            ("allow", "deny")
        };
        if guard {
            let _ = writeln!(s, "guard g{n} on xdp {{");
        } else {
            let hook = if rng.chance(50) { "ingress" } else { "egress" };
            let audit = if rng.chance(15) { " audit" } else { "" };
            let _ = writeln!(s, "policy p{n}x on {hook}{audit} {{");
            let _ = writeln!(s, "  apply to namespace \"ns\"");
        }
        for _ in 0..1 + rng.below(12) {
            let verdict = if rng.chance(50) { allow } else { deny };
            let mut line = format!("  {verdict}");
            let proto = *rng.pick(&[
                "",
                "",
                "tcp",
                "udp",
                "icmp",
                "icmpv6",
                "sctp",
                "gre",
                "proto 253",
            ]);
            if !proto.is_empty() {
                line += &format!(" {proto}");
            }
            let has_ports = matches!(proto, "tcp" | "udp" | "sctp");
            let fam = match proto {
                "icmp" => Fam::V4,
                "icmpv6" => Fam::V6,
                _ => *rng.pick(&[Fam::V4, Fam::V6, Fam::Both]),
            };
            if matches!(proto, "icmp" | "icmpv6") && rng.chance(60) {
                let ty = if proto == "icmp" {
                    *rng.pick(&["echo-request", "echo-reply", "3"])
                } else {
                    *rng.pick(&["echo-request", "neighbor-solicitation", "1"])
                };
                line += &format!(" type {ty}");
                if rng.chance(30) {
                    line += &format!(" code {}", rng.below(2));
                }
            }
            for side in ["from", "to"] {
                let addr = if rng.chance(45) {
                    Some(if addr_sets > 0 && rng.chance(40) {
                        format!("a{}", rng.below(addr_sets))
                    } else {
                        cidr_list(rng, fam)
                    })
                } else {
                    None
                };
                let port = if has_ports && rng.chance(50) {
                    Some(if port_sets > 0 && rng.chance(40) {
                        format!("p{}", rng.below(port_sets))
                    } else {
                        port_list(rng)
                    })
                } else {
                    None
                };
                match (addr, port) {
                    (Some(a), Some(p)) => line += &format!(" {side} {a} port {p}"),
                    (Some(a), None) => line += &format!(" {side} {a}"),
                    (None, Some(p)) => line += &format!(" {side} port {p}"),
                    (None, None) => {}
                }
            }
            if rng.chance(20) {
                line += " count";
            }
            if rng.chance(10) {
                line += " log";
            }
            let _ = writeln!(s, "{line}");
        }
        let default = if rng.chance(50) { allow } else { deny };
        let count = if rng.chance(30) { " count" } else { "" };
        let _ = writeln!(s, "  default {default}{count}\n}}");
    }
    s
}

/// A random `.pol` file with one long policy or guard (48 to 200 rules of
/// inline lists, with a few named-set rules among them), so that codegen
/// moves rules into rule tables.
pub fn long_policy_source(rng: &mut Rng) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "set a0 = {{ {} }}",
        (0..3).map(|_| any_cidr(rng)).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(s, "set p0 = {{ 22, 8080 }}");
    let guard = rng.chance(30);
    let (allow, deny) = if guard {
        ("pass", "drop")
    } else {
        ("allow", "deny")
    };
    if guard {
        let _ = writeln!(s, "guard g on xdp {{");
    } else {
        let audit = if rng.chance(15) { " audit" } else { "" };
        let _ = writeln!(
            s,
            "policy p on ingress{audit} {{\n  apply to namespace \"ns\""
        );
    }
    // Few rule shapes, as in real long policies: one prefix length per
    // family for most rules, a second one now and then.
    let v4_lens = [*rng.pick(&[16u8, 24, 32]); 9]
        .into_iter()
        .chain([*rng.pick(&[8u8, 29])])
        .collect::<Vec<_>>();
    let v6_lens = [*rng.pick(&[48u8, 64, 128]); 9]
        .into_iter()
        .chain([*rng.pick(&[32u8, 120])])
        .collect::<Vec<_>>();
    let net = |rng: &mut Rng, fam: Fam| -> String {
        let v4_family = match fam {
            Fam::V4 => true,
            Fam::V6 => false,
            Fam::Both => rng.chance(50),
        };
        if v4_family {
            let len = *rng.pick(&v4_lens);
            let a = u32::from_be_bytes(v4(rng)) & (u32::MAX << (32 - len));
            format!("{}/{len}", v4_text(a.to_be_bytes()))
        } else {
            let len = *rng.pick(&v6_lens);
            let a = u128::from_be_bytes(v6(rng)) & (u128::MAX << (128 - len));
            format!("{}/{len}", v6_text(a.to_be_bytes()))
        }
    };
    let list = |rng: &mut Rng, fam: Fam| -> String {
        match fam {
            Fam::Both => format!("{{ {}, {} }}", net(rng, Fam::V4), net(rng, Fam::V6)),
            _ if rng.chance(30) => format!("{{ {}, {} }}", net(rng, fam), net(rng, fam)),
            _ => net(rng, fam),
        }
    };
    let n = 100 + rng.below(200);
    for _ in 0..n {
        let verdict = if rng.chance(50) { allow } else { deny };
        let proto = *rng.pick(&["tcp", "tcp", "tcp", "udp", "udp", "icmp", "icmpv6", ""]);
        let fam = match proto {
            "icmp" => Fam::V4,
            "icmpv6" => Fam::V6,
            _ => *rng.pick(&[Fam::V4, Fam::V6, Fam::Both]),
        };
        let mut line = format!("  {verdict}");
        if !proto.is_empty() {
            line += &format!(" {proto}");
        }
        if proto.starts_with("icmp") && rng.chance(70) {
            line += &format!(" type {}", *rng.pick(&["0", "3", "8", "128", "135"]));
            if rng.chance(30) {
                line += &format!(" code {}", rng.below(2));
            }
        }
        let mut sides = 0;
        if rng.chance(5) {
            line += " from a0";
            sides += 1;
        } else {
            // Every rule names a source: a rule without conditions would
            // end its chains early.
            line += &format!(" from {}", list(rng, fam));
            sides += 1;
        }
        if rng.chance(20) {
            line += &format!(" to {}", list(rng, fam));
            sides += 1;
        }
        if matches!(proto, "tcp" | "udp") && rng.chance(75) {
            // The port belongs to the last endpoint written.
            let ports = if rng.chance(7) {
                "p0".to_string()
            } else if rng.chance(10) {
                port_list(rng)
            } else if rng.chance(20) {
                let lo = *rng.pick(PORTS);
                format!(
                    "{{ {lo}..{}, {} }}",
                    lo + rng.below(16) as u16,
                    rng.pick(PORTS)
                )
            } else {
                rng.pick(PORTS).to_string()
            };
            line += &if sides == 0 {
                format!(" to port {ports}")
            } else {
                format!(" port {ports}")
            };
        }
        if rng.chance(10) {
            line += " count";
        }
        if rng.chance(5) {
            line += " log";
        }
        let _ = writeln!(s, "{line}");
    }
    let default = if rng.chance(50) { allow } else { deny };
    let _ = writeln!(s, "  default {default} count\n}}");
    s
}

/// A random Ethernet frame (see the module doc).
pub fn frame(rng: &mut Rng) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    let tags = *rng.pick(&[0u64, 0, 0, 0, 1, 2, 3]);
    for _ in 0..tags {
        let tpid: u16 = if rng.chance(50) { 0x8100 } else { 0x88a8 };
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&(rng.below(4096) as u16).to_be_bytes());
    }
    let v6 = rng.chance(45);
    let ethertype: u16 = if rng.chance(3) {
        0x0806
    } else if v6 {
        0x86dd
    } else {
        0x0800
    };
    f.extend_from_slice(&ethertype.to_be_bytes());
    let protocol = *rng.pick(&[6u8, 6, 17, 17, 1, 58, 132, 47, 253]);
    let fragment = rng.chance(8);
    if v6 {
        let exts = *rng.pick(&[0usize, 0, 0, 1, 2, 3, 9]);
        let mut ext = Vec::new();
        let mut kinds = Vec::new();
        for _ in 0..exts {
            kinds.push(*rng.pick(&[0u8, 43, 60, 51, 44]));
        }
        if fragment {
            kinds.push(44);
        }
        let first = kinds.first().copied().unwrap_or(protocol);
        for (i, kind) in kinds.iter().enumerate() {
            let next = kinds.get(i + 1).copied().unwrap_or(protocol);
            match kind {
                44 => {
                    let last = i + 1 == kinds.len();
                    let off: u16 = if fragment && last { 0x0100 } else { 0 };
                    ext.extend_from_slice(&[next, 0]);
                    ext.extend_from_slice(&off.to_be_bytes());
                    ext.extend_from_slice(&[0, 0, 0, 7]);
                }
                51 => {
                    ext.extend_from_slice(&[next, 1, 0, 0]);
                    ext.extend_from_slice(&[0; 8]);
                }
                _ => {
                    let units = rng.below(2) as u8;
                    ext.extend_from_slice(&[next, units]);
                    ext.extend(std::iter::repeat_n(1u8, 6 + 8 * units as usize));
                }
            }
        }
        let version = if rng.chance(2) { 0x40 } else { 0x60 };
        f.extend_from_slice(&[version, 0, 0, 0, 0, 0, first, 64]);
        f.extend_from_slice(&v6_pick(rng));
        f.extend_from_slice(&v6_pick(rng));
        f.extend_from_slice(&ext);
    } else {
        let options = if rng.chance(15) {
            rng.below(10) as u8
        } else {
            0
        };
        let ihl = if rng.chance(2) { 4 } else { 5 + options };
        let version = if rng.chance(2) { 0x60 } else { 0x40 };
        let frag: u16 = if fragment {
            0x2000 | (1 + rng.below(100) as u16)
        } else if rng.chance(5) {
            0x2000
        } else {
            0
        };
        f.extend_from_slice(&[version | ihl, 0, 0, 40, 0, 1]);
        f.extend_from_slice(&frag.to_be_bytes());
        f.extend_from_slice(&[64, protocol, 0, 0]);
        f.extend_from_slice(&v4_pick(rng));
        f.extend_from_slice(&v4_pick(rng));
        f.extend(std::iter::repeat_n(1u8, options as usize * 4));
    }
    match protocol {
        6 | 17 | 132 => {
            f.extend_from_slice(&port_pick(rng).to_be_bytes());
            f.extend_from_slice(&port_pick(rng).to_be_bytes());
            f.extend_from_slice(&[0; 16]);
        }
        1 | 58 => {
            f.push(*rng.pick(&[0u8, 8, 3, 128, 129, 135, 1]));
            f.push(rng.below(2) as u8);
            f.extend_from_slice(&[0; 6]);
        }
        _ => f.extend_from_slice(&[0; 8]),
    }
    if rng.chance(10) {
        let keep = rng.below(f.len() as u64 + 1) as usize;
        f.truncate(keep);
    }
    f
}

fn v4_pick(rng: &mut Rng) -> [u8; 4] {
    if rng.chance(85) {
        v4(rng)
    } else {
        (rng.next() as u32).to_be_bytes()
    }
}

fn v6_pick(rng: &mut Rng) -> [u8; 16] {
    if rng.chance(85) {
        v6(rng)
    } else {
        (u128::from(rng.next()) << 64 | u128::from(rng.next())).to_be_bytes()
    }
}

fn port_pick(rng: &mut Rng) -> u16 {
    if rng.chance(70) {
        *rng.pick(PORTS)
    } else {
        rng.below(65536) as u16
    }
}

/// Frames for a checked file: one per `expect` line (built from its
/// packet), then `random` random frames.
pub fn sample_frames(
    checked: &palisade_compiler::model::Checked,
    rng: &mut Rng,
    random: usize,
) -> Vec<Vec<u8>> {
    let mut frames: Vec<Vec<u8>> = checked
        .tests
        .iter()
        .flat_map(|t| &t.expects)
        .map(|e| palisade_compiler::codegen::wire::build_frame(&e.packet))
        .collect();
    frames.extend((0..random).map(|_| frame(rng)));
    frames
}
