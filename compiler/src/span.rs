//! Source positions.
//!
//! A [`Span`] is a half-open byte range `start..end` into one source text.
//! Every AST node, every model item and every diagnostic carries one, so a
//! problem found anywhere (checker, evaluator, later codegen and verifier)
//! can point at the `.pol` text. [`LineIndex`] turns byte offsets into
//! 1-based line and column numbers (columns count characters, not bytes).

use serde::Serialize;
use std::ops::Range;

/// A half-open byte range into a source text.
///
/// Invariant: `start <= end`, and both lie on `char` boundaries of the text
/// the span was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end`.
    ///
    /// # Panics
    /// If `start > end` or an offset does not fit in `u32` (sources are
    /// limited to 4 GiB by [`crate::MAX_SOURCE_LEN`] before lexing).
    pub fn new(start: usize, end: usize) -> Span {
        assert!(start <= end, "span start {start} after end {end}");
        let start = u32::try_from(start).expect("source offsets fit in u32");
        let end = u32::try_from(end).expect("source offsets fit in u32");
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// An empty span at the end of `self`.
    pub fn end_point(self) -> Span {
        Span {
            start: self.end,
            end: self.end,
        }
    }

    /// The span as a `usize` range, for slicing the source.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text this span covers in `source`.
    pub fn text(self, source: &str) -> &str {
        &source[self.range()]
    }
}

/// A 1-based line and column (the column counts `char`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// Maps byte offsets of one source text to lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the start of each line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `source`.
    pub fn new(source: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { line_starts }
    }

    /// The 0-based line containing byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Line and column of byte `offset` in `source` (the text this index was
    /// built from).
    pub fn line_col(&self, source: &str, offset: u32) -> LineCol {
        let offset = (offset as usize).min(source.len());
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let column = source
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The 1-based line number of byte `offset`.
    pub fn line(&self, offset: u32) -> u32 {
        u32::try_from(self.line_of(offset as usize) + 1).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = "ab\né x\n";
        let index = LineIndex::new(src);
        assert_eq!(index.line_col(src, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(src, 3), LineCol { line: 2, column: 1 });
        // 'x' is after a two-byte 'é' and a space: byte 6, column 3.
        assert_eq!(index.line_col(src, 6), LineCol { line: 2, column: 3 });
        assert_eq!(index.line(8), 3);
    }

    #[test]
    fn join_covers_both() {
        let a = Span::new(3, 5);
        let b = Span::new(10, 12);
        assert_eq!(a.join(b), Span::new(3, 12));
        assert_eq!(b.join(a), Span::new(3, 12));
    }
}
