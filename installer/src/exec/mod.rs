//! The only code that changes the system: file writes (`fs`), processes (`system`), services
//! (`service`), certificates from an ACME CA (`acme`), and running a plan (`apply`). Writes are atomic; keys and secrets are never
//! overwritten. What it only needs to look at (users, pid files) it asks `facts::probe`.

pub mod acme;
pub mod apply;
pub mod fs;
pub mod service;
pub mod system;

pub use fs::{append, create_new, write_atomic};
