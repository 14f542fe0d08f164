//! Agreement with Linux on the kernel's own verifier tests.
//!
//! Runs every program of `shared/corpus/kernel-verifier` (the
//! `test_verifier` JSON Lines, 526 tests) and `kernel-verifier-progs` (1214
//! programs in clang-built objects) through Palisade's verifier in the
//! kernel-privileged profile, and compares each verdict with what Linux
//! 6.18 actually did. Prints a table per program type (agree / false
//! reject / unsafe accept) and the excluded rows, then checks the ratchet
//! in `verify-data/corpus-expect.json`: agreement may only go up, and
//! unsafe accepts (accepting what the kernel rejected) must stay 0.
//!
//! `BLESS=1` rewrites the expectation file with the current numbers (only
//! upwards). `VERBOSE=1` lists every disagreement.
//!
//! The corpus is found through `PALISADE_CORPUS` (default `../shared/corpus`
//! from the workspace root). Without it the test is skipped loudly, unless
//! `PALISADE_CORPUS` is set (CI), where a missing corpus fails.

use palisade_verifier::verify::corpus::{kernel_excluded, program_from_test};
use palisade_verifier::verify::{verify_program, Options, Platform, Program, Report};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

fn corpus_dir() -> Option<PathBuf> {
    let explicit = std::env::var_os("PALISADE_CORPUS");
    // A relative PALISADE_CORPUS is relative to the repository root, as
    // for every other test (cargo runs tests in the crate directory).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = match &explicit {
        Some(d) if PathBuf::from(d).is_absolute() => PathBuf::from(d),
        Some(d) => root.join(d),
        None => root.join("../shared/corpus"),
    };
    if dir.join("kernel-verifier").is_dir() {
        return Some(dir);
    }
    if explicit.is_some() {
        panic!(
            "PALISADE_CORPUS={} has no kernel-verifier/ directory",
            dir.display()
        );
    }
    eprintln!(
        "\n!!! SKIPPED: the eBPF corpus is not at {} (set PALISADE_CORPUS) !!!\n",
        dir.display()
    );
    None
}

#[derive(Default, Clone, Copy)]
struct Row {
    agree: u32,
    false_reject: u32,
    unsafe_accept: u32,
}

#[derive(Default)]
struct Tally {
    rows: BTreeMap<String, Row>,
    excluded: Vec<String>,
    disagreements: Vec<String>,
}

impl Tally {
    fn record(&mut self, group: &str, name: &str, kernel_accepts: bool, report: &Report) {
        if report.duration.as_millis() >= 100 {
            self.disagreements.push(format!(
                "SLOW {:.0} ms [{group}] {name} ({} insns processed)",
                report.duration.as_secs_f64() * 1000.0,
                report.stats.processed_insns
            ));
        }
        let row = self.rows.entry(group.to_string()).or_default();
        match (kernel_accepts, report.accepted()) {
            (a, b) if a == b => row.agree += 1,
            (true, false) => {
                row.false_reject += 1;
                let why = report
                    .errors
                    .first()
                    .map(|e| format!("{}: {}", e.slot, e.kind))
                    .unwrap_or_default();
                self.disagreements
                    .push(format!("FALSE REJECT  [{group}] {name}: {why}"));
            }
            _ => {
                row.unsafe_accept += 1;
                self.disagreements
                    .push(format!("UNSAFE ACCEPT [{group}] {name}"));
            }
        }
    }

    fn print(&self, title: &str) {
        println!("\n{title}");
        println!(
            "{:<28} {:>7} {:>7} {:>13} {:>14}",
            "program type", "total", "agree", "false reject", "unsafe accept"
        );
        let mut total = Row::default();
        for (t, r) in &self.rows {
            println!(
                "{:<28} {:>7} {:>7} {:>13} {:>14}",
                t,
                r.agree + r.false_reject + r.unsafe_accept,
                r.agree,
                r.false_reject,
                r.unsafe_accept
            );
            total.agree += r.agree;
            total.false_reject += r.false_reject;
            total.unsafe_accept += r.unsafe_accept;
        }
        println!(
            "{:<28} {:>7} {:>7} {:>13} {:>14}",
            "TOTAL",
            total.agree + total.false_reject + total.unsafe_accept,
            total.agree,
            total.false_reject,
            total.unsafe_accept
        );
        println!("excluded ({}):", self.excluded.len());
        for e in &self.excluded {
            println!("  {e}");
        }
        if std::env::var_os("VERBOSE").is_some() {
            for d in &self.disagreements {
                println!("{d}");
            }
        }
    }
}

fn run(prog: &Program) -> Report {
    verify_program(prog, &Platform::linux(), &Options::kernel_privileged())
}

fn kernel_verifier(dir: &std::path::Path) -> Tally {
    let mut tally = Tally::default();
    let text = std::fs::read_to_string(dir.join("kernel-verifier/verifier_tests.jsonl"))
        .expect("read verifier_tests.jsonl");
    let mut large: BTreeMap<u64, Json> = BTreeMap::new();
    if let Ok(f) =
        std::fs::File::open(dir.join("kernel-verifier/verifier_tests_large_insns.jsonl.gz"))
    {
        let mut s = String::new();
        flate2::read::GzDecoder::new(f)
            .read_to_string(&mut s)
            .expect("read the large programs");
        for line in s.lines().filter(|l| !l.trim().is_empty()) {
            let v: Json = serde_json::from_str(line).expect("large program json");
            large.insert(v["index"].as_u64().unwrap_or(u64::MAX), v["insns"].clone());
        }
    }
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let t: Json = serde_json::from_str(line).expect("test json");
        let index = t["index"].as_u64().unwrap_or(0);
        let name = format!("#{index} {}", t["name"].as_str().unwrap_or(""));
        let group = t["prog_type"]
            .as_str()
            .unwrap_or("?")
            .trim_start_matches("BPF_PROG_TYPE_")
            .to_ascii_lowercase();
        if let Some(why) = kernel_excluded(&t) {
            tally.excluded.push(format!("{name} ({group}): {why}"));
            continue;
        }
        let kernel_accepts = t["kernel_6_18"]["verdict"] == "accept";
        let insns = large
            .get(&index)
            .and_then(Json::as_array)
            .map(Vec::as_slice);
        let report = match program_from_test(&t, insns) {
            Ok(p) => run(&p),
            Err(e) => {
                // Instructions the decoder refuses are refused by Linux too.
                let row = tally.rows.entry(group.clone()).or_default();
                if kernel_accepts {
                    row.false_reject += 1;
                    tally
                        .disagreements
                        .push(format!("FALSE REJECT  [{group}] {name}: decode: {e}"));
                } else {
                    row.agree += 1;
                }
                continue;
            }
        };
        tally.record(&group, &name, kernel_accepts, &report);
    }
    tally
}

/// One row of `verifier_progs.tsv`.
struct ProgRow {
    object: String,
    program: String,
    section: String,
    tags: String,
    expected_effective: String,
    observed: String,
    errno: String,
    log_tail: String,
}

fn read_tsv(path: &std::path::Path) -> Vec<ProgRow> {
    let text = std::fs::read_to_string(path).expect("read verifier_progs.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("tsv column");
    let (o, p, s, t, e, k, n, l) = (
        col("object"),
        col("program"),
        col("section"),
        col("other_tags_json"),
        col("expected_effective"),
        col("observed_kernel"),
        col("errno"),
        col("log_tail"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
            ProgRow {
                object: get(o),
                program: get(p),
                section: get(s),
                tags: get(t),
                expected_effective: get(e),
                observed: get(k),
                errno: get(n),
                log_tail: get(l),
            }
        })
        .collect()
}

/// Why a row says nothing about the verifier, if it does not.
fn prog_excluded(r: &ProgRow) -> Option<&'static str> {
    if r.expected_effective == "auxiliary" {
        return Some("auxiliary program (not a test by itself)");
    }
    if r.observed == "reject" {
        if r.errno == "9" && r.log_tail.is_empty() {
            return Some(
                "EBADF with an empty log (unprivileged/prog-array set-up failed in libbpf)",
            );
        }
        if r.errno == "1" && r.log_tail.is_empty() {
            return Some(
                "EPERM with an empty log (program type not permitted on the recording VM)",
            );
        }
        if r.log_tail.contains("CO-RE relocation") {
            return Some("CO-RE relocation failed against the recording kernel's BTF");
        }
    }
    None
}

/// The group of a section for the table (`tc`, `xdp`, `socket`, ...).
fn section_group(section: &str) -> String {
    let s = section.trim_start_matches('?');
    let head = s.split('/').next().unwrap_or(s);
    match head {
        "classifier" | "tc" | "tcx" => "tc".into(),
        "action" => "tc_action".into(),
        "cgroup" => match s {
            "cgroup/skb" => "cgroup_skb".into(),
            _ => {
                let tail = s.trim_start_matches("cgroup/");
                if tail.starts_with("connect")
                    || tail.starts_with("bind")
                    || tail.starts_with("sendmsg")
                    || tail.starts_with("recvmsg")
                    || tail.starts_with("getpeername")
                    || tail.starts_with("getsockname")
                {
                    "cgroup_sock_addr".into()
                } else {
                    format!("cgroup/{tail}")
                }
            }
        },
        "cgroup_skb" => "cgroup_skb".into(),
        h => h.to_string(),
    }
}

fn kernel_verifier_progs(dir: &std::path::Path) -> Tally {
    use palisade_verifier::object::Object;
    let mut tally = Tally::default();
    let base = dir.join("kernel-verifier-progs");
    let rows = read_tsv(&base.join("verifier_progs.tsv"));
    let mut objects: BTreeMap<String, Option<Object>> = BTreeMap::new();
    for r in &rows {
        let name = format!("{}:{}", r.object, r.program);
        let group = section_group(&r.section);
        if let Some(why) = prog_excluded(r) {
            tally.excluded.push(format!("{name} ({group}): {why}"));
            continue;
        }
        let kernel_accepts = r.observed == "accept";
        let obj = objects.entry(r.object.clone()).or_insert_with(|| {
            std::fs::read(base.join("obj").join(&r.object))
                .ok()
                .and_then(|b| Object::parse(&b).ok())
        });
        let prog = obj.as_ref().and_then(|o| {
            let i = o.program_by_name(&r.program)?;
            let linked = o.link(i).ok()?;
            let mut p = Program::from_linked(o, &linked)?;
            if r.tags.contains("BPF_F_STRICT_ALIGNMENT") {
                p.flags.strict_alignment = true;
            }
            if r.tags.contains("BPF_F_ANY_ALIGNMENT") {
                p.flags.any_alignment = true;
            }
            Some(p)
        });
        match prog {
            Some(p) => {
                let report = run(&p);
                tally.record(&group, &name, kernel_accepts, &report);
            }
            None => {
                // Palisade cannot even prepare it: a rejection.
                let row = tally.rows.entry(group.clone()).or_default();
                if kernel_accepts {
                    row.false_reject += 1;
                    tally.disagreements.push(format!(
                        "FALSE REJECT  [{group}] {name}: cannot link or unknown section"
                    ));
                } else {
                    row.agree += 1;
                }
            }
        }
    }
    tally
}

#[test]
fn corpus_agreement() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let started = std::time::Instant::now();
    let kv = kernel_verifier(&dir);
    kv.print("kernel-verifier (test_verifier, 526 tests)");
    let kp = kernel_verifier_progs(&dir);
    kp.print("kernel-verifier-progs (clang-built objects, 1214 programs)");
    println!("\ncorpus run took {:.2}s", started.elapsed().as_secs_f64());
    let unsafe_total: u32 = kv
        .rows
        .values()
        .chain(kp.rows.values())
        .map(|r| r.unsafe_accept)
        .sum();
    assert_eq!(
        unsafe_total, 0,
        "unsafe accepts (run with VERBOSE=1 to list them)"
    );
    packet_types_reach_90_percent(&kv, &kp);
    ratchet(&[("kernel-verifier", &kv), ("kernel-verifier-progs", &kp)]);
}

/// The packet program types agree with Linux at least 90% of the time.
fn packet_types_reach_90_percent(kv: &Tally, kp: &Tally) {
    const PACKET: &[&str] = &[
        "socket_filter",
        "sched_cls",
        "sched_act",
        "xdp",
        "cgroup_skb",
        "lwt_in",
        "lwt_out",
        "lwt_xmit",
        "sk_skb",
        "socket",
        "tc",
        "tc_action",
    ];
    for (name, t) in [("kernel-verifier", kv), ("kernel-verifier-progs", kp)] {
        let (mut agree, mut total) = (0, 0);
        for (g, r) in &t.rows {
            if PACKET.contains(&g.as_str()) {
                agree += r.agree;
                total += r.agree + r.false_reject + r.unsafe_accept;
            }
        }
        println!("{name}: packet program types agree {agree}/{total}");
        assert!(
            agree * 10 >= total * 9,
            "{name}: packet program types agree on {agree} of {total} (< 90%)"
        );
    }
}

/// The checked-in minimum agreement per corpus and group may only go up;
/// `BLESS=1` raises it to the current numbers.
fn ratchet(tallies: &[(&str, &Tally)]) {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/verify-data/corpus-expect.json");
    let old: Json = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Json::Null);
    let bless = std::env::var_os("BLESS").is_some();
    let mut new = serde_json::Map::new();
    let mut failures = Vec::new();
    for (corpus, tally) in tallies {
        let mut groups = serde_json::Map::new();
        for (g, r) in &tally.rows {
            let floor = old[*corpus][g]["min_agree"].as_u64().unwrap_or(0) as u32;
            if r.agree < floor {
                failures.push(format!("{corpus}/{g}: agree {} < ratchet {floor}", r.agree));
            }
            let keep = if bless { r.agree.max(floor) } else { floor };
            groups.insert(
                g.clone(),
                serde_json::json!({ "min_agree": keep, "max_unsafe_accept": 0 }),
            );
        }
        new.insert(corpus.to_string(), Json::Object(groups));
    }
    if bless {
        let text = serde_json::to_string_pretty(&Json::Object(new)).expect("json") + "\n";
        std::fs::write(&path, text).expect("write the ratchet file");
        println!("ratchet written to {}", path.display());
    } else if old.is_null() {
        panic!(
            "{} is missing; run with BLESS=1 to create it",
            path.display()
        );
    }
    assert!(
        failures.is_empty(),
        "agreement went down:\n{}",
        failures.join("\n")
    );
}
