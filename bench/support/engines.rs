//! Running a policy's program and its C twin in the two engines.
//!
//! * The userspace VM (`palisade_runtime::vm`) counts executed
//!   instructions deterministically: every instruction counts one, an
//!   `ld_imm64` counts once, and a helper call counts one (the helper's
//!   own work, e.g. an LPM-trie walk, is not in the count; both programs
//!   make the same lookups, see `docs/benchmarks.md`).
//! * The kernel (`palisade_runtime::kernel`, `BPF_PROG_TEST_RUN`) gives
//!   verdicts and mean ns per run.
//!
//! Both objects are loaded with Palisade's loader, so the bytes the kernel
//! runs are exactly what each compiler emitted. Palisade's object fills
//! its set maps from `.palisade.map_init`; the C object's maps of the
//! same names get the same entries (taken from Palisade's object spec), so
//! a missing or renamed map in the C file is an error, not a silent
//! empty set.

use super::cases::{Case, Mix};
use palisade_compiler::codegen::expect::{expected_return, hook_of};
use palisade_compiler::codegen::ir::FilterHook;
use palisade_compiler::codegen::{compile, Compiled, Source};
use palisade_compiler::model::Checked;
use palisade_runtime::kernel::{load, run_packet, LoadOptions, LoadedObject, LoadedProgram};
use palisade_runtime::sys::{Bpf, Kernel, MapCreate, ProgInfo};
use palisade_runtime::vm::maps::BPF_ANY;
use palisade_runtime::vm::{load_object, Frame, Hook, PacketHook, RunResult, Vm, VmConfig};

/// Map entries by map name.
pub type MapEntries = Vec<(String, Vec<(Vec<u8>, Vec<u8>)>)>;

/// The kernel, if this process may use BPF; otherwise why not.
pub fn kernel() -> Result<Kernel, String> {
    Kernel
        .map_create(&MapCreate {
            map_type: 2,
            key_size: 4,
            value_size: 4,
            max_entries: 1,
            name: "palisade_probe".into(),
            ..MapCreate::default()
        })
        .map(|_| Kernel)
        .map_err(|e| format!("no BPF rights ({e}); run as root"))
}

/// A compiled `.pol` file.
pub struct Policy {
    pub checked: Checked,
    pub compiled: Compiled,
    pub elf: Vec<u8>,
}

impl Policy {
    /// Checks and compiles `text`; errors are the checker's or codegen's.
    pub fn compile(path: &str, text: &str) -> Result<Policy, String> {
        let report = palisade_compiler::check_source(text);
        let checked = report
            .checked
            .ok_or_else(|| format!("{path} does not check: {:?}", report.issues))?;
        let compiled = compile(&checked, &Source { path, text })
            .map_err(|e| format!("{path}: codegen failed: {e}"))?;
        let elf = compiled
            .to_elf()
            .map_err(|e| format!("{path}: object write failed: {e}"))?;
        Ok(Policy {
            checked,
            compiled,
            elf,
        })
    }

    /// The ELF function and hook of the filter `program`.
    pub fn program(&self, program: &str) -> (String, FilterHook) {
        let p = self
            .checked
            .programs
            .iter()
            .find(|p| p.name == program)
            .unwrap_or_else(|| panic!("no program `{program}`"));
        let hook = hook_of(p).expect("a filter");
        let function = self
            .compiled
            .programs
            .iter()
            .find(|c| c.name == program)
            .map(|c| c.function.clone())
            .expect("compiled");
        (function, hook)
    }

    /// What the reference semantics return for `frame`.
    pub fn expected(&self, program: &str, frame: &[u8]) -> u32 {
        let p = self
            .checked
            .programs
            .iter()
            .find(|p| p.name == program)
            .expect("program exists");
        let hook = hook_of(p).expect("a filter");
        expected_return(&self.checked, p.filter().expect("a filter"), hook, frame).code
    }

    /// The initial entries of every map of the object (the named sets).
    pub fn map_entries(&self) -> MapEntries {
        self.compiled
            .spec
            .maps
            .iter()
            .filter(|m| !m.entries.is_empty())
            .map(|m| (m.name.clone(), m.entries.clone()))
            .collect()
    }
}

/// The VM's packet hook for a filter hook.
pub fn packet_hook(hook: FilterHook) -> PacketHook {
    match hook {
        FilterHook::Tc => PacketHook::Tc,
        FilterHook::Xdp => PacketHook::Xdp,
    }
}

/// A program ready to run in the VM.
pub struct VmProgram {
    vm: Vm,
    hook: PacketHook,
}

impl VmProgram {
    /// Loads `function` of `elf`, then inserts `fill` into its maps.
    pub fn load(elf: &[u8], function: &str, fill: &MapEntries) -> Result<VmProgram, String> {
        let config = VmConfig {
            max_instructions: 100_000_000,
            ..VmConfig::default()
        };
        let loaded = load_object(elf, function, config)
            .map_err(|e| format!("VM cannot load `{function}`: {e}"))?;
        let Hook::Packet(hook) = loaded.hook else {
            return Err(format!("`{function}` is not a packet program"));
        };
        let mut vm = loaded.vm;
        for (name, entries) in fill {
            let map = vm
                .maps_mut()
                .named_mut(name)
                .ok_or_else(|| format!("`{function}`: the object has no map `{name}`"))?;
            for (key, value) in entries {
                map.update(key, value, BPF_ANY)
                    .map_err(|e| format!("map `{name}`: {e}"))?;
            }
        }
        Ok(VmProgram { vm, hook })
    }

    /// The program's length in instructions (an `ld_imm64` counts once).
    pub fn static_len(&self) -> usize {
        self.vm.programs().first().map_or(0, |p| p.len())
    }

    /// Runs one frame.
    pub fn run(&mut self, frame: &[u8]) -> Result<RunResult, String> {
        self.vm
            .run_packet(self.hook, &mut Frame::new(frame.to_vec()))
            .map_err(|e| format!("VM fault: {e}"))
    }
}

/// Loads `elf` into the kernel and inserts `fill` into its maps. A
/// rejection's message keeps the verifier log's last lines only.
pub fn kernel_load(kernel: &Kernel, elf: &[u8], fill: &MapEntries) -> Result<LoadedObject, String> {
    let loaded = load(kernel, elf, &LoadOptions::default()).map_err(|e| {
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() <= 4 {
            return text;
        }
        format!(
            "{} [...] {}",
            lines[0],
            lines[lines.len() - 2..].join(" / ")
        )
    })?;
    for (name, entries) in fill {
        let map = loaded
            .map(name)
            .ok_or_else(|| format!("the object has no map `{name}`"))?;
        for (key, value) in entries {
            kernel
                .map_update(&map.fd, key, value)
                .map_err(|e| format!("map `{name}`: {e}"))?;
        }
    }
    Ok(loaded)
}

/// The kernel's view of a loaded program (sizes, verifier work).
pub fn prog_info(kernel: &Kernel, program: &LoadedProgram) -> Result<ProgInfo, String> {
    kernel.prog_info(&program.fd).map_err(|e| e.to_string())
}

/// Whether `BPF_PROG_TEST_RUN` accepts `frame` for a tc program (it
/// refuses IPv4/IPv6 frames too short for the IP header).
pub fn skb_test_run_accepts(frame: &[u8]) -> bool {
    match frame.get(12..14) {
        Some([0x08, 0x00]) => frame.len() >= 14 + 20,
        Some([0x86, 0xdd]) => frame.len() >= 14 + 40,
        _ => frame.len() >= 14,
    }
}

/// A benchmark case: the Palisade program and its C twin, in the VM and
/// (when allowed) the kernel.
pub struct Pair {
    pub case: &'static Case,
    pub policy: Policy,
    pub c_elf: Vec<u8>,
    /// Palisade's ELF function (the C function is `case.program`).
    pub function: String,
    pub hook: FilterHook,
    pub vm_palisade: VmProgram,
    pub vm_c: VmProgram,
    /// Palisade's object, then the C object.
    pub kernel: Option<(LoadedObject, LoadedObject)>,
    /// Milliseconds each kernel load took (Palisade, C).
    pub load_ms: (f64, f64),
}

/// Verdicts of one frame in every engine.
#[derive(Debug)]
pub struct Verdicts {
    pub reference: u32,
    pub vm_palisade: RunResult,
    pub vm_c: RunResult,
    pub kernel: Option<(u32, u32)>,
}

impl Pair {
    /// Compiles the case's policy, loads both programs in the VM and, with
    /// `kernel`, in the kernel. `c_elf` is the clang-built object.
    pub fn new(
        case: &'static Case,
        c_elf: Vec<u8>,
        kernel: Option<&Kernel>,
    ) -> Result<Pair, String> {
        let policy = Policy::compile(case.policy, &case.policy_text())?;
        let (function, hook) = policy.program(case.program);
        let fill = policy.map_entries();
        let vm_palisade = VmProgram::load(&policy.elf, &function, &MapEntries::new())?;
        let vm_c = VmProgram::load(&c_elf, case.program, &fill)
            .map_err(|e| format!("{}: {e}", case.c_source))?;
        let mut load_ms = (f64::NAN, f64::NAN);
        let kernel = match kernel {
            None => None,
            Some(k) => {
                let started = std::time::Instant::now();
                let pal = kernel_load(k, &policy.elf, &MapEntries::new())
                    .map_err(|e| format!("{}: kernel load: {e}", case.policy))?;
                let middle = std::time::Instant::now();
                let c = kernel_load(k, &c_elf, &fill)
                    .map_err(|e| format!("{}: kernel load: {e}", case.c_source))?;
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
                load_ms = (ms(middle - started), ms(middle.elapsed()));
                Some((pal, c))
            }
        };
        Ok(Pair {
            case,
            policy,
            c_elf,
            function,
            hook,
            vm_palisade,
            vm_c,
            kernel,
            load_ms,
        })
    }

    /// The kernel programs (Palisade, C).
    pub fn kernel_programs(&self) -> Option<(&LoadedProgram, &LoadedProgram)> {
        let (pal, c) = self.kernel.as_ref()?;
        Some((
            pal.program(&self.function).expect("loaded"),
            c.program(self.case.program).expect("loaded"),
        ))
    }

    /// Runs `frame` everywhere and checks that every engine agrees with
    /// the reference.
    pub fn verdicts(&mut self, kernel: Option<&Kernel>, frame: &[u8]) -> Result<Verdicts, String> {
        let reference = self.policy.expected(self.case.program, frame);
        let vm_palisade = self.vm_palisade.run(frame)?;
        let vm_c = self.vm_c.run(frame)?;
        let kernel_run = match (kernel, self.kernel_programs()) {
            (Some(k), Some((pal, c)))
                if self.hook == FilterHook::Xdp || skb_test_run_accepts(frame) =>
            {
                let run = |p: &LoadedProgram| {
                    run_packet(k, p, frame, 1)
                        .map(|r| r.retval)
                        .map_err(|e| format!("test run: {e}"))
                };
                Some((run(pal)?, run(c)?))
            }
            _ => None,
        };
        let v = Verdicts {
            reference,
            vm_palisade,
            vm_c,
            kernel: kernel_run,
        };
        let agree = v.vm_palisade.r0 == u64::from(reference)
            && v.vm_c.r0 == u64::from(reference)
            && v.kernel
                .is_none_or(|(p, c)| p == reference && c == reference);
        if !agree {
            return Err(format!(
                "{}: engines disagree on frame {}: reference {reference}, VM palisade {}, VM C {}, kernel (palisade, C) {:?}; frame is {:?}",
                self.case.name,
                hex(frame),
                v.vm_palisade.r0,
                v.vm_c.r0,
                v.kernel,
                palisade_compiler::codegen::wire::parse_frame(frame, None),
            ));
        }
        Ok(v)
    }

    /// Checks every frame of every mix (and that each mix decides as its
    /// name says); returns how many frames ran in the kernel.
    pub fn check_mixes(&mut self, kernel: Option<&Kernel>) -> Result<usize, String> {
        let verdicts = self.hook.verdicts();
        let mut in_kernel = 0;
        for (mix, frames) in self.case.frames() {
            for frame in &frames {
                let v = self.verdicts(kernel, frame)?;
                let want = if mix.passes {
                    verdicts.pass
                } else {
                    verdicts.block
                };
                if v.reference != want as u32 {
                    return Err(format!(
                        "{}: a packet of mix `{}` is decided {} by the reference: {}",
                        self.case.name,
                        mix.name,
                        v.reference,
                        hex(frame)
                    ));
                }
                in_kernel += usize::from(v.kernel.is_some());
            }
        }
        Ok(in_kernel)
    }

    /// The mixes and their frames.
    pub fn mixes(&self) -> Vec<(&'static Mix, Vec<Vec<u8>>)> {
        self.case.frames()
    }
}

/// Lowercase hex of a frame, for messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
