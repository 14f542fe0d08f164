//! `palisade verify`: verdicts, exit codes (0 all accepted, 1 a program
//! rejected or the file is not eBPF, 2 the file cannot be read), text and
//! JSON reports, and every sample policy's compiled object verifies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn palisade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .output()
        .expect("run palisade")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

const SAFE: &str = r#"
.license "GPL"
.section xdp
.globl parse
parse:
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 12)
out:
    r0 = 2
    exit
"#;

const UNSAFE: &str = r#"
.license "GPL"
.section xdp
.globl parse
parse:
    r2 = *(u32 *)(r1 + 0)
    r0 = *(u16 *)(r2 + 12)
    r0 = 2
    exit
"#;

fn assemble(dir: &Path, name: &str, text: &str) -> PathBuf {
    let src = dir.join(format!("{name}.s"));
    let obj = dir.join(format!("{name}.o"));
    std::fs::write(&src, text).expect("write asm");
    let out = palisade(&["asm", p(&src), "-o", p(&obj)]);
    assert!(
        out.status.success(),
        "asm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    obj
}

#[test]
fn accepted_object_exits_0_and_reports_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let obj = assemble(dir.path(), "safe", SAFE);
    let out = palisade(&["verify", p(&obj)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("parse (xdp): accept"), "{text}");
    assert!(text.contains("instructions processed"), "{text}");
    assert!(text.contains(" ms"), "{text}");
}

#[test]
fn rejected_object_exits_1_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let obj = assemble(dir.path(), "unsafe", UNSAFE);
    let out = palisade(&["verify", p(&obj)]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("reject"), "{text}");
    assert!(
        text.contains("packet access out of bounds through r2"),
        "{text}"
    );
    assert!(text.contains("--> 1: w0 = *(u16 *)(r2 + 0xc)"), "{text}");
    assert!(text.contains("at "), "the source line: {text}");
    assert!(text.contains("state: r2=pkt(off=0,r=0)"), "{text}");
}

#[test]
fn json_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = assemble(dir.path(), "safe", SAFE);
    let bad = assemble(dir.path(), "unsafe", UNSAFE);
    let out = palisade(&["verify", "--json", p(&good), p(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["accepted"], false);
    let objects = v["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 2);
    let first = &objects[0]["programs"][0];
    assert_eq!(first["verdict"], "accept");
    assert!(first["processed_insns"].as_u64().unwrap() > 0);
    assert!(first["time_us"].is_u64());
    let second = &objects[1]["programs"][0];
    assert_eq!(second["verdict"], "reject");
    assert_eq!(second["errors"][0]["kind"], "out_of_bounds");
    assert_eq!(second["errors"][0]["insn"], 1);
}

#[test]
fn environment_and_input_errors() {
    let out = palisade(&["verify", "/nonexistent/palisade.o"]);
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.o");
    std::fs::write(&junk, b"not an elf file").expect("write");
    let out = palisade(&["verify", p(&junk)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("not a readable eBPF object"));
}

#[test]
fn sample_policies_verify() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut objects = Vec::new();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("samples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pol"))
        .collect();
    sources.sort();
    for src in &sources {
        let obj = dir
            .path()
            .join(src.file_stem().expect("stem"))
            .with_extension("o");
        let out = palisade(&["build", p(src), "-o", p(&obj)]);
        assert!(
            out.status.success(),
            "build {}: {}",
            src.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        objects.push(obj);
    }
    assert!(!objects.is_empty(), "no samples");
    let mut args = vec!["verify"];
    args.extend(objects.iter().map(|o| p(o)));
    let out = palisade(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("reject"));
}
