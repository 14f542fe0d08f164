//! eBPF ELF objects: reading any object (clang-built ones included),
//! linking a program for verification or loading, and writing objects.
//!
//! ```text
//!   bytes ──elf──▶ RawElf ──code/maps/btf──▶ Object ──link──▶ LinkedProgram
//!   ObjectSpec ──write──▶ bytes
//! ```
//!
//! * [`Object::parse`] reads sections, functions, programs, relocations,
//!   maps (BTF `.maps`, legacy `maps`, `.data`/`.rodata`/`.bss`), the
//!   license and source lines (`.BTF.ext`, else DWARF).
//! * [`Object::link`] builds one program as libbpf does: the entry function
//!   followed by every `.text` subprogram it reaches, with call offsets and
//!   map references fixed up ([`link`]).
//! * [`write::write_object`] turns an [`write::ObjectSpec`] into ELF bytes.
//! * [`listing`] renders an `llvm-objdump`-style disassembly.
//!
//! Nothing here makes a syscall, and nothing panics on bad input: every
//! failure is an [`ObjectError`] (the file as a whole), an
//! [`ObjectProblem`] (one part, kept in [`Object::problems`]) or a
//! [`LinkError`] (one program).

pub mod btf;
pub mod btf_ext;
pub mod code;
pub mod dwarf;
pub mod elf;
pub mod error;
pub mod lines;
pub mod link;
pub mod listing;
pub mod maps;
pub mod prog_type;
pub mod write;

use std::sync::Arc;

pub use btf::Btf;
pub use btf_ext::{BtfExt, CoreRelo, CoreReloKind};
pub use code::{CodeReloc, CodeSection, ExternKind, Function, Label, Program, RelocTarget};
pub use error::{
    BtfError, BtfExtError, DwarfError, ElfError, LinkError, MapError, ObjectError, ObjectProblem,
    RelocError,
};
pub use lines::{LineSource, LineTable, SourceLoc};
pub use link::{ExternRef, LinkedFunction, LinkedProgram, MapRef};
pub use maps::{Map, MapDef, MapOrigin};
pub use prog_type::{ProgType, SectionDef, SectionKind};

/// A parsed eBPF object.
#[derive(Clone, Debug)]
pub struct Object {
    /// The `license` section's string, without the trailing NUL.
    pub license: Option<String>,
    /// Executable sections in ELF order.
    pub sections: Vec<CodeSection>,
    /// Every function (programs and `.text` subprograms).
    pub functions: Vec<Function>,
    /// Program entry points, in section then offset order.
    pub programs: Vec<Program>,
    /// Maps; relocations refer to them by index.
    pub maps: Vec<Map>,
    pub btf: Option<Btf>,
    pub btf_ext: Option<BtfExt>,
    /// Parts of the object that could not be read (see [`ObjectProblem`]).
    pub problems: Arc<Vec<ObjectProblem>>,
}

impl Object {
    /// Reads an object from its bytes.
    pub fn parse(data: &[u8]) -> Result<Object, ObjectError> {
        let elf = elf::RawElf::parse(data)?;
        let mut problems = Vec::new();
        let btf = elf.section_by_name(".BTF").map(|s| Btf::parse(s.data));
        let btf_ok = match &btf {
            Some(Ok(b)) => Some(b),
            _ => None,
        };
        let maps = maps::read_maps(&elf, btf.as_ref().map(|r| r.as_ref()));
        let mut code = code::read_code(&elf);
        code::classify_relocs(&elf, &mut code, &maps, btf_ok);
        let btf_ext = match (btf_ok, elf.section_by_name(".BTF.ext")) {
            (Some(b), Some(s)) => match BtfExt::parse(s.data, b) {
                Ok(ext) => Some(ext),
                Err(e) => {
                    problems.push(ObjectProblem::BtfExt(e));
                    None
                }
            },
            _ => None,
        };
        attach_lines(&elf, &mut code.sections, btf_ext.as_ref(), &mut problems);
        if let Some(ext) = &btf_ext {
            for section in &mut code.sections {
                if let Some(sec) = ext.sections.get(&section.name) {
                    section.core_relos = sec
                        .core_relos
                        .iter()
                        .map(|r| ((r.insn_off / 8) as usize, r.clone()))
                        .collect();
                }
            }
        }
        if let Some(Err(e)) = &btf {
            problems.push(ObjectProblem::Btf(e.clone()));
        }
        for (_, _, e) in maps.broken {
            problems.push(ObjectProblem::Map(e));
        }
        for bad in code.bad_functions {
            problems.push(ObjectProblem::BadFunction {
                name: bad.name,
                section: bad.section,
                offset: bad.offset,
            });
        }
        let license = elf.section_by_name("license").map(|s| {
            let end = s.data.iter().position(|&b| b == 0).unwrap_or(s.data.len());
            String::from_utf8_lossy(&s.data[..end]).into_owned()
        });
        Ok(Object {
            license,
            sections: code.sections,
            functions: code.functions,
            programs: code.programs,
            maps: maps.maps,
            btf: btf.and_then(Result::ok),
            btf_ext,
            problems: Arc::new(problems),
        })
    }

    /// Program entry points.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// The index of the program named `name` (function name), if any.
    pub fn program_by_name(&self, name: &str) -> Option<usize> {
        self.programs.iter().position(|p| p.name == name)
    }

    /// Links program `index` (into [`Object::programs`]).
    pub fn link(&self, index: usize) -> Result<LinkedProgram, LinkError> {
        link::link(self, index)
    }

    /// The code section with this name.
    pub fn section(&self, name: &str) -> Option<&CodeSection> {
        self.sections.iter().find(|s| s.name == name)
    }
}

/// Fills each code section's line table: `.BTF.ext` line info where the
/// section has any, DWARF `.debug_line` otherwise.
fn attach_lines(
    elf: &elf::RawElf<'_>,
    sections: &mut [CodeSection],
    ext: Option<&BtfExt>,
    problems: &mut Vec<ObjectProblem>,
) {
    let mut files: std::collections::BTreeMap<String, Arc<str>> = Default::default();
    let mut intern = |s: &str| -> Arc<str> {
        files
            .entry(s.to_owned())
            .or_insert_with(|| Arc::from(s))
            .clone()
    };
    let mut need_dwarf = false;
    for section in sections.iter_mut() {
        let lines = ext
            .and_then(|e| e.sections.get(&section.name))
            .map(|s| &s.lines[..])
            .unwrap_or(&[]);
        if lines.is_empty() {
            need_dwarf = true;
            continue;
        }
        section.lines = LineTable::new(
            LineSource::BtfExt,
            lines.iter().map(|l| {
                (
                    (l.insn_off / 8) as usize,
                    SourceLoc {
                        file: intern(&l.file),
                        line: l.line,
                        column: l.column,
                        text: (!l.text.is_empty()).then(|| intern(&l.text)),
                    },
                )
            }),
        );
    }
    if !need_dwarf {
        return;
    }
    match dwarf::read_lines(elf) {
        Ok(by_section) => {
            for section in sections.iter_mut().filter(|s| s.lines.is_empty()) {
                if let Some(rows) = by_section.get(&section.elf_index) {
                    section.lines = LineTable::new(
                        LineSource::Dwarf,
                        rows.iter()
                            .map(|(off, loc)| ((off / 8) as usize, loc.clone())),
                    );
                }
            }
        }
        Err(e) => problems.push(ObjectProblem::Dwarf(e)),
    }
}
