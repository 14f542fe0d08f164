//! The interpreter: executes a prepared [`Program`] over a [`Memory`].
//!
//! It matches on the typed [`Insn`] (never on raw bytes); jump targets were
//! resolved by [`Program::new`], so a taken branch is one array read.
//! Nothing is allocated per instruction.
//!
//! Calling convention (RFC 9669 / Linux): `r1`..`r5` carry arguments, `r0`
//! the result; a bpf-to-bpf call saves `r6`..`r9` and gives the callee a
//! fresh, zeroed 512-byte stack with `r10` at its top; at most [`MAX_FRAMES`]
//! frames. Helper calls leave `r1`..`r5` as they were (a verified
//! program never reads them afterwards).
//!
//! Invariants:
//! * Every run ends in `Ok` (an `exit` of frame 0, or a legacy packet load
//!   out of bounds, which returns 0 as in Linux) or in a [`VmError`] that
//!   names the instruction; never a panic.
//! * At most `max_instructions` instructions execute.

use palisade_verifier::isa::{AtomicOp, CallTarget, Insn, Operand, Reg, Size, Width};

use super::alu::{alu32, alu64, cond32, cond64, endian, sign_extend};
use super::ctx::PacketHook;
use super::env::{Env, VmConfig};
use super::error::{VmError, VmErrorKind};
use super::helpers;
use super::memory::{frame_pointer, Memory, FUNC_TAG, MAX_FRAMES, STACK_SIZE};
use super::program::Program;

/// A caller's state saved across a bpf-to-bpf call.
#[derive(Clone, Copy, Debug, Default)]
struct CallFrame {
    /// Instruction to resume at.
    ret: u32,
    /// `r6`..`r9`.
    saved: [u64; 4],
    /// `may_goto` fall-throughs left in this frame.
    may_goto: u32,
}

/// The end of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub r0: u64,
    pub instructions: u64,
}

/// Everything one run needs, borrowed from the VM and the caller.
pub(crate) struct Machine<'a> {
    pub prog: &'a Program,
    pub mem: Memory<'a>,
    pub env: &'a mut Env,
    pub config: &'a VmConfig,
    /// Reused buffer for helper keys and values.
    pub scratch: &'a mut Vec<u8>,
    /// The packet hook of a packet run (`None` for raw memory and socket
    /// addresses).
    pub hook: Option<PacketHook>,
}

#[inline(always)]
fn reg(r: Reg) -> usize {
    r.index() as usize
}

impl Machine<'_> {
    fn fault(&self, i: usize, kind: VmErrorKind) -> VmError {
        VmError {
            slot: self.prog.slots.get(i).copied().unwrap_or(0) as usize,
            insn: self.prog.insns.get(i).copied().unwrap_or(Insn::Exit),
            kind,
        }
    }

    /// Runs from the first instruction with `r1`, `r2` as given.
    pub fn run(&mut self, r1: u64, r2: u64) -> Result<Outcome, VmError> {
        let prog = self.prog;
        let insns = &prog.insns[..];
        let targets = &prog.targets[..];
        let limit = self.config.max_instructions;
        let mut r = [0u64; 11];
        r[1] = r1;
        r[2] = r2;
        r[10] = frame_pointer(0);
        let mut frames = [CallFrame::default(); MAX_FRAMES];
        frames[0].may_goto = self.config.may_goto_budget;
        let mut depth = 0usize;
        let mut executed: u64 = 0;
        let mut pc = 0usize;
        loop {
            let i = pc;
            let Some(&insn) = insns.get(i) else {
                return Err(self.fault(insns.len().saturating_sub(1), VmErrorKind::FellOffEnd));
            };
            if executed == limit {
                return Err(self.fault(i, VmErrorKind::InstructionLimit { limit }));
            }
            executed += 1;
            pc += 1;
            match insn {
                Insn::Alu {
                    width: Width::W64,
                    op,
                    dst,
                    src,
                } => {
                    let s = match src {
                        Operand::Reg(s) => r[reg(s)],
                        Operand::Imm(imm) => imm as i64 as u64,
                    };
                    r[reg(dst)] = alu64(op, r[reg(dst)], s);
                }
                Insn::Alu {
                    width: Width::W32,
                    op,
                    dst,
                    src,
                } => {
                    let s = match src {
                        Operand::Reg(s) => r[reg(s)] as u32,
                        Operand::Imm(imm) => imm as u32,
                    };
                    r[reg(dst)] = u64::from(alu32(op, r[reg(dst)] as u32, s));
                }
                Insn::Jmp {
                    width,
                    cond,
                    dst,
                    src,
                    ..
                } => {
                    let d = r[reg(dst)];
                    let taken = match (width, src) {
                        (Width::W64, Operand::Reg(s)) => cond64(cond, d, r[reg(s)]),
                        (Width::W64, Operand::Imm(imm)) => cond64(cond, d, imm as i64 as u64),
                        (Width::W32, Operand::Reg(s)) => cond32(cond, d as u32, r[reg(s)] as u32),
                        (Width::W32, Operand::Imm(imm)) => cond32(cond, d as u32, imm as u32),
                    };
                    if taken {
                        pc = targets[i] as usize;
                    }
                }
                // One thread: acquire and release order nothing more.
                Insn::Load {
                    size,
                    dst,
                    src,
                    off,
                }
                | Insn::LoadAcquire {
                    size,
                    dst,
                    src,
                    off,
                } => {
                    let addr = r[reg(src)].wrapping_add(off as i64 as u64);
                    r[reg(dst)] = self.mem.load(addr, size).map_err(|k| self.fault(i, k))?;
                }
                Insn::Store {
                    size,
                    dst,
                    off,
                    src,
                }
                | Insn::StoreRelease {
                    size,
                    dst,
                    src,
                    off,
                } => {
                    let addr = r[reg(dst)].wrapping_add(off as i64 as u64);
                    let value = r[reg(src)];
                    self.mem
                        .store(addr, size, value)
                        .map_err(|k| self.fault(i, k))?;
                }
                Insn::StoreImm {
                    size,
                    dst,
                    off,
                    imm,
                } => {
                    let addr = r[reg(dst)].wrapping_add(off as i64 as u64);
                    self.mem
                        .store(addr, size, imm as i64 as u64)
                        .map_err(|k| self.fault(i, k))?;
                }
                Insn::Ja { .. } | Insn::JaLong { .. } => pc = targets[i] as usize,
                Insn::LdImm64 { dst, imm } => r[reg(dst)] = imm as u64,
                Insn::Neg { width, dst } => {
                    let d = r[reg(dst)];
                    r[reg(dst)] = match width {
                        Width::W64 => d.wrapping_neg(),
                        Width::W32 => u64::from((d as u32).wrapping_neg()),
                    };
                }
                Insn::MovSx {
                    width,
                    dst,
                    src,
                    from,
                } => {
                    let v = sign_extend(r[reg(src)], from);
                    r[reg(dst)] = match width {
                        Width::W64 => v,
                        Width::W32 => u64::from(v as u32),
                    };
                }
                Insn::Endian { op, bits, dst } => r[reg(dst)] = endian(op, bits, r[reg(dst)]),
                Insn::LoadSx {
                    size,
                    dst,
                    src,
                    off,
                } => {
                    let addr = r[reg(src)].wrapping_add(off as i64 as u64);
                    let v = self.mem.load(addr, size).map_err(|k| self.fault(i, k))?;
                    r[reg(dst)] = sign_extend(v, size);
                }
                Insn::Atomic {
                    size,
                    op,
                    dst,
                    src,
                    off,
                } => {
                    let addr = r[reg(dst)].wrapping_add(off as i64 as u64);
                    let wide = size == Size::DW;
                    let trunc = |v: u64| if wide { v } else { v & 0xffff_ffff };
                    let s = trunc(r[reg(src)]);
                    let expected = trunc(r[0]);
                    let old = self
                        .mem
                        .atomic(addr, size, |old| {
                            let new = match op {
                                AtomicOp::Add { .. } => old.wrapping_add(s),
                                AtomicOp::Or { .. } => old | s,
                                AtomicOp::And { .. } => old & s,
                                AtomicOp::Xor { .. } => old ^ s,
                                AtomicOp::Xchg => s,
                                AtomicOp::CmpXchg => {
                                    if old == expected {
                                        s
                                    } else {
                                        old
                                    }
                                }
                            };
                            (new, old)
                        })
                        .map_err(|k| self.fault(i, k))?;
                    match op {
                        AtomicOp::Add { fetch: true }
                        | AtomicOp::Or { fetch: true }
                        | AtomicOp::And { fetch: true }
                        | AtomicOp::Xor { fetch: true }
                        | AtomicOp::Xchg => r[reg(src)] = old,
                        AtomicOp::CmpXchg => r[0] = old,
                        _ => {}
                    }
                }
                Insn::LdPseudo { .. } => {
                    return Err(self.fault(
                        i,
                        VmErrorKind::Unsupported("ld_imm64 of a kernel BTF id (ksym)"),
                    ))
                }
                Insn::AddrSpaceCast { .. } => {
                    return Err(self.fault(i, VmErrorKind::Unsupported("arena address-space casts")))
                }
                Insn::LdAbs { size, imm } => match self.legacy_load(i, size, imm as i64)? {
                    Some(v) => r[0] = v,
                    None => return Ok(self.finish(0, executed)),
                },
                Insn::LdInd { size, src, imm } => {
                    let off = (r[reg(src)] as u32 as i32).wrapping_add(imm) as i64;
                    match self.legacy_load(i, size, off)? {
                        Some(v) => r[0] = v,
                        None => return Ok(self.finish(0, executed)),
                    }
                }
                Insn::MayGoto { .. } => {
                    let left = &mut frames[depth].may_goto;
                    if *left == 0 {
                        pc = targets[i] as usize;
                    } else {
                        *left -= 1;
                    }
                }
                Insn::Call(CallTarget::Helper(id)) => {
                    r[0] = self.helper(i, id, &r)?;
                }
                Insn::Call(CallTarget::Local(_)) => {
                    self.enter(i, &mut r, &mut frames, &mut depth, pc)?;
                    pc = targets[i] as usize;
                }
                Insn::Call(CallTarget::Kfunc { .. }) => {
                    return Err(self.fault(i, VmErrorKind::Unsupported("kfunc calls")))
                }
                Insn::Callx { reg: target } => {
                    let value = r[reg(target)];
                    if (value >> 32) as u32 == FUNC_TAG && (value as u32 as usize) < insns.len() {
                        self.enter(i, &mut r, &mut frames, &mut depth, pc)?;
                        pc = value as u32 as usize;
                    } else if let Ok(id) = i32::try_from(value) {
                        // uBPF / bpf_conformance: callx of a helper number.
                        r[0] = self.helper(i, id, &r)?;
                    } else {
                        return Err(self.fault(i, VmErrorKind::BadCallx(value)));
                    }
                }
                Insn::Exit => {
                    if depth == 0 {
                        return Ok(self.finish(r[0], executed));
                    }
                    depth -= 1;
                    let frame = frames[depth];
                    r[6..10].copy_from_slice(&frame.saved);
                    r[10] = frame_pointer(depth);
                    pc = frame.ret as usize;
                }
            }
        }
    }

    fn finish(&self, r0: u64, instructions: u64) -> Outcome {
        Outcome { r0, instructions }
    }

    /// Pushes a call frame with a zeroed stack; the caller then jumps to
    /// the callee.
    fn enter(
        &mut self,
        i: usize,
        r: &mut [u64; 11],
        frames: &mut [CallFrame; MAX_FRAMES],
        depth: &mut usize,
        ret: usize,
    ) -> Result<(), VmError> {
        if *depth + 1 >= MAX_FRAMES {
            return Err(self.fault(i, VmErrorKind::CallDepth { max: MAX_FRAMES }));
        }
        let frame = &mut frames[*depth];
        frame.ret = ret as u32;
        frame.saved.copy_from_slice(&r[6..10]);
        *depth += 1;
        frames[*depth].may_goto = self.config.may_goto_budget;
        r[10] = frame_pointer(*depth);
        let start = *depth * STACK_SIZE;
        if let Some(stack) = self.mem.stack.get_mut(start..start + STACK_SIZE) {
            stack.fill(0);
        }
        Ok(())
    }

    fn helper(&mut self, i: usize, id: i32, r: &[u64; 11]) -> Result<u64, VmError> {
        let args = [r[1], r[2], r[3], r[4], r[5]];
        let mut call = helpers::HelperCall {
            mem: &mut self.mem,
            env: self.env,
            scratch: self.scratch,
            hook: self.hook,
        };
        call.call(id, args).map_err(|k| self.fault(i, k))
    }

    /// `ld_abs`/`ld_ind`: a big-endian load from the packet of a
    /// `__sk_buff` program; `None` when out of bounds (the program then
    /// returns 0, as in Linux). Offsets are from `skb->data`; negative ones
    /// use Linux's `SKF_NET_OFF` (network header, after the 14-byte
    /// Ethernet header) and `SKF_LL_OFF` (link-layer header) bases.
    fn legacy_load(&self, i: usize, size: Size, off: i64) -> Result<Option<u64>, VmError> {
        const SKF_NET_OFF: i64 = -0x10_0000;
        const SKF_LL_OFF: i64 = -0x20_0000;
        const ETH_HLEN: i64 = 14;
        if !self.hook.is_some_and(PacketHook::is_skb) {
            return Err(self.fault(
                i,
                VmErrorKind::Unsupported("legacy packet loads outside socket-buffer programs"),
            ));
        }
        let start = if off >= 0 {
            self.mem.data_off as i64 + off
        } else if off >= SKF_NET_OFF {
            ETH_HLEN + off - SKF_NET_OFF
        } else if off >= SKF_LL_OFF {
            off - SKF_LL_OFF
        } else {
            return Ok(None);
        };
        let Ok(start) = usize::try_from(start) else {
            return Ok(None);
        };
        let n = size.bytes() as usize;
        Ok(self
            .mem
            .frame
            .get(start..start.saturating_add(n))
            .map(|b| b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x))))
    }
}
