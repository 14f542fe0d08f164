//! Every program of the kernel verifier corpus is found and links, or
//! fails with a typed reason; nothing panics. The programs found must be
//! exactly the rows of the corpus's `verifier_progs.tsv` (object, function
//! name, section), which the corpus built with libbpf itself.

#[path = "data/object_support.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};

use palisade_verifier::isa::{Insn, Pseudo};
use palisade_verifier::object::{LinkError, Object};

#[test]
fn every_corpus_program_links_or_has_a_typed_reason() {
    let test = "every_corpus_program_links_or_has_a_typed_reason";
    let Some(objects) = support::corpus_objects(test) else {
        return;
    };
    let tsv_path = objects[0]
        .parent()
        .and_then(|p| p.parent())
        .expect("obj/ has a parent")
        .join("verifier_progs.tsv");
    let tsv = std::fs::read_to_string(&tsv_path).expect("verifier_progs.tsv");
    let expected: BTreeSet<(String, String, String)> = tsv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_owned(),
                f[1].to_owned(),
                f[2].trim_start_matches('?').to_owned(),
            )
        })
        .collect();
    let mut found = BTreeSet::new();
    let mut linked = 0;
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let mut with_subprogs = 0;
    let mut map_refs = 0;
    let mut with_lines = 0;
    for path in &objects {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).expect("read");
        let obj = Object::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e:#?}"));
        // A few corpus objects have no `license` section at all.
        assert!(
            matches!(obj.license.as_deref(), None | Some("GPL")),
            "{name}: license {:?}",
            obj.license
        );
        for (i, prog) in obj.programs().iter().enumerate() {
            found.insert((
                name.clone(),
                prog.name.clone(),
                prog.section_name.trim_start_matches('?').to_owned(),
            ));
            match obj.link(i) {
                Ok(p) => {
                    linked += 1;
                    assert_eq!(p.functions[0].start, 0);
                    assert_eq!(
                        p.raw.len(),
                        p.functions.iter().map(|f| f.len).sum::<usize>()
                    );
                    with_subprogs += usize::from(p.functions.len() > 1);
                    with_lines += usize::from(!p.lines.is_empty());
                    map_refs += p.map_refs.len();
                    // Every map reference is an ld_imm64 by map index into
                    // the object's map list.
                    for r in &p.map_refs {
                        let insn = p.insns.iter().find(|(s, _)| *s == r.slot).map(|x| x.1);
                        assert!(
                            matches!(
                                insn,
                                Some(Insn::LdPseudo { kind: Pseudo::MapIdx | Pseudo::MapIdxValue, imm, .. })
                                    if imm as usize == r.map
                            ),
                            "{name} {}: map ref {r:?} is {insn:?}",
                            prog.name
                        );
                        assert!(r.map < obj.maps.len());
                    }
                    // Every local call lands on the start of a placed function.
                    for (slot, insn) in &p.insns {
                        if let Insn::Call(palisade_verifier::isa::CallTarget::Local(off)) = insn {
                            let target = (*slot as i64 + 1 + i64::from(*off)) as usize;
                            assert!(
                                p.function_at(target).is_some(),
                                "{name} {}: call at {slot} to {target} outside the program",
                                prog.name
                            );
                        }
                    }
                }
                Err(e) => {
                    let kind = match &e {
                        LinkError::Decode(d) => format!("decode: {}", d.kind),
                        other => format!("{other}"),
                    };
                    eprintln!("{name} {}: {e}", prog.name);
                    *failures.entry(kind).or_default() += 1;
                }
            }
        }
    }
    let total = found.len();
    eprintln!(
        "{test}: {} objects, {total} programs, {linked} linked ({with_subprogs} with subprograms, {with_lines} with source lines, {map_refs} map references), {} failed",
        objects.len(),
        total - linked
    );
    for (kind, n) in &failures {
        eprintln!("  {n:4}  {kind}");
    }
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "programs in the TSV but not found: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "programs found but not in the TSV: {extra:?}"
    );
}

#[test]
fn corpus_objects_have_no_unreadable_parts() {
    let test = "corpus_objects_have_no_unreadable_parts";
    let Some(objects) = support::corpus_objects(test) else {
        return;
    };
    let mut problems = Vec::new();
    let (mut maps, mut externs, mut core) = (0, 0, 0);
    for path in &objects {
        let bytes = std::fs::read(path).expect("read");
        let obj = Object::parse(&bytes).expect("parse");
        maps += obj.maps.len();
        core += obj
            .sections
            .iter()
            .map(|s| s.core_relos.len())
            .sum::<usize>();
        externs += obj
            .sections
            .iter()
            .flat_map(|s| &s.relocs)
            .filter(|r| {
                matches!(
                    r.target,
                    Ok(palisade_verifier::object::RelocTarget::Extern { .. })
                )
            })
            .count();
        for p in obj.problems.iter() {
            problems.push(format!("{}: {p:?}", path.display()));
        }
    }
    eprintln!("{test}: {maps} maps, {externs} extern relocations, {core} CO-RE relocations");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
