//! Fuzz targets: plain functions from arbitrary bytes to a run, so that
//! `cargo test` (bounded, `runtime/tests/vm_fuzz.rs`) and any external
//! fuzzer (unbounded) exercise the same code.
//!
//! * [`raw_program`]: the bytes are an eBPF program (decoded with the
//!   ISA's decoder), run on raw memory.
//! * [`structured_program`]: the bytes choose well-typed instructions —
//!   including pointer-ish constants, map references, helper and local
//!   calls and jumps that land inside the program — and an input (raw
//!   memory, an XDP or tc frame, a socket address). Unlike random bytes,
//!   these programs get deep into the memory model.
//!
//! What they check: nothing panics, every failure is a typed error, and a
//! second run of an identical VM on identical input gives the identical
//! result, map contents and trace ([`FuzzOutcome::Diverged`] otherwise).

use palisade_verifier::isa::{
    decode_program, AluOp, AtomicOp, CallTarget, EndianOp, Insn, JmpCond, Operand, Pseudo, Reg,
    Size, Width,
};
use palisade_verifier::object::maps::map_type;

use super::{
    Frame, LoadError, MapDef, Maps, PacketHook, RunResult, SockAddr, Vm, VmConfig, VmError,
};

/// What one fuzz input did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FuzzOutcome {
    /// The bytes are not a program (decoding failed).
    NotAProgram,
    /// The program was refused by [`super::Program::new`].
    Refused(LoadError),
    /// It ran to an `exit` or to a typed fault.
    Ran(Result<RunResult, VmError>),
    /// Two identical runs disagreed (a bug in the VM).
    Diverged(String),
}

/// The instruction budget of fuzz runs (small, so runs are quick).
pub const FUZZ_MAX_INSTRUCTIONS: u64 = 5_000;

/// Reads bytes as a stream of choices; past the end every choice is 0.
struct Choices<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Choices<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.u8() as usize % n
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn reg(&mut self) -> Reg {
        // Bias towards r0..r3 and r10, where pointers usually are.
        let n = match self.below(16) {
            0..=8 => self.below(4) as u8,
            9 | 10 => 10,
            _ => self.below(11) as u8,
        };
        Reg::new(n).unwrap_or(Reg::R0)
    }

    fn imm(&mut self) -> i32 {
        match self.below(6) {
            0 => self.below(64) as i32 - 8,
            1 => self.pick(&[0, 1, -1, i32::MIN, i32::MAX, 0xff, 0xffff, 14, 34, 60]),
            _ => self.u32() as i32,
        }
    }

    fn off(&mut self) -> i16 {
        match self.below(4) {
            0 => -(self.below(520) as i16),
            1 => self.below(200) as i16,
            _ => self.u16() as i16,
        }
    }

    fn size(&mut self) -> Size {
        self.pick(&Size::ALL)
    }

    fn width(&mut self) -> Width {
        if self.u8() & 1 == 0 {
            Width::W64
        } else {
            Width::W32
        }
    }

    fn operand(&mut self) -> Operand {
        if self.u8() & 1 == 0 {
            Operand::Reg(self.reg())
        } else {
            Operand::Imm(self.imm())
        }
    }
}

/// The maps every fuzz program can reference (`map_fd` 0..=4).
fn fuzz_maps() -> Maps {
    let mut maps = Maps::new();
    let defs = [
        ("array", map_type::ARRAY, 4, 8, 4),
        ("hash", map_type::HASH, 4, 8, 8),
        ("lpm", map_type::LPM_TRIE, 8, 4, 8),
        ("events", map_type::RINGBUF, 0, 0, 256),
        ("perf", map_type::PERF_EVENT_ARRAY, 4, 4, 1),
    ];
    for (name, map_type, key_size, value_size, max_entries) in defs {
        let def = MapDef {
            map_type,
            key_size,
            value_size,
            max_entries,
            ..MapDef::default()
        };
        // The definitions above are valid; a failure would only lose a map.
        let _ = maps.create(name, &def);
    }
    maps
}

fn fuzz_config() -> VmConfig {
    VmConfig {
        max_instructions: FUZZ_MAX_INSTRUCTIONS,
        may_goto_budget: 16,
        ..VmConfig::default()
    }
}

/// One instruction of a program of `n`, and the instruction index it
/// transfers control to, if any (made a slot offset by [`fix_targets`]).
fn insn(c: &mut Choices<'_>, n: usize) -> (Insn, Option<usize>) {
    let target = |c: &mut Choices<'_>| Some(c.below(n + 1));
    let plain = |insn| (insn, None);
    match c.below(20) {
        0..=4 => plain(Insn::Alu {
            width: c.width(),
            op: c.pick(&AluOp::ALL),
            dst: c.reg(),
            src: c.operand(),
        }),
        5 => plain(match c.below(3) {
            0 => Insn::Neg {
                width: c.width(),
                dst: c.reg(),
            },
            1 => Insn::MovSx {
                width: c.width(),
                dst: c.reg(),
                src: c.reg(),
                from: c.size(),
            },
            _ => Insn::Endian {
                op: c.pick(&[EndianOp::ToLe, EndianOp::ToBe, EndianOp::Swap]),
                bits: c.pick(&[16, 32, 64]),
                dst: c.reg(),
            },
        }),
        6 | 7 => plain(Insn::Load {
            size: c.size(),
            dst: c.reg(),
            src: c.reg(),
            off: c.off(),
        }),
        8 => plain(Insn::LoadSx {
            size: c.pick(&[Size::B, Size::H, Size::W]),
            dst: c.reg(),
            src: c.reg(),
            off: c.off(),
        }),
        9 => plain(Insn::Store {
            size: c.size(),
            dst: c.reg(),
            off: c.off(),
            src: c.reg(),
        }),
        10 => plain(Insn::StoreImm {
            size: c.size(),
            dst: c.reg(),
            off: c.off(),
            imm: c.imm(),
        }),
        11 => plain(Insn::Atomic {
            size: c.pick(&[Size::W, Size::DW]),
            op: c.pick(&[
                AtomicOp::Add { fetch: false },
                AtomicOp::Or { fetch: true },
                AtomicOp::And { fetch: false },
                AtomicOp::Xor { fetch: true },
                AtomicOp::Xchg,
                AtomicOp::CmpXchg,
            ]),
            dst: c.reg(),
            src: c.reg(),
            off: c.off(),
        }),
        12 | 13 => (
            Insn::Jmp {
                width: c.width(),
                cond: c.pick(&JmpCond::ALL),
                dst: c.reg(),
                src: c.operand(),
                off: 0,
            },
            target(c),
        ),
        14 => {
            let insn = match c.below(3) {
                0 => Insn::Ja { off: 0 },
                1 => Insn::MayGoto { off: 0 },
                _ => Insn::JaLong { imm: 0 },
            };
            (insn, target(c))
        }
        15 => plain(Insn::Call(CallTarget::Helper(c.pick(&[
            1, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 25, 26, 28, 130, 131, 132, 133, 12, 999,
        ])))),
        16 => (Insn::Call(CallTarget::Local(0)), target(c)),
        17 => {
            let value = c.u8() & 1 == 0;
            plain(Insn::LdPseudo {
                dst: c.reg(),
                kind: if value {
                    Pseudo::MapValue
                } else {
                    Pseudo::MapFd
                },
                imm: if value { 0 } else { c.below(5) as i32 },
                imm2: if value { c.below(8) as i32 } else { 0 },
            })
        }
        18 => plain(Insn::LdImm64 {
            dst: c.reg(),
            imm: c.pick(&[
                0x2_0000_0100u64 as i64,
                0x20_0000_0000,
                0x22_0000_0000,
                0x24_0000_0004,
                0x1000_0000_0000,
                0x1002_0000_0008,
                0x2000_0000_0000,
                0x3000_0000_0001,
                -1,
            ]),
        }),
        _ => plain(Insn::Exit),
    }
}

/// Turns instruction-index targets into slot offsets (the encoding's
/// unit, which differs once an `ld_imm64` takes two slots).
fn fix_targets(program: Vec<(Insn, Option<usize>)>) -> Vec<Insn> {
    let mut slot_of = Vec::with_capacity(program.len() + 1);
    let mut slot = 0i64;
    for (insn, _) in &program {
        slot_of.push(slot);
        slot += insn.slots() as i64;
    }
    slot_of.push(slot);
    program
        .iter()
        .enumerate()
        .map(|(i, &(insn, target))| {
            let Some(t) = target else { return insn };
            let rel = slot_of[t] - (slot_of[i] + 1);
            match insn {
                Insn::Jmp {
                    width,
                    cond,
                    dst,
                    src,
                    ..
                } => Insn::Jmp {
                    width,
                    cond,
                    dst,
                    src,
                    off: rel as i16,
                },
                Insn::Ja { .. } => Insn::Ja { off: rel as i16 },
                Insn::MayGoto { .. } => Insn::MayGoto { off: rel as i16 },
                Insn::JaLong { .. } => Insn::JaLong { imm: rel as i32 },
                Insn::Call(CallTarget::Local(_)) => Insn::Call(CallTarget::Local(rel as i32)),
                other => other,
            }
        })
        .collect()
}

/// The input a fuzz program runs on.
enum FuzzInput {
    Mem(Vec<u8>),
    Packet(PacketHook, Frame),
    SockAddr(SockAddr),
}

fn run_input(vm: &mut Vm, input: &mut FuzzInput) -> Result<RunResult, VmError> {
    match input {
        FuzzInput::Mem(m) => vm.run_mem(m),
        FuzzInput::Packet(hook, frame) => vm.run_packet(*hook, frame),
        FuzzInput::SockAddr(sa) => vm.run_sock_addr(sa),
    }
}

/// Runs a prepared VM twice (on clones) and checks both runs agree.
fn run_twice(vm: Vm, input: FuzzInput) -> FuzzOutcome {
    let mut a = vm.clone();
    let mut b = vm;
    let (mut in_a, mut in_b) = match &input {
        FuzzInput::Mem(m) => (FuzzInput::Mem(m.clone()), FuzzInput::Mem(m.clone())),
        FuzzInput::Packet(h, f) => (
            FuzzInput::Packet(*h, f.clone()),
            FuzzInput::Packet(*h, f.clone()),
        ),
        FuzzInput::SockAddr(s) => (FuzzInput::SockAddr(*s), FuzzInput::SockAddr(*s)),
    };
    let ra = run_input(&mut a, &mut in_a);
    let rb = run_input(&mut b, &mut in_b);
    let same_maps = a
        .maps()
        .iter()
        .zip(b.maps().iter())
        .all(|((_, x), (_, y))| x.entries() == y.entries() && x.records() == y.records());
    if ra != rb || !same_maps || a.env().trace() != b.env().trace() {
        return FuzzOutcome::Diverged(format!("{ra:?} vs {rb:?}"));
    }
    FuzzOutcome::Ran(ra)
}

/// Fuzz target: `data` is an eBPF program in bytes, run on 64 bytes of
/// input memory.
pub fn raw_program(data: &[u8]) -> FuzzOutcome {
    let Ok(decoded) = decode_program(data) else {
        return FuzzOutcome::NotAProgram;
    };
    let insns: Vec<Insn> = decoded.into_iter().map(|(_, i)| i).collect();
    match Vm::with_config(&insns, fuzz_maps(), fuzz_config()) {
        Ok(vm) => run_twice(vm, FuzzInput::Mem((0..64).collect())),
        Err(e) => FuzzOutcome::Refused(e),
    }
}

/// The typed program `data` chooses (its jumps and calls land inside it),
/// and how many bytes of `data` the choice used.
pub fn typed_program(data: &[u8]) -> (Vec<Insn>, usize) {
    let mut c = Choices { data, pos: 0 };
    let n = 1 + c.below(40);
    let mut program: Vec<(Insn, Option<usize>)> = (0..n).map(|_| insn(&mut c, n)).collect();
    program.push((Insn::Exit, None));
    (fix_targets(program), c.pos)
}

/// Fuzz target: `data` chooses a typed program and its input.
pub fn structured_program(data: &[u8]) -> FuzzOutcome {
    let (insns, used) = typed_program(data);
    let mut c = Choices { data, pos: used };
    let rest: Vec<u8> = data.get(c.pos..).unwrap_or(&[]).to_vec();
    let input = match c.below(4) {
        0 => FuzzInput::Mem(rest),
        1 => FuzzInput::Packet(PacketHook::Xdp, Frame::new(rest)),
        2 => FuzzInput::Packet(PacketHook::Tc, Frame::new(rest)),
        _ => {
            let ip = std::net::Ipv4Addr::from(c.u32());
            FuzzInput::SockAddr(SockAddr::tcp((ip, c.u16()).into()))
        }
    };
    match Vm::with_config(&insns, fuzz_maps(), fuzz_config()) {
        Ok(vm) => run_twice(vm, input),
        Err(e) => FuzzOutcome::Refused(e),
    }
}
