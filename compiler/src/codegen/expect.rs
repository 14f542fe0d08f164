//! What a generated filter program must return for a raw frame, according
//! to the reference semantics: [`super::wire`] says what the frame is and
//! [`crate::eval`] decides IP packets. Tests compare the kernel's and the
//! VM's return values with this.

use super::ir::FilterHook;
use super::wire::{parse_frame, Frame};
use crate::eval;
use crate::model::{Checked, Filter, Program, ProgramKind};

/// The expected return value and the outcome slot (counter index) that
/// decides, `None` for frames that are not IP (never counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    pub code: u32,
    pub outcome: Option<u32>,
}

/// The hook of a filter program, `None` for services.
pub fn hook_of(program: &Program) -> Option<FilterHook> {
    match program.kind {
        ProgramKind::Policy(_) => Some(FilterHook::Tc),
        ProgramKind::Guard(_) => Some(FilterHook::Xdp),
        ProgramKind::Service(_) => None,
    }
}

/// The expected result of `filter` (attached at `hook`) on `frame`.
pub fn expected_return(
    checked: &Checked,
    filter: &Filter,
    hook: FilterHook,
    frame: &[u8],
) -> Expected {
    let codes = hook.verdicts();
    let pass = codes.pass as u32;
    let block = codes.block as u32;
    match parse_frame(frame, None) {
        Frame::NotIp => Expected {
            code: pass,
            outcome: None,
        },
        Frame::Malformed => Expected {
            code: if filter.audit { pass } else { block },
            outcome: Some(filter.rules.len() as u32 + 1),
        },
        Frame::Ip(packet) => {
            let o = eval::evaluate(checked, filter, &packet);
            let outcome = match o.decided_by {
                eval::Decider::Rule(id) => id.0,
                eval::Decider::Default => filter.rules.len() as u32,
            };
            Expected {
                code: if o.effective.blocks() { block } else { pass },
                outcome: Some(outcome),
            }
        }
    }
}
