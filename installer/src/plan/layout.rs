//! Where an install puts things, from the distro data: one struct every command that finds or
//! plans an installation shares.

use std::path::PathBuf;

use crate::facts::Facts;

/// Where things go, from the distro data.
#[derive(Debug, Clone)]
pub struct Layout {
    pub config_dir: PathBuf,
    pub config: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    pub run_dir: PathBuf,
    pub bin: PathBuf,
    pub secrets_dir: PathBuf,
    pub tls_dir: PathBuf,
    /// ACME account keys and `renew.toml`.
    pub acme_dir: PathBuf,
    pub renew_config: PathBuf,
    /// matrixctl beside matrixd (what the renewal timer runs).
    pub matrixctl: PathBuf,
    pub answers: PathBuf,
    pub receipt: PathBuf,
    pub pid_file: PathBuf,
    pub out_log: PathBuf,
    pub service: String,
}

impl Layout {
    pub fn of(facts: &Facts) -> Layout {
        let p = &facts.distro.paths;
        let config_dir = PathBuf::from(&p.config_dir);
        let run_dir = PathBuf::from(&p.run_dir);
        let log_dir = PathBuf::from(&p.log_dir);
        let bin = match &facts.packaged {
            Some(pkg) => pkg.bin.clone(),
            None => PathBuf::from(&p.bin),
        };
        Layout {
            matrixctl: bin.with_file_name("matrixctl"),
            config: config_dir.join("homeserver.yaml"),
            secrets_dir: config_dir.join("secrets"),
            tls_dir: config_dir.join("tls"),
            acme_dir: config_dir.join("acme"),
            renew_config: config_dir.join("acme").join("renew.toml"),
            answers: config_dir.join("matrixctl-answers.toml"),
            receipt: config_dir.join("matrixctl-install.toml"),
            config_dir,
            data_dir: PathBuf::from(&p.data_dir),
            pid_file: run_dir.join("matrixd.pid"),
            out_log: log_dir.join("matrixd.out"),
            log_dir,
            run_dir,
            // The package's binary when a matrixd package is installed.
            bin,
            service: "matrixd".into(),
        }
    }
}
