//! Memory: where an access lands and whether it is allowed
//! ([`check_access`]), and the effect of loads, stores and atomics on the
//! state, including spilling registers to the stack and filling them back.
//!
//! Rules by pointer type (Linux `check_mem_access`):
//! * stack: constant or bounded variable offset inside `[-512, 0)`,
//!   naturally aligned; reads need initialised bytes (unless the options
//!   allow uninitialised stack reads, as a privileged kernel loader does);
//!   pointers are spilled only as whole aligned 8-byte slots;
//! * context: unmodified pointer, then the program type's field rules;
//! * packet: `off + size` within the range proved by comparisons with
//!   `data_end`, non-negative variable part, writes only where the program
//!   type may write packets;
//! * map value / helper memory: every possible offset inside the value;
//! * sockets: read-only fields of `struct bpf_sock` and friends.

use super::{AccessClass, Env};
use crate::isa::{AtomicOp, Insn, Pseudo, Reg};
use crate::verify::assertions::AccessKind;
use crate::verify::check::Facts;
use crate::verify::domain::scalar::Scalar;
use crate::verify::domain::stack::{self, Byte};
use crate::verify::domain::state::State;
use crate::verify::domain::tnum::Tnum;
use crate::verify::domain::types::{Kind, Value};
use crate::verify::error::{ErrorKind, Region};
use crate::verify::platform::ctx::{self, CtxAccess, CtxValue, Dir};
use crate::verify::platform::maps::MapType;

/// Offsets and sizes beyond this are "unbounded" (`BPF_MAX_VAR_OFF`).
pub const MAX_VAR_OFF: i64 = 1 << 29;
/// Largest packet offset the kernel tracks (`MAX_PACKET_OFF`).
pub const MAX_PACKET_OFF: i64 = 0xffff;
/// Stack size per frame.
pub const MAX_STACK: i64 = 512;

/// Where a checked access lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Bytes `[lo, hi)` of the stack of frame `frame` may be touched; with
    /// `fixed` the access is exactly `[lo, hi)`.
    Stack {
        frame: usize,
        lo: i64,
        hi: i64,
        fixed: bool,
    },
    Ctx {
        off: i64,
        value: CtxValue,
    },
    Packet,
    /// `off` is the constant offset in the value, if known.
    MapValue {
        map: usize,
        off: Option<i64>,
    },
    Mem,
    Socket,
}

fn invalid(reg: Reg, reason: impl Into<String>) -> ErrorKind {
    ErrorKind::InvalidAccess {
        reg,
        reason: reason.into(),
    }
}

fn class_of(kind: Kind) -> AccessClass {
    match kind {
        Kind::Ctx => AccessClass::Ctx,
        Kind::Socket => AccessClass::Socket,
        Kind::SockCommon => AccessClass::SockCommon,
        Kind::TcpSock => AccessClass::TcpSock,
        _ => AccessClass::Other,
    }
}

fn aligned(var: &Scalar, fixed: i64, size: u32) -> bool {
    var.var
        .add(Tnum::constant(fixed as u64))
        .is_aligned(size as u64)
}

/// Checks an access of `size` bytes at `base + off` and says where it lands.
#[allow(clippy::too_many_arguments)]
pub fn check_access(
    env: &mut Env<'_>,
    st: &State,
    idx: usize,
    base: Reg,
    off: i64,
    size: u32,
    kind: AccessKind,
    sign_extend: bool,
) -> Result<Target, ErrorKind> {
    let reg = *st.reg(base);
    if reg.kind == Kind::Scalar {
        return Err(invalid(base, "not a pointer (scalar)"));
    }
    if reg.nullable {
        return Err(ErrorKind::MaybeNull { reg: base });
    }
    // One instruction, one class of pointer, on every path.
    let class = class_of(reg.kind);
    match env.access_class[idx] {
        None => env.access_class[idx] = Some(class),
        Some(c) if c != class => return Err(ErrorKind::MixedPointerTypes),
        Some(_) => {}
    }
    let strict = env.prog.flags.strict_alignment || kind == AccessKind::Atomic;
    let total = off + reg.off as i64;
    let dir = if kind == AccessKind::Read {
        Dir::Read
    } else {
        Dir::Write
    };
    match reg.kind {
        Kind::Stack => check_stack(env, st, base, &reg, total, size, kind),
        Kind::Ctx => {
            if kind == AccessKind::Atomic {
                return Err(invalid(
                    base,
                    "atomic operations on the context are not allowed",
                ));
            }
            if strict && size > 1 && !aligned(&reg.var, total, size) {
                return Err(misaligned(Region::Ctx, &reg, total, size));
            }
            if reg.off != 0 {
                return Err(invalid(
                    base,
                    format!("dereference of modified ctx pointer (off={})", reg.off),
                ));
            }
            if !reg.var.is_const_eq(0) {
                return Err(invalid(base, "variable context offset"));
            }
            let a = CtxAccess {
                off,
                size,
                dir,
                sign_extend,
            };
            match ctx::ctx_access(env.prog.kind, a) {
                Some(value) => Ok(Target::Ctx { off, value }),
                None => Err(ErrorKind::CtxAccess {
                    off,
                    size,
                    dir: if dir == Dir::Read { "read" } else { "write" },
                }),
            }
        }
        Kind::Packet | Kind::PacketMeta => {
            if kind == AccessKind::Atomic {
                return Err(invalid(
                    base,
                    "atomic operations on packet data are not allowed",
                ));
            }
            if dir == Dir::Write && !env.prog.kind.prog_type.direct_packet_write() {
                return Err(invalid(
                    base,
                    "this program type cannot write into the packet",
                ));
            }
            if strict && size > 1 && !aligned(&reg.var, total + 2, size) {
                return Err(misaligned(Region::Packet, &reg, total, size));
            }
            if reg.var.s.min < 0 {
                return Err(invalid(base, "packet offset may be negative"));
            }
            let range = reg.aux as i32 as i64;
            if range < 0 || total < 0 || total + size as i64 > range {
                return Err(ErrorKind::OutOfBounds {
                    reg: base,
                    region: Region::Packet,
                    off: total,
                    size: size as u64,
                    limit: range,
                });
            }
            Ok(Target::Packet)
        }
        Kind::MapValue => {
            let map = reg.aux as usize;
            let Some(def) = env.prog.maps.get(map) else {
                return Err(invalid(base, "unknown map"));
            };
            if dir == Dir::Write && !def.prog_can_write() {
                return Err(invalid(base, "write into a read-only map"));
            }
            if (kind == AccessKind::Read || kind == AccessKind::Atomic) && !def.prog_can_read() {
                return Err(invalid(base, "read from a write-only map"));
            }
            if strict && size > 1 && !aligned(&reg.var, total, size) {
                return Err(misaligned(Region::MapValue, &reg, total, size));
            }
            region_check(
                base,
                &reg,
                total,
                size as u64,
                def.value_size as i64,
                Region::MapValue,
            )?;
            let lo = total + reg.var.s.min;
            let hi = total + reg.var.u.max as i64 + size as i64;
            if def
                .special_fields
                .iter()
                .any(|&(o, n)| lo < (o + n) as i64 && (o as i64) < hi)
            {
                return Err(invalid(
                    base,
                    "access overlaps a special map field (lock, timer or kptr)",
                ));
            }
            Ok(Target::MapValue {
                map,
                off: reg.var.as_const().map(|v| total + v as i64),
            })
        }
        Kind::Mem => {
            if strict && size > 1 && !aligned(&reg.var, total, size) {
                return Err(misaligned(Region::Mem, &reg, total, size));
            }
            region_check(base, &reg, total, size as u64, reg.aux as i64, Region::Mem)?;
            Ok(Target::Mem)
        }
        Kind::Socket | Kind::SockCommon | Kind::TcpSock => {
            if dir == Dir::Write {
                return Err(invalid(base, "sockets are read only"));
            }
            if strict && size > 1 && !aligned(&reg.var, total, size) {
                return Err(misaligned(Region::Socket, &reg, total, size));
            }
            if reg.var.s.min < 0 {
                return Err(invalid(base, "socket offset may be negative"));
            }
            let ok = match reg.kind {
                Kind::TcpSock => ctx::tcp_sock_access(total, size),
                Kind::SockCommon => ctx::sock_access(total, size, true),
                _ => ctx::sock_access(total, size, false),
            };
            if !ok {
                return Err(invalid(
                    base,
                    format!("invalid socket field access off={total} size={size}"),
                ));
            }
            Ok(Target::Socket)
        }
        Kind::PacketEnd => Err(invalid(base, "data_end cannot be dereferenced")),
        Kind::MapPtr => Err(invalid(base, "map pointers cannot be dereferenced")),
        Kind::Func => Err(invalid(base, "function pointers cannot be dereferenced")),
        Kind::Uninit | Kind::Scalar => Err(invalid(base, "not a pointer")),
    }
}

fn misaligned(region: Region, reg: &Value, off: i64, size: u32) -> ErrorKind {
    ErrorKind::Misaligned {
        region,
        off: if reg.var.is_const_eq(0) {
            off.to_string()
        } else {
            format!("{}+{}", reg.var, off)
        },
        size,
    }
}

/// Every offset `off + var` of a `size`-byte access lies in `[0, limit)`.
fn region_check(
    base: Reg,
    reg: &Value,
    off: i64,
    size: u64,
    limit: i64,
    region: Region,
) -> Result<(), ErrorKind> {
    let smin = reg.var.s.min;
    if smin < 0
        && (smin == i64::MIN
            || off.checked_add(smin).is_none_or(|v| v != v as i32 as i64)
            || smin + off < 0)
    {
        return Err(invalid(
            base,
            "minimum offset is negative; use an unsigned index or check index >= 0",
        ));
    }
    let oob = |o: i64| ErrorKind::OutOfBounds {
        reg: base,
        region,
        off: o,
        size,
        limit,
    };
    let lo = smin.saturating_add(off);
    if lo < 0 || lo.saturating_add(size as i64) > limit {
        return Err(oob(lo));
    }
    if reg.var.u.max >= MAX_VAR_OFF as u64 {
        return Err(invalid(
            base,
            "unbounded memory access; bounds-check the offset first",
        ));
    }
    let hi = reg.var.u.max as i64 + off;
    if hi < 0 || hi + size as i64 > limit {
        return Err(oob(hi));
    }
    Ok(())
}

fn check_stack(
    env: &mut Env<'_>,
    st: &State,
    base: Reg,
    reg: &Value,
    off: i64,
    size: u32,
    kind: AccessKind,
) -> Result<Target, ErrorKind> {
    let frame = reg.aux as usize;
    if frame >= st.frames.len() {
        return Err(invalid(
            base,
            "stack pointer into a frame that has returned",
        ));
    }
    if size > 1 && !aligned(&reg.var, off, size) {
        return Err(misaligned(Region::Stack, reg, off, size));
    }
    let (lo, hi, fixed) = match reg.var.as_const() {
        Some(v) => {
            let lo = off + v as i64;
            (lo, lo + size as i64, true)
        }
        None => {
            if reg.var.s.max >= MAX_VAR_OFF || reg.var.s.min <= -MAX_VAR_OFF {
                return Err(invalid(base, "unbounded variable stack offset"));
            }
            (
                reg.var.s.min + off,
                reg.var.s.max + off + size as i64,
                false,
            )
        }
    };
    if lo < -MAX_STACK || hi > 0 {
        return Err(ErrorKind::OutOfBounds {
            reg: base,
            region: Region::Stack,
            off: lo,
            size: size as u64,
            limit: 0,
        });
    }
    if !fixed && kind != AccessKind::Read && kind != AccessKind::Write {
        return Err(invalid(base, "atomic access with a variable stack offset"));
    }
    let func = st.frames[frame].func;
    if let Some(d) = env.stack_depth.get_mut(func) {
        *d = (*d).max((-lo) as u32);
    }
    Ok(Target::Stack {
        frame,
        lo,
        hi,
        fixed,
    })
}

/// The width in bits of a scalar's largest value (`fls64(umax)`).
fn width_bits(v: &Scalar) -> u32 {
    64 - v.u.max.leading_zeros()
}

/// Reads `size` bytes at `[off, off+size)` of a frame's stack, the way a
/// load into a register does.
fn read_stack_fixed(
    env: &Env<'_>,
    st: &State,
    frame: usize,
    off: i64,
    size: u32,
) -> Result<Value, ErrorKind> {
    let stack = &st.frames[frame].stack;
    let (spi, byte) = stack::locate(off);
    let slot = stack.slot(spi);
    let allow_uninit = env.options.allow_uninit_stack;
    if let Some((spilled, spill_size)) = slot.spilled() {
        if size == 8 && spill_size == 8 {
            return Ok(*spilled);
        }
        if spilled.kind != Kind::Scalar {
            return Err(ErrorKind::InvalidAccess {
                reg: Reg::R10,
                reason: format!(
                    "invalid size of register fill: {size}-byte read of a spilled {}",
                    spilled
                ),
            });
        }
        if size <= spill_size && byte == 0 {
            let mut v = *spilled;
            if width_bits(&v.var) > size * 8 {
                v.id = 0;
                v.off = 0;
            }
            return Ok(v);
        }
        let (mut spill_cnt, mut zero_cnt) = (0, 0);
        for o in off..off + size as i64 {
            match stack.byte(o) {
                Byte::Spill => spill_cnt += 1,
                Byte::Zero => zero_cnt += 1,
                Byte::Misc => {}
                Byte::Invalid if allow_uninit => {}
                Byte::Invalid => return Err(ErrorKind::UninitStack { off: o, size }),
            }
        }
        if (spill_cnt == size && spilled.var.is_const_eq(0)) || zero_cnt == size {
            return Ok(Value::constant(0));
        }
        return Ok(Value::unknown());
    }
    let mut zeros = 0;
    for o in off..off + size as i64 {
        match stack.byte(o) {
            Byte::Zero => zeros += 1,
            Byte::Misc | Byte::Spill => {}
            Byte::Invalid if allow_uninit => {}
            Byte::Invalid => return Err(ErrorKind::UninitStack { off: o, size }),
        }
    }
    Ok(if zeros == size {
        Value::constant(0)
    } else {
        Value::unknown()
    })
}

/// Reads bytes `[lo, hi)` at a variable offset: all must be initialised;
/// the result is 0 if they are all zero, else unknown.
fn read_stack_var(
    env: &Env<'_>,
    st: &State,
    frame: usize,
    lo: i64,
    hi: i64,
) -> Result<Value, ErrorKind> {
    let stack = &st.frames[frame].stack;
    let mut all_zero = true;
    for o in lo..hi {
        match stack.byte(o) {
            Byte::Zero => {}
            Byte::Misc | Byte::Spill => all_zero = false,
            Byte::Invalid if env.options.allow_uninit_stack => all_zero = false,
            Byte::Invalid => {
                return Err(ErrorKind::UninitStack {
                    off: o,
                    size: (hi - lo) as u32,
                })
            }
        }
    }
    Ok(if all_zero {
        Value::constant(0)
    } else {
        Value::unknown()
    })
}

/// The value a load from `target` produces (before size coercion).
fn loaded_value(
    env: &mut Env<'_>,
    st: &State,
    target: Target,
    size: u32,
    sign_extend: bool,
) -> Result<Value, ErrorKind> {
    Ok(match target {
        Target::Stack {
            frame,
            lo,
            hi,
            fixed,
        } => {
            if fixed {
                read_stack_fixed(env, st, frame, lo, size)?
            } else {
                read_stack_var(env, st, frame, lo, hi)?
            }
        }
        Target::Ctx { value, .. } => match value {
            CtxValue::Scalar => Value::unknown(),
            CtxValue::Packet => Value::pointer(Kind::Packet, 0),
            CtxValue::PacketMeta => Value::pointer(Kind::PacketMeta, 0),
            CtxValue::PacketEnd => Value::pointer(Kind::PacketEnd, 0),
            CtxValue::Socket => Value::pointer(Kind::Socket, 0),
            CtxValue::SocketOrNull | CtxValue::SockCommonOrNull => {
                let kind = if value == CtxValue::SocketOrNull {
                    Kind::Socket
                } else {
                    Kind::SockCommon
                };
                let mut v = Value::pointer(kind, 0);
                v.nullable = true;
                v.id = env.new_id();
                v
            }
        },
        Target::MapValue { map, off } => {
            let def = &env.prog.maps[map];
            match (off, &def.frozen_data) {
                (Some(o), Some(data))
                    if def.flags & super::super::platform::maps::F_RDONLY_PROG != 0 =>
                {
                    read_const(data, o, size, sign_extend).map_or(Value::unknown(), Value::constant)
                }
                _ => Value::unknown(),
            }
        }
        Target::Packet | Target::Mem | Target::Socket => Value::unknown(),
    })
}

/// Little-endian constant from a frozen map's contents.
fn read_const(data: &[u8], off: i64, size: u32, sign_extend: bool) -> Option<u64> {
    let start = usize::try_from(off).ok()?;
    let bytes = data.get(start..start.checked_add(size as usize)?)?;
    let mut v = 0u64;
    for (i, b) in bytes.iter().enumerate() {
        v |= (*b as u64) << (8 * i);
    }
    if sign_extend && size < 8 {
        let shift = 64 - 8 * size;
        v = (((v << shift) as i64) >> shift) as u64;
    }
    Some(v)
}

/// Narrows a loaded scalar to the access size.
fn coerce(v: Value, size: u32, sign_extend: bool) -> Value {
    if v.kind != Kind::Scalar || size >= 8 {
        return v;
    }
    let mut r = v;
    let narrowed = if sign_extend {
        v.var.sext(size)
    } else {
        v.var.truncate(size)
    };
    if narrowed != v.var {
        r.id = 0;
        r.off = 0;
    }
    r.var = narrowed;
    r
}

/// The effect-related checks of an access, once [`check_access`] placed it:
/// what a read produces (`Some` for loads and atomics), and whether a
/// stack write of `value` is allowed.
pub fn check_effect(
    env: &mut Env<'_>,
    st: &State,
    target: Target,
    size: u32,
    kind: AccessKind,
    sign_extend: bool,
    value: Option<Reg>,
) -> Result<Option<Value>, ErrorKind> {
    if let Target::Stack {
        frame,
        lo,
        hi,
        fixed,
    } = target
    {
        if kind != AccessKind::Write {
            env.note_read(frame, lo, hi);
        }
        if kind != AccessKind::Read && fixed {
            env.note_write(frame, lo, hi);
        }
    }
    match kind {
        AccessKind::Read => {
            let v = loaded_value(env, st, target, size, sign_extend)?;
            Ok(Some(coerce(v, size, sign_extend)))
        }
        AccessKind::Atomic => {
            let old = coerce(loaded_value(env, st, target, size, false)?, size, false);
            if let Target::Stack { .. } = target {
                if old.kind != Kind::Scalar && size != 8 {
                    return Err(ErrorKind::InvalidAccess {
                        reg: value.unwrap_or(Reg::R10),
                        reason: "atomic access to part of a spilled pointer".into(),
                    });
                }
            }
            Ok(Some(old))
        }
        AccessKind::Write => {
            let Target::Stack {
                frame,
                lo,
                hi,
                fixed,
            } = target
            else {
                return Ok(None);
            };
            let v = value.map(|r| *st.reg(r));
            if !fixed {
                if !env.options.allow_uninit_stack {
                    let stack = &st.frames[frame].stack;
                    if let Some(o) = (lo..hi).find(|&o| stack.byte(o) == Byte::Invalid) {
                        return Err(ErrorKind::InvalidAccess {
                            reg: Reg::R10,
                            reason: format!(
                                "variable-offset stack write over uninitialised stack at {o} (the write may not reach it)"
                            ),
                        });
                    }
                }
                return Ok(None);
            }
            if let (Some(v), Some(r)) = (v, value) {
                if v.kind != Kind::Scalar {
                    if size != 8 {
                        return Err(ErrorKind::InvalidAccess {
                            reg: r,
                            reason: format!(
                                "invalid size of register spill: a pointer needs 8 bytes, not {size}"
                            ),
                        });
                    }
                    if v.kind == Kind::Stack && frame != st.depth() {
                        return Err(ErrorKind::InvalidAccess {
                            reg: r,
                            reason:
                                "cannot spill pointers to the stack into the caller's stack frame"
                                    .into(),
                        });
                    }
                }
            }
            Ok(None)
        }
    }
}

/// `dst = *(size *)(src + off)`.
pub fn load(st: &mut State, insn: &Insn, facts: &Facts) {
    let dst = match *insn {
        Insn::Load { dst, .. } | Insn::LoadSx { dst, .. } => dst,
        _ => return,
    };
    if let Some(v) = facts.loaded {
        *st.reg_mut(dst) = v;
    }
}

/// `*(size *)(dst + off) = src` or `= imm`.
pub fn store(env: &mut Env<'_>, st: &mut State, insn: &Insn, facts: &Facts) {
    let (size, value, from) = match *insn {
        Insn::Store { size, src, .. } => (size.bytes(), *st.reg(src), Some(src)),
        Insn::StoreImm { size, imm, .. } => {
            (size.bytes(), Value::constant(imm as i64 as u64), None)
        }
        _ => return,
    };
    let Some(Target::Stack {
        frame,
        lo,
        hi,
        fixed,
    }) = facts.access
    else {
        return;
    };
    if !fixed {
        st.frames[frame]
            .stack
            .store_anywhere(lo, hi, value.is_null());
        return;
    }
    let off = lo;
    if value.kind != Kind::Scalar {
        st.frames[frame].stack.spill(off, 8, value);
        return;
    }
    if off % 8 == 0 {
        let mut v = value;
        if let Some(src) = from {
            if width_bits(&v.var) <= size * 8 {
                // Link the spilled copy to the register (a fill restores it).
                if v.id == 0 && v.var.as_const().is_none() {
                    let id = env.new_id();
                    st.reg_mut(src).id = id;
                    st.reg_mut(src).off = 0;
                    v.id = id;
                    v.off = 0;
                }
            } else {
                v.id = 0;
                v.off = 0;
            }
        }
        st.frames[frame].stack.spill(off, size, v);
        return;
    }
    st.frames[frame].stack.store(off, size, value.is_null());
}

/// Atomic read-modify-write.
pub fn atomic(st: &mut State, insn: &Insn, facts: &Facts) {
    let Insn::Atomic { size, op, src, .. } = *insn else {
        return;
    };
    let size = size.bytes();
    if let Some(Target::Stack {
        frame,
        lo,
        fixed: true,
        ..
    }) = facts.access
    {
        st.frames[frame].stack.store(lo, size, false);
    }
    let fetch_into = match op {
        AtomicOp::CmpXchg => Some(Reg::R0),
        AtomicOp::Xchg
        | AtomicOp::Add { fetch: true }
        | AtomicOp::Or { fetch: true }
        | AtomicOp::And { fetch: true }
        | AtomicOp::Xor { fetch: true } => Some(src),
        _ => None,
    };
    if let (Some(r), Some(old)) = (fetch_into, facts.loaded) {
        if r != Reg::R10 {
            *st.reg_mut(r) = old;
        }
    }
}

/// The value of an `ld_imm64` the loader resolves (maps, functions).
pub fn ld_pseudo(env: &mut Env<'_>, idx: usize, insn: &Insn) -> Result<Value, ErrorKind> {
    let Insn::LdPseudo {
        kind, imm, imm2, ..
    } = *insn
    else {
        return Ok(Value::unknown());
    };
    let slot = env.slot(idx);
    let map_of = |env: &Env<'_>| -> Result<usize, ErrorKind> {
        let m = match kind {
            Pseudo::MapIdx | Pseudo::MapIdxValue => usize::try_from(imm).ok(),
            _ => env.prog.map_refs.get(&slot).copied(),
        };
        m.filter(|&m| m < env.prog.maps.len())
            .ok_or(ErrorKind::UnresolvedMap { fd: imm })
    };
    match kind {
        Pseudo::MapFd | Pseudo::MapIdx => Ok(Value::pointer(Kind::MapPtr, map_of(env)? as u32)),
        Pseudo::MapValue | Pseudo::MapIdxValue => {
            let map = map_of(env)?;
            let def = &env.prog.maps[map];
            let direct = matches!(def.map_type, MapType::ARRAY) && def.max_entries == 1;
            if !direct {
                return Err(ErrorKind::InvalidAccess {
                    reg: Reg::R0,
                    reason: format!(
                        "direct value access needs a single-element array map, not {:?} with {} entries",
                        def.map_type, def.max_entries
                    ),
                });
            }
            if imm2 < 0 || imm2 as u32 >= def.value_size {
                return Err(ErrorKind::OutOfBounds {
                    reg: Reg::R0,
                    region: Region::MapValue,
                    off: imm2 as i64,
                    size: 0,
                    limit: def.value_size as i64,
                });
            }
            let mut v = Value::pointer(Kind::MapValue, map as u32);
            v.off = imm2;
            Ok(v)
        }
        Pseudo::Func => {
            let t = env
                .cfg
                .call_target(idx)
                .and_then(|t| env.cfg.func_starting_at(t));
            match t {
                Some(f) => Ok(Value::pointer(Kind::Func, f as u32)),
                None => Err(ErrorKind::BadCallTarget { target: imm as i64 }),
            }
        }
        Pseudo::BtfId => Err(ErrorKind::Unsupported {
            what: "ld_imm64 of a kernel BTF object".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_from_frozen_data() {
        let data = [0x01, 0x02, 0xff, 0xff];
        assert_eq!(read_const(&data, 0, 2, false), Some(0x0201));
        assert_eq!(read_const(&data, 2, 2, true), Some(u64::MAX));
        assert_eq!(read_const(&data, 3, 2, false), None);
        assert_eq!(read_const(&data, -1, 1, false), None);
    }
}
