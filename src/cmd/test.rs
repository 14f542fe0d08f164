//! `palisade test`: run the `test` blocks of policy files.
//!
//! Every `expect` line runs through the reference evaluator and, compiled,
//! through the userspace VM (filters on a frame, services on a socket
//! address). With `--kernel`, the object is also loaded into the kernel and
//! every policy and guard expectation runs as a frame through
//! BPF_PROG_TEST_RUN (connect programs cannot be test-run there). An
//! expectation holds only if every engine agrees with it. Failures print the packet, the expected and actual verdicts
//! and the deciding line. Exit 0 when every expectation holds, 1 when one
//! fails or a file has errors, 2 when a file cannot be read or the kernel
//! cannot be used.

use super::check::{has_errors, plural, print_issues, read_policy};
use crate::cli::Global;
use crate::engines::{EngineResult, KernelEngine, VmEngine};
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
    /// What the compiled program did in the VM.
    vm: EngineResult,
    /// With `--kernel`: what it did in the kernel.
    #[serde(skip_serializing_if = "Option::is_none")]
    kernel: Option<EngineResult>,
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
    /// Expectations that also ran in the VM.
    vm_runs: usize,
    /// Expectations that also ran in the kernel (`--kernel`).
    kernel_runs: usize,
    files: Vec<FileReport>,
}

pub fn run(args: TestArgs, global: Global) -> anyhow::Result<ExitCode> {
    let mut report = Report {
        passed: 0,
        failed: 0,
        vm_runs: 0,
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
        let mut vm = VmEngine::new(&model, &name, &source)?;
        let kernel = if args.kernel {
            Some(KernelEngine::new(&model, &name, &source)?)
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
                    let vm = vm.run(&model, e.expectation);
                    let kernel = kernel.as_ref().map(|k| k.run(&model, e.expectation));
                    ExpectReport {
                        line: position.line,
                        column: position.column,
                        text: e.expectation.text.clone(),
                        packet: e.expectation.packet.to_string(),
                        expected: expected_text(&e.expectation.expected),
                        actual: actual_text(e.program, &e.outcome),
                        passed: e.passed && vm.passed && kernel.as_ref().is_none_or(|k| k.passed),
                        vm,
                        kernel,
                    }
                })
                .collect();
            report.passed += expects.iter().filter(|e| e.passed).count();
            report.failed += expects.iter().filter(|e| !e.passed).count();
            report.vm_runs += expects.iter().filter(|e| e.vm.ran).count();
            report.kernel_runs += expects
                .iter()
                .filter(|e| e.kernel.as_ref().is_some_and(|k| k.ran))
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
                    println!("    vm:       {}", e.vm.returned);
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
        line.push_str(&format!("; {} ran in the VM", report.vm_runs));
        if args.kernel {
            line.push_str(&format!(", {} in the kernel", report.kernel_runs));
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
