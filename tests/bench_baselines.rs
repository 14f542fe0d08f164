//! The hand-written C baselines of the code-quality benchmark (`bench/c`,
//! run by `cargo bench --bench codegen`) decide every benchmark frame, and
//! the edge-case frames derived from them (VLAN tags, IPv4 options, an
//! IPv6 extension header, fragments, truncation, ARP), exactly as
//! Palisade's programs and the reference semantics do. So the baselines
//! cannot silently rot when a policy, the language or codegen changes.
//!
//! Always in the userspace VM; also in the kernel (`BPF_PROG_TEST_RUN`)
//! when this process may use BPF. Skips loudly without clang-16 or BPF
//! rights, and fails instead under `PALISADE_REQUIRE_KERNEL=1`.

#[path = "../bench/support/mod.rs"]
mod bench;

use bench::engines::{self, Pair, Policy, VmProgram};
use bench::{cases, clang, frames, kernel_required, scale};

#[test]
fn c_baselines_agree_with_palisade_and_the_reference() {
    if clang::version().is_none() {
        assert!(
            !kernel_required(),
            "{} is not installed but PALISADE_REQUIRE_KERNEL=1",
            clang::compiler()
        );
        eprintln!(
            "\n*** SKIPPED c_baselines_agree_with_palisade_and_the_reference: {} is not installed ***\n",
            clang::compiler()
        );
        return;
    }
    let kernel = match engines::kernel() {
        Ok(k) => Some(k),
        Err(why) => {
            assert!(!kernel_required(), "{why} but PALISADE_REQUIRE_KERNEL=1");
            eprintln!(
                "\n*** SKIPPED the kernel half of c_baselines_agree_with_palisade_and_the_reference: {why} (the VM half runs) ***\n"
            );
            None
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let mut in_kernel = 0;
    for case in cases::ALL {
        let c_elf = clang::compile(&case.c_path(), dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let mut pair = Pair::new(case, c_elf, kernel.as_ref()).unwrap_or_else(|e| panic!("{e}"));
        in_kernel += pair
            .check_mixes(kernel.as_ref())
            .unwrap_or_else(|e| panic!("{e}"));
        let texts: Vec<&str> = case.mixes.iter().flat_map(|m| m.packets).copied().collect();
        for frame in frames::edge_frames(&texts) {
            let v = pair
                .verdicts(kernel.as_ref(), &frame)
                .unwrap_or_else(|e| panic!("{e}"));
            in_kernel += usize::from(v.kernel.is_some());
        }
    }
    if kernel.is_some() {
        assert!(
            in_kernel >= 300,
            "only {in_kernel} frames ran in the kernel"
        );
    }
}

/// The scale benchmark's generated policies check, and their probe
/// packets decide as `bench/support/scale.rs` (and the docs) say.
#[test]
fn scale_policies_decide_their_probes_as_documented() {
    for n in [1, 10, 100] {
        let policy = Policy::compile("rules.pol", &scale::rules_policy(n)).unwrap();
        let (function, hook) = policy.program("scale");
        let mut vm = VmProgram::load(&policy.elf, &function, &Vec::new()).unwrap();
        let verdicts = hook.verdicts();
        for (label, packet) in scale::rules_probes(n) {
            let want = if label.starts_with("no match") {
                verdicts.block
            } else {
                verdicts.pass
            };
            let frame = build(&packet);
            assert_eq!(
                policy.expected("scale", &frame),
                want as u32,
                "{n}: {label}"
            );
            assert_eq!(vm.run(&frame).unwrap().r0, want as u64, "{n}: {label}");
        }
        let policy = Policy::compile("sets.pol", &scale::set_policy(n)).unwrap();
        let (function, _) = policy.program("sets");
        let mut vm = VmProgram::load(&policy.elf, &function, &Vec::new()).unwrap();
        for (label, packet) in scale::set_probes() {
            let want = if label.starts_with("hit") {
                verdicts.pass
            } else {
                verdicts.block
            };
            let frame = build(&packet);
            assert_eq!(policy.expected("sets", &frame), want as u32, "{n}: {label}");
            assert_eq!(vm.run(&frame).unwrap().r0, want as u64, "{n}: {label}");
        }
    }
}

fn build(packet: &str) -> Vec<u8> {
    let p = palisade_compiler::eval::parse_packet(packet).expect("probe packets parse");
    palisade_compiler::codegen::wire::build_frame(&p)
}
