//! palisade-runtime: userspace VM and kernel loader for Palisade objects.
