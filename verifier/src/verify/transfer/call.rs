//! Calls and exits: helper calls checked against their prototypes,
//! bpf-to-bpf calls (new frames), returns, program exit, and the legacy
//! packet loads (`ld_abs`/`ld_ind`), which behave like helper calls.
//!
//! Helper rules (Linux `check_helper_call` / `check_func_arg`): the helper
//! exists and the program type may call it; every argument the prototype
//! names is initialised and of an accepted type; memory arguments are
//! readable (or writable) for the size the next argument allows at most;
//! map arguments suit the helper; after the call `r1`-`r5` are
//! unreadable, `r0` has the return type, references are acquired or
//! released, and packet pointers are forgotten if the helper may move
//! packet data.

use super::{clear_packet_pointers, Env, Next};
use crate::isa::{CallTarget, Reg};
use crate::verify::domain::scalar::Scalar;
use crate::verify::domain::stack::Byte;
use crate::verify::domain::state::{Frame, RefEntry, State};
use crate::verify::domain::types::{Kind, Value};
use crate::verify::error::{ErrorKind, Region};
use crate::verify::platform::helpers::{self, Access, Arg, HelperProto, Ret};
use crate::verify::platform::maps::{self, MapType};
use crate::verify::platform::prog_type::ProgType;
use crate::verify::transfer::mem::{MAX_STACK, MAX_VAR_OFF};

/// Sizes at or above this are unbounded (`BPF_MAX_VAR_SIZ`).
const MAX_VAR_SIZE: u64 = 1 << 29;

/// What a checked call will do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallPlan {
    Helper(HelperPlan),
    Local {
        target: usize,
    },
    /// A call to a global function, verified on its own: here only its
    /// arguments are checked and its result is an unknown number.
    Global {
        func: usize,
        /// Stack ranges `(frame, lo, hi)` passed as memory arguments.
        stack_touched: Vec<(usize, i64, i64)>,
    },
}

/// The facts a helper call's check established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperPlan {
    pub id: i32,
    /// The map argument, if any.
    pub map: Option<usize>,
    /// Stack ranges `(frame, lo, hi)` the helper touches (they become
    /// unknown bytes).
    pub stack_touched: Vec<(usize, i64, i64)>,
    /// The reference released by this call.
    pub release: Option<u32>,
    /// Size of the allocation (`ringbuf_reserve`).
    pub alloc_size: Option<u64>,
    /// Reference carried by a socket argument (for casts).
    pub arg_ref: u32,
    /// Largest size passed (for helpers whose result is bounded by it).
    pub max_size: Option<u64>,
}

fn arg_err(p: &HelperProto, arg: usize, reason: impl Into<String>) -> ErrorKind {
    ErrorKind::HelperArg {
        name: p.name,
        id: p.id,
        arg: arg as u8 + 1,
        reg: Reg::new(arg as u8 + 1).unwrap_or(Reg::R1),
        reason: reason.into(),
    }
}

fn call_err(p: &HelperProto, reason: impl Into<String>) -> ErrorKind {
    ErrorKind::HelperCall {
        name: p.name,
        id: p.id,
        reason: reason.into(),
    }
}

fn arg_reg(i: usize) -> Reg {
    Reg::new(i as u8 + 1).unwrap_or(Reg::R1)
}

/// Helpers that hand out a reference the program must release.
fn acquires(id: i32) -> bool {
    matches!(id, 84 | 85 | 99 | 131)
}

/// Helpers whose returned pointer shares its argument's reference.
fn casts(id: i32) -> bool {
    matches!(id, 95 | 96 | 98)
}

/// `bpf_loop`: the one callback-taking helper Palisade analyses.
pub const BPF_LOOP: i32 = 181;

/// Helpers that take a callback Palisade does not analyse.
fn has_callback(p: &HelperProto) -> bool {
    p.id != BPF_LOOP && p.args.iter().any(|a| matches!(a, Arg::Callback))
}

/// Checks a call before it happens.
pub fn check_call(
    env: &mut Env<'_>,
    st: &State,
    idx: usize,
    target: CallTarget,
) -> Result<CallPlan, ErrorKind> {
    match target {
        CallTarget::Local(_) => {
            let t = env
                .cfg
                .call_target(idx)
                .ok_or(ErrorKind::BadCallTarget { target: -1 })?;
            let slot = env.slot(t);
            if let Some(f) = env.prog.funcs.iter().find(|f| f.slot == slot && f.global) {
                let params = f.params.clone();
                let func = env.cfg.func_of[t] as usize;
                return check_global_call(env, st, func, params.as_deref());
            }
            if st.frames.len() >= env.platform.limits.max_frames {
                return Err(ErrorKind::CallStackTooDeep {
                    frames: st.frames.len() + 1,
                });
            }
            Ok(CallPlan::Local { target: t })
        }
        CallTarget::Kfunc { .. } => Err(ErrorKind::Unsupported {
            what: "kernel function (kfunc) calls".into(),
        }),
        CallTarget::Helper(id) => check_helper(env, st, idx, id).map(CallPlan::Helper),
    }
}

fn check_helper(
    env: &mut Env<'_>,
    st: &State,
    _idx: usize,
    id: i32,
) -> Result<HelperPlan, ErrorKind> {
    let p = env
        .platform
        .helper(id)
        .ok_or(ErrorKind::UnknownHelper { id })?;
    let kind = env.prog.kind;
    if !env.platform.helper_allowed(kind, id) {
        return Err(ErrorKind::HelperNotAllowed {
            prog_type: kind.prog_type.name().to_string(),
            name: p.name,
            id,
        });
    }
    if p.has(helpers::GPL_ONLY) && !env.prog.gpl {
        return Err(call_err(
            p,
            "GPL-only helper called from a program without a GPL-compatible license",
        ));
    }
    if p.has(helpers::MIGHT_SLEEP) && !env.prog.flags.sleepable {
        return Err(call_err(
            p,
            "helper may sleep, but the program is not sleepable",
        ));
    }
    if has_callback(p) {
        return Err(ErrorKind::Unsupported {
            what: format!("helpers that take callbacks ({})", p.name),
        });
    }
    if id == BPF_LOOP {
        return check_loop(env, st, p).map(|callback| HelperPlan {
            id,
            map: None,
            stack_touched: Vec::new(),
            release: None,
            alloc_size: None,
            arg_ref: callback as u32,
            max_size: None,
        });
    }
    if p.ret == Ret::Unsupported
        || p.args.iter().any(|a| {
            matches!(
                a,
                Arg::Unsupported | Arg::SpinLock | Arg::Timer | Arg::ConstStr
            )
        })
    {
        return Err(ErrorKind::Unsupported {
            what: format!(
                "helper {}#{id} (argument or return types Palisade does not model)",
                p.name
            ),
        });
    }
    if id == 12 && !st.refs.is_empty() {
        return Err(call_err(
            p,
            "tail call while holding a reference would leak it",
        ));
    }
    let mut plan = HelperPlan {
        id,
        map: None,
        stack_touched: Vec::new(),
        release: None,
        alloc_size: None,
        arg_ref: 0,
        max_size: None,
    };
    let mut pending_mem: Option<(usize, Access, bool)> = None;
    for (i, arg) in p.args.iter().enumerate() {
        let r = arg_reg(i);
        let v = *st.reg(r);
        if !v.is_init() {
            return Err(ErrorKind::Uninit { reg: r });
        }
        match *arg {
            Arg::Anything => {}
            Arg::MapPtr => {
                if v.kind != Kind::MapPtr || v.nullable {
                    return Err(arg_err(p, i, format!("expected a map pointer, got {v}")));
                }
                plan.map = Some(v.aux as usize);
            }
            Arg::MapKey | Arg::MapValue { .. } => {
                let Some(m) = plan.map else {
                    return Err(arg_err(p, i, "no map argument before the key/value"));
                };
                let def = &env.prog.maps[m];
                if matches!(def.map_type, MapType::SOCKMAP | MapType::SOCKHASH)
                    && matches!(arg, Arg::MapValue { .. })
                {
                    // A sockmap's values are sockets.
                    if *arg != (Arg::MapValue { uninit: false })
                        || !v.kind.is_socket()
                        || v.nullable
                    {
                        return Err(arg_err(
                            p,
                            i,
                            format!("expected a socket for a sockmap value, got {v}"),
                        ));
                    }
                    continue;
                }
                let (size, access) = match *arg {
                    Arg::MapKey => (def.key_size as u64, Access::Read),
                    Arg::MapValue { uninit: true } => (def.value_size as u64, Access::Write),
                    _ => (def.value_size as u64, Access::Read),
                };
                mem_arg(env, st, p, i, &v, size, access, false, true, &mut plan)?;
            }
            Arg::MapValueOrNull => {
                if !v.is_null() {
                    let size = plan.map.map_or(0, |m| env.prog.maps[m].value_size as u64);
                    mem_arg(
                        env,
                        st,
                        p,
                        i,
                        &v,
                        size,
                        Access::Read,
                        false,
                        true,
                        &mut plan,
                    )?;
                }
            }
            Arg::Ctx { nullable } => {
                if nullable && v.is_null() {
                    continue;
                }
                if v.kind != Kind::Ctx {
                    return Err(arg_err(p, i, format!("expected the context, got {v}")));
                }
                if v.off != 0 || !v.var.is_const_eq(0) {
                    return Err(arg_err(p, i, "the context pointer must not be modified"));
                }
            }
            Arg::Mem { access, nullable } => {
                if v.is_null() && nullable {
                    pending_mem = Some((i, access, true));
                    continue;
                }
                check_mem_type(p, i, &v)?;
                pending_mem = Some((i, access, false));
            }
            Arg::FixedMem {
                size,
                access,
                aligned,
            } => {
                if aligned && v.kind.is_pointer() {
                    let ip_align = if v.kind.is_packet() { 2 } else { 0 };
                    let fixed = v.off as i64 + ip_align;
                    let t = v
                        .var
                        .var
                        .add(crate::verify::domain::tnum::Tnum::constant(fixed as u64));
                    if !t.is_aligned(size as u64) {
                        return Err(arg_err(
                            p,
                            i,
                            format!("misaligned pointer for a {size}-byte value"),
                        ));
                    }
                }
                mem_arg(
                    env,
                    st,
                    p,
                    i,
                    &v,
                    size as u64,
                    access,
                    false,
                    false,
                    &mut plan,
                )?;
            }
            Arg::Size { zero_ok } => {
                let Some((pi, access, is_null)) = pending_mem.take() else {
                    return Err(arg_err(p, i, "size without a memory argument"));
                };
                if v.kind != Kind::Scalar {
                    return Err(arg_err(p, i, format!("expected a size, got {v}")));
                }
                if v.var.s.min < 0 {
                    return Err(arg_err(p, i, "size may be negative"));
                }
                if v.var.u.min == 0 && !zero_ok {
                    return Err(arg_err(p, i, "size may be zero"));
                }
                if v.var.u.max >= MAX_VAR_SIZE {
                    return Err(arg_err(
                        p,
                        i,
                        "size is unbounded; bound it with `&=` or a comparison",
                    ));
                }
                let max = v.var.u.max;
                plan.max_size = Some(max);
                let pv = *st.reg(arg_reg(pi));
                if is_null {
                    if max != 0 {
                        return Err(arg_err(
                            p,
                            pi,
                            "NULL memory with a size that may be non-zero",
                        ));
                    }
                    continue;
                }
                // Without a constant size the helper's writes are not
                // tracked exactly: the memory must already be initialised.
                let access = if v.var.as_const().is_none() && access == Access::Write {
                    Access::ReadWrite
                } else {
                    access
                };
                mem_arg(
                    env,
                    st,
                    p,
                    pi,
                    &pv,
                    max,
                    access,
                    zero_ok,
                    p.has(helpers::PKT_ACCESS),
                    &mut plan,
                )?;
            }
            Arg::AllocSize => {
                let Some(c) = v.as_const() else {
                    return Err(arg_err(p, i, "allocation size must be a known constant"));
                };
                plan.alloc_size = Some(c);
            }
            Arg::SockCommon | Arg::SockRelease => {
                if !v.kind.is_socket() || v.nullable {
                    return Err(arg_err(p, i, format!("expected a socket, got {v}")));
                }
                if *arg == Arg::SockRelease {
                    if v.ref_id == 0 || !st.holds_ref(v.ref_id) {
                        return Err(arg_err(
                            p,
                            i,
                            "socket is not a referenced one (it was not acquired)",
                        ));
                    }
                    if v.off != 0 || !v.var.is_const_eq(0) {
                        return Err(arg_err(p, i, "released pointer must not be modified"));
                    }
                    plan.release = Some(v.ref_id);
                }
                plan.arg_ref = v.ref_id;
            }
            Arg::SocketOrNull => {
                if !(v.is_null() || (v.kind == Kind::Socket && !v.nullable)) {
                    return Err(arg_err(p, i, format!("expected a socket or NULL, got {v}")));
                }
            }
            Arg::RingbufRelease => {
                if v.kind != Kind::Mem || v.nullable || v.ref_id == 0 || !st.holds_ref(v.ref_id) {
                    return Err(arg_err(
                        p,
                        i,
                        format!("expected a ring buffer sample from ringbuf_reserve, got {v}"),
                    ));
                }
                if v.off != 0 || !v.var.is_const_eq(0) {
                    return Err(arg_err(p, i, "released pointer must not be modified"));
                }
                plan.release = Some(v.ref_id);
            }
            Arg::StackOrNull => {
                if !(v.is_null() || v.kind == Kind::Stack) {
                    return Err(arg_err(
                        p,
                        i,
                        format!("expected a stack pointer or NULL, got {v}"),
                    ));
                }
            }
            Arg::Callback | Arg::ConstStr | Arg::SpinLock | Arg::Timer | Arg::Unsupported => {
                return Err(ErrorKind::Unsupported {
                    what: format!("argument {} of {}", i + 1, p.name),
                })
            }
        }
    }
    if let Some(m) = plan.map {
        let mt = env.prog.maps[m].map_type;
        if !maps::compatible(mt, id, env.prog.kind.prog_type) {
            return Err(call_err(p, format!("cannot take a map of type {}", mt.0)));
        }
    } else if maps::helper_needs(id).is_some() {
        return Err(call_err(p, "needs a map argument"));
    }
    if id == 81 {
        // get_local_storage(map, flags): flags must be 0.
        if st.reg(Reg::R2).as_const() != Some(0) {
            return Err(call_err(p, "flags must be 0"));
        }
    }
    Ok(plan)
}

/// Memory-argument pointer types (stack, packet, map value, helper memory).
fn check_mem_type(p: &HelperProto, i: usize, v: &Value) -> Result<(), ErrorKind> {
    match v.kind {
        Kind::Stack | Kind::Packet | Kind::PacketMeta | Kind::MapValue | Kind::Mem
            if !v.nullable =>
        {
            Ok(())
        }
        _ => Err(arg_err(
            p,
            i,
            format!("expected a pointer to stack, packet, map value or memory, got {v}"),
        )),
    }
}

/// A helper reads and/or writes `size` bytes at the pointer `v`.
#[allow(clippy::too_many_arguments)]
fn mem_arg(
    env: &mut Env<'_>,
    st: &State,
    p: &HelperProto,
    i: usize,
    v: &Value,
    size: u64,
    access: Access,
    zero_ok: bool,
    pkt_ok: bool,
    plan: &mut HelperPlan,
) -> Result<(), ErrorKind> {
    check_mem_type(p, i, v)?;
    let oob = |region: Region, off: i64, limit: i64| ErrorKind::OutOfBounds {
        reg: arg_reg(i),
        region,
        off,
        size,
        limit,
    };
    match v.kind {
        Kind::Stack => {
            let frame = v.aux as usize;
            if frame >= st.frames.len() {
                return Err(arg_err(
                    p,
                    i,
                    "stack pointer into a frame that has returned",
                ));
            }
            let (lo, hi_start) = match v.var.as_const() {
                Some(c) => {
                    let o = v.off as i64 + c as i64;
                    (o, o)
                }
                None => {
                    if v.var.s.max >= MAX_VAR_OFF || v.var.s.min <= -MAX_VAR_OFF {
                        return Err(arg_err(p, i, "unbounded variable stack offset"));
                    }
                    (v.var.s.min + v.off as i64, v.var.s.max + v.off as i64)
                }
            };
            let hi = hi_start + size as i64;
            if lo < -MAX_STACK || hi > 0 || (size == 0 && !zero_ok) {
                return Err(oob(Region::Stack, lo, 0));
            }
            let fixed = v.var.as_const().is_some();
            let raw = access == Access::Write && fixed;
            if !raw {
                let stack = &st.frames[frame].stack;
                for o in lo..hi {
                    let ok = match stack.byte(o) {
                        Byte::Misc | Byte::Zero | Byte::Spill => true,
                        Byte::Invalid => env.options.allow_uninit_stack,
                    };
                    if !ok {
                        return Err(arg_err(
                            p,
                            i,
                            format!("reads uninitialised stack at {o} (range {lo}..{hi})"),
                        ));
                    }
                }
            }
            let func = st.frames[frame].func;
            if let Some(d) = env.stack_depth.get_mut(func) {
                *d = (*d).max((-lo).max(0) as u32);
            }
            if raw {
                env.note_write(frame, lo, hi);
            } else {
                env.note_read(frame, lo, hi);
            }
            plan.stack_touched.push((frame, lo, hi));
        }
        Kind::Packet | Kind::PacketMeta => {
            if !pkt_ok || !env.prog.kind.prog_type.direct_packet_read() {
                return Err(arg_err(
                    p,
                    i,
                    "this helper cannot access packet data directly",
                ));
            }
            if access != Access::Read && !env.prog.kind.prog_type.direct_packet_write() {
                return Err(arg_err(
                    p,
                    i,
                    "this program type cannot write into the packet",
                ));
            }
            if v.var.s.min < 0 {
                return Err(arg_err(p, i, "packet offset may be negative"));
            }
            let range = v.aux as i32 as i64;
            let off = v.off as i64;
            if off < 0 || range < 0 || off + size as i64 > range {
                return Err(oob(Region::Packet, off, range.max(0)));
            }
        }
        Kind::MapValue => {
            let def = &env.prog.maps[v.aux as usize];
            if access != Access::Read && !def.prog_can_write() {
                return Err(arg_err(p, i, "helper would write into a read-only map"));
            }
            if access != Access::Write && !def.prog_can_read() {
                return Err(arg_err(p, i, "helper would read a write-only map"));
            }
            region(p, i, v, size, def.value_size as i64, Region::MapValue)?;
            let lo = v.off as i64 + v.var.s.min;
            let hi = v.off as i64 + v.var.u.max as i64 + size as i64;
            if def
                .special_fields
                .iter()
                .any(|&(o, n)| lo < (o + n) as i64 && (o as i64) < hi)
            {
                return Err(arg_err(
                    p,
                    i,
                    "memory overlaps a special map field (lock, timer or kptr)",
                ));
            }
        }
        Kind::Mem => region(p, i, v, size, v.aux as i64, Region::Mem)?,
        _ => return Err(arg_err(p, i, format!("unexpected pointer {v}"))),
    }
    Ok(())
}

fn region(
    p: &HelperProto,
    i: usize,
    v: &Value,
    size: u64,
    limit: i64,
    r: Region,
) -> Result<(), ErrorKind> {
    let off = v.off as i64;
    if v.var.s.min < 0 {
        return Err(arg_err(p, i, "pointer offset may be negative"));
    }
    if v.var.u.max >= MAX_VAR_OFF as u64 {
        return Err(arg_err(p, i, "unbounded pointer offset"));
    }
    let lo = off + v.var.s.min;
    let hi = off + v.var.u.max as i64 + size as i64;
    if lo < 0 || hi > limit {
        return Err(ErrorKind::OutOfBounds {
            reg: arg_reg(i),
            region: r,
            off: off + v.var.u.max as i64,
            size,
            limit,
        });
    }
    Ok(())
}

/// Executes a checked call.
pub fn call(
    env: &mut Env<'_>,
    mut st: State,
    idx: usize,
    _target: CallTarget,
    facts: &crate::verify::check::Facts,
) -> Result<Next, ErrorKind> {
    match &facts.call {
        Some(CallPlan::Local { target }) => {
            let depth = st.frames.len();
            let func = env.cfg.func_of[*target] as usize;
            let mut frame = Frame::new(func, depth, idx);
            for r in 1..=5 {
                frame.regs[r] = st.cur().regs[r];
            }
            for r in 0..=5 {
                st.cur_mut().regs[r] = Value::UNINIT;
            }
            st.frames.push(frame);
            Ok(Next::One(st, *target))
        }
        // `bpf_loop(n, callback, ctx, flags)`: either the loop is over, or
        // the callback runs once more, and the call is then checked again
        // with the state the callback left.
        Some(CallPlan::Helper(plan)) if plan.id == BPF_LOOP => {
            let callback = plan.arg_ref as usize;
            // Arm 1: the loop is over.
            let mut done = st.clone();
            for r in 1..=5 {
                done.cur_mut().regs[r] = Value::UNINIT;
            }
            done.cur_mut().regs[0] = Value::unknown();
            // Arm 2: one more call of the callback(index, ctx).
            let depth = st.frames.len();
            let mut frame = Frame::new(callback, depth, idx);
            frame.callback = true;
            frame.regs[1] = Value::unknown();
            frame.regs[2] = st.cur().regs[3];
            st.frames.push(frame);
            Ok(Next::Two(done, idx + 1, st, env.cfg.funcs[callback]))
        }
        Some(CallPlan::Helper(plan)) => {
            helper_effect(env, &mut st, idx, plan)?;
            Ok(Next::One(st, idx + 1))
        }
        Some(CallPlan::Global {
            func,
            stack_touched,
        }) => {
            for &(frame, lo, hi) in stack_touched {
                if let Some(f) = st.frames.get_mut(frame) {
                    f.stack.clobber(lo, hi);
                }
            }
            for r in 1..=5 {
                st.cur_mut().regs[r] = Value::UNINIT;
            }
            st.cur_mut().regs[0] = Value::unknown();
            if may_change_packet(env, *func) {
                clear_packet_pointers(&mut st);
            }
            if !env.globals_called.contains(func) {
                env.globals_called.push(*func);
            }
            Ok(Next::One(st, idx + 1))
        }
        None => Err(ErrorKind::BadCallTarget { target: -1 }),
    }
}

fn helper_effect(
    env: &mut Env<'_>,
    st: &mut State,
    idx: usize,
    plan: &HelperPlan,
) -> Result<(), ErrorKind> {
    let Some(p) = env.platform.helper(plan.id) else {
        return Err(ErrorKind::UnknownHelper { id: plan.id });
    };
    for &(frame, lo, hi) in &plan.stack_touched {
        if let Some(f) = st.frames.get_mut(frame) {
            f.stack.clobber(lo, hi);
        }
    }
    if let Some(rid) = plan.release {
        st.refs.retain(|r| r.id != rid);
        st.for_each_value_mut(|v| {
            if v.ref_id == rid {
                *v = Value::unknown();
            }
        });
    }
    if p.has(helpers::CHANGES_PKT_DATA) {
        clear_packet_pointers(st);
    }
    for r in 1..=5 {
        st.cur_mut().regs[r] = Value::UNINIT;
    }
    let slot = env.slot(idx);
    let r0 = match p.ret {
        Ret::Integer => Value::scalar(integer_result(plan)),
        Ret::Void => Value::UNINIT,
        Ret::MapValue | Ret::MapValueOrNull => {
            let m = plan.map.ok_or(ErrorKind::HelperCall {
                name: p.name,
                id: p.id,
                reason: "returns a map value but takes no map".into(),
            })?;
            let def = &env.prog.maps[m];
            let nullable = p.ret == Ret::MapValueOrNull;
            if def.map_type.is_map_of_maps() {
                let inner = def.inner.ok_or(ErrorKind::Unsupported {
                    what: "map-in-map without an inner map template".into(),
                })?;
                let mut v = Value::pointer(Kind::MapPtr, inner as u32);
                v.nullable = nullable;
                v.id = env.new_id();
                v
            } else if matches!(def.map_type, MapType::SOCKMAP | MapType::SOCKHASH) {
                let id = env.new_id();
                st.refs.push(RefEntry {
                    id,
                    acquired_at: slot,
                });
                let mut v = Value::pointer(Kind::Socket, 0);
                v.nullable = true;
                v.id = id;
                v.ref_id = id;
                v
            } else if def.map_type == MapType::XSKMAP {
                return Err(ErrorKind::Unsupported {
                    what: "lookups in XSK maps".into(),
                });
            } else {
                let mut v = Value::pointer(Kind::MapValue, m as u32);
                v.nullable = nullable;
                if nullable {
                    v.id = env.new_id();
                }
                v
            }
        }
        Ret::SocketOrNull | Ret::TcpSockOrNull | Ret::SockCommonOrNull => {
            let kind = match p.ret {
                Ret::SocketOrNull => Kind::Socket,
                Ret::TcpSockOrNull => Kind::TcpSock,
                _ => Kind::SockCommon,
            };
            let mut v = Value::pointer(kind, 0);
            v.nullable = true;
            v.id = env.new_id();
            if acquires(p.id) {
                v.ref_id = v.id;
                st.refs.push(RefEntry {
                    id: v.id,
                    acquired_at: slot,
                });
            } else if casts(p.id) {
                v.ref_id = plan.arg_ref;
            }
            v
        }
        Ret::RingbufMemOrNull => {
            let size = plan.alloc_size.unwrap_or(0);
            if size >= MAX_VAR_SIZE {
                return Err(ErrorKind::HelperCall {
                    name: p.name,
                    id: p.id,
                    reason: "allocation too large".into(),
                });
            }
            let mut v = Value::pointer(Kind::Mem, size as u32);
            v.nullable = true;
            v.id = env.new_id();
            v.ref_id = v.id;
            st.refs.push(RefEntry {
                id: v.id,
                acquired_at: slot,
            });
            v
        }
        Ret::Unsupported => {
            return Err(ErrorKind::Unsupported {
                what: format!("return type of {}", p.name),
            })
        }
    };
    st.cur_mut().regs[0] = r0;
    Ok(())
}

/// The integer a helper returns: unknown, except for helpers whose result
/// is bounded by their size argument (string and stack copies).
fn integer_result(plan: &HelperPlan) -> Scalar {
    match plan.id {
        // get_stack, get_task_stack, probe_read_str, probe_read_user_str,
        // probe_read_kernel_str: a length up to the buffer size, or -errno.
        67 | 141 | 45 | 114 | 115 => match plan.max_size {
            Some(m) if m < MAX_VAR_SIZE => {
                Scalar::srange(-4095, m as i64).unwrap_or(Scalar::unknown())
            }
            _ => Scalar::unknown(),
        },
        _ => Scalar::unknown(),
    }
}

/// Checks an `exit`: what may be returned, and that no reference leaks.
pub fn check_exit(env: &Env<'_>, st: &State) -> Result<(), ErrorKind> {
    let r0 = *st.reg(Reg::R0);
    if st.depth() == 0 && env.entry_global {
        // The end of a global function verified on its own.
        if r0.kind != Kind::Scalar {
            return Err(ErrorKind::ReturnValue {
                reason: format!("of a global function must be a number, not {r0}"),
            });
        }
        if let Some(r) = st.refs.first() {
            return Err(ErrorKind::ReferenceLeak {
                acquired_at: r.acquired_at,
            });
        }
        return Ok(());
    }
    if st.depth() == 0 && !r0.is_init() {
        return Err(ErrorKind::Uninit { reg: Reg::R0 });
    }
    if st.depth() > 0 && st.cur().callback {
        // A bpf_loop callback returns 0 (continue) or 1 (stop).
        if r0.kind != Kind::Scalar || r0.var.s.min < 0 || r0.var.s.max > 1 {
            return Err(ErrorKind::ReturnValue {
                reason: format!("of a bpf_loop callback is {r0}; it must be 0 or 1"),
            });
        }
        return Ok(());
    }
    if st.depth() > 0 {
        if r0.kind == Kind::Stack {
            return Err(ErrorKind::ReturnValue {
                reason: "is a stack pointer; a function cannot return one to its caller".into(),
            });
        }
        return Ok(());
    }
    if let Some((lo, hi)) = env.platform.return_range(env.prog.kind) {
        if r0.kind != Kind::Scalar {
            return Err(ErrorKind::ReturnValue {
                reason: format!("is not a known value ({r0}); expected a number in [{lo}, {hi}]"),
            });
        }
        if r0.var.s.min < lo || r0.var.s.max > hi {
            return Err(ErrorKind::ReturnValue {
                reason: format!(
                    "has smin={} smax={}, should have been in [{lo}, {hi}]",
                    r0.var.s.min, r0.var.s.max
                ),
            });
        }
    }
    if let Some(r) = st.refs.first() {
        return Err(ErrorKind::ReferenceLeak {
            acquired_at: r.acquired_at,
        });
    }
    Ok(())
}

/// `exit`: return to the caller, or end the program.
pub fn exit(mut st: State) -> Next {
    if st.depth() == 0 {
        return Next::Exit;
    }
    let r0 = *st.reg(Reg::R0);
    match st.frames.pop() {
        // A callback returns to its helper call, which runs again.
        Some(callee) if callee.callback => Next::One(st, callee.callsite),
        Some(callee) => {
            st.cur_mut().regs[0] = r0;
            Next::One(st, callee.callsite + 1)
        }
        None => Next::Exit,
    }
}

/// Checks a legacy packet load (`ld_abs`/`ld_ind`).
pub fn check_ld_abs(env: &Env<'_>, st: &State) -> Result<(), ErrorKind> {
    if !matches!(
        env.prog.kind.prog_type,
        ProgType::SocketFilter | ProgType::SchedCls | ProgType::SchedAct
    ) {
        return Err(ErrorKind::InvalidAccess {
            reg: Reg::R6,
            reason: "ld_abs/ld_ind are not allowed for this program type".into(),
        });
    }
    if let Some(r) = st.refs.first() {
        return Err(ErrorKind::ReferenceLeak {
            acquired_at: r.acquired_at,
        });
    }
    let ctx = *st.reg(Reg::R6);
    if ctx.kind != Kind::Ctx {
        return Err(ErrorKind::InvalidAccess {
            reg: Reg::R6,
            reason: "ld_abs/ld_ind need the context (skb) in r6".into(),
        });
    }
    if ctx.off != 0 || !ctx.var.is_const_eq(0) {
        return Err(ErrorKind::InvalidAccess {
            reg: Reg::R6,
            reason: "the context pointer in r6 must not be modified".into(),
        });
    }
    Ok(())
}

/// `r0 = *(size *)skb[...]`: a hidden helper call (`r1`-`r5` clobbered).
/// A failed load ends the function with `r0 = 0`: in a subprogram that is
/// a second path, back to the caller.
pub fn ld_abs(mut st: State, idx: usize) -> Next {
    for r in 1..=5 {
        st.cur_mut().regs[r] = Value::UNINIT;
    }
    st.cur_mut().regs[0] = Value::unknown();
    if st.depth() == 0 {
        return Next::One(st, idx + 1);
    }
    let mut early = st.clone();
    early.cur_mut().regs[0] = Value::constant(0);
    match exit(early) {
        Next::One(e, ret) => Next::Two(st, idx + 1, e, ret),
        _ => Next::One(st, idx + 1),
    }
}

/// Checks the arguments of a call to a global function against its BTF
/// signature (Linux `btf_check_subprog_call`): scalars for integers, the
/// unmodified context for context pointers, and readable and writable
/// memory of the pointed type's size (or NULL) for other pointers.
fn check_global_call(
    env: &mut Env<'_>,
    st: &State,
    func: usize,
    params: Option<&[crate::verify::program::Param]>,
) -> Result<CallPlan, ErrorKind> {
    use crate::verify::program::Param;
    let unsupported = |what: String| ErrorKind::Unsupported { what };
    let Some(params) = params else {
        return Err(unsupported(
            "a global function without a BTF signature".into(),
        ));
    };
    if params.len() > 5 {
        return Err(unsupported(
            "a global function with more than 5 parameters".into(),
        ));
    }
    let mut stack_touched = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let reg = arg_reg(i);
        let v = *st.reg(reg);
        let bad = |reason: String| ErrorKind::InvalidAccess { reg, reason };
        if !v.is_init() {
            return Err(ErrorKind::Uninit { reg });
        }
        match *p {
            Param::Scalar => {
                if v.kind != Kind::Scalar {
                    return Err(bad(format!(
                        "global function parameter {} needs a number, got {v}",
                        i + 1
                    )));
                }
            }
            Param::Ctx => {
                if v.kind != Kind::Ctx || v.off != 0 || !v.var.is_const_eq(0) {
                    return Err(bad(format!(
                        "global function parameter {} needs the context, got {v}",
                        i + 1
                    )));
                }
            }
            Param::Mem { size } => {
                if v.is_null() {
                    continue;
                }
                let fake = HelperProto {
                    id: 0,
                    name: "global function",
                    ret: Ret::Integer,
                    args: &[],
                    flags: 0,
                };
                let mut plan = HelperPlan {
                    id: 0,
                    map: None,
                    stack_touched: Vec::new(),
                    release: None,
                    alloc_size: None,
                    arg_ref: 0,
                    max_size: None,
                };
                mem_arg(
                    env,
                    st,
                    &fake,
                    i,
                    &v,
                    size as u64,
                    Access::ReadWrite,
                    false,
                    false,
                    &mut plan,
                )?;
                stack_touched.extend(plan.stack_touched);
            }
            Param::Unsupported => {
                return Err(unsupported(format!(
                    "parameter {} of a global function has a type Palisade does not model",
                    i + 1
                )))
            }
        }
    }
    Ok(CallPlan::Global {
        func,
        stack_touched,
    })
}

/// The entry state of a global function verified on its own.
pub fn global_entry(env: &mut Env<'_>, func: usize) -> Result<State, ErrorKind> {
    use crate::verify::program::Param;
    let slot = env.slot(env.cfg.funcs[func]);
    let params = env
        .prog
        .funcs
        .iter()
        .find(|f| f.slot == slot)
        .and_then(|f| f.params.clone())
        .ok_or(ErrorKind::Unsupported {
            what: "a global function without a BTF signature".into(),
        })?;
    let mut frame = Frame::new(func, 0, 0);
    for (i, p) in params.iter().enumerate().take(5) {
        frame.regs[i + 1] = match *p {
            Param::Scalar => Value::unknown(),
            Param::Ctx => Value::pointer(Kind::Ctx, 0),
            Param::Mem { size } => {
                let mut v = Value::pointer(Kind::Mem, size);
                v.nullable = true;
                v.id = env.new_id();
                v
            }
            Param::Unsupported => {
                return Err(ErrorKind::Unsupported {
                    what: format!("parameter {} of a global function", i + 1),
                })
            }
        };
    }
    Ok(State {
        frames: vec![frame],
        refs: Vec::new(),
        may_goto_depth: 0,
    })
}

/// Whether function `func` (or anything it calls) may call a helper that
/// moves packet data: after calling it, packet pointers are stale.
pub fn may_change_packet(env: &Env<'_>, func: usize) -> bool {
    let cfg = env.cfg;
    let mut seen = vec![false; cfg.funcs.len()];
    let mut work = vec![func];
    while let Some(f) = work.pop() {
        if f >= seen.len() || seen[f] {
            continue;
        }
        seen[f] = true;
        for (idx, insn) in cfg.insns.iter().enumerate() {
            if cfg.func_of[idx] as usize != f {
                continue;
            }
            match insn {
                crate::isa::Insn::Call(CallTarget::Helper(id))
                    if env
                        .platform
                        .helper(*id)
                        .is_some_and(|p| p.has(helpers::CHANGES_PKT_DATA)) =>
                {
                    return true;
                }
                crate::isa::Insn::Call(CallTarget::Local(_)) => {
                    if let Some(g) = cfg.call_target(idx).map(|t| cfg.func_of[t] as usize) {
                        work.push(g);
                    }
                }
                _ => {}
            }
        }
    }
    false
}

/// Checks a `bpf_loop` call: the callback is a function of the program,
/// the context is a stack pointer or NULL, and one more frame fits.
/// Returns the callback's function number.
fn check_loop(env: &Env<'_>, st: &State, p: &HelperProto) -> Result<usize, ErrorKind> {
    for i in 0..4 {
        if !st.reg(arg_reg(i)).is_init() {
            return Err(ErrorKind::Uninit { reg: arg_reg(i) });
        }
    }
    let f = *st.reg(Reg::R2);
    if f.kind != Kind::Func {
        return Err(arg_err(
            p,
            1,
            format!("expected a function (callback), got {f}"),
        ));
    }
    let ctx = *st.reg(Reg::R3);
    if !(ctx.is_null() || (ctx.kind == Kind::Stack && !ctx.nullable)) {
        return Err(arg_err(
            p,
            2,
            format!("expected a stack pointer or NULL, got {ctx}"),
        ));
    }
    let callback = f.aux as usize;
    if callback >= env.cfg.funcs.len() {
        return Err(arg_err(p, 1, "no such function"));
    }
    let slot = env.slot(env.cfg.funcs[callback]);
    if env.prog.funcs.iter().any(|g| g.slot == slot && g.global) {
        return Err(ErrorKind::Unsupported {
            what: "a global function as a bpf_loop callback".into(),
        });
    }
    if st.frames.len() >= env.platform.limits.max_frames {
        return Err(ErrorKind::CallStackTooDeep {
            frames: st.frames.len() + 1,
        });
    }
    Ok(callback)
}
