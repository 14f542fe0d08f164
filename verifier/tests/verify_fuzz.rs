//! The verifier never panics: random mostly-valid programs, random
//! mutations of them, and random bytes all get a verdict. A bounded run
//! here (`PALISADE_FUZZ_COUNT` raises it).

use palisade_verifier::isa::decode_program;
use palisade_verifier::isa::encode_program;
use palisade_verifier::verify::gen::{random_program, Rng};
use palisade_verifier::verify::{
    verify_program, AttachType, Options, Platform, ProgKind, ProgType, Program,
};

fn count() -> u64 {
    std::env::var("PALISADE_FUZZ_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn verify_both_profiles(p: &Program) {
    let platform = Platform::linux();
    for options in [Options::strict(), Options::kernel_privileged()] {
        let r = verify_program(p, &platform, &options);
        assert_eq!(r.accepted(), r.errors.is_empty(), "{}", p.name);
    }
}

#[test]
fn random_programs_get_a_verdict() {
    for seed in 0..count() {
        verify_both_profiles(&random_program(seed));
    }
}

#[test]
fn random_bytes_get_a_verdict() {
    let mut rng = Rng::new(0xfeed);
    let kinds = [
        ProgKind::new(ProgType::SocketFilter, AttachType::NONE),
        ProgKind::new(ProgType::SchedCls, AttachType::NONE),
        ProgKind::new(ProgType::Xdp, AttachType::XDP),
        ProgKind::new(ProgType::CgroupSockAddr, AttachType::CGROUP_INET4_CONNECT),
    ];
    let mut decoded = 0;
    for i in 0..count() * 2 {
        // Start from a valid program and flip random bytes, so that many
        // inputs still decode and reach the analysis.
        let base = random_program(i);
        let mut bytes = encode_program(base.insns.iter().map(|(_, i)| i));
        for _ in 0..1 + rng.below(4) {
            let k = rng.below(bytes.len() as u64) as usize;
            bytes[k] = rng.next_u64() as u8;
        }
        if let Ok(insns) = decode_program(&bytes) {
            decoded += 1;
            let mut p = Program::new(format!("bytes_{i}"), kinds[(i % 4) as usize], insns);
            p.maps = base.maps.clone();
            p.map_refs = base.map_refs.clone();
            verify_both_profiles(&p);
        }
    }
    assert!(decoded > 0);
}
