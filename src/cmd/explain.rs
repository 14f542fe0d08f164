//! `palisade explain`: which rule decides a packet, and why.
//!
//! Checks the file, parses the packet (the syntax of `expect` lines), and
//! runs it through the reference evaluator: every program of the file (or
//! only `--policy NAME`) that sees packets of its direction. For each it
//! prints the rules tried (with why each did not match), the deciding line
//! and the verdict, including audit mode and the count/log flags. Exit 0,
//! 1 if the file has errors, 2 for an unreadable file, a malformed packet
//! or an unknown `--policy`.

use super::check::{has_errors, print_issues, read_policy};
use crate::cli::Global;
use clap::Args;
use palisade_compiler::check_source;
use palisade_compiler::eval::{self, ConnectOutcome, Decider, ProgramOutcome};
use palisade_compiler::model::{Checked, Packet, Program};
use palisade_compiler::suggest::did_you_mean;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The policy file.
    pub file: PathBuf,
    /// The packet, e.g. "tcp 10.1.2.3:40000 -> 10.0.0.5:443"
    /// ([ingress|egress] PROTO SRC -> DST [type T [code C]] [fragment]).
    pub packet: String,
    /// Only this policy, guard or service (default: every program that
    /// sees the packet's direction).
    #[arg(long, value_name = "NAME")]
    pub policy: Option<String>,
}

#[derive(Serialize)]
struct LineRef {
    line: u32,
    text: String,
}

#[derive(Serialize)]
struct Tried {
    line: u32,
    text: String,
    why: String,
}

#[derive(Serialize)]
struct ProgramReport {
    name: String,
    kind: &'static str,
    hook: &'static str,
    line: u32,
    /// "decided", "rewrite", "unchanged" or "not-seen".
    result: &'static str,
    verdict: Option<String>,
    effective: Option<String>,
    decided_by: Option<LineRef>,
    default: bool,
    count: bool,
    log: bool,
    audited: bool,
    tried: Vec<Tried>,
    backends: Vec<String>,
}

#[derive(Serialize)]
struct Report {
    file: String,
    packet: String,
    programs: Vec<ProgramReport>,
}

pub fn run(args: ExplainArgs, global: Global) -> anyhow::Result<ExitCode> {
    let source = read_policy(&args.file)?;
    let name = args.file.display().to_string();
    let report = check_source(&source);
    if has_errors(&report.issues) {
        print_issues(&name, &source, &report.issues)?;
        return Ok(ExitCode::from(crate::exit::USER));
    }
    let checked = report.checked.expect("no errors means a checked model");
    let packet = match eval::parse_packet(&args.packet) {
        Ok(packet) => packet,
        Err(issues) => {
            print_issues("<packet>", &args.packet, &issues)?;
            return Ok(ExitCode::from(crate::exit::ENVIRONMENT));
        }
    };
    let programs: Vec<&Program> = match &args.policy {
        Some(wanted) => match checked.program_by_name(wanted) {
            Some(program) => vec![program],
            None => {
                let hint = did_you_mean(wanted, checked.programs.iter().map(|p| p.name.as_str()))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                anyhow::bail!("{name} has no policy, guard or service `{wanted}`{hint}");
            }
        },
        None => checked
            .programs
            .iter()
            .filter(|p| packet.direction.is_none_or(|d| d == p.hook().direction()))
            .collect(),
    };
    let reports: Vec<ProgramReport> = programs
        .iter()
        .map(|p| explain(&checked, p, &packet))
        .collect();
    if global.json {
        let report = Report {
            file: name,
            packet: packet.to_string(),
            programs: reports,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&name, &packet, &reports);
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(checked: &Checked, program: &Program, packet: &Packet) -> ProgramReport {
    let mut report = ProgramReport {
        name: program.name.clone(),
        kind: program.kind_name(),
        hook: program.hook().name(),
        line: program.line,
        result: "not-seen",
        verdict: None,
        effective: None,
        decided_by: None,
        default: false,
        count: false,
        log: false,
        audited: false,
        tried: Vec::new(),
        backends: Vec::new(),
    };
    match eval::run_program(checked, program, packet) {
        ProgramOutcome::NotSeen => {}
        ProgramOutcome::Filter(trace) => {
            let filter = program.filter().expect("filter outcomes come from filters");
            let o = trace.outcome;
            report.result = "decided";
            report.verdict = Some(o.verdict.to_string());
            report.effective = Some(o.effective.to_string());
            report.count = o.count;
            report.log = o.log;
            report.audited = o.audited;
            report.tried = trace
                .tried
                .iter()
                .map(|(id, why)| {
                    let rule = &filter.rules[id.index()];
                    Tried {
                        line: rule.line,
                        text: rule.text.clone(),
                        why: why.to_string(),
                    }
                })
                .collect();
            report.decided_by = Some(match o.decided_by {
                Decider::Rule(id) => {
                    let rule = &filter.rules[id.index()];
                    LineRef {
                        line: rule.line,
                        text: rule.text.clone(),
                    }
                }
                Decider::Default => {
                    report.default = true;
                    LineRef {
                        line: filter.default.line,
                        text: filter.default.text.clone(),
                    }
                }
            });
        }
        ProgramOutcome::Connect(ConnectOutcome::Unchanged) => report.result = "unchanged",
        ProgramOutcome::Connect(ConnectOutcome::Rewrite { mapping, backends }) => {
            let crate_mapping = match &program.kind {
                palisade_compiler::model::ProgramKind::Service(s) => &s.mappings[mapping.index()],
                _ => unreachable!("connect outcomes come from services"),
            };
            report.result = "rewrite";
            report.decided_by = Some(LineRef {
                line: crate_mapping.line,
                text: crate_mapping.text.clone(),
            });
            report.backends = backends.iter().map(ToString::to_string).collect();
        }
    }
    report
}

fn print_text(file: &str, packet: &Packet, reports: &[ProgramReport]) {
    println!("packet: {packet}");
    if reports.is_empty() {
        println!("no program in {file} sees this packet's direction");
    }
    for r in reports {
        println!();
        println!("{} {} on {} ({file}:{})", r.kind, r.name, r.hook, r.line);
        match r.result {
            "not-seen" => println!("  not seen: {} runs on {}", r.name, r.hook),
            "unchanged" => println!("  unchanged: no mapping for this address and protocol"),
            "rewrite" => {
                if let Some(by) = &r.decided_by {
                    println!("  mapped by line {}: {}", by.line, by.text);
                }
                println!("  rewrite to one of: {}", r.backends.join(", "));
            }
            _ => {
                for t in &r.tried {
                    println!("  tried line {}: {}", t.line, t.text);
                    println!("    no match: {}", t.why);
                }
                if let Some(by) = &r.decided_by {
                    let what = if r.default {
                        "no rule matched; default"
                    } else {
                        "matched"
                    };
                    println!("  {what} at line {}: {}", by.line, by.text);
                }
                let verdict = r.verdict.as_deref().unwrap_or("?");
                let effective = r.effective.as_deref().unwrap_or("?");
                if r.audited {
                    println!("  verdict: {verdict} (audit mode: logged and counted, {effective} in effect)");
                } else {
                    println!("  verdict: {verdict}");
                }
                let flags: Vec<&str> = [(r.count, "count"), (r.log, "log")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, name)| *name)
                    .collect();
                if !flags.is_empty() {
                    println!("  flags: {}", flags.join(", "));
                }
            }
        }
    }
}
