//! BTF for BTF-defined maps, as libbpf's `bpf_helpers.h` macros produce:
//!
//! ```c
//! struct {
//!     __uint(type, BPF_MAP_TYPE_ARRAY);   // int (*type)[2]
//!     __uint(key_size, 4);
//!     __uint(value_size, 8);
//!     __uint(max_entries, 16);
//! } counters SEC(".maps");
//! ```
//!
//! Each `__uint(name, N)` member is a pointer to an array of `N` ints, so
//! its value lives in the type, not in the section (whose bytes are zero).
//! Zero-valued optional fields (`key_size` of a ring buffer, `map_flags`,
//! `pinning`) are left out, as a C definition would leave them out.

use std::collections::BTreeMap;

use super::MapSpec;
use crate::object::btf::write::{int_encoding, var_linkage};
use crate::object::btf::BtfBuilder;

/// Where each map's definition sits in `.maps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapLayout {
    pub section_size: u64,
    /// `(offset, size)` per map, in spec order.
    pub slots: Vec<(u64, u64)>,
}

/// Adds the types of every map (and the `.maps` DATASEC) to `btf`.
pub fn add_maps(btf: &mut BtfBuilder, maps: &[MapSpec]) -> MapLayout {
    let int = btf.add_int("int", 4, int_encoding::SIGNED);
    let index = btf.add_int("__ARRAY_SIZE_TYPE__", 4, 0);
    let mut uint_ptrs: BTreeMap<u32, u32> = BTreeMap::new();
    let mut uint = |btf: &mut BtfBuilder, n: u32| -> u32 {
        *uint_ptrs.entry(n).or_insert_with(|| {
            let arr = btf.add_array(int, index, n);
            btf.add_ptr(arr)
        })
    };
    let mut vars = Vec::new();
    let mut slots = Vec::new();
    let mut offset = 0u64;
    for m in maps {
        let mut fields: Vec<(&str, u32)> = vec![("type", m.map_type)];
        if m.key_size != 0 {
            fields.push(("key_size", m.key_size));
        }
        if m.value_size != 0 {
            fields.push(("value_size", m.value_size));
        }
        fields.push(("max_entries", m.max_entries));
        if m.flags != 0 {
            fields.push(("map_flags", m.flags));
        }
        if m.pinning != 0 {
            fields.push(("pinning", m.pinning));
        }
        let members: Vec<(&str, u32, u32)> = fields
            .iter()
            .enumerate()
            .map(|(i, &(name, value))| (name, uint(btf, value), (i * 64) as u32))
            .collect();
        let size = (members.len() * 8) as u32;
        let st = btf.add_struct("", size, &members);
        let var = btf.add_var(&m.name, st, var_linkage::GLOBAL_ALLOCATED);
        vars.push((var, offset as u32, size));
        slots.push((offset, u64::from(size)));
        offset += u64::from(size);
    }
    btf.add_datasec(".maps", offset as u32, &vars);
    MapLayout {
        section_size: offset,
        slots,
    }
}
