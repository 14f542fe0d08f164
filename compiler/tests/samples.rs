//! The sample policies under `samples/`: each checks without errors or
//! warnings, is formatted canonically, and its `test` blocks pass through
//! the reference evaluator.

mod common;

use palisade_compiler::{check_source, fmt, testrun};

#[test]
fn there_are_at_least_six_samples_with_tests() {
    let samples = common::samples();
    assert!(samples.len() >= 6, "{samples:?}");
    for path in samples {
        let source = std::fs::read_to_string(&path).unwrap();
        let checked = check_source(&source).checked.expect("sample checks");
        let expectations: usize = checked.tests.iter().map(|t| t.expects.len()).sum();
        assert!(
            expectations >= 5,
            "{}: only {expectations} expectations",
            path.display()
        );
    }
}

#[test]
fn samples_check_cleanly_and_their_tests_pass() {
    for path in common::samples() {
        let source = std::fs::read_to_string(&path).unwrap();
        let report = check_source(&source);
        assert!(
            report.issues.is_empty(),
            "{}: {:#?}",
            path.display(),
            report.issues
        );
        let checked = report.checked.expect("no errors");
        for result in testrun::run_tests(&checked) {
            for e in &result.expects {
                assert!(
                    e.passed,
                    "{}: test {}: `{}` gave {}",
                    path.display(),
                    result.test.name,
                    e.expectation.text,
                    testrun::actual_text(e.program, &e.outcome)
                );
            }
        }
    }
}

#[test]
fn samples_are_formatted() {
    for path in common::samples() {
        let source = std::fs::read_to_string(&path).unwrap();
        let formatted = fmt::format(&source).unwrap();
        assert!(
            formatted == source,
            "{} is not formatted:\n{formatted}",
            path.display()
        );
    }
}
