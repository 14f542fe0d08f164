//! Preparing a program for the interpreter: done once, before any run.
//!
//! * Instructions are kept as typed [`Insn`]s, one entry per instruction
//!   (an `ld_imm64` is one entry), with the slot index of each for error
//!   messages.
//! * Every jump, `may_goto` and bpf-to-bpf call target is resolved to an
//!   instruction index; a target outside the program or inside an
//!   `ld_imm64` is a [`LoadError`].
//! * `ld_imm64` pseudo loads become plain constants: a map reference
//!   (`map_fd`/`map_idx`, both read as the map's number in [`Maps`]) becomes
//!   the map's handle, a `map_value` reference the address of the value,
//!   a function reference the function's address. BTF-id loads stay as
//!   they are and fault if executed.
//!
//! Invariant: after [`Program::new`] succeeds, `targets[i]` is a valid
//! instruction index for every instruction `i` that transfers control, so
//! the interpreter never needs to check a jump.

use palisade_verifier::isa::{CallTarget, Insn, Pseudo};

use super::error::LoadError;
use super::maps::{MapKind, Maps};
use super::memory::{self, FUNC_TAG};

/// The most instructions a VM program may have.
pub const MAX_INSNS: usize = 1 << 24;

/// A program ready to run.
#[derive(Clone, Debug)]
pub struct Program {
    pub(crate) insns: Vec<Insn>,
    /// First slot of each instruction.
    pub(crate) slots: Vec<u32>,
    /// Resolved target instruction of jumps and local calls (0 otherwise).
    pub(crate) targets: Vec<u32>,
}

impl Program {
    /// Prepares `insns` (in slot order, as `assemble_insns` or
    /// `decode_program` give them) against the maps they refer to.
    pub fn new(insns: &[Insn], maps: &Maps) -> Result<Program, LoadError> {
        if insns.is_empty() {
            return Err(LoadError::Empty);
        }
        if insns.len() > MAX_INSNS {
            return Err(LoadError::TooLarge(MAX_INSNS));
        }
        let mut slots = Vec::with_capacity(insns.len());
        // Slot -> instruction index; u32::MAX marks an ld_imm64's second slot.
        let mut index_of_slot = Vec::with_capacity(insns.len() + 1);
        for (i, insn) in insns.iter().enumerate() {
            slots.push(index_of_slot.len() as u32);
            index_of_slot.push(i as u32);
            if insn.slots() == 2 {
                index_of_slot.push(u32::MAX);
            }
        }
        let resolve = |slot: u32, next_slot: i64, offset: i64| -> Result<u32, LoadError> {
            let target = next_slot + offset;
            let index = usize::try_from(target)
                .ok()
                .and_then(|t| index_of_slot.get(t))
                .ok_or(LoadError::TargetOutOfRange {
                    slot: slot as usize,
                    target,
                })?;
            if *index == u32::MAX {
                return Err(LoadError::TargetInsideLdImm64 {
                    slot: slot as usize,
                    target,
                });
            }
            Ok(*index)
        };
        let mut out = Vec::with_capacity(insns.len());
        let mut targets = Vec::with_capacity(insns.len());
        for (i, insn) in insns.iter().enumerate() {
            let slot = slots[i];
            let next = slot as i64 + 1;
            let mut target = 0;
            let mut insn = *insn;
            match insn {
                Insn::Ja { .. } | Insn::JaLong { .. } | Insn::Jmp { .. } | Insn::MayGoto { .. } => {
                    let off = insn.jump_offset().unwrap_or(0);
                    target = resolve(slot, next, off.into())?;
                }
                Insn::Call(CallTarget::Local(off)) => target = resolve(slot, next, off.into())?,
                Insn::LdPseudo {
                    dst,
                    kind,
                    imm,
                    imm2,
                } => {
                    let map = |imm: i32| -> Result<usize, LoadError> {
                        usize::try_from(imm).ok().filter(|&m| m < maps.len()).ok_or(
                            LoadError::NoSuchMap {
                                slot: slot as usize,
                                map: imm.into(),
                                count: maps.len(),
                            },
                        )
                    };
                    let value = match kind {
                        Pseudo::MapFd | Pseudo::MapIdx => Some(memory::map_handle(map(imm)?)),
                        Pseudo::MapValue | Pseudo::MapIdxValue => {
                            let m = map(imm)?;
                            let offset = imm2 as u32;
                            let bad = |reason| LoadError::BadMapValue {
                                slot: slot as usize,
                                map: m,
                                offset,
                                reason,
                            };
                            let def = maps.get_index(m).map(|x| (x.kind(), x.def().value_size));
                            match def {
                                Some((MapKind::Array, vs)) if offset < vs => {}
                                Some((MapKind::Array, _)) => {
                                    return Err(bad("offset past the value"))
                                }
                                _ => return Err(bad("only array maps have direct value access")),
                            }
                            Some(memory::map_value(m, offset))
                        }
                        Pseudo::Func => {
                            let t = resolve(slot, next, imm.into())?;
                            Some(memory::addr(FUNC_TAG, t))
                        }
                        Pseudo::BtfId => None,
                    };
                    if let Some(v) = value {
                        insn = Insn::LdImm64 { dst, imm: v as i64 };
                    }
                }
                _ => {}
            }
            out.push(insn);
            targets.push(target);
        }
        Ok(Program {
            insns: out,
            slots,
            targets,
        })
    }

    /// The number of instructions (an `ld_imm64` counts once).
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }

    /// The prepared instructions (pseudo loads resolved).
    pub fn insns(&self) -> &[Insn] {
        &self.insns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_verifier::isa::text::assemble_insns;

    fn prog(text: &str) -> Result<Program, LoadError> {
        Program::new(&assemble_insns(text).unwrap(), &Maps::new())
    }

    #[test]
    fn jumps_resolve_to_instruction_indexes_across_ld_imm64() {
        let p = prog("r1 = 0x100000000 ll\nif r1 == 0 goto +1\nr0 = 1\nexit").unwrap();
        // Slots: 0-1 ld_imm64, 2 jump, 3 mov, 4 exit; index 1 jumps to index 3.
        assert_eq!(p.slots, vec![0, 2, 3, 4]);
        assert_eq!(p.targets[1], 3);
    }

    #[test]
    fn bad_targets_are_load_errors() {
        assert_eq!(
            prog("goto +5\nexit").unwrap_err(),
            LoadError::TargetOutOfRange { slot: 0, target: 6 }
        );
        assert_eq!(
            prog("goto +1\nr1 = 0x100000000 ll\nexit").unwrap_err(),
            LoadError::TargetInsideLdImm64 { slot: 0, target: 2 }
        );
        assert!(matches!(
            prog("ld_pseudo r1, 0x1, 0x3\nexit").unwrap_err(),
            LoadError::NoSuchMap { map: 3, .. }
        ));
        assert_eq!(
            Program::new(&[], &Maps::new()).unwrap_err(),
            LoadError::Empty
        );
    }
}
