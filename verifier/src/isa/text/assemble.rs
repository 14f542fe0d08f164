//! The assembler: whole files with sections, labels, functions, maps and
//! relocations.
//!
//! Input is either hand-written assembly or a listing printed by
//! `palisade disasm` / `llvm-objdump -d -r` (the address and byte columns,
//! `Disassembly of section S:` headers, `0000000000000000 <prog>:` symbol
//! lines and relocation lines are understood), so that
//! disassemble -> assemble round-trips.
//!
//! File syntax (one statement per line; `;`, `//` and a leading `#` start
//! comments):
//!
//! ```text
//! .license "GPL"
//! .map counters type=array key_size=4 value_size=8 max_entries=16
//! .section xdp
//! .globl prog            ; `prog` is a function (a program entry point)
//! prog:
//!     r1 = counters ll   ; R_BPF_64_64 relocation against the map
//!     if r1 == 0 goto out
//!     call helper_sub    ; local call, or a relocation to another section
//! out:
//!     r0 = 2
//!     exit
//! ```
//!
//! Labels are local to their section. A name is a function if it is
//! declared with `.globl`, or if it comes from a listing symbol line whose
//! name does not look like a compiler label (`LBB*`, `.L*`).

use super::parse::{parse_statement, Reference};
use crate::isa::insn::*;
use std::collections::BTreeMap;
use std::fmt;

/// An assembled file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assembly {
    pub sections: Vec<AsmSection>,
    /// From `.license "GPL"`.
    pub license: Option<String>,
    pub maps: Vec<AsmMap>,
}

/// The instructions of one ELF section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AsmSection {
    /// `None` for instructions before any `.section` directive; the caller
    /// picks the section (e.g. from `palisade asm --type`).
    pub name: Option<String>,
    pub insns: Vec<AsmInsn>,
    /// Functions and labels, in slot order.
    pub symbols: Vec<AsmSymbol>,
    /// Relocations, in slot order.
    pub relocations: Vec<AsmReloc>,
}

impl AsmSection {
    /// The instructions without their source lines.
    pub fn instructions(&self) -> impl Iterator<Item = &Insn> {
        self.insns.iter().map(|i| &i.insn)
    }

    /// The number of 8-byte slots.
    pub fn slot_count(&self) -> usize {
        self.insns.iter().map(|i| i.insn.slots()).sum()
    }
}

/// An instruction with its slot index in the section and its source line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmInsn {
    pub slot: usize,
    pub insn: Insn,
    /// 1-based line in the assembly file.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmSymbol {
    pub name: String,
    pub slot: usize,
    pub kind: SymbolKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// A function: a program entry point or a subprogram.
    Function,
    /// A jump label.
    Label,
}

/// A relocation the object writer must emit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmReloc {
    pub slot: usize,
    pub kind: RelocKind,
    pub symbol: String,
}

/// eBPF ELF relocation types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelocKind {
    /// `R_BPF_64_64`: the 64-bit immediate of an `ld_imm64` (maps, globals).
    Imm64,
    /// `R_BPF_64_32`: the 32-bit immediate of a call to a function.
    Call32,
    /// `R_BPF_64_ABS64`, `R_BPF_64_ABS32`, `R_BPF_64_NODYLD32`: data.
    Abs64,
    Abs32,
    NoDyld32,
}

impl RelocKind {
    /// The ELF relocation type number.
    pub const fn number(self) -> u32 {
        match self {
            RelocKind::Imm64 => 1,
            RelocKind::Abs64 => 2,
            RelocKind::Abs32 => 3,
            RelocKind::NoDyld32 => 4,
            RelocKind::Call32 => 10,
        }
    }

    /// The relocation type with this ELF number.
    pub const fn from_number(n: u32) -> Option<RelocKind> {
        Some(match n {
            1 => RelocKind::Imm64,
            2 => RelocKind::Abs64,
            3 => RelocKind::Abs32,
            4 => RelocKind::NoDyld32,
            10 => RelocKind::Call32,
            _ => return None,
        })
    }

    /// The name llvm-objdump prints (`R_BPF_64_64`).
    pub const fn name(self) -> &'static str {
        match self {
            RelocKind::Imm64 => "R_BPF_64_64",
            RelocKind::Call32 => "R_BPF_64_32",
            RelocKind::Abs64 => "R_BPF_64_ABS64",
            RelocKind::Abs32 => "R_BPF_64_ABS32",
            RelocKind::NoDyld32 => "R_BPF_64_NODYLD32",
        }
    }

    fn from_name(s: &str) -> Option<RelocKind> {
        [
            RelocKind::Imm64,
            RelocKind::Call32,
            RelocKind::Abs64,
            RelocKind::Abs32,
            RelocKind::NoDyld32,
        ]
        .into_iter()
        .find(|k| k.name() == s)
    }
}

/// A map declared with `.map`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmMap {
    pub name: String,
    /// `BPF_MAP_TYPE_*` number.
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    pub line: usize,
}

/// Map type names accepted by `.map type=...`, with their kernel numbers.
pub const MAP_TYPES: &[(&str, u32)] = &[
    ("hash", 1),
    ("array", 2),
    ("prog_array", 3),
    ("perf_event_array", 4),
    ("percpu_hash", 5),
    ("percpu_array", 6),
    ("stack_trace", 7),
    ("cgroup_array", 8),
    ("lru_hash", 9),
    ("lru_percpu_hash", 10),
    ("lpm_trie", 11),
    ("array_of_maps", 12),
    ("hash_of_maps", 13),
    ("devmap", 14),
    ("sockmap", 15),
    ("cpumap", 16),
    ("xskmap", 17),
    ("sockhash", 18),
    ("queue", 22),
    ("stack", 23),
    ("sk_storage", 24),
    ("devmap_hash", 25),
    ("ringbuf", 27),
];

/// An assembler error at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for AsmError {}

/// Parses a single instruction (no labels or symbols).
pub fn parse_insn(text: &str) -> Result<Insn, AsmError> {
    let err = |col: usize, message: String| AsmError {
        line: 1,
        column: col + 1,
        message,
    };
    let parsed = parse_statement(text, 0).map_err(|e| err(e.col, e.message))?;
    match parsed.reference {
        None => Ok(parsed.insn),
        Some(Reference::Jump(n) | Reference::Call(n) | Reference::Load(n)) => Err(err(
            0,
            format!("symbol `{n}` cannot be resolved in a single instruction"),
        )),
    }
}

/// Parses a sequence of instructions, one per line, with labels allowed
/// (`name:`), into one instruction list. Sections, maps and relocations
/// are not allowed. This is the form tests and the verifier use.
pub fn assemble_insns(text: &str) -> Result<Vec<Insn>, Vec<AsmError>> {
    let asm = assemble(text)?;
    let mut errors = Vec::new();
    if asm.sections.len() > 1 || !asm.maps.is_empty() {
        errors.push(AsmError {
            line: 1,
            column: 1,
            message: "expected plain instructions (no sections or maps)".into(),
        });
    }
    if let Some(r) = asm.sections.iter().flat_map(|s| &s.relocations).next() {
        let line = asm.sections[0]
            .insns
            .iter()
            .find(|i| i.slot == r.slot)
            .map_or(1, |i| i.line);
        errors.push(AsmError {
            line,
            column: 1,
            message: format!("unresolved symbol `{}`", r.symbol),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(asm
        .sections
        .into_iter()
        .flat_map(|s| s.insns.into_iter().map(|i| i.insn))
        .collect())
}

/// A statement waiting for its symbolic operand to be resolved.
struct PendingRef {
    section: usize,
    index: usize,
    reference: Reference,
    line: usize,
    column: usize,
}

#[derive(Default)]
struct Assembler {
    asm: Assembly,
    errors: Vec<AsmError>,
    pending: Vec<PendingRef>,
    globals: Vec<String>,
    current: Option<usize>,
}

/// Assembles a whole file. Reports every error, not just the first.
pub fn assemble(text: &str) -> Result<Assembly, Vec<AsmError>> {
    let mut a = Assembler::default();
    for (i, raw_line) in text.lines().enumerate() {
        a.line(i + 1, raw_line);
    }
    a.resolve();
    if a.errors.is_empty() {
        Ok(a.asm)
    } else {
        a.errors.sort_by_key(|e| (e.line, e.column));
        Err(a.errors)
    }
}

/// Removes a comment: `;` or `//` anywhere, `#` at the start or after
/// whitespace (so `#` inside a word is kept).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let starts = match b {
            b';' => true,
            b'/' => bytes.get(i + 1) == Some(&b'/'),
            b'#' => i == 0 || bytes[i - 1].is_ascii_whitespace(),
            _ => false,
        };
        if starts {
            return &line[..i];
        }
    }
    line
}

/// Strips llvm-objdump's trailing ` <symbol+0x10>` jump annotation.
fn strip_target_annotation(text: &str) -> &str {
    let trimmed = text.trim_end();
    if trimmed.ends_with('>') {
        if let Some(open) = trimmed.rfind(" <") {
            let inner = &trimmed[open + 2..trimmed.len() - 1];
            if !inner.is_empty() && !inner.contains(char::is_whitespace) {
                return &trimmed[..open];
            }
        }
    }
    text
}

/// If `line` is a listing instruction line (`  11:\t<bytes>\t<text>`),
/// returns the byte offset where the instruction text starts.
fn listing_insn_start(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    let lead = line.len() - trimmed.len();
    let colon = trimmed.find(':')?;
    if colon == 0 || !trimmed[..colon].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = &trimmed[colon + 1..];
    // Byte column: hex pairs separated by single spaces, ended by a tab.
    let rest_trim = rest.trim_start_matches([' ', '\t']);
    let skipped = rest.len() - rest_trim.len();
    let (bytes_part, text_start) = match rest_trim.find('\t') {
        Some(tab) => (&rest_trim[..tab], tab + 1),
        None => ("", 0),
    };
    let is_bytes = !bytes_part.is_empty()
        && bytes_part
            .trim_end()
            .split(' ')
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    let start = if is_bytes { text_start } else { 0 };
    Some(lead + colon + 1 + skipped + start)
}

/// Parses a listing symbol line `0000000000000000 <prog>:`.
fn listing_symbol(line: &str) -> Option<&str> {
    let t = line.trim();
    let (addr, rest) = t.split_once(' ')?;
    if addr.len() != 16 || !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    rest.strip_prefix('<')?.strip_suffix(">:")
}

/// Parses a listing relocation line `0000000000000030:  R_BPF_64_64\tm`.
fn listing_reloc(line: &str) -> Option<(usize, &str, &str)> {
    let t = line.trim();
    let (addr, rest) = t.split_once(':')?;
    if addr.len() != 16 || !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut words = rest.split_whitespace();
    let kind = words.next()?;
    if !kind.starts_with("R_BPF_") {
        return None;
    }
    let symbol = words.next().unwrap_or("");
    Some((usize::from_str_radix(addr, 16).ok()?, kind, symbol))
}

fn is_compiler_label(name: &str) -> bool {
    name.starts_with("LBB") || name.starts_with(".L")
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '.')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

impl Assembler {
    fn error(&mut self, line: usize, column: usize, message: impl Into<String>) {
        self.errors.push(AsmError {
            line,
            column,
            message: message.into(),
        });
    }

    fn section(&mut self) -> usize {
        if let Some(i) = self.current {
            return i;
        }
        self.asm.sections.push(AsmSection::default());
        let i = self.asm.sections.len() - 1;
        self.current = Some(i);
        i
    }

    fn switch_section(&mut self, name: &str) {
        let name = name.trim().trim_matches('"').to_string();
        let i = match self
            .asm
            .sections
            .iter()
            .position(|s| s.name.as_deref() == Some(name.as_str()))
        {
            Some(i) => i,
            None => {
                self.asm.sections.push(AsmSection {
                    name: Some(name),
                    ..AsmSection::default()
                });
                self.asm.sections.len() - 1
            }
        };
        self.current = Some(i);
    }

    fn add_symbol(&mut self, line_no: usize, column: usize, name: &str, kind: SymbolKind) {
        if !is_valid_name(name) {
            self.error(line_no, column, format!("invalid label name `{name}`"));
            return;
        }
        let s = self.section();
        let section = &mut self.asm.sections[s];
        if section.symbols.iter().any(|sym| sym.name == name) {
            self.error(line_no, column, format!("label `{name}` is defined twice"));
            return;
        }
        let slot = section.slot_count();
        section.symbols.push(AsmSymbol {
            name: name.to_string(),
            slot,
            kind,
        });
    }

    fn line(&mut self, line_no: usize, raw: &str) {
        let raw = raw.trim_end_matches('\r');
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return;
        }
        if let Some(name) = trimmed
            .strip_prefix("Disassembly of section ")
            .and_then(|r| r.strip_suffix(':'))
        {
            self.switch_section(name);
            return;
        }
        if trimmed.contains("file format elf") {
            return;
        }
        if let Some(name) = listing_symbol(raw) {
            let kind = if is_compiler_label(name) {
                SymbolKind::Label
            } else {
                SymbolKind::Function
            };
            self.add_symbol(line_no, 1, name, kind);
            return;
        }
        if let Some((offset, kind, symbol)) = listing_reloc(raw) {
            self.listing_relocation(line_no, offset, kind, symbol);
            return;
        }
        let (text, start) = match listing_insn_start(raw) {
            Some(start) => (&raw[start..], start),
            None => (raw, 0),
        };
        let text = strip_comment(text);
        let text = strip_target_annotation(text);
        let lead = text.len() - text.trim_start().len();
        let (mut text, mut col) = (text.trim_start(), start + lead);
        if text.trim().is_empty() {
            return;
        }
        if text.starts_with('.') && !text.contains(':') {
            self.directive(line_no, col, text.trim_end());
            return;
        }
        // Labels: `name:` possibly followed by an instruction.
        if let Some(colon) = text.find(':') {
            let name = text[..colon].trim();
            if is_valid_name(name) && !name.contains(' ') {
                let kind = if self.globals.iter().any(|g| g == name) {
                    SymbolKind::Function
                } else {
                    SymbolKind::Label
                };
                self.add_symbol(line_no, col + 1, name, kind);
                let after = &text[colon + 1..];
                let lead = after.len() - after.trim_start().len();
                col += colon + 1 + lead;
                text = after.trim_start();
                if text.trim().is_empty() {
                    return;
                }
            }
        }
        self.instruction(line_no, col, text);
    }

    fn instruction(&mut self, line_no: usize, col: usize, text: &str) {
        match parse_statement(text, col) {
            Ok(parsed) => {
                let s = self.section();
                let section = &mut self.asm.sections[s];
                let slot = section.slot_count();
                section.insns.push(AsmInsn {
                    slot,
                    insn: parsed.insn,
                    line: line_no,
                });
                if let Some(reference) = parsed.reference {
                    self.pending.push(PendingRef {
                        section: s,
                        index: section.insns.len() - 1,
                        reference,
                        line: line_no,
                        column: col + 1,
                    });
                }
            }
            Err(e) => self.error(line_no, e.col + 1, e.message),
        }
    }

    fn listing_relocation(&mut self, line_no: usize, offset: usize, kind: &str, symbol: &str) {
        let Some(kind) = RelocKind::from_name(kind) else {
            self.error(line_no, 1, format!("unknown relocation type `{kind}`"));
            return;
        };
        if !offset.is_multiple_of(8) {
            self.error(
                line_no,
                1,
                format!("relocation offset {offset:#x} is not instruction-aligned"),
            );
            return;
        }
        let s = self.section();
        self.asm.sections[s].relocations.push(AsmReloc {
            slot: offset / 8,
            kind,
            symbol: symbol.to_string(),
        });
    }

    fn directive(&mut self, line_no: usize, col: usize, text: &str) {
        let (name, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim();
        match name {
            ".section" => {
                if rest.is_empty() {
                    self.error(line_no, col + 1, "`.section` needs a name");
                } else {
                    self.switch_section(rest.split(',').next().unwrap_or(rest));
                }
            }
            ".text" => self.switch_section(".text"),
            ".globl" | ".global" => {
                for g in rest.split(',').map(str::trim).filter(|g| !g.is_empty()) {
                    self.globals.push(g.to_string());
                    // A `.globl` after the label still makes it a function.
                    for s in &mut self.asm.sections {
                        for sym in &mut s.symbols {
                            if sym.name == g {
                                sym.kind = SymbolKind::Function;
                            }
                        }
                    }
                }
            }
            ".license" => {
                let value = rest.trim_matches('"');
                if value.is_empty() {
                    self.error(
                        line_no,
                        col + 1,
                        "`.license` needs a value, e.g. .license \"GPL\"",
                    );
                } else {
                    self.asm.license = Some(value.to_string());
                }
            }
            ".map" => self.map_directive(line_no, col, rest),
            _ => self.error(
                line_no,
                col + 1,
                format!(
                    "unknown directive `{name}` (known: .section, .text, .globl, .license, .map)"
                ),
            ),
        }
    }

    fn map_directive(&mut self, line_no: usize, col: usize, rest: &str) {
        let mut words = rest.split_whitespace();
        let Some(name) = words.next().filter(|n| is_valid_name(n)) else {
            self.error(
                line_no,
                col + 1,
                "`.map` needs a name: .map NAME type=array key_size=4 value_size=8 max_entries=1",
            );
            return;
        };
        let mut fields: BTreeMap<&str, u32> = BTreeMap::new();
        let mut map_type = None;
        for word in words {
            let Some((key, value)) = word.split_once('=') else {
                self.error(
                    line_no,
                    col + 1,
                    format!("expected key=value in `.map`, found `{word}`"),
                );
                return;
            };
            if key == "type" {
                map_type = MAP_TYPES
                    .iter()
                    .find(|(n, _)| *n == value)
                    .map(|(_, t)| *t)
                    .or_else(|| {
                        super::lex::parse_number(value).and_then(|n| u32::try_from(n).ok())
                    });
                if map_type.is_none() {
                    self.error(line_no, col + 1, format!("unknown map type `{value}`"));
                    return;
                }
                continue;
            }
            if !matches!(key, "key_size" | "value_size" | "max_entries" | "flags") {
                self.error(line_no, col + 1, format!("unknown map field `{key}` (type, key_size, value_size, max_entries, flags)"));
                return;
            }
            match super::lex::parse_number(value).and_then(|n| u32::try_from(n).ok()) {
                Some(n) => {
                    fields.insert(key, n);
                }
                None => {
                    self.error(
                        line_no,
                        col + 1,
                        format!("invalid number `{value}` for `{key}`"),
                    );
                    return;
                }
            }
        }
        let Some(map_type) = map_type else {
            self.error(line_no, col + 1, "`.map` needs type=...");
            return;
        };
        if self.asm.maps.iter().any(|m| m.name == name) {
            self.error(line_no, col + 1, format!("map `{name}` is declared twice"));
            return;
        }
        self.asm.maps.push(AsmMap {
            name: name.to_string(),
            map_type,
            key_size: fields.get("key_size").copied().unwrap_or(0),
            value_size: fields.get("value_size").copied().unwrap_or(0),
            max_entries: fields.get("max_entries").copied().unwrap_or(0),
            flags: fields.get("flags").copied().unwrap_or(0),
            line: line_no,
        });
    }

    /// Resolves labels and symbols once every section is known.
    fn resolve(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for p in pending {
            let section = &self.asm.sections[p.section];
            let at = &section.insns[p.index];
            let next_slot = (at.slot + at.insn.slots()) as i64;
            let local = |name: &str| {
                section
                    .symbols
                    .iter()
                    .find(|s| s.name == name)
                    .map(|s| s.slot as i64)
            };
            let elsewhere = |name: &str| {
                self.asm.sections.iter().any(|s| {
                    s.symbols
                        .iter()
                        .any(|sym| sym.name == name && sym.kind == SymbolKind::Function)
                })
            };
            let mut reloc = None;
            let result: Result<Insn, String> = match (&p.reference, at.insn) {
                (Reference::Jump(name), insn) => match local(name) {
                    Some(target) => set_jump(insn, target - next_slot),
                    None => Err(format!("unknown label `{name}` in this section")),
                },
                (Reference::Call(name), insn) => match local(name) {
                    Some(target) => Ok(Insn::Call(CallTarget::Local((target - next_slot) as i32))),
                    None if elsewhere(name) => {
                        reloc = Some((RelocKind::Call32, name.clone()));
                        Ok(insn)
                    }
                    None => Err(format!("unknown function `{name}`")),
                },
                (Reference::Load(name), insn) => {
                    let known = self.asm.maps.iter().any(|m| &m.name == name)
                        || self
                            .asm
                            .sections
                            .iter()
                            .any(|s| s.symbols.iter().any(|sym| &sym.name == name));
                    if known {
                        reloc = Some((RelocKind::Imm64, name.clone()));
                        Ok(insn)
                    } else {
                        Err(format!(
                            "unknown symbol `{name}` (declare maps with `.map`)"
                        ))
                    }
                }
            };
            let slot = at.slot;
            match result {
                Ok(insn) => {
                    let section = &mut self.asm.sections[p.section];
                    section.insns[p.index].insn = insn;
                    if let Some((kind, symbol)) = reloc {
                        section.relocations.push(AsmReloc { slot, kind, symbol });
                    }
                }
                Err(message) => self.error(p.line, p.column, message),
            }
        }
        for section in &mut self.asm.sections {
            section.relocations.sort_by_key(|r| r.slot);
            section.symbols.sort_by_key(|s| s.slot);
        }
        for m in &self.asm.maps {
            if self
                .asm
                .sections
                .iter()
                .any(|s| s.symbols.iter().any(|sym| sym.name == m.name))
            {
                self.errors.push(AsmError {
                    line: m.line,
                    column: 1,
                    message: format!("`{}` is both a map and a label", m.name),
                });
            }
        }
    }
}

/// Puts a resolved slot offset into a jump instruction.
fn set_jump(insn: Insn, delta: i64) -> Result<Insn, String> {
    let short = || {
        i16::try_from(delta)
            .map_err(|_| format!("jump of {delta} slots does not fit in 16 bits (use gotol)"))
    };
    Ok(match insn {
        Insn::Ja { .. } => Insn::Ja { off: short()? },
        Insn::MayGoto { .. } => Insn::MayGoto { off: short()? },
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            ..
        } => Insn::Jmp {
            width,
            cond,
            dst,
            src,
            off: short()?,
        },
        Insn::JaLong { .. } => Insn::JaLong {
            imm: i32::try_from(delta)
                .map_err(|_| format!("jump of {delta} slots does not fit in 32 bits"))?,
        },
        other => other,
    })
}
