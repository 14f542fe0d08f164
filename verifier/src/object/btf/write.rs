//! Building `.BTF`: a small encoder for the kinds Palisade's objects need
//! (INT, PTR, ARRAY, STRUCT, VAR, DATASEC, FUNC, FUNC_PROTO).
//!
//! Invariants:
//! * Output depends only on the sequence of `add_*` calls: strings are
//!   deduplicated in first-use order, type ids are assigned in call order.
//! * Every id the builder returns refers to a type already added, so the
//!   finished blob never has a dangling reference made by the builder itself
//!   (ids passed in by the caller are the caller's responsibility).

use std::collections::BTreeMap;

use super::{kind, HEADER_LEN, MAGIC};

/// `BTF_INT_*` encoding bits (stored at bits 24..28 of the INT word).
pub mod int_encoding {
    pub const SIGNED: u32 = 1;
    pub const CHAR: u32 = 2;
    pub const BOOL: u32 = 4;
}

/// Linkage of a `VAR` (`BTF_VAR_*`).
pub mod var_linkage {
    pub const STATIC: u32 = 0;
    pub const GLOBAL_ALLOCATED: u32 = 1;
}

/// Linkage of a `FUNC` (`BTF_FUNC_*`).
pub mod func_linkage {
    pub const STATIC: u16 = 0;
    pub const GLOBAL: u16 = 1;
}

/// Builds a `.BTF` blob type by type.
#[derive(Clone, Debug)]
pub struct BtfBuilder {
    types: Vec<u8>,
    strings: Vec<u8>,
    offsets: BTreeMap<String, u32>,
    next_id: u32,
}

impl Default for BtfBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl BtfBuilder {
    /// An empty table (only `void`, id 0).
    pub fn new() -> BtfBuilder {
        BtfBuilder {
            types: Vec::new(),
            strings: vec![0],
            offsets: BTreeMap::new(),
            next_id: 1,
        }
    }

    /// Adds `s` to the string table (once) and returns its offset.
    /// The empty string is offset 0.
    pub fn add_string(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&off) = self.offsets.get(s) {
            return off;
        }
        let off = self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        self.offsets.insert(s.to_owned(), off);
        off
    }

    fn push_header(
        &mut self,
        name: &str,
        k: u32,
        vlen: u32,
        kind_flag: bool,
        size_or_type: u32,
    ) -> u32 {
        let name_off = self.add_string(name);
        let info = (vlen & 0xffff) | (k << 24) | (u32::from(kind_flag) << 31);
        for w in [name_off, info, size_or_type] {
            self.types.extend_from_slice(&w.to_le_bytes());
        }
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn push_u32(&mut self, w: u32) {
        self.types.extend_from_slice(&w.to_le_bytes());
    }

    /// `INT`: `size` bytes, `encoding` from [`int_encoding`], all bits used.
    pub fn add_int(&mut self, name: &str, size: u32, encoding: u32) -> u32 {
        let id = self.push_header(name, kind::INT, 0, false, size);
        self.push_u32((encoding << 24) | (size * 8));
        id
    }

    /// `PTR` to `target`.
    pub fn add_ptr(&mut self, target: u32) -> u32 {
        self.push_header("", kind::PTR, 0, false, target)
    }

    /// `ARRAY` of `nelems` elements of `elem`, indexed by the int `index`.
    pub fn add_array(&mut self, elem: u32, index: u32, nelems: u32) -> u32 {
        let id = self.push_header("", kind::ARRAY, 0, false, 0);
        self.push_u32(elem);
        self.push_u32(index);
        self.push_u32(nelems);
        id
    }

    /// `STRUCT` of `size` bytes with `(name, type, bit offset)` members.
    pub fn add_struct(&mut self, name: &str, size: u32, members: &[(&str, u32, u32)]) -> u32 {
        let id = self.push_header(name, kind::STRUCT, members.len() as u32, false, size);
        for &(m_name, ty, bit_off) in members {
            let off = self.add_string(m_name);
            self.push_u32(off);
            self.push_u32(ty);
            self.push_u32(bit_off);
        }
        id
    }

    /// `VAR` named `name` of type `ty`.
    pub fn add_var(&mut self, name: &str, ty: u32, linkage: u32) -> u32 {
        let id = self.push_header(name, kind::VAR, 0, false, ty);
        self.push_u32(linkage);
        id
    }

    /// `DATASEC` of `size` bytes with `(var id, offset, size)` entries.
    pub fn add_datasec(&mut self, name: &str, size: u32, vars: &[(u32, u32, u32)]) -> u32 {
        let id = self.push_header(name, kind::DATASEC, vars.len() as u32, false, size);
        for &(var, off, sz) in vars {
            self.push_u32(var);
            self.push_u32(off);
            self.push_u32(sz);
        }
        id
    }

    /// `FUNC_PROTO` returning `ret` with `(name, type)` parameters.
    pub fn add_func_proto(&mut self, ret: u32, params: &[(&str, u32)]) -> u32 {
        let id = self.push_header("", kind::FUNC_PROTO, params.len() as u32, false, ret);
        for &(p_name, ty) in params {
            let off = self.add_string(p_name);
            self.push_u32(off);
            self.push_u32(ty);
        }
        id
    }

    /// `FUNC` named `name` with prototype `proto`.
    pub fn add_func(&mut self, name: &str, proto: u32, linkage: u16) -> u32 {
        self.push_header(name, kind::FUNC, u32::from(linkage), false, proto)
    }

    /// The id the next added type will get.
    pub fn next_id(&self) -> u32 {
        self.next_id
    }

    /// The encoded `.BTF` section.
    pub fn finish(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(HEADER_LEN as usize + self.types.len() + self.strings.len());
        out.extend_from_slice(&MAGIC.to_le_bytes());
        out.push(1); // version
        out.push(0); // flags
        out.extend_from_slice(&HEADER_LEN.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // type_off
        out.extend_from_slice(&(self.types.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.types.len() as u32).to_le_bytes()); // str_off
        out.extend_from_slice(&(self.strings.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }
}
