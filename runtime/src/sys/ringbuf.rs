//! Memory-mapping a `BPF_MAP_TYPE_RINGBUF` map to consume its records.
//!
//! The kernel exposes a ring buffer as three regions of the map fd: the
//! consumer position page (read-write, at offset 0), then, read-only, the
//! producer position page and the data area mapped twice in a row (so a
//! record that wraps is contiguous). Records are `{u32 len; u32 pg_off}`
//! headers followed by the payload, 8-byte aligned; bit 31 of `len` marks a
//! record still being written, bit 30 a discarded one.
//!
//! Invariant: the mappings live exactly as long as the [`RingBuf`]; every
//! read goes through bounds-checked slices of them.

use super::{Fd, SysError};
use std::sync::atomic::{AtomicU64, Ordering};

const BUSY: u32 = 1 << 31;
const DISCARD: u32 = 1 << 30;

/// A consumer of one ring buffer map.
#[derive(Debug)]
pub struct RingBuf {
    consumer: *mut u8,
    producer: *const u8,
    page: usize,
    size: usize,
}

// SAFETY: the mappings are process-wide shared memory owned by this value;
// access is by value copies through atomics or bounds-checked reads.
unsafe impl Send for RingBuf {}

fn mmap(fd: &Fd, len: usize, prot: i32, offset: usize) -> Result<*mut u8, SysError> {
    // SAFETY: a fresh shared mapping of a BPF map fd; the kernel checks
    // the length and offset against the map, and we never write through a
    // read-only mapping.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            prot,
            libc::MAP_SHARED,
            fd.raw(),
            offset as libc::off_t,
        )
    };
    if ptr == libc::MAP_FAILED {
        Err(SysError {
            command: "mmap(ringbuf)",
            errno: std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EINVAL),
        })
    } else {
        Ok(ptr.cast())
    }
}

impl RingBuf {
    /// Maps the ring buffer `fd` whose `max_entries` (data size) is `size`.
    pub fn new(fd: &Fd, size: usize) -> Result<RingBuf, SysError> {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let consumer = mmap(fd, page, libc::PROT_READ | libc::PROT_WRITE, 0)?;
        let producer = match mmap(fd, page + 2 * size, libc::PROT_READ, page) {
            Ok(p) => p,
            Err(e) => {
                // SAFETY: `consumer` was mapped above with this length.
                unsafe { libc::munmap(consumer.cast(), page) };
                return Err(e);
            }
        };
        Ok(RingBuf {
            consumer,
            producer,
            page,
            size,
        })
    }

    /// The consumer position (shared with the kernel).
    fn consumer_pos(&self) -> &AtomicU64 {
        // SAFETY: the position is an 8-byte aligned u64 at the start of a
        // page that stays mapped while `self` lives.
        unsafe { &*(self.consumer as *const AtomicU64) }
    }

    /// The producer position (written by the kernel).
    fn producer_pos(&self) -> &AtomicU64 {
        // SAFETY: as for `consumer_pos`.
        unsafe { &*(self.producer as *const AtomicU64) }
    }

    /// Takes every complete record now in the buffer, in order.
    pub fn drain(&mut self) -> Vec<Vec<u8>> {
        let consumer = self.consumer_pos();
        let producer = self.producer_pos();
        let mut cons = consumer.load(Ordering::Acquire);
        let prod = producer.load(Ordering::Acquire);
        let mask = (self.size - 1) as u64;
        let data_start = self.page;
        let mut out = Vec::new();
        while cons < prod {
            let at = data_start + (cons & mask) as usize;
            // SAFETY: `at` is inside the first copy of the data area and a
            // header is 8 bytes; the data area is mapped twice, so reading
            // up to `size` bytes past any offset stays mapped.
            let header = unsafe { std::ptr::read_volatile(self.producer.add(at) as *const u32) };
            if header & BUSY != 0 {
                break;
            }
            let len = (header & !(BUSY | DISCARD)) as usize;
            if header & DISCARD == 0 && len <= self.size {
                let mut record = vec![0u8; len];
                // SAFETY: as above; `len <= size` keeps the copy within the
                // double mapping.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        self.producer.add(at + 8),
                        record.as_mut_ptr(),
                        len,
                    )
                };
                out.push(record);
            }
            cons += ((len + 8 + 7) & !7) as u64;
            consumer.store(cons, Ordering::Release);
        }
        out
    }
}

impl Drop for RingBuf {
    fn drop(&mut self) {
        // SAFETY: both regions were mapped in `new` with these lengths and
        // are unmapped once.
        unsafe {
            libc::munmap(self.consumer.cast(), self.page);
            libc::munmap(
                self.producer as *mut libc::c_void,
                self.page + 2 * self.size,
            );
        }
    }
}
