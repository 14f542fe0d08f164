//! Loads, stores and atomics, written as assembler text, and the memory
//! model's guarantees: every access is checked against its region, and a
//! bad one is a typed error naming the instruction.

mod support;

use palisade_runtime::vm::{Region, VmErrorKind};
use support::{r0, run};

#[test]
fn loads_and_stores_of_every_size_are_little_endian() {
    let mut mem = [0u8; 16];
    let text = "
        r2 = 0x1122334455667788 ll
        *(u64 *)(r1 + 0) = r2
        *(u32 *)(r1 + 8) = w2
        *(u16 *)(r1 + 12) = w2
        *(u8 *)(r1 + 14) = w2
        *(u8 *)(r1 + 15) = 0xff
        r0 = *(u16 *)(r1 + 1)
        exit";
    assert_eq!(run(text, &mut mem).unwrap().r0, 0x6677);
    assert_eq!(
        mem,
        [
            0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, 0x88, 0x77,
            0x88, 0xff
        ]
    );
}

#[test]
fn sign_extending_loads() {
    let mut mem = [0x80, 0xff, 0xff, 0x80, 0, 0, 0, 0];
    assert_eq!(
        run("r0 = *(s8 *)(r1 + 0)\nexit", &mut mem).unwrap().r0,
        (-128i64) as u64
    );
    assert_eq!(
        run("r0 = *(s16 *)(r1 + 0)\nexit", &mut mem).unwrap().r0,
        0xffff_ffff_ffff_ff80
    );
    assert_eq!(
        run("r0 = *(s32 *)(r1 + 0)\nexit", &mut mem).unwrap().r0,
        0xffff_ffff_80ff_ff80
    );
    assert_eq!(
        run("r0 = *(u32 *)(r1 + 0)\nexit", &mut mem).unwrap().r0,
        0x80ff_ff80
    );
}

#[test]
fn store_immediates_are_sign_extended_to_the_access_size() {
    assert_eq!(
        r0("*(u64 *)(r10 - 8) = -1\nr0 = *(u64 *)(r10 - 8)\nexit"),
        u64::MAX
    );
    assert_eq!(
        r0("*(u64 *)(r10 - 8) = 0\n*(u32 *)(r10 - 8) = -1\nr0 = *(u64 *)(r10 - 8)\nexit"),
        0xffff_ffff
    );
}

#[test]
fn the_stack_is_512_bytes_below_r10() {
    assert_eq!(
        r0("*(u8 *)(r10 - 512) = 3\nr0 = *(u8 *)(r10 - 512)\nexit"),
        3
    );
    let err = run("*(u8 *)(r10 - 513) = 3\nexit", &mut []).unwrap_err();
    assert!(
        matches!(err.kind, VmErrorKind::Unmapped { write: true, .. }),
        "below the stack is no memory: {err}"
    );
    let err = run("r0 = *(u64 *)(r10 - 4)\nexit", &mut []).unwrap_err();
    assert_eq!(
        err.kind,
        VmErrorKind::OutOfBounds {
            region: Region::Stack { frame: 0 },
            offset: 508,
            size: 8,
            len: 512,
            write: false
        }
    );
    assert_eq!(err.slot, 0);
    assert_eq!(err.to_string(), "insn 0 `r0 = *(u64 *)(r10 - 0x4)`: read of 8 bytes at offset 508 of the stack of frame 0 (size 512): out of bounds");
}

#[test]
fn the_stack_starts_zeroed_on_every_run() {
    let text = "r0 = *(u64 *)(r10 - 8)\n*(u64 *)(r10 - 8) = 5\nexit";
    let mut vm = support::vm_with(text, Default::default());
    assert_eq!(vm.run_mem(&mut []).unwrap().r0, 0);
    assert_eq!(vm.run_mem(&mut []).unwrap().r0, 0);
}

#[test]
fn input_memory_is_bounded_by_its_length() {
    let mut mem = [1u8; 8];
    assert_eq!(
        run("r0 = *(u64 *)(r1 + 0)\nexit", &mut mem).unwrap().r0,
        0x0101_0101_0101_0101
    );
    let err = run("r0 = *(u64 *)(r1 + 1)\nexit", &mut mem).unwrap_err();
    assert_eq!(
        err.kind,
        VmErrorKind::OutOfBounds {
            region: Region::Input,
            offset: 1,
            size: 8,
            len: 8,
            write: false
        }
    );
    let err = run("r0 = *(u8 *)(r1 - 1)\nexit", &mut mem).unwrap_err();
    assert!(matches!(err.kind, VmErrorKind::Unmapped { .. }), "{err}");
}

#[test]
fn scalars_and_null_are_not_pointers() {
    let err = run("r1 = 0\nr0 = *(u8 *)(r1 + 0)\nexit", &mut []).unwrap_err();
    assert_eq!(
        err.kind,
        VmErrorKind::Unmapped {
            addr: 0,
            size: 1,
            write: false
        }
    );
    let err = run("r1 = 0x12345678\n*(u32 *)(r1 + 4) = 1\nexit", &mut []).unwrap_err();
    assert_eq!(
        err.kind,
        VmErrorKind::Unmapped {
            addr: 0x1234_567c,
            size: 4,
            write: true
        }
    );
}

#[test]
fn r10_is_the_top_of_the_frame_and_pointers_compare() {
    // Two pointers into the same region compare and subtract like numbers.
    let text = "r1 = r10\nr1 += -8\nr0 = r10\nr0 -= r1\nexit";
    assert_eq!(r0(text), 8);
}

#[test]
fn atomic_read_modify_write() {
    let base = "*(u64 *)(r10 - 8) = 10\nr1 = 3\n";
    let read = "r0 = *(u64 *)(r10 - 8)\nexit";
    assert_eq!(
        r0(&format!("{base}lock *(u64 *)(r10 - 8) += r1\n{read}")),
        13
    );
    assert_eq!(
        r0(&format!("{base}lock *(u64 *)(r10 - 8) |= r1\n{read}")),
        11
    );
    assert_eq!(
        r0(&format!("{base}lock *(u64 *)(r10 - 8) &= r1\n{read}")),
        2
    );
    assert_eq!(
        r0(&format!("{base}lock *(u64 *)(r10 - 8) ^= r1\n{read}")),
        9
    );
    // fetch: the old value comes back in the source register.
    assert_eq!(
        r0(&format!(
            "{base}r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)\nr0 = r1\nexit"
        )),
        10
    );
    assert_eq!(
        r0(&format!(
            "{base}r1 = xchg_64(r10 - 8, r1)\nr0 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r1\nexit"
        )),
        (3 << 8) | 10
    );
}

#[test]
fn atomic_32_bit_operations_touch_four_bytes_and_zero_extend() {
    let text = "
        r2 = -1
        *(u64 *)(r10 - 8) = r2
        w1 = 1
        w1 = atomic_fetch_add((u32 *)(r10 - 8), w1)
        r0 = *(u64 *)(r10 - 8)
        r3 = 0xffffffff ll
        if r1 != r3 goto +1
        exit
        r0 = 0
        exit";
    assert_eq!(r0(text), 0xffff_ffff_0000_0000);
}

#[test]
fn cmpxchg_swaps_only_on_a_match() {
    let base = "*(u64 *)(r10 - 8) = 5\nr1 = 9\n";
    let text = format!("{base}r0 = 5\nr0 = cmpxchg_64(r10 - 8, r0, r1)\nr2 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r2\nexit");
    assert_eq!(
        r0(&text),
        (5 << 8) | 9,
        "matched: old value in r0, memory replaced"
    );
    let text = format!("{base}r0 = 4\nr0 = cmpxchg_64(r10 - 8, r0, r1)\nr2 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r2\nexit");
    assert_eq!(r0(&text), (5 << 8) | 5, "no match: memory unchanged");
    let text = "*(u64 *)(r10 - 8) = -1\nw1 = 7\nw0 = -1\nw0 = cmpxchg32_32(r10 - 8, w0, w1)\nexit";
    assert_eq!(r0(text), 0xffff_ffff, "32-bit compare on the low halves");
}

#[test]
fn atomics_on_the_context_are_refused() {
    let mut frame = palisade_runtime::vm::Frame::new(vec![0u8; 64]);
    let mut vm = support::vm_with(
        "r2 = 1\nlock *(u32 *)(r1 + 8) += w2\nr0 = 0\nexit",
        Default::default(),
    );
    let err = vm
        .run_packet(palisade_runtime::vm::PacketHook::Tc, &mut frame)
        .unwrap_err();
    assert!(
        matches!(err.kind, VmErrorKind::CtxAccess { write: true, .. }),
        "{err}"
    );
}

#[test]
fn load_acquire_and_store_release_are_plain_accesses_on_one_cpu() {
    let text = "r1 = 77\nstore_release((u64 *)(r10 - 0x8), r1)\nr0 = load_acquire((u64 *)(r10 - 0x8))\nexit";
    assert_eq!(r0(text), 77);
    let text = "r1 = -1\nstore_release((u8 *)(r10 - 0x8), w1)\nw0 = load_acquire((u16 *)(r10 - 0x8))\nexit";
    assert_eq!(r0(text), 0xff);
}

#[test]
fn arena_casts_are_unsupported() {
    let err = run("r0 = addr_space_cast(r1, 0x0, 0x1)\nexit", &mut []).unwrap_err();
    assert_eq!(
        err.kind,
        VmErrorKind::Unsupported("arena address-space casts")
    );
}
