//! A reader for the bpf_conformance test files (`*.data`) and their
//! assembler syntax (`mov %r0, 0x1`, `ldxdw %r0, [%r1+2]`, `jne %r0, %r1, L`).
//!
//! This syntax is only a test vocabulary: it lets the 313 upstream programs
//! be parsed into Palisade's typed instructions, so that every instruction
//! family is exercised through encode -> print -> assemble.

use palisade_verifier::isa::*;
use std::collections::HashMap;

/// The sections of one `.data` file (README of the corpus: a line
/// containing `--` starts a section; `#` starts a comment).
#[derive(Debug, Default)]
pub struct TestFile {
    pub asm: Vec<String>,
    pub raw: Option<Vec<u8>>,
    pub mem: Vec<u8>,
    pub result: Option<u64>,
    pub error: Option<String>,
}

pub fn read_test_file(text: &str) -> TestFile {
    #[derive(PartialEq)]
    enum Sec {
        None,
        Asm,
        Result,
        Mem,
        Raw,
        Error,
        Ignored,
    }
    let mut file = TestFile::default();
    let mut sec = Sec::None;
    let mut raw_tokens: Vec<String> = Vec::new();
    let mut result_line = None;
    let mut error_line = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let line = line.split('#').next().unwrap_or("");
        if line.contains("--") {
            sec = if line.contains("asm") {
                Sec::Asm
            } else if line.contains("result") {
                Sec::Result
            } else if line.contains("mem") {
                Sec::Mem
            } else if line.contains("raw") {
                Sec::Raw
            } else if line.contains("error") {
                Sec::Error
            } else {
                Sec::Ignored
            };
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match sec {
            Sec::Asm => file.asm.push(line.trim().to_string()),
            Sec::Result => result_line = Some(line.trim().to_string()),
            Sec::Error => error_line = Some(line.trim().to_string()),
            Sec::Mem => file.mem.extend(
                line.split_whitespace()
                    .filter_map(|b| u8::from_str_radix(b, 16).ok()),
            ),
            Sec::Raw => raw_tokens.push(line.trim().to_string()),
            Sec::None | Sec::Ignored => {}
        }
    }
    file.result = result_line.and_then(|r| {
        if let Some(h) = r.strip_prefix("0x") {
            u64::from_str_radix(h, 16).ok()
        } else {
            r.parse().ok()
        }
    });
    file.error = error_line;
    if !raw_tokens.is_empty() {
        file.raw = Some(raw_bytes(&raw_tokens));
    }
    file
}

/// `-- raw` comes in two forms: one 64-bit number per instruction
/// (`tests/lddw.data`), or 8 two-digit hex bytes per line (`negative/`).
fn raw_bytes(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 8 && words.iter().all(|w| w.len() == 2) {
            out.extend(words.iter().filter_map(|w| u8::from_str_radix(w, 16).ok()));
        } else {
            for w in words {
                let v = if let Some(h) = w.strip_prefix("0x") {
                    u64::from_str_radix(h, 16).unwrap_or(0)
                } else {
                    w.parse().unwrap_or(0)
                };
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    out
}

/// A symbolic jump or call target awaiting resolution.
enum Target {
    None,
    Jump(String),
    Call(String),
}

/// Parses a whole `-- asm` section into instructions, resolving labels.
pub fn parse_program(lines: &[String]) -> Result<Vec<Insn>, String> {
    let mut insns: Vec<(Insn, Target)> = Vec::new();
    let mut labels: HashMap<String, usize> = HashMap::new();
    let mut slot = 0;
    let mut slots = Vec::new();
    for line in lines {
        if let Some(name) = line.strip_suffix(':') {
            labels.insert(name.trim().to_string(), slot);
            continue;
        }
        let parsed = parse_line(line).map_err(|e| format!("`{line}`: {e}"))?;
        slots.push(slot);
        slot += parsed.0.slots();
        insns.push(parsed);
    }
    if insns.is_empty() {
        return Err("no BPF instructions".into());
    }
    let mut out = Vec::new();
    for (i, (insn, target)) in insns.into_iter().enumerate() {
        let next = (slots[i] + insn.slots()) as i64;
        // Upstream's assembler lets `exit` name the program's last
        // instruction when no label of that name exists.
        let last = slots.last().copied().unwrap_or(0);
        let resolve = |name: &str| {
            labels
                .get(name)
                .copied()
                .or((name == "exit").then_some(last))
                .map(|t| t as i64 - next)
                .ok_or_else(|| format!("unknown label `{name}`"))
        };
        out.push(match (insn, target) {
            (insn, Target::None) => insn,
            (Insn::Ja { .. }, Target::Jump(l)) => Insn::Ja {
                off: to_i16(resolve(&l)?)?,
            },
            (Insn::JaLong { .. }, Target::Jump(l)) => Insn::JaLong {
                imm: resolve(&l)? as i32,
            },
            (
                Insn::Jmp {
                    width,
                    cond,
                    dst,
                    src,
                    ..
                },
                Target::Jump(l),
            ) => Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off: to_i16(resolve(&l)?)?,
            },
            (_, Target::Call(l)) => Insn::Call(CallTarget::Local(resolve(&l)? as i32)),
            (insn, Target::Jump(_)) => insn,
        });
    }
    Ok(out)
}

fn to_i16(v: i64) -> Result<i16, String> {
    i16::try_from(v).map_err(|_| format!("offset {v} out of range"))
}

fn reg(s: &str) -> Result<Reg, String> {
    let n = s
        .trim()
        .strip_prefix("%r")
        .ok_or_else(|| format!("Invalid register `{s}`"))?;
    n.parse::<u8>()
        .ok()
        .and_then(Reg::new)
        .ok_or_else(|| format!("Invalid register `{s}`"))
}

fn is_reg(s: &str) -> bool {
    s.trim().starts_with('%')
}

fn number(s: &str) -> Result<i128, String> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = body.strip_prefix("0x") {
        i128::from_str_radix(h, 16)
    } else {
        body.parse::<i128>()
    }
    .map_err(|_| format!("invalid number `{s}`"))?;
    Ok(if neg { -v } else { v })
}

/// 32-bit immediates: decimal must fit `i32`; hex may use the unsigned
/// range up to 0xffffffff (the upstream assembler's rule).
fn imm32(s: &str) -> Result<i32, String> {
    let v = number(s)?;
    let hex = s.trim().trim_start_matches('-').starts_with("0x");
    let ok = if hex {
        (i32::MIN as i128..=u32::MAX as i128).contains(&v)
    } else {
        (i32::MIN as i128..=i32::MAX as i128).contains(&v)
    };
    if ok {
        Ok(v as u32 as i32)
    } else {
        Err(format!("immediate `{s}` out of range"))
    }
}

/// `[%r1+2]`, `[%r10-8]`, `[%r1]`.
fn mem(s: &str) -> Result<(Reg, i16), String> {
    let inner = s
        .trim()
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| format!("expected [reg+off], found `{s}`"))?;
    let split = inner[1..].find(['+', '-']).map(|i| i + 1);
    let (r, off) = match split {
        Some(i) => (&inner[..i], number(&inner[i..])?),
        None => (inner, 0),
    };
    let off = i16::try_from(off).map_err(|_| format!("offset `{s}` out of range"))?;
    Ok((reg(r)?, off))
}

fn size_of(suffix: &str) -> Option<Size> {
    Some(match suffix {
        "b" => Size::B,
        "h" => Size::H,
        "w" => Size::W,
        "dw" => Size::DW,
        _ => return None,
    })
}

fn alu_op(name: &str) -> Option<AluOp> {
    Some(match name {
        "add" => AluOp::Add,
        "sub" => AluOp::Sub,
        "mul" => AluOp::Mul,
        "div" => AluOp::Div,
        "sdiv" => AluOp::SDiv,
        "or" => AluOp::Or,
        "and" => AluOp::And,
        "lsh" => AluOp::Lsh,
        "rsh" => AluOp::Rsh,
        "mod" => AluOp::Mod,
        "smod" => AluOp::SMod,
        "xor" => AluOp::Xor,
        "mov" => AluOp::Mov,
        "arsh" => AluOp::Arsh,
        _ => return None,
    })
}

fn cond(name: &str) -> Option<JmpCond> {
    Some(match name {
        "jeq" => JmpCond::Eq,
        "jne" => JmpCond::Ne,
        "jgt" => JmpCond::Gt,
        "jge" => JmpCond::Ge,
        "jlt" => JmpCond::Lt,
        "jle" => JmpCond::Le,
        "jsgt" => JmpCond::SGt,
        "jsge" => JmpCond::SGe,
        "jslt" => JmpCond::SLt,
        "jsle" => JmpCond::SLe,
        "jset" => JmpCond::Set,
        _ => return None,
    })
}

fn operands(rest: &str, n: usize) -> Result<Vec<&str>, String> {
    let ops: Vec<&str> = if rest.trim().is_empty() {
        vec![]
    } else {
        rest.split(',').map(str::trim).collect()
    };
    if ops.len() != n {
        return Err(format!(
            "Invalid number of operands: expected {n}, found {}",
            ops.len()
        ));
    }
    Ok(ops)
}

fn jump_target(s: &str) -> Result<(i32, Target), String> {
    let s = s.trim();
    if s.starts_with(|c: char| c == '+' || c == '-' || c.is_ascii_digit()) {
        let v = number(s)?;
        let v = i32::try_from(v).map_err(|_| format!("offset `{s}` out of range"))?;
        Ok((v, Target::None))
    } else {
        Ok((0, Target::Jump(s.to_string())))
    }
}

fn parse_line(line: &str) -> Result<(Insn, Target), String> {
    let (mn, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let (base, width) = match mn.strip_suffix("32") {
        Some(b) if alu_op(b).is_some() || cond(b).is_some() || b == "neg" || b == "ja" => {
            (b, Width::W32)
        }
        _ => (mn, Width::W64),
    };
    if let Some(op) = alu_op(base) {
        let o = operands(rest, 2)?;
        let dst = reg(o[0])?;
        let src = if is_reg(o[1]) {
            Operand::Reg(reg(o[1])?)
        } else {
            Operand::Imm(imm32(o[1])?)
        };
        return Ok((
            Insn::Alu {
                width,
                op,
                dst,
                src,
            },
            Target::None,
        ));
    }
    if let Some(c) = cond(base) {
        let o = operands(rest, 3)?;
        let dst = reg(o[0])?;
        let src = if is_reg(o[1]) {
            Operand::Reg(reg(o[1])?)
        } else {
            Operand::Imm(imm32(o[1])?)
        };
        let (off, t) = jump_target(o[2])?;
        let off = i16::try_from(off).map_err(|_| "offset out of range".to_string())?;
        return Ok((
            Insn::Jmp {
                width,
                cond: c,
                dst,
                src,
                off,
            },
            t,
        ));
    }
    match base {
        "neg" => {
            let o = operands(rest, 1)?;
            return Ok((
                Insn::Neg {
                    width,
                    dst: reg(o[0])?,
                },
                Target::None,
            ));
        }
        "ja" => {
            let o = operands(rest, 1)?;
            let (off, t) = jump_target(o[0])?;
            return Ok(match width {
                Width::W64 => (
                    Insn::Ja {
                        off: i16::try_from(off).map_err(|_| "offset out of range")?,
                    },
                    t,
                ),
                Width::W32 => (Insn::JaLong { imm: off }, t),
            });
        }
        _ => {}
    }
    for (prefix, op) in [
        ("be", EndianOp::ToBe),
        ("le", EndianOp::ToLe),
        ("bswap", EndianOp::Swap),
        ("swap", EndianOp::Swap),
    ] {
        if let Some(bits) = mn.strip_prefix(prefix).and_then(|b| b.parse::<u8>().ok()) {
            let o = operands(rest, 1)?;
            return Ok((
                Insn::Endian {
                    op,
                    bits,
                    dst: reg(o[0])?,
                },
                Target::None,
            ));
        }
    }
    if let Some(spec) = mn.strip_prefix("movsx") {
        let (from, width) = match spec {
            "864" => (Size::B, Width::W64),
            "832" => (Size::B, Width::W32),
            "1664" => (Size::H, Width::W64),
            "1632" => (Size::H, Width::W32),
            "3264" => (Size::W, Width::W64),
            _ => return Err(format!("Invalid mnemonic `{mn}`")),
        };
        let o = operands(rest, 2)?;
        return Ok((
            Insn::MovSx {
                width,
                dst: reg(o[0])?,
                src: reg(o[1])?,
                from,
            },
            Target::None,
        ));
    }
    if let Some(sz) = mn.strip_prefix("ldxs").and_then(size_of) {
        let o = operands(rest, 2)?;
        let (src, off) = mem(o[1])?;
        return Ok((
            Insn::LoadSx {
                size: sz,
                dst: reg(o[0])?,
                src,
                off,
            },
            Target::None,
        ));
    }
    if let Some(sz) = mn.strip_prefix("ldx").and_then(size_of) {
        let o = operands(rest, 2)?;
        let (src, off) = mem(o[1])?;
        return Ok((
            Insn::Load {
                size: sz,
                dst: reg(o[0])?,
                src,
                off,
            },
            Target::None,
        ));
    }
    if let Some(sz) = mn.strip_prefix("stx").and_then(size_of) {
        let o = operands(rest, 2)?;
        let (dst, off) = mem(o[0])?;
        return Ok((
            Insn::Store {
                size: sz,
                dst,
                off,
                src: reg(o[1])?,
            },
            Target::None,
        ));
    }
    if let Some(sz) = mn.strip_prefix("st").and_then(size_of) {
        let o = operands(rest, 2)?;
        let (dst, off) = mem(o[0])?;
        return Ok((
            Insn::StoreImm {
                size: sz,
                dst,
                off,
                imm: imm32(o[1])?,
            },
            Target::None,
        ));
    }
    match mn {
        "exit" => {
            operands(rest, 0)?;
            Ok((Insn::Exit, Target::None))
        }
        "lddw" => {
            let o = operands(rest, 2)?;
            let v = number(o[1])?;
            if !(i64::MIN as i128..=u64::MAX as i128).contains(&v) {
                return Err("immediate out of range".into());
            }
            Ok((
                Insn::LdImm64 {
                    dst: reg(o[0])?,
                    imm: v as u64 as i64,
                },
                Target::None,
            ))
        }
        "call" => {
            if let Some(label) = rest.strip_prefix("local ") {
                return Ok((
                    Insn::Call(CallTarget::Local(0)),
                    Target::Call(label.trim().to_string()),
                ));
            }
            if is_reg(rest) {
                return Ok((Insn::Callx { reg: reg(rest)? }, Target::None));
            }
            Ok((Insn::Call(CallTarget::Helper(imm32(rest)?)), Target::None))
        }
        "lock" => parse_lock(rest),
        _ => Err(format!("Invalid mnemonic `{mn}`")),
    }
}

/// `lock [fetch] add[32] [%r10-8], %r1`, `lock xchg`, `lock cmpxchg`.
fn parse_lock(rest: &str) -> Result<(Insn, Target), String> {
    let (fetch, rest) = match rest.strip_prefix("fetch ") {
        Some(r) => (true, r.trim()),
        None => (false, rest),
    };
    let (op_name, rest) = rest
        .split_once(char::is_whitespace)
        .ok_or("Invalid number of operands for lock")?;
    let (op_name, size) = match op_name.strip_suffix("32") {
        Some(b) => (b, Size::W),
        None => (op_name, Size::DW),
    };
    let o = operands(rest, 2).map_err(|_| "Invalid number of operands for lock".to_string())?;
    let (dst, off) = mem(o[0])?;
    let src = reg(o[1])?;
    let op = match op_name {
        "add" => AtomicOp::Add { fetch },
        "or" => AtomicOp::Or { fetch },
        "and" => AtomicOp::And { fetch },
        "xor" => AtomicOp::Xor { fetch },
        "xchg" => AtomicOp::Xchg,
        "cmpxchg" => AtomicOp::CmpXchg,
        _ => return Err(format!("Invalid atomic operation `{op_name}`")),
    };
    Ok((
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        },
        Target::None,
    ))
}
