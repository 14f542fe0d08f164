//! The object writer: deterministic bytes, read back by our own reader,
//! by aya-obj (an independent ELF/BTF reader), by `bpftool btf dump`, and
//! loaded by the kernel with `bpftool prog loadall`.

#[path = "data/object_support.rs"]
mod support;

use std::process::Command;
use std::sync::Arc;

use palisade_verifier::isa::text::assemble_insns;
use palisade_verifier::isa::{Insn, Pseudo};
use palisade_verifier::object::maps::map_type;
use palisade_verifier::object::write::{
    write_object, FunctionSpec, MapSpec, ObjectSpec, RelocSpec, SectionSpec, WriteError,
};
use palisade_verifier::object::{LineSource, Object, ProgType, SourceLoc};

fn asm(text: &str) -> Vec<Insn> {
    assemble_insns(text).unwrap_or_else(|e| panic!("{e:?}"))
}

fn loc(line: u32) -> SourceLoc {
    SourceLoc {
        file: Arc::from("policies/web.pol"),
        line,
        column: 3,
        text: Some(Arc::from(format!("rule on line {line}"))),
    }
}

/// Two programs (xdp calling a `.text` subprogram, and a tc classifier),
/// four maps, source lines.
fn spec() -> ObjectSpec {
    let xdp = asm("r6 = r1
         *(u64 *)(r10 - 8) = 0
         r2 = r10
         r2 += -4
         r1 = 0 ll
         call 1
         if r0 == 0 goto out
         r1 = 1
         lock *(u64 *)(r0 + 0) += r1
         r1 = 0 ll
         r2 = r10
         r2 += -8
         r3 = 8
         r4 = 0
         call 130
         call local -1
         out:
         r0 = 2
         exit");
    let sub = asm("r0 = 7\nexit");
    let tc = asm("r1 = 0 ll\nr0 = 0\nexit");
    ObjectSpec {
        license: "GPL".into(),
        sections: vec![
            SectionSpec {
                name: "xdp".into(),
                functions: vec![FunctionSpec {
                    name: "guard_edge".into(),
                    global: true,
                    insns: xdp,
                    relocs: vec![
                        RelocSpec {
                            slot: 4,
                            symbol: "counters".into(),
                        },
                        RelocSpec {
                            slot: 10,
                            symbol: "events".into(),
                        },
                        RelocSpec {
                            slot: 17,
                            symbol: "helper".into(),
                        },
                    ],
                    labels: vec![("out".into(), 18)],
                    lines: vec![
                        (0, loc(3)),
                        (4, loc(4)),
                        (5, loc(5)),
                        (6, loc(6)),
                        (18, loc(9)),
                    ],
                }],
            },
            SectionSpec {
                name: ".text".into(),
                functions: vec![FunctionSpec {
                    name: "helper".into(),
                    global: false,
                    insns: sub,
                    lines: vec![(0, loc(12))],
                    ..FunctionSpec::default()
                }],
            },
            SectionSpec {
                name: "classifier".into(),
                functions: vec![FunctionSpec {
                    name: "policy_web".into(),
                    global: true,
                    insns: tc,
                    relocs: vec![RelocSpec {
                        slot: 0,
                        symbol: "trusted".into(),
                    }],
                    ..FunctionSpec::default()
                }],
            },
        ],
        maps: vec![
            MapSpec {
                name: "counters".into(),
                map_type: map_type::PERCPU_ARRAY,
                key_size: 4,
                value_size: 8,
                max_entries: 16,
                ..MapSpec::default()
            },
            MapSpec {
                name: "trusted".into(),
                map_type: map_type::LPM_TRIE,
                key_size: 8,
                value_size: 4,
                max_entries: 64,
                flags: 1, // BPF_F_NO_PREALLOC
                entries: vec![(vec![8, 0, 0, 0, 10, 0, 0, 0], vec![1, 0, 0, 0])],
                ..MapSpec::default()
            },
            MapSpec {
                name: "ports".into(),
                map_type: map_type::HASH,
                key_size: 2,
                value_size: 1,
                max_entries: 32,
                ..MapSpec::default()
            },
            MapSpec {
                name: "events".into(),
                map_type: map_type::RINGBUF,
                max_entries: 4096,
                ..MapSpec::default()
            },
        ],
        externs: vec![],
        notes: vec![],
    }
}

#[test]
fn same_spec_gives_same_bytes() {
    let a = write_object(&spec()).expect("write");
    let b = write_object(&spec()).expect("write");
    assert_eq!(a, b);
    let mut other = spec();
    other.maps[0].max_entries = 17;
    assert_ne!(
        a,
        write_object(&other).expect("write"),
        "the spec must matter"
    );
}

#[test]
fn written_object_reads_back() {
    let bytes = write_object(&spec()).expect("write");
    let obj = Object::parse(&bytes).expect("parse");
    assert!(obj.problems.is_empty(), "{:?}", obj.problems);
    assert_eq!(obj.license.as_deref(), Some("GPL"));
    let progs: Vec<_> = obj
        .programs()
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.section_name.as_str(),
                p.kind.def.map(|d| d.prog_type),
            )
        })
        .collect();
    assert_eq!(
        progs,
        [
            ("guard_edge", "xdp", Some(ProgType::Xdp)),
            ("policy_web", "classifier", Some(ProgType::SchedCls))
        ]
    );
    let maps: Vec<_> = obj
        .maps
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                m.def.map_type,
                m.def.key_size,
                m.def.value_size,
                m.def.max_entries,
                m.def.flags,
            )
        })
        .collect();
    assert_eq!(
        maps,
        [
            ("counters", map_type::PERCPU_ARRAY, 4, 8, 16, 0),
            ("trusted", map_type::LPM_TRIE, 8, 4, 64, 1),
            ("ports", map_type::HASH, 2, 1, 32, 0),
            ("events", map_type::RINGBUF, 0, 0, 4096, 0),
        ]
    );
    assert_eq!(obj.maps[1].entries, spec().maps[1].entries);
    let linked = obj.link(0).expect("link");
    assert_eq!(linked.functions.len(), 2, "the subprogram is appended");
    assert_eq!(linked.functions[1].name, "helper");
    assert_eq!(linked.functions[1].start, 20);
    let refs: Vec<_> = linked.map_refs.iter().map(|r| (r.slot, r.map)).collect();
    assert_eq!(refs, [(4, 0), (10, 3)]);
    assert!(matches!(
        linked.insns.iter().find(|i| i.0 == 4).unwrap().1,
        Insn::LdPseudo {
            kind: Pseudo::MapIdx,
            imm: 0,
            ..
        }
    ));
    assert_eq!(linked.lines.source, LineSource::BtfExt);
    assert_eq!(
        linked.lines.at(5).map(|l| l.line),
        Some(4),
        "slot 5 is inside the ld_imm64 of line 4"
    );
    assert_eq!(linked.lines.at(8).map(|l| l.line), Some(6));
    assert_eq!(linked.lines.at(18).map(|l| l.line), Some(9));
    assert_eq!(linked.lines.at(20).map(|l| l.line), Some(12));
    assert_eq!(
        linked.lines.at(0).map(|l| l.to_string()).as_deref(),
        Some("policies/web.pol:3:3")
    );
    let tc = obj.link(1).expect("link tc");
    assert_eq!(tc.map_refs[0].map, 1);
}

#[test]
fn bad_specs_are_typed_errors() {
    let mut s = spec();
    s.sections[0].functions[0].relocs.push(RelocSpec {
        slot: 4,
        symbol: "nope".into(),
    });
    assert!(matches!(
        write_object(&s),
        Err(WriteError::UnknownSymbol { .. })
    ));
    let mut s = spec();
    s.sections[0].functions[0].relocs.push(RelocSpec {
        slot: 0,
        symbol: "counters".into(),
    });
    assert!(matches!(
        write_object(&s),
        Err(WriteError::RelocInstruction { .. })
    ));
    let mut s = spec();
    s.sections[0].functions[0].relocs.push(RelocSpec {
        slot: 5,
        symbol: "counters".into(),
    });
    assert!(
        matches!(write_object(&s), Err(WriteError::RelocSlot { .. })),
        "slot 5 is the second slot of an ld_imm64"
    );
    let mut s = spec();
    s.maps[1].entries.push((vec![1], vec![2]));
    assert!(matches!(
        write_object(&s),
        Err(WriteError::EntrySize { .. })
    ));
    let mut s = spec();
    s.maps[2].name = "helper".into();
    assert!(matches!(
        write_object(&s),
        Err(WriteError::DuplicateSymbol(_))
    ));
}

#[test]
fn aya_obj_reads_the_written_object_and_its_btf() {
    let bytes = write_object(&spec()).expect("write");
    let obj = aya_obj::Object::parse(&bytes).expect("aya-obj parses the object");
    let mut progs: Vec<_> = obj.programs.keys().cloned().collect();
    progs.sort();
    assert_eq!(progs, ["guard_edge", "policy_web"]);
    let counters = &obj.maps["counters"];
    assert_eq!(
        (
            counters.map_type(),
            counters.key_size(),
            counters.value_size(),
            counters.max_entries()
        ),
        (map_type::PERCPU_ARRAY, 4, 8, 16)
    );
    let trusted = &obj.maps["trusted"];
    assert_eq!(
        (trusted.map_type(), trusted.map_flags()),
        (map_type::LPM_TRIE, 1)
    );
    assert_eq!(obj.maps["events"].max_entries(), 4096);
    assert!(obj.btf.is_some(), "aya-obj parsed .BTF");
    assert!(obj.btf_ext.is_some(), "aya-obj parsed .BTF.ext");
    // The BTF blob alone, through aya-obj's BTF parser.
    let raw = palisade_verifier::object::elf::RawElf::parse(&bytes).expect("elf");
    let blob = raw.section_by_name(".BTF").expect(".BTF").data;
    let btf = aya_obj::btf::Btf::parse(blob, object::Endianness::Little).expect("aya-obj BTF");
    assert!(btf
        .id_by_type_name_kind(".maps", aya_obj::btf::BtfKind::DataSec)
        .is_ok());
    assert!(btf
        .id_by_type_name_kind("guard_edge", aya_obj::btf::BtfKind::Func)
        .is_ok());
}

#[test]
fn bpftool_dumps_the_written_btf() {
    let test = "bpftool_dumps_the_written_btf";
    if !support::have("bpftool") {
        return support::skip(test, "bpftool is not installed");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("maps.o");
    std::fs::write(&path, write_object(&spec()).expect("write")).expect("write file");
    let dump = support::run(
        Command::new("bpftool")
            .args(["btf", "dump", "file"])
            .arg(&path),
    );
    for needle in [
        "VAR 'counters' type_id=",
        "VAR 'trusted'",
        "DATASEC '.maps' size=",
        "'max_entries' type_id=",
        "FUNC 'guard_edge' type_id=",
        "FUNC 'helper' type_id=",
        "STRUCT '(anon)' size=",
        "nr_elems=4096",
    ] {
        assert!(
            dump.contains(needle),
            "bpftool btf dump lacks `{needle}`:\n{dump}"
        );
    }
}

#[test]
fn kernel_loads_the_written_object() {
    let test = "kernel_loads_the_written_object";
    let Some(pins) = support::BpfDir::new(test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("policy.o");
    std::fs::write(&path, write_object(&spec()).expect("write")).expect("write file");
    let out = Command::new("bpftool")
        .args(["prog", "loadall"])
        .arg(&path)
        .arg(&pins.0)
        .output()
        .expect("bpftool");
    assert!(
        out.status.success(),
        "bpftool prog loadall failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pinned: Vec<String> = std::fs::read_dir(&pins.0)
        .expect("pins")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pinned.sort();
    assert_eq!(pinned, ["guard_edge", "policy_web"]);
    let xlated = support::run(
        Command::new("bpftool")
            .args(["prog", "dump", "xlated", "pinned"])
            .arg(pins.0.join("guard_edge"))
            .arg("linum"),
    );
    assert!(
        xlated.contains("file:policies/web.pol line_num:4"),
        "{xlated}"
    );
}
