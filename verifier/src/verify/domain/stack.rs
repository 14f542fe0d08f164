//! A function's stack frame: 512 bytes below the frame pointer, tracked
//! byte by byte, with registers spilled into 8-byte slots.
//!
//! Slot `i` covers offsets `[-8(i+1), -8i)`; byte `b` of a slot is at
//! offset `-8(i+1) + b` (little endian: byte 0 is the value's low byte).
//!
//! Invariants:
//! * A slot holds a spilled value exactly when its byte 0 is
//!   [`Byte::Spill`]; the spilled bytes are `0..n` for the spill size `n`,
//!   and `spill` is `Value::UNINIT` otherwise.
//! * Only scalars are spilled with sizes below 8.
//! * Slots beyond `slots.len()` are all [`Byte::Invalid`].

use super::types::{Kind, Value};
use super::Lattice;

/// What is known about one stack byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Byte {
    /// Never written.
    Invalid,
    /// Written with something unknown.
    Misc,
    /// Known to be zero.
    Zero,
    /// Part of a spilled register.
    Spill,
}

/// One 8-byte slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    pub bytes: [Byte; 8],
    pub spill: Value,
}

impl Slot {
    pub const EMPTY: Slot = Slot {
        bytes: [Byte::Invalid; 8],
        spill: Value::UNINIT,
    };

    /// The spilled value and its size, if the slot holds a spill.
    pub fn spilled(&self) -> Option<(&Value, u32)> {
        if self.bytes[0] != Byte::Spill {
            return None;
        }
        let n = self.bytes.iter().take_while(|b| **b == Byte::Spill).count();
        Some((&self.spill, n as u32))
    }

    /// Drops a spill: spilled bytes (and everything else written) become
    /// `Misc`; never-written bytes stay `Invalid`.
    fn scrub(&mut self) {
        if self.bytes[0] == Byte::Spill {
            for b in &mut self.bytes {
                if *b != Byte::Invalid {
                    *b = Byte::Misc;
                }
            }
        }
        self.spill = Value::UNINIT;
    }
}

/// A stack frame.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Stack {
    slots: Vec<Slot>,
}

/// The slot index and byte index of a stack offset in `[-512, -1]`.
pub fn locate(off: i64) -> (usize, usize) {
    let spi = ((-off - 1) / 8) as usize;
    let base = -8 * (spi as i64 + 1);
    (spi, (off - base) as usize)
}

impl Stack {
    /// The slots allocated so far (index = slot number).
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Slot `spi` (an empty one if never touched).
    pub fn slot(&self, spi: usize) -> Slot {
        self.slots.get(spi).copied().unwrap_or(Slot::EMPTY)
    }

    fn slot_mut(&mut self, spi: usize) -> &mut Slot {
        if self.slots.len() <= spi {
            self.slots.resize(spi + 1, Slot::EMPTY);
        }
        &mut self.slots[spi]
    }

    /// The byte at `off`.
    pub fn byte(&self, off: i64) -> Byte {
        let (spi, b) = locate(off);
        self.slots.get(spi).map_or(Byte::Invalid, |s| s.bytes[b])
    }

    /// Spills `value` (of which `size` low bytes are stored) into the slot
    /// starting at the 8-aligned offset `off`.
    pub fn spill(&mut self, off: i64, size: u32, value: Value) {
        let (spi, _) = locate(off);
        let slot = self.slot_mut(spi);
        slot.spill = value;
        for (i, b) in slot.bytes.iter_mut().enumerate() {
            if (i as u32) < size {
                *b = Byte::Spill;
            } else if *b == Byte::Spill {
                *b = Byte::Misc;
            }
        }
    }

    /// A plain store of `size` bytes at `off` (not a spill): the touched
    /// slots lose their spills, the bytes become `Zero` or `Misc`.
    pub fn store(&mut self, off: i64, size: u32, zero: bool) {
        for o in off..off + size as i64 {
            let (spi, b) = locate(o);
            let slot = self.slot_mut(spi);
            slot.scrub();
            slot.bytes[b] = if zero { Byte::Zero } else { Byte::Misc };
        }
    }

    /// A store at an unknown offset in `[lo, hi)`: every byte may have been
    /// written. Bytes already `Zero` stay so when a zero is written.
    pub fn store_anywhere(&mut self, lo: i64, hi: i64, zero: bool) {
        for o in lo..hi {
            let (spi, b) = locate(o);
            let slot = self.slot_mut(spi);
            if slot.bytes[0] == Byte::Spill
                && zero
                && slot.spill.kind == Kind::Scalar
                && slot.spill.var.is_const_eq(0)
            {
                continue;
            }
            slot.scrub();
            if !(zero && slot.bytes[b] == Byte::Zero) {
                slot.bytes[b] = Byte::Misc;
            }
        }
    }

    /// Marks `[lo, hi)` as written with unknown data by a helper.
    pub fn clobber(&mut self, lo: i64, hi: i64) {
        for o in lo..hi {
            let (spi, b) = locate(o);
            let slot = self.slot_mut(spi);
            slot.scrub();
            slot.bytes[b] = Byte::Misc;
        }
    }

    /// Every spilled value, mutable (for id-based refinement).
    pub fn spills_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.slots
            .iter_mut()
            .filter(|s| s.bytes[0] == Byte::Spill)
            .map(|s| &mut s.spill)
    }

    /// Every spilled value.
    pub fn spills(&self) -> impl Iterator<Item = &Value> {
        self.slots
            .iter()
            .filter(|s| s.bytes[0] == Byte::Spill)
            .map(|s| &s.spill)
    }

    /// Widens the scalar spilled in slot `spi` against `old`'s spill of the
    /// same size (see [`Lattice::widen`]).
    pub fn widen_spill(&mut self, spi: usize, old: &Slot) {
        let Some(slot) = self.slots.get_mut(spi) else {
            return;
        };
        let (Some((ov, on)), Some((nv, nn))) = (old.spilled(), slot.spilled()) else {
            return;
        };
        if on == nn && ov.kind == Kind::Scalar && nv.kind == Kind::Scalar && ov.var != nv.var {
            let w = ov.var.widen(&nv.var);
            slot.spill.var = w;
            slot.spill.id = 0;
            slot.spill.off = 0;
        }
    }

    /// Drops slots that hold nothing, so equal stacks compare equal.
    pub fn trim(&mut self) {
        while self.slots.last() == Some(&Slot::EMPTY) {
            self.slots.pop();
        }
    }
}

impl Lattice for Stack {
    fn top() -> Self {
        Stack::default()
    }

    /// Byte-wise: equal bytes stay, differing ones become `Misc` if both
    /// are written, `Invalid` otherwise; spills survive only when equal.
    fn join(&self, o: &Self) -> Self {
        let n = self.slots.len().max(o.slots.len());
        let mut out = Stack::default();
        for spi in 0..n {
            let (a, b) = (self.slot(spi), o.slot(spi));
            let mut s = Slot::EMPTY;
            let same_spill = a.bytes[0] == Byte::Spill
                && b.bytes[0] == Byte::Spill
                && a.spilled().map(|x| x.1) == b.spilled().map(|x| x.1);
            let joined_spill = if same_spill {
                a.spill.join(&b.spill)
            } else {
                Value::UNINIT
            };
            for i in 0..8 {
                s.bytes[i] = match (a.bytes[i], b.bytes[i]) {
                    (Byte::Spill, Byte::Spill) if joined_spill.is_init() => Byte::Spill,
                    (x, y) if x == y && x != Byte::Spill => x,
                    (Byte::Invalid, _) | (_, Byte::Invalid) => Byte::Invalid,
                    _ => Byte::Misc,
                };
            }
            if s.bytes[0] == Byte::Spill {
                s.spill = joined_spill;
            }
            out.slots.push(s);
        }
        out.trim();
        out
    }

    fn meet(&self, o: &Self) -> Option<Self> {
        if self.le(o) {
            Some(self.clone())
        } else if o.le(self) {
            Some(o.clone())
        } else {
            None
        }
    }

    fn widen(&self, o: &Self) -> Self {
        self.join(o)
    }

    /// `self ⊑ o` where reading an `Invalid` byte is an error (so `Invalid`
    /// in `o` covers anything).
    fn le(&self, o: &Self) -> bool {
        let n = self.slots.len().max(o.slots.len());
        (0..n).all(|spi| {
            let (a, b) = (self.slot(spi), o.slot(spi));
            if let Some((bv, bn)) = b.spilled() {
                let Some((av, an)) = a.spilled() else {
                    return false;
                };
                if an != bn || !av.le(bv) {
                    return false;
                }
            }
            (0..8).all(|i| match (a.bytes[i], b.bytes[i]) {
                (_, Byte::Invalid) => true,
                (x, y) if x == y => true,
                (Byte::Zero, Byte::Misc) => true,
                (Byte::Spill, Byte::Misc) => a.spill.kind == Kind::Scalar,
                _ => false,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_offsets() {
        assert_eq!(locate(-8), (0, 0));
        assert_eq!(locate(-1), (0, 7));
        assert_eq!(locate(-9), (1, 7));
        assert_eq!(locate(-512), (63, 0));
    }

    #[test]
    fn spill_and_overwrite() {
        let mut s = Stack::default();
        s.spill(-8, 8, Value::constant(7));
        assert_eq!(
            s.slot(0).spilled().map(|(v, n)| (v.as_const(), n)),
            Some((Some(7), 8))
        );
        s.store(-4, 2, false);
        assert!(s.slot(0).spilled().is_none());
        assert_eq!(s.byte(-8), Byte::Misc);
        s.store(-16, 8, true);
        assert_eq!(s.byte(-10), Byte::Zero);
        let t = Stack::default();
        assert!(s.le(&t), "an empty stack covers anything");
        assert!(!t.le(&s));
        assert!(s.le(&s.join(&t)) && t.le(&s.join(&t)));
    }
}
