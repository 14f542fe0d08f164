//! The abstract domains, layered from the bit level up:
//!
//! * [`tnum`]: per-bit knowledge of a 64-bit value;
//! * [`interval`]: one closed interval over `u64`, `i64`, `u32` or `i32`;
//! * [`scalar`]: the product of a tnum and the four intervals, kept
//!   mutually consistent by [`Scalar::sync`](scalar::Scalar::sync) (this is
//!   the kernel's scalar domain);
//! * [`types`]: the value of one register: a scalar or a typed pointer
//!   (ctx, stack, packet, map value, socket, ...) whose offset is a scalar;
//! * [`stack`]: the 512-byte frame of one function, byte by byte, with
//!   spilled registers;
//! * [`state`]: the whole machine: call frames, registers, stacks and the
//!   references the program holds.
//!
//! Every domain implements [`Lattice`]. The analysis is path-sensitive (it
//! follows branches separately, like the kernel), so it uses `le` to prune a
//! path whose state is covered by an already verified one and `meet` to
//! refine values at branches; `join` and `widen` summarise the states seen
//! at an instruction for reports.

pub mod interval;
pub mod scalar;
pub mod stack;
pub mod state;
pub mod tnum;
pub mod types;

/// A lattice of abstract values.
///
/// Bottom (no concrete value, an infeasible path) is not an element: the
/// operations that can produce it return `Option`, with `None` as ⊥.
pub trait Lattice: Sized {
    /// The element that stands for every concrete value.
    fn top() -> Self;
    /// The least upper bound (or a sound over-approximation of it).
    fn join(&self, other: &Self) -> Self;
    /// The greatest lower bound; `None` when the two have no common value.
    fn meet(&self, other: &Self) -> Option<Self>;
    /// An upper bound of both that guarantees that any ascending chain
    /// `x0, widen(x0, x1), ...` stabilises.
    fn widen(&self, other: &Self) -> Self;
    /// Partial order: `self` ⊑ `other` (every value of `self` is in `other`).
    fn le(&self, other: &Self) -> bool;
}
