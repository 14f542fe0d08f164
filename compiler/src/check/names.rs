//! Declarations: which sets, programs and tests exist, and their ids.
//!
//! Sets, programs (policies, guards and services together) and tests are
//! three separate namespaces. The first declaration of a name wins and
//! gets the next id, in file order; later ones are `duplicate-name` errors
//! (still checked, then dropped). Names may be used before they are
//! declared.

use super::Checker;
use crate::ast::{self, Item};
use crate::issue::{IssueKind, ValueKind};
use crate::model::{Hook, ProgramId, SetId};
use crate::span::Span;
use crate::suggest::did_you_mean;
use std::collections::HashMap;

/// A declared set.
pub struct SetName {
    pub name: String,
    pub span: Span,
    /// Index of the declaring item in `File::items`.
    pub item: usize,
    /// Addresses or ports; `None` until the values pass has decided, or if
    /// it could not (then uses of the set are not checked for kind).
    pub kind: Option<ValueKind>,
    /// Whether a rule refers to the set.
    pub used: bool,
    /// The declaration had errors (so "unused" would be noise).
    pub broken: bool,
}

/// A declared program.
pub struct ProgramName {
    pub name: String,
    pub span: Span,
    pub item: usize,
    pub kind: ast::ProgramKind,
    /// The hook, once the programs pass has resolved it.
    pub hook: Option<Hook>,
}

/// The declarations of a file.
#[derive(Default)]
pub struct Names {
    pub sets: Vec<SetName>,
    set_ids: HashMap<String, SetId>,
    pub programs: Vec<ProgramName>,
    program_ids: HashMap<String, ProgramId>,
    /// Sets offered as "did you mean" for an unknown name: probably used,
    /// just misspelt, so not reported as unused.
    suggested_sets: Vec<String>,
}

impl Names {
    /// The id of the set declared as `name`.
    pub fn set_id(&self, name: &str) -> Option<SetId> {
        self.set_ids.get(name).copied()
    }

    /// The id of the program declared as `name`.
    pub fn program_id(&self, name: &str) -> Option<ProgramId> {
        self.program_ids.get(name).copied()
    }

    /// The id of the program declared by item `item`, if it is the first
    /// declaration of its name.
    pub fn program_of_item(&self, item: usize) -> Option<ProgramId> {
        self.programs
            .iter()
            .position(|p| p.item == item)
            .map(|i| ProgramId(i as u32))
    }

    /// Resolves a set reference, reporting `unknown-set` (with a
    /// suggestion) if there is no such set. Marks the set used.
    pub fn use_set(&mut self, cx: &mut Checker<'_>, name: &ast::Ident) -> Option<SetId> {
        if let Some(id) = self.set_id(&name.name) {
            self.sets[id.index()].used = true;
            return Some(id);
        }
        if !cx.declared_somewhere(&name.name) {
            let suggestion = did_you_mean(&name.name, self.sets.iter().map(|s| s.name.as_str()));
            self.suggested_sets.extend(suggestion.clone());
            cx.report(
                IssueKind::UnknownSet {
                    name: name.name.clone(),
                    suggestion,
                },
                name.span,
            );
        }
        None
    }

    /// Resolves a program reference, reporting `unknown-program`.
    pub fn use_program(&self, cx: &mut Checker<'_>, name: &ast::Ident) -> Option<ProgramId> {
        if let Some(id) = self.program_id(&name.name) {
            return Some(id);
        }
        if !cx.declared_somewhere(&name.name) {
            let suggestion =
                did_you_mean(&name.name, self.programs.iter().map(|p| p.name.as_str()));
            cx.report(
                IssueKind::UnknownProgram {
                    name: name.name.clone(),
                    suggestion,
                },
                name.span,
            );
        }
        None
    }
}

/// Declares every set, program and test of `file`, reporting duplicates.
pub fn declare(cx: &mut Checker<'_>, file: &ast::File) -> Names {
    let mut names = Names::default();
    let mut tests: HashMap<&str, Span> = HashMap::new();
    for (item_index, item) in file.items.iter().enumerate() {
        match item {
            Item::Set(set) => {
                if let Some(&first) = names.set_ids.get(&set.name.name) {
                    let first = names.sets[first.index()].span;
                    duplicate(cx, "set", &set.name, first);
                } else {
                    let id = SetId(names.sets.len() as u32);
                    names.set_ids.insert(set.name.name.clone(), id);
                    names.sets.push(SetName {
                        name: set.name.name.clone(),
                        span: set.name.span,
                        item: item_index,
                        kind: None,
                        used: false,
                        broken: false,
                    });
                }
            }
            Item::Program(program) => {
                if let Some(&first) = names.program_ids.get(&program.name.name) {
                    let first = names.programs[first.index()].span;
                    duplicate(cx, "program", &program.name, first);
                } else {
                    let id = ProgramId(names.programs.len() as u32);
                    names.program_ids.insert(program.name.name.clone(), id);
                    names.programs.push(ProgramName {
                        name: program.name.name.clone(),
                        span: program.name.span,
                        item: item_index,
                        kind: program.kind,
                        hook: None,
                    });
                }
            }
            Item::Test(test) => {
                if let Some(&first) = tests.get(test.name.name.as_str()) {
                    duplicate(cx, "test", &test.name, first);
                } else {
                    tests.insert(&test.name.name, test.name.span);
                }
            }
            Item::Error(_) => {}
        }
    }
    names
}

fn duplicate(cx: &mut Checker<'_>, what: &'static str, name: &ast::Ident, first: Span) {
    cx.report(
        IssueKind::DuplicateName {
            what,
            name: name.name.clone(),
            first,
        },
        name.span,
    );
}

/// Warns about sets no rule uses (unless some lines did not parse, or a
/// misspelt reference probably meant the set: the use may be there; and
/// not about sets whose declaration already had errors).
pub fn report_unused_sets(cx: &mut Checker<'_>, names: &Names) {
    if cx.had_syntax_errors {
        return;
    }
    for set in names
        .sets
        .iter()
        .filter(|s| !s.used && !s.broken && !names.suggested_sets.contains(&s.name))
    {
        cx.report(
            IssueKind::UnusedSet {
                name: set.name.clone(),
            },
            set.span,
        );
    }
}
