//! The formatter's promises, as properties: for any input that parses,
//! parse -> format -> parse gives the same tree apart from spans, keeps
//! every comment in order, is idempotent, and (when the file checks)
//! leaves the reference semantics unchanged: the same verdict from the
//! same rule for every packet tried.
//!
//! Inputs come from a generator of random but well-formed policies with
//! random spacing, blank lines and comments, and from the samples and the
//! language reference's examples.

mod common;

use palisade_compiler::eval::{self, ProgramOutcome};
use palisade_compiler::model::Checked;
use palisade_compiler::{check_source, fmt, parse};
use proptest::prelude::*;

fn comments(source: &str) -> Vec<String> {
    parse::parse(source)
        .file
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect()
}

/// Every program's answer for each packet, with rule indices (not
/// lines, which formatting may move).
fn semantics(checked: &Checked, packets: &[palisade_compiler::model::Packet]) -> Vec<String> {
    let mut out = Vec::new();
    for program in &checked.programs {
        for packet in packets {
            let answer = match eval::run_program(checked, program, packet) {
                ProgramOutcome::Filter(trace) => format!("{:?}", trace.outcome),
                other => format!("{other:?}"),
            };
            out.push(format!("{} {packet}: {answer}", program.name));
        }
    }
    out
}

fn packets() -> Vec<palisade_compiler::model::Packet> {
    let mut texts = Vec::new();
    for (src, dst) in [
        ("10.0.0.1", "10.0.0.5"),
        ("10.66.3.4", "192.168.1.9"),
        ("172.16.0.1", "10.96.0.10"),
        ("[fd00::1]", "[fd00::5]"),
        ("[2001:db8::9]", "[fd10::1]"),
    ] {
        for (sport, dport) in [
            (40000, 443),
            (53, 5353),
            (1000, 53),
            (123, 80),
            (5000, 8080),
        ] {
            for proto in ["tcp", "udp", "sctp"] {
                texts.push(format!("{proto} {src}:{sport} -> {dst}:{dport}"));
            }
        }
        let (s, d) = (src.trim_matches(['[', ']']), dst.trim_matches(['[', ']']));
        let icmp = if s.contains(':') { "icmpv6" } else { "icmp" };
        texts.push(format!("{icmp} {s} -> {d} type echo-request"));
        texts.push(format!("{icmp} {s} -> {d} type 3 code 4"));
        texts.push(format!("udp {s} -> {d} fragment"));
        texts.push(format!("proto 47 {s} -> {d}"));
    }
    texts
        .iter()
        .map(|t| eval::parse_packet(t).unwrap())
        .collect()
}

/// Checks every promise for one input that parses.
fn check_promises(source: &str) {
    let first = parse::parse(source);
    assert!(!first.has_errors());
    let formatted = fmt::format(source).expect("parses, so formats");
    let second = parse::parse(&formatted);
    assert!(
        !second.has_errors(),
        "formatted output does not parse:\n{formatted}"
    );
    assert_eq!(
        common::without_spans(&first.file)["items"],
        common::without_spans(&second.file)["items"],
        "format changed the tree:\n--- input\n{source}\n--- output\n{formatted}"
    );
    assert_eq!(
        comments(source),
        comments(&formatted),
        "comments changed:\n{formatted}"
    );
    assert_eq!(
        fmt::format(&formatted).unwrap(),
        formatted,
        "not idempotent"
    );
    if let Some(before) = check_source(source).checked {
        let after = check_source(&formatted)
            .checked
            .expect("same tree, so it checks");
        let packets = packets();
        assert_eq!(semantics(&before, &packets), semantics(&after, &packets));
    }
}

#[test]
fn samples_and_doc_examples_round_trip() {
    for path in common::samples() {
        check_promises(&std::fs::read_to_string(path).unwrap());
    }
    for (_, example) in common::doc_examples() {
        check_promises(&example);
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diagnostics");
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        if !parse::parse(&source).has_errors() {
            check_promises(&source);
        }
    }
}

// ---- a generator of well-formed, messily written policies ----

fn spaces() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" ".to_string()),
        Just("  ".to_string()),
        Just("\t".to_string())
    ]
}

fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        1 => "[a-z ]{0,12}".prop_map(|t| format!(" # {t}")),
    ]
}

fn addr() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..255, 0u8..255, 0u8..=32).prop_map(|(a, b, l)| format!("10.{a}.{b}.0/{l}")),
        (0u8..255, 0u8..255).prop_map(|(a, b)| format!("192.168.{a}.{b}")),
        (0u16..0xffff, 0u8..=128).prop_map(|(a, l)| format!("fd00:{a:x}::/{l}")),
        Just("::1".to_string()),
    ]
}

fn port() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..65536).prop_map(|p| p.to_string()),
        (0u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{}..{}", a.min(b), a.max(b))),
        Just("0080".to_string()),
    ]
}

fn list(item: impl Strategy<Value = String>, max: usize) -> impl Strategy<Value = String> {
    (
        prop::collection::vec((item, comment()), 0..max),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(items, multiline, trailing)| {
            if multiline {
                let mut s = "{\n".to_string();
                for (i, (item, c)) in items.iter().enumerate() {
                    let comma = if i + 1 < items.len() || trailing {
                        ","
                    } else {
                        ""
                    };
                    s.push_str(&format!("    {item}{comma}{c}\n"));
                }
                s.push_str("  }");
                s
            } else {
                let parts: Vec<&str> = items.iter().map(|(i, _)| i.as_str()).collect();
                format!("{{{}}}", parts.join(" ,"))
            }
        })
}

fn endpoint() -> impl Strategy<Value = String> {
    prop_oneof![
        addr(),
        Just("nets".to_string()),
        list(addr(), 4),
        (addr(), port()).prop_map(|(a, p)| format!("{a} port {p}")),
        port().prop_map(|p| format!("port {p}")),
        Just("port ports".to_string()),
        list(port(), 4).prop_map(|l| format!("port {l}")),
    ]
}

fn rule(guard: bool) -> impl Strategy<Value = String> {
    let action = if guard {
        prop_oneof![Just("drop"), Just("pass")].boxed()
    } else {
        prop_oneof![Just("allow"), Just("deny")].boxed()
    };
    (
        action,
        prop_oneof![
            Just(""),
            Just("tcp"),
            Just("udp"),
            Just("icmp"),
            Just("proto 47")
        ],
        prop::option::of(endpoint()),
        prop::option::of(endpoint()),
        prop_oneof![Just(""), Just(" count"), Just(" log"), Just(" log  count")],
        spaces(),
    )
        .prop_map(|(action, proto, from, to, mods, sp)| {
            let mut s = format!("{action}{sp}{proto}");
            if let Some(f) = from {
                s.push_str(&format!(" from{sp}{f}"));
            }
            if let Some(t) = to {
                s.push_str(&format!(" to {t}"));
            }
            s.push_str(mods);
            s
        })
}

fn block(guard: bool) -> impl Strategy<Value = String> {
    (
        prop::collection::vec((rule(guard), comment(), any::<bool>()), 0..8),
        prop_oneof![Just(""), Just(" audit")],
        any::<bool>(),
        comment(),
    )
        .prop_map(move |(rules, audit, egress, c)| {
            let head = if guard {
                format!("guard g on xdp{audit} {{{c}\n")
            } else {
                let hook = if egress { "egress" } else { "ingress" };
                format!("policy p on   {hook}{audit} {{{c}\n  apply to pods \"web-*\" in namespace \"prod\"\n")
            };
            let mut s = head;
            for (r, c, blank) in rules {
                if blank {
                    s.push('\n');
                }
                s.push_str(&format!("    {r}{c}\n"));
            }
            let default = if guard { "default pass" } else { "default   deny log" };
            s.push_str(&format!("  {default}\n}}\n"));
            s
        })
}

fn file() -> impl Strategy<Value = String> {
    (list(addr(), 5), list(port(), 5), block(false), block(true), comment(), 0usize..3).prop_map(
        |(nets, ports, policy, guard, c, blanks)| {
            let gap = "\n".repeat(blanks);
            format!(
                "#{c}\nset nets: addr = {nets}\n{gap}set ports: port = {ports}{c}\n{gap}{policy}{gap}{guard}\
                 test t {{\n  expect p allow tcp 10.0.0.1:40000 -> 10.0.0.5:0443{c}\n}}"
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PALISADE_ROUNDTRIP_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn parse_format_parse_keeps_the_tree_and_the_meaning(source in file()) {
        let parsed = parse::parse(&source);
        prop_assert!(!parsed.has_errors(), "generator made a bad file: {:?}\n{source}", parsed.issues);
        check_promises(&source);
    }
}
