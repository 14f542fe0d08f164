//! From assembler output ([`Assembly`]) to an [`ObjectSpec`]: what
//! `palisade asm` writes.
//!
//! * A section's instructions are split into functions at its function
//!   symbols; instructions before the first one form a function named
//!   after the section (`cgroup/connect4` -> `cgroup_connect4`).
//! * Labels become local symbols of the function that contains them.
//! * Relocation symbols that are not maps, functions, labels or sections
//!   become externs (kfuncs), as in clang's objects.
//! * With `source_file`, every instruction gets its assembly line as its
//!   source location, so `llvm-objdump -l` and `bpftool prog dump xlated
//!   linum` point into the `.s` file.

use std::sync::Arc;

use crate::isa::text::{Assembly, RelocKind, SymbolKind};
use crate::object::lines::SourceLoc;

use super::{FunctionSpec, MapSpec, ObjectSpec, RelocSpec, SectionSpec};

/// Why an assembly cannot become an object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FromAsmError {
    #[error(
        "line {line}: instructions outside any section; add `.section NAME` or pass a program type"
    )]
    NoSection { line: usize },
    #[error("line {line}: relocation {kind} on code is not supported (only R_BPF_64_64 and R_BPF_64_32)")]
    DataReloc { line: usize, kind: &'static str },
    #[error("the file has no instructions")]
    Empty,
}

/// Converts an assembly to a spec. `default_section` names sections that
/// have no `.section` directive; `license` is used when the file has no
/// `.license`.
pub fn spec_from_assembly(
    asm: &Assembly,
    default_section: Option<&str>,
    license: &str,
    source_file: Option<&str>,
) -> Result<ObjectSpec, FromAsmError> {
    let file: Option<Arc<str>> = source_file.map(Arc::from);
    let mut sections = Vec::new();
    let mut defined: Vec<String> = asm.maps.iter().map(|m| m.name.clone()).collect();
    for section in &asm.sections {
        if section.insns.is_empty() {
            continue;
        }
        let name = match (&section.name, default_section) {
            (Some(n), _) => n.clone(),
            (None, Some(d)) => d.to_owned(),
            (None, None) => {
                return Err(FromAsmError::NoSection {
                    line: section.insns[0].line,
                })
            }
        };
        defined.push(name.clone());
        let total = section.slot_count();
        // Function boundaries.
        let mut starts: Vec<(usize, String)> = section
            .symbols
            .iter()
            .filter(|s| s.kind == SymbolKind::Function && s.slot < total)
            .map(|s| (s.slot, s.name.clone()))
            .collect();
        if starts.first().is_none_or(|s| s.0 > 0) {
            starts.insert(
                0,
                (
                    0,
                    name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_"),
                ),
            );
        }
        let mut functions = Vec::new();
        for (i, (start, fname)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(total, |s| s.0);
            let insns: Vec<_> = section
                .insns
                .iter()
                .filter(|a| a.slot >= *start && a.slot < end)
                .collect();
            let mut relocs = Vec::new();
            for r in section
                .relocations
                .iter()
                .filter(|r| r.slot >= *start && r.slot < end)
            {
                if !matches!(r.kind, RelocKind::Imm64 | RelocKind::Call32) {
                    let line = insns
                        .iter()
                        .find(|a| a.slot == r.slot)
                        .map_or(0, |a| a.line);
                    return Err(FromAsmError::DataReloc {
                        line,
                        kind: r.kind.name(),
                    });
                }
                relocs.push(RelocSpec {
                    slot: r.slot - start,
                    symbol: r.symbol.clone(),
                });
            }
            let labels = section
                .symbols
                .iter()
                .filter(|s| {
                    s.kind == SymbolKind::Label
                        && s.slot >= *start
                        && (s.slot < end || (end == total && s.slot == total))
                })
                .map(|s| (s.name.clone(), s.slot - start))
                .collect();
            let lines = match &file {
                Some(f) => insns
                    .iter()
                    .map(|a| {
                        (
                            a.slot - start,
                            SourceLoc {
                                file: f.clone(),
                                line: a.line as u32,
                                column: 1,
                                text: None,
                            },
                        )
                    })
                    .collect(),
                None => Vec::new(),
            };
            defined.push(fname.clone());
            functions.push(FunctionSpec {
                name: fname.clone(),
                global: name != ".text",
                insns: insns.iter().map(|a| a.insn).collect(),
                relocs,
                labels,
                lines,
            });
        }
        for s in &section.symbols {
            defined.push(s.name.clone());
        }
        sections.push(SectionSpec { name, functions });
    }
    if sections.is_empty() {
        return Err(FromAsmError::Empty);
    }
    let mut externs: Vec<String> = Vec::new();
    for r in sections
        .iter()
        .flat_map(|s| &s.functions)
        .flat_map(|f| &f.relocs)
    {
        if !defined.contains(&r.symbol) && !externs.contains(&r.symbol) {
            externs.push(r.symbol.clone());
        }
    }
    Ok(ObjectSpec {
        license: asm.license.clone().unwrap_or_else(|| license.to_owned()),
        sections,
        maps: asm
            .maps
            .iter()
            .map(|m| MapSpec {
                name: m.name.clone(),
                map_type: m.map_type,
                key_size: m.key_size,
                value_size: m.value_size,
                max_entries: m.max_entries,
                flags: m.flags,
                pinning: 0,
                entries: Vec::new(),
            })
            .collect(),
        externs,
        notes: Vec::new(),
    })
}
