//! Source locations of instructions, from `.BTF.ext` line info or DWARF
//! `.debug_line`.
//!
//! A [`LineTable`] holds the locations where a new source line starts, by
//! instruction slot; the location of any slot is the nearest entry at or
//! before it. Locations are shared (`Arc<str>` file names), so copying them
//! into linked programs is cheap.

use std::sync::Arc;

/// A position in a source file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceLoc {
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    /// The text of the source line, when the object records it
    /// (`.BTF.ext` does; DWARF does not).
    pub text: Option<Arc<str>>,
}

impl std::fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if self.column > 0 {
            write!(f, ":{}", self.column)?;
        }
        Ok(())
    }
}

/// Where a line table came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LineSource {
    #[default]
    None,
    BtfExt,
    Dwarf,
}

/// Source locations by instruction slot.
///
/// Invariant: `entries` is sorted by slot with at most one entry per slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineTable {
    entries: Vec<(usize, SourceLoc)>,
    pub source: LineSource,
}

impl LineTable {
    /// Builds a table from `(slot, location)` pairs in any order; for
    /// duplicate slots the last pair wins.
    pub fn new(source: LineSource, pairs: impl IntoIterator<Item = (usize, SourceLoc)>) -> Self {
        let mut map = std::collections::BTreeMap::new();
        for (slot, loc) in pairs {
            map.insert(slot, loc);
        }
        LineTable {
            entries: map.into_iter().collect(),
            source,
        }
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, by slot.
    pub fn entries(&self) -> &[(usize, SourceLoc)] {
        &self.entries
    }

    /// The entry that starts exactly at `slot`.
    pub fn starting_at(&self, slot: usize) -> Option<&SourceLoc> {
        self.entries
            .binary_search_by_key(&slot, |e| e.0)
            .ok()
            .map(|i| &self.entries[i].1)
    }

    /// The location of `slot`: the nearest entry at or before it.
    pub fn at(&self, slot: usize) -> Option<&SourceLoc> {
        let i = self.entries.partition_point(|e| e.0 <= slot);
        i.checked_sub(1).map(|i| &self.entries[i].1)
    }

    /// The entries for slots `[start, start + len)`, moved to begin at
    /// `new_start`; the location in force at `start` is carried to
    /// `new_start` when no entry starts exactly there.
    pub fn relocated(&self, start: usize, len: usize, new_start: usize) -> Vec<(usize, SourceLoc)> {
        let mut out = Vec::new();
        if let Some(first) = self.at(start) {
            if self.starting_at(start).is_none() {
                out.push((new_start, first.clone()));
            }
        }
        let lo = self.entries.partition_point(|e| e.0 < start);
        for (slot, loc) in &self.entries[lo..] {
            if *slot >= start + len {
                break;
            }
            out.push((slot - start + new_start, loc.clone()));
        }
        out
    }
}
