//! `BPF_MAP_TYPE_HASH`, `PERCPU_HASH` (one CPU), `LRU_HASH` and
//! `LRU_PERCPU_HASH`.
//!
//! Kernel semantics: update with `BPF_NOEXIST` on a present key is
//! `EEXIST`, with `BPF_EXIST` on an absent key `ENOENT`; a new key in a
//! full map is `E2BIG`, except in LRU maps, which evict the least recently
//! used entry instead (exactly, where the kernel approximates). Updating a
//! present key overwrites its value in place.

use super::slab::Slab;
use super::{update_flags, MapError, BPF_EXIST, BPF_NOEXIST};

#[derive(Clone, Debug)]
pub(crate) struct HashTable {
    max_entries: usize,
    lru: bool,
    slab: Slab,
}

impl HashTable {
    pub fn new(value_size: usize, max_entries: usize, lru: bool) -> HashTable {
        HashTable {
            max_entries,
            lru,
            slab: Slab::new(value_size),
        }
    }

    /// Program lookup: the value's byte offset (refreshes LRU age).
    pub fn lookup_offset(&mut self, key: &[u8]) -> Option<u32> {
        let slot = self.slab.get(key)?;
        if self.lru {
            self.slab.touch(slot);
        }
        Some(self.slab.offset(slot))
    }

    pub fn lookup(&self, key: &[u8]) -> Option<&[u8]> {
        self.slab.get(key).map(|s| self.slab.value(s))
    }

    pub fn update(&mut self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        let flags = update_flags(flags)?;
        match self.slab.get(key) {
            Some(slot) => {
                if flags == BPF_NOEXIST {
                    return Err(MapError::Exists);
                }
                super::slab::copy_value(self.slab.value_mut(slot), value);
                self.slab.touch(slot);
            }
            None => {
                if flags == BPF_EXIST {
                    return Err(MapError::NotFound);
                }
                if self.slab.len() >= self.max_entries {
                    if !self.lru {
                        return Err(MapError::Full);
                    }
                    self.slab.evict_lru();
                }
                if !self.slab.has_room() {
                    return Err(MapError::Full);
                }
                self.slab.insert(key, value);
            }
        }
        Ok(())
    }

    pub fn delete(&mut self, key: &[u8]) -> Result<(), MapError> {
        if self.slab.remove(key) {
            Ok(())
        } else {
            Err(MapError::NotFound)
        }
    }

    pub fn slab(&self) -> &Slab {
        &self.slab
    }

    pub fn slab_mut(&mut self) -> &mut Slab {
        &mut self.slab
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_capacity() {
        let mut h = HashTable::new(1, 2, false);
        h.update(b"a", &[1], 0).unwrap();
        assert_eq!(h.update(b"a", &[2], BPF_NOEXIST), Err(MapError::Exists));
        assert_eq!(h.update(b"b", &[2], BPF_EXIST), Err(MapError::NotFound));
        h.update(b"b", &[2], 0).unwrap();
        assert_eq!(h.update(b"c", &[3], 0), Err(MapError::Full));
        h.update(b"a", &[9], BPF_EXIST).unwrap();
        assert_eq!(h.lookup(b"a"), Some(&[9][..]));
        h.delete(b"a").unwrap();
        assert_eq!(h.delete(b"a"), Err(MapError::NotFound));
        h.update(b"c", &[3], 0).unwrap();
    }

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut h = HashTable::new(1, 2, true);
        h.update(b"a", &[1], 0).unwrap();
        h.update(b"b", &[2], 0).unwrap();
        h.lookup_offset(b"a");
        h.update(b"c", &[3], 0).unwrap();
        assert_eq!(h.lookup(b"b"), None, "b was least recently used");
        assert!(h.lookup(b"a").is_some() && h.lookup(b"c").is_some());
    }
}
