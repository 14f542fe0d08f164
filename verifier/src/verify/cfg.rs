//! The control-flow graph: instruction indexes, subprograms, the structural
//! checks Linux makes before it analyses anything, loops, and static
//! register liveness.
//!
//! Checks (all reported, in this order of passes):
//! * the program is not empty and not longer than the limit;
//! * every call and function-pointer target is an instruction in range;
//! * every jump stays inside its function and does not land on the second
//!   slot of an `ld_imm64`;
//! * every function ends with `exit` or an unconditional jump (control
//!   cannot fall off the end or into the next function);
//! * every instruction is reachable from the entry (following both arms of
//!   every branch and every call).
//!
//! Invariants of a built [`Cfg`]: every jump target, fall-through and call
//! target is a valid instruction index of the same function (calls: of the
//! callee), and the last instruction of every function transfers control.

use super::error::ErrorKind;
use super::platform::Limits;
use super::program::Program;
use crate::isa::{CallTarget, Insn, Operand, Pseudo, Reg};

/// An error found before analysis, at a slot.
pub type CfgError = (usize, ErrorKind);

/// A loop: its header and the instructions that jump back to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loop {
    /// Instruction index of the header.
    pub header: usize,
    /// Instruction indexes of the back-edge sources.
    pub back_edges: Vec<usize>,
    /// Instruction indexes in the loop body (header included), sorted.
    pub body: Vec<usize>,
}

/// The analysed shape of a program.
#[derive(Clone, Debug)]
pub struct Cfg {
    pub insns: Vec<Insn>,
    /// Slot of each instruction.
    pub slots: Vec<usize>,
    /// Instruction index of each slot (`u32::MAX` for second halves).
    slot_to_idx: Vec<u32>,
    /// Instruction index of each function's entry, sorted; `[0]` is 0.
    pub funcs: Vec<usize>,
    /// Function number of each instruction.
    pub func_of: Vec<u16>,
    /// Where the analysis compares states.
    pub prune_point: Vec<bool>,
    pub loops: Vec<Loop>,
    /// Registers (bit n = rn) possibly read before written on some path
    /// from each instruction.
    pub live_in: Vec<u16>,
}

const NONE: u32 = u32::MAX;

impl Cfg {
    /// The instruction index at a slot, if an instruction starts there.
    pub fn idx_of_slot(&self, slot: i64) -> Option<usize> {
        let s = usize::try_from(slot).ok()?;
        match self.slot_to_idx.get(s) {
            Some(&i) if i != NONE => Some(i as usize),
            _ => None,
        }
    }

    /// Target instruction of a jump at `idx` (taken branch).
    pub fn jump_target(&self, idx: usize) -> Option<usize> {
        let off = self.insns[idx].jump_offset()?;
        self.idx_of_slot(self.slots[idx] as i64 + 1 + off as i64)
    }

    /// Target instruction of a local call or function pointer at `idx`.
    pub fn call_target(&self, idx: usize) -> Option<usize> {
        let off = match self.insns[idx] {
            Insn::Call(CallTarget::Local(off)) => off,
            Insn::LdPseudo {
                kind: Pseudo::Func,
                imm,
                ..
            } => imm,
            _ => return None,
        };
        self.idx_of_slot(self.slots[idx] as i64 + 1 + off as i64)
    }

    /// The function number whose entry is instruction `idx`.
    pub fn func_starting_at(&self, idx: usize) -> Option<usize> {
        self.funcs.binary_search(&idx).ok()
    }

    /// The innermost loop containing `idx`.
    pub fn loop_containing(&self, idx: usize) -> Option<&Loop> {
        self.loops
            .iter()
            .filter(|l| l.body.binary_search(&idx).is_ok())
            .min_by_key(|l| l.body.len())
    }

    /// Whether `idx` is a loop header.
    pub fn is_loop_header(&self, idx: usize) -> bool {
        self.loops.iter().any(|l| l.header == idx)
    }

    /// Successors inside the function (jumps and fall-through; a call
    /// falls through to the next instruction).
    fn intra_succs(&self, idx: usize) -> [Option<usize>; 2] {
        let insn = &self.insns[idx];
        let next = (idx + 1 < self.insns.len()).then_some(idx + 1);
        match insn {
            Insn::Exit => [None, None],
            Insn::Ja { .. } | Insn::JaLong { .. } => [self.jump_target(idx), None],
            Insn::Jmp { .. } | Insn::MayGoto { .. } => [next, self.jump_target(idx)],
            _ => [next, None],
        }
    }
}

/// Builds the CFG and runs the structural checks.
pub fn build(prog: &Program, limits: &Limits) -> Result<Cfg, Vec<CfgError>> {
    let insns: Vec<Insn> = prog.insns.iter().map(|(_, i)| *i).collect();
    let slots: Vec<usize> = prog.insns.iter().map(|(s, _)| *s).collect();
    if insns.is_empty() {
        return Err(vec![(0, ErrorKind::EmptyProgram)]);
    }
    let nslots = prog.slot_count();
    if nslots > limits.max_program_len {
        return Err(vec![(
            0,
            ErrorKind::ProgramTooLarge {
                len: nslots,
                limit: limits.max_program_len,
            },
        )]);
    }
    let mut slot_to_idx = vec![NONE; nslots];
    for (i, &s) in slots.iter().enumerate() {
        if let Some(e) = slot_to_idx.get_mut(s) {
            *e = i as u32;
        }
    }
    let mut cfg = Cfg {
        funcs: vec![0],
        func_of: vec![0; insns.len()],
        prune_point: vec![false; insns.len()],
        loops: Vec::new(),
        live_in: vec![0; insns.len()],
        insns,
        slots,
        slot_to_idx,
    };
    let mut errors = Vec::new();

    // Pass 1: function entries, and ld_imm64 forms Linux does not know.
    for idx in 0..cfg.insns.len() {
        if let Insn::LdPseudo { kind, imm2, .. } = cfg.insns[idx] {
            if imm2 != 0 && !kind.has_value_offset() {
                errors.push((cfg.slots[idx], ErrorKind::BadLdImm64));
            }
        }
        let off = match cfg.insns[idx] {
            Insn::Call(CallTarget::Local(off)) => off,
            Insn::LdPseudo {
                kind: Pseudo::Func,
                imm,
                ..
            } => imm,
            _ => continue,
        };
        let target = cfg.slots[idx] as i64 + 1 + off as i64;
        match cfg.idx_of_slot(target) {
            Some(t) => cfg.funcs.push(t),
            None => errors.push((cfg.slots[idx], ErrorKind::BadCallTarget { target })),
        }
    }
    cfg.funcs.sort_unstable();
    cfg.funcs.dedup();
    if cfg.funcs.len() > limits.max_subprogs {
        errors.push((
            0,
            ErrorKind::TooManySubprogs {
                count: cfg.funcs.len(),
            },
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for (f, w) in cfg.funcs.windows(2).enumerate() {
        for i in w[0]..w[1] {
            cfg.func_of[i] = f as u16;
        }
    }
    let last = cfg.funcs.len() - 1;
    for i in cfg.funcs[last]..cfg.insns.len() {
        cfg.func_of[i] = last as u16;
    }

    // Pass 2: jumps stay in their function and land on instructions;
    // functions end with a transfer.
    for idx in 0..cfg.insns.len() {
        if let Some(off) = cfg.insns[idx].jump_offset() {
            let slot = cfg.slots[idx];
            let to = slot as i64 + 1 + off as i64;
            let f = cfg.func_of[idx] as usize;
            let (start, end) = func_slot_range(&cfg, f, nslots);
            if to < start as i64 || to >= end as i64 {
                errors.push((slot, ErrorKind::JumpOutOfRange { from: slot, to }));
            } else if cfg.idx_of_slot(to).is_none() {
                errors.push((
                    slot,
                    ErrorKind::JumpIntoLdImm64 {
                        target: (to - 1) as usize,
                    },
                ));
            }
        }
        let ends_func = idx + 1 == cfg.insns.len() || cfg.func_starting_at(idx + 1).is_some();
        if ends_func && !cfg.insns[idx].is_unconditional_transfer() {
            errors.push((cfg.slots[idx], ErrorKind::FallsOffEnd));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Pass 3: reachability from the entry.
    let mut seen = vec![false; cfg.insns.len()];
    let mut work = vec![0usize];
    seen[0] = true;
    while let Some(i) = work.pop() {
        let mut push = |t: usize| {
            if !seen[t] {
                seen[t] = true;
                work.push(t);
            }
        };
        for s in cfg.intra_succs(i).into_iter().flatten() {
            push(s);
        }
        if let Some(t) = cfg.call_target(i) {
            push(t);
        }
    }
    for (i, s) in seen.iter().enumerate() {
        if !s {
            errors.push((cfg.slots[i], ErrorKind::Unreachable { slot: cfg.slots[i] }));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    mark_prune_points(&mut cfg);
    find_loops(&mut cfg);
    compute_liveness(&mut cfg, prog);
    Ok(cfg)
}

fn func_slot_range(cfg: &Cfg, f: usize, nslots: usize) -> (usize, usize) {
    let start = cfg.slots[cfg.funcs[f]];
    let end = cfg.funcs.get(f + 1).map_or(nslots, |&i| cfg.slots[i]);
    (start, end)
}

fn mark_prune_points(cfg: &mut Cfg) {
    for &f in &cfg.funcs {
        cfg.prune_point[f] = true;
    }
    for idx in 0..cfg.insns.len() {
        match cfg.insns[idx] {
            Insn::Jmp { .. } | Insn::MayGoto { .. } => {
                if let Some(t) = cfg.jump_target(idx) {
                    cfg.prune_point[t] = true;
                }
                if matches!(cfg.insns[idx], Insn::MayGoto { .. }) {
                    cfg.prune_point[idx] = true;
                }
                if idx + 1 < cfg.insns.len() {
                    cfg.prune_point[idx + 1] = true;
                }
            }
            Insn::Ja { .. } | Insn::JaLong { .. } => {
                if let Some(t) = cfg.jump_target(idx) {
                    cfg.prune_point[t] = true;
                }
            }
            Insn::Call(target) => {
                if idx + 1 < cfg.insns.len() {
                    cfg.prune_point[idx + 1] = true;
                }
                // A bpf_loop call is reached again after each callback.
                if target == CallTarget::Helper(181) {
                    cfg.prune_point[idx] = true;
                }
            }
            _ => {}
        }
    }
}

/// Depth-first search per function; an edge to a node on the DFS stack is a
/// back edge, and its natural loop is every node that reaches the source
/// without passing the header.
fn find_loops(cfg: &mut Cfg) {
    let n = cfg.insns.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut back: Vec<(usize, usize)> = Vec::new();
    for &entry in &cfg.funcs.clone() {
        if state[entry] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(entry, 0)];
        state[entry] = 1;
        while let Some(top) = stack.len().checked_sub(1) {
            let (node, k) = stack[top];
            if k < 2 {
                stack[top].1 += 1;
                if let Some(s) = cfg.intra_succs(node)[k] {
                    match state[s] {
                        0 => {
                            state[s] = 1;
                            stack.push((s, 0));
                        }
                        1 => back.push((node, s)),
                        _ => {}
                    }
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    // predecessors for natural-loop bodies
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for s in cfg.intra_succs(i).into_iter().flatten() {
            preds[s].push(i);
        }
    }
    let mut loops: Vec<Loop> = Vec::new();
    for (from, header) in back {
        let mut in_body = vec![false; n];
        in_body[header] = true;
        let mut work = vec![from];
        while let Some(x) = work.pop() {
            if !in_body[x] {
                in_body[x] = true;
                work.extend(preds[x].iter().copied());
            }
        }
        let body: Vec<usize> = (0..n).filter(|&i| in_body[i]).collect();
        match loops.iter_mut().find(|l| l.header == header) {
            Some(l) => {
                l.back_edges.push(from);
                let mut merged: Vec<usize> = l.body.iter().chain(&body).copied().collect();
                merged.sort_unstable();
                merged.dedup();
                l.body = merged;
            }
            None => loops.push(Loop {
                header,
                back_edges: vec![from],
                body,
            }),
        }
    }
    loops.sort_by_key(|l| l.header);
    cfg.loops = loops;
}

fn bit(r: Reg) -> u16 {
    1 << r.index()
}

const ARGS: u16 = 0b11_1110; // r1..r5
const CALLER_SAVED: u16 = 0b11_1111; // r0..r5

/// Registers read and written by an instruction.
pub fn use_def(insn: &Insn) -> (u16, u16) {
    use crate::isa::AluOp;
    let op = |o: &Operand| match o {
        Operand::Reg(r) => bit(*r),
        Operand::Imm(_) => 0,
    };
    match insn {
        Insn::Alu {
            op: AluOp::Mov,
            dst,
            src,
            ..
        } => (op(src), bit(*dst)),
        Insn::Alu { dst, src, .. } => (bit(*dst) | op(src), bit(*dst)),
        Insn::Neg { dst, .. } | Insn::Endian { dst, .. } => (bit(*dst), bit(*dst)),
        Insn::MovSx { dst, src, .. } | Insn::AddrSpaceCast { dst, src, .. } => {
            (bit(*src), bit(*dst))
        }
        Insn::Load { dst, src, .. }
        | Insn::LoadSx { dst, src, .. }
        | Insn::LoadAcquire { dst, src, .. } => (bit(*src), bit(*dst)),
        Insn::Store { dst, src, .. } | Insn::StoreRelease { dst, src, .. } => {
            (bit(*dst) | bit(*src), 0)
        }
        Insn::StoreImm { dst, .. } => (bit(*dst), 0),
        Insn::Atomic { op, dst, src, .. } => {
            use crate::isa::AtomicOp;
            match op {
                AtomicOp::CmpXchg => (bit(*dst) | bit(*src) | 1, 1),
                AtomicOp::Xchg
                | AtomicOp::Add { fetch: true }
                | AtomicOp::Or { fetch: true }
                | AtomicOp::And { fetch: true }
                | AtomicOp::Xor { fetch: true } => (bit(*dst) | bit(*src), bit(*src)),
                _ => (bit(*dst) | bit(*src), 0),
            }
        }
        Insn::LdImm64 { dst, .. } | Insn::LdPseudo { dst, .. } => (0, bit(*dst)),
        Insn::LdAbs { .. } => (bit(Reg::R6), CALLER_SAVED),
        Insn::LdInd { src, .. } => (bit(Reg::R6) | bit(*src), CALLER_SAVED),
        Insn::Jmp { dst, src, .. } => (bit(*dst) | op(src), 0),
        Insn::Ja { .. } | Insn::JaLong { .. } | Insn::MayGoto { .. } => (0, 0),
        Insn::Call(_) | Insn::Callx { .. } => (ARGS, CALLER_SAVED),
        Insn::Exit => (1, 0),
    }
}

/// Backward may-liveness of registers, per function (r10 always live).
fn compute_liveness(cfg: &mut Cfg, _prog: &Program) {
    let n = cfg.insns.len();
    let ud: Vec<(u16, u16)> = cfg.insns.iter().map(use_def).collect();
    let succs: Vec<[Option<usize>; 2]> = (0..n).map(|i| cfg.intra_succs(i)).collect();
    let mut live = vec![0u16; n];
    let mut changed = true;
    while changed {
        changed = false;
        for i in (0..n).rev() {
            let mut out = 0u16;
            for s in succs[i].into_iter().flatten() {
                out |= live[s];
            }
            let (u, d) = ud[i];
            let inn = u | (out & !d) | bit(Reg::R10);
            if inn != live[i] {
                live[i] = inn;
                changed = true;
            }
        }
    }
    cfg.live_in = live;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::text::assemble_insns;
    use crate::verify::platform::prog_type::{AttachType, ProgKind, ProgType};

    fn prog(text: &str) -> Program {
        Program::from_insns(
            "t",
            ProgKind::new(ProgType::SocketFilter, AttachType::NONE),
            assemble_insns(text).expect("assembles"),
        )
    }

    fn errs(text: &str) -> Vec<ErrorKind> {
        match build(&prog(text), &Limits::LINUX) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|(_, k)| k).collect(),
        }
    }

    #[test]
    fn structural_errors() {
        assert_eq!(errs("r0 = 0\nexit"), vec![]);
        assert_eq!(errs("r0 = 0"), vec![ErrorKind::FallsOffEnd]);
        assert_eq!(
            errs("goto +1\nexit"),
            vec![ErrorKind::JumpOutOfRange { from: 0, to: 2 }]
        );
        assert_eq!(
            errs("goto +0x1\nr1 = 0x100000000 ll\nexit"),
            vec![ErrorKind::JumpIntoLdImm64 { target: 1 }]
        );
        assert_eq!(
            errs("r0 = 0\nexit\nr0 = 1\nexit"),
            vec![
                ErrorKind::Unreachable { slot: 2 },
                ErrorKind::Unreachable { slot: 3 }
            ]
        );
    }

    #[test]
    fn loops_and_liveness() {
        let p = prog("r1 = 10\nr1 += -1\nif r1 != 0 goto -2\nr0 = r1\nexit");
        let cfg = build(&p, &Limits::LINUX).unwrap();
        assert_eq!(cfg.loops.len(), 1);
        assert_eq!(cfg.loops[0].header, 1);
        assert_eq!(cfg.loops[0].back_edges, vec![2]);
        assert!(cfg.prune_point[1] && cfg.prune_point[3]);
        assert_eq!(cfg.live_in[0] & 0b11, 0, "r0, r1 dead at entry");
        assert_ne!(cfg.live_in[1] & 0b10, 0, "r1 live in the loop");
    }
}
