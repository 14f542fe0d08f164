//! Palisade's verifier against PREVAIL, side by side on the same programs,
//! in one run: per-program time (median, p99, total), peak memory of each
//! phase, and the verdicts.
//!
//! Each program is verified `REPEAT` times by each verifier and the best
//! time is kept (less noise on a shared machine). Peak memory is the
//! resident-set high-water mark of the phase (reset between phases through
//! `/proc/self/clear_refs`).

use palisade_verifier::object::Object;
use palisade_verifier::verify::{verify_program, Options, Platform, Program};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const REPEAT: usize = 3;

struct Row {
    name: String,
    ours: Duration,
    ours_accept: bool,
    prevail: Option<(Duration, bool)>,
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

/// PREVAIL on one program of an object (section + function), the way its
/// CLI does it. `None` when PREVAIL cannot load the program.
fn prevail_verify(path: &str, section: &str, function: &str) -> Option<(Duration, bool)> {
    use prevail::crab::ebpf_domain::DomainContext;
    use prevail::crab::var_registry::VariableRegistry;
    use prevail::elf_loader::ElfObject;
    use prevail::fwd_analyzer;
    use prevail::ir::program::Program as PProgram;
    use prevail::ir::unmarshal;
    use prevail::linux::linux_platform::LinuxPlatform;
    use prevail::spec::config::EbpfVerifierOptions;

    let opts = EbpfVerifierOptions::default();
    let mut platform = LinuxPlatform::new();
    let mut elf = ElfObject::new(path, opts).ok()?;
    let mut progs = elf.get_programs(section, function, &mut platform).ok()?;
    if progs.len() != 1 {
        return None;
    }
    let raw = &mut progs[0];
    platform.map_descriptors = raw.info.map_descriptors.clone();
    platform.set_program_type(&raw.info.program_type);
    let mut best = Duration::MAX;
    let mut ok = false;
    for _ in 0..REPEAT {
        let started = Instant::now();
        let mut notes = Vec::new();
        let seq = unmarshal::unmarshal(&raw.prog, &mut notes, &raw.info, &platform, &opts).ok()?;
        let program = PProgram::from_sequence(&seq, &mut raw.info, &platform, &opts).ok()?;
        let ctx = DomainContext {
            program_info: &raw.info,
            program: &program,
            runtime: &opts.runtime,
            options: &opts,
            platform: &platform,
        };
        let mut registry = VariableRegistry::new();
        let result = fwd_analyzer::analyze(&program, &ctx, &mut registry);
        best = best.min(started.elapsed());
        ok = !result.failed;
    }
    Some((best, ok))
}

fn main() {
    let mut paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        let corpus = std::env::var_os("PALISADE_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
            });
        let dir = corpus.join("kernel-verifier-progs/obj");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "o"))
            .collect();
        found.sort();
        paths = found;
    }
    // Load and link everything first, so that timing covers verification.
    let mut programs: Vec<(String, String, String, Program)> = Vec::new();
    for path in &paths {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(obj) = Object::parse(&bytes) else {
            continue;
        };
        for i in 0..obj.programs.len() {
            let Ok(linked) = obj.link(i) else { continue };
            if let Some(p) = Program::from_linked(&obj, &linked) {
                programs.push((
                    path.display().to_string(),
                    linked.section_name.trim_start_matches('?').to_string(),
                    linked.name.clone(),
                    p,
                ));
            }
        }
    }
    let platform = Platform::linux();
    let options = Options::kernel_privileged();

    reset_peak();
    let base = peak_rss_kb();
    let mut rows: Vec<Row> = Vec::new();
    for (path, _, name, prog) in &programs {
        let mut best = Duration::MAX;
        let mut accept = false;
        for _ in 0..REPEAT {
            let started = Instant::now();
            let r = verify_program(prog, &platform, &options);
            best = best.min(started.elapsed());
            accept = r.accepted();
        }
        rows.push(Row {
            name: format!("{path}:{name}"),
            ours: best,
            ours_accept: accept,
            prevail: None,
        });
    }
    let ours_peak = peak_rss_kb();

    reset_peak();
    for (row, (path, section, name, _)) in rows.iter_mut().zip(&programs) {
        let section = section.clone();
        let name = name.clone();
        let path = path.clone();
        // PREVAIL may panic on programs it does not support; count those as
        // not loaded.
        row.prevail = std::panic::catch_unwind(move || prevail_verify(&path, &section, &name))
            .ok()
            .flatten();
    }
    let prevail_peak = peak_rss_kb();

    let both: Vec<&Row> = rows.iter().filter(|r| r.prevail.is_some()).collect();
    let ours_all: Vec<Duration> = rows.iter().map(|r| r.ours).collect();
    let ours_both: Vec<Duration> = both.iter().map(|r| r.ours).collect();
    let prevail_both: Vec<Duration> = both.iter().filter_map(|r| r.prevail.map(|p| p.0)).collect();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let total = |v: &[Duration]| v.iter().sum::<Duration>();
    println!(
        "programs: {} (Palisade), {} also loaded by PREVAIL",
        rows.len(),
        both.len()
    );
    println!(
        "Palisade, all programs:   median {:9.1} us   p99 {:11.1} us   total {:9.1} ms",
        us(percentile(ours_all.clone(), 0.5)),
        us(percentile(ours_all.clone(), 0.99)),
        total(&ours_all).as_secs_f64() * 1e3
    );
    println!(
        "Palisade, common programs: median {:9.1} us   p99 {:11.1} us   total {:9.1} ms",
        us(percentile(ours_both.clone(), 0.5)),
        us(percentile(ours_both.clone(), 0.99)),
        total(&ours_both).as_secs_f64() * 1e3
    );
    println!(
        "PREVAIL,  common programs: median {:9.1} us   p99 {:11.1} us   total {:9.1} ms",
        us(percentile(prevail_both.clone(), 0.5)),
        us(percentile(prevail_both.clone(), 0.99)),
        total(&prevail_both).as_secs_f64() * 1e3
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    let per_program: Vec<f64> = both
        .iter()
        .filter_map(|r| r.prevail.map(|p| ratio(p.0, r.ours)))
        .collect();
    let mut sorted = per_program.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "speed-up (PREVAIL / Palisade): median of medians {:.1}x, total {:.1}x, per-program median {:.1}x",
        ratio(percentile(prevail_both.clone(), 0.5), percentile(ours_both.clone(), 0.5)),
        ratio(total(&prevail_both), total(&ours_both)),
        sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
    );
    println!(
        "peak memory (resident, kB): Palisade phase {ours_peak} (process base {base}), PREVAIL phase {prevail_peak}"
    );
    let agree = both
        .iter()
        .filter(|r| r.prevail.is_some_and(|p| p.1 == r.ours_accept))
        .count();
    println!(
        "verdicts: Palisade and PREVAIL agree on {agree} of {}",
        both.len()
    );
    if std::env::var_os("VERBOSE").is_some() {
        for r in &rows {
            println!(
                "{:>10.1} us  {:>12}  {}",
                us(r.ours),
                r.prevail
                    .map(|p| format!("{:.1} us", us(p.0)))
                    .unwrap_or_else(|| "-".into()),
                r.name
            );
        }
    }
}
