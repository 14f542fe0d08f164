//! Tristate numbers: per-bit knowledge of a 64-bit value.
//!
//! A [`Tnum`] `(value, mask)` stands for every `x` with
//! `x & !mask == value`: bits set in `mask` are unknown, the others equal
//! the bits of `value`.
//!
//! Invariant: `value & mask == 0` (a bit is either known or unknown). Every
//! constructor and operation keeps it; [`Tnum::new`] normalises.
//!
//! The arithmetic operations are *sound*: for all `x ∈ a`, `y ∈ b`,
//! `op(x, y) ∈ op(a, b)`. The property tests at the bottom check this on
//! random small tnums by enumeration.

use super::Lattice;
use std::fmt;

/// A tristate number (known bits + unknown-bit mask).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tnum {
    value: u64,
    mask: u64,
}

impl Tnum {
    /// Every 64-bit value.
    pub const UNKNOWN: Tnum = Tnum {
        value: 0,
        mask: u64::MAX,
    };

    /// The tnum `(value, mask)`, normalised so that unknown bits of `value`
    /// are zero.
    pub const fn new(value: u64, mask: u64) -> Tnum {
        Tnum {
            value: value & !mask,
            mask,
        }
    }

    /// Exactly `v`.
    pub const fn constant(v: u64) -> Tnum {
        Tnum { value: v, mask: 0 }
    }

    /// The known bits (unknown bits read as 0).
    pub const fn value(self) -> u64 {
        self.value
    }

    /// The unknown bits.
    pub const fn mask(self) -> u64 {
        self.mask
    }

    /// Whether exactly one value is represented.
    pub const fn is_const(self) -> bool {
        self.mask == 0
    }

    /// The smallest unsigned value represented.
    pub const fn umin(self) -> u64 {
        self.value
    }

    /// The largest unsigned value represented.
    pub const fn umax(self) -> u64 {
        self.value | self.mask
    }

    /// The smallest signed value represented (sign bit set if unknown).
    pub const fn smin(self) -> i64 {
        (self.value | (self.mask & (1 << 63))) as i64
    }

    /// The largest signed value represented (sign bit clear if unknown).
    pub const fn smax(self) -> i64 {
        (self.value | (self.mask & !(1 << 63))) as i64
    }

    /// The smallest tnum containing every value of `[min, max]` (unsigned).
    pub fn range(min: u64, max: u64) -> Tnum {
        if min > max {
            return Tnum::UNKNOWN;
        }
        let chi = min ^ max;
        let bits = 64 - chi.leading_zeros();
        if bits > 63 {
            return Tnum::UNKNOWN;
        }
        let delta = (1u64 << bits) - 1;
        Tnum::new(min & !delta, delta)
    }

    /// Whether `x` is one of the represented values.
    pub const fn contains(self, x: u64) -> bool {
        x & !self.mask == self.value
    }

    /// Whether every value of `other` is also in `self` (`other ⊑ self`).
    pub const fn includes(self, other: Tnum) -> bool {
        other.mask & !self.mask == 0 && other.value & !self.mask == self.value
    }

    /// Shift left by a known amount (< 64).
    pub const fn shl(self, shift: u32) -> Tnum {
        let s = shift & 63;
        Tnum::new(self.value << s, self.mask << s)
    }

    /// Logical shift right by a known amount (< 64).
    pub const fn shr(self, shift: u32) -> Tnum {
        let s = shift & 63;
        Tnum::new(self.value >> s, self.mask >> s)
    }

    /// Arithmetic shift right by a known amount in a `bits`-wide value
    /// (32 or 64). For 32 bits the result is zero-extended to 64 bits.
    pub fn sar(self, shift: u32, bits: u32) -> Tnum {
        if bits == 32 {
            let s = shift & 31;
            let v = ((self.value as u32 as i32) >> s) as u32 as u64;
            let m = ((self.mask as u32 as i32) >> s) as u32 as u64;
            Tnum::new(v, m)
        } else {
            let s = shift & 63;
            Tnum::new(
                ((self.value as i64) >> s) as u64,
                ((self.mask as i64) >> s) as u64,
            )
        }
    }

    /// Sum (wrapping).
    pub const fn add(self, b: Tnum) -> Tnum {
        let sm = self.mask.wrapping_add(b.mask);
        let sv = self.value.wrapping_add(b.value);
        let sigma = sm.wrapping_add(sv);
        let chi = sigma ^ sv;
        let mu = chi | self.mask | b.mask;
        Tnum::new(sv, mu)
    }

    /// Difference (wrapping).
    pub const fn sub(self, b: Tnum) -> Tnum {
        let dv = self.value.wrapping_sub(b.value);
        let alpha = dv.wrapping_add(self.mask);
        let beta = dv.wrapping_sub(b.mask);
        let chi = alpha ^ beta;
        let mu = chi | self.mask | b.mask;
        Tnum::new(dv, mu)
    }

    /// Two's complement negation.
    pub const fn neg(self) -> Tnum {
        Tnum::constant(0).sub(self)
    }

    /// Bitwise and.
    pub const fn and(self, b: Tnum) -> Tnum {
        let alpha = self.value | self.mask;
        let beta = b.value | b.mask;
        let v = self.value & b.value;
        Tnum::new(v, alpha & beta & !v)
    }

    /// Bitwise or.
    pub const fn or(self, b: Tnum) -> Tnum {
        let v = self.value | b.value;
        let mu = self.mask | b.mask;
        Tnum::new(v, mu & !v)
    }

    /// Bitwise exclusive or.
    pub const fn xor(self, b: Tnum) -> Tnum {
        let v = self.value ^ b.value;
        let mu = self.mask | b.mask;
        Tnum::new(v, mu)
    }

    /// Product (wrapping): long multiplication over the bits of `self`,
    /// accumulating the uncertainty separately from the known product.
    pub const fn mul(self, b: Tnum) -> Tnum {
        let known = Tnum::constant(self.value.wrapping_mul(b.value));
        let mut uncertain = Tnum::constant(0);
        let mut a = self;
        let mut b = b;
        while a.value != 0 || a.mask != 0 {
            if a.value & 1 != 0 {
                // Bit known to be 1: b's unknown bits are added in.
                uncertain = uncertain.add(Tnum::new(0, b.mask));
            } else if a.mask & 1 != 0 {
                // Bit unknown: any subset of b's possible bits may be added.
                uncertain = uncertain.add(Tnum::new(0, b.value | b.mask));
            }
            a = a.shr(1);
            b = b.shl(1);
        }
        known.add(uncertain)
    }

    /// The values common to both, or `None` if the known bits conflict.
    pub const fn intersect(self, b: Tnum) -> Option<Tnum> {
        let v = self.value | b.value;
        let mu = self.mask & b.mask;
        // A conflict is a bit known in both with different values.
        let both_known = !self.mask & !b.mask;
        if (self.value ^ b.value) & both_known != 0 {
            return None;
        }
        Some(Tnum::new(v, mu))
    }

    /// The smallest tnum containing both.
    pub const fn union(self, b: Tnum) -> Tnum {
        let mu = self.mask | b.mask | (self.value ^ b.value);
        Tnum::new(self.value, mu)
    }

    /// Keeps the low `bytes` bytes (zero-extends the rest).
    pub const fn cast(self, bytes: u32) -> Tnum {
        if bytes >= 8 {
            return self;
        }
        let keep = (1u64 << (bytes * 8)) - 1;
        Tnum::new(self.value & keep, self.mask & keep)
    }

    /// The low 32 bits, zero-extended.
    pub const fn subreg(self) -> Tnum {
        self.cast(4)
    }

    /// The high 32 bits kept, the low 32 bits cleared.
    pub const fn clear_subreg(self) -> Tnum {
        Tnum::new(self.value & !0xffff_ffff, self.mask & !0xffff_ffff)
    }

    /// The high 32 bits of `self` with the low 32 bits of `low`.
    pub const fn with_subreg(self, low: Tnum) -> Tnum {
        self.clear_subreg().or(low.subreg())
    }

    /// Reverses the order of the low `bits / 8` bytes (16, 32 or 64 bits);
    /// higher bytes become 0.
    pub const fn bswap(self, bits: u32) -> Tnum {
        let t = self.cast(bits / 8);
        let shift = 64 - bits;
        Tnum::new(t.value.swap_bytes() >> shift, t.mask.swap_bytes() >> shift)
    }

    /// Whether every value is a multiple of `align` (a power of two).
    pub const fn is_aligned(self, align: u64) -> bool {
        if align == 0 {
            return true;
        }
        (self.value | self.mask) & (align - 1) == 0
    }
}

impl Lattice for Tnum {
    fn top() -> Self {
        Tnum::UNKNOWN
    }
    fn join(&self, other: &Self) -> Self {
        self.union(*other)
    }
    fn meet(&self, other: &Self) -> Option<Self> {
        self.intersect(*other)
    }
    /// Tnums form a finite-height lattice (64 bits can become unknown at
    /// most once each), so widening is the join.
    fn widen(&self, other: &Self) -> Self {
        self.union(*other)
    }
    fn le(&self, other: &Self) -> bool {
        other.includes(*self)
    }
}

impl fmt::Display for Tnum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:#x}; {:#x})", self.value, self.mask)
    }
}

impl fmt::Debug for Tnum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A small tnum over the low `bits` bits, and all its members.
    fn members(t: Tnum) -> Vec<u64> {
        let mut out = vec![];
        let m = t.mask();
        // enumerate subsets of the mask
        let mut sub = 0u64;
        loop {
            out.push(t.value() | sub);
            if sub == m {
                break;
            }
            sub = (sub.wrapping_sub(m)) & m;
        }
        out
    }

    fn small_tnum() -> impl Strategy<Value = Tnum> {
        (any::<u64>(), 0u64..64, any::<u64>()).prop_map(|(v, m, hi)| {
            // at most 6 unknown bits, spread over the word
            let mut mask = 0;
            let mut bits = m;
            for i in 0..6 {
                if bits & 1 == 1 {
                    mask |= 1u64 << ((hi >> (i * 10)) % 64);
                }
                bits >>= 1;
            }
            Tnum::new(v, mask)
        })
    }

    proptest! {
        #[test]
        fn ops_are_sound(a in small_tnum(), b in small_tnum()) {
            for x in members(a) {
                for y in members(b) {
                    prop_assert!(a.add(b).contains(x.wrapping_add(y)));
                    prop_assert!(a.sub(b).contains(x.wrapping_sub(y)));
                    prop_assert!(a.mul(b).contains(x.wrapping_mul(y)));
                    prop_assert!(a.and(b).contains(x & y));
                    prop_assert!(a.or(b).contains(x | y));
                    prop_assert!(a.xor(b).contains(x ^ y));
                    prop_assert!(a.union(b).contains(x) && a.union(b).contains(y));
                }
                prop_assert!(a.neg().contains(x.wrapping_neg()));
                prop_assert!(a.shl(5).contains(x << 5));
                prop_assert!(a.shr(7).contains(x >> 7));
                prop_assert!(a.sar(9, 64).contains(((x as i64) >> 9) as u64));
                prop_assert!(a.sar(3, 32).contains(((x as u32 as i32) >> 3) as u32 as u64));
                prop_assert!(a.cast(2).contains(x & 0xffff));
                prop_assert!(a.bswap(16).contains((x as u16).swap_bytes() as u64));
                prop_assert!(a.bswap(32).contains((x as u32).swap_bytes() as u64));
                prop_assert!(a.bswap(64).contains(x.swap_bytes()));
                prop_assert!(x >= a.umin() && x <= a.umax());
                prop_assert!((x as i64) >= a.smin() && (x as i64) <= a.smax());
            }
        }

        #[test]
        fn intersect_keeps_common_members(a in small_tnum(), b in small_tnum()) {
            let common: Vec<u64> = members(a).into_iter().filter(|x| b.contains(*x)).collect();
            match a.intersect(b) {
                None => prop_assert!(common.is_empty()),
                Some(t) => for x in common { prop_assert!(t.contains(x)); },
            }
        }

        #[test]
        fn range_is_sound(lo in any::<u64>(), len in 0u64..5000) {
            let hi = lo.saturating_add(len);
            let t = Tnum::range(lo, hi);
            prop_assert!(t.contains(lo) && t.contains(hi) && t.contains(lo + (hi - lo) / 2));
        }

        #[test]
        fn lattice_laws(a in small_tnum(), b in small_tnum()) {
            let j = a.join(&b);
            prop_assert!(a.le(&j) && b.le(&j));
            if let Some(m) = a.meet(&b) {
                prop_assert!(m.le(&a) && m.le(&b));
            }
            prop_assert!(a.le(&Tnum::top()));
            prop_assert!(a.le(&a));
        }
    }

    #[test]
    fn constants() {
        let t = Tnum::constant(5);
        assert!(t.is_const());
        assert_eq!(t.add(Tnum::constant(3)), Tnum::constant(8));
        assert_eq!(Tnum::range(0, 255), Tnum::new(0, 0xff));
        assert_eq!(Tnum::range(0, u64::MAX), Tnum::UNKNOWN);
    }
}
