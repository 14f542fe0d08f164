//! The code-quality benchmark's policies, C twins and packet mixes.
//!
//! Each mix is a handful of packets (in `palisade explain` syntax) that
//! the policy decides the same way; `engines::Pair::check_frames` checks
//! with the reference semantics that every packet of an "allowed" mix is
//! let through and every packet of a "denied" mix is blocked, so a mix
//! cannot silently change meaning.

use palisade_compiler::codegen::wire;
use palisade_compiler::eval::parse_packet;

/// One benchmark policy and its hand-written C twin.
#[derive(Debug)]
pub struct Case {
    /// Short name for tables.
    pub name: &'static str,
    /// File in `bench/policies`.
    pub policy: &'static str,
    /// File in `bench/c`.
    pub c_source: &'static str,
    /// The `.pol` program; the C function has the same name.
    pub program: &'static str,
    pub mixes: &'static [Mix],
}

/// Packets the policy decides alike.
#[derive(Debug)]
pub struct Mix {
    pub name: &'static str,
    /// Whether the policy lets these packets through.
    pub passes: bool,
    pub packets: &'static [&'static str],
}

pub const WEB: Case = Case {
    name: "web-tier (tc)",
    policy: "web-tier.pol",
    c_source: "web_tier.c",
    program: "web",
    mixes: &[
        Mix {
            name: "allowed v4",
            passes: true,
            packets: &[
                "tcp 192.0.2.10:51000 -> 10.1.4.7:443",
                "tcp 192.0.2.10:51000 -> 10.1.4.7:8443",
                "tcp 10.240.3.1:60000 -> 10.1.4.7:8081",
                "icmp 10.240.3.1 -> 10.1.4.7 type echo-request",
            ],
        },
        Mix {
            name: "allowed v6",
            passes: true,
            packets: &[
                "tcp [2001:db8::5]:51000 -> [fd00:1::7]:80",
                "tcp [fd10:240::1]:60000 -> [fd00:1::7]:8081",
                "icmpv6 fe80::1 -> fe80::2 type neighbor-solicitation",
                "icmpv6 fd10:240::1 -> fd00:1::7 type echo-request",
            ],
        },
        Mix {
            name: "denied v4",
            passes: false,
            packets: &[
                "tcp 203.0.113.9:40000 -> 10.1.4.7:443",
                "tcp 192.0.2.10:51000 -> 10.1.4.7:22",
                "udp 192.0.2.10:51000 -> 10.1.4.7:443",
                "icmp 192.0.2.10 -> 10.1.4.7 type echo-request",
            ],
        },
        Mix {
            name: "denied v6",
            passes: false,
            packets: &[
                "tcp [2001:db8::5]:51000 -> [fd00:1::7]:22",
                "udp [2001:db8::5]:51000 -> [fd00:1::7]:53",
                "tcp [2001:db8::5]:51000 -> [fd00:1::7]:8081",
                "icmpv6 2001:db8::5 -> fd00:1::7 type echo-request",
            ],
        },
    ],
};

pub const DNS: Case = Case {
    name: "dns-egress (tc)",
    policy: "dns-egress.pol",
    c_source: "dns_egress.c",
    program: "dns_only",
    mixes: &[
        Mix {
            name: "allowed v4",
            passes: true,
            packets: &[
                "udp 10.1.3.4:33000 -> 10.96.0.10:53",
                "tcp 10.1.3.4:33000 -> 10.96.0.10:53",
            ],
        },
        Mix {
            name: "allowed v6",
            passes: true,
            packets: &[
                "udp [fd00:1:3::4]:33000 -> [fd00:96::a]:53",
                "tcp [fd00:1:3::4]:33000 -> [fd00:96::a]:53",
            ],
        },
        Mix {
            name: "denied v4",
            passes: false,
            packets: &[
                "udp 10.1.3.4:33000 -> 8.8.8.8:53",
                "tcp 10.1.3.4:33000 -> 93.184.216.34:443",
                "icmp 10.1.3.4 -> 10.96.0.10 type echo-request",
            ],
        },
        Mix {
            name: "denied v6",
            passes: false,
            packets: &[
                "udp [fd00:1:3::4]:33000 -> [2001:4860:4860::8888]:53",
                "tcp [fd00:1:3::4]:33000 -> [2606:2800:220:1::]:443",
                "icmpv6 fd00:1:3::4 -> fd00:96::a type echo-request",
            ],
        },
    ],
};

pub const XDP: Case = Case {
    name: "xdp-guard (XDP)",
    policy: "xdp-guard.pol",
    c_source: "xdp_guard.c",
    program: "edge",
    mixes: &[
        Mix {
            name: "passed v4",
            passes: true,
            packets: &[
                "udp 8.8.8.8:53 -> 10.240.0.5:40000",
                "tcp 192.0.2.66:123 -> 10.240.0.5:443",
                "udp 192.0.2.66:40000 -> 10.240.0.5:443",
                "icmp 192.0.2.66 -> 10.240.0.5 type echo-request",
            ],
        },
        Mix {
            name: "passed v6",
            passes: true,
            packets: &[
                "udp [2606:4700:4700::1111]:53 -> [fd10:240::5]:40000",
                "tcp [2001:db8::66]:40000 -> [fd10:240::5]:443",
                "udp [2001:db8::66]:40000 -> [fd10:240::5]:443",
            ],
        },
        Mix {
            name: "dropped v4",
            passes: false,
            packets: &[
                "udp 192.0.2.66:123 -> 10.240.0.5:40000",
                "udp 192.0.2.66:53 -> 10.240.0.5:40000",
                "udp 192.0.2.66:40000 -> 10.240.0.5:11211",
                "tcp 198.51.100.7:40000 -> 10.240.0.5:443",
            ],
        },
        Mix {
            name: "dropped v6",
            passes: false,
            packets: &[
                "udp [2001:db8::66]:1900 -> [fd10:240::5]:40000",
                "udp [2001:db8::66]:40000 -> [fd10:240::5]:11211",
                "tcp [2001:db8:bad::1]:40000 -> [fd10:240::5]:443",
            ],
        },
    ],
};

/// The three cases, in table order.
pub const ALL: [&Case; 3] = [&WEB, &DNS, &XDP];

impl Case {
    /// The policy source.
    pub fn policy_text(&self) -> String {
        let path = super::bench_dir().join("policies").join(self.policy);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// The C source's path.
    pub fn c_path(&self) -> std::path::PathBuf {
        super::bench_dir().join("c").join(self.c_source)
    }

    /// The frames of each mix.
    pub fn frames(&self) -> Vec<(&'static Mix, Vec<Vec<u8>>)> {
        self.mixes
            .iter()
            .map(|mix| {
                let frames = mix
                    .packets
                    .iter()
                    .map(|text| {
                        let packet = parse_packet(text)
                            .unwrap_or_else(|e| panic!("bad benchmark packet `{text}`: {e:?}"));
                        wire::build_frame(&packet)
                    })
                    .collect();
                (mix, frames)
            })
            .collect()
    }
}
