//! The only code that changes the system: file writes (`fs`), processes, users and services
//! (`system`), and running a plan (`apply`). Writes are atomic; keys and secrets are never
//! overwritten.

pub mod apply;
pub mod fs;
pub mod service;
pub mod system;

pub use fs::{append, create_new, write_atomic};
