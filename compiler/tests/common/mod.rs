//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use palisade_compiler::ast;
use std::path::{Path, PathBuf};

/// The sample policies in `samples/` at the repository root.
pub fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pol"))
        .collect();
    files.sort();
    files
}

/// The ```pol blocks of docs/language.md, with their line numbers.
pub fn doc_examples() -> Vec<(usize, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/language.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```pol") => {
                current = Some((number + 1, String::new()))
            }
            Some(_) if line.trim_start().starts_with("```") => {
                blocks.push(current.take().expect("open block"))
            }
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    assert!(
        current.is_none(),
        "unclosed ```pol block in docs/language.md"
    );
    blocks
}

/// A syntax tree as JSON with every span replaced by a marker, so that
/// two trees compare equal when they differ only in positions.
pub fn without_spans(file: &ast::File) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                let is_span =
                    map.len() == 2 && map.contains_key("start") && map.contains_key("end");
                if is_span {
                    *value = serde_json::Value::String("span".into());
                } else {
                    map.values_mut().for_each(strip);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(file).expect("the AST serializes");
    strip(&mut value);
    value
}
