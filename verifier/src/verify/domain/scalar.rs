//! The scalar domain: a [`Tnum`] together with unsigned and signed bounds
//! of the 64-bit value (`u`, `s`) and of its low 32 bits (`wu`, `ws`).
//!
//! Invariant (after [`Scalar::sync`]): the five components describe the
//! same set, each as tightly as the others allow: the bounds contain the
//! tnum's extremes, the tnum has no bit that contradicts the bounds, and the
//! 32-bit bounds agree with the 64-bit ones wherever one determines the
//! other. Every abstract operation returns a synced scalar.
//!
//! The operations follow the precision of the Linux 6.18 verifier on
//! purpose (multiplication is tracked while the corner products do not
//! overflow, shifts only by constants, division and modulo give an unknown
//! 64-bit value even in 32-bit form): being more
//! precise than the kernel would make Palisade accept programs the kernel
//! then refuses to load.

use super::interval::Interval;
use super::tnum::Tnum;
use super::Lattice;
use std::fmt;

/// An abstract 64-bit scalar.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scalar {
    pub var: Tnum,
    pub u: Interval<u64>,
    pub s: Interval<i64>,
    pub wu: Interval<u32>,
    pub ws: Interval<i32>,
}

/// Operand width of an abstract operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bits {
    B32,
    B64,
}

fn u64_half_ok(min: u64, max: u64) -> bool {
    (min as i64) <= (max as i64)
}

impl Scalar {
    /// Any 64-bit value.
    pub const fn unknown() -> Scalar {
        Scalar {
            var: Tnum::UNKNOWN,
            u: Interval::full(),
            s: Interval::full(),
            wu: Interval::full(),
            ws: Interval::full(),
        }
    }

    /// Exactly `v`.
    pub const fn constant(v: u64) -> Scalar {
        Scalar {
            var: Tnum::constant(v),
            u: Interval::constant(v),
            s: Interval::constant(v as i64),
            wu: Interval::constant(v as u32),
            ws: Interval::constant(v as u32 as i32),
        }
    }

    /// Any value in the unsigned range `[min, max]` (`None` if empty).
    pub fn urange(min: u64, max: u64) -> Option<Scalar> {
        let mut s = Scalar::unknown();
        s.u = Interval::new(min, max)?;
        s.synced()
    }

    /// Any value in the signed range `[min, max]` (`None` if empty).
    pub fn srange(min: i64, max: i64) -> Option<Scalar> {
        let mut s = Scalar::unknown();
        s.s = Interval::new(min, max)?;
        s.synced()
    }

    /// Any value that fits in `bytes` bytes, zero-extended.
    pub fn unknown_bytes(bytes: u32) -> Scalar {
        if bytes >= 8 {
            return Scalar::unknown();
        }
        let max = (1u64 << (bytes * 8)) - 1;
        Scalar::urange(0, max).unwrap_or(Scalar::unknown())
    }

    /// The value if it is known exactly.
    pub fn as_const(&self) -> Option<u64> {
        self.var.is_const().then_some(self.var.value())
    }

    /// The low 32 bits if they are known exactly.
    pub fn as_const32(&self) -> Option<u32> {
        let sub = self.var.subreg();
        sub.is_const().then_some(sub.value() as u32)
    }

    /// Whether this is exactly `v`.
    pub fn is_const_eq(&self, v: u64) -> bool {
        self.as_const() == Some(v)
    }

    /// Whether the value may be `v`.
    pub fn may_be(&self, v: u64) -> bool {
        self.var.contains(v)
            && self.u.contains(v)
            && self.s.contains(v as i64)
            && self.wu.contains(v as u32)
            && self.ws.contains(v as u32 as i32)
    }

    /// Whether the value may be 0 in the given width.
    pub fn may_be_zero(&self, bits: Bits) -> bool {
        match bits {
            Bits::B64 => self.may_be(0),
            Bits::B32 => self.var.subreg().contains(0) && self.wu.contains(0),
        }
    }

    /// Re-establishes the invariant; `None` when the components have no
    /// common value (the path is infeasible).
    pub fn synced(mut self) -> Option<Scalar> {
        self.sync().then_some(self)
    }

    /// Tightens every component from the others. Returns `false` when
    /// they contradict each other.
    pub fn sync(&mut self) -> bool {
        for _ in 0..3 {
            let before = *self;
            if !self.sync_once() {
                return false;
            }
            if *self == before {
                break;
            }
        }
        true
    }

    fn sync_once(&mut self) -> bool {
        macro_rules! tighten {
            ($field:expr, $min:expr, $max:expr) => {
                match $field.clamp($min, $max) {
                    Some(v) => $field = v,
                    None => return false,
                }
            };
        }
        // tnum -> bounds
        let v = self.var;
        tighten!(self.u, v.umin(), v.umax());
        tighten!(self.s, v.smin(), v.smax());
        let w = v.subreg();
        tighten!(self.wu, w.umin() as u32, w.umax() as u32);
        let ws_min = (w.value() | (w.mask() & 0x8000_0000)) as u32 as i32;
        let ws_max = (w.value() | (w.mask() & 0x7fff_ffff)) as u32 as i32;
        tighten!(self.ws, ws_min, ws_max);

        // 64 -> 32
        if self.u.min >> 32 == self.u.max >> 32 {
            tighten!(self.wu, self.u.min as u32, self.u.max as u32);
            if (self.u.min as i32) <= (self.u.max as i32) {
                tighten!(self.ws, self.u.min as i32, self.u.max as i32);
            }
        } else if (self.u.min >> 32).wrapping_add(1) == self.u.max >> 32
            && (self.u.min as i32) < 0
            && (self.u.max as i32) >= 0
        {
            tighten!(self.ws, self.u.min as i32, self.u.max as i32);
        }
        if self.s.min >> 32 == self.s.max >> 32 {
            tighten!(self.wu, self.s.min as u32, self.s.max as u32);
            if (self.s.min as i32) <= (self.s.max as i32) {
                tighten!(self.ws, self.s.min as i32, self.s.max as i32);
            }
        } else if (self.s.min >> 32).wrapping_add(1) == self.s.max >> 32
            && (self.s.min as i32) < 0
            && (self.s.max as i32) >= 0
        {
            tighten!(self.ws, self.s.min as i32, self.s.max as i32);
        }

        // 32 <-> 32
        if (self.wu.min as i32) <= (self.wu.max as i32) {
            tighten!(self.ws, self.wu.min as i32, self.wu.max as i32);
        }
        if (self.ws.min as u32) <= (self.ws.max as u32) {
            tighten!(self.wu, self.ws.min as u32, self.ws.max as u32);
        } else {
            // ws covers [ws.min as u32, MAX] ∪ [0, ws.max as u32].
            let low = self.wu.clamp(0, self.ws.max as u32);
            let high = self.wu.clamp(self.ws.min as u32, u32::MAX);
            match (low, high) {
                (None, None) => return false,
                (Some(l), None) => self.wu = l,
                (None, Some(h)) => self.wu = h,
                (Some(_), Some(_)) => {}
            }
            if (self.wu.min as i32) <= (self.wu.max as i32) {
                tighten!(self.ws, self.wu.min as i32, self.wu.max as i32);
            }
        }

        // 64 <-> 64
        if u64_half_ok(self.u.min, self.u.max) {
            tighten!(self.s, self.u.min as i64, self.u.max as i64);
        }
        if (self.s.min as u64) <= (self.s.max as u64) {
            tighten!(self.u, self.s.min as u64, self.s.max as u64);
        } else {
            let low = self.u.clamp(0, self.s.max as u64);
            let high = self.u.clamp(self.s.min as u64, u64::MAX);
            match (low, high) {
                (None, None) => return false,
                (Some(l), None) => self.u = l,
                (None, Some(h)) => self.u = h,
                (Some(_), Some(_)) => {}
            }
            if u64_half_ok(self.u.min, self.u.max) {
                tighten!(self.s, self.u.min as i64, self.u.max as i64);
            }
        }

        // 32 -> 64: within one high word, 64-bit order is the order of the
        // low words.
        const HI: u64 = !0xffff_ffff;
        let lo_min = self.wu.min as u64;
        let lo_max = self.wu.max as u64;
        tighten!(
            self.u,
            (self.u.min & HI) | lo_min,
            (self.u.max & HI) | lo_max
        );
        tighten!(
            self.s,
            ((self.s.min as u64 & HI) | lo_min) as i64,
            ((self.s.max as u64 & HI) | lo_max) as i64
        );
        if (self.ws.min as u32) <= (self.ws.max as u32) {
            let lo_min = self.ws.min as u32 as u64;
            let lo_max = self.ws.max as u32 as u64;
            tighten!(
                self.u,
                (self.u.min & HI) | lo_min,
                (self.u.max & HI) | lo_max
            );
            tighten!(
                self.s,
                ((self.s.min as u64 & HI) | lo_min) as i64,
                ((self.s.max as u64 & HI) | lo_max) as i64
            );
        }
        // A value within the s32 range equals its sign-extended low word.
        if self.s.min >= i32::MIN as i64 && self.s.max <= i32::MAX as i64 {
            tighten!(self.s, self.ws.min as i64, self.ws.max as i64);
        }

        // bounds -> tnum
        let Some(v64) = self.var.intersect(Tnum::range(self.u.min, self.u.max)) else {
            return false;
        };
        let Some(v32) = v64
            .subreg()
            .intersect(Tnum::range(self.wu.min as u64, self.wu.max as u64))
        else {
            return false;
        };
        self.var = v64.with_subreg(v32);
        true
    }

    /// The low 32 bits, zero-extended to 64 (what every 32-bit ALU
    /// operation does to its result).
    pub fn zext32(&self) -> Scalar {
        let mut r = Scalar::unknown();
        r.var = self.var.subreg();
        r.wu = self.wu;
        r.ws = self.ws;
        r.u = Interval::new(self.wu.min as u64, self.wu.max as u64).unwrap_or(Interval::full());
        r.s = Interval::new(self.wu.min as i64, self.wu.max as i64).unwrap_or(Interval::full());
        r.synced().unwrap_or(Scalar::unknown_bytes(4))
    }

    /// The low `bytes` bytes, zero-extended (narrow loads, `(u16)` casts).
    pub fn truncate(&self, bytes: u32) -> Scalar {
        if bytes >= 8 {
            return *self;
        }
        let max = (1u64 << (bytes * 8)) - 1;
        if self.u.max <= max {
            return *self;
        }
        let mut r = Scalar::unknown_bytes(bytes);
        r.var = self.var.cast(bytes);
        if self.u.min & !max == self.u.max & !max {
            r.u = Interval::new(self.u.min & max, self.u.max & max).unwrap_or(r.u);
        }
        r.synced().unwrap_or(Scalar::unknown_bytes(bytes))
    }

    /// The low `bytes` bytes, sign-extended to 64 bits.
    pub fn sext(&self, bytes: u32) -> Scalar {
        if bytes >= 8 {
            return *self;
        }
        let bits = bytes * 8;
        let smin = -(1i64 << (bits - 1));
        let smax = (1i64 << (bits - 1)) - 1;
        if self.s.min >= smin && self.s.max <= smax {
            return *self;
        }
        let low = self.var.cast(bytes);
        let sign = 1u64 << (bits - 1);
        let upper = !((1u64 << bits) - 1);
        let var = if low.mask() & sign != 0 {
            Tnum::new(low.value(), low.mask() | upper)
        } else if low.value() & sign != 0 {
            Tnum::new(low.value() | upper, low.mask())
        } else {
            low
        };
        let mut r = Scalar::unknown();
        r.var = var;
        r.s = Interval::new(smin, smax).unwrap_or(Interval::full());
        r.synced().unwrap_or(Scalar::unknown())
    }

    /// Byte swap of the low `bits` bits (16, 32, 64), zero-extended.
    pub fn bswap(&self, bits: u32) -> Scalar {
        let mut r = Scalar::unknown();
        r.var = self.var.bswap(bits);
        r.synced().unwrap_or(Scalar::unknown())
    }

    /// Two's complement negation in the given width.
    pub fn neg(&self, bits: Bits) -> Scalar {
        Scalar::constant(0).binop(ScalarOp::Sub, self, bits)
    }

    /// The low 32 bits viewed as a 64-bit scalar with the same 32-bit
    /// bounds (used for 32-bit comparisons).
    pub fn low32(&self) -> Scalar {
        self.zext32()
    }

    /// Whether the 64-bit value is known to fit in 32 bits unsigned.
    pub fn fits_u32(&self) -> bool {
        self.u.max <= u32::MAX as u64
    }
}

impl Lattice for Scalar {
    fn top() -> Self {
        Scalar::unknown()
    }
    fn join(&self, o: &Self) -> Self {
        let mut r = Scalar {
            var: self.var.join(&o.var),
            u: self.u.join(&o.u),
            s: self.s.join(&o.s),
            wu: self.wu.join(&o.wu),
            ws: self.ws.join(&o.ws),
        };
        if !r.sync() {
            return Scalar::unknown();
        }
        r
    }
    fn meet(&self, o: &Self) -> Option<Self> {
        Scalar {
            var: self.var.meet(&o.var)?,
            u: self.u.meet(&o.u)?,
            s: self.s.meet(&o.s)?,
            wu: self.wu.meet(&o.wu)?,
            ws: self.ws.meet(&o.ws)?,
        }
        .synced()
    }
    fn widen(&self, o: &Self) -> Self {
        let mut r = Scalar {
            var: self.var.widen(&o.var),
            u: self.u.widen(&o.u),
            s: self.s.widen(&o.s),
            wu: self.wu.widen(&o.wu),
            ws: self.ws.widen(&o.ws),
        };
        if !r.sync() {
            return Scalar::unknown();
        }
        r
    }
    fn le(&self, o: &Self) -> bool {
        self.var.le(&o.var)
            && self.u.le(&o.u)
            && self.s.le(&o.s)
            && self.wu.le(&o.wu)
            && self.ws.le(&o.ws)
    }
}

impl fmt::Display for Scalar {
    /// Kernel-log style: `5`, or `scalar(umax=255,var_off=(0x0; 0xff))`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = self.as_const() {
            return write!(f, "{}", c as i64);
        }
        let mut parts = Vec::new();
        if self.s.min != i64::MIN {
            parts.push(format!("smin={}", self.s.min));
        }
        if self.s.max != i64::MAX {
            parts.push(format!("smax={}", self.s.max));
        }
        if self.u.min != 0 {
            parts.push(format!("umin={}", self.u.min));
        }
        if self.u.max != u64::MAX {
            parts.push(format!("umax={}", self.u.max));
        }
        if self.ws.min != i32::MIN {
            parts.push(format!("smin32={}", self.ws.min));
        }
        if self.ws.max != i32::MAX {
            parts.push(format!("smax32={}", self.ws.max));
        }
        if self.wu.min != 0 {
            parts.push(format!("umin32={}", self.wu.min));
        }
        if self.wu.max != u32::MAX {
            parts.push(format!("umax32={}", self.wu.max));
        }
        if self.var != Tnum::UNKNOWN {
            parts.push(format!("var_off={}", self.var));
        }
        write!(f, "scalar({})", parts.join(","))
    }
}

impl fmt::Debug for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Binary operations of the scalar domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarOp {
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
    Lsh,
    Rsh,
    Arsh,
    /// Division, modulo and anything else the domain does not track.
    Opaque,
}

impl Scalar {
    /// `self op rhs` in the given width. 32-bit results are zero-extended.
    pub fn binop(&self, op: ScalarOp, rhs: &Scalar, bits: Bits) -> Scalar {
        match bits {
            Bits::B64 => self.binop64(op, rhs),
            Bits::B32 => self.binop32(op, rhs),
        }
    }

    fn binop64(&self, op: ScalarOp, b: &Scalar) -> Scalar {
        let a = self;
        let mut r = Scalar::unknown();
        match op {
            ScalarOp::Add => {
                r.var = a.var.add(b.var);
                if let (Some(lo), Some(hi)) =
                    (a.u.min.checked_add(b.u.min), a.u.max.checked_add(b.u.max))
                {
                    r.u = Interval { min: lo, max: hi };
                }
                if let (Some(lo), Some(hi)) =
                    (a.s.min.checked_add(b.s.min), a.s.max.checked_add(b.s.max))
                {
                    r.s = Interval { min: lo, max: hi };
                }
                add32(a, b, &mut r);
            }
            ScalarOp::Sub => {
                r.var = a.var.sub(b.var);
                if a.u.min >= b.u.max {
                    r.u = Interval {
                        min: a.u.min - b.u.max,
                        max: a.u.max - b.u.min,
                    };
                }
                if let (Some(lo), Some(hi)) =
                    (a.s.min.checked_sub(b.s.max), a.s.max.checked_sub(b.s.min))
                {
                    r.s = Interval { min: lo, max: hi };
                }
                sub32(a, b, &mut r);
            }
            ScalarOp::Mul => {
                r.var = a.var.mul(b.var);
                if let (Some(lo), Some(hi)) =
                    (a.u.min.checked_mul(b.u.min), a.u.max.checked_mul(b.u.max))
                {
                    r.u = Interval { min: lo, max: hi };
                }
                let corners = [
                    a.s.min.checked_mul(b.s.min),
                    a.s.min.checked_mul(b.s.max),
                    a.s.max.checked_mul(b.s.min),
                    a.s.max.checked_mul(b.s.max),
                ];
                if corners.iter().all(Option::is_some) {
                    let c = corners.map(|x| x.unwrap_or(0));
                    r.s = Interval {
                        min: c.iter().copied().min().unwrap_or(i64::MIN),
                        max: c.iter().copied().max().unwrap_or(i64::MAX),
                    };
                }
                mul32(a, b, &mut r);
            }
            ScalarOp::And => {
                r.var = a.var.and(b.var);
                r.u = Interval {
                    min: 0,
                    max: a.u.max.min(b.u.max),
                };
                r.wu = Interval {
                    min: 0,
                    max: a.wu.max.min(b.wu.max),
                };
            }
            ScalarOp::Or => {
                r.var = a.var.or(b.var);
                r.u = Interval {
                    min: a.u.min.max(b.u.min),
                    max: u64::MAX,
                };
                r.wu = Interval {
                    min: a.wu.min.max(b.wu.min),
                    max: u32::MAX,
                };
            }
            ScalarOp::Xor => {
                r.var = a.var.xor(b.var);
            }
            ScalarOp::Lsh | ScalarOp::Rsh | ScalarOp::Arsh => {
                let Some(k) = b.as_const().filter(|k| *k < 64) else {
                    return Scalar::unknown();
                };
                let k = k as u32;
                match op {
                    ScalarOp::Lsh => {
                        r.var = a.var.shl(k);
                        if k == 0 || a.u.max >> (64 - k) == 0 {
                            r.u = Interval {
                                min: a.u.min << k,
                                max: a.u.max << k,
                            };
                        }
                    }
                    ScalarOp::Rsh => {
                        r.var = a.var.shr(k);
                        r.u = Interval {
                            min: a.u.min >> k,
                            max: a.u.max >> k,
                        };
                    }
                    _ => {
                        r.var = a.var.sar(k, 64);
                        r.s = Interval {
                            min: a.s.min >> k,
                            max: a.s.max >> k,
                        };
                    }
                }
            }
            ScalarOp::Opaque => return Scalar::unknown(),
        }
        r.synced().unwrap_or(Scalar::unknown())
    }

    fn binop32(&self, op: ScalarOp, b: &Scalar) -> Scalar {
        let a = self;
        let mut r = Scalar::unknown();
        match op {
            ScalarOp::Add => {
                r.var = a.var.add(b.var).subreg();
                add32(a, b, &mut r);
            }
            ScalarOp::Sub => {
                r.var = a.var.sub(b.var).subreg();
                sub32(a, b, &mut r);
            }
            ScalarOp::Mul => {
                r.var = a.var.mul(b.var).subreg();
                mul32(a, b, &mut r);
            }
            ScalarOp::And => {
                r.var = a.var.and(b.var).subreg();
                r.wu = Interval {
                    min: 0,
                    max: a.wu.max.min(b.wu.max),
                };
            }
            ScalarOp::Or => {
                r.var = a.var.or(b.var).subreg();
                r.wu = Interval {
                    min: a.wu.min.max(b.wu.min),
                    max: u32::MAX,
                };
            }
            ScalarOp::Xor => {
                r.var = a.var.xor(b.var).subreg();
            }
            ScalarOp::Lsh | ScalarOp::Rsh | ScalarOp::Arsh => {
                let Some(k) = b.as_const32().filter(|k| *k < 32) else {
                    return Scalar::unknown_bytes(4);
                };
                let sub = a.var.subreg();
                match op {
                    ScalarOp::Lsh => {
                        r.var = sub.shl(k).subreg();
                        if k == 0 || a.wu.max >> (32 - k) == 0 {
                            r.wu = Interval {
                                min: a.wu.min << k,
                                max: a.wu.max << k,
                            };
                        }
                    }
                    ScalarOp::Rsh => {
                        r.var = sub.shr(k);
                        r.wu = Interval {
                            min: a.wu.min >> k,
                            max: a.wu.max >> k,
                        };
                    }
                    _ => {
                        r.var = sub.sar(k, 32);
                        r.ws = Interval {
                            min: a.ws.min >> k,
                            max: a.ws.max >> k,
                        };
                    }
                }
            }
            ScalarOp::Opaque => return Scalar::unknown(),
        }
        // Zero extension: the high word is 0.
        r.var = r.var.subreg();
        r.u = Interval {
            min: 0,
            max: u32::MAX as u64,
        };
        r.s = Interval {
            min: 0,
            max: u32::MAX as i64,
        };
        r.synced().unwrap_or(Scalar::unknown_bytes(4))
    }
}

fn add32(a: &Scalar, b: &Scalar, r: &mut Scalar) {
    if let (Some(lo), Some(hi)) = (
        a.wu.min.checked_add(b.wu.min),
        a.wu.max.checked_add(b.wu.max),
    ) {
        r.wu = Interval { min: lo, max: hi };
    }
    if let (Some(lo), Some(hi)) = (
        a.ws.min.checked_add(b.ws.min),
        a.ws.max.checked_add(b.ws.max),
    ) {
        r.ws = Interval { min: lo, max: hi };
    }
}

fn sub32(a: &Scalar, b: &Scalar, r: &mut Scalar) {
    if a.wu.min >= b.wu.max {
        r.wu = Interval {
            min: a.wu.min - b.wu.max,
            max: a.wu.max - b.wu.min,
        };
    }
    if let (Some(lo), Some(hi)) = (
        a.ws.min.checked_sub(b.ws.max),
        a.ws.max.checked_sub(b.ws.min),
    ) {
        r.ws = Interval { min: lo, max: hi };
    }
}

fn mul32(a: &Scalar, b: &Scalar, r: &mut Scalar) {
    if let (Some(lo), Some(hi)) = (
        a.wu.min.checked_mul(b.wu.min),
        a.wu.max.checked_mul(b.wu.max),
    ) {
        r.wu = Interval { min: lo, max: hi };
    }
    let corners = [
        a.ws.min.checked_mul(b.ws.min),
        a.ws.min.checked_mul(b.ws.max),
        a.ws.max.checked_mul(b.ws.min),
        a.ws.max.checked_mul(b.ws.max),
    ];
    if corners.iter().all(Option::is_some) {
        let c = corners.map(|x| x.unwrap_or(0));
        r.ws = Interval {
            min: c.iter().copied().min().unwrap_or(i32::MIN),
            max: c.iter().copied().max().unwrap_or(i32::MAX),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_scalar() -> impl Strategy<Value = (Scalar, Vec<u64>)> {
        // A scalar built from a range and some known bits, with sample
        // members drawn from it.
        (any::<u64>(), 0u64..300, any::<bool>()).prop_map(|(base, len, neg)| {
            let lo = if neg { base | (1 << 63) } else { base % 1000 };
            let hi = lo.saturating_add(len);
            let s = Scalar::urange(lo, hi).unwrap();
            let samples = vec![lo, hi, lo + (hi - lo) / 3, lo + (hi - lo) / 2];
            (s, samples)
        })
    }

    fn check_member(s: &Scalar, v: u64) -> bool {
        s.may_be(v)
    }

    proptest! {
        #[test]
        fn binops_sound((a, xs) in arb_scalar(), (b, ys) in arb_scalar(), k in 0u64..70) {
            let ops = [ScalarOp::Add, ScalarOp::Sub, ScalarOp::Mul, ScalarOp::And,
                       ScalarOp::Or, ScalarOp::Xor];
            for &x in &xs {
                for &y in &ys {
                    for op in ops {
                        let r64 = a.binop(op, &b, Bits::B64);
                        let r32 = a.binop(op, &b, Bits::B32);
                        let c64 = match op {
                            ScalarOp::Add => x.wrapping_add(y),
                            ScalarOp::Sub => x.wrapping_sub(y),
                            ScalarOp::Mul => x.wrapping_mul(y),
                            ScalarOp::And => x & y,
                            ScalarOp::Or => x | y,
                            _ => x ^ y,
                        };
                        let (x32, y32) = (x as u32, y as u32);
                        let c32 = match op {
                            ScalarOp::Add => x32.wrapping_add(y32),
                            ScalarOp::Sub => x32.wrapping_sub(y32),
                            ScalarOp::Mul => x32.wrapping_mul(y32),
                            ScalarOp::And => x32 & y32,
                            ScalarOp::Or => x32 | y32,
                            _ => x32 ^ y32,
                        } as u64;
                        prop_assert!(check_member(&r64, c64), "{op:?} {a} {b} {x} {y} -> {r64}");
                        prop_assert!(check_member(&r32, c32), "{op:?}32 {a} {b} {x} {y} -> {r32}");
                    }
                }
                let kc = Scalar::constant(k);
                if k < 64 {
                    prop_assert!(check_member(&a.binop(ScalarOp::Lsh, &kc, Bits::B64), x << k));
                    prop_assert!(check_member(&a.binop(ScalarOp::Rsh, &kc, Bits::B64), x >> k));
                    prop_assert!(check_member(&a.binop(ScalarOp::Arsh, &kc, Bits::B64), ((x as i64) >> k) as u64));
                }
                if k < 32 {
                    let x32 = x as u32;
                    prop_assert!(check_member(&a.binop(ScalarOp::Lsh, &kc, Bits::B32), (x32 << k) as u64));
                    prop_assert!(check_member(&a.binop(ScalarOp::Rsh, &kc, Bits::B32), (x32 >> k) as u64));
                    prop_assert!(check_member(&a.binop(ScalarOp::Arsh, &kc, Bits::B32), ((x32 as i32) >> k) as u32 as u64));
                }
                prop_assert!(check_member(&a.zext32(), x as u32 as u64));
                prop_assert!(check_member(&a.truncate(2), x & 0xffff));
                prop_assert!(check_member(&a.sext(1), x as u8 as i8 as i64 as u64));
                prop_assert!(check_member(&a.sext(4), x as u32 as i32 as i64 as u64));
            }
        }

        #[test]
        fn sync_keeps_members(lo in any::<i64>(), len in 0i64..100000) {
            let hi = lo.saturating_add(len);
            let s = Scalar::srange(lo, hi).unwrap();
            for v in [lo, hi, lo + (hi - lo) / 2] {
                prop_assert!(s.may_be(v as u64));
            }
        }
    }

    #[test]
    fn constants_fold() {
        let a = Scalar::constant(6);
        let b = Scalar::constant(7);
        assert_eq!(a.binop(ScalarOp::Mul, &b, Bits::B64).as_const(), Some(42));
        assert_eq!(
            Scalar::constant(u64::MAX)
                .binop(ScalarOp::Add, &Scalar::constant(2), Bits::B32)
                .as_const(),
            Some(1)
        );
        let r = Scalar::unknown().binop(ScalarOp::And, &Scalar::constant(0xff), Bits::B64);
        assert_eq!((r.u.min, r.u.max), (0, 255));
        assert_eq!((r.s.min, r.s.max), (0, 255));
    }

    #[test]
    fn contradiction_is_bottom() {
        let mut s = Scalar::constant(5);
        s.u = Interval::new(6, 9).unwrap();
        assert!(!s.sync());
    }
}
