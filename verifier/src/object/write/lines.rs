//! Source lines in written objects: DWARF `.debug_line` (so `llvm-objdump
//! -d -l` shows them) and `.BTF.ext` func/line info (so the kernel keeps
//! them and `bpftool prog dump xlated linum` shows them).
//!
//! Invariants the kernel checks and this module guarantees:
//! * every function has a `FUNC` type and a `func_info` record;
//! * every function has a line record at its first instruction (the
//!   location of its first entry, or an empty file at line 0);
//! * line records sit on instruction starts (never on the second slot of
//!   an `ld_imm64`) with strictly increasing offsets.
//!
//! Programs get the prototype `int f(void *ctx)`, subprograms
//! `int f(void)`; a *global* subprogram is verified by the kernel against
//! its prototype, so callers that need one should keep subprograms static.

use std::collections::BTreeMap;

use gimli::write::{
    Address, AttributeValue, DwarfUnit, EndianVec, LineProgram, LineString, Range, RangeList,
    RelocateWriter, Relocation as DwarfReloc, RelocationTarget, Sections, Writer,
};
use gimli::{Encoding, Format, LineEncoding, LittleEndian};
use object::write::{Object as ElfObject, Relocation, SectionId};
use object::{RelocationFlags, SectionKind};

use super::{ObjectSpec, WriteError};
use crate::object::btf::write::{func_linkage, int_encoding};
use crate::object::btf::BtfBuilder;
use crate::object::elf::reloc;
use crate::object::lines::SourceLoc;

/// One function's line rows: `(slot in section, location)`.
struct FuncLines {
    section: usize,
    start: usize,
    rows: Vec<(usize, SourceLoc)>,
}

fn collect(spec: &ObjectSpec) -> Vec<FuncLines> {
    let mut out = Vec::new();
    for (si, section) in spec.sections.iter().enumerate() {
        let mut base = 0usize;
        for f in &section.functions {
            let mut starts = Vec::new();
            let mut s = 0;
            for insn in &f.insns {
                starts.push(s);
                s += insn.slots();
            }
            let mut rows: BTreeMap<usize, SourceLoc> = BTreeMap::new();
            for (slot, loc) in &f.lines {
                // Move a row on a second slot (or past the end) back to the
                // start of its instruction.
                let i = starts.partition_point(|&st| st <= *slot);
                // A row given for the instruction start itself wins over one
                // moved there.
                if let Some(&st) = i.checked_sub(1).and_then(|i| starts.get(i)) {
                    if st == *slot {
                        rows.insert(st, loc.clone());
                    } else {
                        rows.entry(st).or_insert_with(|| loc.clone());
                    }
                }
            }
            if !starts.is_empty() && !rows.contains_key(&0) {
                let first = rows.values().next().cloned().unwrap_or(SourceLoc {
                    file: "".into(),
                    line: 0,
                    column: 0,
                    text: None,
                });
                rows.insert(0, first);
            }
            out.push(FuncLines {
                section: si,
                start: base,
                rows: rows.into_iter().map(|(s, l)| (s + base, l)).collect(),
            });
            base += s;
        }
    }
    out
}

/// Adds `.BTF.ext` and the DWARF sections to `obj`, and the `FUNC` types
/// they need to `btf`.
pub fn write_lines(
    obj: &mut ElfObject<'_>,
    spec: &ObjectSpec,
    section_ids: &[SectionId],
    btf: &mut BtfBuilder,
) -> Result<(), WriteError> {
    let funcs = collect(spec);
    write_btf_ext(obj, spec, &funcs, btf);
    write_dwarf(obj, spec, &funcs, section_ids)
}

fn write_btf_ext(
    obj: &mut ElfObject<'_>,
    spec: &ObjectSpec,
    funcs: &[FuncLines],
    btf: &mut BtfBuilder,
) {
    let int = btf.add_int("int", 4, int_encoding::SIGNED);
    let void_ptr = btf.add_ptr(0);
    let prog_proto = btf.add_func_proto(int, &[("ctx", void_ptr)]);
    let sub_proto = btf.add_func_proto(int, &[]);
    let mut func_block = Vec::new();
    let mut line_block = Vec::new();
    let word = |v: &mut Vec<u8>, w: u32| v.extend_from_slice(&w.to_le_bytes());
    word(&mut func_block, 8);
    word(&mut line_block, 16);
    let mut fi = 0;
    for (si, section) in spec.sections.iter().enumerate() {
        let name = btf.add_string(&section.name);
        let is_text = section.name == ".text";
        let mut func_recs = Vec::new();
        let mut line_recs = Vec::new();
        for f in &section.functions {
            let fl = &funcs[fi];
            fi += 1;
            debug_assert_eq!(fl.section, si);
            let (proto, linkage) = if is_text {
                (
                    sub_proto,
                    if f.global {
                        func_linkage::GLOBAL
                    } else {
                        func_linkage::STATIC
                    },
                )
            } else {
                (prog_proto, func_linkage::GLOBAL)
            };
            let func = btf.add_func(&f.name, proto, linkage);
            func_recs.push(((fl.start * 8) as u32, func));
            for (slot, loc) in &fl.rows {
                let file = btf.add_string(&loc.file);
                let text = btf.add_string(loc.text.as_deref().unwrap_or(""));
                line_recs.push([
                    (slot * 8) as u32,
                    file,
                    text,
                    (loc.line << 10) | loc.column.min(0x3ff),
                ]);
            }
        }
        if !func_recs.is_empty() {
            word(&mut func_block, name);
            word(&mut func_block, func_recs.len() as u32);
            for (off, id) in func_recs {
                word(&mut func_block, off);
                word(&mut func_block, id);
            }
        }
        if !line_recs.is_empty() {
            word(&mut line_block, name);
            word(&mut line_block, line_recs.len() as u32);
            for rec in line_recs {
                for w in rec {
                    word(&mut line_block, w);
                }
            }
        }
    }
    let hdr_len = 32u32;
    let mut ext = Vec::new();
    ext.extend_from_slice(&crate::object::btf::MAGIC.to_le_bytes());
    ext.push(1);
    ext.push(0);
    for w in [
        hdr_len,
        0,
        func_block.len() as u32,
        func_block.len() as u32,
        line_block.len() as u32,
        (func_block.len() + line_block.len()) as u32,
        0,
    ] {
        word(&mut ext, w);
    }
    ext.extend_from_slice(&func_block);
    ext.extend_from_slice(&line_block);
    let id = obj.add_section(Vec::new(), b".BTF.ext".to_vec(), SectionKind::Other);
    obj.set_section_data(id, ext, 4);
}

/// A gimli writer that keeps symbol relocations (code addresses) and
/// resolves section offsets in place (every debug section starts at 0).
#[derive(Clone, Debug)]
struct RelWriter {
    data: EndianVec<LittleEndian>,
    relocs: Vec<DwarfReloc>,
}

impl RelocateWriter for RelWriter {
    type Writer = EndianVec<LittleEndian>;
    fn writer(&self) -> &Self::Writer {
        &self.data
    }
    fn writer_mut(&mut self) -> &mut Self::Writer {
        &mut self.data
    }
    fn relocate(&mut self, relocation: DwarfReloc) {
        self.relocs.push(relocation);
    }
}

fn write_dwarf(
    obj: &mut ElfObject<'_>,
    spec: &ObjectSpec,
    funcs: &[FuncLines],
    section_ids: &[SectionId],
) -> Result<(), WriteError> {
    let dwarf_err = |e: gimli::write::Error| WriteError::Dwarf(e);
    let encoding = Encoding {
        format: Format::Dwarf32,
        version: 5,
        address_size: 8,
    };
    let primary = funcs
        .iter()
        .flat_map(|f| &f.rows)
        .map(|(_, l)| l.file.to_string())
        .find(|f| !f.is_empty())
        .unwrap_or_else(|| "<unknown>".to_owned());
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        LineString::String(Vec::new()),
        None,
        LineString::String(primary.clone().into_bytes()),
        None,
    );
    let mut file_ids = BTreeMap::new();
    let mut file_id = |program: &mut LineProgram, path: &str| {
        *file_ids.entry(path.to_owned()).or_insert_with(|| {
            let (dir, name) = match path.rsplit_once('/') {
                Some((d, n)) if !d.is_empty() => (Some(d), n),
                _ => (None, path),
            };
            let dir_id = match dir {
                Some(d) => program.add_directory(LineString::String(d.as_bytes().to_vec())),
                None => program.default_directory(),
            };
            program.add_file(LineString::String(name.as_bytes().to_vec()), dir_id, None)
        })
    };
    let mut ranges = Vec::new();
    // Sections that got a line sequence.
    let mut covered = Vec::new();
    for (si, section) in spec.sections.iter().enumerate() {
        let len: usize = section
            .functions
            .iter()
            .flat_map(|f| &f.insns)
            .map(|i| i.slots())
            .sum();
        let rows: Vec<&(usize, SourceLoc)> = funcs
            .iter()
            .filter(|f| f.section == si)
            .flat_map(|f| &f.rows)
            .filter(|(_, l)| l.line > 0)
            .collect();
        if rows.is_empty() || len == 0 {
            continue;
        }
        program.begin_sequence(Some(Address::Symbol {
            symbol: si,
            addend: 0,
        }));
        for (slot, loc) in rows {
            let file = file_id(&mut program, &loc.file);
            let row = program.row();
            row.address_offset = (*slot * 8) as u64;
            row.file = file;
            row.line = u64::from(loc.line);
            row.column = u64::from(loc.column);
            program.generate_row();
        }
        program.end_sequence((len * 8) as u64);
        covered.push(si);
        ranges.push(Range::StartLength {
            begin: Address::Symbol {
                symbol: si,
                addend: 0,
            },
            length: (len * 8) as u64,
        });
    }
    let mut dwarf = DwarfUnit::new(encoding);
    dwarf.unit.line_program = program;
    let range_list = dwarf.unit.ranges.add(RangeList(ranges));
    let root = dwarf.unit.root();
    let entry = dwarf.unit.get_mut(root);
    entry.set(
        gimli::DW_AT_producer,
        AttributeValue::String(b"palisade".to_vec()),
    );
    entry.set(
        gimli::DW_AT_name,
        AttributeValue::String(primary.into_bytes()),
    );
    entry.set(gimli::DW_AT_comp_dir, AttributeValue::String(Vec::new()));
    entry.set(
        gimli::DW_AT_low_pc,
        AttributeValue::Address(Address::Constant(0)),
    );
    entry.set(
        gimli::DW_AT_ranges,
        AttributeValue::RangeListRef(range_list),
    );
    // One subprogram per function, so that symbolizers (llvm-objdump -l)
    // name the function of an address from DWARF instead of guessing from
    // the nearest symbol of any section.
    for (si, section) in spec.sections.iter().enumerate() {
        if !covered.contains(&si) {
            continue;
        }
        let mut start = 0usize;
        for f in &section.functions {
            let len: usize = f.insns.iter().map(|i| i.slots()).sum();
            let id = dwarf.unit.add(root, gimli::DW_TAG_subprogram);
            let sub = dwarf.unit.get_mut(id);
            sub.set(
                gimli::DW_AT_name,
                AttributeValue::String(f.name.as_bytes().to_vec()),
            );
            sub.set(
                gimli::DW_AT_low_pc,
                AttributeValue::Address(Address::Symbol {
                    symbol: si,
                    addend: (start * 8) as i64,
                }),
            );
            sub.set(
                gimli::DW_AT_high_pc,
                AttributeValue::Udata((len * 8) as u64),
            );
            start += len;
        }
    }
    let mut sections = Sections::new(RelWriter {
        data: EndianVec::new(LittleEndian),
        relocs: Vec::new(),
    });
    dwarf.write(&mut sections).map_err(dwarf_err)?;
    let mut out: Vec<(&'static str, Vec<u8>, Vec<DwarfReloc>)> = Vec::new();
    sections
        .for_each_mut(|id, w| -> Result<(), gimli::write::Error> {
            if w.data.len() == 0 {
                return Ok(());
            }
            // Write every addend in place (REL), keep symbol relocations.
            let relocs = std::mem::take(&mut w.relocs);
            let mut keep = Vec::new();
            for r in relocs {
                w.data.write_udata_at(r.offset, r.addend as u64, r.size)?;
                if matches!(r.target, RelocationTarget::Symbol(_)) {
                    keep.push(r);
                }
            }
            out.push((id.name(), w.data.take(), keep));
            Ok(())
        })
        .map_err(dwarf_err)?;
    for (name, data, relocs) in out {
        let id = obj.add_section(Vec::new(), name.as_bytes().to_vec(), SectionKind::Debug);
        obj.set_section_data(id, data, 1);
        for r in relocs {
            let RelocationTarget::Symbol(si) = r.target else {
                continue;
            };
            let symbol = obj.section_symbol(section_ids[si]);
            let r_type = if r.size == 8 {
                reloc::ABS64
            } else {
                reloc::ABS32
            };
            obj.add_relocation(
                id,
                Relocation {
                    offset: r.offset as u64,
                    symbol,
                    addend: 0,
                    flags: RelocationFlags::Elf { r_type },
                },
            )
            .map_err(WriteError::Elf)?;
        }
    }
    Ok(())
}
