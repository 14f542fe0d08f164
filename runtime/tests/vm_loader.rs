//! Objects to VMs: assembler text with `.map` directives is written as a
//! real ELF object (the same writer `palisade asm` and the compiler use),
//! with initial map entries in `.palisade.map_init`, then loaded with
//! `load_object` and run.

mod support;

use palisade_runtime::vm::loader::Hook;
use palisade_runtime::vm::{load_object, Frame, ObjectLoadError, PacketHook, SockAddr, VmConfig};
use palisade_verifier::isa::text::assemble;
use palisade_verifier::object::write::from_asm::spec_from_assembly;
use palisade_verifier::object::write::{write_object, ObjectSpec};

fn spec(text: &str) -> ObjectSpec {
    let asm = assemble(text).unwrap_or_else(|e| panic!("bad test assembly: {e:?}"));
    spec_from_assembly(&asm, None, "GPL", None).expect("spec")
}

fn object(spec: &ObjectSpec) -> Vec<u8> {
    write_object(spec).expect("object written")
}

/// An XDP guard: drop IPv4 sources found in the `blocklist` LPM trie.
const GUARD: &str = "
.license \"GPL\"
.map blocklist type=lpm_trie key_size=8 value_size=4 max_entries=16 flags=1
.section xdp
.globl guard
guard:
    r2 = *(u32 *)(r1 + 0x0)
    r3 = *(u32 *)(r1 + 0x4)
    r4 = r2
    r4 += 34
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x8 goto pass
    *(u32 *)(r10 - 8) = 32
    r5 = *(u32 *)(r2 + 26)
    *(u32 *)(r10 - 4) = w5
    r1 = blocklist ll
    r2 = r10
    r2 += -8
    call check
    if r0 == 0 goto pass
    r0 = 1
    exit
pass:
    r0 = 2
    exit
.section .text
.globl check
check:
    call 1
    exit
";

fn ipv4_from(src: [u8; 4]) -> Frame {
    let mut f = vec![0u8; 34];
    f[12] = 0x08;
    f[14] = 0x45;
    f[26..30].copy_from_slice(&src);
    Frame::new(f)
}

fn lpm4(len: u32, addr: [u8; 4]) -> Vec<u8> {
    let mut k = len.to_le_bytes().to_vec();
    k.extend_from_slice(&addr);
    k
}

#[test]
fn an_object_with_map_init_entries_runs_with_them() {
    let mut spec = spec(GUARD);
    spec.maps[0].entries = vec![(lpm4(16, [10, 66, 0, 0]), 1u32.to_le_bytes().to_vec())];
    let bytes = object(&spec);
    let mut loaded = load_object(&bytes, "xdp", VmConfig::default()).expect("loads");
    assert_eq!(loaded.name, "guard");
    assert_eq!(loaded.hook, Hook::Packet(PacketHook::Xdp));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let vm = &mut loaded.vm;
    assert_eq!(
        vm.run_packet(PacketHook::Xdp, &mut ipv4_from([10, 66, 3, 4]))
            .unwrap()
            .r0,
        1
    );
    assert_eq!(
        vm.run_packet(PacketHook::Xdp, &mut ipv4_from([10, 67, 3, 4]))
            .unwrap()
            .r0,
        2
    );
    // Live set update, as `palisade set add` does in the kernel.
    let blocklist = vm.maps_mut().named_mut("blocklist").unwrap();
    blocklist
        .update(&lpm4(8, [10, 0, 0, 0]), &[1, 0, 0, 0], 0)
        .unwrap();
    assert_eq!(
        vm.run_packet(PacketHook::Xdp, &mut ipv4_from([10, 67, 3, 4]))
            .unwrap()
            .r0,
        1
    );
}

#[test]
fn programs_are_selected_by_section_name_or_section_slash_name() {
    let bytes = object(&spec(GUARD));
    assert_eq!(
        load_object(&bytes, "xdp/guard", VmConfig::default())
            .unwrap()
            .name,
        "guard"
    );
    assert_eq!(
        load_object(&bytes, "guard", VmConfig::default())
            .unwrap()
            .name,
        "guard"
    );
    match load_object(&bytes, "classifier", VmConfig::default()) {
        Err(ObjectLoadError::NoProgram { available, .. }) => {
            assert_eq!(available, vec!["xdp/guard"])
        }
        other => panic!("expected NoProgram, got {other:?}"),
    }
    assert!(matches!(
        load_object(b"not an elf", "xdp", VmConfig::default()),
        Err(ObjectLoadError::Parse(_))
    ));
}

#[test]
fn a_connect4_object_rewrites_the_address() {
    let text = "
.section cgroup/connect4
.globl lb
lb:
    r2 = *(u32 *)(r1 + 4)
    if w2 != 0x0a00600a goto out
    w2 = 0x0500010a
    *(u32 *)(r1 + 4) = w2
out:
    r0 = 1
    exit
";
    let bytes = object(&spec(text));
    let mut loaded = load_object(&bytes, "cgroup/connect4", VmConfig::default()).unwrap();
    assert_eq!(
        loaded.hook,
        Hook::SockAddr {
            ipv6: false,
            attach: "cgroup_inet4_connect"
        }
    );
    let mut sa = SockAddr::tcp("10.96.0.10:80".parse().unwrap());
    assert_eq!(loaded.vm.run_sock_addr(&mut sa).unwrap().r0, 1);
    assert_eq!(sa.addr, "10.1.0.5:80".parse().unwrap());
}

#[test]
fn maps_the_vm_cannot_emulate_are_placeholders_with_a_warning() {
    let text = "
.map jumps type=prog_array key_size=4 value_size=4 max_entries=4
.section classifier
.globl prog
prog:
    r0 = 0
    exit
";
    let bytes = object(&spec(text));
    let mut loaded = load_object(&bytes, "classifier", VmConfig::default()).unwrap();
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains("jumps"));
    assert_eq!(
        loaded
            .vm
            .run_packet(PacketHook::Tc, &mut Frame::new(vec![0; 14]))
            .unwrap()
            .r0,
        0
    );
}

#[test]
fn the_sample_xdp_program_runs() {
    let path = support::repo_root().join("samples/asm/xdp_drop_udp.s");
    let text = std::fs::read_to_string(&path).expect("the sample exists");
    let bytes = object(&spec(&text));
    let mut loaded = load_object(&bytes, "xdp", VmConfig::default()).unwrap();
    let mut udp = ipv4_from([1, 2, 3, 4]);
    udp.data[23] = 17;
    assert_eq!(
        loaded.vm.run_packet(PacketHook::Xdp, &mut udp).unwrap().r0,
        1
    );
    let mut tcp = ipv4_from([1, 2, 3, 4]);
    tcp.data[23] = 6;
    assert_eq!(
        loaded.vm.run_packet(PacketHook::Xdp, &mut tcp).unwrap().r0,
        2
    );
}

#[test]
fn load_all_shares_maps_between_the_programs_of_an_object() {
    let text = "
.map hits type=array key_size=4 value_size=8 max_entries=1
.section xdp
.globl count
count:
    *(u32 *)(r10 - 4) = 0
    r1 = hits ll
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = 2
    exit
.section classifier
.globl report
report:
    *(u32 *)(r10 - 4) = 0
    r1 = hits ll
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto none
    r0 = *(u64 *)(r0 + 0)
    exit
none:
    r0 = -1
    exit
";
    let bytes = object(&spec(text));
    let mut obj = palisade_runtime::vm::load_all(&bytes, VmConfig::default()).expect("loads");
    assert!(obj.warnings.is_empty(), "{:?}", obj.warnings);
    let count = obj.find("xdp").unwrap().id;
    let report = obj.find("classifier/report").unwrap().id;
    assert_eq!(
        obj.find("classifier").unwrap().hook,
        Hook::Packet(PacketHook::Tc)
    );
    for _ in 0..3 {
        obj.vm
            .run_packet_on(count, PacketHook::Xdp, &mut Frame::new(vec![0; 14]))
            .unwrap();
    }
    let r = obj
        .vm
        .run_packet_on(report, PacketHook::Tc, &mut Frame::new(vec![0; 14]))
        .unwrap();
    assert_eq!(r.r0, 3, "the classifier sees the XDP program's counter");
    let err = obj
        .vm
        .run_packet_on(
            palisade_runtime::vm::ProgramId(9),
            PacketHook::Tc,
            &mut Frame::new(vec![0; 14]),
        )
        .unwrap_err();
    assert_eq!(
        err.kind,
        palisade_runtime::vm::VmErrorKind::NoSuchProgram(9)
    );
}
