//! Internet checksum arithmetic for the checksum helpers
//! (`bpf_csum_diff`, `bpf_l3_csum_replace`, `bpf_l4_csum_replace`), as in
//! Linux's `include/net/checksum.h` (RFC 1071 / RFC 1624).
//!
//! Values are the bytes of memory read as little-endian integers, which is
//! what a program passes after loading them; one's complement sums are
//! byte-order agnostic, so the results stored back are the kernel's.
//! A 32-bit partial sum (`__wsum`) is only defined modulo `0xffffffff`;
//! this module keeps it in `0..=0xffffffff` with end-around carries, as
//! x86-64 does.

/// `csum_add`: 32-bit one's complement addition.
pub fn add(a: u32, b: u32) -> u32 {
    let (s, carry) = a.overflowing_add(b);
    s.wrapping_add(u32::from(carry))
}

/// `csum_sub`.
pub fn sub(a: u32, b: u32) -> u32 {
    add(a, !b)
}

/// `csum_fold`: folds a partial sum to 16 bits and complements it.
pub fn fold(sum: u32) -> u16 {
    let s = (sum & 0xffff) + (sum >> 16);
    let s = (s & 0xffff) + (s >> 16);
    !(s as u16)
}

/// `csum_partial` of whole 32-bit words, starting from `seed`.
pub fn partial(words: &[u8], seed: u32) -> u32 {
    words.chunks_exact(4).fold(seed, |acc, w| {
        add(acc, u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    })
}

/// `csum_replace4`-style update of a stored checksum: `from` replaced by
/// `to` in the covered data.
pub fn replace(sum: u16, from: u32, to: u32) -> u16 {
    fold(add(sub(!u32::from(sum), from), to))
}

/// `csum_replace_by_diff`: applies a `csum_diff` result.
pub fn replace_by_diff(sum: u16, diff: u32) -> u16 {
    fold(add(diff, !u32::from(sum)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 1071 checksum of `bytes` (16-bit big-endian words).
    fn rfc1071(bytes: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for w in bytes.chunks(2) {
            sum += u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]));
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn incremental_update_matches_recomputing() {
        // An IPv4 header with its checksum field zeroed.
        let mut hdr = [
            0x45, 0, 0, 0x54, 0, 0, 0x40, 0, 0x40, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let sum = rfc1071(&hdr);
        hdr[10..12].copy_from_slice(&sum.to_be_bytes());
        let stored = u16::from_le_bytes([hdr[10], hdr[11]]);
        let from = u32::from_le_bytes([hdr[16], hdr[17], hdr[18], hdr[19]]);
        let new_dst = [192, 168, 7, 9];
        let to = u32::from_le_bytes(new_dst);
        let updated = replace(stored, from, to);
        hdr[16..20].copy_from_slice(&new_dst);
        hdr[10..12].copy_from_slice(&updated.to_le_bytes());
        assert_eq!(rfc1071(&hdr), 0, "a correct header sums to zero");
        // The same change through csum_diff.
        let diff = partial(
            &[
                !from.to_le_bytes()[0],
                !from.to_le_bytes()[1],
                !from.to_le_bytes()[2],
                !from.to_le_bytes()[3],
                192,
                168,
                7,
                9,
            ],
            0,
        );
        assert_eq!(replace_by_diff(stored, diff), updated);
    }
}
