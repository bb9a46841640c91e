//! What must hold before anything is written: Synapse is stopped (its pid file names no live
//! process, nothing answers on its listeners), the new server's files are not Synapse's, and
//! Synapse's database has a schema version this import reads. Read-only.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::path::Path;
use std::time::Duration;

use matrixd::config::{Config, Database};
use matrixd::store::synapse::{SUPPORTED_SCHEMA, SynapseDb};

use crate::error::CliError;
use crate::tr;
use crate::ui::Printer;

/// The addresses a listener answers on, as a client on this machine reaches them.
fn local_addresses(bind: &str, port: u16) -> Vec<SocketAddr> {
    let host = match bind {
        "" | "0.0.0.0" => "127.0.0.1",
        "::" => "::1",
        other => other,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (host, port)
        .to_socket_addrs()
        .map(|a| a.collect())
        .unwrap_or_default()
}

pub fn refuse_if_running(synapse: &Config, printer: &Printer) -> Result<(), CliError> {
    if let Some(p) = &synapse.pid_file
        && let Some(pid) = crate::facts::probe::live_pid(p)
    {
        return Err(CliError::failure(tr!(
            "err-import-running-pid",
            pid = pid,
            path = p.display()
        ))
        .hint(tr!(
            "hint-import-stop",
            cmd = "systemctl stop matrix-synapse"
        )));
    }
    for l in &synapse.listeners {
        let binds = if l.bind_addresses.is_empty() {
            vec!["127.0.0.1".to_string()]
        } else {
            l.bind_addresses.clone()
        };
        for b in binds {
            for addr in local_addresses(&b, l.port) {
                if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
                    printer.note(tr!("import-answering", addr = addr));
                    return Err(
                        CliError::failure(tr!("err-import-running", addr = addr)).hint(tr!(
                            "hint-import-stop",
                            cmd = "systemctl stop matrix-synapse"
                        )),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Refuses while a matrixd already serves the config being replaced (an earlier install):
/// its database must not change under it.
pub fn refuse_if_matrixd_runs(config: &Path, printer: &Printer) -> Result<(), CliError> {
    if !config.is_file() {
        return Ok(());
    }
    let (Some(c), _) = matrixd::config::load_files(&[config.to_path_buf()]) else {
        return Ok(());
    };
    if let Some(p) = &c.pid_file
        && let Some(pid) = crate::facts::probe::live_pid(p)
    {
        return Err(CliError::failure(tr!("err-migrate-running-pid", pid = pid))
            .hint(tr!("hint-migrate-stop", cmd = "matrixctl stop")));
    }
    for l in &c.listeners {
        for b in &l.bind_addresses {
            for addr in local_addresses(b, l.port) {
                if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
                    printer.note(tr!("import-answering", addr = addr));
                    return Err(CliError::failure(tr!(
                        "err-import-matrixd-running",
                        path = config.display()
                    ))
                    .hint(tr!("hint-import-stop-matrixd", cmd = "matrixctl stop")));
                }
            }
        }
    }
    Ok(())
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Refuses a target that would write into Synapse's database, media store or data directory.
pub fn refuse_overlap(
    synapse: &Config,
    target: &Database,
    data_dir: &Path,
) -> Result<(), CliError> {
    let clash = match (&synapse.database, target) {
        (Database::Sqlite { path: a }, Database::Sqlite { path: b }) => same_path(a, b),
        (Database::Postgres(a), Database::Postgres(b)) => {
            a.host == b.host && a.port == b.port && a.dbname == b.dbname
        }
        _ => false,
    };
    if clash || same_path(&synapse.media_store_path, &data_dir.join("media_store")) {
        return Err(
            CliError::usage(tr!("err-import-overlap", dir = data_dir.display())).hint(tr!(
                "hint-import-paths",
                config = "--config-path",
                data = "--data-directory"
            )),
        );
    }
    Ok(())
}

pub fn check_schema(
    rt: &tokio::runtime::Runtime,
    src: &SynapseDb,
    synapse: &Config,
) -> Result<(), CliError> {
    let version = rt
        .block_on(src.schema_version())
        .map_err(|e| CliError::failure(tr!("err-import-read", step = "schema_version")).cause(e))?;
    let supported = format!("{}–{}", SUPPORTED_SCHEMA.start(), SUPPORTED_SCHEMA.end());
    match version {
        None => Err(CliError::failure(tr!("err-import-not-synapse"))
            .hint(tr!("hint-import-synapse-config", flag = "--synapse-config"))),
        Some(v) if !SUPPORTED_SCHEMA.contains(&v) => Err(CliError::failure(tr!(
            "err-import-schema",
            found = v,
            supported = supported
        ))
        .hint(if v > *SUPPORTED_SCHEMA.end() {
            tr!("hint-import-schema-newer")
        } else {
            tr!("hint-import-schema-older")
        })),
        Some(_) => {
            // Synapse's users carry its server name; a config pointing at another server's
            // database would make every id wrong.
            if let Some(user) = rt.block_on(src.a_user()).ok().flatten()
                && !user.ends_with(&format!(":{}", synapse.server_name))
            {
                return Err(CliError::failure(tr!(
                    "err-import-server-name",
                    user = user,
                    name = &synapse.server_name
                )));
            }
            Ok(())
        }
    }
}
