//! Running `test` blocks through the reference evaluator.
//!
//! Each expectation runs its packet through its program with
//! [`eval::run_program`] and compares: policies and guards by the decided
//! verdict (before audit mode), services by whether the connect is
//! rewritten (and, with `to BACKEND`, whether that backend is among the
//! candidates). Later issues run the same expectations in the VM and the
//! kernel; this module is the reference they are compared with.

use crate::eval::{self, ConnectOutcome, Decider, ProgramOutcome};
use crate::model::{Checked, Expectation, Expected, Program, Test};
use std::fmt::Write as _;

/// The result of one `expect` line.
#[derive(Debug, Clone)]
pub struct ExpectResult<'a> {
    pub expectation: &'a Expectation,
    pub program: &'a Program,
    pub outcome: ProgramOutcome,
    pub passed: bool,
}

/// The results of one test block.
#[derive(Debug, Clone)]
pub struct TestResult<'a> {
    pub test: &'a Test,
    pub expects: Vec<ExpectResult<'a>>,
}

impl TestResult<'_> {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.expects.iter().all(|e| e.passed)
    }
}

/// Runs one expectation.
pub fn run_expectation<'a>(checked: &'a Checked, expectation: &'a Expectation) -> ExpectResult<'a> {
    let program = checked.program(expectation.program);
    let outcome = eval::run_program(checked, program, &expectation.packet);
    let passed = match (&expectation.expected, &outcome) {
        (Expected::Verdict(want), ProgramOutcome::Filter(trace)) => trace.outcome.verdict == *want,
        (Expected::Rewrite(None), ProgramOutcome::Connect(ConnectOutcome::Rewrite { .. })) => true,
        (
            Expected::Rewrite(Some(backend)),
            ProgramOutcome::Connect(ConnectOutcome::Rewrite { backends, .. }),
        ) => backends.contains(backend),
        (Expected::Unchanged, ProgramOutcome::Connect(ConnectOutcome::Unchanged)) => true,
        _ => false,
    };
    ExpectResult {
        expectation,
        program,
        outcome,
        passed,
    }
}

/// Runs every test block of a checked file, in order.
pub fn run_tests(checked: &Checked) -> Vec<TestResult<'_>> {
    checked
        .tests
        .iter()
        .map(|test| TestResult {
            test,
            expects: test
                .expects
                .iter()
                .map(|e| run_expectation(checked, e))
                .collect(),
        })
        .collect()
}

/// What was expected, in the words of the `expect` line.
pub fn expected_text(expected: &Expected) -> String {
    match expected {
        Expected::Verdict(v) => v.to_string(),
        Expected::Rewrite(None) => "rewrite".into(),
        Expected::Rewrite(Some(b)) => format!("rewrite to {b}"),
        Expected::Unchanged => "unchanged".into(),
    }
}

/// What actually happened, with the deciding line.
pub fn actual_text(program: &Program, outcome: &ProgramOutcome) -> String {
    match outcome {
        ProgramOutcome::Filter(trace) => {
            let o = trace.outcome;
            let filter = program.filter().expect("filter outcomes come from filters");
            let (line, text) = match o.decided_by {
                Decider::Rule(id) => {
                    let rule = &filter.rules[id.index()];
                    (rule.line, rule.text.as_str())
                }
                Decider::Default => (filter.default.line, filter.default.text.as_str()),
            };
            let mut s = format!("{}, decided by line {line}: `{text}`", o.verdict);
            if o.audited {
                let _ = write!(s, " (audit mode: {} in effect)", o.effective);
            }
            s
        }
        ProgramOutcome::Connect(ConnectOutcome::Rewrite { backends, .. }) => {
            let list: Vec<String> = backends.iter().map(ToString::to_string).collect();
            format!("rewrite to one of {{ {} }}", list.join(", "))
        }
        ProgramOutcome::Connect(ConnectOutcome::Unchanged) => {
            "unchanged (no mapping for this address)".into()
        }
        ProgramOutcome::NotSeen => {
            format!("not seen: `{}` runs on {}", program.name, program.hook())
        }
    }
}
