//! Rendering diagnostics: rustc-style text (codespan-reporting) and JSON.

use super::Diagnostic;
use crate::issue::Severity;
use crate::span::{LineIndex, Span};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::WriteColor, Chars, Config};
use serde::Serialize;

fn config() -> Config {
    Config {
        chars: Chars::ascii(),
        ..Config::default()
    }
}

fn clamp(span: Span, source: &str) -> std::ops::Range<usize> {
    let end = (span.end as usize).min(source.len());
    let start = (span.start as usize).min(end);
    start..end
}

fn to_codespan(d: &Diagnostic, source: &str) -> CsDiagnostic<()> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut labels = vec![Label::primary((), clamp(d.span, source)).with_message(d.label.clone())];
    labels.extend(
        d.secondary.iter().map(|(span, text)| {
            Label::secondary((), clamp(*span, source)).with_message(text.clone())
        }),
    );
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    notes.extend(d.help.iter().map(|h| format!("help: {h}")));
    CsDiagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders diagnostics as plain rustc-style text:
///
/// ```text
/// error[unknown-set]: unknown set `trustd`
///   --> web.pol:7:19
///   |
/// 7 |   allow tcp from trustd to port 443
///   |                  ^^^^^^ no set has this name
///   |
///   = help: did you mean `trusted`?
/// ```
pub fn render(name: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let file = SimpleFile::new(name, source);
    let mut out = String::new();
    for d in diagnostics {
        // Rendering into a String only fails if a span is outside the
        // file, which `clamp` rules out.
        let _ = term::emit_to_string(&mut out, &config(), &file, &to_codespan(d, source));
    }
    out
}

/// Renders diagnostics with colours to a terminal-like writer.
pub fn render_colored(
    writer: &mut dyn WriteColor,
    name: &str,
    source: &str,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let file = SimpleFile::new(name, source);
    for d in diagnostics {
        term::emit_to_write_style(writer, &config(), &file, &to_codespan(d, source))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    Ok(())
}

/// A position for JSON consumers: 1-based line and column (in characters)
/// and the byte offset.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonPosition {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
}

/// A source range for JSON consumers.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonRange {
    pub start: JsonPosition,
    pub end: JsonPosition,
}

/// A secondary label in JSON.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonLabel {
    pub range: JsonRange,
    pub message: String,
}

/// A fix in JSON: replace `range` with `replacement`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonFix {
    pub range: JsonRange,
    pub replacement: String,
}

/// One diagnostic as `palisade check --json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JsonDiagnostic {
    pub file: String,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub range: JsonRange,
    pub label: String,
    pub related: Vec<JsonLabel>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub fix: Option<JsonFix>,
}

/// Converts diagnostics to their JSON form.
pub fn json(name: &str, source: &str, diagnostics: &[Diagnostic]) -> Vec<JsonDiagnostic> {
    let index = LineIndex::new(source);
    let range = |span: Span| {
        let r = clamp(span, source);
        let pos = |offset: usize| {
            let offset = u32::try_from(offset).unwrap_or(u32::MAX);
            let lc = index.line_col(source, offset);
            JsonPosition {
                line: lc.line,
                column: lc.column,
                offset,
            }
        };
        JsonRange {
            start: pos(r.start),
            end: pos(r.end),
        }
    };
    diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            file: name.to_string(),
            severity: d.severity,
            code: d.code.as_str(),
            message: d.message.clone(),
            range: range(d.span),
            label: d.label.clone(),
            related: d
                .secondary
                .iter()
                .map(|(span, message)| JsonLabel {
                    range: range(*span),
                    message: message.clone(),
                })
                .collect(),
            notes: d.notes.clone(),
            help: d.help.clone(),
            fix: d.fix.as_ref().map(|f| JsonFix {
                range: range(f.span),
                replacement: f.replacement.clone(),
            }),
        })
        .collect()
}
