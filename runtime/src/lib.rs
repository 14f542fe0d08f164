//! palisade-runtime: userspace VM and kernel loader for Palisade objects.

pub mod kernel;
pub mod sys;
pub mod vm;
