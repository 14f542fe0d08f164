//! Maps through programs (helpers 1-3, 25, 130-133) and through the host
//! API: LPM longest-prefix semantics (IPv4 and IPv6 keys), hash update and
//! delete with their flags and error numbers, array counters, value
//! bounds, ring buffer and perf event records.

mod support;

use palisade_runtime::vm::maps::{BPF_ANY, BPF_F_RDONLY_PROG};
use palisade_runtime::vm::{MapDef, Maps, Region, VmErrorKind};
use palisade_verifier::object::maps::map_type;
use support::vm_with;

fn def(map_type: u32, key_size: u32, value_size: u32, max_entries: u32) -> MapDef {
    MapDef {
        map_type,
        key_size,
        value_size,
        max_entries,
        ..MapDef::default()
    }
}

fn one_map(name: &str, d: MapDef) -> Maps {
    let mut maps = Maps::new();
    maps.create(name, &d).unwrap();
    maps
}

fn lpm4_key(len: u32, addr: [u8; 4]) -> Vec<u8> {
    let mut k = len.to_le_bytes().to_vec();
    k.extend_from_slice(&addr);
    k
}

/// Looks the 4 input bytes up as a /32 in map 0; returns the value or 0.
const LPM4_LOOKUP: &str = "
    *(u32 *)(r10 - 8) = 32
    r2 = *(u32 *)(r1 + 0)
    *(u32 *)(r10 - 4) = w2
    ld_pseudo r1, 0x1, 0x0
    r2 = r10
    r2 += -8
    call 1
    if r0 == 0 goto none
    r0 = *(u32 *)(r0 + 0)
    exit
none:
    r0 = 0
    exit";

#[test]
fn lpm_lookups_find_the_longest_prefix() {
    let mut maps = one_map("cidrs", def(map_type::LPM_TRIE, 8, 4, 16));
    let m = maps.named_mut("cidrs").unwrap();
    m.update(&lpm4_key(8, [10, 0, 0, 0]), &8u32.to_le_bytes(), BPF_ANY)
        .unwrap();
    m.update(&lpm4_key(16, [10, 1, 0, 0]), &16u32.to_le_bytes(), BPF_ANY)
        .unwrap();
    m.update(&lpm4_key(24, [10, 1, 2, 0]), &24u32.to_le_bytes(), BPF_ANY)
        .unwrap();
    let mut vm = vm_with(LPM4_LOOKUP, maps);
    let mut lookup = |a: [u8; 4]| vm.run_mem(&mut a.clone()).unwrap().r0;
    assert_eq!(lookup([10, 1, 2, 3]), 24);
    assert_eq!(lookup([10, 1, 3, 3]), 16);
    assert_eq!(lookup([10, 200, 3, 3]), 8);
    assert_eq!(lookup([11, 1, 2, 3]), 0);
}

#[test]
fn lpm_v6_keys_and_host_updates_between_runs() {
    let mut maps = one_map("v6", def(map_type::LPM_TRIE, 20, 1, 16));
    let key = |len: u32, prefix: &[u8]| {
        let mut k = len.to_le_bytes().to_vec();
        let mut addr = [0u8; 16];
        addr[..prefix.len()].copy_from_slice(prefix);
        k.extend_from_slice(&addr);
        k
    };
    let m = maps.named_mut("v6").unwrap();
    m.update(&key(8, &[0xfd]), &[1], BPF_ANY).unwrap();
    m.update(&key(64, &[0xfd, 0, 0, 0, 0, 0, 0, 7]), &[2], BPF_ANY)
        .unwrap();
    // The program copies 16 input bytes into a /128 key.
    let text = "
        *(u32 *)(r10 - 24) = 128
        r2 = *(u64 *)(r1 + 0)
        *(u64 *)(r10 - 20) = r2
        r2 = *(u64 *)(r1 + 8)
        *(u64 *)(r10 - 12) = r2
        ld_pseudo r1, 0x1, 0x0
        r2 = r10
        r2 += -24
        call 1
        if r0 == 0 goto +2
        r0 = *(u8 *)(r0 + 0)
        exit
        r0 = 0
        exit";
    let mut vm = vm_with(text, maps);
    let mut addr = [0u8; 16];
    addr[0] = 0xfd;
    addr[7] = 7;
    addr[15] = 1;
    assert_eq!(vm.run_mem(&mut addr.clone()).unwrap().r0, 2);
    addr[7] = 8;
    assert_eq!(vm.run_mem(&mut addr.clone()).unwrap().r0, 1);
    vm.maps_mut()
        .named_mut("v6")
        .unwrap()
        .delete(&key(8, &[0xfd]))
        .unwrap();
    assert_eq!(
        vm.run_mem(&mut addr.clone()).unwrap().r0,
        0,
        "deleted between runs"
    );
}

#[test]
fn hash_update_and_delete_return_kernel_error_numbers() {
    // Each step stores its r0 in the output memory.
    let text = "
        r6 = r1
        *(u32 *)(r10 - 4) = 7
        *(u64 *)(r10 - 16) = 99
        ld_pseudo r1, 0x1, 0x0
        r2 = r10
        r2 += -4
        r3 = r10
        r3 += -16
        r4 = 0
        call 2
        *(u64 *)(r6 + 0) = r0
        ld_pseudo r1, 0x1, 0x0
        r2 = r10
        r2 += -4
        r3 = r10
        r3 += -16
        r4 = 1
        call 2
        *(u64 *)(r6 + 8) = r0
        ld_pseudo r1, 0x1, 0x0
        r2 = r10
        r2 += -4
        call 3
        *(u64 *)(r6 + 16) = r0
        ld_pseudo r1, 0x1, 0x0
        r2 = r10
        r2 += -4
        call 3
        *(u64 *)(r6 + 24) = r0
        r0 = 0
        exit";
    let mut vm = vm_with(text, one_map("h", def(map_type::HASH, 4, 8, 4)));
    let mut out = [0u8; 32];
    vm.run_mem(&mut out).unwrap();
    let word = |i: usize| i64::from_le_bytes(out[i * 8..i * 8 + 8].try_into().unwrap());
    assert_eq!([word(0), word(1), word(2), word(3)], [0, -17, 0, -2]);
    assert!(vm.maps().named("h").unwrap().entries().is_empty());
}

#[test]
fn array_counters_accumulate_across_runs() {
    let text = "
        *(u32 *)(r10 - 4) = 1
        ld_pseudo r1, 0x1, 0x0
        r2 = r10
        r2 += -4
        call 1
        if r0 == 0 goto +2
        r1 = 5
        lock *(u64 *)(r0 + 0) += r1
        r0 = 0
        exit";
    let mut vm = vm_with(
        text,
        one_map("counters", def(map_type::PERCPU_ARRAY, 4, 8, 2)),
    );
    for _ in 0..3 {
        vm.run_mem(&mut []).unwrap();
    }
    let m = vm.maps().named("counters").unwrap();
    assert_eq!(
        m.lookup(&1u32.to_le_bytes()).unwrap(),
        Some(&15u64.to_le_bytes()[..])
    );
    assert_eq!(m.lookup(&0u32.to_le_bytes()).unwrap(), Some(&[0u8; 8][..]));
}

#[test]
fn map_values_are_bounded_and_null_is_not_a_value() {
    let lookup = |index: u32, access: &str| {
        format!(
            "*(u32 *)(r10 - 4) = {index}\nld_pseudo r1, 0x1, 0x0\nr2 = r10\nr2 += -4\ncall 1\n{access}\nexit"
        )
    };
    let maps = || one_map("a", def(map_type::ARRAY, 4, 8, 2));
    let err = vm_with(&lookup(0, "r0 = *(u64 *)(r0 + 4)"), maps())
        .run_mem(&mut [])
        .unwrap_err();
    assert!(
        matches!(
            err.kind,
            VmErrorKind::OutOfBounds {
                region: Region::MapValue { map: 0 },
                offset: 4,
                size: 8,
                ..
            }
        ),
        "{err}"
    );
    let err = vm_with(&lookup(2, "r0 = *(u64 *)(r0 + 0)"), maps())
        .run_mem(&mut [])
        .unwrap_err();
    assert!(
        matches!(err.kind, VmErrorKind::Unmapped { addr: 0, .. }),
        "index 2 is NULL: {err}"
    );
}

#[test]
fn read_only_maps_reject_program_writes() {
    let mut d = def(map_type::ARRAY, 4, 8, 1);
    d.flags = BPF_F_RDONLY_PROG;
    let text = "ld_pseudo r1, 0x2, 0x0, 0x4\nr0 = *(u32 *)(r1 + 0)\n*(u32 *)(r1 + 0) = 1\nexit";
    let mut vm = vm_with(text, one_map(".rodata", d));
    let err = vm.run_mem(&mut []).unwrap_err();
    assert_eq!(err.slot, 3, "the load passes, the store faults");
    assert!(matches!(err.kind, VmErrorKind::ReadOnly { .. }), "{err}");
}

#[test]
fn helpers_need_map_arguments() {
    let text = "r1 = r10\nr2 = r10\ncall 1\nexit";
    let err = vm_with(text, Maps::new()).run_mem(&mut []).unwrap_err();
    assert_eq!(
        err.kind,
        VmErrorKind::HelperArg {
            helper: 1,
            arg: 1,
            reason: "not a map"
        }
    );
}

#[test]
fn ring_buffer_records_are_collected() {
    let text = "
        *(u64 *)(r10 - 8) = 0x41424344
        ld_pseudo r1, 0x1, 0x0
        r2 = r10
        r2 += -8
        r3 = 4
        r4 = 0
        call 130
        ld_pseudo r1, 0x1, 0x0
        r2 = 3
        r3 = 0
        call 131
        if r0 == 0 goto +8
        *(u16 *)(r0 + 0) = 0x5a5a
        *(u8 *)(r0 + 2) = 0x21
        r1 = r0
        r2 = 0
        call 132
        ld_pseudo r1, 0x1, 0x0
        r2 = 8
        r3 = 0
        call 131
        if r0 == 0 goto +3
        r1 = r0
        r2 = 0
        call 133
        r0 = 0
        exit";
    let mut vm = vm_with(text, one_map("events", def(map_type::RINGBUF, 0, 0, 4096)));
    vm.run_mem(&mut []).unwrap();
    vm.run_mem(&mut []).unwrap();
    let m = vm.maps_mut().named_mut("events").unwrap();
    assert_eq!(
        m.records(),
        &[
            b"DCBA".to_vec(),
            vec![0x5a, 0x5a, 0x21],
            b"DCBA".to_vec(),
            vec![0x5a, 0x5a, 0x21]
        ]
    );
    assert_eq!(m.take_records().len(), 4);
    assert!(m.records().is_empty());
}

#[test]
fn ring_buffer_reservations_are_bounded_and_released_once() {
    let prefix = "ld_pseudo r1, 0x1, 0x0\nr2 = 4\nr3 = 0\ncall 131\nif r0 == 0 goto out\n";
    let maps = || one_map("events", def(map_type::RINGBUF, 0, 0, 4096));
    let err = vm_with(&format!("{prefix}*(u8 *)(r0 + 4) = 1\nout:\nexit"), maps())
        .run_mem(&mut [])
        .unwrap_err();
    assert!(
        matches!(
            err.kind,
            VmErrorKind::OutOfBounds {
                region: Region::RingbufRecord { map: 0 },
                ..
            }
        ),
        "{err}"
    );
    let twice = format!(
        "{prefix}r6 = r0\nr1 = r0\nr2 = 0\ncall 132\nr1 = r6\nr2 = 0\ncall 132\nout:\nexit"
    );
    let err = vm_with(&twice, maps()).run_mem(&mut []).unwrap_err();
    assert!(
        matches!(err.kind, VmErrorKind::HelperArg { helper: 132, .. }),
        "{err}"
    );
}

#[test]
fn perf_event_output_collects_samples() {
    let text = "
        *(u32 *)(r10 - 4) = 0x01020304
        r6 = r1
        r1 = r6
        ld_pseudo r2, 0x1, 0x0
        r3 = 0xffffffff ll
        r4 = r10
        r4 += -4
        r5 = 4
        call 25
        exit";
    let mut vm = vm_with(
        text,
        one_map("perf", def(map_type::PERF_EVENT_ARRAY, 4, 4, 1)),
    );
    let mut frame = palisade_runtime::vm::Frame::new(vec![0u8; 14]);
    let r = vm
        .run_packet(palisade_runtime::vm::PacketHook::Tc, &mut frame)
        .unwrap();
    assert_eq!(r.r0, 0);
    assert_eq!(
        vm.maps().named("perf").unwrap().records(),
        &[vec![4, 3, 2, 1]]
    );
}

#[test]
fn lru_hash_evicts_instead_of_failing() {
    let mut maps = one_map("lru", def(map_type::LRU_HASH, 4, 4, 2));
    let m = maps.named_mut("lru").unwrap();
    for k in 0u32..5 {
        m.update(&k.to_le_bytes(), &k.to_le_bytes(), BPF_ANY)
            .unwrap();
    }
    let keys: Vec<Vec<u8>> = m.entries().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        vec![3u32.to_le_bytes().to_vec(), 4u32.to_le_bytes().to_vec()]
    );
}
