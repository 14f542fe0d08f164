//! Writing eBPF objects: an [`ObjectSpec`] (programs, maps, license,
//! source lines) becomes ELF bytes that libbpf/bpftool, aya and
//! cilium/ebpf load unchanged.
//!
//! Layout of the output (ELF64 LE, `EM_BPF`, `ET_REL`):
//! * one `SHF_EXECINSTR` section per [`SectionSpec`] (`xdp`, `classifier`,
//!   `.text` for subprograms), one `STT_FUNC` symbol per function;
//! * `license` with a `_license` symbol;
//! * BTF-defined maps in `.maps` (one `STT_OBJECT` per map) described in
//!   `.BTF` the way libbpf's `__uint(...)` macros do ([`map_btf`]);
//! * `.rel<section>` with `R_BPF_64_64` on every `ld_imm64` that names a
//!   map, and `R_BPF_64_32` on calls to functions of other sections;
//! * when any function has source lines: `.BTF.ext` func/line info and a
//!   DWARF `.debug_line` ([`lines`]);
//! * `.palisade.map_init` when a map has initial entries ([`map_init`]).
//!
//! Invariant: the output is a pure function of the spec (no time stamps,
//! no hash-map iteration), so the same spec always gives the same bytes.

pub mod from_asm;
pub mod lines;
pub mod map_btf;
pub mod map_init;

use std::collections::BTreeMap;

use object::write::{Object as ElfObject, Relocation, Symbol, SymbolSection};
use object::{
    elf, Architecture, BinaryFormat, Endianness, RelocationFlags, SectionKind, SymbolFlags,
    SymbolKind, SymbolScope,
};

use crate::isa::{encode_program, Insn};

use super::lines::SourceLoc;

/// A whole object to write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectSpec {
    /// The `license` string (`GPL` unlocks GPL-only helpers).
    pub license: String,
    /// Code sections in output order.
    pub sections: Vec<SectionSpec>,
    pub maps: Vec<MapSpec>,
    /// Names that relocations may use without a definition: kfuncs and
    /// other externs resolved by the loader (`SHN_UNDEF` symbols).
    pub externs: Vec<String>,
    /// Extra non-allocated data sections, `(name, bytes)`, written as is
    /// (the compiler's `.palisade` metadata). Loaders skip them.
    pub notes: Vec<(String, Vec<u8>)>,
}

/// One code section (`xdp`, `classifier`, `cgroup/connect4`, `.text`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SectionSpec {
    pub name: String,
    /// Functions, laid out one after the other in this order. Functions of
    /// a non-`.text` section are program entry points.
    pub functions: Vec<FunctionSpec>,
}

/// One function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionSpec {
    pub name: String,
    /// `STB_GLOBAL` (programs, global subprograms) or `STB_LOCAL`.
    pub global: bool,
    pub insns: Vec<Insn>,
    /// Relocations by slot relative to the function's first slot.
    pub relocs: Vec<RelocSpec>,
    /// Extra local (`STT_NOTYPE`) symbols, `(name, slot)`; listings show
    /// them as jump targets.
    pub labels: Vec<(String, usize)>,
    /// Source locations, `(slot, location)`, slots relative to the
    /// function's start; a location holds until the next one.
    pub lines: Vec<(usize, SourceLoc)>,
}

/// A relocation: the instruction at `slot` refers to `symbol`, which is a
/// map, a function, a label, a section name (for a section-relative call)
/// or one of [`ObjectSpec::externs`]. The type follows the instruction:
/// `ld_imm64` gets `R_BPF_64_64`, `call` gets `R_BPF_64_32`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelocSpec {
    pub slot: usize,
    pub symbol: String,
}

/// A BTF-defined map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapSpec {
    pub name: String,
    /// `BPF_MAP_TYPE_*`.
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    /// `LIBBPF_PIN_BY_NAME` (1) or none (0).
    pub pinning: u32,
    /// Initial `(key, value)` entries for the loader to insert.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Why a spec cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("section `{0}` is defined twice")]
    DuplicateSection(String),
    #[error("symbol `{0}` is defined twice")]
    DuplicateSymbol(String),
    #[error("function `{function}`: relocation at slot {slot} is not on the first slot of an instruction")]
    RelocSlot { function: String, slot: usize },
    #[error("function `{function}`: relocation at slot {slot} against `{symbol}` is on an instruction that is neither ld_imm64 nor call")]
    RelocInstruction {
        function: String,
        slot: usize,
        symbol: String,
    },
    #[error("function `{function}`: relocation against unknown symbol `{symbol}`")]
    UnknownSymbol { function: String, symbol: String },
    #[error("function `{function}`: label `{label}` at slot {slot} is outside the function")]
    LabelOutOfRange {
        function: String,
        label: String,
        slot: usize,
    },
    #[error("map `{map}`: entry {index} has a {what} of {got} bytes, the map's is {want}")]
    EntrySize {
        map: String,
        index: usize,
        what: &'static str,
        got: usize,
        want: u32,
    },
    #[error("the DWARF writer failed")]
    Dwarf(#[source] gimli::write::Error),
    #[error("the ELF writer failed")]
    Elf(#[source] object::write::Error),
}

/// Writes `spec` as ELF bytes.
pub fn write_object(spec: &ObjectSpec) -> Result<Vec<u8>, WriteError> {
    check_names(spec)?;
    let mut obj = ElfObject::new(BinaryFormat::Elf, Architecture::Bpf, Endianness::Little);
    // Code sections.
    let mut section_ids = Vec::new();
    let mut func_syms: BTreeMap<String, object::write::SymbolId> = BTreeMap::new();
    for section in &spec.sections {
        let id = obj.add_section(
            Vec::new(),
            section.name.as_bytes().to_vec(),
            SectionKind::Text,
        );
        let mut bytes = Vec::new();
        for f in &section.functions {
            bytes.extend_from_slice(&encode_program(&f.insns));
        }
        obj.set_section_data(id, bytes, 8);
        section_ids.push(id);
    }
    // Function and label symbols.
    for (si, section) in spec.sections.iter().enumerate() {
        let mut slot = 0usize;
        for f in &section.functions {
            let len = f.insns.iter().map(Insn::slots).sum::<usize>();
            let bind = if f.global {
                elf::STB_GLOBAL
            } else {
                elf::STB_LOCAL
            };
            let sym = obj.add_symbol(Symbol {
                name: f.name.as_bytes().to_vec(),
                value: (slot * 8) as u64,
                size: (len * 8) as u64,
                kind: SymbolKind::Text,
                scope: if f.global {
                    SymbolScope::Dynamic
                } else {
                    SymbolScope::Compilation
                },
                weak: false,
                section: SymbolSection::Section(section_ids[si]),
                flags: SymbolFlags::Elf {
                    st_info: (bind << 4) | elf::STT_FUNC,
                    st_other: elf::STV_DEFAULT,
                },
            });
            func_syms.insert(f.name.clone(), sym);
            for (label, lslot) in &f.labels {
                if *lslot > len {
                    return Err(WriteError::LabelOutOfRange {
                        function: f.name.clone(),
                        label: label.clone(),
                        slot: *lslot,
                    });
                }
                let sym = obj.add_symbol(Symbol {
                    name: label.as_bytes().to_vec(),
                    value: ((slot + lslot) * 8) as u64,
                    size: 0,
                    kind: SymbolKind::Label,
                    scope: SymbolScope::Compilation,
                    weak: false,
                    section: SymbolSection::Section(section_ids[si]),
                    flags: SymbolFlags::Elf {
                        st_info: (elf::STB_LOCAL << 4) | elf::STT_NOTYPE,
                        st_other: elf::STV_DEFAULT,
                    },
                });
                func_syms.insert(label.clone(), sym);
            }
            slot += len;
        }
    }
    // License.
    let license = obj.add_section(Vec::new(), b"license".to_vec(), SectionKind::Data);
    let mut text = spec.license.as_bytes().to_vec();
    text.push(0);
    let license_len = text.len() as u64;
    obj.set_section_data(license, text, 1);
    obj.add_symbol(Symbol {
        name: b"_license".to_vec(),
        value: 0,
        size: license_len,
        kind: SymbolKind::Data,
        scope: SymbolScope::Dynamic,
        weak: false,
        section: SymbolSection::Section(license),
        flags: SymbolFlags::Elf {
            st_info: (elf::STB_GLOBAL << 4) | elf::STT_OBJECT,
            st_other: elf::STV_DEFAULT,
        },
    });
    // Maps and BTF.
    let mut btf = super::btf::BtfBuilder::new();
    let mut map_syms = BTreeMap::new();
    if !spec.maps.is_empty() {
        let layout = map_btf::add_maps(&mut btf, &spec.maps);
        let maps = obj.add_section(Vec::new(), b".maps".to_vec(), SectionKind::Data);
        obj.set_section_data(maps, vec![0u8; layout.section_size as usize], 8);
        for (m, (offset, size)) in spec.maps.iter().zip(&layout.slots) {
            let sym = obj.add_symbol(Symbol {
                name: m.name.as_bytes().to_vec(),
                value: *offset,
                size: *size,
                kind: SymbolKind::Data,
                scope: SymbolScope::Dynamic,
                weak: false,
                section: SymbolSection::Section(maps),
                flags: SymbolFlags::Elf {
                    st_info: (elf::STB_GLOBAL << 4) | elf::STT_OBJECT,
                    st_other: elf::STV_DEFAULT,
                },
            });
            map_syms.insert(m.name.clone(), sym);
        }
        if let Some(init) = map_init::encode(&spec.maps)? {
            let id = obj.add_section(
                Vec::new(),
                map_init::SECTION.as_bytes().to_vec(),
                SectionKind::Other,
            );
            obj.set_section_data(id, init, 8);
        }
    }
    for (name, bytes) in &spec.notes {
        let id = obj.add_section(Vec::new(), name.as_bytes().to_vec(), SectionKind::Other);
        obj.set_section_data(id, bytes.clone(), 1);
    }
    // Externs.
    let mut extern_syms = BTreeMap::new();
    for name in &spec.externs {
        let sym = obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value: 0,
            size: 0,
            kind: SymbolKind::Unknown,
            scope: SymbolScope::Dynamic,
            weak: false,
            section: SymbolSection::Undefined,
            flags: SymbolFlags::Elf {
                st_info: (elf::STB_GLOBAL << 4) | elf::STT_NOTYPE,
                st_other: elf::STV_DEFAULT,
            },
        });
        extern_syms.insert(name.clone(), sym);
    }
    // Relocations.
    for (si, section) in spec.sections.iter().enumerate() {
        let mut base = 0usize;
        for f in &section.functions {
            let starts: BTreeMap<usize, &Insn> = {
                let mut s = 0;
                f.insns
                    .iter()
                    .map(|i| {
                        let at = s;
                        s += i.slots();
                        (at, i)
                    })
                    .collect()
            };
            for r in &f.relocs {
                let insn = starts.get(&r.slot).ok_or_else(|| WriteError::RelocSlot {
                    function: f.name.clone(),
                    slot: r.slot,
                })?;
                let r_type = match insn {
                    Insn::LdImm64 { .. } | Insn::LdPseudo { .. } => elf::R_BPF_64_64,
                    Insn::Call(_) => elf::R_BPF_64_32,
                    _ => {
                        return Err(WriteError::RelocInstruction {
                            function: f.name.clone(),
                            slot: r.slot,
                            symbol: r.symbol.clone(),
                        })
                    }
                };
                let symbol = if let Some(&s) = map_syms.get(&r.symbol) {
                    s
                } else if let Some(&s) = func_syms.get(&r.symbol) {
                    s
                } else if let Some(&s) = extern_syms.get(&r.symbol) {
                    s
                } else if let Some(i) = spec.sections.iter().position(|s| s.name == r.symbol) {
                    obj.section_symbol(section_ids[i])
                } else {
                    return Err(WriteError::UnknownSymbol {
                        function: f.name.clone(),
                        symbol: r.symbol.clone(),
                    });
                };
                obj.add_relocation(
                    section_ids[si],
                    Relocation {
                        offset: ((base + r.slot) * 8) as u64,
                        symbol,
                        addend: 0,
                        flags: RelocationFlags::Elf { r_type },
                    },
                )
                .map_err(WriteError::Elf)?;
            }
            base += f.insns.iter().map(Insn::slots).sum::<usize>();
        }
    }
    // Source lines (also adds FUNC types to the BTF).
    let has_lines = spec
        .sections
        .iter()
        .flat_map(|s| &s.functions)
        .any(|f| !f.lines.is_empty());
    if has_lines {
        lines::write_lines(&mut obj, spec, &section_ids, &mut btf)?;
    }
    if !spec.maps.is_empty() || has_lines {
        let id = obj.add_section(Vec::new(), b".BTF".to_vec(), SectionKind::Other);
        obj.set_section_data(id, btf.finish(), 4);
    }
    obj.write().map_err(WriteError::Elf)
}

fn check_names(spec: &ObjectSpec) -> Result<(), WriteError> {
    let mut sections = std::collections::BTreeSet::new();
    for s in &spec.sections {
        if !sections.insert(s.name.as_str()) {
            return Err(WriteError::DuplicateSection(s.name.clone()));
        }
    }
    let mut names = std::collections::BTreeSet::new();
    let all = spec
        .sections
        .iter()
        .flat_map(|s| &s.functions)
        .flat_map(|f| std::iter::once(&f.name).chain(f.labels.iter().map(|l| &l.0)))
        .chain(spec.maps.iter().map(|m| &m.name))
        .chain(spec.externs.iter());
    for name in all {
        if !names.insert(name.as_str()) {
            return Err(WriteError::DuplicateSymbol(name.clone()));
        }
    }
    for m in &spec.maps {
        for (index, (k, v)) in m.entries.iter().enumerate() {
            for (what, got, want) in [
                ("key", k.len(), m.key_size),
                ("value", v.len(), m.value_size),
            ] {
                if got != want as usize {
                    return Err(WriteError::EntrySize {
                        map: m.name.clone(),
                        index,
                        what,
                        got,
                        want,
                    });
                }
            }
        }
    }
    Ok(())
}
