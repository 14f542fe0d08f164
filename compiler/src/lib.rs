//! palisade-compiler: the `.pol` policy language.
//!
//! Policy authors write small intent-based `.pol` files (see
//! `docs/language.md`). This crate is the language's front end and its
//! reference semantics:
//!
//! | stage | module | output |
//! | --- | --- | --- |
//! | lex (logos) | [`lexer`] | tokens, comments |
//! | parse (lalrpop) | [`parse`] | [`ast::File`], spans on every node |
//! | check | [`check`] | [`model::Checked`], or [`issue::Issue`]s |
//! | diagnose | [`diag`] | rustc-style text, JSON |
//! | format | [`fmt`] | canonical text |
//! | evaluate | [`eval`] | verdict and deciding rule per packet |
//! | test | [`testrun`] | results of `test` blocks |
//!
//! Problems are collected, never thrown: every stage recovers and goes on,
//! so one run reports every error of a file. The checked model is only
//! built for files without errors, and it is what the evaluator (and
//! later codegen) read, so nothing unchecked gets that far.
//!
//! ```
//! use palisade_compiler::{check_source, eval, model::Verdict};
//!
//! let source = "\
//! policy web on ingress {
//!   apply to pods \"web-*\" in namespace \"prod\"
//!   allow tcp to port 443
//!   default deny
//! }
//! ";
//! let report = check_source(source);
//! assert!(report.issues.is_empty());
//! let checked = report.checked.expect("no errors");
//! let web = checked.program_by_name("web").unwrap();
//! let packet = eval::parse_packet("tcp 10.1.2.3:40000 -> 10.0.0.5:443").unwrap();
//! let outcome = eval::evaluate(&checked, web.filter().unwrap(), &packet);
//! assert_eq!(outcome.verdict, Verdict::Allow);
//! ```

pub mod ast;
pub mod check;
pub mod codegen;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod fuzz;
pub mod issue;
pub mod lexer;
pub mod model;
pub mod parse;
pub mod span;
pub mod suggest;
pub mod testrun;

/// The largest source text the front end accepts (spans are `u32`).
/// Callers reading files check this before parsing.
pub const MAX_SOURCE_LEN: usize = u32::MAX as usize;

/// Parses and checks a source text.
pub fn check_source(source: &str) -> check::Report {
    let parsed = parse::parse(source);
    check::check(&parsed, source)
}
