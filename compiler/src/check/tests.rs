//! `test` blocks: each `expect` line names a program, the verdict it
//! should reach, and a packet.
//!
//! Verdict words depend on the program: `allow`/`deny` for policies,
//! `drop`/`pass` for guards (both compared with the decision before audit
//! mode), `rewrite [to BACKEND]`/`unchanged` for services. A packet may
//! name its direction; it must then be the one the program sees.

use super::names::Names;
use super::packet::{lower_backend, lower_packet_in};
use super::programs::misplaced;
use super::Checker;
use crate::ast::{self, Item, Line};
use crate::issue::IssueKind;
use crate::model::{Expectation, Expected, Program, Protocol, Test, Verdict};
use crate::suggest::did_you_mean;

/// Lowers every test block. Tests of programs that failed to check are
/// dropped (the program's errors are reported already).
pub fn lower_tests(
    cx: &mut Checker<'_>,
    file: &ast::File,
    names: &Names,
    programs: &[Option<Program>],
) -> Vec<Test> {
    let mut tests = Vec::new();
    for item in &file.items {
        let Item::Test(block) = item else { continue };
        let mut expects = Vec::new();
        for line in &block.body.lines {
            match line {
                Line::Expect(expect) => {
                    if let Some(lowered) = lower_expect(cx, names, programs, expect) {
                        expects.push(lowered);
                    }
                }
                Line::Error(_) => {}
                other => misplaced(cx, other, "test"),
            }
        }
        if block.body.lines.is_empty() {
            cx.report(
                IssueKind::EmptyTest {
                    name: block.name.name.clone(),
                },
                block.name.span,
            );
        }
        tests.push(Test {
            name: block.name.name.clone(),
            span: block.span,
            line: cx.line(block.span),
            expects,
        });
    }
    tests
}

fn lower_expect(
    cx: &mut Checker<'_>,
    names: &Names,
    programs: &[Option<Program>],
    expect: &ast::Expect,
) -> Option<Expectation> {
    let id = names.use_program(cx, &expect.program);
    let packet = lower_packet_in(cx, names, &expect.packet);
    let id = id?;
    let info = &names.programs[id.index()];
    let kind = info.kind;
    let word = expect.verdict.text.as_str();
    let (allowed, words): (&'static str, &[&str]) = match kind {
        ast::ProgramKind::Policy => ("`allow` or `deny`", &["allow", "deny"]),
        ast::ProgramKind::Guard => ("`drop` or `pass`", &["drop", "pass"]),
        ast::ProgramKind::Service => ("`rewrite` or `unchanged`", &["rewrite", "unchanged"]),
    };
    let expected = match (kind, word) {
        (ast::ProgramKind::Policy, "allow") => Some(Expected::Verdict(Verdict::Allow)),
        (ast::ProgramKind::Policy, "deny") => Some(Expected::Verdict(Verdict::Deny)),
        (ast::ProgramKind::Guard, "drop") => Some(Expected::Verdict(Verdict::Drop)),
        (ast::ProgramKind::Guard, "pass") => Some(Expected::Verdict(Verdict::Pass)),
        (ast::ProgramKind::Service, "rewrite") => match &expect.backend {
            Some(backend) => lower_backend(cx, backend).map(|b| Expected::Rewrite(Some(b))),
            None => Some(Expected::Rewrite(None)),
        },
        (ast::ProgramKind::Service, "unchanged") => Some(Expected::Unchanged),
        _ => {
            let suggestion = match (kind, word) {
                (ast::ProgramKind::Guard, "deny") => Some("drop".to_string()),
                (ast::ProgramKind::Guard, "allow") => Some("pass".to_string()),
                (ast::ProgramKind::Policy, "drop") => Some("deny".to_string()),
                (ast::ProgramKind::Policy, "pass") => Some("allow".to_string()),
                _ => did_you_mean(word, words.iter().copied()),
            };
            cx.report(
                IssueKind::WrongVerdict {
                    word: word.to_string(),
                    kind: kind.keyword(),
                    allowed,
                    suggestion,
                },
                expect.verdict.span,
            );
            None
        }
    };
    if word != "rewrite" {
        if let Some(backend) = &expect.backend {
            cx.report(
                IssueKind::UnexpectedBackend {
                    verdict: word.to_string(),
                },
                backend.span,
            );
            return None;
        }
    }
    let packet = packet?;
    if let (Some(direction), Some(hook)) = (packet.direction, info.hook) {
        if direction != hook.direction() {
            cx.report(
                IssueKind::DirectionMismatch {
                    direction: direction.name().to_string(),
                    program: info.name.clone(),
                    hook: hook.name().to_string(),
                },
                expect
                    .packet
                    .direction
                    .as_ref()
                    .map_or(expect.packet.span, |d| d.span),
            );
            return None;
        }
    }
    if kind == ast::ProgramKind::Service
        && packet.protocol != Protocol::TCP
        && packet.protocol != Protocol::UDP
    {
        cx.report(
            IssueKind::InvalidPacket {
                reason: "services only see tcp and udp connects".into(),
                help: None,
            },
            expect.packet.proto.span(),
        );
        return None;
    }
    // The program must have checked cleanly for the expectation to run.
    programs.get(id.index())?.as_ref()?;
    Some(Expectation {
        span: expect.span,
        line: cx.line(expect.span),
        text: cx.text(expect.span),
        program: id,
        expected: expected?,
        packet,
    })
}
