//! `.palisade.map_init`: initial map entries for the loader to insert
//! after creating the maps (ELF has no standard place for the contents of
//! hash or LPM-trie maps; libbpf, bpftool and aya ignore this section).
//!
//! Format (little endian), one record per map that has entries, in spec
//! order:
//!
//! ```text
//! u32 name_len, name bytes, padding to 4
//! u32 key_size, u32 value_size, u32 count
//! count × (key bytes, value bytes), then padding to 4
//! ```

use super::{MapSpec, WriteError};

/// The section name.
pub const SECTION: &str = ".palisade.map_init";

/// Initial entries of one map, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapInit {
    pub map: String,
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

fn pad(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

/// Encodes the entries of `maps`; `None` if no map has any.
pub fn encode(maps: &[MapSpec]) -> Result<Option<Vec<u8>>, WriteError> {
    if maps.iter().all(|m| m.entries.is_empty()) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for m in maps.iter().filter(|m| !m.entries.is_empty()) {
        out.extend_from_slice(&(m.name.len() as u32).to_le_bytes());
        out.extend_from_slice(m.name.as_bytes());
        pad(&mut out);
        out.extend_from_slice(&m.key_size.to_le_bytes());
        out.extend_from_slice(&m.value_size.to_le_bytes());
        out.extend_from_slice(&(m.entries.len() as u32).to_le_bytes());
        for (k, v) in &m.entries {
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
        pad(&mut out);
    }
    Ok(Some(out))
}

/// Decodes the section; `None` if it is malformed.
pub fn decode(mut data: &[u8]) -> Option<Vec<MapInit>> {
    fn take<'a>(data: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if data.len() < n {
            return None;
        }
        let (head, tail) = data.split_at(n);
        *data = tail;
        Some(head)
    }
    fn u32_(data: &mut &[u8]) -> Option<u32> {
        Some(u32::from_le_bytes(take(data, 4)?.try_into().ok()?))
    }
    fn skip_pad(data: &mut &[u8], used: usize) -> Option<()> {
        take(data, (4 - used % 4) % 4).map(|_| ())
    }
    let mut out = Vec::new();
    while !data.is_empty() {
        let len = u32_(&mut data)? as usize;
        let name = String::from_utf8(take(&mut data, len)?.to_vec()).ok()?;
        skip_pad(&mut data, len)?;
        let key = u32_(&mut data)? as usize;
        let value = u32_(&mut data)? as usize;
        let count = u32_(&mut data)? as usize;
        let mut entries = Vec::new();
        for _ in 0..count {
            let k = take(&mut data, key)?.to_vec();
            let v = take(&mut data, value)?.to_vec();
            entries.push((k, v));
        }
        skip_pad(&mut data, (key + value).checked_mul(count)?)?;
        out.push(MapInit { map: name, entries });
    }
    Some(out)
}
