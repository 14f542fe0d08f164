//! The outcome of verifying one program, for people (`Display`) and for
//! machines (`serde`).

use super::error::VerifyError;
use super::explore::Stats;
use super::platform::prog_type::ProgType;
use std::fmt;
use std::time::Duration;

/// Accept or reject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accept,
    Reject,
}

/// The report for one program.
#[derive(Clone, Debug)]
pub struct Report {
    pub program: String,
    pub prog_type: ProgType,
    pub verdict: Verdict,
    /// Why the program was rejected (empty when accepted). Structural
    /// problems are all listed; an analysis stops at its first error.
    pub errors: Vec<VerifyError>,
    pub stats: Stats,
    /// Stack bytes used by the deepest call chain.
    pub stack_depth: u32,
    pub duration: Duration,
}

impl Report {
    pub fn accepted(&self) -> bool {
        self.verdict == Verdict::Accept
    }

    /// A JSON value for `--json` output.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "program": self.program,
            "prog_type": self.prog_type.name(),
            "verdict": self.verdict,
            "processed_insns": self.stats.processed_insns,
            "stored_states": self.stats.stored_states,
            "stack_depth": self.stack_depth,
            "time_us": self.duration.as_micros() as u64,
            "errors": self.errors.iter().map(|e| serde_json::json!({
                "insn": e.slot,
                "text": e.insn,
                "kind": e.kind.code(),
                "message": e.kind.to_string(),
                "state": e.state,
                "function": e.function,
                "line": e.line.as_ref().map(|l| serde_json::json!({
                    "file": &*l.file,
                    "line": l.line,
                    "column": l.column,
                    "text": l.text.as_deref(),
                })),
            })).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict {
            Verdict::Accept => "accept",
            Verdict::Reject => "reject",
        };
        write!(
            f,
            "{} ({}): {verdict}, {} instructions processed, {:.3} ms",
            self.program,
            self.prog_type,
            self.stats.processed_insns,
            self.duration.as_secs_f64() * 1000.0
        )?;
        for e in &self.errors {
            write!(f, "\n  error: {}", e.to_string().replace('\n', "\n  "))?;
        }
        Ok(())
    }
}
