//! Differential test of the printer and assembler against LLVM 19:
//! random well-formed instructions are written as raw bytes, assembled
//! into an object by `llvm-mc-19`, and disassembled by
//! `llvm-objdump-19 -d --mcpu=v4`; our text must match LLVM's line for line
//! (after normalising whitespace and Palisade's documented extensions).
//! Then `llvm-mc-19` assembles *our* text, and must produce our bytes.
//!
//! Skips loudly when LLVM 19 is missing, unless PALISADE_REQUIRE_KERNEL=1
//! (CI installs it).

mod support;

use palisade_verifier::isa::text::print::llvm_normalise;
use palisade_verifier::isa::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn tools_available() -> bool {
    if have("llvm-mc-19") && have("llvm-objdump-19") {
        return true;
    }
    assert!(
        std::env::var("PALISADE_REQUIRE_KERNEL").as_deref() != Ok("1"),
        "llvm-mc-19/llvm-objdump-19 are required (PALISADE_REQUIRE_KERNEL=1)"
    );
    eprintln!("\n*** SKIPPED: llvm-mc-19 / llvm-objdump-19 not installed ***\n");
    false
}

/// Instructions LLVM 19 cannot print (it shows `<unknown>`).
fn llvm_knows(insn: &Insn) -> bool {
    !matches!(insn, Insn::LoadAcquire { .. } | Insn::StoreRelease { .. })
}

/// Instructions whose Palisade text LLVM 19's assembler also accepts:
/// LLVM has no text for numeric local/kfunc calls, pseudo loads, `ld_ind`
/// immediates, `may_goto`, `addr_space_cast` or atomics on 32-bit
/// registers with `r` spelling, and long `gotol` offsets.
fn llvm_can_assemble(insn: &Insn) -> bool {
    llvm_knows(insn)
        && !matches!(
            insn,
            Insn::Call(CallTarget::Local(_) | CallTarget::Kfunc { .. })
                | Insn::LdPseudo { .. }
                | Insn::LdInd { .. }
                | Insn::MayGoto { .. }
                | Insn::AddrSpaceCast { .. }
                | Insn::Callx { .. }
        )
        // llvm-mc 19 rejects `gotol` offsets beyond 16 bits.
        && !matches!(insn, Insn::JaLong { imm } if i16::try_from(*imm).is_err())
}

fn sample(count: usize, keep: impl Fn(&Insn) -> bool) -> Vec<Insn> {
    let mut runner = TestRunner::deterministic();
    let strategy = support::arb::insn();
    let mut out = Vec::new();
    while out.len() < count {
        let insn = strategy.new_tree(&mut runner).unwrap().current();
        if keep(&insn) {
            out.push(insn);
        }
    }
    out
}

/// Assembles `source` with llvm-mc-19 and returns llvm-objdump-19's
/// instruction texts and the `.text` bytes.
fn llvm(source: &str) -> (Vec<String>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("in.s");
    let o = dir.path().join("out.o");
    std::fs::write(&s, source).unwrap();
    let mc = Command::new("llvm-mc-19")
        .args(["-triple", "bpfel", "-mcpu=v4", "-filetype=obj", "-o"])
        .arg(&o)
        .arg(&s)
        .output()
        .unwrap();
    assert!(
        mc.status.success(),
        "llvm-mc failed:\n{}",
        String::from_utf8_lossy(&mc.stderr)
    );
    let dump = Command::new("llvm-objdump-19")
        .args(["-d", "--mcpu=v4"])
        .arg(&o)
        .output()
        .unwrap();
    assert!(dump.status.success());
    let texts = String::from_utf8(dump.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            // `      11:\t15 02 4c 00 00 00 00 00\tif r2 == 0x0 goto +0x4c <x>`
            let mut parts = l.splitn(3, '\t');
            let addr = parts.next()?;
            addr.trim().strip_suffix(':')?.parse::<usize>().ok()?;
            parts.next()?;
            Some(parts.next()?.to_string())
        })
        .collect();
    let sect = Command::new("llvm-objcopy-19")
        .args(["-O", "binary", "--only-section=.text"])
        .arg(&o)
        .arg(dir.path().join("text.bin"))
        .output();
    let bytes = match sect {
        Ok(out) if out.status.success() => std::fs::read(dir.path().join("text.bin")).unwrap(),
        _ => Vec::new(),
    };
    (texts, bytes)
}

#[test]
fn printer_matches_llvm_objdump() {
    if !tools_available() {
        return;
    }
    let insns = sample(4000, llvm_knows);
    let mut source = String::from(".text\n");
    for insn in &insns {
        let bytes: Vec<String> = insn.to_bytes().iter().map(|b| b.to_string()).collect();
        source += &format!(".byte {}\n", bytes.join(","));
    }
    let (texts, _) = llvm(&source);
    assert_eq!(texts.len(), insns.len());
    let mut mismatches = Vec::new();
    for (insn, theirs) in insns.iter().zip(&texts) {
        let ours = llvm_normalise(&insn.to_string());
        let theirs = llvm_normalise(theirs);
        if ours != theirs {
            mismatches.push(format!("{insn:?}\n  ours:  {ours}\n  llvm:  {theirs}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
    eprintln!(
        "{} instructions printed identically to llvm-objdump-19",
        insns.len()
    );
}

#[test]
fn llvm_mc_assembles_our_text_to_our_bytes() {
    if !tools_available() {
        return;
    }
    // Jumps in random programs may point outside; LLVM does not care.
    let insns = sample(3000, llvm_can_assemble);
    let source: String = std::iter::once(".text\n".to_string())
        .chain(insns.iter().map(|i| format!("{i}\n")))
        .collect();
    let (_, bytes) = llvm(&source);
    let ours = encode_program(&insns);
    assert_eq!(bytes.len(), ours.len());
    for (k, (a, b)) in bytes.chunks(8).zip(ours.chunks(8)).enumerate() {
        assert_eq!(a, b, "slot {k}: llvm-mc and Palisade disagree");
    }
}
