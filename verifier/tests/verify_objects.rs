//! Every clang-built test object of the workspace (`tests/data/c/*.c`,
//! compiled here with clang-16 `-mcpu=v3` and clang-19 `-mcpu=v4`) and the
//! assembled samples verify, in the strict profile.
//!
//! Skips loudly when a compiler is missing, unless
//! `PALISADE_REQUIRE_KERNEL=1` (CI), where it fails.

use palisade_verifier::object::Object;
use palisade_verifier::verify::{verify_object, ObjectResult, Options, Platform};
use std::path::{Path, PathBuf};
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn skip(why: &str) {
    assert!(
        std::env::var("PALISADE_REQUIRE_KERNEL").as_deref() != Ok("1"),
        "{why}, and PALISADE_REQUIRE_KERNEL=1 requires it"
    );
    eprintln!("\n!!! SKIPPED: {why} !!!\n");
}

fn check_all_accepted(path: &Path) -> usize {
    let obj = Object::parse(&std::fs::read(path).expect("read object")).expect("parse object");
    let results = verify_object(&obj, &Platform::linux(), &Options::strict());
    for r in &results {
        match r {
            ObjectResult::Verified(rep) => assert!(rep.accepted(), "{}: {rep}", path.display()),
            ObjectResult::NotVerified { program, reason } => {
                panic!("{}: {program}: {reason}", path.display())
            }
        }
    }
    results.len()
}

#[test]
fn clang_built_test_objects_verify() {
    for tool in ["clang-16", "clang-19"] {
        if !have(tool) {
            return skip(&format!("{tool} is not installed"));
        }
    }
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/c");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&src)
        .expect("tests/data/c")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    sources.sort();
    let mut programs = 0;
    for source in &sources {
        let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        for (clang, cpu) in [("clang-16", "v3"), ("clang-19", "v4")] {
            // clang-16 cannot emit the ISA v4 instructions of this file.
            if cpu == "v3" && stem == "v4_insns" {
                continue;
            }
            let obj = dir.path().join(format!("{stem}.{cpu}.o"));
            let out = Command::new(clang)
                .args(["-target", "bpf", "-O2", "-g"])
                .arg(format!("-mcpu={cpu}"))
                .arg("-I/usr/include/x86_64-linux-gnu")
                .arg("-c")
                .arg(source)
                .arg("-o")
                .arg(&obj)
                .output()
                .expect("run clang");
            assert!(
                out.status.success(),
                "{clang} {}: {}",
                source.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            programs += check_all_accepted(&obj);
        }
    }
    assert!(
        programs >= 14,
        "expected the test programs, verified {programs}"
    );
}

/// C programs with a known verdict (`// expect: accept` or
/// `// expect: reject <error code>`) in `verify-data/c/`.
#[test]
fn c_programs_get_their_expected_verdict() {
    if !have("clang-16") {
        return skip("clang-16 is not installed");
    }
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/verify-data/c");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&src)
        .expect("verify-data/c")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty());
    for source in &sources {
        let text = std::fs::read_to_string(source).expect("read");
        let expect = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("// expect:"))
            .map(str::trim)
            .unwrap_or_else(|| panic!("{}: no `// expect:` line", source.display()));
        let obj = dir.path().join("prog.o");
        let out = Command::new("clang-16")
            .args(["-target", "bpf", "-O2", "-g", "-mcpu=v3"])
            .arg("-I/usr/include/x86_64-linux-gnu")
            .arg("-c")
            .arg(source)
            .arg("-o")
            .arg(&obj)
            .output()
            .expect("run clang");
        assert!(
            out.status.success(),
            "{}: {}",
            source.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed = Object::parse(&std::fs::read(&obj).expect("read")).expect("parse");
        for r in verify_object(&parsed, &Platform::linux(), &Options::strict()) {
            let ObjectResult::Verified(rep) = r else {
                panic!("{}: not verified", source.display());
            };
            let got = if rep.accepted() {
                "accept".to_string()
            } else {
                format!("reject {}", rep.errors[0].kind.code())
            };
            assert_eq!(got, expect, "{}: {rep}", source.display());
            if !rep.accepted() {
                let line = rep.errors[0]
                    .line
                    .as_ref()
                    .expect("a source line from DWARF/BTF.ext");
                assert!(line.file.ends_with(".c"), "{}", line.file);
            }
        }
    }
}
