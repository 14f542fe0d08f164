//! The checker: syntax tree to checked model, with every problem found.
//!
//! [`check`] resolves names, validates values, lowers rules, services and
//! tests into [`crate::model`], and runs the static analyses (family
//! conflicts, shadowed rules, unused sets). It never stops at the first
//! problem: each line is checked on its own, and a broken part is left out
//! of the model while the rest goes on being checked. The model is
//! returned only when no error was found (warnings are fine), so nothing
//! unchecked reaches the evaluator or codegen.
//!
//! Cascades are avoided on purpose: a name whose declaration did not
//! parse is not reported as unknown, a program whose block had syntax
//! errors is not told it lacks a `default`, and a value that was already
//! reported as broken is not reported again where it is used.
//!
//! Passes: [`names`] declares sets, programs and tests; [`values`] lowers
//! sets (and every address and port written anywhere); [`programs`] lowers
//! policies, guards and services (with [`rules`] for single rules and
//! [`shadow`] for shadowing); [`tests`] lowers test blocks, with
//! [`packet`] for packets (shared with `palisade explain`).

mod names;
mod packet;
mod programs;
mod rules;
mod shadow;
mod tests;
mod values;

pub use packet::lower_packet;

use crate::issue::{Issue, IssueKind, Severity};
use crate::model::{Checked, Sealed};
use crate::parse::Parsed;
use crate::span::{LineIndex, Span};
use std::collections::BTreeSet;

/// The result of checking one file.
#[derive(Debug, Clone)]
pub struct Report {
    /// The model, if there were no errors (syntax or semantic).
    pub checked: Option<Checked>,
    /// Every issue (syntax and semantic), ordered by position.
    pub issues: Vec<Issue>,
}

impl Report {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.issues
            .iter()
            .filter(|i| i.severity() == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.issues.len() - self.errors()
    }
}

/// Checks a parsed file. `source` is the text it was parsed from.
pub fn check(parsed: &Parsed, source: &str) -> Report {
    let mut cx = Checker::new(source, &parsed.declared_names, parsed.has_errors());
    let mut names = names::declare(&mut cx, &parsed.file);
    let sets = values::lower_sets(&mut cx, &parsed.file, &mut names);
    let programs = programs::lower_programs(&mut cx, &parsed.file, &mut names);
    let tests = tests::lower_tests(&mut cx, &parsed.file, &names, &programs);
    names::report_unused_sets(&mut cx, &names);

    let mut issues = parsed.issues.clone();
    issues.append(&mut cx.issues);
    issues.sort_by_key(|issue| (issue.span.start, issue.span.end));
    let failed = issues.iter().any(|i| i.severity() == Severity::Error);
    let checked = (!failed).then(|| Checked {
        sets: sets.into_iter().flatten().collect(),
        programs: programs.into_iter().flatten().collect(),
        tests,
        sealed: Sealed,
    });
    Report { checked, issues }
}

/// State shared by the passes.
pub(crate) struct Checker<'a> {
    pub source: &'a str,
    pub lines: LineIndex,
    pub issues: Vec<Issue>,
    /// Names declared somewhere, even in lines that did not parse.
    pub declared_names: &'a BTreeSet<String>,
    /// The file had syntax errors (some lines are missing from the tree).
    pub had_syntax_errors: bool,
}

impl<'a> Checker<'a> {
    fn new(source: &'a str, declared_names: &'a BTreeSet<String>, had_syntax_errors: bool) -> Self {
        Checker {
            source,
            lines: LineIndex::new(source),
            issues: Vec::new(),
            declared_names,
            had_syntax_errors,
        }
    }

    /// Records an issue.
    pub fn report(&mut self, kind: IssueKind, span: Span) {
        self.issues.push(Issue::new(kind, span));
    }

    /// The 1-based line of a span's start.
    pub fn line(&self, span: Span) -> u32 {
        self.lines.line(span.start)
    }

    /// The source text of a span.
    pub fn text(&self, span: Span) -> String {
        span.text(self.source).to_string()
    }

    /// Whether `name` appears as a declaration in the token stream (so an
    /// "unknown name" error for it would be a cascade).
    pub fn declared_somewhere(&self, name: &str) -> bool {
        self.declared_names.contains(name)
    }
}
