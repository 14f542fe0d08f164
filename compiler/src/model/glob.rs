//! Globs for `apply to pods "web-*" in namespace "prod"` selectors.
//!
//! Syntax: `*` matches any run of characters (also none), `?` exactly one,
//! `[abc]` / `[a-z]` one of a class, `[!a-z]` one not in it. Every other
//! character matches itself. There are no escapes: Kubernetes names hold
//! only lowercase letters, digits, `-` and `.`, none of which is special.
//! Matching is on whole names (the glob is anchored at both ends).

use serde::Serialize;
use std::fmt;

/// A parsed glob.
///
/// Invariant: built only by [`Glob::parse`], so every class is closed,
/// non-empty and has ordered ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Glob {
    text: String,
    #[serde(skip)]
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Char(char),
    AnyOne,
    AnyRun,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Why a glob does not parse: a reason and the byte offset in the glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    pub offset: usize,
    pub reason: String,
}

impl Glob {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Glob, GlobError> {
        if text.is_empty() {
            return Err(GlobError {
                offset: 0,
                reason: "an empty pattern matches no name".into(),
            });
        }
        let mut parts = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((offset, ch)) = chars.next() {
            let part = match ch {
                '*' => Part::AnyRun,
                '?' => Part::AnyOne,
                '[' => {
                    let negated = chars.next_if(|&(_, c)| c == '!').is_some();
                    let mut ranges = Vec::new();
                    loop {
                        let Some((at, low)) = chars.next() else {
                            return Err(GlobError {
                                offset,
                                reason: "this `[` is never closed".into(),
                            });
                        };
                        if low == ']' {
                            if ranges.is_empty() {
                                return Err(GlobError {
                                    offset,
                                    reason: "an empty class `[]` matches nothing".into(),
                                });
                            }
                            break;
                        }
                        let dash_then_high = chars.peek().is_some_and(|&(_, c)| c == '-')
                            && chars.clone().nth(1).is_some_and(|(_, c)| c != ']');
                        if dash_then_high {
                            chars.next();
                            let (_, high) = chars.next().expect("peeked above");
                            if low > high {
                                return Err(GlobError {
                                    offset: at,
                                    reason: format!("the range `{low}-{high}` is reversed"),
                                });
                            }
                            ranges.push((low, high));
                        } else {
                            ranges.push((low, low));
                        }
                    }
                    Part::Class { negated, ranges }
                }
                ']' => {
                    return Err(GlobError {
                        offset,
                        reason: "this `]` closes no `[`".into(),
                    })
                }
                '\\' => {
                    return Err(GlobError {
                        offset,
                        reason: "globs have no escapes".into(),
                    })
                }
                c => Part::Char(c),
            };
            parts.push(part);
        }
        Ok(Glob {
            text: text.to_string(),
            parts,
        })
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the glob matches all of `name`.
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        // Classic two-pointer wildcard match with one backtrack point per
        // `*`: linear in practice, O(n*m) at worst, never exponential.
        let (mut p, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            match self.parts.get(p) {
                Some(Part::AnyRun) => {
                    star = Some((p, n));
                    p += 1;
                }
                Some(part) if part.matches_one(name[n]) => {
                    p += 1;
                    n += 1;
                }
                _ => match star {
                    Some((sp, sn)) => {
                        p = sp + 1;
                        n = sn + 1;
                        star = Some((sp, sn + 1));
                    }
                    None => return false,
                },
            }
        }
        self.parts[p..].iter().all(|part| *part == Part::AnyRun)
    }

    /// The first literal character that no Kubernetes name can contain
    /// (names are lowercase letters, digits, `-` and `.`), if any.
    pub fn impossible_char(&self) -> Option<char> {
        self.parts.iter().find_map(|part| match part {
            Part::Char(c) if !is_name_char(*c) => Some(*c),
            _ => None,
        })
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
}

impl Part {
    fn matches_one(&self, c: char) -> bool {
        match self {
            Part::Char(x) => *x == c,
            Part::AnyOne => true,
            Part::AnyRun => false,
            Part::Class { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(text: &str) -> Glob {
        Glob::parse(text).unwrap()
    }

    #[test]
    fn matching() {
        assert!(glob("web-*").matches("web-7d9f"));
        assert!(glob("web-*").matches("web-"));
        assert!(!glob("web-*").matches("api-1"));
        assert!(glob("*").matches(""));
        assert!(glob("a*b*c").matches("aXXbYYc"));
        assert!(!glob("a*b*c").matches("aXXbYY"));
        assert!(glob("db-[0-9]").matches("db-3"));
        assert!(!glob("db-[!0-9]").matches("db-3"));
        assert!(glob("db-[!0-9]").matches("db-x"));
        assert!(glob("?").matches("x"));
        assert!(!glob("?").matches(""));
        assert!(glob("[a-]").matches("-"));
        assert!(glob("**x").matches("abx"));
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(Glob::parse("web-[a-z").unwrap_err().offset, 4);
        assert_eq!(Glob::parse("x[]").unwrap_err().offset, 1);
        assert_eq!(Glob::parse("x[z-a]").unwrap_err().offset, 2);
        assert_eq!(Glob::parse("a]").unwrap_err().offset, 1);
        assert!(Glob::parse("").is_err());
        assert!(Glob::parse("a\\*").is_err());
    }

    #[test]
    fn impossible_characters() {
        assert_eq!(glob("Web-*").impossible_char(), Some('W'));
        assert_eq!(glob("web_1").impossible_char(), Some('_'));
        assert_eq!(glob("web-[A-Z]").impossible_char(), None);
        assert_eq!(glob("web.v1-*").impossible_char(), None);
    }
}
