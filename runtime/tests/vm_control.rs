//! Control flow, written as assembler text: conditional jumps (64 and 32
//! bits, signed and unsigned), `gotol`, `may_goto`, bpf-to-bpf calls with
//! their frames, `callx`, and the ends of a run (exit, instruction budget,
//! falling off the end, call depth).

mod support;

use palisade_runtime::vm::{Maps, Vm, VmConfig, VmErrorKind};
use support::{asm, r0, run};

#[test]
fn comparisons_are_unsigned_or_signed_as_written() {
    let prog = |cond: &str| format!("r0 = 0\nr1 = -1\nif r1 {cond} 5 goto +1\nexit\nr0 = 1\nexit");
    assert_eq!(r0(&prog(">")), 1, "-1 is the largest unsigned value");
    assert_eq!(r0(&prog("s>")), 0);
    assert_eq!(r0(&prog("s<")), 1);
    assert_eq!(r0(&prog("<")), 0);
    assert_eq!(r0(&prog(">=")), 1);
    assert_eq!(r0(&prog("s<=")), 1);
    assert_eq!(r0(&prog("!=")), 1);
    assert_eq!(r0(&prog("==")), 0);
    assert_eq!(r0(&prog("&")), 1, "jset: -1 & 5 != 0");
}

#[test]
fn jmp32_compares_the_low_halves() {
    let text = "r0 = 0\nr1 = 0x100000001 ll\nif w1 == 1 goto +1\nexit\nr0 = 1\nexit";
    assert_eq!(r0(text), 1);
    let text = "r0 = 0\nr1 = 0x100000001 ll\nif r1 == 1 goto +1\nexit\nr0 = 1\nexit";
    assert_eq!(r0(text), 0);
    let text = "r0 = 0\nr1 = 0xffffffff ll\nif w1 s< 0 goto +1\nexit\nr0 = 1\nexit";
    assert_eq!(r0(text), 1, "0xffffffff is -1 as a signed 32-bit value");
}

#[test]
fn a_loop_runs_and_counts_its_instructions() {
    let text = "
        r0 = 0
        r1 = 10
    top:
        r0 += r1
        r1 -= 1
        if r1 != 0 goto top
        exit";
    let result = run(text, &mut []).unwrap();
    assert_eq!(result.r0, 55);
    assert_eq!(result.instructions, 2 + 3 * 10 + 1);
}

#[test]
fn gotol_jumps_with_a_32_bit_offset() {
    assert_eq!(r0("r0 = 1\ngotol +1\nr0 = 2\nexit"), 1);
}

#[test]
fn the_instruction_budget_ends_runaway_loops() {
    let config = VmConfig {
        max_instructions: 100,
        ..VmConfig::default()
    };
    let mut vm = Vm::with_config(&asm("r0 = 0\nl:\nr0 += 1\ngoto l"), Maps::new(), config).unwrap();
    let err = vm.run_mem(&mut []).unwrap_err();
    assert_eq!(err.kind, VmErrorKind::InstructionLimit { limit: 100 });
    assert!(err.slot == 1 || err.slot == 2);
}

#[test]
fn falling_off_the_end_is_an_error() {
    let err = run("r0 = 1\nr0 += 1", &mut []).unwrap_err();
    assert_eq!(err.kind, VmErrorKind::FellOffEnd);
    assert_eq!(err.slot, 1, "blames the last instruction");
}

#[test]
fn may_goto_escapes_after_its_budget() {
    let text = "
        r0 = 0
    top:
        may_goto +2
        r0 += 1
        goto top
        exit";
    let config = VmConfig {
        may_goto_budget: 5,
        ..VmConfig::default()
    };
    let mut vm = Vm::with_config(&asm(text), Maps::new(), config).unwrap();
    assert_eq!(vm.run_mem(&mut []).unwrap().r0, 5);
    assert_eq!(vm.run_mem(&mut []).unwrap().r0, 5, "the budget is per run");
}

#[test]
fn local_calls_preserve_callee_saved_registers_and_have_their_own_stack() {
    let text = "
        r6 = 6
        r9 = 9
        *(u64 *)(r10 - 8) = 42
        r1 = r10
        r1 += -16
        call f
        r0 += r6
        r0 += r9
        r1 = *(u64 *)(r10 - 8)
        r0 += r1
        r1 = *(u64 *)(r10 - 16)
        r0 += r1
        exit
    f:
        r6 = 100
        r9 = 100
        *(u64 *)(r10 - 8) = 7
        *(u64 *)(r1 + 0) = 1000
        r0 = *(u64 *)(r10 - 8)
        exit";
    // 7 (callee's own stack) + 6 + 9 + 42 (caller's slot untouched) + 1000
    // (written by the callee through a pointer to the caller's stack).
    assert_eq!(r0(text), 7 + 6 + 9 + 42 + 1000);
}

fn recursion(depth: u64) -> String {
    format!("r1 = {depth}\ncall f\nexit\nf:\nr0 = r1\nif r1 == 0 goto +2\nr1 -= 1\ncall f\nexit")
}

#[test]
fn calls_nest_up_to_eight_frames() {
    assert_eq!(r0(&recursion(6)), 0, "main + 7 nested frames");
    let err = run(&recursion(7), &mut []).unwrap_err();
    assert_eq!(err.kind, VmErrorKind::CallDepth { max: 8 });
}

#[test]
fn callx_calls_a_function_address() {
    // ld_imm64 with src 4 (BPF_PSEUDO_FUNC): the target is slot 0 + 3 + 1.
    let text = "ld_pseudo r2, 0x4, 0x3\ncallx r2\nexit\nr0 = 42\nexit";
    assert_eq!(r0(text), 42);
}

#[test]
fn callx_of_a_helper_number_follows_ubpf() {
    assert_eq!(r0("r2 = 8\nr0 = 5\ncallx r2\nexit"), 0, "helper 8: CPU 0");
    let err = run("r2 = -1\ncallx r2\nexit", &mut []).unwrap_err();
    assert!(matches!(
        err.kind,
        VmErrorKind::UnknownHelper(-1) | VmErrorKind::BadCallx(_)
    ));
    let err = run("r2 = 0x100000000 ll\ncallx r2\nexit", &mut []).unwrap_err();
    assert_eq!(err.kind, VmErrorKind::BadCallx(0x1_0000_0000));
}

#[test]
fn unsupported_instructions_fault_clearly() {
    let err = run("call kfunc 0x4d2\nexit", &mut []).unwrap_err();
    assert_eq!(err.kind, VmErrorKind::Unsupported("kfunc calls"));
    assert_eq!(err.insn.to_string(), "call kfunc 0x4d2");
    let err = run("r0 = 9\ncall 0x3e7\nexit", &mut []).unwrap_err();
    assert_eq!(err.kind, VmErrorKind::UnknownHelper(999));
    assert_eq!(err.slot, 1);
}
