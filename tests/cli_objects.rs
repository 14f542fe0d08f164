//! CLI tests of `palisade disasm` and `palisade asm`: exit codes and
//! messages on bad input, JSON output, the disasm -> asm round trip, the
//! listing of clang-built objects against `llvm-objdump-19`, and kernel
//! loads of assembled objects with `bpftool prog load`.
//!
//! Tool and kernel tests skip loudly when bpftool/clang/llvm-objdump or
//! BPF rights are missing, and fail instead when PALISADE_REQUIRE_KERNEL=1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn palisade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .output()
        .expect("run palisade")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn required() -> bool {
    std::env::var("PALISADE_REQUIRE_KERNEL").is_ok_and(|v| v == "1")
}

fn skip(test: &str, why: &str) {
    assert!(
        !required(),
        "{test}: {why}, and PALISADE_REQUIRE_KERNEL=1 requires it"
    );
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

const XDP_ASM: &str = r#"
; counts packets per CPU, then passes them
.license "GPL"
.map pkts type=percpu_array key_size=4 value_size=8 max_entries=1
.section xdp
.globl count
count:
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = pkts ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    call bump
out:
    r0 = 2
    exit
.text
.globl bump
bump:
    r0 = 0
    exit
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn disasm_rejects_bad_objects_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let src = write(dir.path(), "ok.s", XDP_ASM);
    let obj = dir.path().join("ok.o");
    let o = palisade(&["asm", path_str(&src), "-o", path_str(&obj)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let good = std::fs::read(&obj).unwrap();

    let garbage = write(dir.path(), "garbage.o", "this is not an object\n");
    let truncated = dir.path().join("truncated.o");
    std::fs::write(&truncated, &good[..good.len() / 3]).unwrap();
    let mut x86 = good.clone();
    x86[18..20].copy_from_slice(&62u16.to_le_bytes());
    let wrong = dir.path().join("x86.o");
    std::fs::write(&wrong, &x86).unwrap();
    let empty = write(dir.path(), "empty.o", "");
    for (file, message) in [
        (&garbage, "not an ELF file"),
        (&truncated, "truncated ELF file"),
        (&wrong, "wrong machine: e_machine is 62 (x86-64)"),
        (&empty, "not an ELF file"),
    ] {
        let o = palisade(&["disasm", path_str(file)]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}: {}",
            file.display(),
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(message),
            "{}: {}",
            file.display(),
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"));
    }
    let o = palisade(&["disasm", path_str(&obj), "--section", "tc"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no code section `tc` (code sections: xdp, .text)"),
        "{}",
        stderr(&o)
    );
    let o = palisade(&["disasm", path_str(&dir.path().join("missing.o"))]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a missing file is an environment error"
    );
}

#[test]
fn asm_reports_errors_with_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let src = write(
        dir.path(),
        "bad.s",
        ".section xdp\nr0 = 1\nr11 = 2\nif r0 > goto x\nexit\n",
    );
    let out = dir.path().join("bad.o");
    let o = palisade(&["asm", path_str(&src), "-o", path_str(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bad.s:3:"), "{err}");
    assert!(err.contains("bad.s:4:"), "{err}");
    assert!(!out.exists(), "no output on failure");
    // No section and no --type.
    let src = write(dir.path(), "nosec.s", "r0 = 1\nexit\n");
    let o = palisade(&["asm", path_str(&src), "-o", path_str(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("outside any section"), "{}", stderr(&o));
    let o = palisade(&[
        "asm",
        path_str(&src),
        "-o",
        path_str(&out),
        "--type",
        "nope",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown --type is a usage error"
    );
}

#[test]
fn disasm_json_lists_programs_maps_and_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let src = write(dir.path(), "p.s", XDP_ASM);
    let obj = dir.path().join("p.o");
    assert!(palisade(&["asm", path_str(&src), "-o", path_str(&obj)])
        .status
        .success());
    let o = palisade(&["--json", "disasm", path_str(&obj)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let l = &v["listing"];
    assert_eq!(l["license"], "GPL");
    assert_eq!(l["maps"][0]["name"], "pkts");
    assert_eq!(l["maps"][0]["map_type"], 6);
    assert_eq!(l["programs"][0]["name"], "count");
    assert_eq!(l["programs"][0]["prog_type"], "xdp");
    let insns: Vec<&serde_json::Value> = l["sections"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "insn")
        .collect();
    assert_eq!(insns[0]["text"], "*(u32 *)(r10 - 0x4) = 0x0");
    assert_eq!(insns[5]["target"], "out");
}

#[test]
fn disasm_then_asm_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let src = write(dir.path(), "p.s", XDP_ASM);
    let a = dir.path().join("a.o");
    let b = dir.path().join("b.o");
    let o = palisade(&["asm", "--no-line-info", path_str(&src), "-o", path_str(&a)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listing = stdout(&palisade(&["disasm", path_str(&a)]));
    assert!(
        listing.contains("if r0 == 0x0 goto +0x3 <out>"),
        "{listing}"
    );
    let lst = write(dir.path(), "a.lst", &listing);
    let o = palisade(&["asm", "--no-line-info", path_str(&lst), "-o", path_str(&b)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // With line info the code is the same; only the lines point elsewhere.
    let c = dir.path().join("c.o");
    assert!(palisade(&["asm", path_str(&src), "-o", path_str(&c)])
        .status
        .success());
    let with_lines = stdout(&palisade(&["disasm", path_str(&c)]));
    assert!(with_lines.contains("; p.s:8:1"), "{with_lines}");
}

/// Instruction lines `(section, slot) -> text` of a listing.
fn insn_lines(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(s) = line
            .strip_prefix("Disassembly of section ")
            .and_then(|r| r.strip_suffix(':'))
        {
            section = s.to_owned();
        }
        let mut p = line.splitn(3, '\t');
        if let (Some(a), Some(_), Some(t)) = (p.next(), p.next(), p.next()) {
            if a.trim()
                .strip_suffix(':')
                .is_some_and(|n| n.parse::<u64>().is_ok())
            {
                out.push((
                    section.clone(),
                    a.trim().to_owned(),
                    palisade_verifier::isa::text::print::llvm_normalise(t),
                ));
            }
        }
    }
    out
}

#[test]
fn disasm_of_clang_objects_agrees_with_llvm_objdump() {
    let test = "disasm_of_clang_objects_agrees_with_llvm_objdump";
    for tool in ["clang-19", "llvm-objdump-19"] {
        if !have(tool) {
            return skip(test, &format!("{tool} is not installed"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let c = Path::new(env!("CARGO_MANIFEST_DIR")).join("verifier/tests/data/c");
    for name in ["xdp_maps", "tc_globals", "sock_cgroup", "v4_insns"] {
        let obj = dir.path().join(format!("{name}.o"));
        let o = Command::new("clang-19")
            .args([
                "-target",
                "bpf",
                "-mcpu=v4",
                "-O2",
                "-g",
                "-I/usr/include/x86_64-linux-gnu",
                "-c",
            ])
            .arg(c.join(format!("{name}.c")))
            .arg("-o")
            .arg(&obj)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let ours = palisade(&["disasm", path_str(&obj)]);
        assert!(ours.status.success(), "{}", stderr(&ours));
        let theirs = Command::new("llvm-objdump-19")
            .args(["-d", "--mcpu=v4"])
            .arg(&obj)
            .output()
            .unwrap();
        let (ours, theirs) = (insn_lines(&stdout(&ours)), insn_lines(&stdout(&theirs)));
        assert!(!theirs.is_empty());
        assert_eq!(ours, theirs, "{name}");
    }
}

#[test]
fn assembled_objects_load_in_the_kernel() {
    let test = "assembled_objects_load_in_the_kernel";
    if !have("bpftool") {
        return skip(test, "bpftool is not installed");
    }
    let is_bpffs = Command::new("stat")
        .args(["-f", "-c", "%T", "/sys/fs/bpf"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "bpf_fs");
    if !is_bpffs {
        return skip(test, "/sys/fs/bpf is not a mounted bpffs");
    }
    let dir = tempfile::tempdir().unwrap();
    // (--type, program) pairs: each loads as that program type.
    let cases = [
        ("xdp", "r0 = 2\nexit\n"),
        ("tc", "r0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit\n"),
        ("socket", "r0 = -1\nexit\n"),
        ("cgroup-connect4", "r2 = *(u32 *)(r1 + 4)\nr0 = 1\nexit\n"),
        ("cgroup-skb", "r0 = 1\nexit\n"),
    ];
    let mut files = vec![];
    for (ty, body) in cases {
        let src = write(dir.path(), &format!("{ty}.s"), body);
        files.push((ty.to_owned(), src));
    }
    files.push(("".to_owned(), write(dir.path(), "maps.s", XDP_ASM)));
    for (ty, src) in files {
        let obj = src.with_extension("o");
        let mut args = vec!["asm", path_str(&src), "-o", path_str(&obj)];
        if !ty.is_empty() {
            args.extend(["--type", &ty]);
        }
        let o = palisade(&args);
        assert!(o.status.success(), "{ty}: {}", stderr(&o));
        let pin = PathBuf::from(format!(
            "/sys/fs/bpf/palisade-cli-{}-{}",
            std::process::id(),
            if ty.is_empty() { "maps" } else { &ty }
        ));
        let load = Command::new("bpftool")
            .args(["prog", "load"])
            .arg(&obj)
            .arg(&pin)
            .output()
            .unwrap();
        let ok = load.status.success();
        let _ = std::fs::remove_file(&pin);
        if !ok && stderr(&load).contains("Operation not permitted") {
            return skip(test, "no BPF rights (bpftool prog load: EPERM)");
        }
        assert!(ok, "{ty}: bpftool prog load failed:\n{}", stderr(&load));
    }
}
