//! The lexer: source text to tokens, with logos.
//!
//! [`lex`] turns a source text into the token stream the grammar reads, and
//! sets comments aside for the formatter. What it guarantees the grammar:
//!
//! - No [`Tok::Comment`] reaches the parser; comments are kept, in order,
//!   in [`Lexed::comments`].
//! - Newlines are significant (they end lines of a block), but runs of
//!   newlines are collapsed into one [`Tok::Newline`], no newline leads the
//!   stream, and the stream always ends with one. So blank lines and a
//!   missing final newline never matter to the grammar.
//! - A character that starts no token, an unterminated string or a number
//!   too large for `u64` becomes one [`Tok::Invalid`] token plus an
//!   [`Issue`]. No production accepts `Invalid`, so the parser reports
//!   nothing more there and recovers at the end of the line.
//!
//! Addresses are lexed loosely (`[0-9]+.[0-9]+...` and anything with two
//! colons made of hex digits) and validated by the checker, which can then
//! say exactly what is wrong with `10.0.0.300/8`.

use crate::ast::Comment;
use crate::issue::{Issue, IssueKind};
use crate::span::Span;
use logos::Logos;
use std::fmt;

/// Why logos could not make a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LexError {
    /// No token starts with this character.
    #[default]
    InvalidCharacter,
    /// A decimal number does not fit in `u64`.
    NumberTooLarge,
}

/// A token of the policy language.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\r\f]+")]
#[logos(error = LexError)]
pub enum Tok<'a> {
    /// `# ...` up to the end of the line (never given to the parser).
    #[regex(r"#[^\n]*", allow_greedy = true)]
    Comment,
    /// One or more line ends.
    #[token("\n")]
    Newline,

    #[token("set")]
    KwSet,
    #[token("policy")]
    KwPolicy,
    #[token("guard")]
    KwGuard,
    #[token("service")]
    KwService,
    #[token("test")]
    KwTest,
    #[token("on")]
    KwOn,
    #[token("apply")]
    KwApply,
    #[token("to")]
    KwTo,
    #[token("pods")]
    KwPods,
    #[token("in")]
    KwIn,
    #[token("namespace")]
    KwNamespace,
    #[token("from")]
    KwFrom,
    #[token("port")]
    KwPort,
    #[token("type")]
    KwType,
    #[token("code")]
    KwCode,
    #[token("default")]
    KwDefault,
    #[token("allow")]
    KwAllow,
    #[token("deny")]
    KwDeny,
    #[token("drop")]
    KwDrop,
    #[token("pass")]
    KwPass,
    #[token("count")]
    KwCount,
    #[token("log")]
    KwLog,
    #[token("expect")]
    KwExpect,
    #[token("proto")]
    KwProto,
    #[token("fragment")]
    KwFragment,

    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("=")]
    Equals,
    #[token("..")]
    DotDot,
    #[token("->")]
    Arrow,

    /// A name: `[A-Za-z_][A-Za-z0-9_-]*` that is not a keyword.
    #[regex(r"[A-Za-z_][A-Za-z0-9_\-]*", |lex| lex.slice())]
    Ident(&'a str),
    /// A decimal number.
    #[regex(r"[0-9]+", parse_number)]
    Number(u64),
    /// Something shaped like an IPv4 or IPv6 address, maybe with `/len`.
    #[regex(r"[0-9]+\.[0-9]+(\.[0-9]+)*(/[0-9]+)?", |lex| lex.slice())]
    #[regex(r"[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(/[0-9]+)?", |lex| lex.slice())]
    Addr(&'a str),
    /// A double-quoted string without escapes; the payload excludes quotes.
    #[regex(r#""[^"\n]*""#, |lex| { let s = lex.slice(); &s[1..s.len() - 1] })]
    Str(&'a str),
    /// A string that reaches the end of the line without its closing quote.
    #[regex(r#""[^"\n]*"#)]
    UnterminatedStr,

    /// Stands in for text that could not be lexed (see the module doc).
    Invalid,
}

fn parse_number<'a>(lex: &mut logos::Lexer<'a, Tok<'a>>) -> Result<u64, LexError> {
    lex.slice().parse().map_err(|_| LexError::NumberTooLarge)
}

impl fmt::Display for Tok<'_> {
    /// How a token is named in "unexpected ..." messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Comment => f.write_str("comment"),
            Tok::Newline => f.write_str("end of line"),
            Tok::Ident(name) => write!(f, "name `{name}`"),
            Tok::Number(n) => write!(f, "number `{n}`"),
            Tok::Addr(text) => write!(f, "address `{text}`"),
            Tok::Str(text) => write!(f, "string \"{text}\""),
            Tok::UnterminatedStr | Tok::Invalid => f.write_str("invalid text"),
            other => write!(f, "`{}`", other.keyword().unwrap_or("?")),
        }
    }
}

impl Tok<'_> {
    /// The source text of a keyword or punctuation token.
    pub fn keyword(&self) -> Option<&'static str> {
        Some(match self {
            Tok::KwSet => "set",
            Tok::KwPolicy => "policy",
            Tok::KwGuard => "guard",
            Tok::KwService => "service",
            Tok::KwTest => "test",
            Tok::KwOn => "on",
            Tok::KwApply => "apply",
            Tok::KwTo => "to",
            Tok::KwPods => "pods",
            Tok::KwIn => "in",
            Tok::KwNamespace => "namespace",
            Tok::KwFrom => "from",
            Tok::KwPort => "port",
            Tok::KwType => "type",
            Tok::KwCode => "code",
            Tok::KwDefault => "default",
            Tok::KwAllow => "allow",
            Tok::KwDeny => "deny",
            Tok::KwDrop => "drop",
            Tok::KwPass => "pass",
            Tok::KwCount => "count",
            Tok::KwLog => "log",
            Tok::KwExpect => "expect",
            Tok::KwProto => "proto",
            Tok::KwFragment => "fragment",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Colon => ":",
            Tok::Equals => "=",
            Tok::DotDot => "..",
            Tok::Arrow => "->",
            _ => return None,
        })
    }
}

/// Every keyword of the language, for "did you mean" and for telling
/// authors that a name is reserved.
pub const KEYWORDS: &[&str] = &[
    "set",
    "policy",
    "guard",
    "service",
    "test",
    "on",
    "apply",
    "to",
    "pods",
    "in",
    "namespace",
    "from",
    "port",
    "type",
    "code",
    "default",
    "allow",
    "deny",
    "drop",
    "pass",
    "count",
    "log",
    "expect",
    "proto",
    "fragment",
];

/// A token with its byte range, as the lalrpop parser takes it.
pub type Spanned<'a> = (usize, Tok<'a>, usize);

/// The result of lexing one source text.
#[derive(Debug, Clone, Default)]
pub struct Lexed<'a> {
    /// Tokens for the parser (see the module doc for the guarantees).
    pub tokens: Vec<Spanned<'a>>,
    /// Every comment, in source order.
    pub comments: Vec<Comment>,
    /// Lexical errors, in source order.
    pub issues: Vec<Issue>,
}

/// Lexes `source` (see the module doc).
pub fn lex(source: &str) -> Lexed<'_> {
    let mut out = Lexed::default();
    let mut lexer = Tok::lexer(source);
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(range.start, range.end);
        let tok = match result {
            Ok(Tok::Comment) => {
                out.comments.push(Comment {
                    span,
                    text: lexer.slice().trim_end().to_string(),
                });
                continue;
            }
            Ok(Tok::Newline) => {
                let after_newline = matches!(out.tokens.last(), None | Some((_, Tok::Newline, _)));
                if after_newline {
                    continue;
                }
                Tok::Newline
            }
            Ok(Tok::UnterminatedStr) => {
                out.issues
                    .push(Issue::new(IssueKind::UnterminatedString, span));
                Tok::Invalid
            }
            Ok(tok) => tok,
            Err(LexError::NumberTooLarge) => {
                out.issues.push(Issue::new(
                    IssueKind::NumberTooLarge {
                        text: lexer.slice().to_string(),
                    },
                    span,
                ));
                Tok::Invalid
            }
            Err(LexError::InvalidCharacter) => {
                let ch = lexer.slice().chars().next().unwrap_or('?');
                out.issues
                    .push(Issue::new(IssueKind::InvalidCharacter { ch }, span));
                Tok::Invalid
            }
        };
        out.tokens.push((range.start, tok, range.end));
    }
    if !matches!(out.tokens.last(), None | Some((_, Tok::Newline, _))) {
        out.tokens.push((source.len(), Tok::Newline, source.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Tok<'_>> {
        lex(source).tokens.into_iter().map(|(_, t, _)| t).collect()
    }

    #[test]
    fn ranges_are_numbers_not_addresses() {
        assert_eq!(
            kinds("8000..8099"),
            [
                Tok::Number(8000),
                Tok::DotDot,
                Tok::Number(8099),
                Tok::Newline
            ]
        );
    }

    #[test]
    fn addresses_beat_names_and_numbers() {
        assert_eq!(
            kinds("fd00::/8 10.0.0.0/8 ::1 fd00"),
            [
                Tok::Addr("fd00::/8"),
                Tok::Addr("10.0.0.0/8"),
                Tok::Addr("::1"),
                Tok::Ident("fd00"),
                Tok::Newline
            ]
        );
    }

    #[test]
    fn socket_addresses_split_at_the_colon() {
        assert_eq!(
            kinds("10.96.0.10:80 [fd00::1]:443"),
            [
                Tok::Addr("10.96.0.10"),
                Tok::Colon,
                Tok::Number(80),
                Tok::LBracket,
                Tok::Addr("fd00::1"),
                Tok::RBracket,
                Tok::Colon,
                Tok::Number(443),
                Tok::Newline
            ]
        );
    }

    #[test]
    fn a_hex_name_before_one_colon_is_a_name() {
        assert_eq!(
            kinds("set bad: addr"),
            [
                Tok::KwSet,
                Tok::Ident("bad"),
                Tok::Colon,
                Tok::Ident("addr"),
                Tok::Newline
            ]
        );
    }

    #[test]
    fn newlines_collapse_and_comments_are_kept() {
        let lexed = lex("\n\nset # one\n\n\n# two\nx");
        let toks: Vec<_> = lexed.tokens.iter().map(|t| t.1).collect();
        assert_eq!(
            toks,
            [Tok::KwSet, Tok::Newline, Tok::Ident("x"), Tok::Newline]
        );
        let texts: Vec<_> = lexed.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["# one", "# two"]);
    }

    #[test]
    fn bad_text_becomes_invalid_with_an_issue() {
        let lexed = lex("allow $ \"open\n99999999999999999999999");
        let toks: Vec<_> = lexed.tokens.iter().map(|t| t.1).collect();
        assert_eq!(
            toks,
            [
                Tok::KwAllow,
                Tok::Invalid,
                Tok::Invalid,
                Tok::Newline,
                Tok::Invalid,
                Tok::Newline
            ]
        );
        assert_eq!(lexed.issues.len(), 3);
    }

    #[test]
    fn keywords_are_not_names_but_longer_words_are() {
        assert_eq!(
            kinds("log logger set-a"),
            [
                Tok::KwLog,
                Tok::Ident("logger"),
                Tok::Ident("set-a"),
                Tok::Newline
            ]
        );
    }
}
