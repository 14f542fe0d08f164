//! BTF (BPF Type Format): just enough to read map definitions and
//! `.BTF.ext`, and to write the `.BTF` of objects Palisade emits.
//!
//! * [`read`] parses a `.BTF` blob into a [`Btf`] type table.
//! * [`write`] builds one ([`BtfBuilder`]), in the layout the kernel,
//!   libbpf and aya expect.
//!
//! The format (kernel `Documentation/bpf/btf.rst`): a 24-byte header, then a
//! type section (`struct btf_type` records, ids from 1; id 0 is `void`) and a
//! string section (NUL-terminated strings; offset 0 is the empty string).

pub mod read;
pub mod write;

pub use read::{Btf, BtfType, Member};
pub use write::BtfBuilder;

/// The BTF magic number.
pub const MAGIC: u16 = 0xeb9f;
/// Size of the BTF header this module writes (and the minimum it reads).
pub const HEADER_LEN: u32 = 24;

/// `BTF_KIND_*` numbers.
pub mod kind {
    pub const INT: u32 = 1;
    pub const PTR: u32 = 2;
    pub const ARRAY: u32 = 3;
    pub const STRUCT: u32 = 4;
    pub const UNION: u32 = 5;
    pub const ENUM: u32 = 6;
    pub const FWD: u32 = 7;
    pub const TYPEDEF: u32 = 8;
    pub const VOLATILE: u32 = 9;
    pub const CONST: u32 = 10;
    pub const RESTRICT: u32 = 11;
    pub const FUNC: u32 = 12;
    pub const FUNC_PROTO: u32 = 13;
    pub const VAR: u32 = 14;
    pub const DATASEC: u32 = 15;
    pub const FLOAT: u32 = 16;
    pub const DECL_TAG: u32 = 17;
    pub const TYPE_TAG: u32 = 18;
    pub const ENUM64: u32 = 19;
}
