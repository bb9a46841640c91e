//! `matrixctl doctor`: parse the doctor's flags into `doctor::Options`, pick the checks, run
//! them, print the report (human or `--json`) and map it to the exit code: 0 nothing failed,
//! 1 something failed (or warned, with `--strict`), 2 usage errors. Orchestration only.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::doctor::{self, Status, net::ConnectTo, report};
use crate::error::{CliError, ExitStatus};
use crate::ui::Printer;

#[derive(Args, Debug, Default)]
pub struct DoctorArgs {
    /// Checks to run, by id (config.parse) or group (system, config, service, db, tls, federation,
    /// client, email, turn, nginx) [default: all].
    #[arg(value_name = "CHECK_ID")]
    pub checks: Vec<String>,
    /// The homeserver.yaml to check (repeatable, files or directories) [default: the installed one].
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Vec<PathBuf>,
    /// Print the report as JSON (versioned schema) on stdout.
    #[arg(long)]
    pub json: bool,
    /// Show every check's details.
    #[arg(short, long)]
    pub verbose: bool,
    /// Skip the checks that need the network (federation, client discovery, email, TURN).
    #[arg(long)]
    pub offline: bool,
    /// List every check's id, group and purpose, and exit.
    #[arg(long)]
    pub list_checks: bool,
    /// Treat warnings as failures (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Use this OS family's data instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub distro: Option<String>,
    /// A file holding an access token, for turn.credentials (secrets are never taken on argv).
    #[arg(long, value_name = "FILE")]
    pub access_token_file: Option<PathBuf>,
    /// Ask this DNS server (ADDR:PORT) instead of the system's.
    #[arg(long, hide = true, value_name = "ADDR:PORT")]
    pub dns: Option<SocketAddr>,
    /// Connect to ADDR:PORT2 whenever HOST:PORT is meant (TLS and Host still say HOST), like curl.
    #[arg(long, hide = true, value_name = "HOST:PORT:ADDR:PORT2")]
    pub connect_to: Vec<ConnectTo>,
    /// Trust only the CA certificates in this PEM file.
    #[arg(long, hide = true, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// The nginx site to inspect instead of the distro's.
    #[arg(long, hide = true, value_name = "FILE")]
    pub nginx_site: Option<PathBuf>,
    /// The nginx main config for `nginx -t`.
    #[arg(long, hide = true, value_name = "FILE")]
    pub nginx_conf: Option<PathBuf>,
    /// With --json, also every check's texts as message ids and arguments (for doctor as the service user).
    #[arg(long, hide = true, requires = "json")]
    pub json_texts: bool,
    /// Seconds each check may take.
    #[arg(long, hide = true, default_value_t = 20)]
    pub timeout: u64,
}

impl DoctorArgs {
    pub fn options(&self) -> doctor::Options {
        doctor::Options {
            config: self.config.clone(),
            distro: self.distro.clone(),
            offline: self.offline,
            net: doctor::net::NetOptions {
                dns: self.dns,
                connect_to: self.connect_to.clone(),
                ca_file: self.ca_file.clone(),
            },
            nginx_site: self.nginx_site.clone(),
            nginx_conf: self.nginx_conf.clone(),
            access_token_file: self.access_token_file.clone(),
            timeout: Duration::from_secs(self.timeout.max(1)),
        }
    }
}

pub fn run(args: DoctorArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    if args.json && !args.json_texts {
        // Machines read it: the whole run speaks English (a finding quotes network and
        // database errors, which would otherwise be translated).
        crate::i18n::init(crate::i18n::Lang::En);
    }
    if args.list_checks {
        let defs = doctor::registry::all();
        let width = defs.iter().map(|d| d.id.len()).max().unwrap_or(0);
        for d in defs {
            printer.data(format!(
                "{:<width$}  {:<10}  {}",
                d.id,
                d.group.prefix(),
                d.about_text()
            ));
        }
        return Ok(ExitStatus::Success);
    }
    if let Some(name) = &args.distro
        && crate::facts::distro::by_name(name).is_none()
    {
        return Err(CliError::usage(crate::tr!(
            "err-unknown-distro",
            flag = format!("--distro {name:?}")
        ))
        .hint(crate::tr!(
            "hint-use-one-of",
            names = crate::facts::family_ids().join(", ")
        )));
    }
    let defs = doctor::select(&args.checks).map_err(|(name, close)| {
        let hint = match close {
            Some(c) => crate::tr!(
                "hint-did-you-mean-check",
                check = c,
                cmd = "matrixctl doctor --list-checks"
            ),
            None => crate::tr!("hint-list-checks", cmd = "matrixctl doctor --list-checks"),
        };
        CliError::usage(crate::tr!("err-unknown-check", name = format!("{name:?}"))).hint(hint)
    })?;
    let ctx = Arc::new(doctor::Ctx::new(args.options()));
    let checks = doctor::run(ctx, &defs);
    if args.json_texts {
        printer.data(report::json_with_texts(&checks));
    } else if args.json {
        printer.data(report::json(&checks));
    } else {
        printer
            .data(report::human(&checks, args.verbose, report::Symbols::from_locale()).trim_end());
    }
    let failed = checks
        .iter()
        .any(|c| c.status == Status::Fail || (args.strict && c.status == Status::Warn));
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
