//! End-to-end tests live in `it/`: they drive the built `matrixd` and `matrixctl` binaries and
//! a real Synapse (from `interop/`), over loopback.

pub mod bench;
