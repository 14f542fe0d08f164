//! The language verbs of the CLI, end to end: `check`, `fmt`, `explain`
//! and `test` on real files, with their output and exit codes (0 ok, 1 bad
//! input, 2 usage or environment).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn palisade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run palisade")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn samples() -> Vec<PathBuf> {
    support::sample_paths()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const BAD: &str = "set trusted = { 10.0.0.0/8 }\n\npolicy web on ingress {\n  apply to namespace \"x\"\n  allow tcp from trustd to port 443\n}\n";

#[test]
fn check_passes_the_samples() {
    let files: Vec<String> = samples()
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let out = palisade(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("0 errors"), "{}", stderr(&out));
}

#[test]
fn check_reports_every_error_rustc_style_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "bad.pol", BAD);
    let out = palisade(&["check", &file]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("error[unknown-set]: unknown set `trustd`"),
        "{err}"
    );
    assert!(err.contains(&format!("{file}:5:18")), "{err}");
    assert!(
        err.contains("5 |   allow tcp from trustd to port 443"),
        "{err}"
    );
    assert!(err.contains("^^^^^^ no set has this name"), "{err}");
    assert!(err.contains("= help: did you mean `trusted`?"), "{err}");
    assert!(err.contains("error[missing-default]"), "{err}");
    assert!(err.contains("2 errors"), "{err}");
}

#[test]
fn check_json_is_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "bad.pol", BAD);
    let out = palisade(&["check", "--json", &file]);
    assert_eq!(code(&out), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(json["errors"], 2);
    let diagnostics = json["files"][0]["diagnostics"].as_array().unwrap();
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-set")
        .unwrap();
    assert_eq!(unknown["range"]["start"]["line"], 5);
    assert_eq!(unknown["range"]["start"]["column"], 18);
    assert_eq!(unknown["help"], "did you mean `trusted`?");
}

#[test]
fn missing_files_are_environment_errors() {
    for verb in ["check", "fmt", "test"] {
        let out = palisade(&[verb, "/nonexistent/policy.pol"]);
        assert_eq!(code(&out), 2, "{verb}: {}", stderr(&out));
    }
    let out = palisade(&[
        "explain",
        "/nonexistent/policy.pol",
        "tcp 10.0.0.1:1 -> 10.0.0.2:2",
    ]);
    assert_eq!(code(&out), 2);
}

#[test]
fn fmt_check_then_fmt_then_check_again() {
    let dir = tempfile::tempdir().unwrap();
    let messy = "set  ports={80,443}\npolicy p on ingress {   # web\n      apply to namespace \"x\"\nallow tcp to port ports\n  default deny\n}\n";
    let file = write(&dir, "messy.pol", messy);
    let out = palisade(&["fmt", "--check", &file]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("not formatted (first difference at line 1)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        messy,
        "--check must not write"
    );

    let out = palisade(&["fmt", &file]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        formatted,
        "set ports = { 80, 443 }\n\npolicy p on ingress { # web\n  apply to namespace \"x\"\n  allow tcp to port ports\n  default deny\n}\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    assert_eq!(code(&palisade(&["fmt", "--check", &file])), 0);
}

#[test]
fn fmt_leaves_files_with_syntax_errors_alone() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "policy p on ingress {\n  allow tcp from from\n  default deny\n}\n";
    let file = write(&dir, "broken.pol", broken);
    let out = palisade(&["fmt", &file]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("error[unexpected-token]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
}

#[test]
fn explain_names_the_deciding_rule_its_line_and_the_rules_tried() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/web-tier.pol");
    let web = web.to_string_lossy();
    let out = palisade(&["explain", &web, "tcp 10.240.3.1:60000 -> 10.1.4.7:8081"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("tried line 10: deny from blocked count log"),
        "{text}"
    );
    assert!(
        text.contains("no match: source address not matched"),
        "{text}"
    );
    assert!(
        text.contains("matched at line 12: allow tcp from nodes to port 8081"),
        "{text}"
    );
    assert!(text.contains("verdict: allow"), "{text}");

    let out = palisade(&["explain", "--json", &web, "udp 192.0.2.1:5 -> 10.1.4.7:53"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let program = &json["programs"][0];
    assert_eq!(program["verdict"], "deny");
    assert_eq!(program["default"], true);
    assert_eq!(program["decided_by"]["line"], 17);
    assert_eq!(program["tried"].as_array().unwrap().len(), 7);
}

#[test]
fn explain_shows_audit_mode() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/namespace-default-deny.pol");
    let out = palisade(&[
        "explain",
        &file.to_string_lossy(),
        "egress tcp 10.1.6.20:40000 -> 93.184.216.34:443",
    ]);
    let text = stdout(&out);
    assert!(text.contains("policy payments_out on egress"), "{text}");
    assert!(
        !text.contains("payments_in"),
        "ingress policies do not see egress packets: {text}"
    );
    assert!(
        text.contains("verdict: deny (audit mode: logged and counted, allow in effect)"),
        "{text}"
    );
}

#[test]
fn explain_rejects_bad_packets_and_unknown_programs() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/web-tier.pol");
    let web = web.to_string_lossy();
    let out = palisade(&["explain", &web, "tcp 10.0.0.1 -> 10.0.0.2:443"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("<packet>:1:5"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a tcp packet needs a source port"),
        "{}",
        stderr(&out)
    );
    let out = palisade(&[
        "explain",
        "--policy",
        "wbe",
        &web,
        "tcp 10.0.0.1:1 -> 10.0.0.2:443",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("did you mean `web`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn test_runs_the_samples() {
    let files: Vec<String> = samples()
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["test"];
    args.extend(files.iter().map(String::as_str));
    let out = palisade(&args);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("test result: ok."),
        "{}",
        stdout(&out)
    );
}

#[test]
fn failing_expectations_show_packet_expected_actual_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "t.pol",
        "policy p on ingress {\n  apply to namespace \"x\"\n  allow udp to port 53\n  default deny\n}\n\ntest t {\n  expect p allow tcp 10.0.0.1:1 -> 10.0.0.2:53\n  expect p allow udp 10.0.0.1:1 -> 10.0.0.2:53\n}\n",
    );
    let out = palisade(&["test", &file]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("test t ... FAILED"), "{text}");
    assert!(
        text.contains(&format!(
            "{file}:8:3: expect p allow tcp 10.0.0.1:1 -> 10.0.0.2:53"
        )),
        "{text}"
    );
    assert!(
        text.contains("packet:   tcp 10.0.0.1:1 -> 10.0.0.2:53"),
        "{text}"
    );
    assert!(text.contains("expected: allow"), "{text}");
    assert!(
        text.contains("actual:   deny, decided by line 4: `default deny`"),
        "{text}"
    );
    assert!(text.contains("1 expectation held; 1 failed"), "{text}");

    let out = palisade(&["test", "--json", &file]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (json["passed"].as_u64(), json["failed"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn test_on_a_file_with_errors_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "bad.pol", BAD);
    let out = palisade(&["test", &file]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("error[unknown-set]"));
}
