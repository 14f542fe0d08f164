//! Palisade's verifier against the running kernel's (`BPF_PROG_LOAD`).
//!
//! * Random, mostly valid programs (`verify::gen`) are verified by both;
//!   Palisade must never accept what Linux rejects (an unsafe accept), and
//!   must never panic. `PALISADE_DIFF_COUNT` sets the number of programs
//!   (CI runs a bounded default).
//! * The helper availability table matches the kernel for the program
//!   types Palisade supports, except for the listed helpers some kernel
//!   builds withhold (`KERNEL_BUILD_WITHHOLDS`), which are reported.
//!
//! Without BPF rights the tests are skipped with a loud message, unless
//! `PALISADE_REQUIRE_KERNEL=1`, where they fail.

use palisade_runtime::sys::{Bpf, Fd, Kernel, MapCreate, ProgLoad};
use palisade_verifier::isa::{encode_program, Insn, Pseudo};
use palisade_verifier::verify::gen::random_program;
use palisade_verifier::verify::platform::helpers;
use palisade_verifier::verify::{verify_program, AttachType, Options, Platform, ProgType, Program};

/// The kernel, if this process may use `bpf()`.
fn kernel() -> Option<Kernel> {
    let k = Kernel;
    let probe = k.map_create(&MapCreate {
        map_type: 2,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        name: "probe".into(),
        ..MapCreate::default()
    });
    match probe {
        Ok(_) => Some(k),
        Err(e) => {
            if std::env::var("PALISADE_REQUIRE_KERNEL").as_deref() == Ok("1") {
                panic!("PALISADE_REQUIRE_KERNEL=1 but bpf() is not usable: {e}");
            }
            eprintln!("\n!!! SKIPPED: no BPF rights here ({e}); set PALISADE_REQUIRE_KERNEL=1 to make this fail !!!\n");
            None
        }
    }
}

/// Encodes a program with map indexes replaced by descriptors.
fn encode(prog: &Program, fds: &[Fd]) -> Vec<[u8; 8]> {
    let insns: Vec<Insn> = prog
        .insns
        .iter()
        .map(|(slot, i)| match *i {
            Insn::LdPseudo {
                dst,
                kind: Pseudo::MapFd,
                ..
            } => {
                let map = prog.map_refs.get(slot).copied().unwrap_or(0);
                Insn::LdPseudo {
                    dst,
                    kind: Pseudo::MapFd,
                    imm: fds.get(map).map_or(-1, Fd::raw),
                    imm2: 0,
                }
            }
            other => other,
        })
        .collect();
    encode_program(insns.iter())
        .chunks(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            a
        })
        .collect()
}

fn load(k: &Kernel, prog: &Program, fds: &[Fd], log: bool) -> (Result<(), i32>, String) {
    let out = k.prog_load(&ProgLoad {
        prog_type: prog.kind.prog_type.kernel_id(),
        expected_attach_type: prog.kind.attach.0,
        insns: encode(prog, fds),
        license: "GPL".into(),
        name: "palisade_diff".into(),
        log_level: if log { 1 } else { 0 },
        log_size: if log { 1 << 22 } else { 0 },
        ..ProgLoad::default()
    });
    (out.result.map(|_| ()), out.log)
}

fn render(prog: &Program) -> String {
    prog.insns
        .iter()
        .map(|(s, i)| format!("{s:4}: {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn random_programs_never_accept_what_linux_rejects() {
    let Some(k) = kernel() else {
        return;
    };
    let count: u64 = std::env::var("PALISADE_DIFF_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let seed0: u64 = std::env::var("PALISADE_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let template = random_program(0);
    let fds: Vec<Fd> = template
        .maps
        .iter()
        .map(|m| {
            k.map_create(&MapCreate {
                map_type: m.map_type.0,
                key_size: m.key_size,
                value_size: m.value_size,
                max_entries: m.max_entries,
                name: m.name.clone(),
                ..MapCreate::default()
            })
            .expect("create a map")
        })
        .collect();
    let platform = Platform::linux();
    let (mut both_accept, mut both_reject, mut false_reject) = (0u64, 0u64, 0u64);
    let mut unsafe_accepts = Vec::new();
    for seed in seed0..seed0 + count {
        let prog = random_program(seed);
        let ours = verify_program(&prog, &platform, &Options::kernel_privileged());
        let (kernel, _) = load(&k, &prog, &fds, false);
        match (ours.accepted(), kernel.is_ok()) {
            (true, true) => both_accept += 1,
            (false, false) => both_reject += 1,
            (false, true) => false_reject += 1,
            (true, false) => {
                let (_, log) = load(&k, &prog, &fds, true);
                let tail: Vec<&str> = log.lines().rev().take(3).collect();
                unsafe_accepts.push(format!(
                    "seed {seed} ({}): kernel: {}\n{}",
                    prog.kind.prog_type,
                    tail.join(" / "),
                    render(&prog)
                ));
            }
        }
    }
    println!(
        "random differential: {count} programs from seed {seed0}: both accept {both_accept}, \
         both reject {both_reject}, false reject {false_reject}, unsafe accept {}",
        unsafe_accepts.len()
    );
    assert!(
        unsafe_accepts.is_empty(),
        "Palisade accepted programs Linux rejects:\n{}",
        unsafe_accepts.join("\n\n")
    );
    assert!(
        both_accept > 0 && both_reject > 0,
        "the generator should produce both kinds"
    );
}

/// Helpers that upstream Linux 6.18 offers to a program type but that some
/// kernel builds refuse ("program of this type cannot use helper"). The
/// table follows upstream, so a program using one verifies but may not load
/// on such a kernel; the test reports these loudly instead of failing. Any
/// other difference, in either direction, fails.
const KERNEL_BUILD_WITHHOLDS: &[(&str, i32, &str)] = &[(
    "xdp",
    54,
    "bpf_xdp_adjust_meta: upstream xdp_func_proto returns it; the \
     6.18.44-fc kernel of the CI machine refuses it since 2026-12",
)];

#[test]
fn helper_availability_matches_kernel() {
    let Some(k) = kernel() else {
        return;
    };
    let kinds = [
        (ProgType::SocketFilter, AttachType::NONE),
        (ProgType::SchedCls, AttachType::NONE),
        (ProgType::Xdp, AttachType::XDP),
        (ProgType::CgroupSkb, AttachType::CGROUP_INET_INGRESS),
        (ProgType::CgroupSockAddr, AttachType::CGROUP_INET4_CONNECT),
    ];
    let mut mismatches = Vec::new();
    for (pt, at) in kinds {
        for id in 1..=helpers::HELPERS.len() as i32 {
            let text = format!("r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall {id}\nr0 = 0\nexit");
            let insns = palisade_verifier::isa::text::assemble_insns(&text).expect("assemble");
            let raw: Vec<[u8; 8]> = encode_program(insns.iter())
                .chunks(8)
                .map(|c| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(c);
                    a
                })
                .collect();
            let out = k.prog_load(&ProgLoad {
                prog_type: pt.kernel_id(),
                expected_attach_type: at.0,
                insns: raw,
                license: "GPL".into(),
                log_level: 1,
                log_size: 1 << 16,
                ..ProgLoad::default()
            });
            let kernel_allows = out.result.is_ok()
                || !(out.log.contains("cannot use helper")
                    || out.log.contains("invalid func")
                    || out.log.contains("unknown func"));
            if kernel_allows == helpers::allowed(pt.name(), id) {
                continue;
            }
            match KERNEL_BUILD_WITHHOLDS
                .iter()
                .find(|(t, h, _)| *t == pt.name() && *h == id)
            {
                Some((_, _, why)) if !kernel_allows => {
                    eprintln!("!!! NOTE: this kernel refuses {pt} helper {id}, which the table offers: {why}");
                }
                _ => mismatches.push(format!(
                    "{pt} helper {id}: kernel {kernel_allows}, table {}",
                    !kernel_allows
                )),
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "helper table differs:\n{}",
        mismatches.join("\n")
    );
}
