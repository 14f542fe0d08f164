//! `palisade exec` end to end: objects written by the object writer run in
//! the VM through the CLI, with text and `--json` output and the
//! documented exit codes (0 ran, 1 bad input or VM fault, 2 usage or
//! environment error).

use palisade_verifier::isa::text::assemble;
use palisade_verifier::object::write::from_asm::spec_from_assembly;
use palisade_verifier::object::write::write_object;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Assembles `text` into an object file in `dir`.
fn object(dir: &Path, name: &str, text: &str) -> PathBuf {
    let asm = assemble(text).unwrap_or_else(|e| panic!("bad test assembly: {e:?}"));
    let spec = spec_from_assembly(&asm, None, "GPL", None).expect("spec");
    let path = dir.join(name);
    std::fs::write(&path, write_object(&spec).expect("object")).expect("write object");
    path
}

fn palisade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .output()
        .expect("palisade runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const DROP_UDP: &str = "
.section xdp
.globl drop_udp
drop_udp:
    r2 = *(u32 *)(r1 + 0x0)
    r3 = *(u32 *)(r1 + 0x4)
    r4 = r2
    r4 += 34
    if r4 > r3 goto pass
    r5 = *(u8 *)(r2 + 23)
    if r5 != 17 goto pass
    r0 = 1
    exit
pass:
    r0 = 2
    exit
";

/// Ethernet + IPv4 header with protocol `proto`, as hex.
fn packet_hex(proto: u8) -> String {
    let mut p = [0u8; 34];
    p[12] = 0x08;
    p[14] = 0x45;
    p[23] = proto;
    p.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn an_xdp_program_runs_on_a_packet() {
    let dir = tempfile::tempdir().unwrap();
    let obj = object(dir.path(), "xdp.o", DROP_UDP);
    let obj = obj.to_str().unwrap();
    let out = palisade(&["exec", obj, "--section", "xdp", "--packet", &packet_hex(17)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "r0 = 1 (XDP_DROP)\ninstructions: 9\n");
    let out = palisade(&[
        "exec",
        obj,
        "--section",
        "xdp/drop_udp",
        "--packet",
        &packet_hex(6),
    ]);
    assert_eq!(stdout(&out), "r0 = 2 (XDP_PASS)\ninstructions: 9\n");
}

#[test]
fn json_output_and_packet_files() {
    let dir = tempfile::tempdir().unwrap();
    let obj = object(dir.path(), "xdp.o", DROP_UDP);
    let pkt = dir.path().join("udp.bin");
    let bytes: Vec<u8> = (0..34)
        .map(|i| u8::from_str_radix(&packet_hex(17)[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    std::fs::write(&pkt, bytes).unwrap();
    let out = palisade(&[
        "exec",
        obj.to_str().unwrap(),
        "--section",
        "xdp",
        "--packet-file",
        pkt.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["r0"], 1);
    assert_eq!(v["verdict"], "XDP_DROP");
    assert_eq!(v["instructions"], 9);
    assert_eq!(v["hook"], "xdp");
    assert_eq!(v["program"], "drop_udp");
    assert_eq!(v["frame"]["packet_changed"], false);
}

#[test]
fn a_connect_program_prints_the_rewritten_address() {
    let dir = tempfile::tempdir().unwrap();
    let obj = object(
        dir.path(),
        "lb.o",
        "
.section cgroup/connect4
.globl lb
lb:
    r2 = *(u32 *)(r1 + 4)
    if w2 != 0x0a00600a goto out
    w2 = 0x0500010a
    *(u32 *)(r1 + 4) = w2
    w2 = 0x901f
    *(u32 *)(r1 + 24) = w2
out:
    r0 = 1
    exit
",
    );
    let obj = obj.to_str().unwrap();
    let out = palisade(&[
        "exec",
        obj,
        "--section",
        "cgroup/connect4",
        "--connect",
        "10.96.0.10:80",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "r0 = 1 (allow)\naddress: 10.96.0.10:80 -> 10.1.0.5:8080\ninstructions: 8\n"
    );
    let out = palisade(&[
        "exec",
        obj,
        "--section",
        "cgroup/connect4",
        "--connect",
        "10.0.0.1:80",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["address"]["rewritten"], false);
    let out = palisade(&[
        "exec",
        obj,
        "--section",
        "cgroup/connect4",
        "--connect",
        "[::1]:80",
    ]);
    assert_eq!(out.status.code(), Some(2), "wrong family is a usage error");
}

#[test]
fn raw_memory_runs_and_trace_output() {
    let dir = tempfile::tempdir().unwrap();
    let obj = object(
        dir.path(),
        "mem.o",
        "
.section xdp
.globl sum
sum:
    r0 = *(u8 *)(r1 + 0)
    r3 = *(u8 *)(r1 + 1)
    r0 += r3
    r0 += r2
    exit
",
    );
    let out = palisade(&[
        "exec",
        obj.to_str().unwrap(),
        "--section",
        "xdp",
        "--mem",
        "05 07",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "r0 = 14\ninstructions: 5\n");
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let obj = object(dir.path(), "xdp.o", DROP_UDP);
    let obj = obj.to_str().unwrap();
    // Environment: the object does not exist.
    let out = palisade(&[
        "exec",
        "/nonexistent.o",
        "--section",
        "xdp",
        "--packet",
        "00",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // Usage: a packet program without a packet.
    let out = palisade(&["exec", obj, "--section", "xdp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--packet"), "{}", stderr(&out));
    // Bad input: not an object, a missing program, bad hex.
    let junk = dir.path().join("junk.o");
    std::fs::write(&junk, b"junk").unwrap();
    let out = palisade(&[
        "exec",
        junk.to_str().unwrap(),
        "--section",
        "xdp",
        "--packet",
        "00",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = palisade(&["exec", obj, "--section", "classifier", "--packet", "00"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("xdp/drop_udp"),
        "lists the programs: {}",
        stderr(&out)
    );
    let out = palisade(&["exec", obj, "--section", "xdp", "--packet", "0g"]);
    assert_eq!(out.status.code(), Some(1));
    // A VM fault is a verdict on the program: exit 1, with the instruction.
    let out = palisade(&["exec", obj, "--section", "xdp", "--mem", "00"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("VM fault: insn 0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_instruction_budget_is_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let obj = object(
        dir.path(),
        "spin.o",
        ".section xdp\n.globl spin\nspin:\n    goto spin\n",
    );
    let out = palisade(&[
        "exec",
        obj.to_str().unwrap(),
        "--section",
        "xdp",
        "--packet",
        "00",
        "--max-insns",
        "50",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("instruction limit of 50"),
        "{}",
        stderr(&out)
    );
}

/// Ethernet + IPv4 + a 20-byte TCP/UDP header, as hex.
fn ipv4_hex(src: [u8; 4], dst: [u8; 4], proto: u8, sport: u16, dport: u16) -> String {
    let mut p = vec![0u8; 12];
    p.extend_from_slice(&[0x08, 0x00]);
    p.extend_from_slice(&[0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, proto, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&[0; 16]);
    p.iter().map(|b| format!("{b:02x}")).collect()
}

/// `palisade build` then `palisade exec`: compiled sample policies give
/// the verdicts of their `test` blocks in the VM.
#[test]
fn compiled_samples_give_their_expected_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let build = |sample: &str| {
        let out_path = dir.path().join(format!("{sample}.o"));
        let src = root.join("samples").join(format!("{sample}.pol"));
        let out = palisade(&[
            "build",
            src.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "build {sample}: {}",
            stderr(&out)
        );
        out_path
    };
    let verdict = |obj: &Path, section: &str, flag: &str, input: &str| {
        let out = palisade(&[
            "exec",
            obj.to_str().unwrap(),
            "--section",
            section,
            flag,
            input,
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).expect("JSON")
    };
    // web-tier: pod ingress, tc; allow is TC_ACT_OK, deny TC_ACT_SHOT.
    let web = build("web-tier");
    let client = [192, 0, 2, 10];
    let pod = [10, 1, 4, 7];
    let cases = [
        (ipv4_hex(client, pod, 6, 51000, 443), "TC_ACT_OK"),
        (
            ipv4_hex([203, 0, 113, 9], pod, 6, 40000, 443),
            "TC_ACT_SHOT",
        ),
        (ipv4_hex(client, pod, 6, 51000, 22), "TC_ACT_SHOT"),
        (ipv4_hex(client, pod, 17, 51000, 443), "TC_ACT_SHOT"),
        (ipv4_hex([10, 240, 3, 1], pod, 6, 60000, 8081), "TC_ACT_OK"),
    ];
    for (packet, want) in &cases {
        assert_eq!(
            verdict(&web, "classifier", "--packet", packet)["verdict"],
            *want,
            "{packet}"
        );
    }
    // The blocked source is logged to the ring buffer.
    let v = verdict(&web, "classifier", "--packet", &cases[1].0);
    assert_eq!(v["records"].as_object().map(|r| r.len()), Some(1), "{v}");
    // xdp-guard: reflection from amplifier ports is dropped.
    let guard = build("xdp-guard");
    let node = [10, 240, 0, 5];
    let drop = ipv4_hex([192, 0, 2, 66], node, 17, 123, 40000);
    assert_eq!(
        verdict(&guard, "xdp", "--packet", &drop)["verdict"],
        "XDP_DROP"
    );
    let pass = ipv4_hex([8, 8, 8, 8], node, 17, 53, 40000);
    assert_eq!(
        verdict(&guard, "xdp", "--packet", &pass)["verdict"],
        "XDP_PASS"
    );
    // service-lb: connects to a service address are rewritten.
    let lb = build("service-lb");
    let v = verdict(&lb, "cgroup/connect4", "--connect", "10.96.0.21:5432");
    assert_eq!(v["address"]["after"], "10.1.9.2:5432");
    let v = verdict(&lb, "cgroup/connect4", "--connect", "10.96.0.20:443");
    assert_eq!(v["address"]["rewritten"], false);
}
