//! Tokens of one assembler statement.
//!
//! Numbers are kept as `i128` so that every immediate width (16, 32 and
//! 64 bits, signed or unsigned spelling) can be range-checked by the parser.

/// A token with the 0-based byte column where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub col: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A name: register, mnemonic, label, type (`r1`, `goto`, `u32`).
    Ident(String),
    /// An unsigned number literal (decimal or `0x` hex); signs are tokens.
    Num(i128),
    /// Punctuation and operators (`+=`, `s>>=`, `(`, ...).
    Op(&'static str),
}

/// Operators, longest first so that the first match is the right one.
const OPS: &[&str] = &[
    "s>>=", "<<=", ">>=", "s>=", "s<=", "s/=", "s%=", "==", "!=", ">=", "<=", "+=", "-=", "*=",
    "/=", "%=", "|=", "&=", "^=", "s>", "s<", "=", ">", "<", "&", "(", ")", "*", "+", "-", ",",
    "[", "]", ":",
];

/// Splits one statement into tokens. `col0` is the column of `text` in its
/// line, so that token columns are line columns.
pub fn tokenize(text: &str, col0: usize) -> Result<Vec<Token>, (usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let col = col0 + i;
        // `s>`, `s/=` ... are operators, but `s8` and `skb` are names.
        if let Some(op) = OPS.iter().find(|op| text[i..].starts_with(**op)) {
            let is_signed_op = op.starts_with('s');
            if !is_signed_op || !starts_ident_continuation(bytes, i) {
                out.push(Token {
                    kind: Tok::Op(op),
                    col,
                });
                i += op.len();
                continue;
            }
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let lit = &text[start..i];
            let value = parse_number(lit).ok_or((col, format!("invalid number `{lit}`")))?;
            out.push(Token {
                kind: Tok::Num(value),
                col,
            });
            continue;
        }
        if is_ident_start(c) {
            let start = i;
            while i < bytes.len() && is_ident_char(bytes[i]) {
                i += 1;
            }
            out.push(Token {
                kind: Tok::Ident(text[start..i].to_string()),
                col,
            });
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or('?');
        return Err((col, format!("unexpected character `{ch}`")));
    }
    Ok(out)
}

/// Whether `s` at `i` begins a name such as `s8` rather than an operator.
fn starts_ident_continuation(bytes: &[u8], i: usize) -> bool {
    bytes.get(i + 1).is_some_and(|b| is_ident_char(*b))
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'.'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

/// Parses `123`, `0x7b`, `0X7B`, `0b101`, `0o17`.
pub fn parse_number(lit: &str) -> Option<i128> {
    let lower = lit.to_ascii_lowercase();
    let (digits, radix) = if let Some(h) = lower.strip_prefix("0x") {
        (h, 16)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (b, 2)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (o, 8)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() || digits.len() > 40 {
        return None;
    }
    i128::from_str_radix(digits, radix).ok()
}
