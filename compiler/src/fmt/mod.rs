//! The formatter: canonical layout for `.pol` files.
//!
//! [`format`] parses a file and prints its syntax tree back in one layout:
//! two-space indentation, one line per item, single spaces between words,
//! `{ a, b }` lists on one line when they fit in [`WIDTH`] columns and hold
//! no comments (otherwise one entry per line, each with a trailing comma),
//! at most one blank line in a row (kept where the author had one), and
//! exactly one blank line around `policy`/`guard`/`service`/`test` blocks.
//!
//! Guarantees (tested): comments are all kept, in order, each on its own
//! line or at the end of the line it followed; the output parses to the
//! same tree as the input apart from spans; formatting is idempotent; so
//! the meaning (the reference semantics) never changes. Files with syntax
//! errors are not formatted.
//!
//! Numbers are printed as their value (`0080` becomes `80`); addresses,
//! names and strings are printed as written.

mod print;

use crate::issue::Issue;
use crate::parse::parse;

/// The line width the formatter keeps lists within.
pub const WIDTH: usize = 100;

/// Formats a source text. Fails with the syntax issues if it does not
/// parse.
pub fn format(source: &str) -> Result<String, Vec<Issue>> {
    let parsed = parse(source);
    if parsed.has_errors() {
        return Err(parsed.issues);
    }
    Ok(print::print_file(&parsed.file, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(source: &str) -> String {
        format(source).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn canonical_layout() {
        let messy = "set   trusted={10.0.0.0/8,fd00::/8}\nset ports = {\n80,\n443, 8000..8099,}\n\n\n\npolicy web on ingress audit {\n\n      apply to pods \"web-*\" in namespace \"prod\"\n  deny from 10.66.0.0/16   count log\n\tallow tcp from trusted to port ports\ndefault   deny\n\n}\ntest t {\nexpect web allow tcp 10.1.2.3:40000 -> 10.0.0.5:0443\n}";
        let expected = "set trusted = { 10.0.0.0/8, fd00::/8 }\nset ports = { 80, 443, 8000..8099 }\n\npolicy web on ingress audit {\n  apply to pods \"web-*\" in namespace \"prod\"\n  deny from 10.66.0.0/16 count log\n  allow tcp from trusted to port ports\n  default deny\n}\n\ntest t {\n  expect web allow tcp 10.1.2.3:40000 -> 10.0.0.5:443\n}\n";
        assert_eq!(fmt(messy), expected);
        assert_eq!(fmt(expected), expected);
    }

    #[test]
    fn comments_stay_where_they_were() {
        let source = "# header\n\nset blocklist = { # bad actors\n  203.0.113.0/24, # one\n  # before two\n  198.51.100.7\n}\n\nguard edge on xdp { # early\n  drop from blocklist # the list\n  # last words\n  default pass\n  # trailing in block\n}\n# end\n";
        let once = fmt(source);
        let expected = "# header\n\nset blocklist = { # bad actors\n  203.0.113.0/24, # one\n  # before two\n  198.51.100.7,\n}\n\nguard edge on xdp { # early\n  drop from blocklist # the list\n  # last words\n  default pass\n  # trailing in block\n}\n# end\n";
        assert_eq!(once, expected);
        assert_eq!(fmt(&once), once);
    }

    #[test]
    fn long_lists_break() {
        let entries: Vec<String> = (1..=30).map(|i| format!("10.0.{i}.0/24")).collect();
        let source = format!("set big = {{ {} }}\n", entries.join(", "));
        let out = fmt(&source);
        assert!(out.lines().count() == 32, "{out}");
        assert!(out.lines().all(|l| l.len() <= WIDTH));
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn lists_inside_rules_break_around_the_rest() {
        let source = "policy p on egress {\n  allow tcp to { 10.0.0.1, # a\n 10.0.0.2 } port 443 count\n  default deny\n}\n";
        let out = fmt(source);
        assert_eq!(
            out,
            "policy p on egress {\n  allow tcp to {\n    10.0.0.1, # a\n    10.0.0.2,\n  } port 443 count\n  default deny\n}\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn syntax_errors_are_not_formatted() {
        assert!(format("policy {").is_err());
    }
}
