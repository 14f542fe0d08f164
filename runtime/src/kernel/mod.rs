//! The kernel side: loading objects, running programs with
//! `BPF_PROG_TEST_RUN`, reading counters. Every system call goes through
//! the [`crate::sys::Bpf`] seam, so the logic here is unit-tested with the
//! fake and integration-tested against the real kernel.

pub mod load;
pub mod run;

pub use load::{load, LoadError, LoadOptions, LoadedMap, LoadedObject, LoadedProgram};
pub use run::{possible_cpus, run_packet, PacketRun};
