//! `install --workers N`: how the N matrixd processes of one server are named and where each
//! is described — its config (`workers/matrixd-K.yaml` beside homeserver.yaml: `worker_name`,
//! pid file, log config (its own log file) and a loopback port, the single process's port plus
//! K-1), its service name and
//! definition (from the distro's `instance` and `instance_unit`). Shared by install's plan,
//! uninstall, `matrixctl start|stop|restart|status` and doctor, which all find the instances
//! from the config files. Pure: what exists is read through `Existing`.

use std::path::{Path, PathBuf};

use crate::answers::Workers;
use crate::facts::distro::{Distro, subst};
use crate::plan::existing::Existing;
use crate::plan::layout::Layout;

/// The directory of the processes' configs, beside homeserver.yaml.
pub fn dir(config_dir: &Path) -> PathBuf {
    config_dir.join("workers")
}

/// `matrixd-K`: process K's `worker_name` and the stem of its files.
pub fn worker_name(service: &str, n: u8) -> String {
    format!("{service}-{n}")
}

/// Process K's config file.
pub fn config_file(config_dir: &Path, service: &str, n: u8) -> PathBuf {
    dir(config_dir).join(format!("{}.yaml", worker_name(service, n)))
}

/// The process numbers whose config file exists under `config_dir`, in order.
pub fn configured(config_dir: &Path, service: &str, exists: impl Fn(&Path) -> bool) -> Vec<u8> {
    (1..=Workers::MAX)
        .filter(|n| exists(&config_file(config_dir, service, *n)))
        .collect()
}

/// One process of a server run by several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub number: u8,
    pub worker_name: String,
    /// Its service's name (`matrixd@2`, `matrixd.2`, `matrixd_2`).
    pub service: String,
    /// Its service definition: the shared template unit, or its own script.
    pub definition: PathBuf,
    /// Whether `definition` serves every instance (a systemd template unit).
    pub shared_definition: bool,
    pub config: PathBuf,
    /// Its log config (homeserver.yaml's, naming its own log file).
    pub log_config: PathBuf,
    pub log_file: PathBuf,
    pub port: u16,
    pub pid_file: PathBuf,
    /// Its output where matrixctl starts it without a service manager.
    pub out_log: PathBuf,
}

impl Instance {
    pub fn of(d: &Distro, l: &Layout, n: u8, base_port: u16) -> Instance {
        let worker_name = worker_name(&l.service, n);
        let service = subst(
            std::slice::from_ref(&d.service.instance),
            &[("svc", &l.service), ("n", &n.to_string())],
        )
        .remove(0);
        let (definition, shared_definition) = match &d.service.instance_unit {
            Some(unit) => (
                subst(std::slice::from_ref(unit), &[("svc", &l.service)]).remove(0),
                true,
            ),
            None => (
                subst(
                    std::slice::from_ref(&d.service.unit_path),
                    &[("svc", &service)],
                )
                .remove(0),
                false,
            ),
        };
        Instance {
            number: n,
            service,
            definition: PathBuf::from(definition),
            shared_definition,
            config: config_file(&l.config_dir, &l.service, n),
            log_config: dir(&l.config_dir).join(format!("{worker_name}.log.config")),
            log_file: l.log_dir.join(format!("{worker_name}.log")),
            port: base_port + u16::from(n) - 1,
            pid_file: l.run_dir.join(format!("{worker_name}.pid")),
            out_log: l.log_dir.join(format!("{worker_name}.out")),
            worker_name,
        }
    }
}

/// The instances an earlier install left (their config files exist), with the ports they
/// would have from `base_port`.
pub fn existing(d: &Distro, l: &Layout, base_port: u16, existing: &dyn Existing) -> Vec<Instance> {
    configured(&l.config_dir, &l.service, |p| existing.exists(p))
        .into_iter()
        .map(|n| Instance::of(d, l, n, base_port))
        .collect()
}
