//! matrixctl's integration tests: templates (golden files and a round trip through the
//! server's loader) and the CLI's behaviour through the real binary.

mod acme;
mod doctor;
mod doctor_config;
mod doctor_net;
pub(crate) mod doctor_service;
mod doctor_support;
mod doctor_tls;
mod generate_config;
mod install;
mod layers;
mod register_user;
mod templates;
mod terminal;
mod uninstall;
mod workers;

use std::process::{Command, Output};

/// The binary, in English whatever language the caller's locale asks for (the English golden
/// files); the locale's character set is left as it is.
pub fn matrixctl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_matrixctl"));
    c.env_remove("LC_MESSAGES");
    for var in ["LC_ALL", "LANG"] {
        if std::env::var(var).is_ok_and(|v| v.starts_with("fa")) {
            c.env_remove(var);
        }
    }
    c
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
