//! Source lines from DWARF `.debug_line` (read with gimli).
//!
//! In a relocatable object every code section starts at address 0, and
//! only the relocations of the debug sections say which section a line
//! sequence belongs to. We apply those relocations ourselves, giving each
//! executable section a distinct synthetic base address
//! ([`section_base`]), so that a row's address names both the section and
//! the byte offset. Non-code sections keep base 0, which leaves string and
//! section offsets as they are.

use std::collections::BTreeMap;
use std::sync::Arc;

use gimli::{ColumnType, EndianSlice, LittleEndian, SectionId};

use super::elf::{reloc, RawElf};
use super::error::DwarfError;
use super::lines::SourceLoc;

/// The synthetic load address of ELF section `index` (code sections only).
fn section_base(index: usize) -> u64 {
    (index as u64) << 32
}

/// A debug section's bytes with its relocations applied.
fn relocated(elf: &RawElf<'_>, name: &str) -> Vec<u8> {
    let Some(section) = elf.section_by_name(name) else {
        return Vec::new();
    };
    let mut data = section.data.to_vec();
    for r in &section.relocs {
        let Some(sym) = elf.symbols.get(r.symbol) else {
            continue;
        };
        let base = sym
            .section
            .and_then(|i| elf.sections.get(i))
            .filter(|s| s.is_exec())
            .map_or(0, |s| section_base(s.index));
        let s = base.wrapping_add(sym.value);
        let Ok(at) = usize::try_from(r.offset) else {
            continue;
        };
        match r.r_type {
            reloc::ABS64 => {
                if let Some(b) = at.checked_add(8).and_then(|end| data.get_mut(at..end)) {
                    let v = u64::from_le_bytes(b.try_into().expect("8 bytes")).wrapping_add(s);
                    b.copy_from_slice(&v.to_le_bytes());
                }
            }
            reloc::ABS32 | reloc::NODYLD32 => {
                if let Some(b) = at.checked_add(4).and_then(|end| data.get_mut(at..end)) {
                    let v =
                        u32::from_le_bytes(b.try_into().expect("4 bytes")).wrapping_add(s as u32);
                    b.copy_from_slice(&v.to_le_bytes());
                }
            }
            _ => {}
        }
    }
    data
}

/// Source locations by ELF section index and byte offset, for every
/// executable section that the line programs cover.
pub fn read_lines(elf: &RawElf<'_>) -> Result<BTreeMap<usize, Vec<(u64, SourceLoc)>>, DwarfError> {
    let mut out: BTreeMap<usize, Vec<(u64, SourceLoc)>> = BTreeMap::new();
    if elf.section_by_name(".debug_line").is_none() || elf.section_by_name(".debug_info").is_none()
    {
        return Ok(out);
    }
    let ids = [
        SectionId::DebugInfo,
        SectionId::DebugAbbrev,
        SectionId::DebugLine,
        SectionId::DebugLineStr,
        SectionId::DebugStr,
        SectionId::DebugStrOffsets,
        SectionId::DebugAddr,
    ];
    let owned: Vec<(SectionId, Vec<u8>)> = ids
        .iter()
        .map(|&id| (id, relocated(elf, id.name())))
        .collect();
    let dwarf = gimli::Dwarf::load(|id| -> Result<_, gimli::Error> {
        let data = owned
            .iter()
            .find(|(i, _)| *i == id)
            .map_or(&[][..], |(_, d)| d.as_slice());
        Ok(EndianSlice::new(data, LittleEndian))
    })
    .map_err(DwarfError::Gimli)?;
    let mut files: BTreeMap<String, Arc<str>> = BTreeMap::new();
    let mut units = dwarf.units();
    while let Some(header) = units.next().map_err(DwarfError::Gimli)? {
        let unit = dwarf.unit(header).map_err(DwarfError::Gimli)?;
        let Some(program) = unit.line_program.clone() else {
            continue;
        };
        let comp_dir = unit
            .comp_dir
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut rows = program.rows();
        while let Some((header, row)) = rows.next_row().map_err(DwarfError::Gimli)? {
            if row.end_sequence() {
                continue;
            }
            let Some(line) = row.line() else { continue };
            let address = row.address();
            let section = (address >> 32) as usize;
            if !elf.sections.get(section).is_some_and(|s| s.is_exec()) {
                continue;
            }
            let mut path = String::new();
            if let Some(file) = row.file(header) {
                let name = dwarf
                    .attr_string(&unit, file.path_name())
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let dir = file
                    .directory(header)
                    .and_then(|d| dwarf.attr_string(&unit, d).ok())
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                path = join(&comp_dir, &dir, &name);
            }
            let file = files
                .entry(path.clone())
                .or_insert_with(|| Arc::from(path.as_str()))
                .clone();
            let column = match row.column() {
                ColumnType::LeftEdge => 0,
                ColumnType::Column(c) => u32::try_from(c.get()).unwrap_or(0),
            };
            out.entry(section).or_default().push((
                address & 0xffff_ffff,
                SourceLoc {
                    file,
                    line: u32::try_from(line.get()).unwrap_or(u32::MAX),
                    column,
                    text: None,
                },
            ));
        }
    }
    Ok(out)
}

/// `comp_dir/dir/name`, where an absolute later part replaces the earlier.
fn join(comp_dir: &str, dir: &str, name: &str) -> String {
    let mut path = std::path::PathBuf::from(comp_dir);
    if !dir.is_empty() {
        path.push(dir);
    }
    path.push(name);
    path.to_string_lossy().into_owned()
}
