//! Diagnostics: the boundary layer of errors.
//!
//! An [`Issue`] (precise, matchable) becomes a [`Diagnostic`]: a message,
//! a primary label under the span, secondary labels, notes, an optional
//! help line and an optional machine-applicable [`Fix`]. [`render`] prints
//! diagnostics like rustc (through codespan-reporting) and [`json`] gives
//! them to editors and CI. Rendering is deterministic and has no colour
//! unless asked for, so snapshots are stable.

mod message;
mod render;

pub use codespan_reporting::term::termcolor;
pub use render::{json, render, render_colored, JsonDiagnostic};

use crate::issue::{Code, Issue, Severity};
use crate::span::Span;

/// A rendered-to-be problem report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// The headline: `unknown set `trustd``.
    pub message: String,
    /// Where the caret goes.
    pub span: Span,
    /// Text under the caret (may be empty).
    pub label: String,
    /// Other places worth pointing at, with their text.
    pub secondary: Vec<(Span, String)>,
    /// `= note: ...` lines.
    pub notes: Vec<String>,
    /// The `= help: ...` line.
    pub help: Option<String>,
    /// A replacement that fixes the problem.
    pub fix: Option<Fix>,
}

/// Replace the text at `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
}

impl From<&Issue> for Diagnostic {
    fn from(issue: &Issue) -> Diagnostic {
        message::diagnostic(issue)
    }
}

impl Diagnostic {
    /// A diagnostic with only a message and a primary span.
    pub(crate) fn new(issue: &Issue, message: String) -> Diagnostic {
        Diagnostic {
            severity: issue.severity(),
            code: issue.code(),
            message,
            span: issue.span,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub(crate) fn label(mut self, text: impl Into<String>) -> Self {
        self.label = text.into();
        self
    }

    pub(crate) fn secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push((span, text.into()));
        self
    }

    pub(crate) fn note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }

    pub(crate) fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    pub(crate) fn help_opt(mut self, text: Option<String>) -> Self {
        if text.is_some() {
            self.help = text;
        }
        self
    }

    pub(crate) fn fix(mut self, replacement: impl Into<String>) -> Self {
        self.fix = Some(Fix {
            span: self.span,
            replacement: replacement.into(),
        });
        self
    }
}
