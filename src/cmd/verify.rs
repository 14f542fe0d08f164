//! `palisade verify`: verify every program of eBPF objects with the
//! in-process verifier and report, per program, the verdict, the
//! instructions processed and the time taken.
//!
//! Exit codes: 0 when every program of every object is accepted, 1 when a
//! program is rejected or an object cannot be read as eBPF ELF, 2 when a
//! file cannot be read at all.

use crate::cli::Global;
use anyhow::Context;
use clap::Args;
use palisade_verifier::object::Object;
use palisade_verifier::verify::{verify_object, ObjectResult, Options, Platform};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// eBPF ELF objects to verify.
    #[arg(required = true)]
    pub objects: Vec<PathBuf>,
    /// Only the program with this name (function name) in each object.
    #[arg(long)]
    pub program: Option<String>,
    /// Check exactly what Linux checks for a privileged loader (allows
    /// reading uninitialised stack); the default is stricter.
    #[arg(long)]
    pub kernel_compat: bool,
}

/// What happened to one object.
enum Outcome {
    Programs(Vec<ObjectResult>),
    Unreadable(String),
}

pub fn run(args: VerifyArgs, global: Global) -> anyhow::Result<ExitCode> {
    let platform = Platform::linux();
    let options = if args.kernel_compat {
        Options::kernel_privileged()
    } else {
        Options::strict()
    };
    let mut outcomes = Vec::new();
    for path in &args.objects {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let outcome = match Object::parse(&bytes) {
            Err(e) => Outcome::Unreadable(format!("not a readable eBPF object: {e}")),
            Ok(obj) => {
                let mut results = verify_object(&obj, &platform, &options);
                if let Some(only) = &args.program {
                    results.retain(|r| result_name(r) == only);
                    if results.is_empty() {
                        let known: Vec<&str> =
                            obj.programs.iter().map(|p| p.name.as_str()).collect();
                        return Err(crate::exit::user_error(format!(
                            "{}: no program `{only}` (programs: {})",
                            path.display(),
                            known.join(", ")
                        )));
                    }
                }
                Outcome::Programs(results)
            }
        };
        outcomes.push((path.display().to_string(), outcome));
    }
    let all_ok = outcomes.iter().all(|(_, o)| match o {
        Outcome::Unreadable(_) => false,
        Outcome::Programs(rs) => rs.iter().all(|r| match r {
            ObjectResult::Verified(rep) => rep.accepted(),
            ObjectResult::NotVerified { .. } => false,
        }),
    });
    let mut out = std::io::stdout().lock();
    if global.json {
        let objects: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|(path, o)| match o {
                Outcome::Unreadable(e) => serde_json::json!({ "path": path, "error": e }),
                Outcome::Programs(rs) => serde_json::json!({
                    "path": path,
                    "programs": rs.iter().map(|r| match r {
                        ObjectResult::Verified(rep) => rep.to_json(),
                        ObjectResult::NotVerified { program, reason } => serde_json::json!({
                            "program": program,
                            "verdict": "reject",
                            "errors": [{ "kind": "not_verified", "message": reason }],
                        }),
                    }).collect::<Vec<_>>(),
                }),
            })
            .collect();
        let doc = serde_json::json!({ "accepted": all_ok, "objects": objects });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        for (path, o) in &outcomes {
            match o {
                Outcome::Unreadable(e) => writeln!(out, "{path}: error: {e}")?,
                Outcome::Programs(rs) if rs.is_empty() => {
                    writeln!(out, "{path}: no programs")?;
                }
                Outcome::Programs(rs) => {
                    for r in rs {
                        match r {
                            ObjectResult::Verified(rep) => writeln!(out, "{path}: {rep}")?,
                            ObjectResult::NotVerified { program, reason } => {
                                writeln!(out, "{path}: {program}: reject\n  error: {reason}")?
                            }
                        }
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::USER)
    })
}

fn result_name(r: &ObjectResult) -> &str {
    match r {
        ObjectResult::Verified(rep) => &rep.program,
        ObjectResult::NotVerified { program, .. } => program,
    }
}
