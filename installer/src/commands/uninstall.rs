//! `matrixctl uninstall`: stops and removes the service, the nginx site, the files install wrote
//! outside the config and data directories, and the packages it added. The config, keys,
//! secrets, data and logs stay unless `--purge` is given and confirmed.

use std::path::Path;

use crate::cli::UninstallArgs;
use crate::commands::install::Receipt;
use crate::error::{CliError, ExitStatus};
use crate::exec::{service, system};
use crate::facts;
use crate::facts::distro::subst;
use crate::plan::model::Cmd;
use crate::plan::{Layout, matrixd_service, nginx_service};
use crate::ui::Printer;

pub fn run(args: UninstallArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let facts = facts::detect(Path::new("/"), args.distro.as_deref())?;
    let d = &facts.distro;
    let layout = Layout::of(&facts);
    let Some(receipt) = Receipt::load(&layout.receipt) else {
        return Err(CliError::failure(format!(
            "no matrixctl install found here ({} does not exist)",
            layout.receipt.display()
        ))
        .hint("uninstall removes only what `matrixctl install` recorded"));
    };
    if !nix::unistd::geteuid().is_root() {
        return Err(CliError::failure("uninstalling needs root").hint("run it with sudo"));
    }
    if args.purge && !args.yes {
        let question = format!(
            "Delete {}, {} and {} (keys, secrets, database, media) for good?",
            layout.config_dir.display(),
            layout.data_dir.display(),
            layout.log_dir.display()
        );
        if !printer.interactive() {
            return Err(CliError::failure(
                "--purge deletes the keys and data and must be confirmed",
            )
            .hint("pass --yes to confirm without a terminal"));
        }
        if !crate::wizard::prompt::confirm(&question)
            .map_err(|e| CliError::failure("cannot ask for confirmation").cause(e))?
        {
            printer.note("Cancelled; nothing was removed.");
            return Ok(ExitStatus::Failure);
        }
    }
    let fail = |what: String| move |e: String| CliError::failure(what.clone()).cause(e);
    let sub = |argv: &[String], svc: &str| Cmd::new(subst(argv, &[("svc", svc)]));

    // The homeserver.
    let svc = matrixd_service(&facts);
    if service::stop(&svc, &sub(&d.service.stop, &svc.name))
        .map_err(fail(format!("cannot stop {}", svc.name)))?
    {
        printer.status("Stopped", &svc.name);
    }
    if service::manager_running(&svc) {
        for c in &d.service.disable {
            let _ = system::run(&sub(c, &svc.name));
        }
    }

    // Files install wrote outside config and data (unit, nginx site, .well-known, binary, …).
    let mut nginx_touched = false;
    for f in &receipt.files {
        if std::fs::symlink_metadata(f).is_ok() {
            std::fs::remove_file(f).map_err(|e| {
                CliError::failure(format!("cannot remove {}", f.display())).cause(e)
            })?;
            printer.status("Removing", f.display());
            nginx_touched |= f.starts_with("/etc/nginx")
                || f.starts_with("/usr/local/etc/nginx")
                || f.to_string_lossy().contains(".well-known");
        }
    }
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
            Err(e) => printer.warn(format!("nginx was not reloaded: {e}")),
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
            format!("packages {} (`{}`)", removable.join(" "), c.display()),
        );
        system::run_ok(&c).map_err(fail("cannot remove the packages install added".into()))?;
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
                format!("PostgreSQL database matrixd and role {}", d.user.name),
            );
        }
        for dir in [
            &layout.config_dir,
            &layout.data_dir,
            &layout.log_dir,
            &layout.run_dir,
        ] {
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(|e| {
                    CliError::failure(format!("cannot remove {}", dir.display())).cause(e)
                })?;
                printer.status("Removing", format!("{}/", dir.display()));
            }
        }
        let webroot = Path::new(&d.nginx.webroot);
        if webroot.exists() {
            let _ = std::fs::remove_dir_all(webroot);
        }
        if crate::facts::probe::user(Path::new("/"), &d.user.name).is_some() {
            for c in &d.user.remove_user {
                let argv = subst(c, &[("user", &d.user.name), ("group", &d.user.group)]);
                let _ = system::run(&Cmd::new(argv));
            }
            printer.status("Removing", format!("system user {}", d.user.name));
        }
        printer.note("Purged: the server, its keys and its data are gone.");
    } else {
        let _ = std::fs::remove_file(&layout.receipt);
        printer.note(format!(
            "Kept: config and keys in {}, data in {}, logs in {}{}. `matrixctl install --answers {} --yes` brings the server back; `matrixctl uninstall --purge` deletes them.",
            layout.config_dir.display(),
            layout.data_dir.display(),
            layout.log_dir.display(),
            if receipt.database == Some(crate::answers::Database::Postgres) { ", the PostgreSQL database matrixd" } else { "" },
            layout.answers.display()
        ));
    }
    Ok(ExitStatus::Success)
}
