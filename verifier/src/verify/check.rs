//! Judges an instruction's [`Assertion`]s against an abstract state.
//!
//! A passing check may return facts the transfer function needs (where a
//! memory access lands, what a call will do), so the work is done once.

use super::assertions::Assertion;
use super::domain::state::State;
use super::domain::types::Value;
use super::error::ErrorKind;
use super::transfer::alu;
use super::transfer::call::{self, CallPlan};
use super::transfer::mem::{self, Target};
use super::transfer::Env;
use crate::isa::Reg;

/// What passing checks established.
#[derive(Debug, Default)]
pub struct Facts {
    pub access: Option<Target>,
    /// The value a load (or the read half of an atomic) produces.
    pub loaded: Option<Value>,
    /// The result of an ALU operation involving a pointer.
    pub arith: Option<Value>,
    pub call: Option<CallPlan>,
}

/// Checks every assertion in order; the first failure is the error.
pub fn check_all(
    env: &mut Env<'_>,
    st: &State,
    idx: usize,
    assertions: &[Assertion],
) -> Result<Facts, ErrorKind> {
    let mut facts = Facts::default();
    for a in assertions {
        match *a {
            Assertion::Readable(r) => {
                if !st.reg(r).is_init() {
                    return Err(ErrorKind::Uninit { reg: r });
                }
            }
            Assertion::Writable(r) => {
                if r == Reg::R10 {
                    return Err(ErrorKind::FramePointerWrite);
                }
            }
            Assertion::NonZeroDivisor(imm) => {
                if imm == 0 {
                    return Err(ErrorKind::DivByZero);
                }
            }
            Assertion::ShiftInRange { amount, bits } => {
                if amount < 0 || amount as u32 >= bits {
                    return Err(ErrorKind::InvalidShift {
                        amount: amount as i64,
                    });
                }
            }
            Assertion::Access {
                base,
                off,
                size,
                kind,
                sign_extend,
                value,
            } => {
                let target = mem::check_access(
                    env,
                    st,
                    idx,
                    base,
                    off as i64,
                    size.bytes(),
                    kind,
                    sign_extend,
                )?;
                facts.loaded =
                    mem::check_effect(env, st, target, size.bytes(), kind, sign_extend, value)?;
                facts.access = Some(target);
            }
            Assertion::Arith {
                width,
                op,
                dst,
                src,
            } => {
                facts.arith = alu::check_arith(env, st, width, op, dst, src)?;
            }
            Assertion::LdAbs => call::check_ld_abs(env, st)?,
            Assertion::Exit => call::check_exit(env, st)?,
            Assertion::Call(target) => {
                facts.call = Some(call::check_call(env, st, idx, target)?);
            }
        }
    }
    Ok(facts)
}
