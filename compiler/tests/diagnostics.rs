//! Diagnostics snapshots: one bad input per file under
//! `tests/data/diagnostics/`, its rendered diagnostics blessed with insta
//! (`cargo insta review`, or `INSTA_UPDATE=always`).
//!
//! Each input starts with `# expect: CODE, ...`: the codes it exists to
//! show. The test fails if one of them is missing, so a snapshot cannot
//! silently bless a regression to a different error. Together the inputs
//! must cover every code in `Code::ALL`.

use palisade_compiler::issue::Code;
use palisade_compiler::{check_source, diag};
use std::collections::BTreeSet;
use std::path::Path;

fn expected_codes(source: &str) -> Vec<String> {
    let first = source.lines().next().unwrap_or_default();
    let list = first
        .strip_prefix("# expect:")
        .unwrap_or_else(|| panic!("first line must be `# expect: CODE, ...`, found {first:?}"));
    list.split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

fn render(path: &Path) -> (String, BTreeSet<&'static str>) {
    let source = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    let report = check_source(&source);
    let found: BTreeSet<&'static str> = report.issues.iter().map(|i| i.code().as_str()).collect();
    for code in expected_codes(&source) {
        assert!(
            found.contains(code.as_str()),
            "{name}: expected a `{code}` diagnostic, found {found:?}"
        );
    }
    assert!(report.checked.is_none() || report.errors() == 0);
    let diagnostics: Vec<diag::Diagnostic> = report.issues.iter().map(Into::into).collect();
    (diag::render(&name, &source, &diagnostics), found)
}

#[test]
fn diagnostics_snapshots() {
    insta::glob!("data/diagnostics/*.pol", |path| {
        let (text, _) = render(path);
        insta::assert_snapshot!(text);
    });
}

#[test]
fn every_code_has_an_input() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diagnostics");
    let mut covered = BTreeSet::new();
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pol") {
            inputs += 1;
            covered.extend(render(&path).1);
        }
    }
    assert!(inputs >= 40, "only {inputs} diagnostic inputs");
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !covered.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a diagnostics input: {missing:?}"
    );
}

#[test]
fn json_gives_positions_and_fixes() {
    let source = "set nets = { 10.0.0.1/8 }\n";
    let report = check_source(source);
    let diagnostics: Vec<diag::Diagnostic> = report.issues.iter().map(Into::into).collect();
    let json = serde_json::to_value(diag::json("nets.pol", source, &diagnostics)).unwrap();
    let host_bits = json
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "host-bits-set")
        .expect("a host-bits-set diagnostic");
    assert_eq!(host_bits["severity"], "warning");
    assert_eq!(host_bits["file"], "nets.pol");
    assert_eq!(host_bits["range"]["start"]["line"], 1);
    assert_eq!(host_bits["range"]["start"]["column"], 14);
    assert_eq!(host_bits["range"]["end"]["column"], 24);
    assert_eq!(host_bits["fix"]["replacement"], "10.0.0.0/8");
    assert_eq!(host_bits["fix"]["range"]["start"]["offset"], 13);
}

#[test]
fn applying_every_fix_removes_its_warning() {
    let source = "set nets = { 10.0.0.1/8, 192.168.1.7/24 }\nset ports = { 90..80 }\npolicy p on ingress {\n  apply to namespace \"x\"\n  allow from nets\n  allow tcp to port ports\n  default deny\n}\n";
    let report = check_source(source);
    let diagnostics: Vec<diag::Diagnostic> = report.issues.iter().map(Into::into).collect();
    let mut fixes: Vec<&diag::Fix> = diagnostics.iter().filter_map(|d| d.fix.as_ref()).collect();
    assert_eq!(fixes.len(), 3);
    fixes.sort_by_key(|f| std::cmp::Reverse(f.span.start));
    let mut fixed = source.to_string();
    for fix in fixes {
        fixed.replace_range(fix.span.range(), &fix.replacement);
    }
    let after = check_source(&fixed);
    assert!(after.issues.is_empty(), "{:?}", after.issues);
}
