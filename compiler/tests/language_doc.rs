//! The examples of docs/language.md are tested: every ```pol block must
//! check without errors or warnings, be formatted, and pass its own
//! `test` blocks. The doc needs at least one example per construct, so a
//! minimum count is checked too.

mod common;

use palisade_compiler::{check_source, fmt, testrun};

#[test]
fn every_pol_example_in_the_language_reference_works() {
    let examples = common::doc_examples();
    assert!(
        examples.len() >= 10,
        "only {} ```pol examples",
        examples.len()
    );
    let mut expectations = 0;
    for (line, source) in examples {
        let report = check_source(&source);
        assert!(
            report.issues.is_empty(),
            "docs/language.md example at line {line}: {:#?}\n{source}",
            report.issues
        );
        assert_eq!(
            fmt::format(&source).unwrap(),
            source,
            "docs/language.md example at line {line} is not formatted"
        );
        let checked = report.checked.expect("no errors");
        for result in testrun::run_tests(&checked) {
            for e in &result.expects {
                expectations += 1;
                assert!(
                    e.passed,
                    "docs/language.md example at line {line}: `{}` gave {}",
                    e.expectation.text,
                    testrun::actual_text(e.program, &e.outcome)
                );
            }
        }
    }
    assert!(
        expectations >= 20,
        "the examples only test {expectations} packets"
    );
}
