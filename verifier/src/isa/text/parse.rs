//! Parsing one instruction statement of the LLVM assembler syntax.
//!
//! Accepts everything [`print`](super::print) produces, plus the common
//! spellings humans and the kernel use: decimal immediates, `r` registers
//! where LLVM prints `w` for sub-64-bit loads and stores, `(r10 -8)`.
//! Jump and call targets may be labels; those come back as [`Reference`]s
//! for the assembler to resolve.

use super::lex::{tokenize, Tok, Token};
use crate::isa::insn::*;

/// A symbolic operand the assembler must resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    /// A jump to a label (`goto out`): fill in the slot offset.
    Jump(String),
    /// A call to a function by name (`call sub`): a local call, or a
    /// relocation when the function lives in another section.
    Call(String),
    /// `r1 = name ll`: a 64-bit load of a symbol's address (map, global),
    /// which becomes an `R_BPF_64_64` relocation.
    Load(String),
}

/// A parsed statement: the instruction, and a symbolic operand if any (the
/// instruction then holds a placeholder offset or immediate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub insn: Insn,
    pub reference: Option<Reference>,
}

/// A parse error at a 0-based column of the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub col: usize,
    pub message: String,
}

type Result<T> = std::result::Result<T, ParseError>;

/// Parses one statement. `col0` is where `text` starts in its line.
pub fn parse_statement(text: &str, col0: usize) -> Result<Parsed> {
    let tokens = tokenize(text, col0).map_err(|(col, message)| ParseError { col, message })?;
    let end_col = col0 + text.trim_end().len();
    let mut p = Parser {
        tokens,
        pos: 0,
        end_col,
        reference: None,
    };
    let insn = p.statement()?;
    if let Some(tok) = p.peek() {
        return Err(ParseError {
            col: tok.col,
            message: format!("unexpected {} after instruction", describe(&tok.kind)),
        });
    }
    Ok(Parsed {
        insn,
        reference: p.reference,
    })
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Num(n) => format!("number `{n}`"),
        Tok::Op(o) => format!("`{o}`"),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end_col: usize,
    reference: Option<Reference>,
}

/// A register operand as written: its number and its `r`/`w` spelling.
#[derive(Clone, Copy)]
struct RegOperand {
    reg: Reg,
    width: Width,
    col: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.kind)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + n).map(|t| &t.kind)
    }

    fn col(&self) -> usize {
        self.peek().map_or(self.end_col, |t| t.col)
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(ParseError {
            col: self.col(),
            message: message.into(),
        })
    }

    fn err_at<T>(&self, col: usize, message: impl Into<String>) -> Result<T> {
        Err(ParseError {
            col,
            message: message.into(),
        })
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek_kind(), Some(Tok::Op(o)) if *o == op)
    }

    fn is_ident(&self, name: &str) -> bool {
        matches!(self.peek_kind(), Some(Tok::Ident(s)) if s == name)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            let found = self.found();
            self.err(format!("expected `{op}`, found {found}"))
        }
    }

    fn expect_ident(&mut self, name: &str) -> Result<()> {
        if self.is_ident(name) {
            self.pos += 1;
            Ok(())
        } else {
            let found = self.found();
            self.err(format!("expected `{name}`, found {found}"))
        }
    }

    fn found(&self) -> String {
        self.peek_kind()
            .map_or_else(|| "end of line".to_string(), describe)
    }

    fn ident(&mut self) -> Result<(String, usize)> {
        match self.peek().cloned() {
            Some(Token {
                kind: Tok::Ident(s),
                col,
            }) => {
                self.pos += 1;
                Ok((s, col))
            }
            _ => {
                let found = self.found();
                self.err(format!("expected a name, found {found}"))
            }
        }
    }

    fn register_at(&self, n: usize) -> Option<(Reg, Width)> {
        match self.peek_at(n) {
            Some(Tok::Ident(s)) => parse_reg(s),
            _ => None,
        }
    }

    fn reg(&mut self) -> Result<RegOperand> {
        let col = self.col();
        match self.peek_kind() {
            Some(Tok::Ident(s)) => match parse_reg(s) {
                Some((reg, width)) => {
                    self.pos += 1;
                    Ok(RegOperand { reg, width, col })
                }
                None => self.err(format!(
                    "expected a register (r0..r10, w0..w10), found `{s}`"
                )),
            },
            _ => {
                let found = self.found();
                self.err(format!("expected a register, found {found}"))
            }
        }
    }

    /// A 64-bit register (`rN`); `w` is an error here.
    fn reg64(&mut self) -> Result<Reg> {
        let r = self.reg()?;
        if r.width != Width::W64 {
            return self.err_at(
                r.col,
                format!("expected a 64-bit register, found `w{}`", r.reg.index()),
            );
        }
        Ok(r.reg)
    }

    /// An optionally signed number.
    fn number(&mut self) -> Result<(i128, usize)> {
        let col = self.col();
        let negative = if self.eat_op("-") {
            true
        } else {
            self.eat_op("+");
            false
        };
        match self.peek_kind() {
            Some(Tok::Num(n)) => {
                let n = *n;
                self.pos += 1;
                Ok((if negative { -n } else { n }, col))
            }
            _ => {
                let found = self.found();
                self.err(format!("expected a number, found {found}"))
            }
        }
    }

    fn imm32(&mut self) -> Result<i32> {
        let (n, col) = self.number()?;
        to_imm32(n)
            .ok_or(())
            .or_else(|_| self.err_at(col, format!("immediate {n} does not fit in 32 bits")))
    }

    fn off16(&mut self) -> Result<i16> {
        let (n, col) = self.number()?;
        i16::try_from(n)
            .or_else(|_| self.err_at(col, format!("offset {n} does not fit in 16 bits")))
    }

    fn u16_value(&mut self) -> Result<u16> {
        let (n, col) = self.number()?;
        u16::try_from(n).or_else(|_| self.err_at(col, format!("value {n} does not fit in 16 bits")))
    }

    /// `*(u32 *)` or `(u32 *)` (with `star`), returning the size and whether
    /// the type was signed.
    fn pointer_type(&mut self, star: bool) -> Result<(Size, bool, usize)> {
        if star {
            self.expect_op("*")?;
        }
        self.expect_op("(")?;
        let (name, col) = self.ident()?;
        let (size, signed) = parse_type(&name).map_or_else(
            || {
                self.err_at(
                    col,
                    format!("expected a type (u8, u16, u32, u64, s8, s16, s32), found `{name}`"),
                )
            },
            Ok,
        )?;
        self.expect_op("*")?;
        self.expect_op(")")?;
        Ok((size, signed, col))
    }

    /// `r1 + 0x4`, `r1 - 4`, or `r1`.
    fn address(&mut self) -> Result<(Reg, i16)> {
        let base = self.reg64()?;
        let off = if self.is_op("+") || self.is_op("-") {
            self.off16()?
        } else {
            0
        };
        Ok((base, off))
    }

    /// `(r1 + 0x4)`.
    fn mem(&mut self) -> Result<(Reg, i16)> {
        self.expect_op("(")?;
        let a = self.address()?;
        self.expect_op(")")?;
        Ok(a)
    }

    /// A jump target: a signed slot offset or a label.
    fn jump_target(&mut self, wide: bool) -> Result<i32> {
        if let Some(Tok::Ident(name)) = self.peek_kind() {
            let name = name.clone();
            self.pos += 1;
            self.reference = Some(Reference::Jump(name));
            return Ok(0);
        }
        let (n, col) = self.number()?;
        if wide {
            i32::try_from(n)
                .or_else(|_| self.err_at(col, format!("jump offset {n} does not fit in 32 bits")))
        } else {
            i16::try_from(n).map(i32::from).or_else(|_| {
                self.err_at(
                    col,
                    format!("jump offset {n} does not fit in 16 bits (use gotol)"),
                )
            })
        }
    }

    fn statement(&mut self) -> Result<Insn> {
        let (word, col) = match self.peek().cloned() {
            None => return self.err("expected an instruction"),
            Some(Token {
                kind: Tok::Ident(s),
                col,
            }) => (s, col),
            Some(Token {
                kind: Tok::Op("*"), ..
            }) => return self.store(),
            Some(t) => {
                return self.err(format!(
                    "expected an instruction, found {}",
                    describe(&t.kind)
                ))
            }
        };
        if parse_reg(&word).is_some() {
            return self.assignment();
        }
        self.pos += 1;
        match word.as_str() {
            "exit" => Ok(Insn::Exit),
            "goto" | "ja" => Ok(Insn::Ja {
                off: self.jump_target(false)? as i16,
            }),
            "gotol" => Ok(Insn::JaLong {
                imm: self.jump_target(true)?,
            }),
            "may_goto" => Ok(Insn::MayGoto {
                off: self.jump_target(false)? as i16,
            }),
            "call" => self.call(),
            "callx" => Ok(Insn::Callx { reg: self.reg64()? }),
            "lock" => self.lock(),
            "if" => self.conditional(),
            "ld_pseudo" => self.ld_pseudo(),
            "store_release" => self.store_release(),
            _ => self.err_at(col, format!("unknown instruction `{word}`")),
        }
    }

    fn call(&mut self) -> Result<Insn> {
        if self.is_ident("local") {
            self.pos += 1;
            if let Some(Tok::Ident(name)) = self.peek_kind() {
                let name = name.clone();
                self.pos += 1;
                self.reference = Some(Reference::Call(name));
                return Ok(Insn::Call(CallTarget::Local(-1)));
            }
            return Ok(Insn::Call(CallTarget::Local(self.imm32()?)));
        }
        if self.is_ident("kfunc") {
            self.pos += 1;
            let btf_id = self.imm32()?;
            let module = if self.eat_op(",") { self.off16()? } else { 0 };
            return Ok(Insn::Call(CallTarget::Kfunc { btf_id, module }));
        }
        if let Some(Tok::Ident(name)) = self.peek_kind() {
            let name = name.clone();
            self.pos += 1;
            self.reference = Some(Reference::Call(name));
            return Ok(Insn::Call(CallTarget::Local(-1)));
        }
        Ok(Insn::Call(CallTarget::Helper(self.imm32()?)))
    }

    fn lock(&mut self) -> Result<Insn> {
        let (size, signed, col) = self.pointer_type(true)?;
        if signed || !matches!(size, Size::W | Size::DW) {
            return self.err_at(col, "atomic operations take u32 or u64");
        }
        let (dst, off) = self.mem()?;
        let op_col = self.col();
        let op = match self.next().map(|t| t.kind) {
            Some(Tok::Op("+=")) => AtomicOp::Add { fetch: false },
            Some(Tok::Op("|=")) => AtomicOp::Or { fetch: false },
            Some(Tok::Op("&=")) => AtomicOp::And { fetch: false },
            Some(Tok::Op("^=")) => AtomicOp::Xor { fetch: false },
            _ => return self.err_at(op_col, "expected `+=`, `|=`, `&=` or `^=` after `lock`"),
        };
        let src = self.reg()?;
        self.check_value_reg(src, size)?;
        Ok(Insn::Atomic {
            size,
            op,
            dst,
            src: src.reg,
            off,
        })
    }

    /// A register holding a value of `size` bytes: `w` only below 64 bits.
    fn check_value_reg(&self, r: RegOperand, size: Size) -> Result<()> {
        if r.width == Width::W32 && size == Size::DW {
            return self.err_at(r.col, "a 64-bit access needs an `r` register");
        }
        Ok(())
    }

    fn conditional(&mut self) -> Result<Insn> {
        let dst = self.reg()?;
        let op_col = self.col();
        let cond = match self.next().map(|t| t.kind) {
            Some(Tok::Op(op)) => JmpCond::ALL.into_iter().find(|c| c.operator() == op),
            _ => None,
        };
        let Some(cond) = cond else {
            return self.err_at(
                op_col,
                "expected a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &)",
            );
        };
        let src = self.operand(dst)?;
        self.expect_ident("goto")?;
        let off = self.jump_target(false)? as i16;
        Ok(Insn::Jmp {
            width: dst.width,
            cond,
            dst: dst.reg,
            src,
            off,
        })
    }

    /// A register of the same width as `dst`, or an immediate.
    fn operand(&mut self, dst: RegOperand) -> Result<Operand> {
        if let Some((_, width)) = self.register_at(0) {
            let src = self.reg()?;
            if width != dst.width {
                return self.err_at(src.col, "register widths differ (mix of `r` and `w`)");
            }
            return Ok(Operand::Reg(src.reg));
        }
        Ok(Operand::Imm(self.imm32()?))
    }

    fn ld_pseudo(&mut self) -> Result<Insn> {
        let dst = self.reg64()?;
        self.expect_op(",")?;
        let (n, col) = self.number()?;
        let kind = u8::try_from(n)
            .ok()
            .and_then(Pseudo::from_number)
            .map_or_else(
                || self.err_at(col, format!("unknown pseudo source {n} (1..6)")),
                Ok,
            )?;
        self.expect_op(",")?;
        let imm = self.imm32()?;
        let imm2 = if self.eat_op(",") { self.imm32()? } else { 0 };
        Ok(Insn::LdPseudo {
            dst,
            kind,
            imm,
            imm2,
        })
    }

    fn store_release(&mut self) -> Result<Insn> {
        self.expect_op("(")?;
        let (size, signed, col) = self.pointer_type(false)?;
        if signed {
            return self.err_at(col, "store_release takes an unsigned type");
        }
        let (dst, off) = self.mem()?;
        self.expect_op(",")?;
        let src = self.reg()?;
        self.check_value_reg(src, size)?;
        self.expect_op(")")?;
        Ok(Insn::StoreRelease {
            size,
            dst,
            src: src.reg,
            off,
        })
    }

    /// `*(u32 *)(r10 - 8) = r1` or `= 5`.
    fn store(&mut self) -> Result<Insn> {
        let (size, signed, col) = self.pointer_type(true)?;
        if signed {
            return self.err_at(col, "stores take an unsigned type");
        }
        let (dst, off) = self.mem()?;
        self.expect_op("=")?;
        if self.register_at(0).is_some() {
            let src = self.reg()?;
            self.check_value_reg(src, size)?;
            return Ok(Insn::Store {
                size,
                dst,
                off,
                src: src.reg,
            });
        }
        Ok(Insn::StoreImm {
            size,
            dst,
            off,
            imm: self.imm32()?,
        })
    }

    /// Every statement that starts with a register.
    fn assignment(&mut self) -> Result<Insn> {
        let dst = self.reg()?;
        let op_col = self.col();
        let op = match self.next().map(|t| t.kind) {
            Some(Tok::Op(op)) => op,
            _ => return self.err_at(op_col, "expected an assignment operator after the register"),
        };
        if op != "=" {
            let Some(alu) = AluOp::ALL.into_iter().find(|a| a.operator() == op) else {
                return self.err_at(op_col, format!("`{op}` is not an ALU operator"));
            };
            let src = self.operand(dst)?;
            return Ok(Insn::Alu {
                width: dst.width,
                op: alu,
                dst: dst.reg,
                src,
            });
        }
        self.assignment_rhs(dst)
    }

    fn assignment_rhs(&mut self, dst: RegOperand) -> Result<Insn> {
        let col = self.col();
        match self.peek_kind().cloned() {
            Some(Tok::Op("-")) if self.register_at(1).is_some() => {
                self.pos += 1;
                let src = self.reg()?;
                if src.reg != dst.reg || src.width != dst.width {
                    return self.err_at(src.col, "negation is in place: write `r1 = -r1`");
                }
                Ok(Insn::Neg {
                    width: dst.width,
                    dst: dst.reg,
                })
            }
            Some(Tok::Op("-" | "+")) | Some(Tok::Num(_)) => self.move_immediate(dst),
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let (name, tcol) = self.ident()?;
                let from = match parse_type(&name) {
                    Some((size, true)) if size != Size::DW => size,
                    _ => {
                        return self.err_at(
                            tcol,
                            "expected `s8`, `s16` or `s32` in a sign-extending move",
                        )
                    }
                };
                self.expect_op(")")?;
                let src = self.reg()?;
                if src.width != dst.width {
                    return self.err_at(src.col, "register widths differ (mix of `r` and `w`)");
                }
                if from == Size::W && dst.width == Width::W32 {
                    return self.err_at(tcol, "`(s32)` needs 64-bit registers");
                }
                Ok(Insn::MovSx {
                    width: dst.width,
                    dst: dst.reg,
                    src: src.reg,
                    from,
                })
            }
            Some(Tok::Op("*")) => self.load(dst),
            Some(Tok::Ident(name)) => {
                if let Some((_, width)) = parse_reg(&name) {
                    let src = self.reg()?;
                    if width != dst.width {
                        return self.err_at(src.col, "register widths differ (mix of `r` and `w`)");
                    }
                    return Ok(Insn::Alu {
                        width: dst.width,
                        op: AluOp::Mov,
                        dst: dst.reg,
                        src: Operand::Reg(src.reg),
                    });
                }
                self.pos += 1;
                self.named_rhs(dst, &name, col)
            }
            _ => {
                let found = self.found();
                self.err(format!("expected a value after `=`, found {found}"))
            }
        }
    }

    fn move_immediate(&mut self, dst: RegOperand) -> Result<Insn> {
        let (n, col) = self.number()?;
        if self.is_ident("ll") {
            self.pos += 1;
            if dst.width != Width::W64 {
                return self.err_at(dst.col, "`ll` loads need a 64-bit register");
            }
            let imm = to_imm64(n).map_or_else(
                || self.err_at(col, format!("immediate {n} does not fit in 64 bits")),
                Ok,
            )?;
            return Ok(Insn::LdImm64 { dst: dst.reg, imm });
        }
        let imm = to_imm32(n).map_or_else(
            || {
                self.err_at(
                    col,
                    format!(
                        "immediate {n} does not fit in 32 bits (use `ll` for 64-bit constants)"
                    ),
                )
            },
            Ok,
        )?;
        Ok(Insn::Alu {
            width: dst.width,
            op: AluOp::Mov,
            dst: dst.reg,
            src: Operand::Imm(imm),
        })
    }

    /// `r0 = *(u32 *)(r1 + 4)`, `r0 = *(s8 *)(...)`, `r0 = *(u8 *)skb[...]`.
    fn load(&mut self, dst: RegOperand) -> Result<Insn> {
        let (size, signed, col) = self.pointer_type(true)?;
        if self.is_ident("skb") {
            self.pos += 1;
            if signed || size == Size::DW {
                return self.err_at(col, "packet loads take u8, u16 or u32");
            }
            if dst.reg != Reg::R0 || dst.width != Width::W64 {
                return self.err_at(dst.col, "packet loads (`skb[...]`) always write r0");
            }
            self.expect_op("[")?;
            let insn = if self.register_at(0).is_some() {
                let src = self.reg64()?;
                let imm = if self.is_op("+") || self.is_op("-") {
                    self.imm32()?
                } else {
                    0
                };
                Insn::LdInd { size, src, imm }
            } else {
                Insn::LdAbs {
                    size,
                    imm: self.imm32()?,
                }
            };
            self.expect_op("]")?;
            return Ok(insn);
        }
        let (src, off) = self.mem()?;
        if signed {
            if dst.width != Width::W64 {
                return self.err_at(dst.col, "sign-extending loads write a 64-bit register");
            }
            if size == Size::DW {
                return self.err_at(col, "there is no sign-extending 64-bit load; use u64");
            }
            return Ok(Insn::LoadSx {
                size,
                dst: dst.reg,
                src,
                off,
            });
        }
        self.check_value_reg(dst, size)?;
        Ok(Insn::Load {
            size,
            dst: dst.reg,
            src,
            off,
        })
    }

    /// Right-hand sides that start with a name: byte swaps, atomics,
    /// `load_acquire`, `addr_space_cast`, and `name ll` symbol loads.
    fn named_rhs(&mut self, dst: RegOperand, name: &str, col: usize) -> Result<Insn> {
        if let Some(insn) = self.endian(dst, name)? {
            return Ok(insn);
        }
        if let Some(op) = name.strip_prefix("atomic_fetch_") {
            let op = match op {
                "add" => AtomicOp::Add { fetch: true },
                "or" => AtomicOp::Or { fetch: true },
                "and" => AtomicOp::And { fetch: true },
                "xor" => AtomicOp::Xor { fetch: true },
                _ => return self.err_at(col, format!("unknown atomic operation `{name}`")),
            };
            self.expect_op("(")?;
            let (size, signed, tcol) = self.pointer_type(false)?;
            if signed || !matches!(size, Size::W | Size::DW) {
                return self.err_at(tcol, "atomic operations take u32 or u64");
            }
            let (base, off) = self.mem()?;
            self.expect_op(",")?;
            let src = self.reg()?;
            self.expect_op(")")?;
            self.check_value_reg(src, size)?;
            if src.reg != dst.reg {
                return self.err_at(src.col, "the fetched value goes to the source register: write `r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)`");
            }
            return Ok(Insn::Atomic {
                size,
                op,
                dst: base,
                src: src.reg,
                off,
            });
        }
        match name {
            "xchg_64" | "xchg32_32" | "cmpxchg_64" | "cmpxchg32_32" => self.exchange(dst, name),
            "load_acquire" => {
                self.expect_op("(")?;
                let (size, signed, tcol) = self.pointer_type(false)?;
                if signed {
                    return self.err_at(tcol, "load_acquire takes an unsigned type");
                }
                let (src, off) = self.mem()?;
                self.expect_op(")")?;
                self.check_value_reg(dst, size)?;
                Ok(Insn::LoadAcquire {
                    size,
                    dst: dst.reg,
                    src,
                    off,
                })
            }
            "addr_space_cast" => {
                self.expect_op("(")?;
                let src = self.reg64()?;
                self.expect_op(",")?;
                let dst_space = self.u16_value()?;
                self.expect_op(",")?;
                let src_space = self.u16_value()?;
                self.expect_op(")")?;
                if dst.width != Width::W64 {
                    return self.err_at(dst.col, "addr_space_cast writes a 64-bit register");
                }
                if !matches!((dst_space, src_space), (0, 1) | (1, 0)) {
                    return self.err_at(
                        col,
                        "addr_space_cast converts between address spaces 0 and 1",
                    );
                }
                Ok(Insn::AddrSpaceCast {
                    dst: dst.reg,
                    src,
                    dst_space,
                    src_space,
                })
            }
            _ if self.is_ident("ll") => {
                self.pos += 1;
                if dst.width != Width::W64 {
                    return self.err_at(dst.col, "`ll` loads need a 64-bit register");
                }
                self.reference = Some(Reference::Load(name.to_string()));
                Ok(Insn::LdImm64 {
                    dst: dst.reg,
                    imm: 0,
                })
            }
            _ => self.err_at(col, format!("unknown operand `{name}`")),
        }
    }

    fn endian(&mut self, dst: RegOperand, name: &str) -> Result<Option<Insn>> {
        let (op, bits) = if let Some(b) = name.strip_prefix("bswap") {
            (EndianOp::Swap, b)
        } else if let Some(b) = name.strip_prefix("le") {
            (EndianOp::ToLe, b)
        } else if let Some(b) = name.strip_prefix("be") {
            (EndianOp::ToBe, b)
        } else {
            return Ok(None);
        };
        let bits: u8 = match bits {
            "16" => 16,
            "32" => 32,
            "64" => 64,
            _ => return Ok(None),
        };
        let src = self.reg()?;
        if src.reg != dst.reg {
            return self.err_at(
                src.col,
                format!(
                    "byte swaps are in place: write `{0} = {name} {0}`",
                    Reg::new(dst.reg.index()).map_or(String::new(), |r| r.to_string())
                ),
            );
        }
        if dst.width != Width::W64 || src.width != Width::W64 {
            return self.err_at(dst.col, "byte swaps are written with `r` registers");
        }
        Ok(Some(Insn::Endian {
            op,
            bits,
            dst: dst.reg,
        }))
    }

    /// `r2 = xchg_64(r1 + 0, r2)`, `r0 = cmpxchg_64(r1 + 0, r0, r2)`.
    fn exchange(&mut self, dst: RegOperand, name: &str) -> Result<Insn> {
        let size = if name.ends_with("32_32") {
            Size::W
        } else {
            Size::DW
        };
        let want_width = if size == Size::W {
            Width::W32
        } else {
            Width::W64
        };
        let cmp = name.starts_with("cmp");
        self.expect_op("(")?;
        let (base, off) = self.address()?;
        self.expect_op(",")?;
        let first = self.reg()?;
        let src = if cmp {
            self.expect_op(",")?;
            let src = self.reg()?;
            if first.reg != Reg::R0 || dst.reg != Reg::R0 {
                return self.err_at(first.col, "cmpxchg compares with and writes r0");
            }
            src
        } else {
            if first.reg != dst.reg {
                return self.err_at(
                    first.col,
                    "xchg writes its source register: write `r2 = xchg_64(r1 + 0, r2)`",
                );
            }
            first
        };
        self.expect_op(")")?;
        for r in [dst, first, src] {
            if r.width != want_width {
                return self.err_at(
                    r.col,
                    format!(
                        "`{name}` takes `{}` registers",
                        if size == Size::W { "w" } else { "r" }
                    ),
                );
            }
        }
        Ok(Insn::Atomic {
            size,
            op: if cmp {
                AtomicOp::CmpXchg
            } else {
                AtomicOp::Xchg
            },
            dst: base,
            src: src.reg,
            off,
        })
    }
}

/// `r0`..`r10` and `w0`..`w10`.
pub fn parse_reg(s: &str) -> Option<(Reg, Width)> {
    let width = match s.as_bytes().first()? {
        b'r' => Width::W64,
        b'w' => Width::W32,
        _ => return None,
    };
    let digits = &s[1..];
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() == 2 && digits.starts_with('0') {
        return None;
    }
    Some((Reg::new(digits.parse().ok()?)?, width))
}

fn parse_type(s: &str) -> Option<(Size, bool)> {
    Some(match s {
        "u8" => (Size::B, false),
        "u16" => (Size::H, false),
        "u32" => (Size::W, false),
        "u64" => (Size::DW, false),
        "s8" => (Size::B, true),
        "s16" => (Size::H, true),
        "s32" => (Size::W, true),
        _ => return None,
    })
}

/// A 32-bit immediate written signed (-2^31..2^31) or unsigned (..2^32).
fn to_imm32(n: i128) -> Option<i32> {
    if (i32::MIN as i128..=u32::MAX as i128).contains(&n) {
        Some(n as u32 as i32)
    } else {
        None
    }
}

/// A 64-bit immediate written signed or unsigned.
fn to_imm64(n: i128) -> Option<i64> {
    if (i64::MIN as i128..=u64::MAX as i128).contains(&n) {
        Some(n as u64 as i64)
    } else {
        None
    }
}
