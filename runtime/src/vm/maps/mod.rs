//! Maps for the VM: created from map definitions (type, key and value size,
//! max entries, flags), filled from `.palisade.map_init` or data sections,
//! used by programs through helpers and by the caller through [`Map`]'s
//! methods (the `bpf()` map commands' semantics and error numbers).
//!
//! | type | module |
//! |---|---|
//! | `array`, `percpu_array` (one CPU), global data | `array` |
//! | `hash`, `percpu_hash`, `lru_hash`, `lru_percpu_hash` | `hash` |
//! | `lpm_trie` (IPv4 and IPv6 keys) | `lpm` |
//! | `ringbuf`, `perf_event_array` (records collected) | `ringbuf` |
//!
//! Any other type becomes an [`MapKind::Unsupported`] map: a program that
//! only names it still runs, and a helper call on it is a clear error.
//!
//! Invariant: a map's value memory only grows, and a value pointer is a
//! byte offset into it, so pointers stay valid for the whole run.

mod array;
mod hash;
mod lpm;
mod ringbuf;
mod slab;

use palisade_verifier::object::maps::map_type;
pub use palisade_verifier::object::MapDef;
use std::fmt;

use super::error::VmErrorKind;
use super::memory::{check_range, Region, MAX_MAPS};
use array::ArrayMap;
use hash::HashTable;
use lpm::LpmTrie;
pub(crate) use ringbuf::EAGAIN;
use ringbuf::{PerfEvents, RingBuf};
pub(crate) use slab::copy_value;

/// `BPF_ANY`: create or update.
pub const BPF_ANY: u64 = 0;
/// `BPF_NOEXIST`: create only.
pub const BPF_NOEXIST: u64 = 1;
/// `BPF_EXIST`: update only.
pub const BPF_EXIST: u64 = 2;
/// `BPF_F_RDONLY_PROG`: programs may not write the map.
pub const BPF_F_RDONLY_PROG: u32 = 1 << 7;

/// The most memory one map may preallocate (arrays, ring buffers).
pub const MAX_MAP_BYTES: u64 = 1 << 28;

/// Validates update flags (`BPF_F_LOCK` is accepted and ignored).
fn update_flags(flags: u64) -> Result<u64, MapError> {
    let op = flags & !4;
    if op > BPF_EXIST {
        return Err(MapError::InvalidFlags(flags));
    }
    Ok(op)
}

/// A map operation or creation failure. [`MapError::errno`] gives the
/// number a helper returns (negated) for it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("map type {0} is not supported by the VM")]
    UnsupportedType(u32),
    #[error("invalid map definition: {0}")]
    InvalidDef(&'static str),
    #[error("the map would need {0} bytes (limit {MAX_MAP_BYTES})")]
    TooLarge(u64),
    #[error("more than {MAX_MAPS} maps")]
    TooManyMaps,
    #[error("key is {got} bytes, the map's keys are {expected}")]
    KeySize { expected: u32, got: usize },
    #[error("value is {got} bytes, the map's values are {expected}")]
    ValueSize { expected: u32, got: usize },
    #[error("no such entry")]
    NotFound,
    #[error("the entry exists")]
    Exists,
    #[error("the map is full")]
    Full,
    #[error("the trie is full")]
    NoSpace,
    #[error("invalid flags {0:#x}")]
    InvalidFlags(u64),
    #[error("prefix length {0} is longer than the key")]
    InvalidPrefixLen(u32),
    #[error("{0} is not supported on this map type")]
    NotSupported(&'static str),
}

impl MapError {
    /// The kernel's errno for this failure (`ENOENT`, `EEXIST`, ...).
    pub fn errno(&self) -> i32 {
        match self {
            MapError::NotFound => 2,
            MapError::Full | MapError::TooLarge(_) => 7,
            MapError::Exists => 17,
            MapError::NoSpace => 28,
            MapError::NotSupported(_) | MapError::UnsupportedType(_) => 95,
            _ => 22,
        }
    }
}

/// What kind of storage a map has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapKind {
    Array,
    Hash,
    LruHash,
    LpmTrie,
    RingBuf,
    PerfEventArray,
    Unsupported,
}

#[derive(Clone, Debug)]
enum Storage {
    Array(ArrayMap),
    Hash(HashTable),
    Lpm(LpmTrie),
    RingBuf(RingBuf),
    Perf(PerfEvents),
    Unsupported,
}

/// The number of a map in a [`Maps`] set (what `ld_imm64` map references
/// index). Prints as `map3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MapId(pub usize);

impl fmt::Display for MapId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "map{}", self.0)
    }
}

/// One map.
#[derive(Clone, Debug)]
pub struct Map {
    name: String,
    def: MapDef,
    read_only: bool,
    storage: Storage,
}

impl Map {
    /// Creates a map from its definition. Types the VM does not emulate
    /// are an error here; see [`Map::unsupported`] for a placeholder.
    pub fn new(name: impl Into<String>, def: &MapDef) -> Result<Map, MapError> {
        let key = def.key_size as usize;
        let value = def.value_size as usize;
        let max = def.max_entries as usize;
        let kv = |need_key: Option<u32>| -> Result<(), MapError> {
            if let Some(k) = need_key {
                if def.key_size != k {
                    return Err(MapError::InvalidDef("key_size must be 4"));
                }
            } else if def.key_size == 0 {
                return Err(MapError::InvalidDef("key_size must not be 0"));
            }
            if def.value_size == 0 {
                return Err(MapError::InvalidDef("value_size must not be 0"));
            }
            if def.max_entries == 0 {
                return Err(MapError::InvalidDef("max_entries must not be 0"));
            }
            Ok(())
        };
        let storage = match def.map_type {
            map_type::ARRAY | map_type::PERCPU_ARRAY => {
                kv(Some(4))?;
                let bytes = def.value_size as u64 * def.max_entries as u64;
                if bytes > MAX_MAP_BYTES {
                    return Err(MapError::TooLarge(bytes));
                }
                Storage::Array(ArrayMap::new(value, max))
            }
            map_type::HASH | map_type::PERCPU_HASH | map_type::LRU_HASH | LRU_PERCPU_HASH => {
                kv(None)?;
                let lru = matches!(def.map_type, map_type::LRU_HASH | LRU_PERCPU_HASH);
                Storage::Hash(HashTable::new(value, max, lru))
            }
            map_type::LPM_TRIE => {
                kv(None)?;
                if !(5..=4 + 256).contains(&def.key_size) {
                    return Err(MapError::InvalidDef(
                        "lpm_trie keys are a u32 prefix length and 1..=256 data bytes",
                    ));
                }
                Storage::Lpm(LpmTrie::new(key, value, max))
            }
            map_type::RINGBUF => {
                if def.key_size != 0 || def.value_size != 0 {
                    return Err(MapError::InvalidDef("ringbuf keys and values are 0 bytes"));
                }
                if def.max_entries == 0 || !def.max_entries.is_power_of_two() {
                    return Err(MapError::InvalidDef("ringbuf size must be a power of two"));
                }
                if u64::from(def.max_entries) > MAX_MAP_BYTES {
                    return Err(MapError::TooLarge(def.max_entries.into()));
                }
                Storage::RingBuf(RingBuf::new(max))
            }
            map_type::PERF_EVENT_ARRAY => Storage::Perf(PerfEvents::default()),
            other => return Err(MapError::UnsupportedType(other)),
        };
        Ok(Map {
            name: name.into(),
            def: def.clone(),
            read_only: def.flags & BPF_F_RDONLY_PROG != 0,
            storage,
        })
    }

    /// A placeholder for a map the VM cannot emulate: it has a number, so
    /// programs that name it load, and every operation on it fails.
    pub fn unsupported(name: impl Into<String>, def: &MapDef) -> Map {
        Map {
            name: name.into(),
            def: def.clone(),
            read_only: true,
            storage: Storage::Unsupported,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn def(&self) -> &MapDef {
        &self.def
    }

    /// Whether programs may only read the map (`BPF_F_RDONLY_PROG`,
    /// `.rodata`).
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    pub fn kind(&self) -> MapKind {
        match &self.storage {
            Storage::Array(_) => MapKind::Array,
            Storage::Hash(_)
                if matches!(self.def.map_type, map_type::LRU_HASH | LRU_PERCPU_HASH) =>
            {
                MapKind::LruHash
            }
            Storage::Hash(_) => MapKind::Hash,
            Storage::Lpm(_) => MapKind::LpmTrie,
            Storage::RingBuf(_) => MapKind::RingBuf,
            Storage::Perf(_) => MapKind::PerfEventArray,
            Storage::Unsupported => MapKind::Unsupported,
        }
    }

    fn check_key(&self, key: &[u8]) -> Result<(), MapError> {
        if key.len() != self.def.key_size as usize {
            return Err(MapError::KeySize {
                expected: self.def.key_size,
                got: key.len(),
            });
        }
        Ok(())
    }

    fn check_value(&self, value: &[u8]) -> Result<(), MapError> {
        if value.len() != self.def.value_size as usize {
            return Err(MapError::ValueSize {
                expected: self.def.value_size,
                got: value.len(),
            });
        }
        Ok(())
    }

    /// Looks a key up (`BPF_MAP_LOOKUP_ELEM`; longest prefix for tries).
    pub fn lookup(&self, key: &[u8]) -> Result<Option<&[u8]>, MapError> {
        self.check_key(key)?;
        match &self.storage {
            Storage::Array(a) => Ok(a.lookup(key)),
            Storage::Hash(h) => Ok(h.lookup(key)),
            Storage::Lpm(t) => Ok(t.lookup(key)),
            _ => Err(MapError::NotSupported("lookup")),
        }
    }

    /// Creates or updates an entry (`BPF_MAP_UPDATE_ELEM`).
    pub fn update(&mut self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        self.check_key(key)?;
        self.check_value(value)?;
        match &mut self.storage {
            Storage::Array(a) => a.update(key, value, flags),
            Storage::Hash(h) => h.update(key, value, flags),
            Storage::Lpm(t) => t.update(key, value, flags),
            _ => Err(MapError::NotSupported("update")),
        }
    }

    /// Deletes an entry (`BPF_MAP_DELETE_ELEM`).
    pub fn delete(&mut self, key: &[u8]) -> Result<(), MapError> {
        self.check_key(key)?;
        match &mut self.storage {
            Storage::Hash(h) => h.delete(key),
            Storage::Lpm(t) => t.delete(key),
            Storage::Array(_) => Err(MapError::InvalidDef("array entries cannot be deleted")),
            _ => Err(MapError::NotSupported("delete")),
        }
    }

    /// Every entry, sorted by key (arrays: every index). LPM keys have
    /// the bits after their prefix cleared.
    pub fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        match &self.storage {
            Storage::Array(a) => a.entries(),
            Storage::Hash(h) => h.slab().entries(),
            Storage::Lpm(t) => t.slab().entries(),
            _ => Vec::new(),
        }
    }

    /// Records written to a ring buffer or perf event array, oldest first.
    pub fn records(&self) -> &[Vec<u8>] {
        match &self.storage {
            Storage::RingBuf(r) => r.records(),
            Storage::Perf(p) => &p.records,
            _ => &[],
        }
    }

    /// Drains the records (and frees their ring buffer space).
    pub fn take_records(&mut self) -> Vec<Vec<u8>> {
        match &mut self.storage {
            Storage::RingBuf(r) => r.take_records(),
            Storage::Perf(p) => std::mem::take(&mut p.records),
            _ => Vec::new(),
        }
    }

    /// Sets the contents of a global-data map (entry 0).
    pub fn set_data(&mut self, bytes: &[u8]) -> Result<(), MapError> {
        let Storage::Array(a) = &mut self.storage else {
            return Err(MapError::NotSupported("initial data"));
        };
        let mem = a.memory_mut();
        let n = bytes.len().min(mem.len());
        mem[..n].copy_from_slice(&bytes[..n]);
        Ok(())
    }

    // ----- program-side operations (crate internal) -----

    /// Program lookup: the byte offset of the value in [`Map::memory`].
    pub(crate) fn lookup_offset(&mut self, key: &[u8]) -> Result<Option<u32>, MapError> {
        match &mut self.storage {
            Storage::Array(a) => Ok(a.lookup_offset(key)),
            Storage::Hash(h) => Ok(h.lookup_offset(key)),
            Storage::Lpm(t) => Ok(t.lookup_offset(key)),
            _ => Err(MapError::NotSupported("lookup")),
        }
    }

    /// Checks a program access to the map's memory; returns the start.
    pub(crate) fn locate(
        &self,
        map: u32,
        offset: u32,
        size: u32,
        write: bool,
    ) -> Result<usize, VmErrorKind> {
        let region = Region::MapValue { map };
        if write && self.read_only {
            return Err(VmErrorKind::ReadOnly {
                region,
                offset: offset as u64,
                size,
            });
        }
        let value_size = self.def.value_size;
        match &self.storage {
            Storage::RingBuf(r) => r.locate(map, offset, size, write),
            Storage::Array(_) | Storage::Hash(_) | Storage::Lpm(_) if value_size > 0 => {
                // Each access must stay inside one value.
                let within = offset % value_size;
                check_range(region, within, size, value_size as usize, write)?;
                check_range(region, offset, size, self.memory().len(), write)
            }
            _ => Err(VmErrorKind::OutOfBounds {
                region,
                offset: offset as u64,
                size,
                len: 0,
                write,
            }),
        }
    }

    pub(crate) fn memory(&self) -> &[u8] {
        match &self.storage {
            Storage::Array(a) => a.memory(),
            Storage::Hash(h) => h.slab().memory(),
            Storage::Lpm(t) => t.slab().memory(),
            Storage::RingBuf(r) => r.memory(),
            _ => &[],
        }
    }

    pub(crate) fn memory_mut(&mut self) -> &mut [u8] {
        match &mut self.storage {
            Storage::Array(a) => a.memory_mut(),
            Storage::Hash(h) => h.slab_mut().memory_mut(),
            Storage::Lpm(t) => t.slab_mut().memory_mut(),
            Storage::RingBuf(r) => r.memory_mut(),
            _ => &mut [],
        }
    }

    pub(crate) fn ringbuf_mut(&mut self) -> Option<&mut RingBuf> {
        match &mut self.storage {
            Storage::RingBuf(r) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn perf_mut(&mut self) -> Option<&mut PerfEvents> {
        match &mut self.storage {
            Storage::Perf(p) => Some(p),
            _ => None,
        }
    }
}

/// `BPF_MAP_TYPE_LRU_PERCPU_HASH` (not in the object layer's short list).
const LRU_PERCPU_HASH: u32 = 10;

/// The maps of one VM, numbered in creation order.
#[derive(Clone, Debug, Default)]
pub struct Maps {
    maps: Vec<Map>,
}

impl Maps {
    pub fn new() -> Maps {
        Maps::default()
    }

    /// Adds a map; its id is its position.
    pub fn push(&mut self, map: Map) -> Result<MapId, MapError> {
        if self.maps.len() >= MAX_MAPS {
            return Err(MapError::TooManyMaps);
        }
        self.maps.push(map);
        Ok(MapId(self.maps.len() - 1))
    }

    /// Creates a map from a definition and adds it.
    pub fn create(&mut self, name: impl Into<String>, def: &MapDef) -> Result<MapId, MapError> {
        let map = Map::new(name, def)?;
        self.push(map)
    }

    pub fn len(&self) -> usize {
        self.maps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.maps.is_empty()
    }

    pub fn get(&self, id: MapId) -> Option<&Map> {
        self.maps.get(id.0)
    }

    pub fn get_mut(&mut self, id: MapId) -> Option<&mut Map> {
        self.maps.get_mut(id.0)
    }

    /// The first map with this name.
    pub fn by_name(&self, name: &str) -> Option<MapId> {
        self.maps.iter().position(|m| m.name == name).map(MapId)
    }

    /// The map named `name`; convenience for tests and the CLI.
    pub fn named(&self, name: &str) -> Option<&Map> {
        self.by_name(name).and_then(|id| self.get(id))
    }

    /// The mutable map named `name`.
    pub fn named_mut(&mut self, name: &str) -> Option<&mut Map> {
        self.by_name(name).and_then(move |id| self.get_mut(id))
    }

    pub fn iter(&self) -> impl Iterator<Item = (MapId, &Map)> {
        self.maps.iter().enumerate().map(|(i, m)| (MapId(i), m))
    }

    pub(crate) fn get_index(&self, i: usize) -> Option<&Map> {
        self.maps.get(i)
    }

    pub(crate) fn get_index_mut(&mut self, i: usize) -> Option<&mut Map> {
        self.maps.get_mut(i)
    }

    /// Ends a run: open ring buffer reservations are discarded.
    pub(crate) fn end_run(&mut self) {
        for m in &mut self.maps {
            if let Some(r) = m.ringbuf_mut() {
                r.discard_open();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(map_type: u32, key_size: u32, value_size: u32, max_entries: u32) -> MapDef {
        MapDef {
            map_type,
            key_size,
            value_size,
            max_entries,
            ..MapDef::default()
        }
    }

    #[test]
    fn creation_checks_definitions() {
        assert!(Map::new("a", &def(map_type::ARRAY, 4, 8, 4)).is_ok());
        assert_eq!(
            Map::new("a", &def(map_type::ARRAY, 8, 8, 4)).unwrap_err(),
            MapError::InvalidDef("key_size must be 4")
        );
        assert!(matches!(
            Map::new("a", &def(map_type::ARRAY, 4, 1 << 20, 1 << 20)),
            Err(MapError::TooLarge(_))
        ));
        assert!(matches!(
            Map::new("r", &def(map_type::RINGBUF, 0, 0, 3000)),
            Err(MapError::InvalidDef(_))
        ));
        assert_eq!(
            Map::new("p", &def(map_type::PROG_ARRAY, 4, 4, 4)).unwrap_err(),
            MapError::UnsupportedType(3)
        );
    }

    #[test]
    fn host_operations_check_sizes_and_arrays_keep_every_index() {
        let mut m = Map::new("a", &def(map_type::ARRAY, 4, 2, 3)).unwrap();
        assert!(matches!(m.lookup(&[0; 2]), Err(MapError::KeySize { .. })));
        m.update(&1u32.to_le_bytes(), &[7, 8], BPF_ANY).unwrap();
        assert_eq!(m.lookup(&1u32.to_le_bytes()).unwrap(), Some(&[7, 8][..]));
        assert_eq!(m.lookup(&3u32.to_le_bytes()).unwrap(), None);
        assert_eq!(
            m.update(&3u32.to_le_bytes(), &[0, 0], BPF_ANY),
            Err(MapError::Full)
        );
        assert_eq!(
            m.update(&0u32.to_le_bytes(), &[0, 0], BPF_NOEXIST),
            Err(MapError::Exists)
        );
        assert_eq!(m.entries().len(), 3);
        assert!(m.delete(&0u32.to_le_bytes()).is_err());
    }

    #[test]
    fn value_accesses_stay_inside_one_value() {
        let m = Map::new("a", &def(map_type::ARRAY, 4, 8, 2)).unwrap();
        assert_eq!(m.locate(0, 8, 8, false), Ok(8));
        assert!(m.locate(0, 4, 8, false).is_err(), "straddles two values");
        assert!(m.locate(0, 16, 1, false).is_err(), "past the last value");
        let mut ro = def(map_type::ARRAY, 4, 8, 1);
        ro.flags = BPF_F_RDONLY_PROG;
        let ro = Map::new(".rodata", &ro).unwrap();
        assert!(matches!(
            ro.locate(0, 0, 1, true),
            Err(VmErrorKind::ReadOnly { .. })
        ));
    }
}
