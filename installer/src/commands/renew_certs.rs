//! `matrixctl renew-certs`: what the renewal timer runs. Reads `acme/renew.toml` (written by
//! `install --tls acme`), asks the CA for nothing unless the certificate is due (or `--force`),
//! and after a renewal reloads nginx (or runs the settings' deploy hook). A failure leaves the
//! previous certificate in place and exits 1 with which name failed which challenge.

use std::path::{Path, PathBuf};

use crate::cli::RenewCertsArgs;
use crate::error::{CliError, ExitStatus};
use crate::exec::acme::{self, Outcome};
use crate::exec::{service, system};
use crate::facts;
use crate::plan::Layout;
use crate::plan::model::{Acme, Cmd};
use crate::plan::steps::service::nginx_service;
use crate::tr;
use crate::ui::Printer;

/// Reads the renewal settings.
pub fn load(path: &Path) -> Result<Acme, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::failure(tr!("renew-no-config", path = path.display(), error = e)).hint(tr!(
            "renew-no-config-hint",
            cmd = "matrixctl install --tls acme"
        ))
    })?;
    toml::from_str(&text).map_err(|e| {
        CliError::failure(tr!("renew-bad-config", path = path.display(), error = e))
            .hint(tr!("renew-bad-config-hint", cmd = "matrixctl install"))
    })
}

pub fn run(args: RenewCertsArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let root = args.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    let facts = facts::detect(&root, args.distro.as_deref())?;
    let path = match &args.config {
        Some(p) => p.clone(),
        None => facts::under(&root, &Layout::of(&facts).renew_config),
    };
    let settings = load(&path)?;
    match acme::ensure(&settings, &root, args.force) {
        Ok(Outcome::NotDue { days, not_after }) => {
            printer.status(
                "Keeping",
                tr!(
                    "acme-not-due",
                    path = settings.cert.display(),
                    date = not_after,
                    n = days,
                    limit = crate::plan::tls::RENEW_DAYS
                ),
            );
            Ok(ExitStatus::Success)
        }
        Ok(Outcome::Obtained {
            why,
            not_after,
            issuer,
        }) => {
            printer.status(
                "Obtained",
                tr!(
                    "acme-obtained",
                    path = settings.cert.display(),
                    issuer = issuer,
                    date = not_after,
                    why = crate::exec::acme::describe(&why)
                ),
            );
            deploy(&settings, &facts, args.root.is_some(), printer)?;
            Ok(ExitStatus::Success)
        }
        Err(e) => Err(CliError::failure(e).hint(tr!(
            "renew-failed-hint",
            path = settings.cert.display(),
            cmd = "matrixctl renew-certs"
        ))),
    }
}

/// After a renewal: the deploy hook, else nginx reloaded (not with --root).
fn deploy(
    settings: &Acme,
    facts: &facts::Facts,
    rooted: bool,
    printer: &Printer,
) -> Result<(), CliError> {
    let fail = |e: String| {
        CliError::failure(tr!("renew-reload-failed", error = e))
            .hint(tr!("renew-reload-failed-hint", cmd = "nginx -t"))
    };
    if !settings.deploy_hook.is_empty() {
        for argv in &settings.deploy_hook {
            let c = Cmd::new(argv.clone());
            system::run_ok(&c).map_err(fail)?;
            printer.status("Ran", c.display());
        }
        return Ok(());
    }
    if rooted {
        return Ok(());
    }
    let nginx = nginx_service(facts);
    match service::ensure(&nginx, true, false).map_err(fail)? {
        service::Outcome::Reloaded(how)
        | service::Outcome::Restarted(how)
        | service::Outcome::Started(how) => {
            printer.status("Reloading", format!("{}: {how}", nginx.name))
        }
        service::Outcome::AlreadyRunning => {}
    }
    Ok(())
}
