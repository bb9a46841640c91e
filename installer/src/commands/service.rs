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
use crate::plan::model::{Cmd, Direct};
use crate::plan::{Layout, matrixd_service};
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
        Err(CliError::failure("controlling the service needs root").hint("run it with sudo"))
    }
}

pub fn run(action: Action, args: ServiceArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let facts = facts::detect(Path::new("/"), args.distro.as_deref())?;
    let layout = Layout::of(&facts);
    if !layout.config.exists() {
        return Err(CliError::failure(format!(
            "no homeserver installed here ({} does not exist)",
            layout.config.display()
        ))
        .hint("install one with `matrixctl install`"));
    }
    let svc = matrixd_service(&facts);
    let stop_cmd = Cmd::new(subst(&facts.distro.service.stop, &[("svc", &svc.name)]));
    let manager = service::manager_running(&svc);
    match action {
        Action::Status => {
            let running = service::is_running(&svc);
            let how = match (&svc.direct, manager) {
                (_, true) => format!("via {}", facts.distro.service.kind),
                (Direct::Spawn { pid_file, .. }, false) => {
                    match crate::facts::probe::live_pid(pid_file) {
                        Some(pid) => {
                            format!("pid {pid}, started by matrixctl (no service manager running)")
                        }
                        None => "no service manager running".to_string(),
                    }
                }
                _ => String::new(),
            };
            let receipt = Receipt::load(&layout.receipt).unwrap_or_default();
            let url = crate::answers::file::load(&layout.answers)
                .ok()
                .and_then(|a| a.public_baseurl)
                .map(|u| u.to_string())
                .unwrap_or_default();
            printer.data(format!(
                "{}: {} ({how})",
                svc.name,
                if running { "running" } else { "stopped" }
            ));
            if !url.is_empty() {
                printer.data(format!("  url:     {url}"));
            }
            printer.data(format!("  config:  {}", layout.config.display()));
            printer.data(format!(
                "  data:    {}{}",
                layout.data_dir.display(),
                if receipt.database == Some(crate::answers::Database::Postgres) {
                    " (database: PostgreSQL matrixd)"
                } else {
                    ""
                }
            ));
            let logs = if manager && facts.distro.service.kind == "systemd" {
                format!(
                    "{} (and journalctl -u {})",
                    layout.log_dir.join("homeserver.log").display(),
                    svc.name
                )
            } else {
                format!(
                    "{} and {}",
                    layout.log_dir.join("homeserver.log").display(),
                    layout.out_log.display()
                )
            };
            printer.data(format!("  logs:    {logs}"));
            if manager
                && let Ok(out) = system::run(&Cmd::new(subst(
                    &facts.distro.service.status,
                    &[("svc", &svc.name)],
                )))
            {
                for l in out.stdout.lines().take(12) {
                    printer.data(format!("  | {l}"));
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
            let stopped = service::stop(&svc, &stop_cmd)
                .map_err(|e| CliError::failure(format!("cannot stop {}", svc.name)).cause(e))?;
            printer.status(
                if stopped { "Stopped" } else { "Unchanged" },
                if stopped {
                    svc.name.clone()
                } else {
                    format!("{} was not running", svc.name)
                },
            );
            Ok(ExitStatus::Success)
        }
        Action::Start | Action::Restart => {
            need_root()?;
            let outcome = service::ensure(&svc, action == Action::Restart, false).map_err(|e| {
                CliError::failure(format!("cannot start {}", svc.name))
                    .cause(e)
                    .hint(format!("see {}", layout.out_log.display()))
            })?;
            match outcome {
                service::Outcome::AlreadyRunning => {
                    printer.status("Running", format!("{} (already running)", svc.name))
                }
                service::Outcome::Started(how) => {
                    printer.status("Started", format!("{}: {how}", svc.name))
                }
                service::Outcome::Restarted(how) | service::Outcome::Reloaded(how) => {
                    printer.status("Restarted", format!("{}: {how}", svc.name))
                }
            }
            Ok(ExitStatus::Success)
        }
    }
}
