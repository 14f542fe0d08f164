//! The userspace eBPF VM: runs any eBPF program (Palisade's policies,
//! clang-built objects, the bpf_conformance suite) without root.
//!
//! ```text
//!   [Insn] + Maps ──Program::new──▶ Vm ──run_packet / run_sock_addr / run_mem──▶ RunResult { r0, .. }
//!   object bytes ──loader::load_object──▶ LoadedProgram { vm, hook, .. }
//!   object bytes ──loader::load_all──▶ LoadedObject { vm (all programs, shared maps), programs }
//! ```
//!
//! Modules, one job each:
//! * [`program`]: preparation (jump targets, map references) — once;
//! * `interp`: the interpreter loop over typed [`Insn`]s;
//! * `alu`: the arithmetic (pure functions);
//! * [`memory`]: the tagged address space and every bounds check;
//! * [`ctx`]: `__sk_buff`, `xdp_md`, `bpf_sock_addr` emulation;
//! * [`maps`]: array, hash, LRU hash, LPM trie, ring buffer, perf events;
//! * `helpers` (+ `printk`, `csum`): the helper functions;
//! * `env`: the fake clock, seeded PRNG and captured trace output ([`Env`], [`VmConfig`]);
//! * [`loader`]: object file -> ready VM;
//! * [`fuzz`]: fuzz targets that `cargo test` runs a bounded number of times.
//!
//! Guarantees (tested in `runtime/tests/vm_*.rs`):
//! * Semantics are RFC 9669 plus Linux: every instruction of the typed ISA
//!   except arena casts, kfunc calls and BTF-id loads, which fault with
//!   [`VmErrorKind::Unsupported`]. All 313 bpf_conformance programs give
//!   their expected `r0`.
//! * Memory safety by construction: a program reaches only the regions of
//!   [`memory`]; an out-of-bounds or unmapped access is a [`VmError`] with
//!   the instruction and the reason, never undefined behaviour or a panic,
//!   for any program, verified or not.
//! * Runs end: at most [`VmConfig::max_instructions`] instructions.
//! * Determinism: same program, maps, input and config give the same
//!   result, the same map contents and the same trace.
//!
//! ```
//! use palisade_runtime::vm::{Frame, Maps, PacketHook, Vm};
//! use palisade_verifier::isa::text::assemble_insns;
//!
//! // An XDP program: drop frames shorter than 60 bytes.
//! let insns = assemble_insns(
//!     "r2 = *(u32 *)(r1 + 0x0)\n r3 = *(u32 *)(r1 + 0x4)\n r2 += 60\n\
//!      r0 = 1\n if r2 > r3 goto +1\n r0 = 2\n exit",
//! )
//! .unwrap();
//! let mut vm = Vm::new(&insns, Maps::new()).unwrap();
//! let result = vm.run_packet(PacketHook::Xdp, &mut Frame::new(vec![0u8; 64])).unwrap();
//! assert_eq!(result.r0, 2); // XDP_PASS
//! assert_eq!(PacketHook::Xdp.verdict_name(result.r0), Some("XDP_PASS"));
//! ```

mod alu;
mod csum;
pub mod ctx;
pub mod env;
pub mod error;
pub mod fuzz;
mod helpers;
mod interp;
pub mod loader;
pub mod maps;
pub mod memory;
mod printk;
pub mod program;

use palisade_verifier::isa::Insn;

pub use ctx::{Frame, PacketHook, SockAddr};
pub use env::{Env, VmConfig};
pub use error::{LoadError, VmError, VmErrorKind};
pub use loader::{
    load_all, load_object, Hook, LoadedObject, LoadedProgram, ObjectLoadError, ObjectProgram,
};
pub use maps::{Map, MapDef, MapError, MapId, MapKind, Maps};
pub use memory::Region;
pub use program::Program;

use ctx::{CtxLayout, CTX_MAX, NO_CTX, SOCK_SIZE};
use interp::Machine;
use memory::{Memory, CTX_TAG, INPUT_TAG, MAX_FRAMES, STACK_SIZE};

/// The result of a run that reached `exit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RunResult {
    /// The program's return value.
    pub r0: u64,
    /// Instructions executed (an `ld_imm64` counts once).
    pub instructions: u64,
}

/// The number of a program in a [`Vm`], in the order programs were added
/// (the program given to [`Vm::new`] is `ProgramId(0)`). Prints as `prog0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProgramId(pub usize);

impl std::fmt::Display for ProgramId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "prog{}", self.0)
    }
}

/// Programs with their maps and environment, ready to run many times.
///
/// All programs of a VM share its maps, clock and trace, like the programs
/// of one object loaded into the kernel. `run_*` run program 0; `run_*_on`
/// run any program.
#[derive(Clone, Debug)]
pub struct Vm {
    programs: Vec<Program>,
    maps: Maps,
    config: VmConfig,
    env: Env,
    stack: Vec<u8>,
    ctx: [u8; CTX_MAX],
    sock: [u8; SOCK_SIZE],
    scratch: Vec<u8>,
}

impl Vm {
    /// Prepares `insns` (in slot order) with `maps` and the default
    /// configuration. Map references in the program (`ld_imm64` map
    /// fd/index) are numbers into `maps`.
    pub fn new(insns: &[Insn], maps: Maps) -> Result<Vm, LoadError> {
        Vm::with_config(insns, maps, VmConfig::default())
    }

    /// Like [`Vm::new`], with a configuration.
    pub fn with_config(insns: &[Insn], maps: Maps, config: VmConfig) -> Result<Vm, LoadError> {
        let mut vm = Vm::with_maps(maps, config);
        vm.add_program(insns)?;
        Ok(vm)
    }

    /// A VM with maps and no program yet (see [`Vm::add_program`]).
    pub fn with_maps(maps: Maps, config: VmConfig) -> Vm {
        Vm {
            programs: Vec::new(),
            maps,
            env: Env::new(&config),
            config,
            stack: vec![0; MAX_FRAMES * STACK_SIZE],
            ctx: [0; CTX_MAX],
            sock: [0; SOCK_SIZE],
            scratch: Vec::with_capacity(64),
        }
    }

    /// Adds a program that shares this VM's maps.
    pub fn add_program(&mut self, insns: &[Insn]) -> Result<ProgramId, LoadError> {
        let program = Program::new(insns, &self.maps)?;
        self.programs.push(program);
        Ok(ProgramId(self.programs.len() - 1))
    }

    /// The prepared programs, by [`ProgramId`].
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    pub fn maps(&self) -> &Maps {
        &self.maps
    }

    /// The maps, to fill or inspect between runs.
    pub fn maps_mut(&mut self) -> &mut Maps {
        &mut self.maps
    }

    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The environment (clock, trace output) between runs.
    pub fn env_mut(&mut self) -> &mut Env {
        &mut self.env
    }

    pub fn config(&self) -> &VmConfig {
        &self.config
    }

    /// Runs program 0 with raw input memory: `r1` points at `mem`, `r2`
    /// is its length (the bpf_conformance `-- mem` convention). Writes to
    /// the memory are visible in `mem` afterwards.
    pub fn run_mem(&mut self, mem: &mut [u8]) -> Result<RunResult, VmError> {
        self.run_mem_on(ProgramId(0), mem)
    }

    /// Runs program 0 on a packet: `r1` points at the `__sk_buff` or
    /// `xdp_md` of `hook`, built from `frame`. Afterwards `frame` holds the
    /// packet as the program left it and the context fields it may write
    /// (`mark`, `priority`, `cb`, ...).
    pub fn run_packet(
        &mut self,
        hook: PacketHook,
        frame: &mut Frame,
    ) -> Result<RunResult, VmError> {
        self.run_packet_on(ProgramId(0), hook, frame)
    }

    /// Runs program 0 as a cgroup socket-address program (`connect4`,
    /// `connect6`, ...): `r1` points at the `bpf_sock_addr` of `addr`.
    /// Afterwards `addr.addr` holds the address the program rewrote it to
    /// (or the original).
    pub fn run_sock_addr(&mut self, addr: &mut SockAddr) -> Result<RunResult, VmError> {
        self.run_sock_addr_on(ProgramId(0), addr)
    }

    /// [`Vm::run_mem`] for any program.
    pub fn run_mem_on(&mut self, program: ProgramId, mem: &mut [u8]) -> Result<RunResult, VmError> {
        let len = u32::try_from(mem.len()).map_err(|_| {
            self.refused(program, VmErrorKind::Unsupported("input of 4 GiB or more"))
        })?;
        let r1 = memory::addr(INPUT_TAG, 0);
        self.execute(
            program,
            &NO_CTX,
            None,
            (&mut [], 0),
            mem,
            r1,
            u64::from(len),
        )
    }

    /// [`Vm::run_packet`] for any program.
    pub fn run_packet_on(
        &mut self,
        program: ProgramId,
        hook: PacketHook,
        frame: &mut Frame,
    ) -> Result<RunResult, VmError> {
        if u32::try_from(frame.data.len()).is_err() {
            return Err(self.refused(program, VmErrorKind::Unsupported("input of 4 GiB or more")));
        }
        let layout = hook.layout();
        let size = layout.size as usize;
        frame.write_ctx(hook, &mut self.ctx[..size]);
        let ctx = memory::addr(CTX_TAG, 0);
        let data_off = hook.data_offset(frame.data.len());
        let result = self.execute(
            program,
            layout,
            Some(hook),
            (&mut frame.data, data_off),
            &mut [],
            ctx,
            0,
        );
        frame.read_back(hook, &self.ctx[..size]);
        result
    }

    /// [`Vm::run_sock_addr`] for any program.
    pub fn run_sock_addr_on(
        &mut self,
        program: ProgramId,
        addr: &mut SockAddr,
    ) -> Result<RunResult, VmError> {
        let layout = addr.layout();
        let size = layout.size as usize;
        addr.write_ctx(&mut self.ctx[..size], &mut self.sock);
        let ctx = memory::addr(CTX_TAG, 0);
        let result = self.execute(program, layout, None, (&mut [], 0), &mut [], ctx, 0);
        addr.read_back(&self.ctx[..size]);
        result
    }

    /// An error before the first instruction runs.
    fn refused(&self, program: ProgramId, kind: VmErrorKind) -> VmError {
        let first = self.programs.get(program.0).and_then(|p| p.insns.first());
        VmError {
            slot: 0,
            insn: first.copied().unwrap_or(Insn::Exit),
            kind,
        }
    }

    /// One run of `program` over the given regions, starting with `r1`,
    /// `r2`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the regions of one run, passed once"
    )]
    fn execute(
        &mut self,
        program: ProgramId,
        layout: &'static CtxLayout,
        hook: Option<PacketHook>,
        (frame, data_off): (&mut [u8], usize),
        input: &mut [u8],
        r1: u64,
        r2: u64,
    ) -> Result<RunResult, VmError> {
        // Frame 0's stack starts zeroed; callee frames are zeroed on entry.
        if let Some(frame0) = self.stack.get_mut(..STACK_SIZE) {
            frame0.fill(0);
        }
        let Some(prog) = self.programs.get(program.0) else {
            return Err(self.refused(program, VmErrorKind::NoSuchProgram(program.0)));
        };
        let mut machine = Machine {
            prog,
            mem: Memory {
                stack: &mut self.stack,
                ctx: &mut self.ctx[..layout.size as usize],
                layout,
                sock: &self.sock,
                frame,
                data_off,
                input,
                maps: &mut self.maps,
            },
            env: &mut self.env,
            config: &self.config,
            scratch: &mut self.scratch,
            hook,
        };
        let outcome = machine.run(r1, r2);
        self.maps.end_run();
        outcome.map(|o| RunResult {
            r0: o.r0,
            instructions: o.instructions,
        })
    }
}
