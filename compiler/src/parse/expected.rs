//! Human names for the terminals lalrpop says it expected.

use crate::suggest::did_you_mean;

/// Turns lalrpop's terminal names (`"\"allow\""`, `IDENT`, `NL`) into the
/// words used in messages (`` `allow` ``, `a name`, `end of line`), without
/// duplicates, in the order given.
pub fn describe(expected: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for terminal in expected {
        let word = match terminal.as_str() {
            "IDENT" => "a name".to_string(),
            "NUMBER" => "a number".to_string(),
            "ADDR" => "an address".to_string(),
            "STR" => "a string".to_string(),
            "NL" => "end of line".to_string(),
            "INVALID" => continue,
            quoted => format!("`{}`", quoted.trim_matches('"')),
        };
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// A keyword among `expected` (as returned by [`describe`]) that `name`
/// looks like a typo of.
pub fn keyword_suggestion(name: &str, expected: &[String]) -> Option<String> {
    let keywords = expected
        .iter()
        .filter_map(|e| e.strip_prefix('`').and_then(|e| e.strip_suffix('`')))
        .filter(|k| k.starts_with(|c: char| c.is_ascii_alphabetic()));
    did_you_mean(name, keywords)
}
