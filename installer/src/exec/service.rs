//! Running services: through the distro's service manager when it runs, else directly (matrixd
//! spawned by us with a pid file; nginx and coturn by their own commands; PostgreSQL by the
//! distro's fallback). Used by the executor and by `matrixctl start|stop|restart|status`.

use std::path::Path;

use crate::exec::system;
use crate::facts::probe;
use crate::plan::model::{Direct, ServiceStep};

/// Whether the service manager is running (its marker path exists).
pub fn manager_running(s: &ServiceStep) -> bool {
    s.manager_marker
        .as_ref()
        .is_none_or(|m| Path::new(m).exists())
}

/// Whether the service runs now.
pub fn is_running(s: &ServiceStep) -> bool {
    if let Some(ready) = &s.ready {
        return system::run(ready).map(|o| o.ok).unwrap_or(false);
    }
    if manager_running(s) {
        return system::run(&s.is_active).map(|o| o.ok).unwrap_or(false);
    }
    match &s.direct {
        Direct::Spawn { pid_file, .. } | Direct::Commands { pid_file, .. } => {
            probe::live_pid(pid_file).is_some()
        }
        Direct::Fallback { .. } | Direct::Unavailable => false,
    }
}

/// What `ensure` did, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Started(String),
    Restarted(String),
    Reloaded(String),
    AlreadyRunning,
}

fn test(s: &ServiceStep) -> Result<(), String> {
    if let Some(t) = &s.test {
        system::run_ok(t).map_err(|e| crate::tr!("exec-config-test-failed", error = e))?;
    }
    Ok(())
}

fn no_manager_note(s: &ServiceStep) -> String {
    match &s.manager_marker {
        Some(m) => crate::tr!("exec-no-manager-path", path = m.display()),
        None => crate::tr!("exec-no-manager"),
    }
}

/// Enables and starts the service, or restarts/reloads it when `changed`; leaves a running,
/// unchanged service alone. `unit_changed` runs the manager's reload of definitions first.
pub fn ensure(s: &ServiceStep, changed: bool, unit_changed: bool) -> Result<Outcome, String> {
    if manager_running(s) {
        if unit_changed {
            for c in &s.after_unit_change {
                system::run_ok(c)?;
            }
        }
        for c in &s.enable {
            system::run_ok(c)?;
        }
        let running = is_running(s);
        if !running {
            test(s)?;
            system::run_ok(&s.start)?;
            return Ok(Outcome::Started(format!("`{}`", s.start.display())));
        }
        if !changed {
            return Ok(Outcome::AlreadyRunning);
        }
        test(s)?;
        return Ok(match &s.reload {
            Some(r) => {
                system::run_ok(r)?;
                Outcome::Reloaded(format!("`{}`", r.display()))
            }
            None => {
                system::run_ok(&s.restart)?;
                Outcome::Restarted(format!("`{}`", s.restart.display()))
            }
        });
    }
    let why = no_manager_note(s);
    match &s.direct {
        Direct::Spawn {
            argv,
            user,
            cwd,
            pid_file,
            log,
        } => {
            let live = probe::live_pid(pid_file);
            if live.is_some() && !changed {
                return Ok(Outcome::AlreadyRunning);
            }
            let restarted = live.is_some();
            if let Some(pid) = live
                && !system::terminate(pid, 30)
            {
                return Err(crate::tr!("exec-did-not-stop", name = s.name, pid = pid));
            }
            let pid = system::spawn_detached(argv, user, cwd, pid_file, log)?;
            let how = format!(
                "{why}: matrixctl started {} directly as {user} (pid {pid}, pid file {}, output in {}); `matrixctl stop` stops it",
                s.name,
                pid_file.display(),
                log.display()
            );
            Ok(if restarted {
                Outcome::Restarted(how)
            } else {
                Outcome::Started(how)
            })
        }
        Direct::Commands {
            start,
            reload,
            pid_file,
        } => {
            let live = probe::live_pid(pid_file);
            match live {
                None => {
                    test(s)?;
                    system::run_ok(start)?;
                    Ok(Outcome::Started(format!(
                        "{why}: started with `{}`",
                        start.display()
                    )))
                }
                Some(_) if !changed => Ok(Outcome::AlreadyRunning),
                Some(pid) => {
                    test(s)?;
                    match reload {
                        Some(r) => {
                            system::run_ok(r)?;
                            Ok(Outcome::Reloaded(format!("{why}: `{}`", r.display())))
                        }
                        None => {
                            system::terminate(pid, 30);
                            system::run_ok(start)?;
                            Ok(Outcome::Restarted(format!(
                                "{why}: stopped pid {pid}, then `{}`",
                                start.display()
                            )))
                        }
                    }
                }
            }
        }
        Direct::Fallback { start } => {
            if is_running(s) {
                return Ok(Outcome::AlreadyRunning);
            }
            system::run_ok(start)?;
            Ok(Outcome::Started(format!(
                "{why}: started with `{}`",
                start.display()
            )))
        }
        Direct::Unavailable => {
            if is_running(s) {
                Ok(Outcome::AlreadyRunning)
            } else {
                Err(crate::tr!(
                    "exec-cannot-start-without",
                    why = why,
                    name = s.name
                ))
            }
        }
    }
}

/// Stops the service; `Ok(false)` when it was not running.
pub fn stop(s: &ServiceStep, stop_cmd: &crate::plan::model::Cmd) -> Result<bool, String> {
    if manager_running(s) {
        if !is_running(s) {
            return Ok(false);
        }
        system::run_ok(stop_cmd)?;
        return Ok(true);
    }
    match &s.direct {
        Direct::Spawn { pid_file, .. } | Direct::Commands { pid_file, .. } => {
            match probe::live_pid(pid_file) {
                Some(pid) => {
                    if system::terminate(pid, 30) {
                        let _ = std::fs::remove_file(pid_file);
                        Ok(true)
                    } else {
                        Err(crate::tr!("exec-did-not-stop", name = s.name, pid = pid))
                    }
                }
                None => Ok(false),
            }
        }
        _ => Err(crate::tr!(
            "exec-cannot-stop-without",
            note = no_manager_note(s),
            name = s.name
        )),
    }
}
