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
    /// Global (BTF linkage) functions are verified separately, once, from
    /// their BTF signature (`params`), as Linux does.
    pub global: bool,
    /// The function returns `void` (from BTF).
    pub returns_void: bool,
    /// The parameter kinds of a global function, from BTF.
    pub params: Option<Vec<Param>>,
}

/// The kind of a global function's parameter, from its BTF type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// An integer or enum: any value.
    Scalar,
    /// A pointer to the program's context type.
    Ctx,
    /// A pointer to `size` bytes of memory, or NULL.
    Mem { size: u32 },
    /// A type Palisade does not model; calls are refused.
    Unsupported,
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
            if let (Some(btf), Some(vt)) = (&obj.btf, m.def.value_type) {
                special_fields(btf, vt, 0, 0, &mut def.special_fields);
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
            let mut params = None;
            if let Some(btf) = &obj.btf {
                use crate::object::btf::BtfType;
                if let Some(id) = btf.find(&f.name, |t| matches!(t, BtfType::Func { .. })) {
                    if let Ok(BtfType::Func { proto, linkage, .. }) = btf.get(id) {
                        global = f.start != 0 && *linkage == 1;
                        if let Ok(BtfType::FuncProto { ret, params: ps }) = btf.get(*proto) {
                            returns_void = *ret == 0;
                            params =
                                Some(ps.iter().map(|(_, t)| btf_param(btf, *t, kind)).collect());
                        }
                    }
                }
            }
            prog.funcs.push(FuncInfo {
                slot: f.start,
                name: f.name.clone(),
                global,
                returns_void,
                params: if global { params } else { None },
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

impl Program {
    /// A program from assembler text (the first section of
    /// [`isa::text::assemble`](crate::isa::text::assemble)), with its
    /// `.map` declarations. `ld_imm64` relocations against a map become map
    /// references. `kind` defaults to the section name's program type.
    pub fn from_asm(name: &str, text: &str, kind: Option<ProgKind>) -> Result<Program, String> {
        use super::platform::maps::MapType;
        use crate::isa::text::{assemble, RelocKind};
        use crate::isa::{Insn, Pseudo};
        let asm = assemble(text).map_err(|errs| {
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let section = asm.sections.first().ok_or("no instructions")?;
        let kind = match kind {
            Some(k) => k,
            None => section
                .name
                .as_deref()
                .and_then(ProgKind::from_section)
                .ok_or("unknown program type: give a `.section` with a known name")?,
        };
        let mut insns: Vec<(usize, Insn)> =
            section.insns.iter().map(|i| (i.slot, i.insn)).collect();
        let mut prog = Program::new(name, kind, Vec::new());
        for m in &asm.maps {
            prog.maps.push(MapDef {
                flags: m.flags,
                ..MapDef::new(
                    m.name.clone(),
                    MapType(m.map_type),
                    m.key_size,
                    m.value_size,
                    m.max_entries,
                )
            });
        }
        for r in &section.relocations {
            if r.kind != RelocKind::Imm64 {
                return Err(format!("unsupported relocation against `{}`", r.symbol));
            }
            let target = if let Some(map) = asm.maps.iter().position(|m| m.name == r.symbol) {
                Ok(map)
            } else if let Some(sym) = section.symbols.iter().find(|s| s.name == r.symbol) {
                Err(sym.slot)
            } else {
                return Err(format!("relocation against unknown symbol `{}`", r.symbol));
            };
            if let Some((_, insn)) = insns.iter_mut().find(|(s, _)| *s == r.slot) {
                if let Insn::LdImm64 { dst, .. } = *insn {
                    *insn = match target {
                        Ok(map) => {
                            prog.map_refs.insert(r.slot, map);
                            Insn::LdPseudo {
                                dst,
                                kind: Pseudo::MapFd,
                                imm: 0,
                                imm2: 0,
                            }
                        }
                        // A function pointer (a callback) in this section.
                        Err(slot) => Insn::LdPseudo {
                            dst,
                            kind: Pseudo::Func,
                            imm: (slot as i64 - r.slot as i64 - 1) as i32,
                            imm2: 0,
                        },
                    };
                }
            }
        }
        for (i, line) in section.insns.iter().map(|i| (i.slot, i.line)) {
            prog.lines.insert(
                i,
                SourceLine {
                    file: Arc::from(name),
                    line: line as u32,
                    column: 0,
                    text: text.lines().nth(line.saturating_sub(1)).map(Arc::from),
                },
            );
        }
        prog.insns = insns;
        Ok(prog)
    }
}

/// The context struct name of a program type, as BTF spells it.
fn ctx_type_name(kind: ProgKind) -> Option<&'static str> {
    use super::platform::prog_type::ProgType as P;
    Some(match kind.prog_type {
        t if t.is_skb() => "__sk_buff",
        P::Xdp => "xdp_md",
        P::CgroupSockAddr => "bpf_sock_addr",
        P::CgroupSock => "bpf_sock",
        P::SkMsg => "sk_msg_md",
        P::SkLookup => "bpf_sk_lookup",
        P::PerfEvent => "bpf_perf_event_data",
        _ => return None,
    })
}

/// The parameter kind of a BTF type (Linux `btf_prepare_func_args`:
/// integers and enums are scalars, a pointer to the context type is the
/// context, a pointer to a sized type is memory of that size or NULL).
fn btf_param(btf: &crate::object::Btf, ty: u32, kind: ProgKind) -> Param {
    use crate::object::btf::BtfType;
    let Ok(id) = btf.skip_mods(ty) else {
        return Param::Unsupported;
    };
    match btf.get(id) {
        Ok(BtfType::Int { .. }) | Ok(BtfType::Enum { .. }) => Param::Scalar,
        Ok(BtfType::Ptr { target }) => {
            let Ok(t) = btf.skip_mods(*target) else {
                return Param::Unsupported;
            };
            match btf.get(t) {
                Ok(BtfType::Struct { name, .. }) if Some(name.as_str()) == ctx_type_name(kind) => {
                    Param::Ctx
                }
                Ok(BtfType::Struct { .. })
                | Ok(BtfType::Int { .. })
                | Ok(BtfType::Array { .. }) => match btf.size_of(t) {
                    Ok(size) if size > 0 => Param::Mem { size },
                    _ => Param::Unsupported,
                },
                _ => Param::Unsupported,
            }
        }
        _ => Param::Unsupported,
    }
}

/// Kernel-managed fields inside a map value type (`bpf_spin_lock`,
/// `bpf_timer`, list and tree heads, kptrs): loads and stores must not
/// touch them. Appends `(offset, size)` pairs.
fn special_fields(
    btf: &crate::object::Btf,
    ty: u32,
    base: u32,
    depth: u32,
    out: &mut Vec<(u32, u32)>,
) {
    use crate::object::btf::BtfType;
    const SPECIAL: &[&str] = &[
        "bpf_spin_lock",
        "bpf_res_spin_lock",
        "bpf_timer",
        "bpf_wq",
        "bpf_list_head",
        "bpf_list_node",
        "bpf_rb_root",
        "bpf_rb_node",
        "bpf_refcount",
    ];
    const TYPE_TAG: u32 = 18;
    if depth > 8 {
        return;
    }
    let Ok(id) = btf.skip_mods(ty) else {
        return;
    };
    match btf.get(id) {
        Ok(BtfType::Struct {
            name,
            size,
            members,
        })
        | Ok(BtfType::Union {
            name,
            size,
            members,
        }) => {
            if SPECIAL.contains(&name.as_str()) {
                out.push((base, *size));
                return;
            }
            for m in members {
                // Member offsets are in bits (low 24 bits with bitfields).
                let off = base + (m.offset & 0x00ff_ffff) / 8;
                // A kptr is a pointer whose type carries a type tag.
                let mut t = m.type_id;
                let mut tagged = false;
                for _ in 0..8 {
                    match btf.get(t) {
                        Ok(BtfType::Modifier { kind, target }) => {
                            tagged |= *kind == TYPE_TAG;
                            t = *target;
                        }
                        Ok(BtfType::Typedef { target, .. }) => t = *target,
                        Ok(BtfType::Ptr { target }) => {
                            if tagged
                                || matches!(
                                    btf.get(*target),
                                    Ok(BtfType::Modifier { kind: TYPE_TAG, .. })
                                )
                            {
                                out.push((off, 8));
                            }
                            break;
                        }
                        _ => break,
                    }
                }
                special_fields(btf, m.type_id, off, depth + 1, out);
            }
        }
        Ok(BtfType::Array { elem, nelems, .. }) => {
            let Ok(esize) = btf.size_of(*elem) else {
                return;
            };
            for i in 0..(*nelems).min(64) {
                special_fields(btf, *elem, base + i * esize, depth + 1, out);
            }
        }
        _ => {}
    }
}
