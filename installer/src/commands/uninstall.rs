//! `matrixctl uninstall`: stops and removes the service, the nginx site, the files install wrote
//! outside the config and data directories, and the packages it added. The config, keys,
//! secrets, data and logs stay unless `--purge` is given and confirmed. What goes from the file
//! system is planned by `plan::uninstall` and removed by the executor.

use std::path::Path;

use crate::cli::UninstallArgs;
use crate::commands::install::Receipt;
use crate::error::{CliError, ExitStatus};
use crate::exec::{self, service, system};
use crate::facts;
use crate::facts::distro::subst;
use crate::plan::existing;
use crate::plan::model::{Cmd, Plan};
use crate::plan::{
    Layout, matrixd_service, matrixd_services, nginx_service, uninstall as removals,
};
use crate::tr;
use crate::ui::Printer;

/// Runs a removal plan; the error says what could not be removed and why.
fn remove(plan: &Plan, printer: &Printer) -> Result<(), CliError> {
    let opts = exec::apply::Options {
        root: "/".into(),
        activate: true,
    };
    exec::apply::apply(plan, &opts, printer)
        .map(|_| ())
        .map_err(|f| CliError::failure(tr!("err-cannot-step", step = f.step)).cause(f.cause))
}

pub fn run(args: UninstallArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let facts = facts::detect(Path::new("/"), args.distro.as_deref())?;
    let d = &facts.distro;
    let layout = Layout::of(&facts);
    let Some(receipt) = Receipt::load(&layout.receipt) else {
        return Err(CliError::failure(tr!(
            "err-no-install-found",
            cmd = "matrixctl",
            path = layout.receipt.display()
        ))
        .hint(tr!("hint-uninstall-recorded", cmd = "matrixctl install")));
    };
    if !nix::unistd::geteuid().is_root() {
        return Err(CliError::failure(tr!("err-uninstall-needs-root"))
            .hint(tr!("hint-sudo", sudo = "sudo")));
    }
    if args.purge && !args.yes {
        let question = tr!(
            "uninstall-purge-question",
            config = layout.config_dir.display(),
            data = layout.data_dir.display(),
            logs = layout.log_dir.display()
        );
        if !super::confirmed(
            printer,
            &question,
            tr!("err-purge-unconfirmed", flag = "--purge"),
            tr!("uninstall-cancelled"),
        )? {
            return Ok(ExitStatus::Failure);
        }
    }
    let fail = |what: String| move |e: String| CliError::failure(what.clone()).cause(e);
    let sub = |argv: &[String], svc: &str| Cmd::new(subst(argv, &[("svc", svc)]));

    // The homeserver: its one process, or each of them (`install --workers N`, found from
    // their config files).
    let services = matrixd_services(&facts, Path::new("/"));
    for svc in &services {
        if service::stop(svc, &sub(&d.service.stop, &svc.name))
            .map_err(fail(tr!("err-cannot-stop", name = svc.name)))?
        {
            printer.status("Stopped", &svc.name);
        }
        if service::manager_running(svc) {
            for c in &d.service.disable {
                let _ = system::run(&sub(c, &svc.name));
            }
        }
    }
    let svc = matrixd_service(&facts);
    if service::manager_running(&svc) {
        // The certificate renewal timer (--tls acme) and the backup timer (--backups), if
        // install enabled them.
        for timer in [&d.renewal.timer, &d.backup.timer] {
            if let Some(timer) = timer.as_deref().map(Path::new)
                && timer.exists()
                && let Some(name) = timer.file_name()
            {
                let _ = system::run(&Cmd::new(vec![
                    "systemctl".into(),
                    "disable".into(),
                    "--now".into(),
                    name.to_string_lossy().into_owned(),
                ]));
            }
        }
    }

    // Files install wrote outside config and data (unit, nginx site, .well-known, binary, …).
    let fs = existing::Fs { root: "/".into() };
    let files = removals::installed_files(&layout, &receipt.files, &fs);
    let nginx_touched = removals::touches_nginx(&files);
    remove(&files, printer)?;
    // Our block in a shared daily script (OpenBSD's /etc/daily.local); the rest stays.
    remove(&removals::backup_block(&layout, &d.backup, &fs), printer)?;
    if service::manager_running(&svc) {
        for c in &d.service.after_unit_change {
            let _ = system::run(&sub(c, &svc.name));
        }
    }

    // nginx: stop it if we installed it, else reload it without our site.
    let nginx = nginx_service(&facts);
    let nginx_added = d
        .packages
        .nginx
        .iter()
        .any(|p| receipt.packages_added.contains(p));
    if nginx_added {
        if service::stop(&nginx, &sub(&d.service.stop, &nginx.name)).unwrap_or(false) {
            printer.status("Stopped", &nginx.name);
        }
    } else if nginx_touched && service::is_running(&nginx) {
        match service::ensure(&nginx, true, false) {
            Ok(_) => printer.status("Reloaded", &nginx.name),
            Err(e) => printer.warn(tr!("uninstall-nginx-not-reloaded", error = e)),
        }
    }
    let coturn_added = d
        .packages
        .coturn
        .iter()
        .any(|p| receipt.packages_added.contains(p));
    if coturn_added {
        let c = crate::plan::service_for(
            &facts,
            &d.coturn.service,
            crate::plan::model::Affects::Coturn,
            false,
            crate::plan::model::Direct::Unavailable,
        );
        let _ = service::stop(&c, &sub(&d.service.stop, &c.name));
    }

    // Packages install added (never PostgreSQL's data: that goes only with --purge, below).
    let removable: Vec<String> = receipt
        .packages_added
        .iter()
        .filter(|p| !d.packages.postgresql.contains(p) || args.purge)
        .cloned()
        .collect();
    if !removable.is_empty() {
        let mut c = Cmd::new(
            d.packages
                .remove
                .iter()
                .cloned()
                .chain(removable.iter().cloned())
                .collect(),
        );
        c.env = d
            .packages
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        printer.status(
            "Removing",
            tr!(
                "uninstall-removing-packages",
                names = removable.join(" "),
                cmd = c.display()
            ),
        );
        system::run_ok(&c).map_err(fail(tr!("err-remove-packages")))?;
    }

    if args.purge {
        if receipt.database == Some(crate::answers::Database::Postgres) {
            let pg = &d.postgresql;
            let drop = |argv: Vec<String>| Cmd::new(argv).as_user(&pg.os_user);
            let h = pg.socket_dir.clone();
            let _ = system::run(&drop(vec![
                "dropdb".into(),
                "-h".into(),
                h.clone(),
                "-U".into(),
                pg.superuser.clone(),
                "--if-exists".into(),
                "matrixd".into(),
            ]));
            let _ = system::run(&drop(vec![
                "dropuser".into(),
                "-h".into(),
                h,
                "-U".into(),
                pg.superuser.clone(),
                "--if-exists".into(),
                d.user.name.clone(),
            ]));
            printer.status(
                "Dropping",
                tr!("uninstall-dropping", db = "matrixd", role = d.user.name),
            );
        }
        remove(
            &removals::purge(&layout, Path::new(&d.nginx.webroot), &fs),
            printer,
        )?;
        if crate::facts::probe::user(Path::new("/"), &d.user.name).is_some() {
            for c in &d.user.remove_user {
                let argv = subst(c, &[("user", &d.user.name), ("group", &d.user.group)]);
                let _ = system::run(&Cmd::new(argv));
            }
            printer.status("Removing", tr!("uninstall-system-user", name = d.user.name));
        }
        printer.note(tr!("uninstall-purged"));
    } else {
        remove(&removals::forget(&layout), printer)?;
        let postgres = if receipt.database == Some(crate::answers::Database::Postgres) {
            tr!("uninstall-kept-postgres", db = "matrixd")
        } else {
            String::new()
        };
        printer.note(tr!(
            "uninstall-kept",
            config = layout.config_dir.display(),
            data = layout.data_dir.display(),
            logs = layout.log_dir.display(),
            postgres = postgres,
            install = format!(
                "matrixctl install --answers {} --yes",
                layout.answers.display()
            ),
            purge = "matrixctl uninstall --purge"
        ));
    }
    Ok(ExitStatus::Success)
}
