//! The in-process verifier: proves that an eBPF program is memory safe and
//! terminates, the way Linux would before loading it.
//!
//! ```text
//!   Program ──cfg──▶ Cfg (structure, loops, liveness)
//!           ──explore──▶ per path: assertions ─check─▶ facts ─transfer─▶ next states
//!                        (pruned by already verified states)
//!           ──▶ Report (verdict, errors with instruction, line and state)
//! ```
//!
//! Entry points: [`verify_program`] for one [`Program`], and
//! [`verify_object`] for every program of an ELF object. The target kernel
//! is a [`Platform`] value (helper prototypes, context layouts, program
//! types, limits); [`Options`] choose between the stricter Palisade
//! profile and the profile of a privileged kernel loader.
//!
//! # Properties checked
//!
//! * **Structure**: the program is not empty and within the length limit;
//!   every jump stays inside its function and lands on an instruction (not
//!   the second slot of an `ld_imm64`); every call targets a function
//!   start; every function ends with `exit` or an unconditional jump; every
//!   instruction is reachable; `ld_imm64` forms are ones Linux knows.
//! * **Termination**: every path ends. Loops are unrolled by the
//!   exploration and accepted only when it ends; a path that returns to a
//!   loop header in exactly the state it had is an infinite loop; exceeding
//!   1,000,000 processed instructions rejects the program, naming the loop
//!   and its back edge; `may_goto` loops are accepted once an iteration is
//!   covered by an earlier one (Linux bounds them at run time).
//! * **Registers**: no register is read before it is written; `r10` is
//!   never written; the program returns a value in the range its program
//!   type requires.
//! * **Arithmetic**: no division or modulo by the constant 0, no shift by
//!   an out-of-range constant; pointer arithmetic only as Linux allows it
//!   (see [`transfer::alu`]).
//! * **Memory**: every load, store and atomic lands inside the object its
//!   base pointer points to, for every value the offset may take: the
//!   512-byte stack frame (with alignment, initialised bytes on reads, and
//!   pointer spills only as whole slots), the context fields the program
//!   type allows with their access sizes and directions, the packet bytes
//!   proved present by comparisons with `data_end` (writes only where the
//!   program type may write), map values of their map's size and access
//!   rights, helper memory such as ring buffer samples, and the read-only
//!   socket fields. Maybe-NULL pointers are checked against 0 before use.
//! * **Calls**: helpers exist, are available to the program type, get
//!   arguments of the right types (memory arguments readable or writable
//!   for every size the size argument may take), and maps they accept;
//!   references (sockets, ring buffer samples) are released exactly once
//!   and never leak; packet pointers are forgotten after helpers that move
//!   packet data; bpf-to-bpf calls nest at most 8 frames and the frames'
//!   stacks fit 512 bytes together; global functions are verified on their
//!   own from their BTF signatures and called with matching arguments.
//!
//! # Not checked (refused, or out of scope)
//!
//! * Program types without a modelled context (tracing, LSM, struct_ops,
//!   extension, flow dissector, sock_ops, sk_reuseport, netfilter, ...)
//!   are refused as unsupported, as are kfunc calls, helpers whose
//!   arguments need BTF types (`spin_lock`, timers, dynptrs, kptrs, BTF
//!   pointers), helpers with callbacks (`bpf_loop`, `for_each_map_elem`),
//!   arena pointers and load-acquire/store-release.
//! * Speculative-execution (Spectre) hardening and the rules that only
//!   apply to unprivileged loaders (pointer leaks into maps or return
//!   values, pointer comparisons) are not checked: like a loader with
//!   `CAP_BPF` and `CAP_PERFMON`, Palisade allows them.
//! * What the program does with legitimately accessible data (its policy
//!   semantics) is not the verifier's concern; the compiler's reference
//!   evaluator and the VM check that.
//!
//! # Soundness argument
//!
//! Each abstract domain over-approximates the concrete values
//! ([`domain`]); each transfer function over-approximates the effect of
//! its instruction; a path is cut only when an already completely verified
//! state covers it ([`prune`]), so every concrete execution is covered by
//! some explored abstract path, on which every assertion held.

pub mod assertions;
pub mod cfg;
pub mod check;
pub mod corpus;
pub mod domain;
pub mod error;
pub mod explore;
pub mod gen;
pub mod platform;
pub mod program;
pub mod prune;
pub mod report;
pub mod transfer;

pub use error::{ErrorKind, VerifyError};
pub use platform::prog_type::{AttachType, ProgKind, ProgType};
pub use platform::Platform;
pub use program::{FuncInfo, LoadFlags, Param, Program, SourceLine};
pub use report::{Report, Verdict};

use crate::isa::Reg;
use domain::state::State;
use std::time::Instant;
use transfer::Env;

/// Analysis choices that are policy rather than platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Accept reads of stack bytes that were never written (they read as
    /// unknown values). Linux allows this for loaders with `CAP_PERFMON`;
    /// Palisade's default refuses it, as an unprivileged kernel would.
    pub allow_uninit_stack: bool,
}

impl Options {
    /// Palisade's default: everything a privileged kernel checks, and no
    /// reads of uninitialised stack.
    pub const fn strict() -> Options {
        Options {
            allow_uninit_stack: false,
        }
    }

    /// Exactly what Linux checks for a loader with `CAP_BPF` and
    /// `CAP_PERFMON` (the yardstick of the kernel corpus).
    pub const fn kernel_privileged() -> Options {
        Options {
            allow_uninit_stack: true,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::strict()
    }
}

/// Verifies one program.
pub fn verify_program(prog: &Program, platform: &Platform, options: &Options) -> Report {
    let started = Instant::now();
    let mut report = Report {
        program: prog.name.clone(),
        prog_type: prog.kind.prog_type,
        verdict: Verdict::Accept,
        errors: Vec::new(),
        stats: explore::Stats::default(),
        stack_depth: 0,
        duration: Default::default(),
    };
    let reject = |report: &mut Report, errors: Vec<VerifyError>| {
        report.verdict = Verdict::Reject;
        report.errors = errors;
    };
    if !platform.supports(prog.kind) {
        let e = located(
            prog,
            None,
            0,
            ErrorKind::Unsupported {
                what: format!("program type {}", prog.kind.prog_type),
            },
            String::new(),
        );
        reject(&mut report, vec![e]);
        report.duration = started.elapsed();
        return report;
    }
    let cfg = match cfg::build(prog, &platform.limits) {
        Ok(c) => c,
        Err(errs) => {
            let errors = errs
                .into_iter()
                .map(|(slot, kind)| located(prog, None, slot, kind, String::new()))
                .collect();
            reject(&mut report, errors);
            report.duration = started.elapsed();
            return report;
        }
    };
    if let Err((slot, kind)) = subprog_rules(prog, &cfg) {
        let e = located(prog, Some(&cfg), slot, kind, String::new());
        reject(&mut report, vec![e]);
        report.duration = started.elapsed();
        return report;
    }
    let mut env = Env::new(prog, &cfg, platform, options);
    let mut result = explore::explore(&mut env, &mut report.stats, 0, State::entry());
    // Global functions are verified once each, on their own, from their
    // BTF signatures.
    let mut done = 0;
    while result.is_ok() && done < env.globals_called.len() {
        let func = env.globals_called[done];
        done += 1;
        let entry = cfg.funcs[func];
        env.entry_global = true;
        result = match transfer::call::global_entry(&mut env, func) {
            Ok(start) => explore::explore(&mut env, &mut report.stats, entry, start),
            Err(kind) => Err(explore::Stop {
                idx: entry,
                failure: kind.into(),
            }),
        };
    }
    match result {
        Err(stop) => {
            let insn = cfg.insns[stop.idx];
            let state = stop
                .failure
                .state
                .as_ref()
                .map(|s| render_state(s, &transfer::regs_read(&insn)))
                .unwrap_or_default();
            let e = located(
                prog,
                Some(&cfg),
                cfg.slots[stop.idx],
                stop.failure.kind,
                state,
            );
            reject(&mut report, vec![e]);
        }
        Ok(()) => match stack_depth(&cfg, &env.stack_depth, &platform.limits) {
            Ok(d) => report.stack_depth = d,
            Err((slot, kind)) => {
                let e = located(prog, Some(&cfg), slot, kind, String::new());
                reject(&mut report, vec![e]);
            }
        },
    }
    report.duration = started.elapsed();
    report
}

/// Rules Linux checks per subprogram before the analysis: `ld_abs` and
/// tail calls in subprograms need BTF function information, and `ld_abs`
/// a function that returns a value (it may return 0 early).
fn subprog_rules(prog: &Program, cfg: &cfg::Cfg) -> Result<(), (usize, ErrorKind)> {
    use crate::isa::{CallTarget, Insn};
    for (idx, insn) in cfg.insns.iter().enumerate() {
        if cfg.func_of[idx] == 0 {
            continue;
        }
        let ld_abs = matches!(insn, Insn::LdAbs { .. } | Insn::LdInd { .. });
        let tail_call = matches!(insn, Insn::Call(CallTarget::Helper(12)));
        if !(ld_abs || tail_call) {
            continue;
        }
        let slot = cfg.slots[idx];
        if !prog.has_btf {
            return Err((
                slot,
                ErrorKind::Unsupported {
                    what: "ld_abs or tail calls in a subprogram without BTF function information (Linux refuses them)".into(),
                },
            ));
        }
        let entry = cfg.slots[cfg.funcs[cfg.func_of[idx] as usize]];
        if ld_abs && prog.funcs.iter().any(|f| f.slot == entry && f.returns_void) {
            return Err((
                slot,
                ErrorKind::InvalidAccess {
                    reg: Reg::R6,
                    reason: "ld_abs is only allowed in functions that return a value".into(),
                },
            ));
        }
    }
    Ok(())
}

/// The deepest combined stack of any call chain (frames rounded up to 16
/// bytes, as the JIT allocates them), checked over the static call graph
/// (calls in dead code included, as Linux does): an error at the call that
/// makes a chain exceed the stack limit or the frame limit.
fn stack_depth(
    cfg: &cfg::Cfg,
    depths: &[u32],
    limits: &platform::Limits,
) -> Result<u32, (usize, ErrorKind)> {
    use crate::isa::{CallTarget, Insn};
    let nf = cfg.funcs.len();
    let frame = |f: usize| depths.get(f).copied().unwrap_or(0).div_ceil(16) * 16;
    let mut callees: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nf];
    for (idx, insn) in cfg.insns.iter().enumerate() {
        if let Insn::Call(CallTarget::Local(_)) = insn {
            if let Some(t) = cfg.call_target(idx).and_then(|t| cfg.func_starting_at(t)) {
                callees[cfg.func_of[idx] as usize].push((t, cfg.slots[idx]));
            }
        }
    }
    // sub[f][k]: the largest stack of a chain starting at function f as
    // frame number k (memoised; chains longer than the frame limit are
    // errors).
    let maxf = limits.max_frames;
    let mut memo: Vec<Vec<Option<u32>>> = vec![vec![None; maxf + 2]; nf];
    fn sub(
        f: usize,
        k: usize,
        callees: &[Vec<(usize, usize)>],
        frame: &dyn Fn(usize) -> u32,
        maxf: usize,
        memo: &mut Vec<Vec<Option<u32>>>,
    ) -> Result<u32, (usize, ErrorKind)> {
        if let Some(v) = memo[f][k] {
            return Ok(v);
        }
        let mut deepest = 0;
        for &(g, slot) in &callees[f] {
            if k + 1 > maxf {
                return Err((slot, ErrorKind::CallStackTooDeep { frames: k + 1 }));
            }
            deepest = deepest.max(sub(g, k + 1, callees, frame, maxf, memo)?);
        }
        let v = frame(f) + deepest;
        memo[f][k] = Some(v);
        Ok(v)
    }
    let total = sub(0, 1, &callees, &frame, maxf, &mut memo)?;
    if total > limits.max_stack_bytes {
        // Follow the deepest chain to the call that crosses the limit.
        let (mut f, mut k, mut acc) = (0usize, 1usize, frame(0));
        loop {
            let next = callees[f]
                .iter()
                .filter_map(|&(g, slot)| {
                    memo[g].get(k + 1).copied().flatten().map(|v| (v, g, slot))
                })
                .max_by_key(|x| x.0);
            let Some((_, g, slot)) = next else {
                return Err((0, ErrorKind::StackTooLarge { bytes: total }));
            };
            acc += frame(g);
            if acc > limits.max_stack_bytes {
                return Err((slot, ErrorKind::StackTooLarge { bytes: total }));
            }
            f = g;
            k += 1;
        }
    }
    Ok(total)
}

fn located(
    prog: &Program,
    cfg: Option<&cfg::Cfg>,
    slot: usize,
    kind: ErrorKind,
    state: String,
) -> VerifyError {
    let insn = prog
        .insns
        .iter()
        .find(|(s, _)| *s == slot)
        .map(|(_, i)| i.to_string())
        .unwrap_or_default();
    let _ = cfg;
    VerifyError {
        slot,
        insn,
        kind,
        state,
        line: prog
            .lines
            .get(&slot)
            .cloned()
            .or_else(|| prog.line_at(slot).cloned()),
        function: prog.func_at(slot).map(|f| f.name.clone()),
    }
}

/// `r1=ctx(off=0) r2=pkt(off=14,r=0)` for the registers that matter.
fn render_state(st: &State, regs: &[Reg]) -> String {
    let mut parts = Vec::new();
    let mut seen = Vec::new();
    for r in regs
        .iter()
        .chain([Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5].iter())
    {
        if seen.contains(r) {
            continue;
        }
        seen.push(*r);
        let v = st.reg(*r);
        if regs.contains(r) || v.is_init() {
            parts.push(format!("{r}={v}"));
        }
        if parts.len() >= 6 {
            break;
        }
    }
    if st.depth() > 0 {
        parts.push(format!("(frame {})", st.depth()));
    }
    parts.join(" ")
}

/// The outcome for one program of an object.
#[derive(Debug)]
pub enum ObjectResult {
    /// The program was verified.
    Verified(Report),
    /// The program could not be prepared for verification (unknown
    /// section, link failure); the string says why.
    NotVerified { program: String, reason: String },
}

/// Verifies every program of a parsed object.
pub fn verify_object(
    obj: &crate::object::Object,
    platform: &Platform,
    options: &Options,
) -> Vec<ObjectResult> {
    (0..obj.programs.len())
        .map(|i| {
            let name = obj.programs[i].name.clone();
            match obj.link(i) {
                Err(e) => ObjectResult::NotVerified {
                    program: name,
                    reason: format!("cannot link: {e}"),
                },
                Ok(linked) => match Program::from_linked(obj, &linked) {
                    Some(p) => ObjectResult::Verified(verify_program(&p, platform, options)),
                    None => ObjectResult::NotVerified {
                        program: name,
                        reason: format!(
                            "unknown program type for section `{}`",
                            linked.section_name
                        ),
                    },
                },
            }
        })
        .collect()
}
