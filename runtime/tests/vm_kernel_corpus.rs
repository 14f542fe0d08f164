//! The Linux verifier selftests that carry `__retval(N)`, through the VM:
//! the kernel accepted each program (`observed_kernel = accept`) and its
//! selftest runs it with `BPF_PROG_TEST_RUN` on 64 zero bytes and checks
//! `r0`. The same objects and input go through the VM here.
//!
//! Two properties:
//! * a program the kernel's verifier accepted never faults on memory in
//!   the VM (no out-of-bounds, unmapped, read-only or context fault):
//!   "a verified program must never fault in the VM", with the kernel as
//!   the verifier;
//! * where the VM emulates everything the program uses, `r0` is the
//!   selftest's expected value. Programs that need what the VM does not
//!   have (kfuncs, arenas, helpers outside its set, BTF-id loads) end in
//!   an `Unsupported`/`UnknownHelper` error and are counted, not failed.

mod support;

use palisade_runtime::vm::loader::Hook;
use palisade_runtime::vm::{load_object, Frame, VmConfig, VmErrorKind};
use std::collections::BTreeMap;

/// `TEST_DATA_LEN` of the kernel's `test_loader.c`.
const TEST_DATA_LEN: usize = 64;
/// `POINTER_VALUE`: the selftest accepts any return value.
const POINTER_VALUE: i64 = 0xcafe_4a11;

fn parse_retval(text: &str) -> Option<i64> {
    Some(match text {
        "INT_MIN" => i64::from(i32::MIN),
        "POINTER_VALUE" => POINTER_VALUE,
        "TEST_DATA_LEN" => TEST_DATA_LEN as i64,
        t => match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(h) => i64::from_str_radix(h, 16).ok()?,
            None => t.parse().ok()?,
        },
    })
}

/// `init_test_val_map` of the kernel's `prog_tests/verifier.c`: before
/// running `verifier_array_access` and `verifier_value_ptr_arith`, the
/// selftest stores `struct test_val { .index = 28, .foo[6] = 0xabcdef12 }`
/// at key 0 of these maps.
const TEST_VAL_MAPS: &[(&str, &[&str])] = &[
    ("verifier_array_access.o", &["map_array_ro", "map_array_wo"]),
    ("verifier_value_ptr_arith.o", &["map_array_48b"]),
];

fn init_test_val_maps(object: &str, vm: &mut palisade_runtime::vm::Vm) {
    let maps = TEST_VAL_MAPS
        .iter()
        .filter(|(o, _)| *o == object)
        .flat_map(|(_, maps)| maps.iter());
    for name in maps {
        let map = vm
            .maps_mut()
            .named_mut(name)
            .unwrap_or_else(|| panic!("{object} has no map {name}"));
        let mut value = vec![0u8; map.def().value_size as usize];
        value[0..4].copy_from_slice(&28u32.to_le_bytes());
        value[4 + 6 * 4..4 + 7 * 4].copy_from_slice(&0xabcd_ef12u32.to_le_bytes());
        map.update(&0u32.to_le_bytes(), &value, 0)
            .unwrap_or_else(|e| panic!("{object}: {name}: {e}"));
    }
}

#[derive(Debug)]
struct Case {
    object: String,
    program: String,
    retval: i64,
}

fn cases(tsv: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 11 || cols[10] != "accept" {
            continue;
        }
        let Some(tag) = cols[8].split('"').find_map(|s| s.strip_prefix("retval=")) else {
            continue;
        };
        let retval = parse_retval(tag).unwrap_or_else(|| panic!("retval `{tag}`"));
        out.push(Case {
            object: cols[0].to_owned(),
            program: cols[1].to_owned(),
            retval,
        });
    }
    out
}

#[test]
fn kernel_accepted_selftests_never_fault_and_return_their_retval() {
    let Some(corpus) =
        support::corpus_dir("kernel_accepted_selftests_never_fault_and_return_their_retval")
    else {
        return;
    };
    let dir = corpus.join("kernel-verifier-progs");
    let tsv = std::fs::read_to_string(dir.join("verifier_progs.tsv")).expect("verifier_progs.tsv");
    let cases = cases(&tsv);
    assert!(cases.len() > 350, "{} cases", cases.len());
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut faults = Vec::new();
    let mut wrong = Vec::new();
    let mut objects: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let sections: BTreeMap<(String, String), String> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Some((
                (c.first()?.to_string(), c.get(1)?.to_string()),
                c.get(2)?.to_string(),
            ))
        })
        .collect();
    for case in &cases {
        let bytes = objects
            .entry(case.object.clone())
            .or_insert_with(|| std::fs::read(dir.join("obj").join(&case.object)).expect("object"));
        let name = format!("{}:{}", case.object, case.program);
        // Loops that end only through `may_goto` run 8 Mi times.
        let config = VmConfig {
            max_instructions: 100_000_000,
            ..VmConfig::default()
        };
        let mut loaded = match load_object(bytes, &case.program, config) {
            Ok(l) => l,
            Err(e) => {
                *counts.entry(format!("not loadable: {e}")).or_default() += 1;
                continue;
            }
        };
        init_test_val_maps(&case.object, &mut loaded.vm);
        let section = sections
            .get(&(case.object.clone(), case.program.clone()))
            .map_or("", String::as_str);
        let result = match loaded.hook {
            Hook::Packet(hook) => loaded
                .vm
                .run_packet(hook, &mut Frame::new(vec![0u8; TEST_DATA_LEN])),
            // The selftests run syscall programs without a context.
            Hook::Other if section.starts_with("syscall") => loaded.vm.run_mem(&mut []),
            _ => {
                *counts
                    .entry(format!("no context emulation for `{section}`"))
                    .or_default() += 1;
                continue;
            }
        };
        match result {
            Ok(r) => {
                let got = i64::from(r.r0 as u32 as i32);
                let want = i64::from(case.retval as u32 as i32);
                if case.retval == POINTER_VALUE || got == want {
                    *counts.entry("retval as expected".into()).or_default() += 1;
                } else {
                    wrong.push(format!("{name}: r0 = {got}, expected {want}"));
                }
            }
            Err(e) => match e.kind {
                VmErrorKind::Unsupported(what) => {
                    *counts.entry(format!("unsupported: {what}")).or_default() += 1
                }
                VmErrorKind::UnknownHelper(id) => {
                    *counts
                        .entry(format!("helper {id} not in the VM"))
                        .or_default() += 1
                }
                _ => faults.push(format!("{name}: {e}")),
            },
        }
    }
    eprintln!("{} kernel-accepted selftests with __retval:", cases.len());
    for (what, n) in &counts {
        eprintln!("  {n:4}  {what}");
    }
    eprintln!("  {:4}  wrong retval", wrong.len());
    eprintln!("  {:4}  faults", faults.len());
    for w in wrong.iter().chain(&faults) {
        eprintln!("    {w}");
    }
    assert!(
        faults.is_empty(),
        "verified programs faulted in the VM:\n{}",
        faults.join("\n")
    );
    assert!(
        wrong.is_empty(),
        "wrong return values:\n{}",
        wrong.join("\n")
    );
}
