//! Linking one program the way libbpf does before loading it.
//!
//! The entry function comes first; every function it calls or takes the
//! address of (transitively) is appended once, in depth-first order of
//! first reference, exactly like libbpf's `bpf_object__reloc_code`. Then:
//!
//! * `call` and `ld_imm64` function references get offsets relative to the
//!   next instruction in the linked program;
//! * map references become `ld_imm64` with `src_reg = BPF_PSEUDO_MAP_IDX`
//!   and `imm` = the index into [`Object::maps`] (global data:
//!   `BPF_PSEUDO_MAP_IDX_VALUE` and the value offset in the second slot).
//!   A loader replaces the index by a map fd (or passes an fd array);
//!   [`LinkedProgram::map_refs`] lists them;
//! * extern references (kfuncs, `__ksym`, `__kconfig`) are listed in
//!   [`LinkedProgram::externs`]; kfunc calls get `src_reg =
//!   BPF_PSEUDO_KFUNC_CALL` and `imm = 0` (no BTF id offline), ksyms
//!   `BPF_PSEUDO_BTF_ID` with `imm = 0`;
//! * CO-RE relocations are listed in [`LinkedProgram::core_relos`] and not
//!   applied: the instructions keep the compile-time (local BTF) values.
//!
//! Invariant: linking works on raw slots, so any program that libbpf can
//! relocate links here even when it contains instructions the decoder
//! rejects; decoding the result is the last step, and its failure is
//! [`LinkError::Decode`].

use std::collections::BTreeMap;

use crate::isa::decode::RawInsn;
use crate::isa::opcode::{self, pseudo};
use crate::isa::{decode_program, Insn};

use super::btf_ext::CoreRelo;
use super::code::{ExternKind, RelocTarget, CALL};
use super::error::LinkError;
use super::lines::{LineSource, LineTable};
use super::prog_type::SectionKind;
use super::Object;

/// A function placed in a linked program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedFunction {
    pub name: String,
    /// Index into [`Object::functions`].
    pub function: usize,
    /// First slot in the linked program (0 for the entry).
    pub start: usize,
    pub len: usize,
}

/// A map reference made by an `ld_imm64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapRef {
    /// Slot of the `ld_imm64` in the linked program.
    pub slot: usize,
    /// Index into [`Object::maps`].
    pub map: usize,
    /// For global data: the offset into the map's value.
    pub value_offset: Option<u32>,
}

/// An extern symbol referenced by an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternRef {
    pub slot: usize,
    pub name: String,
    pub kind: ExternKind,
}

/// A program ready for the verifier or a loader.
#[derive(Clone, Debug)]
pub struct LinkedProgram {
    pub name: String,
    pub section_name: String,
    pub kind: SectionKind,
    pub license: Option<String>,
    /// The decoded instructions with their first slot.
    pub insns: Vec<(usize, Insn)>,
    /// The same program as raw slots (what a loader sends).
    pub raw: Vec<RawInsn>,
    /// The entry function first, then subprograms in placement order;
    /// their `start` slots are the subprogram boundaries.
    pub functions: Vec<LinkedFunction>,
    pub map_refs: Vec<MapRef>,
    pub externs: Vec<ExternRef>,
    /// `(slot, record)` of CO-RE relocations, not applied.
    pub core_relos: Vec<(usize, CoreRelo)>,
    /// Source lines by linked slot.
    pub lines: LineTable,
}

impl LinkedProgram {
    /// The program as bytes (8 per slot).
    pub fn bytes(&self) -> Vec<u8> {
        self.raw.iter().flat_map(|r| r.to_bytes()).collect()
    }

    /// The function containing `slot`.
    pub fn function_at(&self, slot: usize) -> Option<&LinkedFunction> {
        self.functions
            .iter()
            .find(|f| slot >= f.start && slot < f.start + f.len)
    }
}

struct Frame {
    function: usize,
    out_start: usize,
    next: usize,
}

/// Links program `index` of `obj`.
pub fn link(obj: &Object, index: usize) -> Result<LinkedProgram, LinkError> {
    let program = obj
        .programs
        .get(index)
        .ok_or(LinkError::NoSuchProgram(index))?;
    let mut out: Vec<RawInsn> = Vec::new();
    let mut placed: BTreeMap<usize, usize> = BTreeMap::new();
    let mut functions = Vec::new();
    let mut map_refs = Vec::new();
    let mut externs = Vec::new();
    let mut stack = Vec::new();
    place(obj, program.function, &mut out, &mut placed, &mut functions);
    stack.push(Frame {
        function: program.function,
        out_start: 0,
        next: 0,
    });
    while let Some(frame) = stack.last_mut() {
        let func = &obj.functions[frame.function];
        if frame.next >= func.len {
            stack.pop();
            continue;
        }
        let i = frame.next;
        let out_slot = frame.out_start + i;
        let orig = func.start + i;
        let section = &obj.sections[func.section];
        let raw = out[out_slot];
        frame.next += if raw.code == opcode::LD_IMM64 { 2 } else { 1 };
        let reloc = section.reloc_at(orig);
        let err_reloc = |source| LinkError::Reloc {
            function: func.name.clone(),
            slot: orig,
            source,
        };
        let target = match reloc.map(|r| &r.target) {
            Some(Err(e)) => return Err(err_reloc(e.clone())),
            Some(Ok(t)) => Some(t),
            None => None,
        };
        // Where a code reference points: (code section, byte offset).
        let code_ref: Option<(usize, i64, &'static str)> = match target {
            Some(RelocTarget::Code {
                section: s,
                sym_offset,
            }) => {
                if raw.code == CALL {
                    let slot = (*sym_offset / 8) as i64 + i64::from(raw.imm) + 1;
                    Some((*s, slot * 8, "call"))
                } else {
                    Some((
                        *s,
                        *sym_offset as i64 + i64::from(raw.imm),
                        "function pointer",
                    ))
                }
            }
            None if raw.code == CALL && raw.src == opcode::call::LOCAL => {
                let slot = orig as i64 + i64::from(raw.imm) + 1;
                Some((func.section, slot * 8, "call"))
            }
            None if raw.code == opcode::LD_IMM64 && raw.src == pseudo::FUNC => {
                let slot = orig as i64 + i64::from(raw.imm) + 1;
                Some((func.section, slot * 8, "function pointer"))
            }
            _ => None,
        };
        if let Some((code_section, offset, what)) = code_ref {
            let no_function = || LinkError::NoFunction {
                function: func.name.clone(),
                slot: orig,
                what,
                section: obj.sections[code_section].name.clone(),
                offset,
            };
            if offset % 8 != 0 || offset < 0 {
                return Err(no_function());
            }
            let target_slot = (offset / 8) as usize;
            let callee = obj
                .functions
                .iter()
                .position(|f| {
                    f.section == code_section
                        && target_slot >= f.start
                        && target_slot < f.start + f.len
                })
                .ok_or_else(no_function)?;
            let callee_start = match placed.get(&callee) {
                Some(&s) => s,
                None => {
                    let s = place(obj, callee, &mut out, &mut placed, &mut functions);
                    stack.push(Frame {
                        function: callee,
                        out_start: s,
                        next: 0,
                    });
                    s
                }
            };
            let callee_slot = callee_start + (target_slot - obj.functions[callee].start);
            let rel = callee_slot as i64 - (out_slot as i64 + 1);
            let rel = i32::try_from(rel).map_err(|_| LinkError::TooLarge(out.len()))?;
            let insn = &mut out[out_slot];
            insn.imm = rel;
            insn.src = if insn.code == CALL {
                opcode::call::LOCAL
            } else {
                pseudo::FUNC
            };
            continue;
        }
        let Some(target) = target else { continue };
        let name = reloc.map(|r| r.symbol.clone()).unwrap_or_default();
        match *target {
            RelocTarget::Map(map) => {
                set_ld(&mut out, out_slot, pseudo::MAP_IDX, map as i32, 0);
                map_refs.push(MapRef {
                    slot: out_slot,
                    map,
                    value_offset: None,
                });
            }
            RelocTarget::Data { map, offset } => {
                let value_offset = (offset as i64 + i64::from(raw.imm)) as u32;
                set_ld(
                    &mut out,
                    out_slot,
                    pseudo::MAP_IDX_VALUE,
                    map as i32,
                    value_offset as i32,
                );
                map_refs.push(MapRef {
                    slot: out_slot,
                    map,
                    value_offset: Some(value_offset),
                });
            }
            RelocTarget::Extern { kind } => {
                match kind {
                    ExternKind::Kfunc => {
                        out[out_slot].src = opcode::call::KFUNC;
                        out[out_slot].imm = 0;
                    }
                    ExternKind::Ksym => set_ld(&mut out, out_slot, pseudo::BTF_ID, 0, 0),
                    ExternKind::Kconfig => {}
                }
                externs.push(ExternRef {
                    slot: out_slot,
                    name,
                    kind,
                });
            }
            RelocTarget::Code { .. } | RelocTarget::Nothing => {}
        }
    }
    let mut lines = Vec::new();
    let mut core_relos = Vec::new();
    let mut line_source = LineSource::None;
    for f in &functions {
        let func = &obj.functions[f.function];
        let section = &obj.sections[func.section];
        if !section.lines.is_empty() {
            line_source = section.lines.source;
        }
        lines.extend(section.lines.relocated(func.start, func.len, f.start));
        for (slot, relo) in &section.core_relos {
            if *slot >= func.start && *slot < func.start + func.len {
                core_relos.push((slot - func.start + f.start, relo.clone()));
            }
        }
    }
    let bytes: Vec<u8> = out.iter().flat_map(|r| r.to_bytes()).collect();
    let insns = decode_program(&bytes).map_err(LinkError::Decode)?;
    Ok(LinkedProgram {
        name: program.name.clone(),
        section_name: program.section_name.clone(),
        kind: program.kind,
        license: obj.license.clone(),
        insns,
        raw: out,
        functions,
        map_refs,
        externs,
        core_relos,
        lines: LineTable::new(line_source, lines),
    })
}

/// Appends function `f` to `out`; returns its start slot.
fn place(
    obj: &Object,
    f: usize,
    out: &mut Vec<RawInsn>,
    placed: &mut BTreeMap<usize, usize>,
    functions: &mut Vec<LinkedFunction>,
) -> usize {
    let func = &obj.functions[f];
    let section = &obj.sections[func.section];
    let start = out.len();
    out.extend_from_slice(&section.slots[func.start..func.start + func.len]);
    placed.insert(f, start);
    functions.push(LinkedFunction {
        name: func.name.clone(),
        function: f,
        start,
        len: func.len,
    });
    start
}

/// Rewrites the `ld_imm64` at `slot` as a pseudo load (if it has both
/// slots; a truncated one is left for the decoder to report).
fn set_ld(out: &mut [RawInsn], slot: usize, src: u8, imm: i32, imm2: i32) {
    if slot + 1 < out.len() {
        out[slot].src = src;
        out[slot].imm = imm;
        out[slot + 1].imm = imm2;
    }
}
