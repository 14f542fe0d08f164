//! Event maps: `BPF_MAP_TYPE_RINGBUF` and `BPF_MAP_TYPE_PERF_EVENT_ARRAY`.
//! Programs write records; the caller (the consumer) inspects and drains
//! them with [`super::Map::records`] and [`super::Map::take_records`].
//!
//! Ring buffer model (kernel semantics where a test can see them):
//! * every record takes `8 + round_up(len, 8)` bytes of the buffer's
//!   `max_entries` bytes, until the consumer drains it; when the space is
//!   used up, `ringbuf_output` returns `-EAGAIN` and `ringbuf_reserve`
//!   NULL, as in the kernel when nobody reads;
//! * a reservation is memory the program may write (`data_area`), from
//!   the address returned to `submit`/`discard`; `submit` appends the
//!   record, `discard` drops it. Reservations still open when a run ends
//!   are discarded (a verified program never leaves one open).
//!
//! Invariants: `used <= capacity`; every open reservation lies inside
//! `data_area[..prod]`, and `prod <= used`.

use std::collections::BTreeMap;

use super::super::error::VmErrorKind;
use super::super::memory::{check_range, Region};

const HEADER: usize = 8;

fn footprint(len: usize) -> usize {
    HEADER + len.div_ceil(8) * 8
}

#[derive(Clone, Debug)]
pub(crate) struct RingBuf {
    capacity: usize,
    data_area: Vec<u8>,
    prod: usize,
    /// Open reservations: header offset -> length.
    open: BTreeMap<u32, u32>,
    used: usize,
    /// Space of records written since the last drain.
    written: usize,
    records: Vec<Vec<u8>>,
}

/// `-EAGAIN`: the ring buffer is full.
pub(crate) const EAGAIN: i32 = 11;

impl RingBuf {
    pub fn new(capacity: usize) -> RingBuf {
        RingBuf {
            capacity,
            data_area: vec![0; capacity],
            prod: 0,
            open: BTreeMap::new(),
            used: 0,
            written: 0,
            records: Vec::new(),
        }
    }

    /// `bpf_ringbuf_output`: 0 or `-EAGAIN`.
    pub fn output(&mut self, data: &[u8]) -> i64 {
        let need = footprint(data.len());
        if self.used + need > self.capacity {
            return -i64::from(EAGAIN);
        }
        self.used += need;
        self.written += need;
        self.records.push(data.to_vec());
        0
    }

    /// `bpf_ringbuf_reserve`: the offset of the record's data, or `None`.
    pub fn reserve(&mut self, len: u64) -> Option<u32> {
        let len = usize::try_from(len).ok()?;
        if len > self.capacity {
            return None;
        }
        let need = footprint(len);
        if self.used + need > self.capacity || self.prod + need > self.capacity {
            return None;
        }
        let start = self.prod;
        self.prod += need;
        self.used += need;
        self.open.insert(start as u32, len as u32);
        let data = start + HEADER;
        self.data_area[data..data + len].fill(0);
        Some(data as u32)
    }

    /// Ends the reservation whose data starts at `offset`; with `submit`,
    /// appends it. `false` if there is no such reservation.
    pub fn release(&mut self, offset: u32, submit: bool) -> bool {
        let Some(start) = offset.checked_sub(HEADER as u32) else {
            return false;
        };
        let Some(len) = self.open.remove(&start) else {
            return false;
        };
        let data = offset as usize;
        if submit {
            self.records
                .push(self.data_area[data..data + len as usize].to_vec());
        }
        self.written += footprint(len as usize);
        if self.open.is_empty() {
            self.prod = 0;
        }
        true
    }

    /// Discards every open reservation (end of a run).
    pub fn discard_open(&mut self) {
        let open: Vec<u32> = self.open.keys().copied().collect();
        for start in open {
            self.release(start + HEADER as u32, false);
        }
    }

    /// Checks an access to an open reservation.
    pub fn locate(
        &self,
        map: u32,
        offset: u32,
        size: u32,
        write: bool,
    ) -> Result<usize, VmErrorKind> {
        let region = Region::RingbufRecord { map };
        let probe = offset.saturating_sub(HEADER as u32);
        match self.open.range(..=probe).next_back() {
            Some((&start, &len)) if offset >= start + HEADER as u32 => {
                let data = start + HEADER as u32;
                check_range(region, offset - data, size, len as usize, write)?;
                Ok(offset as usize)
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

    pub fn memory(&self) -> &[u8] {
        &self.data_area
    }

    pub fn memory_mut(&mut self) -> &mut [u8] {
        &mut self.data_area
    }

    pub fn records(&self) -> &[Vec<u8>] {
        &self.records
    }

    /// Drains the records and frees their space.
    pub fn take_records(&mut self) -> Vec<Vec<u8>> {
        self.used -= self.written.min(self.used);
        self.written = 0;
        std::mem::take(&mut self.records)
    }
}

/// `BPF_MAP_TYPE_PERF_EVENT_ARRAY` with one CPU: records in output order.
#[derive(Clone, Debug, Default)]
pub(crate) struct PerfEvents {
    pub records: Vec<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_submit_discard_and_full_buffer() {
        let mut rb = RingBuf::new(64);
        let a = rb.reserve(5).unwrap();
        assert_eq!(a, 8);
        rb.memory_mut()[a as usize] = 0xaa;
        assert!(rb.locate(0, a, 5, true).is_ok());
        assert!(rb.locate(0, a + 1, 5, true).is_err(), "past the record");
        assert!(rb.release(a, true));
        assert!(!rb.release(a, true), "released twice");
        assert_eq!(rb.records(), &[vec![0xaa, 0, 0, 0, 0]]);
        let b = rb.reserve(3).unwrap();
        assert!(rb.release(b, false));
        assert_eq!(rb.records().len(), 1);
        // 16 + 16 used; 32 more fit exactly, then the buffer is full.
        assert_eq!(rb.output(&[1; 24]), 0);
        assert_eq!(rb.output(&[1]), -11);
        assert_eq!(rb.reserve(1), None);
        assert_eq!(rb.take_records().len(), 2);
        assert_eq!(rb.output(&[1; 56]), 0, "draining frees the space");
    }
}
