//! `matrixctl generate-config`: Synapse's `--generate-config` with the same flags. Writes
//! homeserver.yaml, the signing key and the log config from templates. On a re-run it never
//! overwrites the key, the config or a secret: it adds only what is missing and says what it
//! kept. Orchestration only: `plan::generate_config` decides, the executor writes.

use std::path::{Path, PathBuf};

use crate::cli::{GenerateConfigArgs, YesNo};
use crate::error::{CliError, ExitStatus};
use crate::exec;
use crate::facts;
use crate::plan::{self, existing, generate_config::TopLevel, model::Owner};
use crate::ui::Printer;

pub use crate::render::homeserver::{DatabaseCtx, HomeserverCtx};
use crate::tr;

fn absolute(p: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(p)
        .map_err(|e| CliError::failure(tr!("err-cannot-resolve", path = p.display())).cause(e))
}

fn read_err(path: &Path, e: std::io::Error) -> CliError {
    let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
        tr!("hint-gc-permission", etc = "/etc", sudo = "sudo")
    } else {
        tr!("hint-gc-writable")
    };
    CliError::failure(tr!("err-cannot-read", path = path.display()))
        .cause(e)
        .hint(hint)
}

/// Paths and context for a fresh config.
pub fn fresh_context(args: &GenerateConfigArgs) -> Result<(HomeserverCtx, PathBuf), CliError> {
    let config_path = absolute(&args.config_path)?;
    let config_dir = config_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let data_dir = match &args.data_directory {
        Some(d) => absolute(d)?,
        None => absolute(Path::new("."))?,
    };
    let keys_dir = match &args.keys_directory {
        Some(d) => absolute(d)?,
        None => config_dir.clone(),
    };
    let name = &args.server_name;
    let s = |p: PathBuf| p.to_string_lossy().into_owned();
    let ctx = HomeserverCtx {
        server_name: name.clone(),
        config_path: s(config_path.clone()),
        pid_file: s(data_dir.join("homeserver.pid")),
        public_baseurl: args.public_baseurl.clone(),
        port: args.http_port,
        bind_addresses: if args.open_private_ports {
            vec!["::".into(), "0.0.0.0".into()]
        } else {
            vec!["127.0.0.1".into()]
        },
        x_forwarded: !args.open_private_ports,
        database: DatabaseCtx {
            name: "sqlite3",
            path: s(data_dir.join("homeserver.db")),
            user: None,
            dbname: None,
            host: None,
        },
        log_config: s(keys_dir.join(format!("{name}.log.config"))),
        media_store_path: s(data_dir.join("media_store")),
        signing_key_path: s(keys_dir.join(format!("{name}.signing.key"))),
        registration_shared_secret: matrixd::keys::random_secret(),
        macaroon_secret_key: matrixd::keys::random_secret(),
        form_secret: matrixd::keys::random_secret(),
        report_stats: args.report_stats == YesNo::Yes,
        extras: Default::default(),
    };
    Ok((ctx, data_dir))
}

fn validate(args: &GenerateConfigArgs) -> Result<(), CliError> {
    if !matrixd::config::is_valid_server_name(&args.server_name) {
        return Err(CliError::usage(tr!(
            "err-gc-server-name",
            name = format!("{:?}", args.server_name)
        ))
        .hint(tr!(
            "hint-gc-server-name",
            example = "--server-name example.org",
            forms = "[IPv6]",
            port = ":port"
        )));
    }
    if let Some(u) = &args.public_baseurl
        && !u.starts_with("https://")
        && !u.starts_with("http://")
    {
        return Err(CliError::usage(tr!(
            "err-gc-baseurl",
            flag = format!("--public-baseurl {u:?}")
        ))
        .hint(tr!(
            "hint-gc-baseurl",
            example = "--public-baseurl https://matrix.example.org/"
        )));
    }
    Ok(())
}

pub fn run(args: GenerateConfigArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    validate(&args)?;
    let (ctx, data_dir) = fresh_context(&args)?;
    let config_path = PathBuf::from(&ctx.config_path);
    let current = if config_path.exists() {
        Some(read_existing(&config_path)?)
    } else {
        None
    };
    let (user, group) = facts::probe::current_user();
    let fs = existing::Fs { root: "/".into() };
    let generated = plan::generate_config::generate(
        &ctx,
        &data_dir,
        current.as_ref(),
        &Owner { user, group },
        &fs,
    )
    .map_err(|e| CliError::failure(e.message).hint(e.hint))?;
    for line in &generated.kept {
        printer.status("Keeping", line);
    }
    let opts = exec::apply::Options {
        root: "/".into(),
        activate: false,
    };
    exec::apply::apply(&generated.plan, &opts, printer).map_err(|f| {
        CliError::failure(tr!("err-cannot-step", step = f.step))
            .cause(f.cause)
            .hint(tr!("hint-gc-write", etc = "/etc", sudo = "sudo"))
    })?;
    printer.note(format!(
        "\n{}\n  matrixctl register-user -c {} --admin",
        tr!(
            "gc-next",
            cmd = format!("matrixd --config {}", config_path.display())
        ),
        config_path.display()
    ));
    Ok(ExitStatus::Success)
}

/// The top-level keys of an existing homeserver.yaml (a re-run).
fn read_existing(config_path: &Path) -> Result<TopLevel, CliError> {
    std::fs::read_to_string(config_path).map_err(|e| read_err(config_path, e))?;
    matrixd::config::read_top_level(&[config_path.to_path_buf()])
        .map(TopLevel)
        .map_err(|problems| {
            CliError::failure(tr!("err-gc-unreadable", path = config_path.display()))
                .cause(
                    crate::i18n::problems::problems(&problems)
                        .to_string()
                        .trim_end(),
                )
                .hint(tr!("hint-gc-unreadable", cmd = "matrixd check-config"))
        })
}
