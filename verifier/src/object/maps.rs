//! Map definitions: BTF-defined maps in `.maps`, legacy `struct
//! bpf_map_def` maps in `maps`, and the global-data maps libbpf creates for
//! `.data`, `.rodata` and `.bss` sections.
//!
//! Order (the map index that relocations refer to): BTF maps in symbol
//! order, then legacy maps, then data sections in section order. That is
//! libbpf's order except that libbpf 1.x no longer reads legacy maps.

use super::btf::{Btf, BtfType};
use super::elf::{RawElf, RawSection, SymKind};
use super::error::MapError;

/// `BPF_MAP_TYPE_*` numbers used by Palisade (the kernel has more; any
/// number is accepted when reading).
pub mod map_type {
    pub const HASH: u32 = 1;
    pub const ARRAY: u32 = 2;
    pub const PROG_ARRAY: u32 = 3;
    pub const PERF_EVENT_ARRAY: u32 = 4;
    pub const PERCPU_HASH: u32 = 5;
    pub const PERCPU_ARRAY: u32 = 6;
    pub const LRU_HASH: u32 = 9;
    pub const LPM_TRIE: u32 = 11;
    pub const ARRAY_OF_MAPS: u32 = 12;
    pub const HASH_OF_MAPS: u32 = 13;
    pub const RINGBUF: u32 = 27;

    /// The kernel's name for a map type (`array`, `lpm_trie`), if known.
    pub fn name(t: u32) -> Option<&'static str> {
        const NAMES: [&str; 34] = [
            "unspec",
            "hash",
            "array",
            "prog_array",
            "perf_event_array",
            "percpu_hash",
            "percpu_array",
            "stack_trace",
            "cgroup_array",
            "lru_hash",
            "lru_percpu_hash",
            "lpm_trie",
            "array_of_maps",
            "hash_of_maps",
            "devmap",
            "sockmap",
            "cpumap",
            "xskmap",
            "sockhash",
            "cgroup_storage",
            "reuseport_sockarray",
            "percpu_cgroup_storage",
            "queue",
            "stack",
            "sk_storage",
            "devmap_hash",
            "struct_ops",
            "ringbuf",
            "inode_storage",
            "task_storage",
            "bloom_filter",
            "user_ringbuf",
            "cgrp_storage",
            "arena",
        ];
        NAMES.get(t as usize).copied()
    }
}

/// `BPF_F_*` map flags used for global data.
pub mod map_flags {
    pub const RDONLY_PROG: u32 = 1 << 7;
    pub const MMAPABLE: u32 = 1 << 10;
}

/// Where a map definition came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapOrigin {
    /// A BTF-defined map in `.maps`.
    Btf,
    /// A `struct bpf_map_def` in the legacy `maps` section.
    Legacy,
    /// A global-data section (`.data*`, `.rodata*`, `.bss*`); relocations
    /// against it carry a value offset.
    Data { read_only: bool },
}

/// A map's creation parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapDef {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    pub numa_node: u32,
    /// `LIBBPF_PIN_*`: 0 none, 1 by name.
    pub pinning: u32,
    pub map_extra: u64,
    /// BTF ids of `__type(key, ..)` / `__type(value, ..)`, if given.
    pub key_type: Option<u32>,
    pub value_type: Option<u32>,
    /// The inner map of a map-in-map (`__array(values, struct {..})`).
    pub inner: Option<Box<MapDef>>,
}

/// A map of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Map {
    pub name: String,
    /// ELF index of the section holding the definition or the data.
    pub section: usize,
    /// Offset of the definition in that section (0 for data maps).
    pub offset: u64,
    pub origin: MapOrigin,
    pub def: MapDef,
    /// Initial value of a data map (`None` for `.bss` and other maps).
    pub initial: Option<Vec<u8>>,
    /// Initial `(key, value)` entries from `.palisade.map_init`.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The maps of an object, plus the map symbols whose definitions failed.
#[derive(Debug, Default)]
pub struct MapTable {
    pub maps: Vec<Map>,
    /// `(section, offset, symbol name, error)` of skipped definitions.
    pub broken: Vec<(usize, u64, MapError)>,
}

impl MapTable {
    /// The index of the map defined at `offset` of `section`.
    pub fn at(&self, section: usize, offset: u64) -> Option<usize> {
        self.maps.iter().position(|m| {
            m.section == section
                && m.offset == offset
                && !matches!(m.origin, MapOrigin::Data { .. })
        })
    }

    /// The index of the data map of `section`.
    pub fn data(&self, section: usize) -> Option<usize> {
        self.maps
            .iter()
            .position(|m| m.section == section && matches!(m.origin, MapOrigin::Data { .. }))
    }
}

/// Whether a section name is one libbpf turns into a global-data map.
pub fn is_data_section(name: &str) -> bool {
    [".data", ".rodata", ".bss"]
        .iter()
        .any(|p| name == *p || name.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
}

/// Reads every map of the object.
pub fn read_maps(
    elf: &RawElf<'_>,
    btf: Option<Result<&Btf, &crate::object::error::BtfError>>,
) -> MapTable {
    let mut table = MapTable::default();
    for section in &elf.sections {
        if section.name == ".maps" {
            read_btf_maps(elf, section, btf, &mut table);
        }
    }
    for section in &elf.sections {
        if section.name == "maps" {
            read_legacy_maps(elf, section, &mut table);
        }
    }
    for section in &elf.sections {
        if section.is_alloc()
            && !section.is_exec()
            && is_data_section(&section.name)
            && section.size > 0
        {
            let read_only = section.name.starts_with(".rodata");
            table.maps.push(Map {
                name: section.name.clone(),
                section: section.index,
                offset: 0,
                origin: MapOrigin::Data { read_only },
                def: MapDef {
                    map_type: map_type::ARRAY,
                    key_size: 4,
                    value_size: u32::try_from(section.size).unwrap_or(u32::MAX),
                    max_entries: 1,
                    flags: map_flags::MMAPABLE | if read_only { map_flags::RDONLY_PROG } else { 0 },
                    ..MapDef::default()
                },
                initial: (!section.is_nobits()).then(|| section.data.to_vec()),
                entries: Vec::new(),
            });
        }
    }
    if let Some(init) = elf.section_by_name(crate::object::write::map_init::SECTION) {
        match crate::object::write::map_init::decode(init.data) {
            Some(records) => {
                for r in records {
                    match table.maps.iter_mut().find(|m| m.name == r.map) {
                        Some(m) => m.entries = r.entries,
                        None => table.broken.push((init.index, 0, MapError::NoVar(r.map))),
                    }
                }
            }
            None => table.broken.push((
                init.index,
                0,
                MapError::OutOfSection {
                    map: crate::object::write::map_init::SECTION.to_owned(),
                },
            )),
        }
    }
    table
}

/// Named object symbols defined in `section`, by offset.
fn map_symbols<'e>(
    elf: &'e RawElf<'_>,
    section: &RawSection<'_>,
) -> Vec<&'e super::elf::RawSymbol> {
    let mut syms: Vec<_> = elf
        .symbols
        .iter()
        .filter(|s| {
            s.section == Some(section.index)
                && !s.name.is_empty()
                && matches!(s.kind, SymKind::Object | SymKind::NoType)
        })
        .collect();
    syms.sort_by_key(|s| (s.value, s.index));
    syms
}

fn read_btf_maps(
    elf: &RawElf<'_>,
    section: &RawSection<'_>,
    btf: Option<Result<&Btf, &crate::object::error::BtfError>>,
    table: &mut MapTable,
) {
    let syms = map_symbols(elf, section);
    let btf = match btf {
        Some(Ok(btf)) => btf,
        other => {
            let cause = match other {
                Some(Err(e)) => Some(e.clone()),
                _ => None,
            };
            for s in syms {
                table
                    .broken
                    .push((section.index, s.value, MapError::NoBtf(cause.clone())));
            }
            return;
        }
    };
    let datasec_vars: Vec<u32> = btf
        .types()
        .find_map(|(_, t)| match t {
            BtfType::DataSec { name, vars, .. } if name == ".maps" => {
                Some(vars.iter().map(|v| v.0).collect())
            }
            _ => None,
        })
        .unwrap_or_default();
    for s in syms {
        let var = datasec_vars.iter().find_map(|&id| match btf.get(id) {
            Ok(BtfType::Var { name, target, .. }) if *name == s.name => Some(*target),
            _ => None,
        });
        let result = match var {
            None => Err(MapError::NoVar(s.name.clone())),
            Some(ty) => parse_btf_map_def(btf, &s.name, ty, 0),
        };
        match result {
            Ok(def) => table.maps.push(Map {
                name: s.name.clone(),
                section: section.index,
                offset: s.value,
                origin: MapOrigin::Btf,
                def,
                initial: None,
                entries: Vec::new(),
            }),
            Err(e) => table.broken.push((section.index, s.value, e)),
        }
    }
}

/// Reads `__uint(name, N)` (a pointer to an array of N elements) or
/// `__ulong(name, N)` (an anonymous enum whose only value is N).
fn uint_field(btf: &Btf, map: &str, field: &str, ty: u32) -> Result<u32, MapError> {
    ulong_field(btf, map, field, ty).map(|v| v as u32)
}

fn ulong_field(btf: &Btf, map: &str, field: &str, ty: u32) -> Result<u64, MapError> {
    let btf_err = |source| MapError::Btf {
        map: map.to_owned(),
        source,
    };
    let not_uint = || MapError::NotUint {
        map: map.to_owned(),
        field: field.to_owned(),
    };
    let id = btf.skip_mods(ty).map_err(btf_err)?;
    match btf.get(id).map_err(btf_err)? {
        BtfType::Ptr { target } => match btf.get(*target).map_err(btf_err)? {
            BtfType::Array { nelems, .. } => Ok(u64::from(*nelems)),
            _ => Err(not_uint()),
        },
        BtfType::Enum { values, .. } if values.len() == 1 => Ok(values[0].1 as u64),
        _ => Err(not_uint()),
    }
}

/// Reads `__type(name, T)`: a pointer to T; returns T's id and size.
fn type_field(btf: &Btf, map: &str, field: &str, ty: u32) -> Result<(u32, u32), MapError> {
    let btf_err = |source| MapError::Btf {
        map: map.to_owned(),
        source,
    };
    let ptr = btf.skip_mods(ty).map_err(btf_err)?;
    let BtfType::Ptr { target } = btf.get(ptr).map_err(btf_err)? else {
        return Err(MapError::NotTypePointer {
            map: map.to_owned(),
            field: field.to_owned(),
        });
    };
    Ok((*target, btf.size_of(*target).map_err(btf_err)?))
}

fn parse_btf_map_def(btf: &Btf, map: &str, ty: u32, depth: u32) -> Result<MapDef, MapError> {
    let btf_err = |source| MapError::Btf {
        map: map.to_owned(),
        source,
    };
    let id = btf.skip_mods(ty).map_err(btf_err)?;
    let BtfType::Struct { members, .. } = btf.get(id).map_err(btf_err)? else {
        return Err(MapError::NotStruct(map.to_owned()));
    };
    let mut def = MapDef::default();
    let mut key_size = None;
    let mut value_size = None;
    for m in members {
        let name = m.name.as_str();
        match name {
            "type" => def.map_type = uint_field(btf, map, name, m.type_id)?,
            "max_entries" => def.max_entries = uint_field(btf, map, name, m.type_id)?,
            "map_flags" => def.flags = uint_field(btf, map, name, m.type_id)?,
            "numa_node" => def.numa_node = uint_field(btf, map, name, m.type_id)?,
            "pinning" => def.pinning = uint_field(btf, map, name, m.type_id)?,
            "map_extra" => def.map_extra = ulong_field(btf, map, name, m.type_id)?,
            "key_size" => key_size = Some(uint_field(btf, map, name, m.type_id)?),
            "value_size" => value_size = Some(uint_field(btf, map, name, m.type_id)?),
            "key" => {
                let (t, size) = type_field(btf, map, name, m.type_id)?;
                def.key_type = Some(t);
                def.key_size = size;
            }
            "value" => {
                let (t, size) = type_field(btf, map, name, m.type_id)?;
                def.value_type = Some(t);
                def.value_size = size;
            }
            "values" => {
                // `__array(values, T)`: an array (usually of 0 elements) of
                // pointers to the inner map definition (map-in-map) or to a
                // function prototype (prog arrays).
                let arr = btf.skip_mods(m.type_id).map_err(btf_err)?;
                let BtfType::Array { elem, .. } = btf.get(arr).map_err(btf_err)? else {
                    return Err(MapError::NotTypePointer {
                        map: map.to_owned(),
                        field: name.to_owned(),
                    });
                };
                let ptr = btf.skip_mods(*elem).map_err(btf_err)?;
                let BtfType::Ptr { target } = btf.get(ptr).map_err(btf_err)? else {
                    return Err(MapError::NotTypePointer {
                        map: map.to_owned(),
                        field: name.to_owned(),
                    });
                };
                let inner = btf.skip_mods(*target).map_err(btf_err)?;
                if matches!(btf.get(inner).map_err(btf_err)?, BtfType::Struct { .. }) && depth == 0
                {
                    let inner_def = parse_btf_map_def(btf, map, inner, depth + 1).map_err(|e| {
                        MapError::BadInner {
                            map: map.to_owned(),
                            source: Box::new(e),
                        }
                    })?;
                    def.inner = Some(Box::new(inner_def));
                }
                def.value_size = 4;
            }
            _ => {
                return Err(MapError::UnknownField {
                    map: map.to_owned(),
                    field: name.to_owned(),
                })
            }
        }
    }
    for (declared, actual, field, has_type) in [
        (key_size, &mut def.key_size, "key", def.key_type.is_some()),
        (
            value_size,
            &mut def.value_size,
            "value",
            def.value_type.is_some(),
        ),
    ] {
        if let Some(declared) = declared {
            if has_type && declared != *actual {
                return Err(MapError::SizeMismatch {
                    map: map.to_owned(),
                    field,
                    declared,
                    actual: *actual,
                });
            }
            *actual = declared;
        }
    }
    Ok(def)
}

fn read_legacy_maps(elf: &RawElf<'_>, section: &RawSection<'_>, table: &mut MapTable) {
    let syms = map_symbols(elf, section);
    if syms.is_empty() {
        return;
    }
    let def_size = section.size / syms.len() as u64;
    for s in syms {
        let size = if s.size > 0 { s.size } else { def_size };
        let field = |i: u64| -> Option<u32> {
            let start = usize::try_from(s.value.checked_add(i * 4)?).ok()?;
            let bytes = section.data.get(start..start.checked_add(4)?)?;
            Some(u32::from_le_bytes(bytes.try_into().ok()?))
        };
        if size < 16 {
            table.broken.push((
                section.index,
                s.value,
                MapError::LegacyTooShort {
                    map: s.name.clone(),
                    size,
                },
            ));
            continue;
        }
        let read = || -> Option<MapDef> {
            Some(MapDef {
                map_type: field(0)?,
                key_size: field(1)?,
                value_size: field(2)?,
                max_entries: field(3)?,
                flags: if size >= 20 { field(4)? } else { 0 },
                ..MapDef::default()
            })
        };
        match read() {
            Some(def) => table.maps.push(Map {
                name: s.name.clone(),
                section: section.index,
                offset: s.value,
                origin: MapOrigin::Legacy,
                def,
                initial: None,
                entries: Vec::new(),
            }),
            None => table.broken.push((
                section.index,
                s.value,
                MapError::OutOfSection {
                    map: s.name.clone(),
                },
            )),
        }
    }
}
