//! Synapse's homeserver.yaml turned into matrixd's (`matrixctl import-synapse`): the keys
//! matrixd reads are kept with their values (the same names and meanings), the paths that
//! point into Synapse's installation (database, media store, signing key, pid file) are moved
//! to the new server's, secrets kept in files are written inline (the new server must not
//! depend on Synapse's files), and every other key is dropped. Each change is reported with
//! its kind, so the caller can say why. Owns no I/O beyond reading those secret files.

use std::path::{Path, PathBuf};

use yaml_serde::{Mapping, Value};

use super::Database;
use super::known::TOP_LEVEL;

/// Where the imported server keeps what Synapse kept in its own places.
#[derive(Debug, Clone)]
pub struct ImportPaths {
    pub database: Database,
    pub media_store_path: PathBuf,
    pub signing_key_path: PathBuf,
    pub pid_file: PathBuf,
}

/// What happened to one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Kept with a new value: the path into Synapse's installation, and the new one.
    Moved { from: String, to: String },
    /// The database section now names matrixd's database.
    Database { to: String },
    /// `KEY_path` replaced by `KEY` with the file's content.
    Inlined { file: String },
    /// Synapse's Python logging config; matrixd logs to stderr (the service manager's log).
    LogConfig,
    /// A key matrixd does not read.
    Dropped,
    /// Synapse's `acme` section: matrixd reads one by that name, but not Synapse's values.
    Acme,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    pub key: String,
    pub change: Change,
}

/// Secrets Synapse may read from a file (`KEY_path`).
const SECRET_FILES: &[&str] = &[
    "registration_shared_secret",
    "macaroon_secret_key",
    "form_secret",
    "turn_shared_secret",
];

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn database_value(db: &Database) -> (Value, String) {
    let mut out = Mapping::new();
    let mut args = Mapping::new();
    let described = match db {
        Database::Sqlite { path } => {
            out.insert("name".into(), "sqlite3".into());
            args.insert("database".into(), s(path).into());
            format!("sqlite3 {}", path.display())
        }
        Database::Postgres(a) => {
            out.insert("name".into(), "psycopg2".into());
            if let Some(u) = &a.user {
                args.insert("user".into(), u.clone().into());
            }
            if let Some(p) = &a.password {
                args.insert("password".into(), p.expose().to_string().into());
            }
            if let Some(d) = &a.dbname {
                args.insert("dbname".into(), d.clone().into());
            }
            if let Some(h) = &a.host {
                args.insert("host".into(), h.clone().into());
            }
            if let Some(p) = a.port {
                args.insert("port".into(), u64::from(p).into());
            }
            args.insert("cp_min".into(), u64::from(a.cp_min).into());
            args.insert("cp_max".into(), u64::from(a.cp_max).into());
            format!(
                "psycopg2 {}@{}/{}",
                a.user.as_deref().unwrap_or("-"),
                a.host.as_deref().unwrap_or("(socket)"),
                a.dbname.as_deref().unwrap_or("-")
            )
        }
    };
    out.insert("args".into(), Value::Mapping(args));
    (Value::Mapping(out), described)
}

/// The new homeserver.yaml's top level, and what changed, key by key (in the order of
/// Synapse's file).
pub fn translate_synapse(top: &Mapping, paths: &ImportPaths) -> (Mapping, Vec<KeyChange>) {
    let mut out = Mapping::new();
    let mut changes = Vec::new();
    let mut change = |key: &str, c: Change| {
        changes.push(KeyChange {
            key: key.to_string(),
            change: c,
        })
    };
    let moved = |v: Option<&Value>, to: &Path| Change::Moved {
        from: v.and_then(Value::as_str).unwrap_or("").to_string(),
        to: s(to),
    };
    for (k, v) in top {
        let Some(key) = k.as_str() else {
            continue;
        };
        match key {
            "database" => {
                let (value, to) = database_value(&paths.database);
                out.insert(k.clone(), value);
                change(key, Change::Database { to });
            }
            "media_store_path" => {
                out.insert(k.clone(), s(&paths.media_store_path).into());
                change(key, moved(Some(v), &paths.media_store_path));
            }
            "signing_key_path" => {
                out.insert(k.clone(), s(&paths.signing_key_path).into());
                change(key, moved(Some(v), &paths.signing_key_path));
            }
            "pid_file" => {
                out.insert(k.clone(), s(&paths.pid_file).into());
                change(key, moved(Some(v), &paths.pid_file));
            }
            "log_config" => change(key, Change::LogConfig),
            // Synapse's ACME (removed in Synapse 1.30) kept an RSA account key in a PEM file
            // and answered HTTP-01; matrixd's section keeps a P-256 account in JSON and
            // answers TLS-ALPN-01, so its values would not work here.
            "acme" => change(key, Change::Acme),
            _ if key.ends_with("_path")
                && SECRET_FILES.contains(&key.trim_end_matches("_path")) =>
            {
                let base = key.trim_end_matches("_path");
                let file = v.as_str().unwrap_or("").to_string();
                match std::fs::read_to_string(&file) {
                    Ok(text) if !top.contains_key(base) => {
                        out.insert(base.into(), text.trim().to_string().into());
                        change(key, Change::Inlined { file });
                    }
                    _ => change(key, Change::Dropped),
                }
            }
            _ if TOP_LEVEL.contains(&key) => {
                out.insert(k.clone(), v.clone());
            }
            _ => change(key, Change::Dropped),
        }
    }
    // Keys Synapse defaults that matrixd must be told.
    for (key, value) in [
        ("media_store_path", &paths.media_store_path),
        ("signing_key_path", &paths.signing_key_path),
        ("pid_file", &paths.pid_file),
    ] {
        if !out.contains_key(key) {
            out.insert(key.into(), s(value).into());
            change(key, moved(None, value));
        }
    }
    if !out.contains_key("database") {
        let (value, to) = database_value(&paths.database);
        out.insert("database".into(), value);
        change("database", Change::Database { to });
    }
    (out, changes)
}

/// The YAML text of a translated top level.
pub fn to_yaml(top: &Mapping) -> Result<String, String> {
    yaml_serde::to_string(top).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_move_secrets_stay_and_unknown_keys_go() {
        let top: Mapping = yaml_serde::from_str(
            "server_name: example.org\n\
             database: {name: sqlite3, args: {database: /data/homeserver.db}}\n\
             media_store_path: /data/media_store\n\
             macaroon_secret_key: abc\n\
             log_config: /data/log.config\n\
             acme: {enabled: true, account_key_file: /data/acme_account.key}\n\
             enable_3pid_lookup: true\n",
        )
        .unwrap();
        let paths = ImportPaths {
            database: Database::Sqlite {
                path: "/var/lib/matrixd/homeserver.db".into(),
            },
            media_store_path: "/var/lib/matrixd/media_store".into(),
            signing_key_path: "/etc/matrixd/example.org.signing.key".into(),
            pid_file: "/var/lib/matrixd/homeserver.pid".into(),
        };
        let (out, changes) = translate_synapse(&top, &paths);
        assert_eq!(out["server_name"].as_str(), Some("example.org"));
        assert_eq!(out["macaroon_secret_key"].as_str(), Some("abc"));
        assert_eq!(
            out["media_store_path"].as_str(),
            Some("/var/lib/matrixd/media_store")
        );
        assert_eq!(
            out["database"]["args"]["database"].as_str(),
            Some("/var/lib/matrixd/homeserver.db")
        );
        assert!(!out.contains_key("log_config"));
        assert!(!out.contains_key("enable_3pid_lookup"));
        assert!(!out.contains_key("acme"));
        assert!(changes.contains(&KeyChange {
            key: "acme".into(),
            change: Change::Acme
        }));
        assert!(changes.contains(&KeyChange {
            key: "enable_3pid_lookup".into(),
            change: Change::Dropped
        }));
        assert!(changes.contains(&KeyChange {
            key: "log_config".into(),
            change: Change::LogConfig
        }));
        assert!(out.contains_key("signing_key_path"));
    }
}
