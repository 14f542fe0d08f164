//! Transfer functions: the effect of each instruction on an abstract
//! [`State`], once its preconditions hold.
//!
//! [`step`] first derives the instruction's preconditions as data
//! ([`assertions`](super::assertions)), has [`check`](super::check) judge
//! them against the state, and then applies the effect with the facts the
//! check established. Submodules: [`alu`] (arithmetic, moves, pointer
//! arithmetic), [`branch`] (conditional jumps and what they teach),
//! [`mem`] (loads, stores, atomics), [`call`] (helpers, bpf-to-bpf calls,
//! exits).

pub mod alu;
pub mod branch;
pub mod call;
pub mod mem;

use super::assertions::{self, Assertion};
use super::cfg::Cfg;
use super::check::{self, Facts};
use super::domain::state::State;
use super::domain::types::{Kind, Value};
use super::error::ErrorKind;
use super::platform::Platform;
use super::program::Program;
use super::Options;
use crate::isa::{Insn, Reg};

/// What the analysis knows beyond one path: the program, the platform,
/// and facts gathered across paths.
pub struct Env<'a> {
    pub prog: &'a Program,
    pub cfg: &'a Cfg,
    pub platform: &'a Platform,
    pub options: &'a Options,
    /// Last id handed out (ids are never reused within one analysis).
    pub last_id: u32,
    /// Per instruction: the class of pointer a load/store used, so that one
    /// instruction never accesses a context on one path and other memory
    /// on another (the kernel rewrites context accesses in place).
    pub access_class: Vec<Option<AccessClass>>,
    /// Per function: the deepest stack byte touched, in bytes.
    pub stack_depth: Vec<u32>,
    /// Global functions called so far (each is verified on its own).
    pub globals_called: Vec<usize>,
    /// Whether the path being explored started at a global function
    /// rather than at the program entry.
    pub entry_global: bool,
    /// Stack slots `(frame, slot)` the current instruction reads; cleared
    /// by the explorer before each instruction.
    pub stack_reads: Vec<(u8, u8)>,
    /// Stack slots the current instruction overwrites completely.
    pub stack_writes: Vec<(u8, u8)>,
}

/// Pointer classes that must not be mixed at one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessClass {
    Ctx,
    Socket,
    SockCommon,
    TcpSock,
    Other,
}

impl<'a> Env<'a> {
    pub fn new(
        prog: &'a Program,
        cfg: &'a Cfg,
        platform: &'a Platform,
        options: &'a Options,
    ) -> Env<'a> {
        Env {
            prog,
            cfg,
            platform,
            options,
            last_id: 0,
            access_class: vec![None; cfg.insns.len()],
            stack_depth: vec![0; cfg.funcs.len()],
            globals_called: Vec::new(),
            entry_global: false,
            stack_reads: Vec::new(),
            stack_writes: Vec::new(),
        }
    }

    /// Records a read of stack bytes `[lo, hi)` of `frame`.
    pub fn note_read(&mut self, frame: usize, lo: i64, hi: i64) {
        let mut o = lo;
        while o < hi {
            let (spi, _) = super::domain::stack::locate(o);
            if spi < 64 && frame < 256 {
                self.stack_reads.push((frame as u8, spi as u8));
            }
            o = -8 * spi as i64; // start of the next slot up
        }
    }

    /// Records a write of stack bytes `[lo, hi)`: the slots it covers
    /// completely no longer carry what was there before.
    pub fn note_write(&mut self, frame: usize, lo: i64, hi: i64) {
        let first = (lo + 7).div_euclid(8) * 8;
        let mut o = first;
        while o + 8 <= hi {
            let (spi, _) = super::domain::stack::locate(o);
            if spi < 64 && frame < 256 {
                self.stack_writes.push((frame as u8, spi as u8));
            }
            o += 8;
        }
    }

    /// A fresh id.
    pub fn new_id(&mut self) -> u32 {
        self.last_id += 1;
        self.last_id
    }

    /// The slot of instruction `idx`.
    pub fn slot(&self, idx: usize) -> usize {
        self.cfg.slots[idx]
    }
}

/// The successors of one instruction.
#[derive(Debug)]
pub enum Next {
    /// Continue at an instruction.
    One(State, usize),
    /// Both arms of a branch (or two outcomes of an operation).
    Two(State, usize, State, usize),
    /// The program (main function) exited.
    Exit,
    /// The path cannot happen (every arm of a branch is infeasible).
    Dead,
}

/// A failed instruction: the error and, when the check failed before any
/// effect, the state it was judged against.
#[derive(Debug)]
pub struct Failure {
    pub kind: ErrorKind,
    pub state: Option<State>,
}

impl From<ErrorKind> for Failure {
    fn from(kind: ErrorKind) -> Failure {
        Failure { kind, state: None }
    }
}

/// Executes instruction `idx` on `st`: checks its assertions, then applies
/// its effect.
pub fn step(env: &mut Env<'_>, st: State, idx: usize) -> Result<Next, Failure> {
    let insn = env.cfg.insns[idx];
    let facts = match check::check_all(env, &st, idx, &assertions::of(&insn)) {
        Ok(f) => f,
        Err(kind) => {
            return Err(Failure {
                kind,
                state: Some(st),
            })
        }
    };
    apply(env, st, idx, insn, facts).map_err(Failure::from)
}

fn apply(
    env: &mut Env<'_>,
    mut st: State,
    idx: usize,
    insn: Insn,
    facts: Facts,
) -> Result<Next, ErrorKind> {
    let next = idx + 1;
    match insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => Ok(alu::alu(env, st, idx, width, op, dst, src, facts.arith)),
        Insn::Neg { width, dst } => {
            alu::neg(&mut st, width, dst);
            Ok(Next::One(st, next))
        }
        Insn::Endian { op, bits, dst } => {
            alu::endian(&mut st, op, bits, dst);
            Ok(Next::One(st, next))
        }
        Insn::MovSx {
            width,
            dst,
            src,
            from,
        } => {
            alu::movsx(env, &mut st, width, dst, src, from);
            Ok(Next::One(st, next))
        }
        Insn::Load { .. } | Insn::LoadSx { .. } => {
            mem::load(&mut st, &insn, &facts);
            Ok(Next::One(st, next))
        }
        Insn::Store { .. } | Insn::StoreImm { .. } => {
            mem::store(env, &mut st, &insn, &facts);
            Ok(Next::One(st, next))
        }
        Insn::Atomic { .. } => {
            mem::atomic(&mut st, &insn, &facts);
            Ok(Next::One(st, next))
        }
        Insn::LdImm64 { dst, imm } => {
            *st.reg_mut(dst) = Value::constant(imm as u64);
            Ok(Next::One(st, next))
        }
        Insn::LdPseudo { dst, .. } => {
            *st.reg_mut(dst) = mem::ld_pseudo(env, idx, &insn)?;
            Ok(Next::One(st, next))
        }
        Insn::LdAbs { .. } | Insn::LdInd { .. } => Ok(call::ld_abs(st, idx)),
        Insn::Ja { .. } | Insn::JaLong { .. } => {
            let t = env.cfg.jump_target(idx).ok_or(ErrorKind::JumpOutOfRange {
                from: env.slot(idx),
                to: -1,
            })?;
            Ok(Next::One(st, t))
        }
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            ..
        } => {
            let target = env.cfg.jump_target(idx).ok_or(ErrorKind::JumpOutOfRange {
                from: env.slot(idx),
                to: -1,
            })?;
            branch::cond_jump(env, st, idx, width, cond, dst, src, target)
        }
        Insn::Call(target) => call::call(env, st, idx, target, &facts),
        Insn::Exit => Ok(call::exit(st)),
        // The kernel bounds every `may_goto` loop at run time: both ways
        // are possible.
        Insn::MayGoto { .. } => {
            let target = env.cfg.jump_target(idx).ok_or(ErrorKind::JumpOutOfRange {
                from: env.slot(idx),
                to: -1,
            })?;
            // Usually the jump is taken; falling through means the
            // run-time counter expired.
            let mut expired = st.clone();
            expired.may_goto_depth = expired.may_goto_depth.saturating_add(1);
            Ok(Next::Two(st, target, expired, next))
        }
        Insn::Callx { .. } => Err(ErrorKind::Unsupported {
            what: "callx (indirect calls do not exist in Linux)".into(),
        }),
        Insn::AddrSpaceCast { .. } => Err(ErrorKind::Unsupported {
            what: "arena address-space casts".into(),
        }),
        Insn::LoadAcquire { .. } | Insn::StoreRelease { .. } => Err(ErrorKind::Unsupported {
            what: "load-acquire / store-release".into(),
        }),
    }
}

/// Forgets every packet pointer (after a helper that may move packet data).
pub fn clear_packet_pointers(st: &mut State) {
    st.for_each_value_mut(|v| {
        if matches!(v.kind, Kind::Packet | Kind::PacketMeta | Kind::PacketEnd) {
            *v = Value::unknown();
        }
    });
}

/// Registers an instruction reads, for error reports.
pub fn regs_read(insn: &Insn) -> Vec<Reg> {
    assertions::of(insn)
        .iter()
        .filter_map(|a| match a {
            Assertion::Readable(r) => Some(*r),
            _ => None,
        })
        .collect()
}
