//! The abstract machine state: a stack of call frames (registers and
//! stack each) and the references the program currently holds.
//!
//! Invariants:
//! * `frames` is never empty and holds at most `Limits::max_frames`
//!   frames; the last one is the running function.
//! * `r10` of frame `i` is `Value::pointer(Kind::Stack, i)` at offset 0.
//! * Every reference id held in a register or spill is in `refs` (a
//!   released reference is scrubbed from every register and spill).

use super::stack::Stack;
use super::types::{Kind, Value};
use crate::isa::Reg;

/// One function activation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    pub regs: [Value; 11],
    pub stack: Stack,
    /// The function number (index in `Cfg::funcs`).
    pub func: usize,
    /// Instruction index of the call that created this frame (0 for main).
    pub callsite: usize,
    /// This frame runs a callback of the helper call at `callsite`
    /// (`bpf_loop`): when it returns, the helper call runs again.
    pub callback: bool,
}

impl Frame {
    /// A fresh frame for function `func`, number `depth` in the chain.
    pub fn new(func: usize, depth: usize, callsite: usize) -> Frame {
        let mut regs = [Value::UNINIT; 11];
        regs[10] = Value::pointer(Kind::Stack, depth as u32);
        Frame {
            regs,
            stack: Stack::default(),
            func,
            callsite,
            callback: false,
        }
    }

    pub fn reg(&self, r: Reg) -> &Value {
        &self.regs[r.index() as usize]
    }

    pub fn reg_mut(&mut self, r: Reg) -> &mut Value {
        &mut self.regs[r.index() as usize]
    }
}

/// A reference the program must release (a socket from `sk_lookup_*`, a
/// ring buffer sample, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefEntry {
    pub id: u32,
    /// Slot of the instruction that acquired it.
    pub acquired_at: usize,
}

/// The whole abstract state of one path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub frames: Vec<Frame>,
    pub refs: Vec<RefEntry>,
    /// How many `may_goto` escapes this path took (each is a run-time
    /// counter expiring).
    pub may_goto_depth: u32,
}

impl State {
    /// The state at program entry: `r1` holds the context, `r10` the frame
    /// pointer, everything else is uninitialised.
    pub fn entry() -> State {
        let mut f = Frame::new(0, 0, 0);
        f.regs[1] = Value::pointer(Kind::Ctx, 0);
        State {
            frames: vec![f],
            refs: Vec::new(),
            may_goto_depth: 0,
        }
    }

    /// The running frame.
    pub fn cur(&self) -> &Frame {
        // `frames` is never empty (invariant).
        &self.frames[self.frames.len() - 1]
    }

    pub fn cur_mut(&mut self) -> &mut Frame {
        let n = self.frames.len() - 1;
        &mut self.frames[n]
    }

    /// The running frame's number (0 = main).
    pub fn depth(&self) -> usize {
        self.frames.len() - 1
    }

    pub fn reg(&self, r: Reg) -> &Value {
        self.cur().reg(r)
    }

    pub fn reg_mut(&mut self, r: Reg) -> &mut Value {
        self.cur_mut().reg_mut(r)
    }

    /// Applies `f` to every register and spilled value of every frame.
    pub fn for_each_value_mut(&mut self, mut f: impl FnMut(&mut Value)) {
        for frame in &mut self.frames {
            for r in frame.regs.iter_mut() {
                f(r);
            }
            for s in frame.stack.spills_mut() {
                f(s);
            }
        }
    }

    /// Whether reference `id` is held.
    pub fn holds_ref(&self, id: u32) -> bool {
        self.refs.iter().any(|r| r.id == id)
    }
}
