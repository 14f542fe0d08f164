//! The verifier's input: one program with everything needed to check it.
//!
//! A [`Program`] is built from a linked ELF program
//! ([`Program::from_linked`]), from assembler text, or directly (tests and
//! the compiler). It is plain data; building one never fails.

use super::platform::maps::MapDef;
use super::platform::prog_type::ProgKind;
use crate::isa::Insn;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A source position for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLine {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    /// The text of the line, when the object carries it.
    pub text: Option<Arc<str>>,
}

/// Load flags that change what the kernel checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadFlags {
    /// `BPF_F_STRICT_ALIGNMENT`: packet and map accesses must be aligned.
    pub strict_alignment: bool,
    /// `BPF_F_ANY_ALIGNMENT`: no alignment checks (except stack).
    pub any_alignment: bool,
    /// `BPF_F_SLEEPABLE`.
    pub sleepable: bool,
}

/// A function of the program (the entry or a subprogram).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncInfo {
    /// Slot of its first instruction.
    pub slot: usize,
    pub name: String,
    /// Global (BTF linkage) functions are verified separately by Linux,
    /// with types from BTF; Palisade refuses calls to them.
    pub global: bool,
    /// The function returns `void` (from BTF).
    pub returns_void: bool,
}

/// One program to verify.
#[derive(Clone, Debug)]
pub struct Program {
    pub name: String,
    pub kind: ProgKind,
    /// Instructions with their slot indexes, as `isa::decode_program`
    /// returns them.
    pub insns: Vec<(usize, Insn)>,
    /// Maps the program may refer to.
    pub maps: Vec<MapDef>,
    /// For each `ld_imm64` slot that loads a map pointer (fd) or a map
    /// value address, the index of the map in `maps`.
    pub map_refs: BTreeMap<usize, usize>,
    /// Known function names and linkage, by first slot.
    pub funcs: Vec<FuncInfo>,
    /// Source lines by slot.
    pub lines: BTreeMap<usize, SourceLine>,
    pub flags: LoadFlags,
    /// Whether the license is GPL-compatible (GPL-only helpers need it).
    pub gpl: bool,
    /// Whether the loader passes BTF function information (clang-built
    /// objects do); Linux refuses some constructs in subprograms without it.
    pub has_btf: bool,
}

impl Program {
    /// A program with no maps, functions or lines.
    pub fn new(name: impl Into<String>, kind: ProgKind, insns: Vec<(usize, Insn)>) -> Program {
        Program {
            name: name.into(),
            kind,
            insns,
            maps: Vec::new(),
            map_refs: BTreeMap::new(),
            funcs: Vec::new(),
            lines: BTreeMap::new(),
            flags: LoadFlags::default(),
            gpl: true,
            has_btf: false,
        }
    }

    /// A program from instructions without slots (slots are assigned in
    /// order, two for `ld_imm64`).
    pub fn from_insns(name: impl Into<String>, kind: ProgKind, insns: Vec<Insn>) -> Program {
        let mut slot = 0;
        let with_slots = insns
            .into_iter()
            .map(|i| {
                let s = slot;
                slot += i.slots();
                (s, i)
            })
            .collect();
        Program::new(name, kind, with_slots)
    }

    /// The source line of a slot, if known: the closest line at or before
    /// the slot within the same run of annotated instructions.
    pub fn line_at(&self, slot: usize) -> Option<&SourceLine> {
        self.lines.range(..=slot).next_back().map(|(_, l)| l)
    }

    /// The function containing a slot.
    pub fn func_at(&self, slot: usize) -> Option<&FuncInfo> {
        self.funcs
            .iter()
            .filter(|f| f.slot <= slot)
            .max_by_key(|f| f.slot)
    }

    /// The number of 8-byte slots.
    pub fn slot_count(&self) -> usize {
        self.insns.last().map_or(0, |(s, i)| s + i.slots())
    }
}

impl Program {
    /// The program of a linked ELF object, with the object's maps (global
    /// data sections included, read-only ones with their contents, as a
    /// loader freezes them), function linkage and source lines.
    /// `None` when the section name names no known program type.
    pub fn from_linked(
        obj: &crate::object::Object,
        linked: &crate::object::LinkedProgram,
    ) -> Option<Program> {
        use super::platform::maps::{MapType, F_RDONLY_PROG};
        use super::platform::prog_type::{AttachType, ProgType};
        use crate::object::MapOrigin;
        let by_name = ProgKind::from_section(&linked.section_name);
        let kind = match linked.kind.def {
            Some(def) => {
                let pt = ProgType::from_kernel_id(def.prog_type.number())?;
                let attach = match def.attach_type {
                    Some(a) => AttachType(a),
                    None => by_name
                        .filter(|k| k.prog_type == pt)
                        .map_or(AttachType::NONE, |k| k.attach),
                };
                ProgKind::new(pt, attach)
            }
            None => by_name?,
        };
        let mut prog = Program::new(linked.name.clone(), kind, linked.insns.clone());
        prog.flags.sleepable = linked.kind.def.is_some_and(|d| d.sleepable);
        prog.gpl = linked.license.as_deref().is_some_and(|l| {
            [
                "GPL",
                "GPL v2",
                "GPL and additional rights",
                "Dual BSD/GPL",
                "Dual MIT/GPL",
                "Dual MPL/GPL",
            ]
            .contains(&l)
        });
        let convert = |name: &str, d: &crate::object::MapDef| MapDef {
            name: name.to_string(),
            map_type: MapType(d.map_type),
            key_size: d.key_size,
            value_size: d.value_size,
            max_entries: d.max_entries,
            flags: d.flags,
            inner: None,
            frozen_data: None,
            special_fields: Vec::new(),
        };
        for m in &obj.maps {
            let mut def = convert(&m.name, &m.def);
            if let MapOrigin::Data { read_only: true } = m.origin {
                def.flags |= F_RDONLY_PROG;
                def.frozen_data = Some(
                    m.initial
                        .clone()
                        .unwrap_or_else(|| vec![0; m.def.value_size as usize]),
                );
            }
            prog.maps.push(def);
        }
        // Inner map templates go after the object's maps.
        for i in 0..obj.maps.len() {
            if let Some(inner) = &obj.maps[i].def.inner {
                let idx = prog.maps.len();
                prog.maps
                    .push(convert(&format!("{}.inner", obj.maps[i].name), inner));
                prog.maps[i].inner = Some(idx);
            }
        }
        for r in &linked.map_refs {
            prog.map_refs.insert(r.slot, r.map);
        }
        prog.has_btf = obj.btf.is_some();
        for f in &linked.functions {
            let mut global =
                f.start != 0 && obj.functions.get(f.function).is_some_and(|of| of.global);
            let mut returns_void = false;
            if let Some(btf) = &obj.btf {
                use crate::object::btf::BtfType;
                if let Some(id) = btf.find(&f.name, |t| matches!(t, BtfType::Func { .. })) {
                    if let Ok(BtfType::Func { proto, linkage, .. }) = btf.get(id) {
                        global = f.start != 0 && *linkage == 1;
                        if let Ok(BtfType::FuncProto { ret, .. }) = btf.get(*proto) {
                            returns_void = *ret == 0;
                        }
                    }
                }
            }
            prog.funcs.push(FuncInfo {
                slot: f.start,
                name: f.name.clone(),
                global,
                returns_void,
            });
        }
        for (slot, loc) in linked.lines.entries() {
            prog.lines.insert(
                *slot,
                SourceLine {
                    file: loc.file.clone(),
                    line: loc.line,
                    column: loc.column,
                    text: loc.text.clone(),
                },
            );
        }
        Some(prog)
    }
}
