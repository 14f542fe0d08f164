//! Code sections, their functions and the meaning of their relocations.
//!
//! A code section is an ELF section with `SHF_EXECINSTR`. Its functions are
//! its `STT_FUNC` symbols (as libbpf finds programs); a section without any
//! function symbol is one function named after the section. Functions in
//! `.text` are subprograms; every other function is a program entry.
//!
//! Each relocation is classified once, here, following libbpf's
//! `bpf_program__record_reloc`: externs first, then calls to code, then
//! `ld_imm64` of a function, a map definition or global data. A relocation
//! that cannot be classified keeps its [`RelocError`], which only fails
//! the programs that contain it.

use std::collections::BTreeMap;

use crate::isa::decode::RawInsn;
use crate::isa::opcode;

use super::btf::{Btf, BtfType};
use super::elf::{reloc, RawElf, RawSection, SymKind};
use super::error::RelocError;
use super::lines::LineTable;
use super::maps::{is_data_section, MapTable};
use super::prog_type::{classify, SectionKind};

/// The opcode of `call`.
pub(crate) const CALL: u8 = opcode::class::JMP | opcode::jmp::CALL;

/// What kind of extern symbol a relocation names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExternKind {
    /// A kernel function (`call` of an extern): resolved to a BTF id.
    Kfunc,
    /// A kernel variable (`__ksym`): resolved to a BTF id.
    Ksym,
    /// A `__kconfig` value, which libbpf stores in a `.kconfig` map.
    Kconfig,
}

impl ExternKind {
    /// A short name: `kfunc`, `ksym`, `kconfig`.
    pub fn name(self) -> &'static str {
        match self {
            ExternKind::Kfunc => "kfunc",
            ExternKind::Ksym => "ksym",
            ExternKind::Kconfig => "kconfig",
        }
    }
}

/// What a code relocation refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelocTarget {
    /// `ld_imm64` of a map: index into [`Object::maps`](super::Object).
    Map(usize),
    /// `ld_imm64` of global data: the data map and the symbol's offset in
    /// it (the instruction's own `imm` is added when linking).
    Data { map: usize, offset: u64 },
    /// A call or a function pointer: index into the object's code sections
    /// and the symbol's byte offset in that section (the instruction's `imm`
    /// is added when linking).
    Code { section: usize, sym_offset: u64 },
    /// An extern symbol, resolved against the kernel's BTF at load time.
    Extern { kind: ExternKind },
    /// `R_BPF_NONE`: nothing to do.
    Nothing,
}

/// A relocation of a code section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeReloc {
    /// Byte offset in the section (what `llvm-objdump -r` prints).
    pub offset: u64,
    pub r_type: u32,
    pub symbol: String,
    pub target: Result<RelocTarget, RelocError>,
}

impl CodeReloc {
    /// The instruction slot the relocation applies to.
    pub fn slot(&self) -> usize {
        (self.offset / 8) as usize
    }
}

/// A symbol in a code section (functions and labels), for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub name: String,
    /// Byte offset in the section.
    pub offset: u64,
    pub is_func: bool,
}

/// An executable ELF section.
#[derive(Clone, Debug)]
pub struct CodeSection {
    /// ELF section index.
    pub elf_index: usize,
    pub name: String,
    pub kind: SectionKind,
    /// The section's 8-byte slots; a trailing partial slot is dropped and
    /// counted in `trailing_bytes`.
    pub slots: Vec<RawInsn>,
    pub trailing_bytes: usize,
    /// Sorted by offset.
    pub relocs: Vec<CodeReloc>,
    /// Every named non-section symbol in the section, sorted by offset then
    /// symbol-table order.
    pub labels: Vec<Label>,
    pub lines: LineTable,
    /// CO-RE relocations from `.BTF.ext`, by slot.
    pub core_relos: Vec<(usize, super::btf_ext::CoreRelo)>,
}

impl CodeSection {
    /// The relocation on `slot`, if any.
    pub fn reloc_at(&self, slot: usize) -> Option<&CodeReloc> {
        let i = self.relocs.partition_point(|r| r.slot() < slot);
        self.relocs.get(i).filter(|r| r.slot() == slot)
    }

    /// Whether this is `.text`, whose functions are subprograms.
    pub fn is_text(&self) -> bool {
        self.name == ".text"
    }
}

/// A function: a program entry or a subprogram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// Index into the object's code sections.
    pub section: usize,
    /// First slot in the section.
    pub start: usize,
    /// Number of slots.
    pub len: usize,
    pub global: bool,
}

/// A program entry point (a function outside `.text`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub name: String,
    /// The ELF section name (`xdp`, `?tc`, `cgroup/connect4`).
    pub section_name: String,
    /// What the section name implies (type, attach type, autoload).
    pub kind: SectionKind,
    /// Index into the object's functions.
    pub function: usize,
}

/// Problems found while finding functions: a symbol that cannot be a
/// function start (misaligned or outside its section). Such symbols are
/// left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadFunction {
    pub name: String,
    pub section: String,
    pub offset: u64,
}

pub(crate) struct Code {
    pub sections: Vec<CodeSection>,
    pub functions: Vec<Function>,
    pub programs: Vec<Program>,
    pub bad_functions: Vec<BadFunction>,
}

/// Reads code sections and functions; relocations are classified later by
/// [`classify_relocs`] once maps are known.
pub(crate) fn read_code(elf: &RawElf<'_>) -> Code {
    let mut sections = Vec::new();
    let mut functions = Vec::new();
    let mut programs = Vec::new();
    let mut bad_functions = Vec::new();
    for raw in elf
        .sections
        .iter()
        .filter(|s| s.is_exec() && !s.is_nobits())
    {
        let slots: Vec<RawInsn> = raw
            .data
            .chunks_exact(8)
            .map(|c| RawInsn::from_bytes(c.try_into().expect("chunks_exact(8)")))
            .collect();
        let mut labels: Vec<(Label, usize)> = elf
            .symbols
            .iter()
            .filter(|s| {
                s.section == Some(raw.index)
                    && !s.name.is_empty()
                    && !matches!(s.kind, SymKind::Section | SymKind::File)
            })
            .map(|s| {
                (
                    Label {
                        name: s.name.clone(),
                        offset: s.value,
                        is_func: s.kind == SymKind::Func,
                    },
                    s.index,
                )
            })
            .collect();
        labels.sort_by_key(|(l, idx)| (l.offset, *idx));
        let section_index = sections.len();
        let nslots = slots.len();
        // Functions: STT_FUNC symbols, sorted by start.
        let mut funcs: Vec<(u64, u64, String, bool)> = elf
            .symbols
            .iter()
            .filter(|s| s.section == Some(raw.index) && s.kind == SymKind::Func)
            .map(|s| (s.value, s.size, s.name.clone(), s.global))
            .collect();
        funcs.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
        funcs.dedup_by_key(|f| f.0);
        if funcs.is_empty() && nslots > 0 {
            funcs.push((0, 0, raw.name.clone(), true));
        }
        let starts: Vec<u64> = funcs.iter().map(|f| f.0).collect();
        for (i, (value, size, name, global)) in funcs.into_iter().enumerate() {
            if value % 8 != 0 || value / 8 >= nslots as u64 {
                bad_functions.push(BadFunction {
                    name,
                    section: raw.name.clone(),
                    offset: value,
                });
                continue;
            }
            let start = (value / 8) as usize;
            let next = starts
                .get(i + 1)
                .map_or(nslots, |&n| ((n / 8) as usize).min(nslots));
            let len = if size > 0 && size % 8 == 0 {
                ((size / 8) as usize).min(nslots - start)
            } else {
                next.saturating_sub(start)
            };
            if len == 0 {
                continue;
            }
            let func = functions.len();
            functions.push(Function {
                name: name.clone(),
                section: section_index,
                start,
                len,
                global,
            });
            if raw.name != ".text" {
                programs.push(Program {
                    name,
                    section_name: raw.name.clone(),
                    kind: classify(&raw.name),
                    function: func,
                });
            }
        }
        sections.push(CodeSection {
            elf_index: raw.index,
            name: raw.name.clone(),
            kind: classify(&raw.name),
            slots,
            trailing_bytes: raw.data.len() % 8,
            relocs: Vec::new(),
            labels: labels.into_iter().map(|(l, _)| l).collect(),
            lines: LineTable::default(),
            core_relos: Vec::new(),
        });
    }
    Code {
        sections,
        functions,
        programs,
        bad_functions,
    }
}

/// Names of extern variables that live in the `.kconfig` DATASEC.
fn kconfig_externs(btf: Option<&Btf>) -> Vec<String> {
    let Some(btf) = btf else { return Vec::new() };
    btf.types()
        .filter_map(|(_, t)| match t {
            BtfType::DataSec { name, vars, .. } if name == ".kconfig" => Some(vars),
            _ => None,
        })
        .flatten()
        .filter_map(|(id, _, _)| btf.get(*id).ok().and_then(|t| t.name().map(str::to_owned)))
        .collect()
}

/// Classifies the relocations of every code section.
pub(crate) fn classify_relocs(
    elf: &RawElf<'_>,
    code: &mut Code,
    maps: &MapTable,
    btf: Option<&Btf>,
) {
    let kconfig = kconfig_externs(btf);
    let code_index: BTreeMap<usize, usize> = code
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| (s.elf_index, i))
        .collect();
    for section in &mut code.sections {
        let raw: &RawSection<'_> = &elf.sections[section.elf_index];
        section.relocs = raw
            .relocs
            .iter()
            .map(|r| {
                let sym = &elf.symbols[r.symbol];
                let symbol = if sym.name.is_empty() && sym.kind == SymKind::Section {
                    sym.section
                        .and_then(|i| elf.sections.get(i))
                        .map_or_else(String::new, |s| s.name.clone())
                } else {
                    sym.name.clone()
                };
                let target = classify_one(elf, section, r, &symbol, &code_index, maps, &kconfig);
                CodeReloc {
                    offset: r.offset,
                    r_type: r.r_type,
                    symbol,
                    target,
                }
            })
            .collect();
    }
}

fn classify_one(
    elf: &RawElf<'_>,
    section: &CodeSection,
    r: &super::elf::RawReloc,
    symbol: &str,
    code_index: &BTreeMap<usize, usize>,
    maps: &MapTable,
    kconfig: &[String],
) -> Result<RelocTarget, RelocError> {
    if r.r_type == reloc::NONE {
        return Ok(RelocTarget::Nothing);
    }
    if r.r_type != reloc::R_64_64 && r.r_type != reloc::R_64_32 {
        return Err(RelocError::BadType(r.r_type));
    }
    if !r.offset.is_multiple_of(8) {
        return Err(RelocError::Misaligned(r.offset));
    }
    let insn = section
        .slots
        .get((r.offset / 8) as usize)
        .ok_or(RelocError::OutOfSection(r.offset))?;
    let sym = &elf.symbols[r.symbol];
    let is_call = insn.code == CALL;
    let is_ld = insn.code == opcode::LD_IMM64;
    if !is_call && !is_ld {
        return Err(RelocError::WrongInstruction {
            symbol: symbol.to_owned(),
        });
    }
    if sym.undefined {
        let kind = if is_call {
            ExternKind::Kfunc
        } else if kconfig.iter().any(|k| k == symbol) {
            ExternKind::Kconfig
        } else {
            ExternKind::Ksym
        };
        return Ok(RelocTarget::Extern { kind });
    }
    let Some(sym_section) = sym.section.and_then(|i| elf.sections.get(i)) else {
        return Err(RelocError::Undefined {
            symbol: symbol.to_owned(),
        });
    };
    if let Some(&code) = code_index.get(&sym_section.index) {
        return Ok(RelocTarget::Code {
            section: code,
            sym_offset: sym.value,
        });
    }
    if is_call {
        return Err(RelocError::CallNotCode {
            symbol: symbol.to_owned(),
        });
    }
    if sym_section.name == ".maps" || sym_section.name == "maps" {
        if let Some(map) = maps.at(sym_section.index, sym.value) {
            return Ok(RelocTarget::Map(map));
        }
        if let Some((_, _, e)) = maps
            .broken
            .iter()
            .find(|(s, off, _)| *s == sym_section.index && *off == sym.value)
        {
            return Err(RelocError::BrokenMap {
                symbol: symbol.to_owned(),
                source: e.clone(),
            });
        }
        return Err(RelocError::NoSuchMap {
            symbol: symbol.to_owned(),
        });
    }
    if is_data_section(&sym_section.name) {
        if let Some(map) = maps.data(sym_section.index) {
            return Ok(RelocTarget::Data {
                map,
                offset: sym.value,
            });
        }
    }
    Err(RelocError::NotMapOrData {
        symbol: symbol.to_owned(),
        section: sym_section.name.clone(),
    })
}
