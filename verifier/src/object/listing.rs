//! Disassembly listings in `llvm-objdump -d -r` layout, as text or as a
//! serializable value (for `--json`).
//!
//! ```text
//! (tabs shown as spaces)
//! Disassembly of section xdp:
//!
//! 0000000000000000 <prog>:
//! ; prog.c:7:13
//!        0:    61 11 0c 00 00 00 00 00    w1 = *(u32 *)(r1 + 0xc)
//!        4:    18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00    r1 = 0x0 ll
//!         0000000000000020:  R_BPF_64_64    m
//! ```
//!
//! Symbols that are not functions (jump labels) are printed as assembler
//! labels (`name:`) rather than llvm's `0000000000000058 <name>:`, so that
//! the assembler does not take them for functions.
//!
//! Jump targets are annotated like llvm-objdump: `<sym>` or `<sym+0xN>`
//! with the nearest symbol of the same section at or before the target.
//! A header of `.license` and `.map` directives makes the listing
//! something `palisade asm` can assemble again. Output depends only on the
//! object (no addresses, no hash order), so it is stable for snapshots.

use std::fmt::Write as _;

use serde::Serialize;

use crate::isa::decode::decode_insn;
use crate::isa::opcode;
use crate::isa::text::MAP_TYPES;

use super::code::CodeSection;
use super::elf::reloc;
use super::maps::MapOrigin;
use super::Object;

/// A whole listing.
#[derive(Clone, Debug, Serialize)]
pub struct Listing {
    pub license: Option<String>,
    pub maps: Vec<ListedMap>,
    pub programs: Vec<ListedProgram>,
    pub sections: Vec<ListedSection>,
}

/// A map of the object.
#[derive(Clone, Debug, Serialize)]
pub struct ListedMap {
    pub name: String,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    /// `btf`, `legacy` or `data`.
    pub origin: &'static str,
}

/// A program entry point.
#[derive(Clone, Debug, Serialize)]
pub struct ListedProgram {
    pub name: String,
    pub section: String,
    /// bpftool's name of the program type, if the section name implies one.
    pub prog_type: Option<&'static str>,
    pub autoload: bool,
}

/// One code section.
#[derive(Clone, Debug, Serialize)]
pub struct ListedSection {
    pub name: String,
    pub lines: Vec<ListedLine>,
}

/// One line of a section's listing.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListedLine {
    /// A symbol starts here; `is_func` for `STT_FUNC` symbols (functions),
    /// false for labels.
    Symbol {
        name: String,
        offset: u64,
        is_func: bool,
    },
    /// A new source line starts here.
    Source {
        file: String,
        line: u32,
        column: u32,
        text: Option<String>,
    },
    /// An instruction (`text` is `<unknown>` if it does not decode).
    Insn {
        slot: usize,
        bytes: String,
        text: String,
        /// The jump annotation without brackets (`prog+0x70`).
        target: Option<String>,
    },
    /// A relocation on the preceding instruction.
    Reloc {
        offset: u64,
        r_type: String,
        symbol: String,
    },
}

/// Builds the listing of `obj`, of one section if `only` is given.
pub fn listing(obj: &Object, only: Option<&str>) -> Listing {
    let maps = obj
        .maps
        .iter()
        .map(|m| ListedMap {
            name: m.name.clone(),
            map_type: m.def.map_type,
            key_size: m.def.key_size,
            value_size: m.def.value_size,
            max_entries: m.def.max_entries,
            flags: m.def.flags,
            origin: match m.origin {
                MapOrigin::Btf => "btf",
                MapOrigin::Legacy => "legacy",
                MapOrigin::Data { .. } => "data",
            },
        })
        .collect();
    let programs = obj
        .programs
        .iter()
        .filter(|p| only.is_none_or(|s| s == p.section_name))
        .map(|p| ListedProgram {
            name: p.name.clone(),
            section: p.section_name.clone(),
            prog_type: p.kind.def.map(|d| d.prog_type.name()),
            autoload: p.kind.autoload,
        })
        .collect();
    let sections = obj
        .sections
        .iter()
        .filter(|s| !s.slots.is_empty() || s.trailing_bytes > 0)
        .filter(|s| only.is_none_or(|name| name == s.name))
        .map(list_section)
        .collect();
    Listing {
        license: obj.license.clone(),
        maps,
        programs,
        sections,
    }
}

fn list_section(section: &CodeSection) -> ListedSection {
    let mut lines = Vec::new();
    let mut labels = section.labels.iter().peekable();
    let mut slot = 0;
    let mut last_loc = None;
    let mut relocs = section.relocs.iter().peekable();
    while slot < section.slots.len() {
        while let Some(label) = labels.next_if(|l| l.offset <= slot as u64 * 8) {
            lines.push(ListedLine::Symbol {
                name: label.name.clone(),
                offset: label.offset,
                is_func: label.is_func,
            });
        }
        if let Some(loc) = section.lines.starting_at(slot) {
            // Like `llvm-objdump -l`: only when the file or line changes.
            if last_loc
                .is_none_or(|l: &super::SourceLoc| (&l.file, l.line) != (&loc.file, loc.line))
            {
                lines.push(ListedLine::Source {
                    file: loc.file.to_string(),
                    line: loc.line,
                    column: loc.column,
                    text: loc.text.as_ref().map(|t| t.to_string()),
                });
                last_loc = Some(loc);
            }
        }
        let first = section.slots[slot];
        let second = section.slots.get(slot + 1).copied();
        let (text, used, target) = match decode_insn(first, second) {
            Ok(insn) => {
                let target = insn
                    .jump_offset()
                    .map(|off| slot as i64 + 1 + i64::from(off))
                    .and_then(|t| annotate(section, t));
                (insn.to_string(), insn.slots(), target)
            }
            Err(_) => {
                // llvm-objdump also shows an undecodable ld_imm64 as 16 bytes.
                let used = if first.code == opcode::LD_IMM64 && second.is_some() {
                    2
                } else {
                    1
                };
                ("<unknown>".to_owned(), used, None)
            }
        };
        let bytes: Vec<String> = section.slots[slot..slot + used]
            .iter()
            .flat_map(|r| r.to_bytes())
            .map(|b| format!("{b:02x}"))
            .collect();
        lines.push(ListedLine::Insn {
            slot,
            bytes: bytes.join(" "),
            text,
            target,
        });
        while let Some(r) = relocs.next_if(|r| r.offset < (slot + used) as u64 * 8) {
            lines.push(ListedLine::Reloc {
                offset: r.offset,
                r_type: reloc::name(r.r_type)
                    .map_or_else(|| format!("Unknown ({})", r.r_type), str::to_owned),
                symbol: r.symbol.clone(),
            });
        }
        slot += used;
    }
    if section.trailing_bytes > 0 {
        lines.push(ListedLine::Insn {
            slot,
            bytes: String::new(),
            text: format!("<{} trailing bytes>", section.trailing_bytes),
            target: None,
        });
    }
    ListedSection {
        name: section.name.clone(),
        lines,
    }
}

/// `sym` or `sym+0xN` for a jump to slot `target` (none outside the
/// section or before its first symbol).
fn annotate(section: &CodeSection, target: i64) -> Option<String> {
    if target < 0 {
        return None;
    }
    let addr = target as u64 * 8;
    let label = section.labels.iter().rev().find(|l| l.offset <= addr)?;
    Some(if label.offset == addr {
        label.name.clone()
    } else {
        format!("{}+{:#x}", label.name, addr - label.offset)
    })
}

impl Listing {
    /// Renders the listing as text; `file` is the name shown in the
    /// `file format` line.
    pub fn to_text(&self, file: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n{file}:\tfile format elf64-bpf\n");
        if let Some(license) = &self.license {
            let _ = writeln!(out, ".license \"{license}\"");
        }
        for m in self.maps.iter().filter(|m| m.origin != "data") {
            let type_name = MAP_TYPES
                .iter()
                .find(|(_, n)| *n == m.map_type)
                .map_or_else(|| m.map_type.to_string(), |(name, _)| (*name).to_owned());
            let _ = writeln!(
                out,
                ".map {} type={} key_size={} value_size={} max_entries={} flags={:#x}",
                m.name, type_name, m.key_size, m.value_size, m.max_entries, m.flags
            );
        }
        for section in &self.sections {
            let _ = writeln!(out, "\nDisassembly of section {}:", section.name);
            for line in &section.lines {
                match line {
                    ListedLine::Symbol {
                        name,
                        offset,
                        is_func,
                    } => {
                        // Functions as llvm-objdump prints them; other
                        // symbols as assembler labels, so that `palisade
                        // asm` keeps them labels (it makes every
                        // `<name>:` line a function).
                        if *is_func {
                            let _ = writeln!(out, "\n{offset:016x} <{name}>:");
                        } else {
                            let _ = writeln!(out, "{name}:");
                        }
                    }
                    ListedLine::Source {
                        file,
                        line,
                        column,
                        text,
                    } => {
                        let _ = write!(out, "; {file}:{line}");
                        if *column > 0 {
                            let _ = write!(out, ":{column}");
                        }
                        match text {
                            Some(t) => {
                                let _ = writeln!(out, "\t{}", t.trim());
                            }
                            None => out.push('\n'),
                        }
                    }
                    ListedLine::Insn {
                        slot,
                        bytes,
                        text,
                        target,
                    } => {
                        let _ = write!(out, "{slot:>8}:\t{bytes}\t{text}");
                        if let Some(t) = target {
                            let _ = write!(out, " <{t}>");
                        }
                        out.push('\n');
                    }
                    ListedLine::Reloc {
                        offset,
                        r_type,
                        symbol,
                    } => {
                        let _ = writeln!(out, "\t\t{offset:016x}:  {r_type}\t{symbol}");
                    }
                }
            }
        }
        out
    }
}
