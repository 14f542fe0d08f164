//! Arithmetic and moves: scalar operations in the scalar domain, and the
//! rules for arithmetic on pointers (Linux `adjust_ptr_min_max_vals`).
//!
//! Pointer rules:
//! * only `+` and `-` of a scalar, in 64 bits, on pointers that are not
//!   maybe-NULL, and not on `data_end`, sockets or maps (except `+ 0`);
//! * the scalar must have a bounded minimum and stay within ±2^29, and the
//!   fixed offset as well;
//! * a constant is folded into the fixed offset; anything else becomes the
//!   variable offset (for packet pointers this starts a new base with a
//!   range of 0);
//! * `pointer - pointer` and 32-bit `pointer - x` give an unknown scalar
//!   (the kernel allows this for privileged loaders); other operations on
//!   pointers are errors;
//! * nothing may be subtracted from a stack pointer.

use super::{Env, Next};
use crate::isa::{AluOp, EndianOp, Operand, Reg, Size, Width};
use crate::verify::domain::interval::Interval;
use crate::verify::domain::scalar::{Bits, Scalar, ScalarOp};
use crate::verify::domain::state::State;
use crate::verify::domain::tnum::Tnum;
use crate::verify::domain::types::{Kind, Value};
use crate::verify::error::ErrorKind;
use crate::verify::transfer::mem::MAX_VAR_OFF;

fn bits(width: Width) -> Bits {
    match width {
        Width::W32 => Bits::B32,
        Width::W64 => Bits::B64,
    }
}

fn scalar_op(op: AluOp) -> ScalarOp {
    match op {
        AluOp::Add => ScalarOp::Add,
        AluOp::Sub => ScalarOp::Sub,
        AluOp::Mul => ScalarOp::Mul,
        AluOp::And => ScalarOp::And,
        AluOp::Or => ScalarOp::Or,
        AluOp::Xor => ScalarOp::Xor,
        AluOp::Lsh => ScalarOp::Lsh,
        AluOp::Rsh => ScalarOp::Rsh,
        AluOp::Arsh => ScalarOp::Arsh,
        AluOp::Div | AluOp::SDiv | AluOp::Mod | AluOp::SMod | AluOp::Mov => ScalarOp::Opaque,
    }
}

fn ptr_err(reason: impl Into<String>) -> ErrorKind {
    ErrorKind::PointerArithmetic {
        reason: reason.into(),
    }
}

fn kind_name(v: &Value) -> String {
    let s = v.to_string();
    s.split('(').next().unwrap_or(&s).to_string()
}

/// The result of an ALU operation that involves a pointer, or `None` when
/// both operands are scalars (then the scalar domain computes it).
pub fn check_arith(
    env: &mut Env<'_>,
    st: &State,
    width: Width,
    op: AluOp,
    dst: Reg,
    src: Operand,
) -> Result<Option<Value>, ErrorKind> {
    let srcv = match src {
        Operand::Reg(r) => *st.reg(r),
        Operand::Imm(i) => Value::constant(i as i64 as u64),
    };
    let dstv = *st.reg(dst);
    if !dstv.kind.is_pointer() && !srcv.kind.is_pointer() {
        return Ok(None);
    }
    if width == Width::W32 {
        if op == AluOp::Sub {
            return Ok(Some(Value::unknown()));
        }
        return Err(ptr_err("32-bit arithmetic on a pointer"));
    }
    let v = match (dstv.kind.is_pointer(), srcv.kind.is_pointer()) {
        (true, true) => {
            if op == AluOp::Sub {
                Value::unknown()
            } else {
                return Err(ptr_err(format!("pointer {} pointer", op.operator())));
            }
        }
        (true, false) => ptr_arith(env, op, &dstv, &srcv, true)?,
        _ => {
            if op == AluOp::Sub {
                return Err(ptr_err("subtracting a pointer from a scalar"));
            }
            ptr_arith(env, op, &srcv, &dstv, false)?
        }
    };
    Ok(Some(v))
}

/// `dst op= src`; `arith` is the checked result when a pointer is involved.
#[allow(clippy::too_many_arguments)]
pub fn alu(
    env: &mut Env<'_>,
    mut st: State,
    idx: usize,
    width: Width,
    op: AluOp,
    dst: Reg,
    src: Operand,
    arith: Option<Value>,
) -> Next {
    let next = idx + 1;
    let srcv = match src {
        Operand::Reg(r) => *st.reg(r),
        Operand::Imm(i) => Value::constant(i as i64 as u64),
    };
    if op == AluOp::Mov {
        mov(env, &mut st, width, dst, src, srcv);
        return Next::One(st, next);
    }
    if let Some(v) = arith {
        *st.reg_mut(dst) = v;
        return Next::One(st, next);
    }
    let dstv = *st.reg(dst);
    let src_is_dst = src == Operand::Reg(dst);
    // AND/OR with a constant of a value known to be 0 or -1 splits the
    // path (the kernel does this to keep `-(cond)` masks exact).
    if matches!(op, AluOp::And | AluOp::Or) && srcv.var.as_const().is_some() {
        let split = if dstv.var.s.min == -1 && dstv.var.s.max == 0 {
            Some((Scalar::constant(0), Scalar::constant(u64::MAX)))
        } else if dstv.var.ws.min == -1 && dstv.var.ws.max == 0 {
            let low = |c: u64| {
                let mut s = dstv.var;
                s.var = s.var.with_subreg(Tnum::constant(c));
                s.wu = Interval::constant(c as u32);
                s.ws = Interval::constant(c as u32 as i32);
                s.synced()
            };
            low(0).zip(low(0xffff_ffff))
        } else {
            None
        };
        if let Some((zero, ones)) = split {
            let mut a = st.clone();
            let mut b = st;
            apply_scalar(&mut a, width, op, dst, zero, &srcv, src_is_dst);
            apply_scalar(&mut b, width, op, dst, ones, &srcv, src_is_dst);
            return Next::Two(a, next, b, next);
        }
    }
    apply_scalar(&mut st, width, op, dst, dstv.var, &srcv, src_is_dst);
    Next::One(st, next)
}

#[allow(clippy::too_many_arguments)]
fn apply_scalar(
    st: &mut State,
    width: Width,
    op: AluOp,
    dst: Reg,
    d: Scalar,
    srcv: &Value,
    src_is_dst: bool,
) {
    let old = *st.reg(dst);
    let result = d.binop(scalar_op(op), &srcv.var, bits(width));
    let mut v = Value::scalar(result);
    // `rX += K` keeps rX linked to its copies with a known delta.
    if old.id != 0 && op == AluOp::Add && width == Width::W64 && !src_is_dst && old.off == 0 {
        if let Some(c) = srcv.var.as_const() {
            if c <= i32::MAX as u64 {
                v.id = old.id;
                v.off = c as i32;
            }
        }
    }
    *st.reg_mut(dst) = v;
}

/// `dst = src` (64-bit copies the value; 32-bit zero-extends).
fn mov(env: &mut Env<'_>, st: &mut State, width: Width, dst: Reg, src: Operand, srcv: Value) {
    match (width, src) {
        (Width::W64, Operand::Imm(_)) => *st.reg_mut(dst) = Value::scalar(srcv.var),
        (Width::W32, Operand::Imm(i)) => *st.reg_mut(dst) = Value::constant(i as u32 as u64),
        (Width::W64, Operand::Reg(s)) => {
            let mut v = srcv;
            if v.kind == Kind::Scalar && v.id == 0 && v.var.as_const().is_none() {
                let id = env.new_id();
                st.reg_mut(s).id = id;
                st.reg_mut(s).off = 0;
                v.id = id;
                v.off = 0;
            }
            *st.reg_mut(dst) = v;
        }
        (Width::W32, Operand::Reg(s)) => {
            if srcv.kind != Kind::Scalar {
                *st.reg_mut(dst) = Value::scalar(Scalar::unknown_bytes(4));
                return;
            }
            let fits = srcv.var.u.max <= u32::MAX as u64;
            let mut v = Value::scalar(srcv.var.zext32());
            if fits && srcv.var.as_const().is_none() {
                if srcv.id != 0 {
                    v.id = srcv.id;
                    v.off = srcv.off;
                } else {
                    let id = env.new_id();
                    st.reg_mut(s).id = id;
                    st.reg_mut(s).off = 0;
                    v.id = id;
                }
            }
            *st.reg_mut(dst) = v;
        }
    }
}

/// Whether a value may take part in pointer arithmetic (Linux
/// `check_reg_sane_offset`).
fn sane_offset(v: &Value, ptr: &Value) -> Result<(), ErrorKind> {
    let what = || kind_name(ptr);
    if let Some(c) = v.var.as_const() {
        let c = c as i64;
        if c >= MAX_VAR_OFF || c <= -MAX_VAR_OFF {
            return Err(ptr_err(format!(
                "math between {} pointer and {c} is not allowed",
                what()
            )));
        }
    }
    if v.off as i64 >= MAX_VAR_OFF || v.off as i64 <= -MAX_VAR_OFF {
        return Err(ptr_err(format!(
            "{} pointer offset {} is not allowed",
            what(),
            v.off
        )));
    }
    if v.var.s.min == i64::MIN {
        return Err(ptr_err(format!(
            "math between {} pointer and a register with unbounded minimum value",
            what()
        )));
    }
    if v.var.s.min >= MAX_VAR_OFF || v.var.s.min <= -MAX_VAR_OFF {
        return Err(ptr_err(format!(
            "value {} makes the {} pointer go out of bounds",
            v.var.s.min,
            what()
        )));
    }
    Ok(())
}

/// `ptr op scalar` (or `scalar + ptr` when `ptr_is_dst` is false).
fn ptr_arith(
    env: &mut Env<'_>,
    op: AluOp,
    ptr: &Value,
    off: &Value,
    ptr_is_dst: bool,
) -> Result<Value, ErrorKind> {
    let what = || kind_name(ptr);
    if ptr.nullable {
        return Err(ptr_err(format!(
            "arithmetic on {}, which may be NULL; check it first",
            what()
        )));
    }
    let known = off.var.as_const();
    match ptr.kind {
        Kind::Ctx
        | Kind::MapValue
        | Kind::Stack
        | Kind::Packet
        | Kind::PacketMeta
        | Kind::Mem
        | Kind::Func => {}
        Kind::MapPtr if known == Some(0) && op == AluOp::Add => {}
        _ => return Err(ptr_err(format!("arithmetic on {} is prohibited", what()))),
    }
    sane_offset(off, ptr)?;
    sane_offset(ptr, ptr)?;
    let mut r = *ptr;
    match op {
        AluOp::Add => {
            let folded = known.and_then(|c| {
                let sum = ptr.off as i64 + c as i64;
                (sum == sum as i32 as i64).then_some(sum as i32)
            });
            match folded {
                Some(o) => r.off = o,
                None => {
                    r.var = ptr.var.binop(ScalarOp::Add, &off.var, Bits::B64);
                    if ptr.kind.is_packet() {
                        r.id = env.new_id();
                        r.aux = 0;
                    }
                }
            }
        }
        AluOp::Sub => {
            if !ptr_is_dst {
                return Err(ptr_err("subtracting a pointer from a scalar"));
            }
            if ptr.kind == Kind::Stack {
                return Err(ptr_err("subtraction from the stack pointer"));
            }
            let folded = known.and_then(|c| {
                let d = ptr.off as i64 - c as i64;
                (d == d as i32 as i64).then_some(d as i32)
            });
            match folded {
                Some(o) => r.off = o,
                None => {
                    r.var = ptr.var.binop(ScalarOp::Sub, &off.var, Bits::B64);
                    if ptr.kind.is_packet() {
                        r.id = env.new_id();
                        if off.var.s.min < 0 {
                            r.aux = 0;
                        }
                    }
                }
            }
        }
        AluOp::And | AluOp::Or | AluOp::Xor => {
            return Err(ptr_err(format!(
                "bitwise operator {} on a pointer",
                op.operator()
            )))
        }
        _ => return Err(ptr_err(format!("operator {} on a pointer", op.operator()))),
    }
    sane_offset(&r, ptr)?;
    Ok(r)
}

/// `dst = -dst`.
pub fn neg(st: &mut State, width: Width, dst: Reg) {
    let v = *st.reg(dst);
    *st.reg_mut(dst) = if v.kind == Kind::Scalar {
        Value::scalar(v.var.neg(bits(width)))
    } else {
        Value::unknown()
    };
}

/// Byte-order conversion of the low `bits` bits.
pub fn endian(st: &mut State, op: EndianOp, bits: u8, dst: Reg) {
    let v = *st.reg(dst);
    let bits = bits as u32;
    let r = if v.kind != Kind::Scalar {
        Scalar::unknown()
    } else {
        match op {
            // The host is little endian: `le` only truncates.
            EndianOp::ToLe => v.var.truncate(bits / 8),
            EndianOp::ToBe | EndianOp::Swap => v.var.bswap(bits),
        }
    };
    *st.reg_mut(dst) = Value::scalar(r);
}

/// `dst = (s8/s16/s32) src`.
pub fn movsx(env: &mut Env<'_>, st: &mut State, width: Width, dst: Reg, src: Reg, from: Size) {
    let v = *st.reg(src);
    if v.kind != Kind::Scalar {
        *st.reg_mut(dst) = Value::unknown();
        return;
    }
    let bytes = from.bytes();
    let no_sext = v.var.u.max < (1u64 << (bytes * 8 - 1));
    let mut out = match width {
        Width::W64 => Value::scalar(v.var.sext(bytes)),
        Width::W32 => Value::scalar(v.var.zext32().sext(bytes).zext32()),
    };
    if no_sext && v.var.as_const().is_none() {
        if v.id != 0 {
            out.id = v.id;
            out.off = v.off;
        } else {
            let id = env.new_id();
            st.reg_mut(src).id = id;
            st.reg_mut(src).off = 0;
            out.id = id;
        }
    }
    *st.reg_mut(dst) = out;
}
