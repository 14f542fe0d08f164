//! `BPF_MAP_TYPE_LPM_TRIE`: longest-prefix match on keys
//! `{u32 prefixlen; u8 data[key_size - 4]}` (IPv4: 8-byte keys, IPv6:
//! 20-byte keys), with the kernel's semantics:
//!
//! * an entry matches a lookup key when its first `prefixlen` bits equal
//!   the key's and its `prefixlen` is at most the key's `prefixlen`;
//!   the longest such entry wins;
//! * bits beyond `prefixlen` are ignored on update, lookup and delete, so
//!   `10.1.2.3/8` and `10.0.0.0/8` are the same entry;
//! * `prefixlen` above `8 * (key_size - 4)` is `EINVAL`; a full trie is
//!   `ENOSPC`.
//!
//! Storage is a hash of `(prefixlen, masked data)` plus the set of prefix
//! lengths present; a lookup probes those lengths from longest to
//! shortest, so it costs one hash probe per distinct length.

use std::collections::BTreeMap;

use super::slab::Slab;
use super::{update_flags, MapError};

#[derive(Clone, Debug)]
pub(crate) struct LpmTrie {
    key_size: usize,
    max_entries: usize,
    slab: Slab,
    /// prefixlen -> number of entries with it.
    lengths: BTreeMap<u32, usize>,
    scratch: Vec<u8>,
}

/// Copies `key` into `out` with the bits after `prefixlen` cleared and the
/// prefix length field set to `prefixlen`.
fn masked(key: &[u8], prefixlen: u32, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&prefixlen.to_le_bytes());
    let data = key.get(4..).unwrap_or(&[]);
    let full = (prefixlen / 8) as usize;
    let rest = prefixlen % 8;
    for (i, &b) in data.iter().enumerate() {
        out.push(if i < full {
            b
        } else if i == full && rest != 0 {
            b & (0xffu8 << (8 - rest))
        } else {
            0
        });
    }
}

impl LpmTrie {
    pub fn new(key_size: usize, value_size: usize, max_entries: usize) -> LpmTrie {
        LpmTrie {
            key_size,
            max_entries,
            slab: Slab::new(value_size),
            lengths: BTreeMap::new(),
            scratch: Vec::with_capacity(key_size),
        }
    }

    fn max_prefix(&self) -> u32 {
        (8 * (self.key_size - 4)) as u32
    }

    fn prefixlen(key: &[u8]) -> u32 {
        key.get(..4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The slot of the longest matching entry.
    fn find(&self, key: &[u8], scratch: &mut Vec<u8>) -> Option<u32> {
        let limit = Self::prefixlen(key).min(self.max_prefix());
        for (&len, _) in self.lengths.range(..=limit).rev() {
            masked(key, len, scratch);
            if let Some(slot) = self.slab.get(scratch) {
                return Some(slot);
            }
        }
        None
    }

    /// Program lookup: the matching value's byte offset.
    pub fn lookup_offset(&mut self, key: &[u8]) -> Option<u32> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let slot = self.find(key, &mut scratch);
        self.scratch = scratch;
        slot.map(|s| self.slab.offset(s))
    }

    pub fn lookup(&self, key: &[u8]) -> Option<&[u8]> {
        let mut scratch = Vec::with_capacity(self.key_size);
        self.find(key, &mut scratch).map(|s| self.slab.value(s))
    }

    pub fn update(&mut self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        let flags = update_flags(flags)?;
        let len = Self::prefixlen(key);
        if len > self.max_prefix() {
            return Err(MapError::InvalidPrefixLen(len));
        }
        let mut exact = Vec::with_capacity(self.key_size);
        masked(key, len, &mut exact);
        match self.slab.get(&exact) {
            Some(slot) => {
                if flags == super::BPF_NOEXIST {
                    return Err(MapError::Exists);
                }
                super::slab::copy_value(self.slab.value_mut(slot), value);
            }
            None => {
                if flags == super::BPF_EXIST {
                    return Err(MapError::NotFound);
                }
                if self.slab.len() >= self.max_entries || !self.slab.has_room() {
                    return Err(MapError::NoSpace);
                }
                self.slab.insert(&exact, value);
                *self.lengths.entry(len).or_insert(0) += 1;
            }
        }
        Ok(())
    }

    pub fn delete(&mut self, key: &[u8]) -> Result<(), MapError> {
        let len = Self::prefixlen(key);
        if len > self.max_prefix() {
            return Err(MapError::InvalidPrefixLen(len));
        }
        let mut exact = Vec::with_capacity(self.key_size);
        masked(key, len, &mut exact);
        if !self.slab.remove(&exact) {
            return Err(MapError::NotFound);
        }
        if let Some(n) = self.lengths.get_mut(&len) {
            *n -= 1;
            if *n == 0 {
                self.lengths.remove(&len);
            }
        }
        Ok(())
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

    fn key4(len: u32, a: [u8; 4]) -> Vec<u8> {
        let mut k = len.to_le_bytes().to_vec();
        k.extend_from_slice(&a);
        k
    }

    #[test]
    fn masking_clears_bits_after_the_prefix() {
        let mut out = Vec::new();
        masked(&key4(12, [10, 0xff, 3, 4]), 12, &mut out);
        assert_eq!(out, key4(12, [10, 0xf0, 0, 0]));
        masked(&key4(32, [1, 2, 3, 4]), 0, &mut out);
        assert_eq!(out, key4(0, [0, 0, 0, 0]));
    }

    #[test]
    fn longest_prefix_wins_and_key_prefixlen_limits_the_match() {
        let mut t = LpmTrie::new(8, 1, 16);
        t.update(&key4(8, [10, 0, 0, 0]), &[8], 0).unwrap();
        t.update(&key4(16, [10, 1, 0, 0]), &[16], 0).unwrap();
        t.update(&key4(0, [0, 0, 0, 0]), &[0], 0).unwrap();
        assert_eq!(t.lookup(&key4(32, [10, 1, 2, 3])), Some(&[16][..]));
        assert_eq!(t.lookup(&key4(32, [10, 2, 2, 3])), Some(&[8][..]));
        assert_eq!(t.lookup(&key4(32, [11, 1, 2, 3])), Some(&[0][..]));
        assert_eq!(t.lookup(&key4(12, [10, 1, 2, 3])), Some(&[8][..]));
        t.delete(&key4(8, [10, 9, 9, 9])).unwrap();
        assert_eq!(t.lookup(&key4(32, [10, 2, 2, 3])), Some(&[0][..]));
        assert_eq!(t.delete(&key4(8, [10, 0, 0, 0])), Err(MapError::NotFound));
        assert_eq!(
            t.update(&key4(33, [0; 4]), &[1], 0),
            Err(MapError::InvalidPrefixLen(33))
        );
    }
}
