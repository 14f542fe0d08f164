//! Differential test: the disassembly listing (what `palisade disasm`
//! prints) agrees with `llvm-objdump-19 -d --mcpu=v4` on every
//! instruction, for C programs of our own (compiled here with clang-16
//! `-mcpu=v3` and clang-19 `-mcpu=v4`) and for every object of the kernel
//! verifier corpus.
//!
//! Both sides are compared after `llvm_normalise` (whitespace, jump
//! annotations, and Palisade's `call local`/`call kfunc`/`ld_pseudo`
//! spellings). Instructions llvm-objdump cannot decode (`<unknown>`) must
//! be ones our decoder rejects too.

#[path = "data/object_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_verifier::isa::text::print::llvm_normalise;
use palisade_verifier::object::listing::{listing, ListedLine};
use palisade_verifier::object::Object;

const OBJDUMP: &str = "llvm-objdump-19";

/// `(section, slot) -> text` of every instruction llvm-objdump prints.
fn llvm_insns(obj: &Path) -> BTreeMap<(String, usize), String> {
    let text = support::run(Command::new(OBJDUMP).args(["-d", "--mcpu=v4"]).arg(obj));
    let mut out = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("Disassembly of section ")
            .and_then(|r| r.strip_suffix(':'))
        {
            section = name.to_owned();
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(addr), Some(_bytes), Some(insn)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some(slot) = addr.trim().strip_suffix(':').and_then(|a| a.parse().ok()) else {
            continue;
        };
        out.insert((section.clone(), slot), llvm_normalise(insn));
    }
    out
}

/// The same map from our listing.
fn our_insns(obj: &Path) -> BTreeMap<(String, usize), String> {
    let bytes = std::fs::read(obj).expect("read object");
    let parsed = Object::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e:#?}", obj.display()));
    let mut out = BTreeMap::new();
    for section in listing(&parsed, None).sections {
        for line in section.lines {
            if let ListedLine::Insn { slot, text, .. } = line {
                out.insert((section.name.clone(), slot), llvm_normalise(&text));
            }
        }
    }
    out
}

/// Compares one object; returns (instructions compared, mismatch texts).
fn compare(obj: &Path) -> (usize, Vec<String>) {
    let theirs = llvm_insns(obj);
    let ours = our_insns(obj);
    let mut mismatches = Vec::new();
    for (key, want) in &theirs {
        match ours.get(key) {
            Some(got) if got == want => {}
            got => mismatches.push(format!(
                "{} {}:{}: llvm `{want}`, palisade `{}`",
                obj.display(),
                key.0,
                key.1,
                got.map_or("<missing>", String::as_str)
            )),
        }
    }
    for key in ours.keys().filter(|k| !theirs.contains_key(*k)) {
        mismatches.push(format!(
            "{} {}:{}: palisade prints `{}`, llvm nothing",
            obj.display(),
            key.0,
            key.1,
            ours[key]
        ));
    }
    (theirs.len(), mismatches)
}

fn report(test: &str, objects: &[PathBuf]) {
    let mut total = 0;
    let mut all = Vec::new();
    for obj in objects {
        let (n, mismatches) = compare(obj);
        total += n;
        all.extend(mismatches);
    }
    eprintln!(
        "{test}: {} objects, {total} instructions compared, {} mismatches",
        objects.len(),
        all.len()
    );
    assert!(total > 0, "{test}: nothing was compared");
    assert!(
        all.is_empty(),
        "{test}: {} mismatches:\n{}",
        all.len(),
        all.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn corpus_objects_disassemble_like_llvm_objdump() {
    let test = "corpus_objects_disassemble_like_llvm_objdump";
    if !support::have(OBJDUMP) {
        return support::skip(test, "llvm-objdump-19 is not installed");
    }
    let Some(objects) = support::corpus_objects(test) else {
        return;
    };
    report(test, &objects);
}

/// C files that only compile for ISA v4 (clang-16 cannot emit signed
/// division).
const V4_ONLY: &[&str] = &["v4_insns.c"];

/// Compiles every `tests/data/c/*.c` with clang-16 `-mcpu=v3` and
/// clang-19 `-mcpu=v4`; returns the objects, or `None` when skipped.
pub fn compile_c_programs(test: &str, dir: &Path) -> Option<Vec<PathBuf>> {
    for tool in ["clang-16", "clang-19", OBJDUMP] {
        if !support::have(tool) {
            support::skip(test, &format!("{tool} is not installed"));
            return None;
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/c");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&src)
        .expect("tests/data/c")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    sources.sort();
    let mut out = Vec::new();
    for source in &sources {
        let stem = source.file_stem().unwrap().to_string_lossy().into_owned();
        let file = source.file_name().unwrap().to_string_lossy().into_owned();
        for (clang, cpu) in [("clang-16", "v3"), ("clang-19", "v4")] {
            if cpu == "v3" && V4_ONLY.contains(&file.as_str()) {
                continue;
            }
            let obj = dir.join(format!("{stem}.{cpu}.o"));
            support::run(
                Command::new(clang)
                    .args(["-target", "bpf", "-O2", "-g"])
                    .arg(format!("-mcpu={cpu}"))
                    .arg("-I/usr/include/x86_64-linux-gnu")
                    .arg("-c")
                    .arg(source)
                    .arg("-o")
                    .arg(&obj),
            );
            out.push(obj);
        }
    }
    Some(out)
}

#[test]
fn own_c_programs_disassemble_like_llvm_objdump() {
    let test = "own_c_programs_disassemble_like_llvm_objdump";
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(objects) = compile_c_programs(test, dir.path()) else {
        return;
    };
    report(test, &objects);
    // Every program links.
    let mut programs = 0;
    for obj in &objects {
        let parsed = Object::parse(&std::fs::read(obj).unwrap()).unwrap();
        assert!(
            parsed.problems.is_empty(),
            "{}: {:?}",
            obj.display(),
            parsed.problems
        );
        for i in 0..parsed.programs().len() {
            parsed
                .link(i)
                .unwrap_or_else(|e| panic!("{} program {i}: {e:#?}", obj.display()));
            programs += 1;
        }
    }
    assert_eq!(programs, 16, "7 programs per ISA version, 2 v4-only");
    // The programs really exercise what they are meant to.
    let mut all = String::new();
    for obj in &objects {
        for text in our_insns(obj).values() {
            all.push_str(text);
            all.push('\n');
        }
    }
    let missing = [
        " s/= ",
        " s%= ",
        "= (s8)",
        "= (s16)",
        "*(s8 *)",
        "*(s16 *)",
        "*(s32 *)",
        "bswap16",
        "bswap32",
        "bswap64",
        "gotol ",
        "lock ",
        "cmpxchg",
        "xchg",
        "be16",
        " ll",
        "*(u8 *)skb[",
    ]
    .into_iter()
    .filter(|n| !all.contains(n))
    .collect::<Vec<_>>();
    assert!(
        missing.is_empty(),
        "{test}: no instruction contains {missing:?}"
    );
}
