//! A keyed slab: the storage behind hash maps and LPM tries.
//!
//! Values live in one byte vector, `value_size` bytes per slot, so a value
//! pointer handed to a program is a stable `(map, byte offset)` no matter
//! how the vector grows. Deleted slots go on a free list and are reused
//! (last freed, first reused), which keeps slot numbers, and therefore
//! addresses, deterministic.
//!
//! Invariants:
//! * `index[k] == s` exactly when `keys[s] == Some(k)`.
//! * `values.len() == keys.len() * value_size`.
//! * A freed slot keeps its bytes until reused: a stale value pointer reads
//!   old or new data but never leaves the map's memory (the kernel's
//!   preallocated hash maps behave the same way).

use std::collections::HashMap;

#[derive(Clone, Debug, Default)]
pub(crate) struct Slab {
    value_size: usize,
    index: HashMap<Box<[u8]>, u32>,
    keys: Vec<Option<Box<[u8]>>>,
    last_use: Vec<u64>,
    values: Vec<u8>,
    free: Vec<u32>,
    tick: u64,
}

impl Slab {
    pub fn new(value_size: usize) -> Slab {
        Slab {
            value_size,
            ..Slab::default()
        }
    }

    /// The number of live entries.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn get(&self, key: &[u8]) -> Option<u32> {
        self.index.get(key).copied()
    }

    /// Marks a slot as just used (for LRU eviction).
    pub fn touch(&mut self, slot: u32) {
        self.tick += 1;
        if let Some(t) = self.last_use.get_mut(slot as usize) {
            *t = self.tick;
        }
    }

    /// Whether one more entry fits in the 4 GiB a map's memory may span
    /// (value pointers are 32-bit offsets).
    pub fn has_room(&self) -> bool {
        !self.free.is_empty() || (self.keys.len() + 1) * self.value_size <= u32::MAX as usize
    }

    /// Inserts a new key (the caller checked it is absent and that there
    /// is room) and returns its slot.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> u32 {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.keys.push(None);
                self.last_use.push(0);
                self.values.resize(self.values.len() + self.value_size, 0);
                (self.keys.len() - 1) as u32
            }
        };
        let boxed: Box<[u8]> = key.into();
        self.index.insert(boxed.clone(), slot);
        self.keys[slot as usize] = Some(boxed);
        copy_value(self.value_mut(slot), value);
        self.touch(slot);
        slot
    }

    /// Removes a key; returns whether it was present.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        match self.index.remove(key) {
            Some(slot) => {
                self.keys[slot as usize] = None;
                self.free.push(slot);
                true
            }
            None => false,
        }
    }

    /// Removes the least recently used entry.
    pub fn evict_lru(&mut self) {
        let victim = self
            .keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| k.as_ref().map(|k| (self.last_use[i], k.clone())))
            .min_by_key(|(t, _)| *t);
        if let Some((_, key)) = victim {
            self.remove(&key);
        }
    }

    pub fn value(&self, slot: u32) -> &[u8] {
        let start = slot as usize * self.value_size;
        self.values
            .get(start..start + self.value_size)
            .unwrap_or(&[])
    }

    pub fn value_mut(&mut self, slot: u32) -> &mut [u8] {
        let start = slot as usize * self.value_size;
        self.values
            .get_mut(start..start + self.value_size)
            .unwrap_or(&mut [])
    }

    /// Byte offset of a slot's value in [`Slab::memory`].
    pub fn offset(&self, slot: u32) -> u32 {
        (slot as usize * self.value_size) as u32
    }

    pub fn memory(&self) -> &[u8] {
        &self.values
    }

    pub fn memory_mut(&mut self) -> &mut [u8] {
        &mut self.values
    }

    /// Live entries sorted by key.
    pub fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out: Vec<(Vec<u8>, Vec<u8>)> = self
            .index
            .iter()
            .map(|(k, &s)| (k.to_vec(), self.value(s).to_vec()))
            .collect();
        out.sort();
        out
    }
}

/// Copies `src` into `dst` (callers pass equal lengths; a mismatch copies
/// the common prefix instead of panicking).
pub(crate) fn copy_value(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    dst[..n].copy_from_slice(&src[..n]);
}
