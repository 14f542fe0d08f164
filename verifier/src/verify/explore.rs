//! The path-sensitive exploration: follows every path from the entry,
//! depth first, checking each instruction on the way; stores states at
//! prune points and stops a path as soon as an already verified state
//! covers it.
//!
//! Termination and budget:
//! * a path that reaches a prune point in exactly the state it had there
//!   earlier on the same path loops forever: an [`InfiniteLoop`] error;
//! * a loop is accepted only when exploring it ends (its exit condition
//!   eventually fails on every path): bounded loops are thus proved by
//!   unrolling, as the kernel does;
//! * exploring more than `Limits::max_processed_insns` instructions ends
//!   the analysis; if the path was in a loop, the error names the loop and
//!   its back edge ([`UnboundedLoop`]), else the program is too complex.
//!
//! Bookkeeping (the kernel's `branches` counts): every stored checkpoint
//! knows how many unfinished paths descend from it; a checkpoint is used
//! for pruning only when that count is 0, i.e. when everything reachable
//! from it has been verified.
//!
//! [`InfiniteLoop`]: super::error::ErrorKind::InfiniteLoop
//! [`UnboundedLoop`]: super::error::ErrorKind::UnboundedLoop

use super::domain::state::State;
use super::error::ErrorKind;
use super::prune;
use super::transfer::{self, Env, Failure, Next};

/// Counters of one exploration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Instructions processed (each visit of an instruction on a path).
    pub processed_insns: u64,
    /// States stored for pruning.
    pub stored_states: u64,
    /// Paths cut short because a verified state covered them.
    pub pruned: u64,
    /// Most paths waiting at once.
    pub peak_pending: usize,
}

struct Checkpoint {
    state: State,
    parent: Option<u32>,
    /// Unfinished paths below this checkpoint.
    branches: u32,
    /// Per frame: stack slots some path from here reads before writing.
    read: Vec<u64>,
    /// Per frame: registers some path from here reads before writing.
    read_regs: Vec<u16>,
    /// Per frame: stack slots the path overwrote between the parent
    /// checkpoint and this one.
    written: Vec<u64>,
    /// Per frame: registers written between the parent and this one.
    written_regs: Vec<u16>,
    /// Times this state covered a new one, and times it did not.
    hits: u32,
    misses: u32,
}

struct Path {
    state: State,
    idx: usize,
    parent: Option<u32>,
    /// Per frame: stack slots overwritten since the parent checkpoint.
    written: Vec<u64>,
    /// Per frame: registers written since the parent checkpoint.
    written_regs: Vec<u16>,
}

/// Rounds of a run-time-bounded loop explored exactly before widening.
const WIDEN_AFTER: usize = 8;

/// Widens every scalar of `new` (registers and spills) that differs from
/// the same place in `old` ([`Lattice::widen`]): bounds that moved go to
/// their extremes.
fn widen_scalars(old: &State, new: &mut State) {
    use super::domain::types::Kind;
    use super::domain::Lattice;
    if old.frames.len() != new.frames.len() {
        return;
    }
    for (of, nf) in old.frames.iter().zip(new.frames.iter_mut()) {
        for (o, n) in of.regs.iter().zip(nf.regs.iter_mut()) {
            if o.kind == Kind::Scalar && n.kind == Kind::Scalar && o.var != n.var {
                n.var = o.var.widen(&n.var);
                n.id = 0;
                n.off = 0;
            }
        }
        let olds: Vec<_> = of.stack.slots().to_vec();
        for (spi, slot) in olds.iter().enumerate() {
            nf.stack.widen_spill(spi, slot);
        }
    }
}

/// Marks register `r` of frame `f` as read by a descendant of `parent`.
fn mark_reg_read(cps: &mut [Checkpoint], mut parent: Option<u32>, f: usize, r: u16) {
    let bit = 1u16 << r;
    while let Some(p) = parent {
        let cp = &mut cps[p as usize];
        if f >= cp.read_regs.len() || cp.read_regs[f] & bit != 0 {
            return;
        }
        cp.read_regs[f] |= bit;
        if cp.written_regs.get(f).is_some_and(|w| w & bit != 0) {
            return;
        }
        parent = cp.parent;
    }
}

/// Marks slot `spi` of frame `f` as read by a descendant of `parent`, up
/// the chain until a checkpoint after which the slot was overwritten.
fn mark_read(cps: &mut [Checkpoint], mut parent: Option<u32>, f: usize, spi: usize) {
    let bit = 1u64 << spi;
    while let Some(p) = parent {
        let cp = &mut cps[p as usize];
        if f >= cp.read.len() || cp.read[f] & bit != 0 {
            return;
        }
        cp.read[f] |= bit;
        if cp.written.get(f).is_some_and(|w| w & bit != 0) {
            return;
        }
        parent = cp.parent;
    }
}

/// Where exploration failed.
pub struct Stop {
    pub idx: usize,
    pub failure: Failure,
}

/// Explores the program; `Ok` when every path is safe.
/// Explores from instruction `entry` in state `start` (the program entry,
/// or a global function verified on its own).
pub fn explore(
    env: &mut Env<'_>,
    stats: &mut Stats,
    entry: usize,
    start: State,
) -> Result<(), Stop> {
    let n = env.cfg.insns.len();
    let limits = env.platform.limits;
    let allow_uninit = env.options.allow_uninit_stack;
    let mut cps: Vec<Checkpoint> = Vec::new();
    let mut at: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut visits: Vec<u32> = vec![0; n];
    let mut pending: Vec<Path> = vec![Path {
        state: start,
        idx: entry,
        parent: None,
        written: vec![0],
        written_regs: vec![0],
    }];
    let mut last_cp_insns: u64 = 0;

    while let Some(mut path) = pending.pop() {
        loop {
            let idx = path.idx;
            if idx >= n {
                return Err(Stop {
                    idx: n - 1,
                    failure: ErrorKind::FallsOffEnd.into(),
                });
            }
            if env.cfg.prune_point[idx] {
                let mut in_loop = false;
                let mut pruned_by = None;
                let may_goto = matches!(env.cfg.insns[idx], crate::isa::Insn::MayGoto { .. });
                let loop_call = env.cfg.insns[idx]
                    == crate::isa::Insn::Call(crate::isa::CallTarget::Helper(181));
                for &c in &at[idx] {
                    let cp = &cps[c as usize];
                    if cp.branches > 0 {
                        in_loop = true;
                        if may_goto
                            && cp.state.may_goto_depth != path.state.may_goto_depth
                            && prune::covers(
                                env.cfg,
                                &cp.state,
                                &path.state,
                                idx,
                                allow_uninit,
                                None,
                            )
                        {
                            // A loop through `may_goto` ends at run time;
                            // a later iteration covered by an earlier one
                            // adds no behaviour (the loop invariant holds).
                            pruned_by = Some(c);
                            break;
                        }
                        if loop_call {
                            // Another round of a bpf_loop callback that
                            // adds nothing new: the loop has converged (the
                            // helper bounds the number of rounds).
                            if prune::covers(
                                env.cfg,
                                &cp.state,
                                &path.state,
                                idx,
                                allow_uninit,
                                None,
                            ) {
                                pruned_by = Some(c);
                                break;
                            }
                            continue;
                        }
                        if prune::same(env.cfg, &cp.state, &path.state, idx, allow_uninit) {
                            return Err(Stop {
                                idx,
                                failure: Failure {
                                    kind: ErrorKind::InfiniteLoop {
                                        header: env.slot(idx),
                                    },
                                    state: Some(path.state),
                                },
                            });
                        }
                    } else if prune::covers(
                        env.cfg,
                        &cp.state,
                        &path.state,
                        idx,
                        allow_uninit,
                        Some((&cp.read, &cp.read_regs)),
                    ) {
                        pruned_by = Some(c);
                        break;
                    }
                }
                let since = stats.processed_insns - last_cp_insns;
                let add = !in_loop || since >= 100 || may_goto || loop_call;
                if let Some(c) = pruned_by {
                    cps[c as usize].hits += 1;
                } else if add {
                    // States that keep failing to cover anything are
                    // dropped from the search list (the kernel does the
                    // same): it keeps long loops fast. A miss counts only
                    // when a new state replaces it as a candidate.
                    let list = &mut at[idx];
                    list.retain(|&c| {
                        let cp = &mut cps[c as usize];
                        cp.misses += 1;
                        let n = if cp.branches > 0 { 64 } else { 3 };
                        let keep = cp.misses <= cp.hits * n + n;
                        if !keep {
                            // Only the bookkeeping (parent, branches, read
                            // marks) is still needed: free the state.
                            cp.state.frames = Vec::new();
                            cp.state.refs = Vec::new();
                        }
                        keep
                    });
                }
                if let Some(c) = pruned_by {
                    // What the covering state's future reads, this path's
                    // future reads too (for an unfinished covering state:
                    // every slot, since its marks are not final).
                    let frames = path.state.frames.len();
                    let (reads, reg_reads) = if cps[c as usize].branches > 0 {
                        (vec![u64::MAX; frames], vec![0x7ffu16; frames])
                    } else {
                        (
                            cps[c as usize].read.clone(),
                            cps[c as usize].read_regs.clone(),
                        )
                    };
                    for (f, mask) in reads.iter().enumerate() {
                        let mut fresh = mask & !path.written.get(f).copied().unwrap_or(0);
                        while fresh != 0 {
                            let spi = fresh.trailing_zeros() as usize;
                            fresh &= fresh - 1;
                            mark_read(&mut cps, path.parent, f, spi);
                        }
                    }
                    for (f, mask) in reg_reads.iter().enumerate() {
                        let mut fresh = mask & !path.written_regs.get(f).copied().unwrap_or(0);
                        while fresh != 0 {
                            let r = fresh.trailing_zeros() as u16;
                            fresh &= fresh - 1;
                            mark_reg_read(&mut cps, path.parent, f, r);
                        }
                    }
                    stats.pruned += 1;
                    finish(&mut cps, path.parent);
                    break;
                }
                if (may_goto || loop_call) && in_loop {
                    // A loop whose bound the kernel enforces at run time
                    // (`may_goto`, `bpf_loop`): after a few rounds, widen
                    // the numbers that keep changing so that the states
                    // converge.
                    let rounds = at[idx]
                        .iter()
                        .filter(|&&c| cps[c as usize].branches > 0)
                        .count();
                    if rounds >= WIDEN_AFTER {
                        if let Some(&c) = at[idx]
                            .iter()
                            .rev()
                            .find(|&&c| cps[c as usize].branches > 0)
                        {
                            widen_scalars(&cps[c as usize].state, &mut path.state);
                        }
                    }
                }
                if add {
                    let id = cps.len() as u32;
                    let frames = path.state.frames.len();
                    cps.push(Checkpoint {
                        state: path.state.clone(),
                        parent: path.parent,
                        branches: 1,
                        read: vec![0; frames],
                        read_regs: vec![0; frames],
                        written: std::mem::replace(&mut path.written, vec![0; frames]),
                        written_regs: std::mem::replace(&mut path.written_regs, vec![0; frames]),
                        hits: 0,
                        misses: 0,
                    });
                    at[idx].push(id);
                    path.parent = Some(id);
                    stats.stored_states += 1;
                    last_cp_insns = stats.processed_insns;
                }
            }
            stats.processed_insns += 1;
            visits[idx] = visits[idx].saturating_add(1);
            if stats.processed_insns > limits.max_processed_insns {
                let kind = budget_error(env, &visits, idx);
                // An unbounded loop is reported at its back edge, so that
                // the source line is the loop's.
                let at = match kind {
                    ErrorKind::UnboundedLoop { back_edge, .. } => {
                        env.cfg.idx_of_slot(back_edge as i64).unwrap_or(idx)
                    }
                    _ => idx,
                };
                return Err(Stop {
                    idx: at,
                    failure: kind.into(),
                });
            }
            env.stack_reads.clear();
            env.stack_writes.clear();
            let depth_before = path.state.frames.len();
            // Registers this instruction reads (helpers and calls: all
            // argument registers; exits: r0) and writes.
            let (mut uses, defs) = super::cfg::use_def(&env.cfg.insns[idx]);
            if let crate::isa::Insn::Call(crate::isa::CallTarget::Helper(id)) = env.cfg.insns[idx] {
                // A helper reads only the arguments of its prototype.
                if let Some(p) = env.platform.helper(id) {
                    uses = ((1u16 << (p.args.len().min(5) + 1)) - 1) & !1;
                }
            }
            let top = depth_before - 1;
            let mut fresh_uses = uses & !path.written_regs.get(top).copied().unwrap_or(0);
            while fresh_uses != 0 {
                let r = fresh_uses.trailing_zeros() as u16;
                fresh_uses &= fresh_uses - 1;
                mark_reg_read(&mut cps, path.parent, top, r);
            }
            if let Some(w) = path.written_regs.get_mut(top) {
                *w |= defs;
            }
            let result = transfer::step(env, path.state, idx);
            for &(f, spi) in &env.stack_reads {
                let (f, spi) = (f as usize, spi as usize);
                if path.written.get(f).is_none_or(|w| w & (1u64 << spi) == 0) {
                    mark_read(&mut cps, path.parent, f, spi);
                }
            }
            for &(f, spi) in &env.stack_writes {
                if let Some(w) = path.written.get_mut(f as usize) {
                    *w |= 1u64 << spi;
                }
            }
            let frames_after = |n: &Next| match n {
                Next::One(s, _) | Next::Two(s, _, _, _) => s.frames.len(),
                _ => depth_before,
            };
            if let Ok(next) = &result {
                let after = frames_after(next);
                if after > depth_before {
                    // A new frame: all its slots and registers are fresh.
                    path.written.resize(after, u64::MAX);
                    path.written_regs.resize(after, 0x7ff);
                    for w in &mut path.written[depth_before..] {
                        *w = u64::MAX;
                    }
                    for w in &mut path.written_regs[depth_before..] {
                        *w = 0x7ff;
                    }
                } else if after < depth_before {
                    path.written.truncate(after);
                    path.written_regs.truncate(after);
                }
            }
            match result {
                Err(failure) => return Err(Stop { idx, failure }),
                Ok(Next::One(st, next)) => {
                    path.state = st;
                    path.idx = next;
                }
                Ok(Next::Two(a, ia, b, ib)) => {
                    if let Some(p) = path.parent {
                        cps[p as usize].branches += 1;
                    }
                    pending.push(Path {
                        state: b,
                        idx: ib,
                        parent: path.parent,
                        written: path.written.clone(),
                        written_regs: path.written_regs.clone(),
                    });
                    stats.peak_pending = stats.peak_pending.max(pending.len());
                    if pending.len() > limits.max_pending_branches {
                        return Err(Stop {
                            idx,
                            failure: ErrorKind::TooManyBranches {
                                limit: limits.max_pending_branches,
                            }
                            .into(),
                        });
                    }
                    path.state = a;
                    path.idx = ia;
                }
                Ok(Next::Exit) | Ok(Next::Dead) => {
                    finish(&mut cps, path.parent);
                    break;
                }
            }
        }
    }
    Ok(())
}

/// A path ended: its ancestors have one unfinished path fewer.
fn finish(cps: &mut [Checkpoint], mut parent: Option<u32>) {
    while let Some(p) = parent {
        let cp = &mut cps[p as usize];
        cp.branches = cp.branches.saturating_sub(1);
        if cp.branches > 0 {
            break;
        }
        parent = cp.parent;
    }
}

/// The error for an exhausted budget: the most visited loop around the
/// current instruction, if any.
fn budget_error(env: &Env<'_>, visits: &[u32], idx: usize) -> ErrorKind {
    let limit = env.platform.limits.max_processed_insns;
    let lp = env
        .cfg
        .loops
        .iter()
        .filter(|l| l.body.binary_search(&idx).is_ok())
        .max_by_key(|l| visits[l.header])
        .or_else(|| env.cfg.loops.iter().max_by_key(|l| visits[l.header]));
    match lp {
        Some(l) if visits[l.header] > 1 => ErrorKind::UnboundedLoop {
            header: env.slot(l.header),
            back_edge: l.back_edges.first().map_or(0, |&b| env.slot(b)),
            limit,
        },
        _ => ErrorKind::TooComplex { limit },
    }
}
