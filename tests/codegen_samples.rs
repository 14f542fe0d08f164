//! Every sample policy through `palisade build`: deterministic objects,
//! disassembly snapshots (so reviewers see bytecode changes), and loads in
//! the kernel with bpftool (libbpf) and aya, unchanged.
//!
//! Kernel tests skip loudly without BPF rights, and fail instead when
//! PALISADE_REQUIRE_KERNEL=1.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn palisade(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run palisade")
}

fn samples() -> Vec<String> {
    support::sample_paths()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Builds `samples/NAME` from the repository root into `out`.
fn build(name: &str, out: &Path) -> PathBuf {
    let obj = out.join(name.replace(".pol", ".o"));
    let o = palisade(
        &support::repo_root(),
        &[
            "build",
            &format!("samples/{name}"),
            "-o",
            obj.to_str().unwrap(),
        ],
    );
    assert!(
        o.status.success(),
        "build {name} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    obj
}

#[test]
fn samples_build_deterministically_and_disassemble_as_snapshotted() {
    let tmp = tempfile::tempdir().unwrap();
    for name in samples() {
        let a = build(&name, tmp.path());
        let first = std::fs::read(&a).unwrap();
        let again = build(&name, tmp.path());
        assert_eq!(
            first,
            std::fs::read(&again).unwrap(),
            "{name}: same input, different bytes"
        );
        let o = palisade(
            tmp.path(),
            &["disasm", a.file_name().unwrap().to_str().unwrap()],
        );
        assert!(o.status.success());
        let listing = String::from_utf8(o.stdout).unwrap();
        insta::assert_snapshot!(format!("disasm_{}", name.trim_end_matches(".pol")), listing);
    }
}

#[test]
fn bad_policies_are_not_built() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.pol");
    std::fs::write(
        &bad,
        "policy web on ingress {\n  allow tcp to port 99999\n}\n",
    )
    .unwrap();
    let o = palisade(tmp.path(), &["build", "bad.pol"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.pol:2:"),
        "diagnostic points at the line: {err}"
    );
    assert!(
        !tmp.path().join("bad.o").exists(),
        "nothing written for a bad policy"
    );
    let o = palisade(tmp.path(), &["build", "missing.pol"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn samples_load_unchanged_with_bpftool() {
    if support::kernel("samples_load_unchanged_with_bpftool").is_none() {
        return;
    }
    let have_bpftool = Command::new("bpftool")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_bpftool {
        assert!(!support::kernel_required(), "bpftool is required");
        eprintln!("\n*** SKIPPED samples_load_unchanged_with_bpftool: no bpftool ***\n");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for name in samples() {
        let obj = build(&name, tmp.path());
        let pin = support::BpffsDir::new(&format!("sample_{}", name.trim_end_matches(".pol")));
        let o = Command::new("bpftool")
            .args(["prog", "loadall"])
            .arg(&obj)
            .arg(pin.path())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "bpftool prog loadall {name}:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let pinned = std::fs::read_dir(pin.path()).unwrap().count();
        assert!(pinned >= 1, "{name}: no program pinned");
    }
}

#[test]
fn samples_load_unchanged_with_aya() {
    if support::kernel("samples_load_unchanged_with_aya").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for name in samples() {
        let obj = build(&name, tmp.path());
        let bytes = std::fs::read(&obj).unwrap();
        let mut ebpf =
            aya::Ebpf::load(&bytes).unwrap_or_else(|e| panic!("aya cannot read {name}: {e}"));
        let names: Vec<String> = ebpf.programs().map(|(n, _)| n.to_string()).collect();
        assert!(!names.is_empty(), "{name}: aya found no programs");
        for prog in names {
            let program = ebpf.program_mut(&prog).unwrap();
            let result = match program {
                aya::programs::Program::SchedClassifier(p) => p.load(),
                aya::programs::Program::Xdp(p) => p.load(),
                aya::programs::Program::CgroupSockAddr(p) => p.load(),
                other => panic!(
                    "{name}/{prog}: unexpected program kind {:?}",
                    other.prog_type()
                ),
            };
            result.unwrap_or_else(|e| panic!("aya could not load {name}/{prog}: {e:?}"));
        }
    }
}
