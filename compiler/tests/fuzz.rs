//! Bounded fuzzing in `cargo test`: random and mutated inputs through the
//! fuzz targets of `palisade_compiler::fuzz`, which must never panic (and
//! check the formatter's promises on every input that parses).
//!
//! Inputs: random bytes; "token soup" from the language's vocabulary; and
//! mutations (flips, deletions, insertions of tokens, duplicated, swapped
//! and truncated lines) of the samples, the diagnostics inputs and the
//! reference's examples. The generator is a fixed-seed PRNG, so a failure
//! reproduces: the panic message names the case number and input.
//!
//! `PALISADE_FUZZ_CASES` sets the number of cases (default 20,000); the
//! ignored test `fuzz_one_million` runs 1,000,000.

mod common;

use palisade_compiler::fuzz;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// splitmix64: small, fast, good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Words and fragments fuzzed inputs are made of, besides the keywords.
const EXTRA_VOCABULARY: &[&str] = &[
    "audit",
    "ingress",
    "egress",
    "xdp",
    "connect",
    "tcp",
    "udp",
    "icmp",
    "icmpv6",
    "sctp",
    "rewrite",
    "unchanged",
    "addr",
    "echo-request",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "=",
    "..",
    "->",
    "\n",
    "\n\n",
    " ",
    "# note\n",
    "\"web-*\"",
    "\"[\"",
    "\"",
    "web",
    "x",
    "0",
    "80",
    "65535",
    "65536",
    "99999999999999999999999",
    "10.0.0.0/8",
    "10.0.0.1",
    "10.0.0.300",
    "fd00::/8",
    "fd00::1",
    "::",
    "0.0.0.0/0",
    "1.2.3",
    "/",
    "$",
    "é",
    "\t",
];

fn corpus() -> Vec<Vec<u8>> {
    let mut files: Vec<Vec<u8>> = common::samples()
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diagnostics");
    for entry in std::fs::read_dir(dir).unwrap() {
        files.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    files.extend(
        common::doc_examples()
            .into_iter()
            .map(|(_, text)| text.into_bytes()),
    );
    files
}

/// A random word: a keyword of the language or one of [`EXTRA_VOCABULARY`].
fn word(rng: &mut Rng) -> &'static str {
    let keywords = palisade_compiler::lexer::KEYWORDS;
    let i = rng.below(keywords.len() + EXTRA_VOCABULARY.len());
    keywords
        .get(i)
        .copied()
        .unwrap_or_else(|| EXTRA_VOCABULARY[i - keywords.len()])
}

fn token_soup(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(60);
    let mut out = Vec::new();
    for _ in 0..n {
        out.extend_from_slice(word(rng).as_bytes());
        if rng.below(3) > 0 {
            out.push(b' ');
        }
    }
    out
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(7) {
            0 if len > 0 => {
                let at = rng.below(len);
                let bytes = b" {}[],:=.-/#\"\nax09";
                data[at] = bytes[rng.below(bytes.len())];
            }
            1 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(16)).min(len);
                data.drain(at..end);
            }
            2 => {
                let at = rng.below(len + 1);
                let token = word(rng).as_bytes().to_vec();
                data.splice(at..at, token);
            }
            3 | 4 => {
                let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
                if lines.len() > 1 {
                    let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                    let mut new: Vec<Vec<u8>> = lines.iter().map(|l| l.to_vec()).collect();
                    if rng.below(2) == 0 {
                        new.swap(a, b);
                    } else {
                        let copy = new[a].clone();
                        new.insert(b, copy);
                    }
                    data = new.join(&b'\n');
                }
            }
            5 if len > 0 => data.truncate(rng.below(len)),
            _ => {
                let at = rng.below(len + 1);
                data.insert(at, rng.next() as u8);
            }
        }
    }
    data
}

/// Runs `cases` inputs; returns how many ran.
fn run(cases: usize, seed: u64) -> usize {
    let corpus = corpus();
    let mut rng = Rng(seed);
    for case in 0..cases {
        let input = match case % 8 {
            0 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
            1 | 2 => token_soup(&mut rng),
            _ => {
                let base = rng.pick(&corpus).clone();
                mutate(&mut rng, &base)
            }
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            fuzz::front_end(&input);
            if case % 4 == 0 {
                fuzz::packet(&input[..input.len().min(120)]);
            }
        }));
        if result.is_err() {
            panic!(
                "fuzz case {case} (seed {seed:#x}) panicked on input:\n{:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
    cases
}

fn cases_from_env(default: usize) -> usize {
    std::env::var("PALISADE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn fuzz_bounded() {
    let ran = run(cases_from_env(20_000), 0x5eed_0001);
    eprintln!("fuzz: {ran} inputs, no panic");
}

#[test]
#[ignore = "long: run with `cargo test --release --test fuzz -- --ignored`"]
fn fuzz_one_million() {
    let ran = run(cases_from_env(1_000_000), 0x5eed_1000);
    eprintln!("fuzz: {ran} inputs, no panic");
}

#[test]
fn packet_texts_round_trip() {
    let mut rng = Rng(7);
    for _ in 0..2000 {
        let text = format!(
            "{} {} {}:{} -> {}:{}",
            rng.pick(&["", "ingress", "egress"]),
            rng.pick(&["tcp", "udp", "sctp"]),
            rng.pick(&["10.0.0.1", "192.168.0.255", "0.0.0.0"]),
            rng.below(65536),
            rng.pick(&["10.9.9.9", "255.255.255.255"]),
            rng.below(65536),
        );
        fuzz::packet(text.trim().as_bytes());
    }
}
