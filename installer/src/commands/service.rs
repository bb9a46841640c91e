//! `matrixctl start|stop|restart|status` (Synapse's synctl, replaced): drive the installed
//! matrixd through the distro's service manager, or directly where none runs; status also says
//! where the config, data and logs are.

use std::path::Path;

use crate::cli::ServiceArgs;
use crate::commands::install::Receipt;
use crate::error::{CliError, ExitStatus};
use crate::exec::{service, system};
use crate::facts;
use crate::facts::distro::subst;
use crate::i18n::pad;
use crate::plan::model::{Cmd, Direct};
use crate::plan::{Layout, matrixd_services};
use crate::tr;
use crate::ui::Printer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    Restart,
    Status,
}

fn need_root() -> Result<(), CliError> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err(CliError::failure(tr!("err-service-needs-root")).hint(tr!("hint-sudo", sudo = "sudo")))
    }
}

pub fn run(action: Action, args: ServiceArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let facts = facts::detect(Path::new("/"), args.distro.as_deref())?;
    let layout = Layout::of(&facts);
    if !layout.config.exists() {
        return Err(
            CliError::failure(tr!("err-not-installed", path = layout.config.display()))
                .hint(tr!("hint-install-one", cmd = "matrixctl install")),
        );
    }
    // One service, or one per process (`install --workers N`).
    let services = matrixd_services(&facts, Path::new("/"));
    let stop_cmd = |name: &str| Cmd::new(subst(&facts.distro.service.stop, &[("svc", name)]));
    let manager = services.iter().all(service::manager_running);
    match action {
        Action::Status => {
            let mut running = true;
            for svc in &services {
                let up = service::is_running(svc);
                running &= up;
                let how = match (&svc.direct, manager) {
                    (_, true) => tr!("status-via", manager = facts.distro.service.kind),
                    (Direct::Spawn { pid_file, .. }, false) => {
                        match crate::facts::probe::live_pid(pid_file) {
                            Some(pid) => tr!("status-pid", pid = pid, cmd = "matrixctl"),
                            None => tr!("status-no-manager"),
                        }
                    }
                    _ => String::new(),
                };
                printer.data(format!(
                    "{}: {} ({how})",
                    svc.name,
                    if up {
                        tr!("status-running")
                    } else {
                        tr!("status-stopped")
                    }
                ));
            }
            let receipt = Receipt::load(&layout.receipt).unwrap_or_default();
            let url = crate::answers::file::load(&layout.answers)
                .ok()
                .and_then(|a| a.public_baseurl)
                .map(|u| u.to_string())
                .unwrap_or_default();
            let field = |label: String, value: String| {
                printer.data(format!("  {} {value}", pad(&format!("{label}:"), 8)));
            };
            if !url.is_empty() {
                field(tr!("status-url"), url);
            }
            field(tr!("status-config"), layout.config.display().to_string());
            let data = layout.data_dir.display();
            field(
                tr!("status-data"),
                if receipt.database == Some(crate::answers::Database::Postgres) {
                    tr!(
                        "status-data-postgres",
                        path = data,
                        db = "PostgreSQL matrixd"
                    )
                } else {
                    data.to_string()
                },
            );
            // Each process of several writes its own (`install --workers`).
            let log = layout.log_dir.join(if services.len() > 1 {
                "matrixd-*.log"
            } else {
                "homeserver.log"
            });
            let logs = if manager && facts.distro.service.kind == "systemd" {
                tr!(
                    "status-logs-journal",
                    path = log.display(),
                    cmd = format!(
                        "journalctl {}",
                        services
                            .iter()
                            .map(|s| format!("-u {}", s.name))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                )
            } else {
                tr!(
                    "status-logs-two",
                    path = log.display(),
                    out = layout.out_log.display()
                )
            };
            field(tr!("status-logs"), logs);
            for svc in services.iter().filter(|_| manager) {
                if let Ok(out) = system::run(&Cmd::new(subst(
                    &facts.distro.service.status,
                    &[("svc", &svc.name)],
                ))) {
                    for l in out.stdout.lines().take(12) {
                        printer.data(format!("  | {l}"));
                    }
                }
            }
            Ok(if running {
                ExitStatus::Success
            } else {
                ExitStatus::Failure
            })
        }
        Action::Stop => {
            need_root()?;
            for svc in &services {
                let stopped = service::stop(svc, &stop_cmd(&svc.name)).map_err(|e| {
                    CliError::failure(tr!("err-cannot-stop", name = svc.name)).cause(e)
                })?;
                printer.status(
                    if stopped { "Stopped" } else { "Unchanged" },
                    if stopped {
                        svc.name.clone()
                    } else {
                        tr!("status-was-not-running", name = svc.name)
                    },
                );
            }
            Ok(ExitStatus::Success)
        }
        Action::Start | Action::Restart => {
            need_root()?;
            for svc in &services {
                let log = match &svc.direct {
                    Direct::Spawn { log, .. } => log.clone(),
                    _ => layout.out_log.clone(),
                };
                let outcome =
                    service::ensure(svc, action == Action::Restart, false).map_err(|e| {
                        CliError::failure(tr!("err-cannot-start", name = svc.name))
                            .cause(e)
                            .hint(tr!("hint-see", path = log.display()))
                    })?;
                match outcome {
                    service::Outcome::AlreadyRunning => {
                        printer.status("Running", tr!("status-already-running", name = svc.name))
                    }
                    service::Outcome::Started(how) => {
                        printer.status("Started", format!("{}: {how}", svc.name))
                    }
                    service::Outcome::Restarted(how) | service::Outcome::Reloaded(how) => {
                        printer.status("Restarted", format!("{}: {how}", svc.name))
                    }
                }
                // Several processes (re)start in turn: the next only once this one answers,
                // so the others keep serving.
                if services.len() > 1
                    && let Some(port) = health_port(&facts, &svc.name)
                {
                    let url = format!("http://127.0.0.1:{port}/health");
                    let ms = crate::exec::apply::wait_for(&url, &format!("127.0.0.1:{port}"), None)
                        .map_err(|e| {
                            CliError::failure(tr!("err-cannot-start", name = svc.name))
                                .cause(e)
                                .hint(tr!("hint-see", path = log.display()))
                        })?;
                    printer.status("Ready", tr!("exec-ready", url = url, ms = ms));
                }
            }
            Ok(ExitStatus::Success)
        }
    }
}

/// The port of the process whose service is `name` (`install --workers N`), from its config
/// file's first listener.
fn health_port(facts: &crate::facts::Facts, name: &str) -> Option<u16> {
    let l = Layout::of(facts);
    let fs = crate::plan::existing::Fs { root: "/".into() };
    let i = crate::plan::workers::existing(&facts.distro, &l, 0, &fs)
        .into_iter()
        .find(|i| i.service == name)?;
    let top = matrixd::config::read_top_level(&[i.config]).ok()?;
    let port = top
        .get("listeners")?
        .as_sequence()?
        .first()?
        .get("port")?
        .as_u64()?;
    u16::try_from(port).ok()
}
