//! Synapse-compatible admin endpoints, one per file.

pub mod register;
