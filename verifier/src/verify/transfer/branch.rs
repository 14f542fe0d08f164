//! Conditional jumps: which arms are feasible, and what each arm teaches.
//!
//! * Scalars: both arms are refined by intersecting with the condition (or
//!   its negation); an arm whose refinement is empty is infeasible and not
//!   explored. Registers linked to a refined one (copies, `+ K` of a copy)
//!   learn the same bound.
//! * `ptr == 0` / `ptr != 0` on a maybe-NULL pointer: in one arm every copy
//!   of the pointer (same id) becomes NULL (and a held reference is
//!   dropped), in the other it becomes a valid pointer. A pointer that can
//!   never be NULL compared with 0 decides the branch.
//! * Packet pointers against `data_end` (or `data_meta` against `data`):
//!   the arm where the access fits records the proved range on every
//!   packet pointer with the same base (Linux `find_good_pkt_pointers`).

use super::{Env, Next};
use crate::isa::{JmpCond, Operand, Reg, Width};
use crate::verify::domain::scalar::{Bits, Scalar, ScalarOp};
use crate::verify::domain::state::State;
use crate::verify::domain::tnum::Tnum;
use crate::verify::domain::types::{Kind, Value};
use crate::verify::domain::Lattice;
use crate::verify::error::ErrorKind;
use crate::verify::transfer::mem::MAX_PACKET_OFF;

/// A condition, including the negation of `&` (no common bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    Is(JmpCond),
    NotSet,
}

impl Cond {
    pub fn negate(self) -> Cond {
        match self {
            Cond::Is(JmpCond::Set) => Cond::NotSet,
            Cond::NotSet => Cond::Is(JmpCond::Set),
            Cond::Is(c) => Cond::Is(c.negate().unwrap_or(c)),
        }
    }

    /// The condition with its operands swapped (`a < b` is `b > a`).
    fn swapped(self) -> Cond {
        use JmpCond::*;
        match self {
            Cond::Is(Gt) => Cond::Is(Lt),
            Cond::Is(Ge) => Cond::Is(Le),
            Cond::Is(Lt) => Cond::Is(Gt),
            Cond::Is(Le) => Cond::Is(Ge),
            Cond::Is(SGt) => Cond::Is(SLt),
            Cond::Is(SGe) => Cond::Is(SLe),
            Cond::Is(SLt) => Cond::Is(SGt),
            Cond::Is(SLe) => Cond::Is(SGe),
            c => c,
        }
    }
}

/// Packet range markers for pointers known to be at or beyond `data_end`.
pub const AT_PKT_END: u32 = -1i32 as u32;
pub const BEYOND_PKT_END: u32 = -2i32 as u32;

/// `if dst cond src goto target`.
#[allow(clippy::too_many_arguments)]
pub fn cond_jump(
    _env: &mut Env<'_>,
    st: State,
    idx: usize,
    width: Width,
    cond: JmpCond,
    dst: Reg,
    src: Operand,
    target: usize,
) -> Result<Next, ErrorKind> {
    let next = idx + 1;
    let a = *st.reg(dst);
    let (b, src_reg) = match src {
        Operand::Reg(r) => (*st.reg(r), Some(r)),
        Operand::Imm(i) => (
            Value::constant(match width {
                Width::W64 => i as i64 as u64,
                Width::W32 => i as u32 as u64,
            }),
            None,
        ),
    };
    let bits = match width {
        Width::W32 => Bits::B32,
        Width::W64 => Bits::B64,
    };
    let cond = Cond::Is(cond);

    let (taken, fall) = if a.kind == Kind::Scalar && b.kind == Kind::Scalar {
        let t = refine_state(st.clone(), dst, src_reg, &a, &b, cond, bits);
        let f = refine_state(st, dst, src_reg, &a, &b, cond.negate(), bits);
        (t, f)
    } else {
        pointer_branch(st, dst, src_reg, &a, &b, cond, width)
    };
    Ok(match (taken, fall) {
        (Some(t), Some(f)) => Next::Two(f, next, t, target),
        (Some(t), None) => Next::One(t, target),
        (None, Some(f)) => Next::One(f, next),
        // Both arms infeasible: the state itself was contradictory, which
        // a sound analysis never produces; treat the path as dead.
        (None, None) => Next::Dead,
    })
}

fn refine_state(
    mut st: State,
    dst: Reg,
    src_reg: Option<Reg>,
    a: &Value,
    b: &Value,
    cond: Cond,
    bits: Bits,
) -> Option<State> {
    let (ra, rb) = refine(cond, &a.var, &b.var, bits)?;
    set_scalar(&mut st, dst, a, ra);
    if let Some(s) = src_reg {
        if s != dst {
            set_scalar(&mut st, s, b, rb);
        } else {
            // `r1 op r1`: both refinements describe the same register.
            let both = ra.meet(&rb)?;
            set_scalar(&mut st, s, b, both);
        }
    }
    Some(st)
}

/// Writes a refined scalar into a register and into every register or
/// spill linked to it.
fn set_scalar(st: &mut State, r: Reg, old: &Value, new: Scalar) {
    let mut v = *old;
    v.var = new;
    *st.reg_mut(r) = v;
    if old.id == 0 {
        return;
    }
    let (id, base_off) = (old.id, old.off);
    st.for_each_value_mut(|x| {
        if x.kind == Kind::Scalar && x.id == id {
            let delta = x.off as i64 - base_off as i64;
            x.var = if delta == 0 {
                new
            } else {
                new.binop(ScalarOp::Add, &Scalar::constant(delta as u64), Bits::B64)
            };
        }
    });
}

/// Refines `a` and `b` assuming `a cond b` holds (in `bits` width).
/// `None` when it cannot hold.
pub fn refine(cond: Cond, a: &Scalar, b: &Scalar, bits: Bits) -> Option<(Scalar, Scalar)> {
    match bits {
        Bits::B64 => refine64(cond, a, b),
        Bits::B32 => {
            let signed = matches!(
                cond,
                Cond::Is(JmpCond::SGt | JmpCond::SGe | JmpCond::SLt | JmpCond::SLe)
            );
            let view = |s: &Scalar| {
                if signed {
                    s.zext32().sext(4)
                } else {
                    s.zext32()
                }
            };
            let (va, vb) = refine64(cond, &view(a), &view(b))?;
            Some((back32(a, &va, signed)?, back32(b, &vb, signed)?))
        }
    }
}

/// Applies what was learnt about the low 32 bits (`view`) to `orig`.
fn back32(orig: &Scalar, view: &Scalar, signed: bool) -> Option<Scalar> {
    let mut r = *orig;
    r.var = r
        .var
        .with_subreg(r.var.subreg().intersect(view.var.subreg())?);
    if signed {
        r.ws = r.ws.clamp(
            view.s.min.max(i32::MIN as i64) as i32,
            view.s.max.min(i32::MAX as i64) as i32,
        )?;
    } else {
        r.wu = r.wu.clamp(
            view.u.min.min(u32::MAX as u64) as u32,
            view.u.max.min(u32::MAX as u64) as u32,
        )?;
    }
    r.synced()
}

fn exclude(a: &Scalar, c: u64) -> Option<Scalar> {
    if a.as_const() == Some(c) {
        return None;
    }
    let mut r = *a;
    if r.u.min == c {
        r.u.min = c.checked_add(1)?;
    }
    if r.u.max == c {
        r.u.max = c.checked_sub(1)?;
    }
    if r.s.min == c as i64 {
        r.s.min = (c as i64).checked_add(1)?;
    }
    if r.s.max == c as i64 {
        r.s.max = (c as i64).checked_sub(1)?;
    }
    if r.u.min > r.u.max || r.s.min > r.s.max {
        return None;
    }
    r.synced()
}

fn refine64(cond: Cond, a: &Scalar, b: &Scalar) -> Option<(Scalar, Scalar)> {
    use JmpCond::*;
    let mut a = *a;
    let mut b = *b;
    match cond {
        Cond::Is(Eq) => {
            let m = a.meet(&b)?;
            return Some((m, m));
        }
        Cond::Is(Ne) => {
            if let Some(c) = b.as_const() {
                a = exclude(&a, c)?;
            }
            if let Some(c) = a.as_const() {
                b = exclude(&b, c)?;
            }
        }
        Cond::Is(Lt) => {
            a.u = a.u.clamp(0, b.u.max.checked_sub(1)?)?;
            b.u = b.u.clamp(a.u.min.checked_add(1)?, u64::MAX)?;
        }
        Cond::Is(Le) => {
            a.u = a.u.clamp(0, b.u.max)?;
            b.u = b.u.clamp(a.u.min, u64::MAX)?;
        }
        Cond::Is(SLt) => {
            a.s = a.s.clamp(i64::MIN, b.s.max.checked_sub(1)?)?;
            b.s = b.s.clamp(a.s.min.checked_add(1)?, i64::MAX)?;
        }
        Cond::Is(SLe) => {
            a.s = a.s.clamp(i64::MIN, b.s.max)?;
            b.s = b.s.clamp(a.s.min, i64::MAX)?;
        }
        Cond::Is(Gt | Ge | SGt | SGe) => {
            let (rb, ra) = refine64(cond.swapped(), &b, &a)?;
            return Some((ra, rb));
        }
        Cond::Is(Set) => {
            if let Some(c) = b.as_const() {
                a = set_bits(&a, c)?;
            } else if let Some(c) = a.as_const() {
                b = set_bits(&b, c)?;
            } else if a.var.umax() & b.var.umax() == 0 {
                return None;
            }
        }
        Cond::NotSet => {
            if let Some(c) = b.as_const() {
                a.var = a.var.intersect(Tnum::new(0, !c))?;
            } else if let Some(c) = a.as_const() {
                b.var = b.var.intersect(Tnum::new(0, !c))?;
            } else if a.var.and(b.var).umin() != 0 {
                return None;
            }
        }
    }
    Some((a.synced()?, b.synced()?))
}

/// `a & c != 0`: a single-bit mask makes the bit known.
fn set_bits(a: &Scalar, c: u64) -> Option<Scalar> {
    if a.var.umax() & c == 0 {
        return None;
    }
    let mut r = *a;
    if c.is_power_of_two() {
        r.var = r.var.intersect(Tnum::new(c, !c))?;
    }
    r.synced()
}

/// Branches where at least one operand is a pointer.
fn pointer_branch(
    st: State,
    dst: Reg,
    src_reg: Option<Reg>,
    a: &Value,
    b: &Value,
    cond: Cond,
    width: Width,
) -> (Option<State>, Option<State>) {
    let is64 = width == Width::W64;
    let eq_ne = matches!(cond, Cond::Is(JmpCond::Eq | JmpCond::Ne));
    // Packet pointers against data_end / data.
    if is64 {
        if let Some(src) = src_reg {
            if let Some(r) = packet_compare(&st, dst, src, a, b, cond) {
                return r;
            }
        }
    }
    // `ptr == 0` on a maybe-NULL pointer (immediate 0, 64-bit only): every
    // copy of the pointer learns the outcome.
    if is64 && eq_ne && src_reg.is_none() && a.kind.is_pointer() && a.nullable && b.is_null() {
        let null_arm = null_check(st.clone(), a, true);
        let valid_arm = null_check(st, a, false);
        return if cond == Cond::Is(JmpCond::Eq) {
            (Some(null_arm), Some(valid_arm))
        } else {
            (Some(valid_arm), Some(null_arm))
        };
    }
    // A pointer that can never be NULL against a constant 0 decides the
    // branch (either operand order, either width).
    let (ptr, other) = if a.kind.is_pointer() { (a, b) } else { (b, a) };
    if eq_ne
        && ptr.kind.is_pointer()
        && !other.kind.is_pointer()
        && !ptr.nullable
        && never_null(ptr.kind)
    {
        let zero = match width {
            Width::W64 => other.var.is_const_eq(0),
            Width::W32 => other.var.as_const32() == Some(0),
        };
        if zero {
            return if cond == Cond::Is(JmpCond::Eq) {
                (None, Some(st))
            } else {
                (Some(st), None)
            };
        }
    }
    // Two pointers, exactly one maybe-NULL: where they are equal, that one
    // register is not NULL.
    if is64 && eq_ne && a.kind.is_pointer() && b.kind.is_pointer() && a.nullable != b.nullable {
        if let Some(src) = src_reg {
            let r = if a.nullable { dst } else { src };
            let mut eq_arm = st.clone();
            eq_arm.reg_mut(r).nullable = false;
            return if cond == Cond::Is(JmpCond::Eq) {
                (Some(eq_arm), Some(st))
            } else {
                (Some(st), Some(eq_arm))
            };
        }
    }
    (Some(st.clone()), Some(st))
}

/// Pointer types that are never NULL when not marked maybe-NULL (Linux
/// `reg_not_null`: context, stack and packet pointers are not included).
fn never_null(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Socket | Kind::TcpSock | Kind::SockCommon | Kind::MapValue | Kind::Mem
    )
}

/// Resolves every copy of a maybe-NULL pointer: to NULL (dropping its
/// reference) or to a valid pointer.
fn null_check(mut st: State, ptr: &Value, is_null: bool) -> State {
    let id = ptr.id;
    if id == 0 {
        return st;
    }
    let ref_id = ptr.ref_id;
    st.for_each_value_mut(|v| {
        if v.kind.is_pointer() && v.nullable && v.id == id {
            if is_null {
                *v = Value::constant(0);
            } else {
                v.nullable = false;
                if v.ref_id == 0 {
                    v.id = 0;
                }
            }
        }
    });
    // Only the acquired pointer itself (not a cast of it) drops the
    // reference when it turns out NULL.
    if is_null && ref_id != 0 && ref_id == id {
        st.refs.retain(|r| r.id != ref_id);
    }
    st
}

fn is_init_packet(v: &Value) -> bool {
    v.kind == Kind::Packet && v.off == 0 && v.id == 0 && v.var.is_const_eq(0)
}

/// `pkt' op pkt_end` and friends. `None` when the operands are not such a
/// pair.
fn packet_compare(
    st: &State,
    dst: Reg,
    src: Reg,
    a: &Value,
    b: &Value,
    cond: Cond,
) -> Option<(Option<State>, Option<State>)> {
    use JmpCond::*;
    let data_left = (a.kind == Kind::Packet && b.kind == Kind::PacketEnd)
        || (a.kind == Kind::PacketMeta && is_init_packet(b));
    let data_right = (a.kind == Kind::PacketEnd && b.kind == Kind::Packet)
        || (is_init_packet(a) && b.kind == Kind::PacketMeta);
    if !data_left && !data_right {
        return None;
    }
    // Normalise to `p op end` where p is the packet pointer.
    let (p, preg, op) = if data_left {
        (a, dst, cond)
    } else {
        (b, src, cond.swapped())
    };
    let Cond::Is(op) = op else {
        return Some((Some(st.clone()), Some(st.clone())));
    };
    // Decided by an earlier comparison?
    if p.kind == Kind::Packet && (a.kind == Kind::PacketEnd || b.kind == Kind::PacketEnd) {
        let beyond = p.aux == BEYOND_PKT_END;
        let at_or_beyond = beyond || p.aux == AT_PKT_END;
        let decided = match op {
            Gt if beyond => Some(true),
            Le if beyond => Some(false),
            Ge if at_or_beyond => Some(true),
            Lt if at_or_beyond => Some(false),
            _ => None,
        };
        if let Some(t) = decided {
            return Some(if t {
                (Some(st.clone()), None)
            } else {
                (None, Some(st.clone()))
            });
        }
    }
    // (arm where p fits, open?, arm where p is past the end, beyond?)
    // taken = true means the jump-taken arm.
    let (good_taken, open, end_mark) = match op {
        Gt => (false, false, BEYOND_PKT_END),
        Lt => (true, true, AT_PKT_END),
        Ge => (false, true, AT_PKT_END),
        Le => (true, false, BEYOND_PKT_END),
        _ => return Some((Some(st.clone()), Some(st.clone()))),
    };
    let mut good = st.clone();
    good_packet_pointers(&mut good, p, open);
    let mut bad = st.clone();
    if p.kind == Kind::Packet {
        bad.reg_mut(preg).aux = end_mark;
    }
    Some(if good_taken {
        (Some(good), Some(bad))
    } else {
        (Some(bad), Some(good))
    })
}

/// Records that `p.off` (`+1` when `open`) bytes after every pointer
/// sharing `p`'s base are inside the packet.
fn good_packet_pointers(st: &mut State, p: &Value, open: bool) {
    if p.off < 0 || (p.off == 0 && open) {
        return;
    }
    if p.var.u.max > MAX_PACKET_OFF as u64 || p.var.u.max + p.off as u64 > MAX_PACKET_OFF as u64 {
        return;
    }
    let range = p.off as u32 + open as u32;
    let (kind, id) = (p.kind, p.id);
    st.for_each_value_mut(|v| {
        if v.kind == kind && v.id == id {
            let cur = v.aux as i32;
            if cur < range as i32 {
                v.aux = range;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(lo: u64, hi: u64) -> Scalar {
        Scalar::urange(lo, hi).unwrap()
    }

    #[test]
    fn refinements() {
        let (a, _) = refine(
            Cond::Is(JmpCond::Lt),
            &s(0, 100),
            &Scalar::constant(10),
            Bits::B64,
        )
        .unwrap();
        assert_eq!((a.u.min, a.u.max), (0, 9));
        let (a, _) = refine(
            Cond::Is(JmpCond::Ne),
            &s(0, 7),
            &Scalar::constant(0),
            Bits::B64,
        )
        .unwrap();
        assert_eq!(a.u.min, 1);
        assert!(refine(
            Cond::Is(JmpCond::Gt),
            &s(0, 7),
            &Scalar::constant(10),
            Bits::B64
        )
        .is_none());
        let even = Scalar::unknown().binop(ScalarOp::And, &Scalar::constant(6), Bits::B64);
        assert!(refine(
            Cond::Is(JmpCond::Eq),
            &even,
            &Scalar::constant(3),
            Bits::B64
        )
        .is_none());
        let (a, _) = refine(
            Cond::NotSet,
            &Scalar::unknown(),
            &Scalar::constant(0xff),
            Bits::B64,
        )
        .unwrap();
        assert_eq!(a.var.value() | a.var.mask(), !0xff);
        // 32-bit: only the low word is constrained.
        let (a, _) = refine(
            Cond::Is(JmpCond::Lt),
            &Scalar::unknown(),
            &Scalar::constant(16),
            Bits::B32,
        )
        .unwrap();
        assert_eq!((a.wu.min, a.wu.max), (0, 15));
        assert_eq!(a.u.max, 0xffff_ffff_0000_000f, "the high word is unknown");
        let (a, _) = refine(
            Cond::Is(JmpCond::SGt),
            &Scalar::unknown(),
            &Scalar::constant(-5i64 as u64),
            Bits::B64,
        )
        .unwrap();
        assert_eq!(a.s.min, -4);
    }
}
