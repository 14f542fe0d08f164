//! The instruction emitter: straight-line code with forward and backward
//! labels, map references and source lines, turned into final
//! instructions by [`Emitter::finish`].
//!
//! Invariants:
//! * Jumps name a [`Label`]; offsets are computed only in `finish`, after
//!   the peephole passes, so passes never have to patch offsets.
//! * Every instruction carries the source location that was current when
//!   it was emitted ([`Emitter::at`]); the line table is built from them.
//! * `finish` fails (it never panics) if a label was used but never bound
//!   or an offset does not fit, which would be a codegen bug.

use palisade_verifier::isa::{AluOp, Insn, JmpCond, Operand, Reg, Size, Width};

/// A jump target inside one program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(u32);

/// A source position: 1-based line and column in the policy file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub line: u32,
    pub column: u32,
}

/// What an instruction refers to besides plain operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    None,
    /// A jump (`Ja`/`Jmp`) whose offset is the label's position.
    Jump(Label),
    /// An `ld_imm64` of the map with this index (a relocation).
    Map(usize),
}

#[derive(Clone, Debug)]
struct Item {
    insn: Insn,
    target: Target,
    loc: Option<Loc>,
}

/// Builds one program.
#[derive(Debug, Default)]
pub struct Emitter {
    items: Vec<Item>,
    /// For each label, the item index it is bound to.
    labels: Vec<Option<usize>>,
    loc: Option<Loc>,
}

/// A finished program: instructions, map relocations and line table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Code {
    pub insns: Vec<Insn>,
    /// `(slot, map index)`: the `ld_imm64` at `slot` loads that map.
    pub map_refs: Vec<(usize, usize)>,
    /// `(slot, loc)` for each instruction that has a source location.
    pub lines: Vec<(usize, Loc)>,
}

/// A codegen bug found while finishing a program.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    #[error("internal error: label {0} used but never bound")]
    UnboundLabel(u32),
    #[error("internal error: jump of {0} instructions does not fit in 16 bits")]
    JumpTooFar(i64),
}

impl Emitter {
    pub fn new() -> Emitter {
        Emitter::default()
    }

    /// Sets the source location of the instructions emitted from now on.
    pub fn at(&mut self, loc: Option<Loc>) {
        self.loc = loc;
    }

    /// A new, unbound label.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() as u32 - 1)
    }

    /// Binds `label` to the next instruction emitted.
    pub fn bind(&mut self, label: Label) {
        self.labels[label.0 as usize] = Some(self.items.len());
    }

    fn push(&mut self, insn: Insn, target: Target) {
        self.items.push(Item {
            insn,
            target,
            loc: self.loc,
        });
    }

    /// Emits a plain instruction (no jump target or map).
    pub fn emit(&mut self, insn: Insn) {
        self.push(insn, Target::None);
    }

    /// `goto label`.
    pub fn goto(&mut self, label: Label) {
        self.push(Insn::Ja { off: 0 }, Target::Jump(label));
    }

    /// `if dst cond src goto label` (64-bit compare).
    pub fn jump_if(&mut self, cond: JmpCond, dst: Reg, src: Operand, label: Label) {
        self.jump_if_w(Width::W64, cond, dst, src, label);
    }

    /// A conditional jump of the given width.
    pub fn jump_if_w(&mut self, width: Width, cond: JmpCond, dst: Reg, src: Operand, label: Label) {
        self.push(
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off: 0,
            },
            Target::Jump(label),
        );
    }

    /// `dst = <address of map>` (an `ld_imm64` with a relocation).
    pub fn load_map(&mut self, dst: Reg, map: usize) {
        self.push(Insn::LdImm64 { dst, imm: 0 }, Target::Map(map));
    }

    /// `dst = imm` with the shortest encoding.
    pub fn mov_imm(&mut self, dst: Reg, value: i64) {
        if let Ok(imm) = i32::try_from(value) {
            self.emit(alu64(AluOp::Mov, dst, Operand::Imm(imm)));
        } else if let Ok(imm) = u32::try_from(value) {
            // A 32-bit move zero-extends.
            self.emit(Insn::Alu {
                width: Width::W32,
                op: AluOp::Mov,
                dst,
                src: Operand::Imm(imm as i32),
            });
        } else {
            self.emit(Insn::LdImm64 { dst, imm: value });
        }
    }

    /// `dst = *(size *)(src + off)`.
    pub fn load(&mut self, size: Size, dst: Reg, src: Reg, off: i16) {
        self.emit(Insn::Load {
            size,
            dst,
            src,
            off,
        });
    }

    /// `*(size *)(dst + off) = src`.
    pub fn store(&mut self, size: Size, dst: Reg, off: i16, src: Reg) {
        self.emit(Insn::Store {
            size,
            dst,
            off,
            src,
        });
    }

    /// `*(size *)(dst + off) = imm`.
    pub fn store_imm(&mut self, size: Size, dst: Reg, off: i16, imm: i32) {
        self.emit(Insn::StoreImm {
            size,
            dst,
            off,
            imm,
        });
    }

    /// A 64-bit ALU operation.
    pub fn alu(&mut self, op: AluOp, dst: Reg, src: Operand) {
        self.emit(alu64(op, dst, src));
    }

    /// A 32-bit ALU operation (zero-extends the result).
    pub fn alu32(&mut self, op: AluOp, dst: Reg, src: Operand) {
        self.emit(Insn::Alu {
            width: Width::W32,
            op,
            dst,
            src,
        });
    }

    /// Whether the last emitted instruction never falls through.
    pub fn ends_in_transfer(&self) -> bool {
        self.items
            .last()
            .is_some_and(|i| i.insn.is_unconditional_transfer())
    }

    /// Number of instructions emitted so far.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was emitted.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Runs the peephole passes and resolves labels.
    pub fn finish(mut self) -> Result<Code, EmitError> {
        self.thread_jumps();
        self.drop_unreachable();
        self.invert_branches_over_gotos();
        self.drop_jumps_to_next();
        self.resolve()
    }

    /// The item index a label points at, skipping nothing.
    fn bound(&self, label: Label) -> Result<usize, EmitError> {
        self.labels[label.0 as usize].ok_or(EmitError::UnboundLabel(label.0))
    }

    /// A jump to an unconditional `goto L` jumps to `L` directly.
    fn thread_jumps(&mut self) {
        let final_target = |labels: &[Option<usize>], items: &[Item], mut label: Label| {
            for _ in 0..items.len().min(64) {
                let Some(at) = labels[label.0 as usize] else {
                    break;
                };
                match items.get(at) {
                    Some(Item {
                        insn: Insn::Ja { .. },
                        target: Target::Jump(next),
                        ..
                    }) if *next != label => label = *next,
                    _ => break,
                }
            }
            label
        };
        for i in 0..self.items.len() {
            if let Target::Jump(label) = self.items[i].target {
                let to = final_target(&self.labels, &self.items, label);
                self.items[i].target = Target::Jump(to);
            }
        }
    }

    /// Removes instructions no path reaches: after an unconditional
    /// transfer, up to the next instruction some label points at.
    fn drop_unreachable(&mut self) {
        let mut reachable = vec![false; self.items.len()];
        let mut work = vec![0usize];
        while let Some(i) = work.pop() {
            if i >= self.items.len() || reachable[i] {
                continue;
            }
            reachable[i] = true;
            let item = &self.items[i];
            if let Target::Jump(label) = item.target {
                if let Some(t) = self.labels[label.0 as usize] {
                    work.push(t);
                }
            }
            if !item.insn.is_unconditional_transfer() {
                work.push(i + 1);
            }
        }
        self.retain(|i| reachable[i]);
    }

    /// `if c goto L1; goto L2; L1:` becomes `if !c goto L2; L1:` (the
    /// `goto` is then dropped as a jump to the next instruction).
    fn invert_branches_over_gotos(&mut self) {
        let mut is_target = vec![false; self.items.len() + 1];
        for l in self.labels.iter().flatten() {
            is_target[*l] = true;
        }
        for i in 0..self.items.len().saturating_sub(1) {
            let (Target::Jump(l1), Target::Jump(l2)) =
                (self.items[i].target, self.items[i + 1].target)
            else {
                continue;
            };
            let Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } = self.items[i].insn
            else {
                continue;
            };
            let next_is_goto = matches!(self.items[i + 1].insn, Insn::Ja { .. });
            let skips_goto = self.labels[l1.0 as usize] == Some(i + 2);
            // Another jump into the `goto` would lose its target.
            let goto_is_target = is_target[i + 1];
            if let (true, true, false, Some(negated)) =
                (next_is_goto, skips_goto, goto_is_target, cond.negate())
            {
                self.items[i].insn = Insn::Jmp {
                    width,
                    cond: negated,
                    dst,
                    src,
                    off,
                };
                self.items[i].target = Target::Jump(l2);
                // The old goto now jumps to the next instruction.
                self.items[i + 1].target = Target::Jump(l1);
            }
        }
    }

    /// Removes `goto next`.
    fn drop_jumps_to_next(&mut self) {
        let labels = self.labels.clone();
        let items = &self.items;
        let keep: Vec<bool> = (0..items.len())
            .map(|i| match (items[i].insn, items[i].target) {
                (Insn::Ja { .. }, Target::Jump(l)) => labels[l.0 as usize] != Some(i + 1),
                _ => true,
            })
            .collect();
        self.retain(|i| keep[i]);
    }

    /// Keeps the items for which `keep` holds, moving labels of removed
    /// items to the next kept item.
    fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        let mut new_index = vec![0usize; self.items.len() + 1];
        let mut kept = Vec::with_capacity(self.items.len());
        for (i, item) in std::mem::take(&mut self.items).into_iter().enumerate() {
            new_index[i] = kept.len();
            if keep(i) {
                kept.push(item);
            }
        }
        let end = new_index.len() - 1;
        new_index[end] = kept.len();
        for l in self.labels.iter_mut().flatten() {
            *l = new_index[*l];
        }
        self.items = kept;
    }

    /// Slots an item takes once laid out: long jumps (`gotol`, and
    /// conditional jumps inverted over a `gotol`) are wider.
    fn width(item: &Item, long: bool) -> usize {
        match (long, item.insn) {
            (false, insn) => insn.slots(),
            (true, Insn::Ja { .. }) => 1,
            (true, _) => 2,
        }
    }

    /// Lays out the items: jumps whose offset does not fit 16 bits become
    /// long. Widening only grows distances, so this reaches a fixed point.
    fn layout(&self) -> Result<(Vec<bool>, Vec<usize>), EmitError> {
        let mut long = vec![false; self.items.len()];
        loop {
            let mut slot_of = Vec::with_capacity(self.items.len() + 1);
            let mut slot = 0;
            for (i, item) in self.items.iter().enumerate() {
                slot_of.push(slot);
                slot += Self::width(item, long[i]);
            }
            slot_of.push(slot);
            let mut changed = false;
            for (i, item) in self.items.iter().enumerate() {
                if let (false, Target::Jump(label)) = (long[i], item.target) {
                    let to = slot_of[self.bound(label)?] as i64;
                    if i16::try_from(to - slot_of[i + 1] as i64).is_err() {
                        if matches!(
                            item.insn,
                            Insn::Jmp {
                                cond: JmpCond::Set,
                                ..
                            }
                        ) {
                            // `jset` has no negation to jump over a `gotol`.
                            return Err(EmitError::JumpTooFar(to - slot_of[i + 1] as i64));
                        }
                        long[i] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                return Ok((long, slot_of));
            }
        }
    }

    fn resolve(self) -> Result<Code, EmitError> {
        let (long, slot_of) = self.layout()?;
        let mut code = Code::default();
        for (i, item) in self.items.iter().enumerate() {
            if let Some(loc) = item.loc {
                code.lines.push((slot_of[i], loc));
            }
            let insn = item.insn;
            match item.target {
                Target::None => code.insns.push(insn),
                Target::Map(map) => {
                    code.map_refs.push((slot_of[i], map));
                    code.insns.push(insn);
                }
                Target::Jump(label) => {
                    let to = slot_of[self.bound(label)?] as i64;
                    let delta = to - slot_of[i + 1] as i64;
                    let far =
                        |delta: i64| i32::try_from(delta).map_err(|_| EmitError::JumpTooFar(delta));
                    match (insn, long[i]) {
                        (Insn::Ja { .. }, false) => code.insns.push(Insn::Ja { off: delta as i16 }),
                        (Insn::Ja { .. }, true) => {
                            code.insns.push(Insn::JaLong { imm: far(delta)? })
                        }
                        (
                            Insn::Jmp {
                                width,
                                cond,
                                dst,
                                src,
                                ..
                            },
                            false,
                        ) => code.insns.push(Insn::Jmp {
                            width,
                            cond,
                            dst,
                            src,
                            off: delta as i16,
                        }),
                        (
                            Insn::Jmp {
                                width,
                                cond,
                                dst,
                                src,
                                ..
                            },
                            true,
                        ) => {
                            // `if !cond goto +1; gotol target`.
                            let negated = cond.negate().ok_or(EmitError::JumpTooFar(delta))?;
                            code.insns.push(Insn::Jmp {
                                width,
                                cond: negated,
                                dst,
                                src,
                                off: 1,
                            });
                            code.insns.push(Insn::JaLong { imm: far(delta)? });
                        }
                        (other, _) => code.insns.push(other),
                    }
                }
            }
        }
        Ok(code)
    }
}

/// A 64-bit ALU instruction.
pub fn alu64(op: AluOp, dst: Reg, src: Operand) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op,
        dst,
        src,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_verifier::isa::text::assemble_insns;

    fn text(code: &Code) -> String {
        code.insns.iter().map(|i| format!("{i}\n")).collect()
    }

    #[test]
    fn labels_resolve_forward_and_backward() {
        let mut e = Emitter::new();
        let top = e.label();
        let out = e.label();
        e.bind(top);
        e.mov_imm(Reg::R0, 1);
        e.jump_if(JmpCond::Eq, Reg::R1, Operand::Imm(0), out);
        e.goto(top);
        e.bind(out);
        e.emit(Insn::Exit);
        let code = e.finish().unwrap();
        let expect = assemble_insns("top: r0 = 1\nif r1 != 0 goto top\nexit\n").unwrap();
        assert_eq!(code.insns, expect, "{}", text(&code));
    }

    #[test]
    fn jumps_are_threaded_and_dead_code_dropped() {
        let mut e = Emitter::new();
        let a = e.label();
        let b = e.label();
        e.jump_if(JmpCond::Eq, Reg::R1, Operand::Imm(0), a);
        e.mov_imm(Reg::R0, 2);
        e.emit(Insn::Exit);
        e.mov_imm(Reg::R0, 9); // unreachable
        e.bind(a);
        e.goto(b);
        e.bind(b);
        e.mov_imm(Reg::R0, 1);
        e.emit(Insn::Exit);
        let code = e.finish().unwrap();
        let expect = assemble_insns("if r1 == 0 goto b\nr0 = 2\nexit\nb: r0 = 1\nexit\n").unwrap();
        assert_eq!(code.insns, expect, "{}", text(&code));
    }

    #[test]
    fn branches_over_gotos_are_inverted() {
        let mut e = Emitter::new();
        let fail = e.label();
        let done = e.label();
        e.jump_if(JmpCond::Eq, Reg::R0, Operand::Imm(0), fail);
        e.goto(done);
        e.bind(fail);
        e.mov_imm(Reg::R0, 2);
        e.emit(Insn::Exit);
        e.bind(done);
        e.mov_imm(Reg::R0, 1);
        e.emit(Insn::Exit);
        let code = e.finish().unwrap();
        let expect =
            assemble_insns("if r0 != 0 goto done\nr0 = 2\nexit\ndone: r0 = 1\nexit\n").unwrap();
        assert_eq!(code.insns, expect, "{}", text(&code));
    }

    #[test]
    fn unbound_label_is_an_error_not_a_panic() {
        let mut e = Emitter::new();
        let l = e.label();
        e.goto(l);
        assert_eq!(e.finish(), Err(EmitError::UnboundLabel(0)));
    }

    #[test]
    fn far_jumps_become_gotol() {
        let mut e = Emitter::new();
        let far = e.label();
        let back = e.label();
        e.bind(back);
        e.jump_if(JmpCond::Eq, Reg::R1, Operand::Imm(0), far);
        for _ in 0..40_000 {
            e.mov_imm(Reg::R0, 1);
        }
        e.jump_if(JmpCond::Eq, Reg::R2, Operand::Imm(0), back);
        e.bind(far);
        e.emit(Insn::Exit);
        let code = e.finish().unwrap();
        // `if r1 != 0 goto +1; gotol far` ... `if r2 != 0 goto +1; gotol back`.
        let not_zero = |dst| Insn::Jmp {
            width: Width::W64,
            cond: JmpCond::Ne,
            dst,
            src: Operand::Imm(0),
            off: 1,
        };
        assert_eq!(code.insns[0], not_zero(Reg::R1));
        assert_eq!(code.insns[1], Insn::JaLong { imm: 40_002 });
        assert_eq!(code.insns[40_002], not_zero(Reg::R2));
        assert_eq!(code.insns[40_003], Insn::JaLong { imm: -40_004 });
        assert_eq!(code.insns.len(), 40_005);
    }

    #[test]
    fn map_loads_take_two_slots() {
        let mut e = Emitter::new();
        e.at(Some(Loc { line: 3, column: 1 }));
        e.load_map(Reg::R1, 7);
        e.emit(Insn::Exit);
        let code = e.finish().unwrap();
        assert_eq!(code.map_refs, vec![(0, 7)]);
        assert_eq!(
            code.lines,
            vec![
                (0, Loc { line: 3, column: 1 }),
                (2, Loc { line: 3, column: 1 })
            ]
        );
    }
}
