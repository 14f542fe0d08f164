//! `palisade test`: run the `test` blocks of policy files.
//!
//! Every `expect` line runs through the reference evaluator. With
//! `--kernel`, the file is also compiled, loaded into the kernel, and every
//! policy and guard expectation runs as a frame through BPF_PROG_TEST_RUN
//! (services cannot be test-run; they are checked by the reference only and
//! marked so). Failures print the packet, the expected and actual verdicts
//! and the deciding line. Exit 0 when every expectation holds, 1 when one
//! fails or a file has errors, 2 when a file cannot be read or the kernel
//! cannot be used.

use super::check::{has_errors, plural, print_issues, read_policy};
use crate::cli::Global;
use clap::Args;
use palisade_compiler::check_source;
use palisade_compiler::span::LineIndex;
use palisade_compiler::testrun::{actual_text, expected_text, run_tests};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Policy files whose `test` blocks to run.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also run every expectation in the kernel (BPF_PROG_TEST_RUN).
    #[arg(long)]
    pub kernel: bool,
}

#[derive(Serialize)]
struct ExpectReport {
    line: u32,
    column: u32,
    text: String,
    packet: String,
    expected: String,
    actual: String,
    passed: bool,
    /// With `--kernel`: the kernel's result (`None`: not run there).
    #[serde(skip_serializing_if = "Option::is_none")]
    kernel: Option<KernelResult>,
}

#[derive(Serialize, Clone)]
struct KernelResult {
    /// `pass`/`block` from the program's return code, or why it did not run.
    returned: String,
    passed: bool,
}

#[derive(Serialize)]
struct TestReport {
    name: String,
    line: u32,
    passed: bool,
    expects: Vec<ExpectReport>,
}

#[derive(Serialize)]
struct FileReport {
    file: String,
    /// The file had errors, so its tests did not run.
    errors: bool,
    tests: Vec<TestReport>,
}

#[derive(Serialize)]
struct Report {
    passed: usize,
    failed: usize,
    /// Expectations that also ran in the kernel (`--kernel`).
    kernel_runs: usize,
    files: Vec<FileReport>,
}

pub fn run(args: TestArgs, global: Global) -> anyhow::Result<ExitCode> {
    let mut report = Report {
        passed: 0,
        failed: 0,
        kernel_runs: 0,
        files: Vec::new(),
    };
    let mut broken_files = 0;
    for path in &args.files {
        let source = read_policy(path)?;
        let name = path.display().to_string();
        let checked = check_source(&source);
        if has_errors(&checked.issues) {
            if !global.json {
                print_issues(&name, &source, &checked.issues)?;
            }
            broken_files += 1;
            report.files.push(FileReport {
                file: name,
                errors: true,
                tests: Vec::new(),
            });
            continue;
        }
        let model = checked.checked.expect("no errors means a checked model");
        let kernel = if args.kernel {
            Some(kernel_runner::KernelRunner::new(&model, &name, &source)?)
        } else {
            None
        };
        let index = LineIndex::new(&source);
        let mut file = FileReport {
            file: name.clone(),
            errors: false,
            tests: Vec::new(),
        };
        if !global.json {
            let n = model.tests.len();
            println!("running {n} {} from {name}", plural(n, "test", "tests"));
        }
        for result in run_tests(&model) {
            let passed = result.passed();
            let expects: Vec<ExpectReport> = result
                .expects
                .iter()
                .map(|e| {
                    let position = index.line_col(&source, e.expectation.span.start);
                    let kernel = kernel.as_ref().map(|k| k.run(&model, e.expectation));
                    ExpectReport {
                        line: position.line,
                        column: position.column,
                        text: e.expectation.text.clone(),
                        packet: e.expectation.packet.to_string(),
                        expected: expected_text(&e.expectation.expected),
                        actual: actual_text(e.program, &e.outcome),
                        passed: e.passed && kernel.as_ref().is_none_or(|k| k.passed),
                        kernel,
                    }
                })
                .collect();
            report.passed += expects.iter().filter(|e| e.passed).count();
            report.failed += expects.iter().filter(|e| !e.passed).count();
            report.kernel_runs += expects
                .iter()
                .filter(|e| {
                    e.kernel
                        .as_ref()
                        .is_some_and(|k| !k.returned.starts_with("not run"))
                })
                .count();
            if !global.json {
                println!(
                    "test {} ... {}",
                    result.test.name,
                    if passed { "ok" } else { "FAILED" }
                );
                for e in expects.iter().filter(|e| !e.passed) {
                    println!("  {name}:{}:{}: {}", e.line, e.column, e.text);
                    println!("    packet:   {}", e.packet);
                    println!("    expected: {}", e.expected);
                    println!("    actual:   {}", e.actual);
                    if let Some(k) = &e.kernel {
                        println!("    kernel:   {}", k.returned);
                    }
                }
            }
            file.tests.push(TestReport {
                name: result.test.name.clone(),
                line: result.test.line,
                passed,
                expects,
            });
        }
        report.files.push(file);
    }
    if global.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let verdict = if report.failed == 0 && broken_files == 0 {
            "ok"
        } else {
            "FAILED"
        };
        let mut line = format!(
            "test result: {verdict}. {} {} held; {} failed",
            report.passed,
            plural(report.passed, "expectation", "expectations"),
            report.failed
        );
        if args.kernel {
            line.push_str(&format!("; {} ran in the kernel too", report.kernel_runs));
        }
        if broken_files > 0 {
            line.push_str(&format!(
                "; {broken_files} {} with errors not run",
                plural(broken_files, "file", "files")
            ));
        }
        println!("{line}");
    }
    Ok(if report.failed > 0 || broken_files > 0 {
        ExitCode::from(crate::exit::USER)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs expectations in the kernel: the whole file compiled and loaded
/// once, each filter expectation as a frame through BPF_PROG_TEST_RUN.
mod kernel_runner {
    use super::KernelResult;
    use anyhow::Context;
    use palisade_compiler::codegen::expect::hook_of;
    use palisade_compiler::codegen::{compile, wire, Compiled, Source};
    use palisade_compiler::eval::{self, ProgramOutcome};
    use palisade_compiler::model::{Checked, Expectation, Expected};
    use palisade_runtime::kernel::{load, run_packet, LoadOptions, LoadedObject};
    use palisade_runtime::sys::Kernel;

    pub struct KernelRunner {
        compiled: Compiled,
        loaded: LoadedObject,
    }

    impl KernelRunner {
        /// Compiles and loads the file; an error means the kernel cannot
        /// be used (exit 2).
        pub fn new(checked: &Checked, name: &str, source: &str) -> anyhow::Result<KernelRunner> {
            let compiled = compile(
                checked,
                &Source {
                    path: name,
                    text: source,
                },
            )
            .with_context(|| format!("{name}: code generation failed"))?;
            let elf = compiled.to_elf().context("writing the object failed")?;
            let loaded = load(&Kernel, &elf, &LoadOptions::default())
                .with_context(|| format!("{name}: cannot load into the kernel (run as root?)"))?;
            Ok(KernelRunner { compiled, loaded })
        }

        pub fn run(&self, checked: &Checked, e: &Expectation) -> KernelResult {
            let program = checked.program(e.program);
            let not_run = |why: &str| KernelResult {
                returned: format!("not run: {why}"),
                passed: true,
            };
            let (Some(filter), Some(hook), Expected::Verdict(want)) =
                (program.filter(), hook_of(program), &e.expected)
            else {
                return not_run("connect programs cannot be test-run");
            };
            if matches!(
                eval::run_program(checked, program, &e.packet),
                ProgramOutcome::NotSeen
            ) {
                return not_run("the packet's direction is not the program's");
            }
            let Some(function) = self
                .compiled
                .programs
                .iter()
                .find(|p| p.name == program.name)
            else {
                return not_run("no such program");
            };
            let Some(prog) = self.loaded.program(&function.function) else {
                return not_run("not loaded");
            };
            let frame = wire::build_frame(&e.packet);
            let codes = hook.verdicts();
            let want_code = if want.blocks() && !filter.audit {
                codes.block
            } else {
                codes.pass
            };
            match run_packet(&Kernel, prog, &frame, 1) {
                Ok(run) => {
                    let word = if run.retval as i32 == codes.block {
                        "block"
                    } else {
                        "pass"
                    };
                    KernelResult {
                        returned: format!("{word} (return code {})", run.retval),
                        passed: run.retval as i32 == want_code,
                    }
                }
                Err(err) => KernelResult {
                    returned: format!("test run failed: {err}"),
                    passed: false,
                },
            }
        }
    }
}
