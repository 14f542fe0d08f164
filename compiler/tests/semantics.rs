//! The reference semantics, rule by rule: what `eval` decides for
//! hand-picked packets. These are the cases generated code must agree on.

use palisade_compiler::check_source;
use palisade_compiler::eval::{self, ConnectOutcome, Decider, Mismatch, ProgramOutcome};
use palisade_compiler::model::{Checked, Direction, Verdict};

fn model(source: &str) -> Checked {
    let report = check_source(source);
    report
        .checked
        .unwrap_or_else(|| panic!("does not check: {:#?}", report.issues))
}

/// The verdict, the 1-based index of the deciding rule (0 for the
/// default), and the outcome.
fn run(checked: &Checked, program: &str, packet: &str) -> (Verdict, usize, eval::Outcome) {
    let program = checked.program_by_name(program).expect("program");
    let packet = eval::parse_packet(packet).expect("packet");
    let outcome = eval::evaluate(checked, program.filter().expect("filter"), &packet);
    let index = match outcome.decided_by {
        Decider::Rule(id) => id.index() + 1,
        Decider::Default => 0,
    };
    (outcome.verdict, index, outcome)
}

const POLICY: &str = "\
set nets = { 10.0.0.0/8, fd00::/8 }
set ports = { 80, 443, 8000..8099 }

policy p on ingress {
  apply to namespace \"x\"
  deny from 10.66.0.0/16 count
  allow tcp from nets to port ports
  allow udp to port 53 log
  allow icmp type echo-request
  allow icmpv6 type destination-unreachable code 4
  allow proto 47
  default deny
}
";

#[test]
fn first_match_wins_and_the_default_decides_last() {
    let m = model(POLICY);
    assert_eq!(run(&m, "p", "tcp 10.66.1.1:1000 -> 10.0.0.5:443").1, 1);
    assert_eq!(
        run(&m, "p", "tcp 10.1.1.1:1000 -> 10.0.0.5:443").0,
        Verdict::Allow
    );
    assert_eq!(run(&m, "p", "tcp 10.1.1.1:1000 -> 10.0.0.5:443").1, 2);
    assert_eq!(run(&m, "p", "tcp 10.1.1.1:1000 -> 10.0.0.5:8050").1, 2);
    assert_eq!(run(&m, "p", "tcp 10.1.1.1:1000 -> 10.0.0.5:8100").1, 0);
    assert_eq!(
        run(&m, "p", "tcp 192.0.2.1:1000 -> 10.0.0.5:443").0,
        Verdict::Deny
    );
}

#[test]
fn sets_match_entries_of_the_packets_family_only() {
    let m = model(POLICY);
    assert_eq!(run(&m, "p", "tcp [fd12::1]:1000 -> [fd00::5]:80").1, 2);
    assert_eq!(run(&m, "p", "tcp [fe80::1]:1000 -> [fd00::5]:80").1, 0);
    // An IPv4-mapped IPv6 address is IPv6: 10.0.0.0/8 does not apply.
    assert_eq!(
        run(&m, "p", "tcp [::ffff:10.1.1.1]:1000 -> [fd00::5]:80").1,
        0
    );
    // A v4 literal rule never matches IPv6 packets.
    assert_eq!(run(&m, "p", "udp [fd00::1]:1000 -> [fd00::5]:53").1, 3);
}

#[test]
fn icmp_rules_need_the_family_type_and_code() {
    let m = model(POLICY);
    assert_eq!(
        run(&m, "p", "icmp 192.0.2.1 -> 10.0.0.5 type echo-request").1,
        4
    );
    assert_eq!(
        run(
            &m,
            "p",
            "icmp 192.0.2.1 -> 10.0.0.5 type echo-request code 3"
        )
        .1,
        4
    );
    assert_eq!(
        run(&m, "p", "icmp 192.0.2.1 -> 10.0.0.5 type echo-reply").1,
        0
    );
    assert_eq!(
        run(
            &m,
            "p",
            "icmpv6 2001:db8::1 -> fd00::5 type destination-unreachable code 4"
        )
        .1,
        5
    );
    assert_eq!(
        run(
            &m,
            "p",
            "icmpv6 2001:db8::1 -> fd00::5 type destination-unreachable code 3"
        )
        .1,
        0
    );
    // Protocol 58 on IPv4 is not ICMP: it has no ICMP header.
    assert_eq!(run(&m, "p", "proto 58 192.0.2.1 -> 10.0.0.5").1, 0);
    assert_eq!(run(&m, "p", "proto 47 192.0.2.1 -> 10.0.0.5").1, 6);
}

#[test]
fn non_first_fragments_never_match_port_or_icmp_rules() {
    let m = model(POLICY);
    // No ports: rule 2 (ports) and 3 (port 53) cannot match.
    assert_eq!(run(&m, "p", "tcp 10.1.1.1 -> 10.0.0.5 fragment").1, 0);
    assert_eq!(run(&m, "p", "udp 10.1.1.1 -> 10.0.0.5 fragment").1, 0);
    assert_eq!(run(&m, "p", "icmp 192.0.2.1 -> 10.0.0.5 fragment").1, 0);
    // Address-only rules still do.
    assert_eq!(run(&m, "p", "udp 10.66.0.1 -> 10.0.0.5 fragment").1, 1);
    assert_eq!(run(&m, "p", "proto 47 10.1.1.1 -> 10.0.0.5 fragment").1, 6);
}

#[test]
fn count_and_log_come_from_the_deciding_line() {
    let m = model(POLICY);
    let (_, _, o) = run(&m, "p", "tcp 10.66.1.1:1000 -> 10.0.0.5:443");
    assert!(o.count && !o.log && !o.audited);
    let (_, _, o) = run(&m, "p", "udp 10.1.1.1:1000 -> 10.0.0.5:53");
    assert!(!o.count && o.log);
    let (_, _, o) = run(&m, "p", "tcp 192.0.2.1:1000 -> 10.0.0.5:22");
    assert!(!o.count && !o.log);
    assert_eq!(o.effective, Verdict::Deny);
}

#[test]
fn audit_mode_lets_blocked_packets_through_and_reports_them() {
    let m = model(
        "policy a on egress audit {\n  apply to namespace \"x\"\n  allow tcp to port 443\n  default deny\n}\n\
         guard g on xdp audit {\n  drop udp to port 11211\n  default pass\n}\n",
    );
    let (verdict, rule, o) = run(&m, "a", "tcp 10.0.0.1:1000 -> 10.9.9.9:22");
    assert_eq!(
        (verdict, rule, o.effective),
        (Verdict::Deny, 0, Verdict::Allow)
    );
    assert!(o.audited && o.count && o.log);
    let (verdict, _, o) = run(&m, "a", "tcp 10.0.0.1:1000 -> 10.9.9.9:443");
    assert_eq!(
        (verdict, o.effective, o.audited, o.log),
        (Verdict::Allow, Verdict::Allow, false, false)
    );
    let (verdict, _, o) = run(&m, "g", "udp 10.0.0.1:1000 -> 10.9.9.9:11211");
    assert_eq!(
        (verdict, o.effective, o.audited),
        (Verdict::Drop, Verdict::Pass, true)
    );
}

#[test]
fn explain_traces_name_the_first_failing_field() {
    let m = model(POLICY);
    let p = m.program_by_name("p").unwrap();
    let packet = eval::parse_packet("udp 10.1.1.1:1000 -> 10.0.0.5:53").unwrap();
    let trace = eval::trace(&m, p.filter().unwrap(), &packet);
    let why: Vec<Mismatch> = trace.tried.iter().map(|t| t.1).collect();
    assert_eq!(why, [Mismatch::Source, Mismatch::Protocol]);
    assert_eq!(
        trace.outcome.decided_by,
        Decider::Rule(palisade_compiler::model::RuleId(2))
    );
}

#[test]
fn services_rewrite_mapped_connects_only() {
    let m = model(
        "service s on connect {\n  apply to namespace \"x\"\n  tcp 10.96.0.1:80 -> { 10.1.0.1:8080, 10.1.0.2:8080 }\n  10.96.0.2:53 -> 10.1.0.3:53\n}\n",
    );
    let s = m.program_by_name("s").unwrap();
    let run = |text: &str| eval::run_program(&m, s, &eval::parse_packet(text).unwrap());
    match run("tcp 10.0.0.1:1000 -> 10.96.0.1:80") {
        ProgramOutcome::Connect(ConnectOutcome::Rewrite { backends, .. }) => {
            assert_eq!(backends.len(), 2)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        run("udp 10.0.0.1:1000 -> 10.96.0.1:80"),
        ProgramOutcome::Connect(ConnectOutcome::Unchanged)
    );
    assert!(matches!(
        run("udp 10.0.0.1:1000 -> 10.96.0.2:53"),
        ProgramOutcome::Connect(ConnectOutcome::Rewrite { .. })
    ));
    assert_eq!(
        run("ingress tcp 10.0.0.1:1000 -> 10.96.0.1:80"),
        ProgramOutcome::NotSeen
    );
}

#[test]
fn a_pod_needs_every_applying_policy_to_allow() {
    let m = model(
        "policy web on ingress {\n  apply to pods \"web-*\"\n  allow tcp to port 443\n  default deny\n}\n\n\
         policy prod on ingress {\n  apply to namespace \"prod\"\n  deny from 10.66.0.0/16\n  default allow\n}\n\n\
         policy out on egress {\n  apply to pods \"*\"\n  default deny\n}\n",
    );
    let packet = |t: &str| eval::parse_packet(t).unwrap();
    let ok = eval::evaluate_pod(
        &m,
        "web-1",
        "prod",
        Direction::Ingress,
        &packet("tcp 10.1.0.1:1 -> 10.2.0.1:443"),
    );
    assert_eq!(
        (ok.effective, ok.denied_by, ok.policies.len()),
        (Verdict::Allow, None, 2)
    );
    let blocked = eval::evaluate_pod(
        &m,
        "web-1",
        "prod",
        Direction::Ingress,
        &packet("tcp 10.66.0.1:1 -> 10.2.0.1:443"),
    );
    assert_eq!(blocked.effective, Verdict::Deny);
    assert_eq!(blocked.denied_by, m.program_by_name("prod").map(|p| p.id));
    let other_ns = eval::evaluate_pod(
        &m,
        "web-1",
        "dev",
        Direction::Ingress,
        &packet("tcp 10.66.0.1:1 -> 10.2.0.1:443"),
    );
    assert_eq!(other_ns.effective, Verdict::Allow);
    let unselected = eval::evaluate_pod(
        &m,
        "db-0",
        "dev",
        Direction::Ingress,
        &packet("tcp 10.66.0.1:1 -> 10.2.0.1:22"),
    );
    assert_eq!(
        (unselected.effective, unselected.policies.len()),
        (Verdict::Allow, 0)
    );
}
