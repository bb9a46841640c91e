//! `matrixctl generate-config`: Synapse's `--generate-config` with the same flags. Writes
//! homeserver.yaml, the signing key and the log config from templates. On a re-run it never
//! overwrites the key, the config or a secret: it adds only what is missing and says what it
//! kept.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::{GenerateConfigArgs, YesNo};
use crate::error::{CliError, ExitStatus};
use crate::exec;
use crate::render::{self, HOMESERVER_MISSING_SECRETS, HOMESERVER_YAML, LOG_CONFIG};
use crate::ui::Printer;

/// The secrets homeserver.yaml must carry, in the order they are written.
pub const SECRET_KEYS: &[&str] = &[
    "registration_shared_secret",
    "macaroon_secret_key",
    "form_secret",
];

pub use crate::render::homeserver::{DatabaseCtx, HomeserverCtx};

#[derive(Serialize)]
struct LogCtx {
    server_name: String,
    log_file: String,
}

#[derive(Serialize)]
struct SecretLine {
    key: &'static str,
    value: String,
}

#[derive(Serialize)]
struct MissingSecretsCtx {
    secrets: Vec<SecretLine>,
}

/// Top-level keys of an existing homeserver.yaml, read with the server's own loader.
struct TopLevel(matrixd::config::Mapping);

impl TopLevel {
    fn has(&self, key: &str) -> bool {
        self.0.get(key).is_some_and(|v| !v.is_null())
    }
    fn get_str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.as_str())
    }
}

fn absolute(p: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(p)
        .map_err(|e| CliError::failure(format!("cannot resolve {}", p.display())).cause(e))
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> CliError {
    let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
        "run as a user that may write there (for /etc, use sudo)"
    } else {
        "check the path exists and is writable"
    };
    CliError::failure(format!("cannot {what} {}", path.display()))
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
        return Err(CliError::usage(format!("{:?} is not a valid server name", args.server_name)).hint(
            "use the domain your users' ids will end with, e.g. --server-name example.org (a host name, IPv4 address or [IPv6], optionally :port)",
        ));
    }
    if let Some(u) = &args.public_baseurl {
        if !u.starts_with("https://") && !u.starts_with("http://") {
            return Err(
                CliError::usage(format!("--public-baseurl {u:?} is not an http(s) URL"))
                    .hint("for example --public-baseurl https://matrix.example.org/"),
            );
        }
    }
    Ok(())
}

pub fn run(args: GenerateConfigArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    validate(&args)?;
    let (ctx, data_dir) = fresh_context(&args)?;
    let config_path = PathBuf::from(&ctx.config_path);
    if let Some(dir) = config_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_err("create directory", dir, e))?;
    }
    std::fs::create_dir_all(&data_dir).map_err(|e| io_err("create directory", &data_dir, e))?;

    // Paths that matter on a re-run come from the existing file, never from factory defaults.
    let (signing_key_path, log_config_path) = if config_path.exists() {
        update_existing(&args, &config_path, &ctx, printer)?
    } else {
        let text = render::render(HOMESERVER_YAML, &ctx)
            .map_err(|e| CliError::usage("internal template error").cause(e))?;
        exec::write_atomic(&config_path, text.as_bytes(), 0o600)
            .map_err(|e| io_err("write", &config_path, e))?;
        printer.status("Writing", config_path.display());
        (
            PathBuf::from(&ctx.signing_key_path),
            Some(PathBuf::from(&ctx.log_config)),
        )
    };

    if let Some(dir) = signing_key_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_err("create directory", dir, e))?;
    }
    let key = matrixd::keys::SigningKey::generate();
    if exec::create_new(&signing_key_path, key.to_file_line().as_bytes(), 0o600)
        .map_err(|e| io_err("write", &signing_key_path, e))?
    {
        printer.status(
            "Generating",
            format!("{} (new key {})", signing_key_path.display(), key.key_id()),
        );
    } else {
        printer.status(
            "Keeping",
            format!(
                "{} (already exists; a signing key is never replaced)",
                signing_key_path.display()
            ),
        );
    }

    if let Some(log_config) = log_config_path {
        if log_config.exists() {
            printer.status(
                "Keeping",
                format!("{} (already exists)", log_config.display()),
            );
        } else {
            let log_ctx = LogCtx {
                server_name: ctx.server_name.clone(),
                log_file: data_dir
                    .join("homeserver.log")
                    .to_string_lossy()
                    .into_owned(),
            };
            let text = render::render(LOG_CONFIG, &log_ctx)
                .map_err(|e| CliError::usage("internal template error").cause(e))?;
            exec::write_atomic(&log_config, text.as_bytes(), 0o644)
                .map_err(|e| io_err("write", &log_config, e))?;
            printer.status("Writing", log_config.display());
        }
    }
    printer.note(format!(
        "\nNext: start the server with `matrixd --config {0}`, then create a user with\n  matrixctl register-user -c {0} --admin",
        config_path.display()
    ));
    Ok(ExitStatus::Success)
}

/// Re-run on an existing homeserver.yaml: checks server_name, appends missing secrets, and
/// returns the key and log-config paths the file names.
fn update_existing(
    args: &GenerateConfigArgs,
    config_path: &Path,
    ctx: &HomeserverCtx,
    printer: &Printer,
) -> Result<(PathBuf, Option<PathBuf>), CliError> {
    let text = std::fs::read_to_string(config_path).map_err(|e| io_err("read", config_path, e))?;
    let doc = TopLevel(matrixd::config::read_top_level(&[config_path.to_path_buf()]).map_err(|problems| {
        CliError::failure(format!("{} exists but cannot be read", config_path.display()))
            .cause(problems.to_string().trim_end())
            .hint("fix it by hand (`matrixd check-config` shows where), or move it away to generate a new one")
    })?);
    if let Some(existing) = doc.get_str("server_name") {
        if existing != args.server_name {
            return Err(CliError::failure(format!(
                "{} is for server_name {existing:?}, not {:?}",
                config_path.display(),
                args.server_name
            ))
            .hint("server_name can never change; pass the same --server-name, or a new --config-path for a new server"));
        }
    }
    printer.status(
        "Keeping",
        format!(
            "{} (already exists; adding only what is missing)",
            config_path.display()
        ),
    );
    let mut missing = Vec::new();
    for key in SECRET_KEYS {
        if doc.has(key) || doc.has(&format!("{key}_path")) {
            printer.status("Keeping", format!("{key} in {}", config_path.display()));
        } else {
            let value = match *key {
                "registration_shared_secret" => ctx.registration_shared_secret.clone(),
                "macaroon_secret_key" => ctx.macaroon_secret_key.clone(),
                _ => ctx.form_secret.clone(),
            };
            missing.push(SecretLine { key, value });
        }
    }
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|s| s.key).collect();
        let block = render::render(
            HOMESERVER_MISSING_SECRETS,
            &MissingSecretsCtx { secrets: missing },
        )
        .map_err(|e| CliError::usage("internal template error").cause(e))?;
        let mut new_text = text.clone();
        if !new_text.ends_with('\n') {
            new_text.push('\n');
        }
        new_text.push_str(&block);
        let mode = {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::metadata(config_path)
                .map(|m| m.permissions().mode() & 0o7777)
                .unwrap_or(0o600)
        };
        exec::write_atomic(config_path, new_text.as_bytes(), mode)
            .map_err(|e| io_err("write", config_path, e))?;
        printer.status(
            "Adding",
            format!("{} to {}", names.join(", "), config_path.display()),
        );
    }
    let signing_key_path = doc
        .get_str("signing_key_path")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(&ctx.signing_key_path));
    let log_config = match doc.get_str("log_config") {
        Some(p) => Some(PathBuf::from(p)),
        None => None,
    };
    Ok((signing_key_path, log_config))
}
