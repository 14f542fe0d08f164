//! State pruning: does an already verified state cover a new one?
//!
//! `covers(old, new)` holds when every concrete machine state described by
//! `new` is also described by `old`, looking only at what can still matter:
//! registers that are live at the instruction (static liveness), every
//! stack byte, and the references held. Ids are compared up to renaming:
//! whatever `old` knows through shared ids (copies of a scalar, copies of a
//! maybe-NULL pointer, packet pointers with one base) must also hold in
//! `new`.
//!
//! Soundness argument: a state is only used for pruning once every path
//! from it has been explored and found safe and terminating; since
//! `γ(new) ⊆ γ(old)`, every execution from `new` is one of those.

use super::cfg::Cfg;
use super::domain::scalar::Scalar;
use super::domain::stack::{Byte, Slot, Stack};
use super::domain::state::State;
use super::domain::types::{Kind, Value};
use super::domain::Lattice;

/// Id correspondences found so far.
#[derive(Default)]
struct Ids {
    ptr: Vec<(u32, u32)>,
    scalar: Vec<(u32, u32, i64)>,
}

impl Ids {
    fn ptr(&mut self, old: u32, new: u32) -> bool {
        if old == 0 {
            return true;
        }
        if new == 0 {
            return false;
        }
        match self.ptr.iter().find(|(o, _)| *o == old) {
            Some(&(_, n)) => n == new,
            None => {
                if self.ptr.iter().any(|(_, n)| *n == new) {
                    // Two old ids cannot become one new id (a check of one
                    // would then resolve both).
                    return false;
                }
                self.ptr.push((old, new));
                true
            }
        }
    }

    fn scalar(&mut self, old: &Value, new: &Value) -> bool {
        if old.id == 0 {
            return true;
        }
        if new.id == 0 {
            return false;
        }
        let delta = new.off as i64 - old.off as i64;
        match self.scalar.iter().find(|(o, _, _)| *o == old.id) {
            Some(&(_, n, d)) => n == new.id && d == delta,
            None => {
                self.scalar.push((old.id, new.id, delta));
                true
            }
        }
    }
}

fn value_covers(old: &Value, new: &Value, ids: &mut Ids) -> bool {
    match old.kind {
        Kind::Uninit => true,
        Kind::Scalar => new.kind == Kind::Scalar && new.var.le(&old.var) && ids.scalar(old, new),
        _ => {
            if new.kind != old.kind
                || new.nullable != old.nullable
                || new.off != old.off
                || !new.var.le(&old.var)
            {
                return false;
            }
            let aux_ok = if old.kind.is_packet() {
                let (o, n) = (old.aux as i32, new.aux as i32);
                if o < 0 || n < 0 {
                    o == n
                } else {
                    o <= n
                }
            } else {
                old.aux == new.aux
            };
            aux_ok && ids.ptr(old.id, new.id) && ids.ptr(old.ref_id, new.ref_id)
        }
    }
}

/// Whether an old spilled scalar is so imprecise that plain written bytes
/// are as good.
fn spill_is_any(v: &Value, size: u32) -> bool {
    v.kind == Kind::Scalar && v.id == 0 && Scalar::unknown_bytes(size).le(&v.var)
}

fn byte_covers(old: Byte, new: Byte, new_slot: &Slot, allow_uninit: bool) -> bool {
    let new_spill_scalar = new_slot.spill.kind == Kind::Scalar;
    match (old, new) {
        (Byte::Invalid, Byte::Spill) => !allow_uninit || new_spill_scalar,
        (Byte::Invalid, _) => true,
        (Byte::Misc, Byte::Invalid) => allow_uninit,
        (Byte::Misc, Byte::Misc | Byte::Zero) => true,
        (Byte::Misc, Byte::Spill) => new_spill_scalar,
        (Byte::Zero, Byte::Zero) => true,
        _ => false,
    }
}

fn stack_covers(
    old: &Stack,
    new: &Stack,
    ids: &mut Ids,
    allow_uninit: bool,
    read: Option<u64>,
) -> bool {
    let n = old.slots().len().max(new.slots().len());
    for spi in 0..n {
        if let Some(mask) = read {
            if spi >= 64 || mask & (1u64 << spi) == 0 {
                // No path from `old` reads this slot before overwriting it.
                continue;
            }
        }
        let (o, nw) = (old.slot(spi), new.slot(spi));
        let mut start = 0;
        if let Some((ov, on)) = o.spilled() {
            match nw.spilled() {
                Some((nv, nn)) if nn == on => {
                    if !value_covers(ov, nv, ids) {
                        return false;
                    }
                    start = on as usize;
                }
                _ => {
                    if !spill_is_any(ov, on) {
                        return false;
                    }
                    // Treat the old spill as plain written bytes.
                    for i in 0..on as usize {
                        if !byte_covers(Byte::Misc, nw.bytes[i], &nw, allow_uninit) {
                            return false;
                        }
                    }
                    start = on as usize;
                }
            }
        }
        for i in start..8 {
            if !byte_covers(o.bytes[i], nw.bytes[i], &nw, allow_uninit) {
                return false;
            }
        }
    }
    true
}

/// Whether `old` covers `new`, both at instruction `idx`. `read` lists,
/// per frame, the stack slots some path from `old` reads before writing
/// them (only those are compared); `None` compares every slot.
pub fn covers(
    cfg: &Cfg,
    old: &State,
    new: &State,
    idx: usize,
    allow_uninit: bool,
    read: Option<(&[u64], &[u16])>,
) -> bool {
    if old.frames.len() != new.frames.len() || old.refs.len() != new.refs.len() {
        return false;
    }
    let mut ids = Ids::default();
    let top = old.frames.len() - 1;
    for (i, (of, nf)) in old.frames.iter().zip(&new.frames).enumerate() {
        if of.func != nf.func || of.callsite != nf.callsite || of.callback != nf.callback {
            return false;
        }
        let pc = if i == top {
            idx
        } else {
            old.frames[i + 1].callsite + 1
        };
        let live = match read {
            // Registers some path from `old` reads before writing them.
            Some((_, regs)) => regs.get(i).copied().unwrap_or(u16::MAX),
            None => cfg.live_in.get(pc).copied().unwrap_or(u16::MAX),
        };
        for r in 0..11 {
            if live & (1 << r) != 0 && !value_covers(&of.regs[r], &nf.regs[r], &mut ids) {
                return false;
            }
        }
        let mask = read.map(|(slots, _)| slots.get(i).copied().unwrap_or(0));
        if !stack_covers(&of.stack, &nf.stack, &mut ids, allow_uninit, mask) {
            return false;
        }
    }
    old.refs
        .iter()
        .zip(&new.refs)
        .all(|(o, n)| ids.ptr(o.id, n.id))
}

/// Whether the two states are the same up to id renaming (on live parts):
/// a path that comes back to an equal state loops forever.
pub fn same(cfg: &Cfg, a: &State, b: &State, idx: usize, allow_uninit: bool) -> bool {
    covers(cfg, a, b, idx, allow_uninit, None) && covers(cfg, b, a, idx, allow_uninit, None)
}
