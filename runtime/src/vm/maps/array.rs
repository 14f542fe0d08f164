//! `BPF_MAP_TYPE_ARRAY` and `BPF_MAP_TYPE_PERCPU_ARRAY` (one CPU), and
//! the global-data maps (`.data`, `.rodata`, `.bss`): `max_entries`
//! zero-initialised values indexed by a `u32` key.
//!
//! Kernel semantics: every index below `max_entries` exists; update with
//! `BPF_NOEXIST` is `EEXIST`, an index out of range is `E2BIG` on update
//! and "not found" on lookup, and delete is `EINVAL`.

use super::{update_flags, MapError, BPF_NOEXIST};

#[derive(Clone, Debug)]
pub(crate) struct ArrayMap {
    value_size: usize,
    max_entries: usize,
    values: Vec<u8>,
}

fn index(key: &[u8]) -> u32 {
    key.get(..4)
        .map_or(u32::MAX, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl ArrayMap {
    pub fn new(value_size: usize, max_entries: usize) -> ArrayMap {
        ArrayMap {
            value_size,
            max_entries,
            values: vec![0; value_size * max_entries],
        }
    }

    /// The byte offset of entry `key`'s value.
    pub fn lookup_offset(&self, key: &[u8]) -> Option<u32> {
        let i = index(key) as usize;
        (i < self.max_entries).then(|| (i * self.value_size) as u32)
    }

    pub fn lookup(&self, key: &[u8]) -> Option<&[u8]> {
        let start = self.lookup_offset(key)? as usize;
        self.values.get(start..start + self.value_size)
    }

    pub fn update(&mut self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        let flags = update_flags(flags)?;
        let start = self.lookup_offset(key).ok_or(MapError::Full)? as usize;
        if flags == BPF_NOEXIST {
            return Err(MapError::Exists);
        }
        if let Some(dst) = self.values.get_mut(start..start + self.value_size) {
            super::slab::copy_value(dst, value);
        }
        Ok(())
    }

    pub fn memory(&self) -> &[u8] {
        &self.values
    }

    pub fn memory_mut(&mut self) -> &mut [u8] {
        &mut self.values
    }

    /// Every entry, by index.
    pub fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.values
            .chunks_exact(self.value_size.max(1))
            .enumerate()
            .map(|(i, v)| ((i as u32).to_le_bytes().to_vec(), v.to_vec()))
            .collect()
    }
}
