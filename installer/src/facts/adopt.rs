//! `install --adopt`: what an existing homeserver.yaml (one `import-synapse` wrote, or any other
//! matrixd reads) already says, so install asks none of it and rewrites none of it. Read-only:
//! the config's keys, merged as the server merges them (the raw mapping, so paths that exist
//! only on the target, under `--root`, are fine), and nothing else.

use std::path::{Path, PathBuf};

use matrixd::config::{Database, Mapping, YamlValue};

/// What the adopted config says, as install needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    /// Where it is (a target path).
    pub config: PathBuf,
    pub server_name: String,
    pub public_baseurl: Option<String>,
    pub database: Database,
    /// The plain-HTTP listener serving `client` that nginx forwards to (its port).
    pub http_port: Option<u16>,
    /// Whether a listener serves `federation` (and the federation whitelist is not empty).
    pub federation: bool,
    /// Whether a listener terminates TLS itself.
    pub tls_listener: bool,
    pub signing_key: PathBuf,
    pub media_store: PathBuf,
    pub enable_registration: bool,
    pub registration_requires_token: bool,
    pub report_stats: Option<bool>,
}

fn get<'a>(top: &'a Mapping, key: &str) -> Option<&'a YamlValue> {
    top.get(key).filter(|v| !v.is_null())
}

fn text(top: &Mapping, key: &str) -> Option<String> {
    get(top, key).and_then(|v| v.as_str()).map(str::to_string)
}

fn flag(top: &Mapping, key: &str) -> Option<bool> {
    get(top, key).and_then(YamlValue::as_bool)
}

fn names(listener: &YamlValue) -> Vec<String> {
    listener
        .get("resources")
        .and_then(YamlValue::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("names").and_then(YamlValue::as_sequence))
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// Reads the config at `config` (a target path) from `host` (where it is on this machine:
/// the same path, or under `--root`). The error says what is missing.
pub fn read(config: &Path, host: &Path) -> Result<Adopted, String> {
    let top = matrixd::config::read_top_level(&[host.to_path_buf()]).map_err(|p| p.to_string())?;
    let server_name = text(&top, "server_name").ok_or("server_name is not set")?;
    let (database, problems) = matrixd::config::database_of(&top);
    let database = database.ok_or_else(|| problems.to_string())?;
    let signing_key = text(&top, "signing_key_path").ok_or("signing_key_path is not set")?;
    let media_store = text(&top, "media_store_path").ok_or("media_store_path is not set")?;
    let listeners: Vec<&YamlValue> = get(&top, "listeners")
        .and_then(YamlValue::as_sequence)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let is_http =
        |l: &&&YamlValue| l.get("type").and_then(YamlValue::as_str).unwrap_or("http") == "http";
    let tls = |l: &YamlValue| l.get("tls").and_then(YamlValue::as_bool).unwrap_or(false);
    let http_port = listeners
        .iter()
        .filter(is_http)
        .find(|l| !tls(l) && names(l).iter().any(|n| n == "client"))
        .and_then(|l| l.get("port").and_then(YamlValue::as_u64))
        .and_then(|p| u16::try_from(p).ok());
    let whitelist_empty = matches!(
        get(&top, "federation_domain_whitelist"),
        Some(YamlValue::Sequence(s)) if s.is_empty()
    );
    let federation = !whitelist_empty
        && listeners
            .iter()
            .filter(is_http)
            .any(|l| names(l).iter().any(|n| n == "federation"));
    Ok(Adopted {
        config: config.to_path_buf(),
        server_name,
        public_baseurl: text(&top, "public_baseurl"),
        database,
        http_port,
        federation,
        tls_listener: listeners.iter().filter(is_http).any(|l| tls(l)),
        signing_key: PathBuf::from(signing_key),
        media_store: PathBuf::from(media_store),
        enable_registration: flag(&top, "enable_registration").unwrap_or(false),
        registration_requires_token: flag(&top, "registration_requires_token").unwrap_or(false),
        report_stats: flag(&top, "report_stats"),
    })
}

impl Adopted {
    /// Whether its PostgreSQL is this machine's (a socket directory, or a loopback host), so
    /// install runs PostgreSQL here.
    pub fn local_postgres(&self) -> bool {
        match &self.database {
            Database::Postgres(a) => a.host.as_deref().is_none_or(|h| {
                h.starts_with('/') || matches!(h, "localhost" | "127.0.0.1" | "::1")
            }),
            Database::Sqlite { .. } => false,
        }
    }

    /// The SQLite file, when that is its database.
    pub fn sqlite(&self) -> Option<&Path> {
        match &self.database {
            Database::Sqlite { path } => Some(path),
            Database::Postgres(_) => None,
        }
    }
}
