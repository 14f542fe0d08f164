//! `.BTF.ext`: per-instruction function info, line info and CO-RE
//! relocation records, grouped by ELF section; parsing and encoding.
//!
//! In an ELF object (as opposed to the kernel's load attributes) the
//! `insn_off` of every record is a *byte* offset into the section; this
//! module keeps byte offsets and callers divide by 8.
//!
//! Invariant: parsing reads only inside the blob and the records it
//! declares; unknown trailing record fields (larger `rec_size`) are skipped.

use std::collections::BTreeMap;

use super::btf::Btf;
use super::error::BtfExtError;

/// A `bpf_func_info` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncInfo {
    /// Byte offset of the function's first instruction in its section.
    pub insn_off: u32,
    /// BTF id of the `FUNC` type.
    pub type_id: u32,
}

/// A `bpf_line_info` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInfo {
    pub insn_off: u32,
    pub file: String,
    /// The source line's text, as clang records it (may be empty).
    pub text: String,
    pub line: u32,
    pub column: u32,
}

/// The kind of a CO-RE relocation (`enum bpf_core_relo_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreReloKind {
    FieldByteOffset,
    FieldByteSize,
    FieldExists,
    FieldSigned,
    FieldLShiftU64,
    FieldRShiftU64,
    TypeIdLocal,
    TypeIdTarget,
    TypeExists,
    TypeSize,
    EnumValExists,
    EnumValValue,
    TypeMatches,
    Unknown(u32),
}

impl CoreReloKind {
    fn from_u32(k: u32) -> CoreReloKind {
        use CoreReloKind::*;
        match k {
            0 => FieldByteOffset,
            1 => FieldByteSize,
            2 => FieldExists,
            3 => FieldSigned,
            4 => FieldLShiftU64,
            5 => FieldRShiftU64,
            6 => TypeIdLocal,
            7 => TypeIdTarget,
            8 => TypeExists,
            9 => TypeSize,
            10 => EnumValExists,
            11 => EnumValValue,
            12 => TypeMatches,
            other => Unknown(other),
        }
    }

    /// libbpf's name for the kind (`byte_off`, `type_exists`, ...).
    pub fn name(self) -> &'static str {
        use CoreReloKind::*;
        match self {
            FieldByteOffset => "byte_off",
            FieldByteSize => "byte_sz",
            FieldExists => "field_exists",
            FieldSigned => "signed",
            FieldLShiftU64 => "lshift_u64",
            FieldRShiftU64 => "rshift_u64",
            TypeIdLocal => "local_type_id",
            TypeIdTarget => "target_type_id",
            TypeExists => "type_exists",
            TypeSize => "type_size",
            EnumValExists => "enumval_exists",
            EnumValValue => "enumval_value",
            TypeMatches => "type_matches",
            Unknown(_) => "unknown",
        }
    }
}

/// A `bpf_core_relo` record: an instruction whose immediate or offset the
/// loader adjusts to the running kernel's types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreRelo {
    pub insn_off: u32,
    /// Local BTF type id the access starts from.
    pub type_id: u32,
    /// Access string, e.g. `0:1:2`.
    pub access: String,
    pub kind: CoreReloKind,
}

/// The records of one ELF section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SectionExt {
    pub funcs: Vec<FuncInfo>,
    pub lines: Vec<LineInfo>,
    pub core_relos: Vec<CoreRelo>,
}

/// A parsed `.BTF.ext`, by section name.
#[derive(Clone, Debug, Default)]
pub struct BtfExt {
    pub sections: BTreeMap<String, SectionExt>,
}

fn u32_at(data: &[u8], pos: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        data.get(pos..pos.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Walks one info block: `rec_size`, then `{sec_name_off, num_info,
/// records...}*`, calling `each(section name, record bytes)`.
fn walk(
    block: &[u8],
    btf: &Btf,
    what: &'static str,
    min_rec: u32,
    mut each: impl FnMut(&str, &[u8]) -> Result<(), BtfExtError>,
) -> Result<(), BtfExtError> {
    if block.is_empty() {
        return Ok(());
    }
    let rec_size = u32_at(block, 0).ok_or(BtfExtError::Truncated(what))?;
    if rec_size < min_rec {
        return Err(BtfExtError::RecordSize {
            what,
            size: rec_size,
        });
    }
    let mut pos = 4usize;
    while pos < block.len() {
        let name_off = u32_at(block, pos).ok_or(BtfExtError::Truncated(what))?;
        let count = u32_at(block, pos + 4).ok_or(BtfExtError::Truncated(what))? as usize;
        pos += 8;
        let name = btf.string(name_off).map_err(BtfExtError::Btf)?;
        for _ in 0..count {
            let end = pos
                .checked_add(rec_size as usize)
                .ok_or(BtfExtError::Truncated(what))?;
            let rec = block.get(pos..end).ok_or(BtfExtError::Truncated(what))?;
            each(&name, rec)?;
            pos = end;
        }
    }
    Ok(())
}

fn word(rec: &[u8], i: usize) -> u32 {
    // Callers check `rec.len() >= min_rec`, which covers every word read.
    u32_at(rec, i * 4).unwrap_or(0)
}

impl BtfExt {
    /// Parses `.BTF.ext`; strings are looked up in `btf`.
    pub fn parse(data: &[u8], btf: &Btf) -> Result<BtfExt, BtfExtError> {
        if data.len() < 8 {
            return Err(BtfExtError::Truncated("header"));
        }
        let magic = u16::from_le_bytes([data[0], data[1]]);
        if magic != super::btf::MAGIC {
            return Err(BtfExtError::BadMagic(magic));
        }
        let hdr_len = u32_at(data, 4).ok_or(BtfExtError::Truncated("header"))? as usize;
        if hdr_len < 24 || data.len() < hdr_len {
            return Err(BtfExtError::BadHeader("header length"));
        }
        let block = |i: usize, what: &'static str| -> Result<&[u8], BtfExtError> {
            let off = u32_at(data, 8 + 8 * i).ok_or(BtfExtError::Truncated(what))? as usize;
            let len = u32_at(data, 12 + 8 * i).ok_or(BtfExtError::Truncated(what))? as usize;
            let start = hdr_len
                .checked_add(off)
                .ok_or(BtfExtError::Truncated(what))?;
            let end = start.checked_add(len).ok_or(BtfExtError::Truncated(what))?;
            data.get(start..end).ok_or(BtfExtError::Truncated(what))
        };
        let mut ext = BtfExt::default();
        walk(block(0, "func_info")?, btf, "func_info", 8, |sec, rec| {
            ext.sections
                .entry(sec.to_owned())
                .or_default()
                .funcs
                .push(FuncInfo {
                    insn_off: word(rec, 0),
                    type_id: word(rec, 1),
                });
            Ok(())
        })?;
        walk(block(1, "line_info")?, btf, "line_info", 16, |sec, rec| {
            let line_col = word(rec, 3);
            let info = LineInfo {
                insn_off: word(rec, 0),
                file: btf.string(word(rec, 1)).map_err(BtfExtError::Btf)?,
                text: btf.string(word(rec, 2)).map_err(BtfExtError::Btf)?,
                line: line_col >> 10,
                column: line_col & 0x3ff,
            };
            ext.sections
                .entry(sec.to_owned())
                .or_default()
                .lines
                .push(info);
            Ok(())
        })?;
        if hdr_len >= 32 {
            walk(block(2, "core_relo")?, btf, "core_relo", 16, |sec, rec| {
                let relo = CoreRelo {
                    insn_off: word(rec, 0),
                    type_id: word(rec, 1),
                    access: btf.string(word(rec, 2)).map_err(BtfExtError::Btf)?,
                    kind: CoreReloKind::from_u32(word(rec, 3)),
                };
                ext.sections
                    .entry(sec.to_owned())
                    .or_default()
                    .core_relos
                    .push(relo);
                Ok(())
            })?;
        }
        Ok(ext)
    }
}
