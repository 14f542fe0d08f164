//! Typed errors of the object layer.
//!
//! Inner layers have precise enums ([`ElfError`], [`BtfError`],
//! [`BtfExtError`], [`MapError`], [`DwarfError`]); the entry points return
//! [`ObjectError`] (reading) and [`LinkError`] (linking), which wrap the
//! inner error as their `#[source]`. Messages are lower case and do not
//! repeat their source, so a `{:#}` chain reads as one sentence.

use crate::isa::DecodeError;

/// The bytes are not a usable ELF64 little-endian `EM_BPF` file.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("not an ELF file (bad magic number)")]
    NotElf,
    #[error("truncated ELF file: the {0} is incomplete")]
    Truncated(&'static str),
    #[error(
        "unsupported ELF class {class} / byte order {endian}: eBPF objects are ELF64 little endian"
    )]
    UnsupportedClass { class: u8, endian: u8 },
    #[error("wrong machine: e_machine is {0} ({name}), an eBPF object has EM_BPF (247)", name = machine_name(*.0))]
    WrongMachine(u16),
    #[error("malformed ELF {what}")]
    Malformed {
        what: &'static str,
        #[source]
        source: object::read::Error,
    },
    #[error("section `{section}` lies outside the file (truncated ELF?)")]
    SectionOutOfBounds { section: String },
    #[error("a relocation section targets section {0}, which does not exist")]
    BadRelocationTarget(usize),
    #[error("a relocation in section `{section}` names symbol {symbol}, which does not exist")]
    BadRelocationSymbol { section: String, symbol: usize },
}

fn machine_name(machine: u16) -> &'static str {
    match machine {
        object::elf::EM_NONE => "none",
        object::elf::EM_386 => "x86",
        object::elf::EM_X86_64 => "x86-64",
        object::elf::EM_ARM => "arm",
        object::elf::EM_AARCH64 => "aarch64",
        object::elf::EM_RISCV => "riscv",
        object::elf::EM_PPC64 => "ppc64",
        object::elf::EM_S390 => "s390",
        _ => "unknown",
    }
}

/// `.BTF` could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BtfError {
    #[error("BTF data is truncated ({0})")]
    Truncated(&'static str),
    #[error("bad BTF magic {0:#06x} (expected 0xeb9f)")]
    BadMagic(u16),
    #[error("unsupported BTF version {0}")]
    BadVersion(u8),
    #[error("bad BTF header: {0}")]
    BadHeader(&'static str),
    #[error("BTF type {id} has unknown kind {kind}")]
    UnknownKind { id: u32, kind: u32 },
    #[error("BTF string offset {0} is outside the string table")]
    BadString(u32),
    #[error("BTF type id {0} does not exist")]
    BadTypeId(u32),
    #[error("BTF type {0} has no size")]
    Unsized(u32),
    #[error("BTF type chain from type {0} is too deep (a loop?)")]
    TooDeep(u32),
}

/// `.BTF.ext` could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BtfExtError {
    #[error(".BTF.ext is truncated ({0})")]
    Truncated(&'static str),
    #[error("bad .BTF.ext magic {0:#06x}")]
    BadMagic(u16),
    #[error("bad .BTF.ext header: {0}")]
    BadHeader(&'static str),
    #[error(".BTF.ext {what} record size {size} is too small")]
    RecordSize { what: &'static str, size: u32 },
    #[error(".BTF.ext refers to a bad BTF string")]
    Btf(#[source] BtfError),
}

/// A map definition could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("the object has a `.maps` section but no usable `.BTF`")]
    NoBtf(#[source] Option<BtfError>),
    #[error("no BTF variable describes map `{0}` in the `.maps` section")]
    NoVar(String),
    #[error("map `{0}`: its BTF type is not a struct")]
    NotStruct(String),
    #[error("map `{map}`: field `{field}` is not `__uint(...)` (a pointer to an array)")]
    NotUint { map: String, field: String },
    #[error("map `{map}`: field `{field}` is not a pointer to a type")]
    NotTypePointer { map: String, field: String },
    #[error("map `{map}`: unknown field `{field}`")]
    UnknownField { map: String, field: String },
    #[error("map `{map}`: {field}_size {declared} disagrees with the size {actual} of its type")]
    SizeMismatch {
        map: String,
        field: &'static str,
        declared: u32,
        actual: u32,
    },
    #[error("map `{map}`: bad inner map definition in `values`")]
    BadInner {
        map: String,
        #[source]
        source: Box<MapError>,
    },
    #[error("map `{map}`: BTF error")]
    Btf {
        map: String,
        #[source]
        source: BtfError,
    },
    #[error("legacy map `{map}`: definition is {size} bytes, at least 16 are needed")]
    LegacyTooShort { map: String, size: u64 },
    #[error("map `{map}` lies outside its section")]
    OutOfSection { map: String },
}

/// DWARF `.debug_line` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DwarfError {
    #[error("malformed DWARF")]
    Gimli(#[source] gimli::Error),
}

/// An object could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("not a valid eBPF ELF object")]
    Elf(#[source] ElfError),
}

impl From<ElfError> for ObjectError {
    fn from(e: ElfError) -> Self {
        ObjectError::Elf(e)
    }
}

/// A problem in a part of an object that does not stop the rest from being
/// read (a broken map definition, unreadable `.BTF.ext`); programs that need
/// the broken part fail to link with a [`LinkError`] naming it.
#[derive(Debug, thiserror::Error)]
pub enum ObjectProblem {
    #[error("map definition skipped")]
    Map(#[source] MapError),
    #[error("`.BTF` is unusable")]
    Btf(#[source] BtfError),
    #[error("`.BTF.ext` is unusable")]
    BtfExt(#[source] BtfExtError),
    #[error("DWARF line info is unusable")]
    Dwarf(#[source] DwarfError),
    #[error("symbol `{name}` at offset {offset:#x} of section `{section}` cannot start a function (misaligned or outside the section)")]
    BadFunction {
        name: String,
        section: String,
        offset: u64,
    },
}

/// Why a relocation of a code section cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RelocError {
    #[error("relocation type {0} is not valid on code")]
    BadType(u32),
    #[error("relocation at byte offset {0:#x} is not on an instruction boundary")]
    Misaligned(u64),
    #[error("relocation at byte offset {0:#x} is outside the section")]
    OutOfSection(u64),
    #[error("relocation against `{symbol}` is on an instruction that is neither ld_imm64 nor a bpf-to-bpf call")]
    WrongInstruction { symbol: String },
    #[error("call relocation against `{symbol}`, which is not in an executable section")]
    CallNotCode { symbol: String },
    #[error("relocation against `{symbol}` in section `{section}`, which holds no map or data")]
    NotMapOrData { symbol: String, section: String },
    #[error("relocation against `{symbol}`, which is not a map definition")]
    NoSuchMap { symbol: String },
    #[error("relocation against map `{symbol}`, whose definition could not be read")]
    BrokenMap {
        symbol: String,
        #[source]
        source: MapError,
    },
    #[error("relocation against symbol `{symbol}` that is not defined in any section")]
    Undefined { symbol: String },
    #[error("code offset {0:#x} of a function reference is not a multiple of 8")]
    BadFuncOffset(i64),
}

/// A program could not be linked.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("program {0} does not exist")]
    NoSuchProgram(usize),
    #[error("instruction {slot} of `{function}`: bad relocation")]
    Reloc {
        function: String,
        slot: usize,
        #[source]
        source: RelocError,
    },
    #[error("instruction {slot} of `{function}`: {what} targets byte offset {offset:#x} of section `{section}`, where no function starts")]
    NoFunction {
        function: String,
        slot: usize,
        what: &'static str,
        section: String,
        offset: i64,
    },
    #[error("the linked program has {0} instructions, more than the 4-byte offsets can address")]
    TooLarge(usize),
    #[error("the linked program does not decode")]
    Decode(#[source] DecodeError),
}
