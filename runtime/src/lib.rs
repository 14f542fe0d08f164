//! palisade-runtime: userspace VM and kernel loader for Palisade objects.
//!
//! * [`vm`]: the userspace eBPF VM. It runs any eBPF program (compiled
//!   policies, clang-built objects, the bpf_conformance suite) on a packet
//!   frame, a socket address or raw memory, without root, with every
//!   memory access checked and deterministic results:
//!   `load_object(bytes, "xdp", VmConfig::default())?.vm.run_packet(PacketHook::Xdp, &mut frame)?.r0`.

pub mod kernel;
pub mod sys;
pub mod vm;
