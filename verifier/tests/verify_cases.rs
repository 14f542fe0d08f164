//! Hand-written programs, safe and unsafe, as assembler text: one file per
//! case in `verify-data/cases/`.
//!
//! Each file says what it expects in a header comment
//! (`; expect: accept` or `; expect: reject <error code>`), and a sibling
//! `.expected` file holds the full rendered report (instruction, source
//! line, state, message). `BLESS=1` rewrites the `.expected` files; the
//! header expectation is always checked.

use palisade_verifier::verify::{verify_program, Options, Platform, Program, Report};
use std::path::{Path, PathBuf};

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/verify-data/cases")
}

/// The report without timing, deterministic.
fn render(r: &Report) -> String {
    let mut s = format!(
        "{} ({}): {}, {} instructions processed\n",
        r.program,
        r.prog_type,
        if r.accepted() { "accept" } else { "reject" },
        r.stats.processed_insns
    );
    for e in &r.errors {
        s.push_str(&format!("[{}] {e}\n", e.kind.code()));
    }
    s
}

fn run_case(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("case");
    let expect = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("; expect:"))
        .map(str::trim)
        .ok_or(format!("{name}: no `; expect:` line"))?;
    let options = if text.contains("; options: kernel") {
        Options::kernel_privileged()
    } else {
        Options::strict()
    };
    let prog =
        Program::from_asm(&format!("{name}.s"), &text, None).map_err(|e| format!("{name}: {e}"))?;
    let report = verify_program(&prog, &Platform::linux(), &options);
    let got = if report.accepted() {
        "accept".to_string()
    } else {
        format!(
            "reject {}",
            report.errors.first().map_or("?", |e| e.kind.code())
        )
    };
    if got != expect {
        return Err(format!(
            "{name}: expected `{expect}`, got `{got}`\n{}",
            render(&report)
        ));
    }
    let rendered = render(&report);
    let expected_path = path.with_extension("expected");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&expected_path, &rendered).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let want = std::fs::read_to_string(&expected_path)
        .map_err(|_| format!("{name}: no {} (run with BLESS=1)", expected_path.display()))?;
    if want != rendered {
        return Err(format!(
            "{name}: report differs from {}\n--- expected\n{want}--- got\n{rendered}",
            expected_path.display()
        ));
    }
    Ok(())
}

#[test]
fn cases() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("cases directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "s"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "expected the case files");
    let failures: Vec<String> = files.iter().filter_map(|f| run_case(f).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
