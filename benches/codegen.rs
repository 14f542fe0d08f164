//! The code-generation benchmarks of issue #5 (a benchmark, not a timed
//! test):
//!
//! 1. **Code quality vs clang.** Three policies (`bench/policies`) and the
//!    same filters written by hand in C (`bench/c`, built with clang-16
//!    `-O2 -target bpf -mcpu=v3` at run time). Per policy and packet mix:
//!    instructions executed per packet (counted by the userspace VM) and
//!    ns/packet (`BPF_PROG_TEST_RUN` with `repeat`, Palisade and clang
//!    interleaved over several rounds; medians and per-round ratios).
//!    Every frame's verdict must agree between Palisade, clang and the
//!    reference semantics before anything is timed.
//! 2. **Scale.** Per-packet cost of generated policies with 1 to 10,000
//!    rules, and of one rule whose named sets hold 1 to 10,000 entries.
//! 3. **Compile time** (check + codegen + object write, in process).
//!
//! ```text
//! sudo -E cargo bench --bench codegen                # everything
//! sudo -E cargo bench --bench codegen -- quality     # or: scale, compile, limits
//! ```
//!
//! `-- limits` (not part of the default run; slow) bisects the largest
//! generated rules policy that compiles and that the kernel accepts, and
//! shows which rule shapes make the kernel verifier work hard.
//!
//! Knobs (environment): `PALISADE_BENCH_ROUNDS` (interleaved timing
//! rounds, default 15), `PALISADE_BENCH_REPEAT` (`repeat` of each test run
//! in the quality benchmark, default 100000), `PALISADE_BENCH_SCALE_MAX`
//! (largest size, default 10000), `PALISADE_BENCH_COMPILE_RUNS` (default
//! 11), `PALISADE_BENCH_VERIFY_MAX` (largest size the in-process verifier
//! is timed on, default 1000). Without BPF rights the kernel parts are
//! skipped, loudly; without clang-16 the C baselines are.
//!
//! Method and results: `docs/benchmarks.md`.

#[path = "../bench/support/mod.rs"]
mod support;

use palisade_compiler::codegen::maps::MapRole;
use palisade_runtime::kernel::{run_packet, LoadedObject, LoadedProgram};
use palisade_runtime::sys::{Kernel, ProgInfo};
use palisade_verifier::object::Object;
use palisade_verifier::verify::{verify_object, ObjectResult, Options, Platform};
use std::process::ExitCode;
use std::time::Instant;
use support::engines::{self, MapEntries, Pair, Policy, VmProgram};
use support::report::{mean, median, num, ratio, Table};
use support::{cases, clang, env_number, frames, scale};

/// What to run and how long.
struct Settings {
    rounds: usize,
    repeat: u32,
    scale_max: usize,
    compile_runs: usize,
    /// Largest size the in-process verifier is timed on.
    verify_max: usize,
    sections: Vec<String>,
}

impl Settings {
    fn from_env() -> Settings {
        let sections: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        Settings {
            rounds: env_number("PALISADE_BENCH_ROUNDS", 15).max(1) as usize,
            repeat: env_number("PALISADE_BENCH_REPEAT", 100_000).clamp(1, u32::MAX as u64) as u32,
            scale_max: env_number("PALISADE_BENCH_SCALE_MAX", 10_000) as usize,
            compile_runs: env_number("PALISADE_BENCH_COMPILE_RUNS", 11).max(1) as usize,
            verify_max: env_number("PALISADE_BENCH_VERIFY_MAX", 1_000) as usize,
            sections,
        }
    }

    fn wants(&self, section: &str) -> bool {
        self.sections.is_empty() || self.sections.iter().any(|s| s == section)
    }
}

fn main() -> ExitCode {
    let settings = Settings::from_env();
    machine_notes(&settings);
    let kernel = match engines::kernel() {
        Ok(k) => Some(k),
        Err(why) => {
            eprintln!(
                "\n*** SKIPPING every kernel measurement (ns/packet, kernel verdicts): {why} ***\n"
            );
            None
        }
    };
    let mut failed = false;
    let mut run = |name: &str, f: &dyn Fn() -> Result<(), String>| {
        if settings.wants(name) {
            if let Err(e) = f() {
                eprintln!("\nbenchmark `{name}` failed: {e}");
                failed = true;
            }
        }
    };
    run("quality", &|| quality(&settings, kernel.as_ref()));
    run("scale", &|| scale_bench(&settings, kernel.as_ref()));
    run("compile", &|| compile_time(&settings));
    if settings.sections.iter().any(|s| s == "limits") {
        run("limits", &|| limits(kernel.as_ref()));
    }
    println!("\nload average at the end: {}", load_average());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn machine_notes(settings: &Settings) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# Palisade codegen benchmark\n");
    println!("- CPU: {cpu} ({cores} cores available)");
    println!("- kernel: {kernel}");
    println!(
        "- C baselines: {} {}",
        clang::version().unwrap_or_else(|| format!("{} NOT FOUND", clang::compiler())),
        clang::FLAGS.join(" ")
    );
    println!(
        "- rounds: {}, repeat: {}, load average at the start: {}",
        settings.rounds,
        settings.repeat,
        load_average()
    );
}

// ---------------------------------------------------------------------
// 1. Code quality vs clang

/// Per-frame timing samples, one per round.
#[derive(Default, Clone)]
struct Samples {
    palisade: Vec<f64>,
    clang: Vec<f64>,
}

fn quality(settings: &Settings, kernel: Option<&Kernel>) -> Result<(), String> {
    println!("\n## 1. Code quality vs clang\n");
    if clang::version().is_none() {
        eprintln!(
            "*** SKIPPING the code-quality benchmark: {} is not installed ***",
            clang::compiler()
        );
        return Ok(());
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut pairs = Vec::new();
    let mut checked_vm = 0;
    let mut checked_kernel = 0;
    for case in cases::ALL {
        let c_elf = clang::compile(&case.c_path(), dir.path())?;
        let mut pair = Pair::new(case, c_elf, kernel)?;
        checked_kernel += pair.check_mixes(kernel)?;
        checked_vm += pair.mixes().iter().map(|(_, f)| f.len()).sum::<usize>();
        let texts: Vec<&str> = case.mixes.iter().flat_map(|m| m.packets).copied().collect();
        for frame in frames::edge_frames(&texts) {
            let v = pair.verdicts(kernel, &frame)?;
            checked_vm += 1;
            checked_kernel += usize::from(v.kernel.is_some());
        }
        pairs.push(pair);
    }
    println!(
        "Verdicts agree (Palisade = clang = reference) on {checked_vm} frames in the VM and {checked_kernel} in the kernel.\n"
    );

    println!("### Instructions executed per packet (userspace VM, deterministic)\n");
    let mut t = Table::new(&[
        "policy",
        "mix",
        "frames",
        "Palisade",
        "clang",
        "Palisade/clang",
    ]);
    let mut detail = Table::new(&["policy", "packet", "Palisade", "clang", "difference"]);
    let mut sizes = Table::new(&["policy", "Palisade insns", "clang insns"]);
    for pair in &mut pairs {
        sizes.row(vec![
            pair.case.name.to_string(),
            pair.vm_palisade.static_len().to_string(),
            pair.vm_c.static_len().to_string(),
        ]);
        for (mix, frames) in pair.mixes() {
            let mut pal = Vec::new();
            let mut c = Vec::new();
            for (frame, text) in frames.iter().zip(mix.packets) {
                let p = pair.vm_palisade.run(frame)?.instructions as f64;
                let k = pair.vm_c.run(frame)?.instructions as f64;
                detail.row(vec![
                    pair.case.name.to_string(),
                    text.to_string(),
                    num(p, 0),
                    num(k, 0),
                    format!("{:+}", p - k),
                ]);
                pal.push(p);
                c.push(k);
            }
            t.row(vec![
                pair.case.name.to_string(),
                mix.name.to_string(),
                frames.len().to_string(),
                num(mean(&pal), 1),
                num(mean(&c), 1),
                ratio(mean(&pal), mean(&c)),
            ]);
        }
    }
    println!("{}", t.render());
    println!("Per packet:\n\n{}", detail.render());
    println!(
        "Program sizes (instructions, `ld_imm64` counted once):\n\n{}",
        sizes.render()
    );

    let Some(kernel) = kernel else {
        eprintln!("*** SKIPPING ns/packet: no BPF rights ***");
        return Ok(());
    };
    println!(
        "### ns/packet (BPF_PROG_TEST_RUN, repeat {}, {} interleaved rounds)\n",
        settings.repeat, settings.rounds
    );
    let empty_elf = clang::compile(&support::bench_dir().join("c/empty.c"), dir.path())?;
    let empty = engines::kernel_load(kernel, &empty_elf, &MapEntries::new())?;
    let empty_frame = pairs[0].mixes()[0].1[0].clone();
    let mut empty_samples: [Vec<f64>; 2] = Default::default();
    // samples[pair][mix][frame]
    let mut samples: Vec<Vec<Vec<Samples>>> = pairs
        .iter()
        .map(|p| {
            p.mixes()
                .iter()
                .map(|(_, f)| vec![Samples::default(); f.len()])
                .collect()
        })
        .collect();
    let time = |prog: &LoadedProgram, frame: &[u8]| -> Result<f64, String> {
        run_packet(kernel, prog, frame, settings.repeat)
            .map(|r| f64::from(r.duration_ns))
            .map_err(|e| format!("test run: {e}"))
    };
    for round in 0..settings.rounds {
        for (hook, name) in [(0, "empty_tc"), (1, "empty_xdp")] {
            let prog = empty.program(name).expect("loaded");
            empty_samples[hook].push(time(prog, &empty_frame)?);
        }
        for (pi, pair) in pairs.iter().enumerate() {
            let (pal, c) = pair.kernel_programs().expect("loaded in the kernel");
            for (mi, (_, frames)) in pair.mixes().iter().enumerate() {
                for (fi, frame) in frames.iter().enumerate() {
                    let s = &mut samples[pi][mi][fi];
                    // Alternate which goes first, so drift hits both.
                    if round % 2 == 0 {
                        s.palisade.push(time(pal, frame)?);
                        s.clang.push(time(c, frame)?);
                    } else {
                        s.clang.push(time(c, frame)?);
                        s.palisade.push(time(pal, frame)?);
                    }
                }
            }
        }
    }
    let empty_ns = [median(&empty_samples[0]), median(&empty_samples[1])];
    let mut t = Table::new(&[
        "policy",
        "mix",
        "Palisade ns",
        "clang ns",
        "Palisade/clang",
        "net of empty program",
    ]);
    for (pi, pair) in pairs.iter().enumerate() {
        let base = match pair.hook {
            palisade_compiler::codegen::ir::FilterHook::Tc => empty_ns[0],
            palisade_compiler::codegen::ir::FilterHook::Xdp => empty_ns[1],
        };
        for (mi, (mix, _)) in pair.mixes().iter().enumerate() {
            let frames = &samples[pi][mi];
            // Per round: the mix's mean over its frames.
            let per_round = |pick: fn(&Samples) -> &Vec<f64>| -> Vec<f64> {
                (0..settings.rounds)
                    .map(|r| mean(&frames.iter().map(|s| pick(s)[r]).collect::<Vec<_>>()))
                    .collect()
            };
            let pal = per_round(|s| &s.palisade);
            let c = per_round(|s| &s.clang);
            let ratios: Vec<f64> = pal.iter().zip(&c).map(|(p, c)| p / c).collect();
            let net: Vec<f64> = pal
                .iter()
                .zip(&c)
                .map(|(p, c)| (p - base) / (c - base))
                .collect();
            t.row(vec![
                pair.case.name.to_string(),
                mix.name.to_string(),
                num(median(&pal), 1),
                num(median(&c), 1),
                format!("{:.2}x", median(&ratios)),
                format!("{:.2}x", median(&net)),
            ]);
        }
    }
    println!("{}", t.render());
    println!(
        "Empty program (the test-run harness alone): tc {} ns, XDP {} ns (medians). Ratios are medians of per-round ratios; \"net\" subtracts the empty program from both.\n",
        num(empty_ns[0], 1),
        num(empty_ns[1], 1)
    );
    println!("### The kernel's view (BPF_OBJ_GET_INFO_BY_FD, one load each)\n");
    let mut t = Table::new(&[
        "policy",
        "verifier insns Palisade",
        "verifier insns clang",
        "ratio",
        "xlated insns Palisade",
        "xlated insns clang",
        "jited bytes Palisade",
        "jited bytes clang",
        "load ms Palisade",
        "load ms clang",
    ]);
    for pair in &pairs {
        let (pal, c) = pair.kernel_programs().expect("loaded in the kernel");
        let (p, k) = (
            engines::prog_info(kernel, pal)?,
            engines::prog_info(kernel, c)?,
        );
        t.row(vec![
            pair.case.name.to_string(),
            p.verified_insns.to_string(),
            k.verified_insns.to_string(),
            ratio(f64::from(p.verified_insns), f64::from(k.verified_insns)),
            (p.xlated_len / 8).to_string(),
            (k.xlated_len / 8).to_string(),
            p.jited_len.to_string(),
            k.jited_len.to_string(),
            num(pair.load_ms.0, 0),
            num(pair.load_ms.1, 0),
        ]);
    }
    println!("{}", t.render());
    Ok(())
}

// ---------------------------------------------------------------------
// 2. Scale

/// One generated policy, ready to measure.
struct Sized {
    n: usize,
    static_len: usize,
    instructions: Vec<u64>,
    load_ms: f64,
    info: Option<ProgInfo>,
    kernel: Option<LoadedObject>,
    function: String,
    frames: Vec<Vec<u8>>,
    repeats: Vec<u32>,
    ns: Vec<Vec<f64>>,
}

fn scale_bench(settings: &Settings, kernel: Option<&Kernel>) -> Result<(), String> {
    println!("\n## 2. Scale\n");
    type Make = fn(usize) -> String;
    type Probes = fn(usize) -> Vec<(&'static str, String)>;
    let kinds: [(&str, &str, &str, Make, Probes); 2] = [
        (
            "rules",
            "scale",
            "no match (default)",
            scale::rules_policy,
            scale::rules_probes,
        ),
        (
            "set entries",
            "sets",
            "miss v4 (address)",
            scale::set_policy,
            |_| scale::set_probes(),
        ),
    ];
    for (what, program, worst, make, probes) in kinds {
        let sizes: Vec<usize> = scale::SIZES
            .iter()
            .copied()
            .filter(|&n| n <= settings.scale_max)
            .collect();
        let labels: Vec<&str> = probes(1).iter().map(|(l, _)| *l).collect();
        let worst_at = labels.iter().position(|l| *l == worst).unwrap_or(0);
        let mut all = Vec::new();
        let mut failures = Vec::new();
        for &n in &sizes {
            let text = make(n);
            let policy = match Policy::compile("scale.pol", &text) {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{n} {what}: {e}"));
                    continue;
                }
            };
            let (function, _) = policy.program(program);
            let mut vm = VmProgram::load(&policy.elf, &function, &MapEntries::new())?;
            let mut frames = Vec::new();
            let mut instructions = Vec::new();
            for (label, packet) in probes(n) {
                let p = palisade_compiler::eval::parse_packet(&packet)
                    .map_err(|e| format!("probe `{packet}`: {e:?}"))?;
                let frame = palisade_compiler::codegen::wire::build_frame(&p);
                let want = policy.expected(program, &frame);
                let run = vm.run(&frame)?;
                if run.r0 != u64::from(want) {
                    return Err(format!(
                        "{n} {what}, probe `{label}`: VM returned {}, reference {want}",
                        run.r0
                    ));
                }
                instructions.push(run.instructions);
                frames.push(frame);
            }
            let (loaded, load_ms) = match kernel {
                Some(k) => {
                    let started = Instant::now();
                    match engines::kernel_load(k, &policy.elf, &MapEntries::new()) {
                        Ok(loaded) => (Some(loaded), started.elapsed().as_secs_f64() * 1e3),
                        Err(e) => {
                            failures.push(format!("{n} {what}: kernel load: {e}"));
                            (None, f64::NAN)
                        }
                    }
                }
                None => (None, f64::NAN),
            };
            let info = match (kernel, &loaded) {
                (Some(k), Some(obj)) => Some(engines::prog_info(
                    k,
                    obj.program(&function).expect("loaded"),
                )?),
                _ => None,
            };
            let mut sized = Sized {
                n,
                static_len: vm.static_len(),
                instructions,
                load_ms,
                info,
                kernel: loaded,
                function,
                repeats: Vec::new(),
                ns: vec![Vec::new(); frames.len()],
                frames,
            };
            if let (Some(k), Some(obj)) = (kernel, &sized.kernel) {
                let prog = obj.program(&sized.function).expect("loaded");
                for frame in &sized.frames {
                    let want = policy.expected(program, frame);
                    let got = run_packet(k, prog, frame, 1).map_err(|e| e.to_string())?;
                    if got.retval != want {
                        return Err(format!(
                            "{n} {what}: kernel returned {}, reference {want}",
                            got.retval
                        ));
                    }
                    // About 20 ms per test run, at most settings.repeat.
                    let probe = run_packet(k, prog, frame, 1000).map_err(|e| e.to_string())?;
                    let per = f64::from(probe.duration_ns.max(1));
                    let repeat = (20e6 / per).clamp(200.0, f64::from(settings.repeat));
                    sized.repeats.push(repeat as u32);
                }
            }
            all.push(sized);
        }
        if all.is_empty() {
            return Err(format!("no {what} size compiled: {failures:?}"));
        }
        if let Some(k) = kernel {
            for _ in 0..settings.rounds {
                for s in &mut all {
                    let Some(obj) = s.kernel.as_ref() else {
                        continue;
                    };
                    let prog = obj.program(&s.function).expect("loaded");
                    for (i, frame) in s.frames.iter().enumerate() {
                        let r =
                            run_packet(k, prog, frame, s.repeats[i]).map_err(|e| e.to_string())?;
                        s.ns[i].push(f64::from(r.duration_ns));
                    }
                }
            }
        }
        print_scale(what, &labels, worst_at, &all, kernel.is_some());
        for f in &failures {
            println!("**Not measured**: {f}\n");
        }
    }
    Ok(())
}

fn print_scale(what: &str, labels: &[&str], worst: usize, all: &[Sized], timed: bool) {
    let first = &all[0];
    println!("### Instructions executed per packet vs {what} (VM)\n");
    let mut headers = vec![what, "program insns"];
    headers.extend(labels);
    let growth = format!("{}: vs {} {what}", labels[worst], first.n);
    let per_added = format!("{}: per added", labels[worst]);
    headers.push(&growth);
    headers.push(&per_added);
    let mut t = Table::new(&headers);
    let mut prev: Option<&Sized> = None;
    for s in all {
        let mut row = vec![s.n.to_string(), s.static_len.to_string()];
        row.extend(s.instructions.iter().map(|i| i.to_string()));
        row.push(ratio(
            s.instructions[worst] as f64,
            first.instructions[worst] as f64,
        ));
        row.push(match prev {
            Some(p) => num(
                (s.instructions[worst] as f64 - p.instructions[worst] as f64) / (s.n - p.n) as f64,
                2,
            ),
            None => "-".into(),
        });
        t.row(row);
        prev = Some(s);
    }
    println!("{}", t.render());
    if !timed {
        eprintln!("*** SKIPPING ns/packet vs {what}: no BPF rights ***");
        return;
    }
    println!("### ns/packet vs {what} (kernel, median of rounds)\n");
    let mut headers = vec![what, "kernel load ms", "verifier insns", "jited bytes"];
    headers.extend(labels);
    headers.push(&growth);
    headers.push(&per_added);
    let mut t = Table::new(&headers);
    let mut prev: Option<(usize, f64)> = None;
    for s in all.iter().filter(|s| s.kernel.is_some()) {
        let medians: Vec<f64> = s.ns.iter().map(|v| median(v)).collect();
        let info = s.info.clone().unwrap_or_default();
        let mut row = vec![
            s.n.to_string(),
            num(s.load_ms, 0),
            info.verified_insns.to_string(),
            info.jited_len.to_string(),
        ];
        row.extend(medians.iter().map(|m| num(*m, 0)));
        row.push(ratio(medians[worst], median(&first.ns[worst])));
        row.push(match prev {
            Some((n, m)) => num((medians[worst] - m) / (s.n - n) as f64, 3),
            None => "-".into(),
        });
        t.row(row);
        prev = Some((s.n, medians[worst]));
    }
    println!("{}", t.render());
}

// ---------------------------------------------------------------------
// 3. Compile time

fn compile_time(settings: &Settings) -> Result<(), String> {
    println!("\n## 3. Compile time (in process: check + codegen + object write)\n");
    let sizes: Vec<usize> = scale::SIZES
        .iter()
        .copied()
        .filter(|&n| n <= settings.scale_max)
        .collect();
    for (what, make) in [
        ("rules", scale::rules_policy as fn(usize) -> String),
        ("set entries", scale::set_policy),
    ] {
        let texts: Vec<String> = sizes.iter().map(|&n| make(n)).collect();
        // [size] -> (check, codegen, write, total) samples in ms.
        let mut samples = vec![[Vec::new(), Vec::new(), Vec::new(), Vec::new()]; sizes.len()];
        let mut bytes = vec![0usize; sizes.len()];
        let mut failed: Vec<Option<String>> = vec![None; sizes.len()];
        for _ in 0..settings.compile_runs {
            for (i, text) in texts.iter().enumerate() {
                if failed[i].is_some() {
                    continue;
                }
                let t0 = Instant::now();
                let report = palisade_compiler::check_source(text);
                let checked = report.checked.ok_or("generated policy does not check")?;
                let t1 = Instant::now();
                let compiled = match palisade_compiler::codegen::compile(
                    &checked,
                    &palisade_compiler::codegen::Source {
                        path: "scale.pol",
                        text,
                    },
                ) {
                    Ok(c) => c,
                    Err(e) => {
                        failed[i] = Some(format!(
                            "codegen failed after {} ms: {e}",
                            num((Instant::now() - t0).as_secs_f64() * 1e3, 1)
                        ));
                        continue;
                    }
                };
                let t2 = Instant::now();
                let elf = compiled.to_elf().map_err(|e| e.to_string())?;
                let t3 = Instant::now();
                bytes[i] = elf.len();
                let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
                samples[i][0].push(ms(t0, t1));
                samples[i][1].push(ms(t1, t2));
                samples[i][2].push(ms(t2, t3));
                samples[i][3].push(ms(t0, t3));
            }
        }
        let mut t = Table::new(&[
            what,
            "source KiB",
            "check ms",
            "codegen ms",
            "object write ms",
            "total ms (median)",
            "total ms (min)",
            "object KiB",
            "verifier ms (not in total)",
        ]);
        let mut rejections = Vec::new();
        for (i, &n) in sizes.iter().enumerate() {
            let s = &samples[i];
            if failed[i].is_some() {
                let mut row = vec![n.to_string(), num(texts[i].len() as f64 / 1024.0, 1)];
                row.push("failed (see below)".to_string());
                row.extend((0..6).map(|_| "-".to_string()));
                t.row(row);
                continue;
            }
            let mins = s[3].iter().copied().fold(f64::INFINITY, f64::min);
            t.row(vec![
                n.to_string(),
                num(texts[i].len() as f64 / 1024.0, 1),
                num(median(&s[0]), 2),
                num(median(&s[1]), 2),
                num(median(&s[2]), 2),
                num(median(&s[3]), 2),
                num(mins, 2),
                num(bytes[i] as f64 / 1024.0, 1),
                if n <= settings.verify_max {
                    let (cell, why) = verifier_ms(&texts[i]);
                    if let Some(why) = why {
                        rejections.push(format!("{n} {what}: {why}"));
                    }
                    cell
                } else {
                    "not run".into()
                },
            ]);
        }
        println!("{}", t.render());
        for r in &rejections {
            println!("**The in-process verifier rejected** {r}\n");
        }
        for (i, why) in failed.iter().enumerate() {
            if let Some(why) = why {
                println!("**{} {what}**: {why}\n", sizes[i]);
            }
        }
        if what == "rules" {
            if let Some(i) = sizes.iter().position(|&n| n == 1000) {
                let total = median(&samples[i][3]);
                println!(
                    "1,000-rule policy: {} ms median over {} runs; target < 100 ms: {}\n",
                    num(total, 2),
                    settings.compile_runs,
                    if total < 100.0 { "MET" } else { "MISSED" }
                );
            }
        }
    }
    Ok(())
}

/// Time of Palisade's in-process verifier on the compiled policy (one
/// run, `Options::strict()` as `palisade build` uses), and why it rejected
/// the policy if it did (the first error's first line).
fn verifier_ms(text: &str) -> (String, Option<String>) {
    let Ok(policy) = Policy::compile("scale.pol", text) else {
        return ("-".into(), None);
    };
    let Ok(obj) = Object::parse(&policy.elf) else {
        return ("unreadable".into(), None);
    };
    let started = Instant::now();
    let results = verify_object(&obj, &Platform::linux(), &Options::strict());
    let ms = num(started.elapsed().as_secs_f64() * 1e3, 1);
    let why = results.iter().find_map(|r| match r {
        ObjectResult::Verified(rep) if rep.accepted() => None,
        ObjectResult::Verified(rep) => Some(
            rep.errors
                .first()
                .map_or_else(|| rep.to_string(), |e| e.kind.to_string()),
        ),
        ObjectResult::NotVerified { program, reason } => Some(format!("{program}: {reason}")),
    });
    match why {
        None => (ms, None),
        Some(why) => (format!("{ms} (rejected)"), Some(why)),
    }
}

// ---------------------------------------------------------------------
// 4. Limits (only with `-- limits`: slow)

/// The largest generated rules policy that compiles, and the largest the
/// kernel accepts, to the nearest 100 rules (bisection).
fn limits(kernel: Option<&Kernel>) -> Result<(), String> {
    println!("\n## 4. Limits of the rules policy (bisection, 100-rule steps)\n");
    let compiles = |n: usize| Policy::compile("scale.pol", &scale::rules_policy(n)).is_ok();
    let largest_compiling = bisect(100, 10_000, &compiles);
    println!("- largest that compiles: {largest_compiling} rules");
    let Some(k) = kernel else {
        eprintln!("*** SKIPPING the kernel limit: no BPF rights ***");
        return Ok(());
    };
    let loads = |n: usize| {
        Policy::compile("scale.pol", &scale::rules_policy(n))
            .ok()
            .is_some_and(|p| engines::kernel_load(k, &p.elf, &MapEntries::new()).is_ok())
    };
    let largest_loading = bisect(100, largest_compiling, &loads);
    println!("- largest the kernel verifier accepts: {largest_loading} rules\n");
    // Where the kernel verifier's work goes: 1,000 tcp rules of one shape
    // each. Rules with a wide port range (over 256 ports) stay compare
    // code; the others may move into a rule table. Shapes with one test
    // alternate allow/deny so that no rules merge.
    type Shape = (&'static str, fn(usize) -> String);
    let shapes: [Shape; 4] = [
        ("`allow tcp from NET to port P`", |i| {
            let (a, b) = (16 + i / 256, i % 256);
            format!("allow tcp from 10.{a}.{b}.0/24 to port {}", 1024 + i)
        }),
        ("`allow tcp from NET to port P..P+299`", |i| {
            let (a, b, p) = (16 + i / 256, i % 256, 1024 + i);
            format!("allow tcp from 10.{a}.{b}.0/24 to port {p}..{}", p + 299)
        }),
        ("allow/deny alternately, `tcp to port P..P+299`", |i| {
            let verdict = if i % 2 == 0 { "allow" } else { "deny" };
            format!("{verdict} tcp to port {}..{}", 1024 + i, 1024 + i + 299)
        }),
        ("allow/deny alternately, `tcp from NET`", |i| {
            let verdict = if i % 2 == 0 { "allow" } else { "deny" };
            format!("{verdict} tcp from 10.{}.{}.0/24", 16 + i / 256, i % 256)
        }),
    ];
    let mut t = Table::new(&[
        "1,000 rules, each",
        "hash maps (rule tables)",
        "program insns",
        "verifier insns",
    ]);
    for (label, rule) in shapes {
        let mut text = String::from("policy scale on ingress {\n  apply to namespace \"bench\"\n");
        for i in 0..1000 {
            text.push_str(&format!("  {}\n", rule(i)));
        }
        text.push_str("  default deny\n}\n");
        let policy = Policy::compile("shape.pol", &text)?;
        let (function, _) = policy.program("scale");
        let vm = VmProgram::load(&policy.elf, &function, &MapEntries::new())?;
        let verified = match engines::kernel_load(k, &policy.elf, &MapEntries::new()) {
            Ok(obj) => engines::prog_info(k, obj.program(&function).expect("loaded"))?
                .verified_insns
                .to_string(),
            Err(e) if e.contains("too large") => "rejected (over 1,000,000)".to_string(),
            Err(e) => format!("rejected: {e}"),
        };
        let tables = policy
            .compiled
            .maps
            .maps
            .iter()
            .filter(|m| matches!(m.role, MapRole::RuleTable { .. }))
            .count();
        t.row(vec![
            label.to_string(),
            tables.to_string(),
            vm.static_len().to_string(),
            verified,
        ]);
    }
    println!("{}", t.render());
    Ok(())
}

/// The largest multiple of 100 in `lo..=hi` for which `ok` holds,
/// assuming it holds up to some point and not after (`lo` if none).
fn bisect(lo: usize, hi: usize, ok: &dyn Fn(usize) -> bool) -> usize {
    if ok(hi) {
        return hi;
    }
    let (mut good, mut bad) = (lo / 100, hi.div_ceil(100));
    while bad - good > 1 {
        let mid = (good + bad) / 2;
        if ok(mid * 100) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    good * 100
}
