//! The ELF layer: turns bytes into owned section, symbol and relocation
//! records, using the `object` crate's low-level ELF reader.
//!
//! This is the only module that touches ELF structures. Everything above it
//! works on [`RawElf`], so the rest of the object reader never sees file
//! offsets or header fields.
//!
//! Invariants:
//! * Every section, symbol and relocation of the file is represented, with
//!   its index in the file; a malformed table is an [`ElfError`], never a
//!   panic (the `object` crate bounds-checks every read).
//! * Only 64-bit little-endian `EM_BPF` files are accepted.

use object::elf;
use object::read::elf::{FileHeader, SectionHeader, Sym};
use object::LittleEndian as LE;

use super::error::ElfError;

/// ELF relocation types of the BPF back end (`R_BPF_*`).
pub mod reloc {
    pub const NONE: u32 = 0;
    /// 64-bit immediate of `ld_imm64` (maps, global data, function pointers).
    pub const R_64_64: u32 = 1;
    /// 64-bit absolute data (debug info).
    pub const ABS64: u32 = 2;
    /// 32-bit absolute data (debug info, `.BTF`, `.BTF.ext`).
    pub const ABS32: u32 = 3;
    /// 32-bit data, not resolved by dynamic loaders (`.BTF.ext`).
    pub const NODYLD32: u32 = 4;
    /// 32-bit PC-relative call immediate (bpf-to-bpf calls).
    pub const R_64_32: u32 = 10;

    /// The LLVM name of a relocation type, as `llvm-objdump -r` prints it.
    pub fn name(r_type: u32) -> Option<&'static str> {
        Some(match r_type {
            NONE => "R_BPF_NONE",
            R_64_64 => "R_BPF_64_64",
            ABS64 => "R_BPF_64_ABS64",
            ABS32 => "R_BPF_64_ABS32",
            NODYLD32 => "R_BPF_64_NODYLD32",
            R_64_32 => "R_BPF_64_32",
            _ => return None,
        })
    }
}

/// One section header with its contents.
#[derive(Clone, Debug)]
pub struct RawSection<'a> {
    /// Index in the section header table.
    pub index: usize,
    pub name: String,
    pub sh_type: u32,
    pub flags: u64,
    /// File contents; empty for `SHT_NOBITS`.
    pub data: &'a [u8],
    /// `sh_size` (also meaningful for `SHT_NOBITS`).
    pub size: u64,
    /// Relocations that apply to this section (from `SHT_REL` sections whose
    /// `sh_info` names it), sorted by offset.
    pub relocs: Vec<RawReloc>,
}

impl RawSection<'_> {
    /// Whether the section holds code (`SHF_EXECINSTR`).
    pub fn is_exec(&self) -> bool {
        self.flags & u64::from(elf::SHF_EXECINSTR) != 0
    }

    /// Whether the section occupies memory at run time (`SHF_ALLOC`).
    pub fn is_alloc(&self) -> bool {
        self.flags & u64::from(elf::SHF_ALLOC) != 0
    }

    /// Whether the section is `SHT_NOBITS` (`.bss`).
    pub fn is_nobits(&self) -> bool {
        self.sh_type == elf::SHT_NOBITS
    }
}

/// Symbol types we distinguish (`STT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymKind {
    NoType,
    Object,
    Func,
    Section,
    File,
    Other(u8),
}

/// One symbol table entry.
#[derive(Clone, Debug)]
pub struct RawSymbol {
    /// Index in the symbol table.
    pub index: usize,
    pub name: String,
    pub kind: SymKind,
    /// `STB_GLOBAL`/`STB_WEAK` (true) or `STB_LOCAL` (false).
    pub global: bool,
    /// The defining section, `None` for undefined, absolute and common
    /// symbols.
    pub section: Option<usize>,
    /// `st_shndx == SHN_UNDEF`: an extern (kfunc, ksym, kconfig).
    pub undefined: bool,
    pub value: u64,
    pub size: u64,
}

/// One `Elf64_Rel` entry (BPF objects use REL: the addend is in place).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawReloc {
    /// Byte offset in the target section.
    pub offset: u64,
    pub r_type: u32,
    /// Index into [`RawElf::symbols`].
    pub symbol: usize,
}

/// A parsed ELF file: owned tables, borrowed contents.
#[derive(Clone, Debug)]
pub struct RawElf<'a> {
    pub sections: Vec<RawSection<'a>>,
    /// The symbol table, index 0 (the null symbol) included.
    pub symbols: Vec<RawSymbol>,
}

impl<'a> RawElf<'a> {
    /// Parses an ELF64 little-endian `EM_BPF` file.
    pub fn parse(data: &'a [u8]) -> Result<RawElf<'a>, ElfError> {
        if data.len() < 4 || &data[..4] != b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        if data.len() < std::mem::size_of::<elf::FileHeader64<LE>>() {
            return Err(ElfError::Truncated("file header"));
        }
        match (data.get(4), data.get(5)) {
            (Some(&elf::ELFCLASS64), Some(&elf::ELFDATA2LSB)) => {}
            (Some(&class), Some(&endian)) => {
                return Err(ElfError::UnsupportedClass { class, endian });
            }
            _ => return Err(ElfError::Truncated("file header")),
        }
        let header = elf::FileHeader64::<LE>::parse(data).map_err(|e| ElfError::Malformed {
            what: "file header",
            source: e,
        })?;
        let shoff = header.e_shoff(LE);
        let shnum = u64::from(header.e_shnum(LE));
        if shoff.saturating_add(shnum.saturating_mul(64)) > data.len() as u64 {
            return Err(ElfError::Truncated("section header table"));
        }
        let machine = header.e_machine(LE);
        if machine != elf::EM_BPF {
            return Err(ElfError::WrongMachine(machine));
        }
        let table = header.sections(LE, data).map_err(|e| ElfError::Malformed {
            what: "section header table",
            source: e,
        })?;
        let mut sections = Vec::with_capacity(table.len());
        let mut symbols = Vec::new();
        let mut rels: Vec<(usize, Vec<RawReloc>)> = Vec::new();
        for (index, sh) in table.enumerate() {
            let index = index.0;
            let name = table
                .section_name(LE, sh)
                .map_err(|e| ElfError::Malformed {
                    what: "section name",
                    source: e,
                })?;
            let sh_type = sh.sh_type(LE);
            let contents = if sh_type == elf::SHT_NOBITS || sh_type == elf::SHT_NULL {
                &[][..]
            } else {
                sh.data(LE, data)
                    .map_err(|_| ElfError::SectionOutOfBounds {
                        section: String::from_utf8_lossy(name).into_owned(),
                    })?
            };
            if sh_type == elf::SHT_SYMTAB {
                let symtab = sh
                    .symbols(LE, data, &table, object::SectionIndex(index))
                    .map_err(|e| ElfError::Malformed {
                        what: "symbol table",
                        source: e,
                    })?;
                if let Some(symtab) = symtab {
                    symbols = read_symbols(&symtab)?;
                }
            }
            if sh_type == elf::SHT_REL {
                if let Some((entries, _link)) =
                    sh.rel(LE, data).map_err(|e| ElfError::Malformed {
                        what: "relocation section",
                        source: e,
                    })?
                {
                    let target = sh.sh_info(LE) as usize;
                    let relocs = entries
                        .iter()
                        .map(|r| RawReloc {
                            offset: r.r_offset.get(LE),
                            r_type: r.r_type(LE),
                            symbol: r.r_sym(LE) as usize,
                        })
                        .collect();
                    rels.push((target, relocs));
                }
            }
            sections.push(RawSection {
                index,
                name: String::from_utf8_lossy(name).into_owned(),
                sh_type,
                flags: sh.sh_flags(LE),
                data: contents,
                size: sh.sh_size(LE),
                relocs: Vec::new(),
            });
        }
        for (target, relocs) in rels {
            let Some(section) = sections.get_mut(target) else {
                return Err(ElfError::BadRelocationTarget(target));
            };
            section.relocs.extend(relocs);
        }
        for section in &mut sections {
            section.relocs.sort_by_key(|r| r.offset);
            if let Some(bad) = section.relocs.iter().find(|r| r.symbol >= symbols.len()) {
                return Err(ElfError::BadRelocationSymbol {
                    section: section.name.clone(),
                    symbol: bad.symbol,
                });
            }
        }
        Ok(RawElf { sections, symbols })
    }

    /// The section with this name, if any (the first one).
    pub fn section_by_name(&self, name: &str) -> Option<&RawSection<'a>> {
        self.sections.iter().find(|s| s.name == name)
    }
}

fn read_symbols(
    symtab: &object::read::elf::SymbolTable<'_, elf::FileHeader64<LE>>,
) -> Result<Vec<RawSymbol>, ElfError> {
    let mut out = Vec::with_capacity(symtab.len());
    for (index, sym) in symtab.enumerate() {
        let name = symtab
            .symbol_name(LE, sym)
            .map_err(|e| ElfError::Malformed {
                what: "symbol name",
                source: e,
            })?;
        let kind = match sym.st_type() {
            elf::STT_NOTYPE => SymKind::NoType,
            elf::STT_OBJECT => SymKind::Object,
            elf::STT_FUNC => SymKind::Func,
            elf::STT_SECTION => SymKind::Section,
            elf::STT_FILE => SymKind::File,
            other => SymKind::Other(other),
        };
        let shndx = sym.st_shndx(LE);
        let section = symtab
            .symbol_section(LE, sym, index)
            .ok()
            .flatten()
            .map(|s| s.0);
        out.push(RawSymbol {
            index: index.0,
            name: String::from_utf8_lossy(name).into_owned(),
            kind,
            global: sym.st_bind() != elf::STB_LOCAL,
            section,
            undefined: shndx == elf::SHN_UNDEF && index.0 != 0,
            value: sym.st_value(LE),
            size: sym.st_size(LE),
        });
    }
    Ok(out)
}
