//! A generator of random, mostly valid eBPF programs, for differential
//! testing against Linux and for fuzzing the verifier (it must never
//! panic, whatever it is given).
//!
//! Programs are built from snippets a real program would contain (context
//! loads, packet bounds checks and loads, map lookups with NULL checks,
//! stack spills and fills, arithmetic, forward branches, small counted
//! loops, helper calls), then a few random mutations break some of them
//! (an offset past a checked range, a dropped NULL check, a wrong
//! register, ...). Everything is derived from a seed: the same seed gives
//! the same program.

use super::platform::maps::{MapDef, MapType};
use super::platform::prog_type::{AttachType, ProgKind, ProgType};
use super::program::Program;
use crate::isa::{AluOp, CallTarget, Insn, JmpCond, Operand, Pseudo, Reg, Size, Width};

/// A small deterministic random number generator (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with probability `p` percent.
    pub fn chance(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// Index of the array map (key 4, value 48) in generated programs.
pub const ARRAY_MAP: usize = 0;
/// Index of the hash map (key 8, value 8).
pub const HASH_MAP: usize = 1;

fn r(n: u8) -> Reg {
    Reg::new(n).unwrap_or(Reg::R0)
}

fn mov(dst: Reg, imm: i32) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst,
        src: Operand::Imm(imm),
    }
}

fn mov_reg(dst: Reg, src: Reg) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst,
        src: Operand::Reg(src),
    }
}

fn add(dst: Reg, imm: i32) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op: AluOp::Add,
        dst,
        src: Operand::Imm(imm),
    }
}

fn load(size: Size, dst: Reg, src: Reg, off: i16) -> Insn {
    Insn::Load {
        size,
        dst,
        src,
        off,
    }
}

/// A forward jump placeholder: patched once the snippet knows its length.
fn jmp(cond: JmpCond, dst: Reg, src: Operand, off: i16) -> Insn {
    Insn::Jmp {
        width: Width::W64,
        cond,
        dst,
        src,
        off,
    }
}

struct Gen<'a> {
    rng: &'a mut Rng,
    kind: ProgKind,
    out: Vec<Insn>,
    /// Registers r6..r9 that hold a scalar.
    scalars: Vec<Reg>,
    /// Stack slots (offsets) that have been written.
    stack_written: Vec<i16>,
    /// Whether r6 holds the context.
    ctx_in_r6: bool,
}

impl Gen<'_> {
    fn emit(&mut self, i: Insn) {
        self.out.push(i);
    }

    fn scratch_scalar(&mut self) -> Reg {
        if self.scalars.is_empty() || self.rng.chance(30) {
            let reg = r(6 + self.rng.below(4) as u8);
            if reg == Reg::R6 && self.ctx_in_r6 {
                return Reg::R7;
            }
            return reg;
        }
        self.rng.pick(&self.scalars)
    }

    fn set_scalar(&mut self, reg: Reg) {
        if !self.scalars.contains(&reg) {
            self.scalars.push(reg);
        }
        if reg == Reg::R6 {
            self.ctx_in_r6 = false;
        }
    }

    fn packet(&self) -> bool {
        matches!(
            self.kind.prog_type,
            ProgType::SchedCls | ProgType::Xdp | ProgType::CgroupSkb
        )
    }

    /// Offsets of data / data_end in the context.
    fn data_offsets(&self) -> (i16, i16) {
        match self.kind.prog_type {
            ProgType::Xdp => (0, 4),
            _ => (76, 80),
        }
    }

    fn snippet(&mut self) {
        match self.rng.below(9) {
            0 => self.ctx_load(),
            1 if self.packet() => self.packet_read(),
            1 | 2 => self.map_lookup(),
            3 => self.stack_roundtrip(),
            4 => self.arith(),
            5 => self.branch(),
            6 => self.counted_loop(),
            7 => self.helper(),
            _ => self.arith(),
        }
    }

    fn ctx_base(&mut self) -> Reg {
        if self.ctx_in_r6 {
            Reg::R6
        } else {
            Reg::R1
        }
    }

    fn ctx_load(&mut self) {
        let dst = self.scratch_scalar();
        let base = self.ctx_base();
        let off = match self.kind.prog_type {
            ProgType::Xdp => self.rng.pick(&[12i16, 16, 12, 20]),
            _ => self.rng.pick(&[0i16, 4, 8, 16, 32, 40, 48, 68]),
        };
        self.emit(load(Size::W, dst, base, off));
        self.set_scalar(dst);
    }

    fn packet_read(&mut self) {
        let base = self.ctx_base();
        let (d, e) = self.data_offsets();
        let checked = self.rng.below(64) as i32 + 1;
        let size = self.rng.pick(&[Size::B, Size::H, Size::W, Size::DW]);
        // usually inside the checked range, sometimes past it
        let max_off = (checked - size.bytes() as i32).max(0);
        let off = if self.rng.chance(85) {
            self.rng.below(max_off as u64 + 1) as i16
        } else {
            (checked + self.rng.below(4) as i32) as i16
        };
        let dst = self.scratch_scalar();
        let body = [
            load(Size::W, Reg::R2, base, d),
            load(Size::W, Reg::R3, base, e),
            mov_reg(Reg::R4, Reg::R2),
            add(Reg::R4, checked),
            jmp(JmpCond::Gt, Reg::R4, Operand::Reg(Reg::R3), 1),
            load(size, dst, Reg::R2, off),
        ];
        for i in body {
            self.emit(i);
        }
        self.set_scalar(dst);
    }

    fn map_lookup(&mut self) {
        let (map, key_size, value_size) = if self.rng.chance(50) {
            (ARRAY_MAP, 4, 48)
        } else {
            (HASH_MAP, 8, 8)
        };
        let key_off: i16 = -8;
        let key = self.rng.below(3) as i32;
        let size = if key_size == 4 { Size::W } else { Size::DW };
        self.emit(Insn::StoreImm {
            size,
            dst: Reg::R10,
            off: key_off,
            imm: key,
        });
        self.stack_written.push(key_off);
        self.emit(Insn::LdPseudo {
            dst: Reg::R1,
            kind: Pseudo::MapFd,
            imm: map as i32,
            imm2: 0,
        });
        self.emit(mov_reg(Reg::R2, Reg::R10));
        self.emit(add(Reg::R2, key_off as i32));
        self.emit(Insn::Call(CallTarget::Helper(1)));
        let size = self.rng.pick(&[Size::W, Size::DW]);
        let off = if self.rng.chance(85) {
            (self.rng.below((value_size - size.bytes() + 1) as u64) as i16)
                & !(size.bytes() as i16 - 1)
        } else {
            value_size as i16
        };
        let dst = self.scratch_scalar();
        if self.rng.chance(90) {
            self.emit(jmp(JmpCond::Eq, Reg::R0, Operand::Imm(0), 1));
        }
        if self.rng.chance(50) {
            self.emit(load(size, dst, Reg::R0, off));
            self.set_scalar(dst);
        } else {
            self.emit(Insn::Store {
                size,
                dst: Reg::R0,
                off,
                src: Reg::R10,
            });
            // (a pointer store into a map value: the kernel allows it for
            // privileged loaders)
        }
    }

    fn stack_roundtrip(&mut self) {
        let slot = -8 * (1 + self.rng.below(8) as i16);
        let src = self.scratch_scalar();
        if !self.scalars.contains(&src) {
            let v = self.rng.next_u64() as i32;
            self.emit(mov(src, v));
            self.set_scalar(src);
        }
        let size = self.rng.pick(&[Size::B, Size::H, Size::W, Size::DW]);
        let off = if self.rng.chance(90) {
            slot
        } else {
            slot + self.rng.below(8) as i16
        };
        if self.rng.chance(85) {
            self.emit(Insn::Store {
                size,
                dst: Reg::R10,
                off,
                src,
            });
            self.stack_written.push(off);
        }
        let dst = self.scratch_scalar();
        self.emit(load(size, dst, Reg::R10, off));
        self.set_scalar(dst);
    }

    fn arith(&mut self) {
        let dst = self.scratch_scalar();
        if !self.scalars.contains(&dst) {
            let v = self.rng.below(1000) as i32;
            self.emit(mov(dst, v));
            self.set_scalar(dst);
        }
        let op = self.rng.pick(&[
            AluOp::Add,
            AluOp::Sub,
            AluOp::Mul,
            AluOp::And,
            AluOp::Or,
            AluOp::Xor,
            AluOp::Lsh,
            AluOp::Rsh,
            AluOp::Arsh,
            AluOp::Div,
            AluOp::Mod,
        ]);
        let width = if self.rng.chance(30) {
            Width::W32
        } else {
            Width::W64
        };
        let src = if self.rng.chance(50) && !self.scalars.is_empty() {
            Operand::Reg(self.rng.pick(&self.scalars))
        } else {
            let imm = match op {
                AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => self.rng.below(32) as i32,
                AluOp::Div | AluOp::Mod => 1 + self.rng.below(100) as i32,
                _ => self.rng.next_u64() as i32 % 5000,
            };
            Operand::Imm(imm)
        };
        self.emit(Insn::Alu {
            width,
            op,
            dst,
            src,
        });
    }

    fn branch(&mut self) {
        if self.scalars.is_empty() {
            return self.arith();
        }
        let dst = self.rng.pick(&self.scalars);
        let cond = self.rng.pick(&JmpCond::ALL);
        let skip = 1 + self.rng.below(3) as i16;
        let imm = self.rng.below(200) as i32;
        self.emit(jmp(cond, dst, Operand::Imm(imm), skip));
        for _ in 0..skip {
            let v = self.rng.below(100) as i32;
            self.emit(mov(Reg::R0, v));
        }
    }

    fn counted_loop(&mut self) {
        let n = 1 + self.rng.below(12) as i32;
        let counter = Reg::R9;
        self.emit(mov(counter, n));
        // loop: r0 += counter; counter -= 1; if counter != 0 goto loop
        self.emit(Insn::Alu {
            width: Width::W64,
            op: AluOp::Add,
            dst: Reg::R0,
            src: Operand::Reg(counter),
        });
        self.emit(add(counter, -1));
        self.emit(jmp(JmpCond::Ne, counter, Operand::Imm(0), -3));
        self.set_scalar(counter);
    }

    fn helper(&mut self) {
        let id = self.rng.pick(&[5, 7, 8, 14]);
        self.emit(Insn::Call(CallTarget::Helper(id)));
        if self.rng.chance(50) {
            let dst = self.scratch_scalar();
            self.emit(mov_reg(dst, Reg::R0));
            self.set_scalar(dst);
        }
    }

    /// Small random changes that may make the program invalid.
    fn mutate(&mut self) {
        let n = self.out.len();
        if n == 0 {
            return;
        }
        for _ in 0..self.rng.below(3) {
            let i = self.rng.below(n as u64) as usize;
            let delta = self.rng.pick(&[-8i16, -4, -1, 1, 2, 4, 8]);
            self.out[i] = match self.out[i] {
                Insn::Load {
                    size,
                    dst,
                    src,
                    off,
                } => Insn::Load {
                    size,
                    dst,
                    src,
                    off: off.wrapping_add(delta),
                },
                Insn::Store {
                    size,
                    dst,
                    off,
                    src,
                } => Insn::Store {
                    size,
                    dst,
                    off: off.wrapping_add(delta),
                    src,
                },
                Insn::Jmp {
                    width,
                    dst,
                    src,
                    off,
                    ..
                } if off > 0 => Insn::Jmp {
                    width,
                    cond: self.rng.pick(&JmpCond::ALL),
                    dst,
                    src,
                    off,
                },
                Insn::Alu { width, op, src, .. } if op != AluOp::Mov => Insn::Alu {
                    width,
                    op,
                    dst: r(self.rng.below(10) as u8),
                    src,
                },
                other => other,
            };
        }
    }
}

/// A random program and the maps it uses (an array map `(4, 48, 1)` and a
/// hash map `(8, 8, 1)`). `ld_imm64` map loads carry the map index in
/// `imm`; a loader replaces it with a descriptor.
pub fn random_program(seed: u64) -> Program {
    let mut rng = Rng::new(seed);
    let kind = match rng.below(4) {
        0 => ProgKind::new(ProgType::SocketFilter, AttachType::NONE),
        1 => ProgKind::new(ProgType::SchedCls, AttachType::NONE),
        2 => ProgKind::new(ProgType::Xdp, AttachType::XDP),
        _ => ProgKind::new(ProgType::CgroupSkb, AttachType::CGROUP_INET_INGRESS),
    };
    let mut g = Gen {
        rng: &mut rng,
        kind,
        out: Vec::new(),
        scalars: Vec::new(),
        stack_written: Vec::new(),
        ctx_in_r6: false,
    };
    if g.rng.chance(80) {
        g.emit(mov_reg(Reg::R6, Reg::R1));
        g.ctx_in_r6 = true;
    }
    g.emit(mov(Reg::R0, 0));
    let snippets = 1 + g.rng.below(12);
    for _ in 0..snippets {
        g.snippet();
    }
    if g.rng.chance(50) {
        g.mutate();
    }
    let ret = if kind.prog_type == ProgType::CgroupSkb {
        g.rng.below(2) as i32
    } else {
        g.rng.below(3) as i32
    };
    g.emit(mov(Reg::R0, ret));
    g.emit(Insn::Exit);
    let mut prog = Program::from_insns(format!("random_{seed}"), kind, std::mem::take(&mut g.out));
    prog.maps = vec![
        MapDef::new("array", MapType::ARRAY, 4, 48, 1),
        MapDef::new("hash", MapType::HASH, 8, 8, 1),
    ];
    let refs: Vec<(usize, usize)> = prog
        .insns
        .iter()
        .filter_map(|(slot, i)| match i {
            Insn::LdPseudo {
                kind: Pseudo::MapFd,
                imm,
                ..
            } => Some((*slot, *imm as usize)),
            _ => None,
        })
        .collect();
    prog.map_refs.extend(refs);
    prog
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{verify_program, Options, Platform};

    #[test]
    fn deterministic_and_mostly_valid() {
        let a = random_program(7);
        let b = random_program(7);
        assert_eq!(a.insns, b.insns);
        let platform = Platform::linux();
        let accepted = (0..200)
            .filter(|s| {
                verify_program(
                    &random_program(*s),
                    &platform,
                    &Options::kernel_privileged(),
                )
                .accepted()
            })
            .count();
        assert!(
            accepted > 40,
            "only {accepted} of 200 random programs verify"
        );
        assert!(accepted < 200, "mutations should break some programs");
    }
}
