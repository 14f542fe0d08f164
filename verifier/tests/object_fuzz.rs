//! Fuzzing the object reader, linker and listing with proptest: random
//! bytes, and random mutations (byte flips, truncations) of real objects.
//! Nothing may panic; every failure must be a typed error. The case count
//! is bounded for CI (override with `PROPTEST_CASES`).

#[path = "data/object_support.rs"]
mod support;

use proptest::prelude::*;

use palisade_verifier::isa::text::assemble_insns;
use palisade_verifier::object::listing::listing;
use palisade_verifier::object::write::{
    write_object, FunctionSpec, MapSpec, ObjectSpec, RelocSpec, SectionSpec,
};
use palisade_verifier::object::{Object, SourceLoc};

/// Reads, links every program and lists `bytes`; panics are the bug.
fn exercise(bytes: &[u8]) {
    if let Ok(obj) = Object::parse(bytes) {
        for i in 0..obj.programs().len() {
            let _ = obj.link(i);
        }
        let text = listing(&obj, None).to_text("fuzz.o");
        assert!(text.contains("file format elf64-bpf"));
    }
}

/// A small but feature-complete object: maps, a subprogram, relocations,
/// BTF, `.BTF.ext` and DWARF.
fn seed_object() -> Vec<u8> {
    let insns = |t: &str| assemble_insns(t).expect("asm");
    let loc = |line| SourceLoc {
        file: "a.pol".into(),
        line,
        column: 1,
        text: None,
    };
    let spec = ObjectSpec {
        license: "GPL".into(),
        sections: vec![
            SectionSpec {
                name: "xdp".into(),
                functions: vec![FunctionSpec {
                    name: "prog".into(),
                    global: true,
                    insns: insns(
                        "r1 = 0 ll\nr2 = 1\nif r2 > 3 goto +1\ncall local -1\nr0 = 2\nexit",
                    ),
                    relocs: vec![
                        RelocSpec {
                            slot: 0,
                            symbol: "m".into(),
                        },
                        RelocSpec {
                            slot: 4,
                            symbol: "sub".into(),
                        },
                    ],
                    labels: vec![],
                    lines: vec![(0, loc(1)), (3, loc(2))],
                }],
            },
            SectionSpec {
                name: ".text".into(),
                functions: vec![FunctionSpec {
                    name: "sub".into(),
                    insns: insns("r0 = 1\nexit"),
                    lines: vec![(0, loc(7))],
                    ..FunctionSpec::default()
                }],
            },
        ],
        maps: vec![MapSpec {
            name: "m".into(),
            map_type: 2,
            key_size: 4,
            value_size: 8,
            max_entries: 4,
            entries: vec![(vec![0; 4], vec![1; 8])],
            ..MapSpec::default()
        }],
        externs: vec![],
        notes: vec![],
    };
    write_object(&spec).expect("seed object")
}

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![seed_object()];
    if let Some(objs) = support::corpus_objects("object_fuzz seeds") {
        for name in [
            "verifier_map_in_map.o",
            "verifier_arena.o",
            "verifier_global_subprogs.o",
        ] {
            if let Some(p) = objs.iter().find(|p| p.ends_with(name)) {
                seeds.push(std::fs::read(p).expect("read corpus object"));
            }
        }
    }
    seeds
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

#[test]
fn seeds_read_cleanly() {
    for seed in seeds() {
        let obj = Object::parse(&seed).expect("seed parses");
        assert!(!obj.programs().is_empty());
        exercise(&seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
        // Also with a valid ELF magic and header prefix, to get further in.
        let mut elf = seed_object();
        let n = bytes.len().min(elf.len());
        elf[64..].iter_mut().zip(&bytes[..n.saturating_sub(64)]).for_each(|(d, s)| *d = *s);
        exercise(&elf);
    }

    #[test]
    fn mutated_objects_never_panic(
        which in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..24),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[which.index(seeds.len())].clone();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        exercise(&bytes);
    }
}
