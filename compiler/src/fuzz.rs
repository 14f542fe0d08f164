//! Fuzz targets: plain functions that take arbitrary input and exercise
//! the whole front end. `cargo test` runs them on a bounded number of
//! random and mutated inputs (tests/fuzz.rs); a fuzzing engine can call
//! them too. A target returns normally or panics: a panic is a bug.

use crate::{check, diag, eval, fmt, parse, testrun};

/// Lexes, parses, checks and renders `data` (as UTF-8, lossily); formats
/// it if it parses, and checks the formatter's promises; evaluates a few
/// packets and runs the tests if it checks.
pub fn front_end(data: &[u8]) {
    let source = String::from_utf8_lossy(data);
    let parsed = parse::parse(&source);
    let report = check::check(&parsed, &source);
    let diagnostics: Vec<diag::Diagnostic> = report.issues.iter().map(Into::into).collect();
    let _ = diag::render("fuzz.pol", &source, &diagnostics);
    let _ = diag::json("fuzz.pol", &source, &diagnostics);
    if !parsed.has_errors() {
        let once = fmt::format(&source).expect("a file that parses formats");
        let twice = fmt::format(&once).expect("formatted output parses");
        assert_eq!(once, twice, "formatting is not idempotent");
    }
    if let Some(checked) = &report.checked {
        for text in PACKETS {
            let packet = eval::parse_packet(text).expect("the fixed packets are valid");
            for program in &checked.programs {
                let _ = eval::run_program(checked, program, &packet);
            }
        }
        let _ = testrun::run_tests(checked);
    }
}

/// Parses `data` as packet text.
pub fn packet(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(packet) = eval::parse_packet(&text) {
        assert_eq!(packet.validate(), Ok(()));
        let again = eval::parse_packet(&packet.to_string()).expect("printed packets parse");
        assert_eq!(again, packet);
    }
}

const PACKETS: &[&str] = &[
    "tcp 10.1.2.3:40000 -> 10.0.0.5:443",
    "udp 8.8.8.8:53 -> 10.0.0.5:5353",
    "icmp 10.0.0.1 -> 10.0.0.2 type echo-request",
    "tcp [fd00::1]:1234 -> [fd00::2]:80",
    "udp 10.0.0.1 -> 10.0.0.2 fragment",
    "proto 47 192.168.1.1 -> 10.0.0.1",
];
