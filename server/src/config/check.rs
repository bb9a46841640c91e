//! Validation: turns the merged YAML mapping into a `Config`, collecting every problem with its
//! key path and fix. Owns defaults (Synapse's) and cross-key rules. Reads files only to check
//! that paths named by keys exist and to read `*_path` secrets.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use yaml_serde::{Mapping, Value};

use super::known;
use super::problem::{Expected, Fix, Kind, Problem, Problems, Quoted};
use super::reader::Section;
use super::{
    Config, DEFAULT_MAX_UPLOAD_SIZE, Database, Listener, ListenerType, PostgresArgs, Resource,
    Secret, SecretSource, TrustedKeyServer, TurnConfig,
};

/// Whether `name` is a valid Matrix server name (host name, IPv4, or `[IPv6]`, optional port).
pub fn is_valid_server_name(name: &str) -> bool {
    ruma::ServerName::parse(name).is_ok() && !name.is_empty()
}

/// Parses Synapse's size strings: an integer number of bytes, or a number with a K/M/G suffix.
pub fn parse_size(v: &Value) -> Result<u64, Kind> {
    match v {
        Value::Number(n) => n.as_u64().ok_or_else(|| Kind::NotWhole {
            value: n.to_string(),
        }),
        Value::String(s) => {
            let s = s.trim();
            let (num, mult) = match s.chars().last() {
                Some('K') | Some('k') => (&s[..s.len() - 1], 1024),
                Some('M') | Some('m') => (&s[..s.len() - 1], 1024 * 1024),
                Some('G') | Some('g') => (&s[..s.len() - 1], 1024 * 1024 * 1024),
                _ => (s, 1),
            };
            num.trim()
                .parse::<u64>()
                .map(|n| n * mult)
                .map_err(|_| Kind::NotSize {
                    value: Quoted(s.to_string()),
                })
        }
        other => Err(Kind::WrongType {
            expected: Expected::Size,
            found: super::reader::describe(other),
        }),
    }
}

/// Parses Synapse's durations: an integer number of milliseconds, or a number with a unit
/// (`s`, `m`, `h`, `d`, `w`, `y`).
pub fn parse_duration_ms(v: &Value) -> Result<u64, Kind> {
    match v {
        Value::Number(n) => n.as_u64().ok_or_else(|| Kind::NotWholeMs {
            value: n.to_string(),
        }),
        Value::String(s) => {
            let s = s.trim();
            let unit: u64 = match s.chars().last() {
                Some('s') => 1000,
                Some('m') => 60 * 1000,
                Some('h') => 3600 * 1000,
                Some('d') => 86400 * 1000,
                Some('w') => 7 * 86400 * 1000,
                Some('y') => 365 * 86400 * 1000,
                _ => 1,
            };
            let num = if unit == 1 { s } else { &s[..s.len() - 1] };
            num.trim()
                .parse::<u64>()
                .map(|n| n * unit)
                .map_err(|_| Kind::NotDuration {
                    value: Quoted(s.to_string()),
                })
        }
        other => Err(Kind::WrongType {
            expected: Expected::Duration,
            found: super::reader::describe(other),
        }),
    }
}

fn read_turn(r: &mut Section<'_>) -> TurnConfig {
    let uris = r.string_list("turn_uris").unwrap_or_default();
    for (i, u) in uris.iter().enumerate() {
        if !(u.starts_with("turn:") || u.starts_with("turns:") || u.starts_with("stun:")) {
            r.error(
                &format!("turn_uris[{i}]"),
                Kind::NotTurnUri {
                    uri: Quoted(u.clone()),
                },
                Fix::TurnUriForm,
            );
        }
    }
    let shared_secret = read_secret(r, "turn_shared_secret");
    let username = r.string("turn_username");
    let password = r.string("turn_password").map(Secret);
    let user_lifetime_ms = match r.raw("turn_user_lifetime") {
        None => 3600 * 1000,
        Some(v) => match parse_duration_ms(v) {
            Ok(ms) => ms,
            Err(e) => {
                r.error("turn_user_lifetime", e, Fix::DurationHoursMinutes);
                3600 * 1000
            }
        },
    };
    let allow_guests = r.boolean("turn_allow_guests").unwrap_or(true);
    let has_creds = shared_secret.is_some() || (username.is_some() && password.is_some());
    if !uris.is_empty() && !has_creds {
        r.push(Problem::warning("turn_uris", Kind::TurnNoCredentials).fix(Fix::TurnSharedSecret));
    }
    if uris.is_empty() && has_creds {
        r.push(Problem::warning("turn_shared_secret", Kind::TurnNoUris).fix(Fix::TurnListServer));
    }
    if username.is_some() != password.is_some() {
        r.error("turn_username", Kind::TurnHalfStatic, Fix::TurnSetBoth);
    }
    TurnConfig {
        uris,
        shared_secret,
        username,
        password,
        user_lifetime_ms,
        allow_guests,
    }
}

pub(super) fn absolute(p: &str) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| PathBuf::from(p))
}

/// Only the `database` section of merged top-level keys, for a tool that needs the database
/// before (or without) the files and directories the config names (`matrixctl restore`,
/// `install --root`): the section as read, and its problems (a SQLite file whose directory is
/// missing is still returned, with that problem).
pub fn database_of(top: &Mapping) -> (Option<Database>, Problems) {
    let problems = RefCell::new(Problems::default());
    let database = {
        let mut root = Section::new("", top, &problems);
        read_database(&mut root)
    };
    (database, problems.into_inner())
}

/// Builds the config from the merged top-level mapping.
pub fn build(top: &Mapping) -> (Option<Config>, Problems) {
    let problems = RefCell::new(Problems::default());
    let config = {
        let mut root = Section::new("", top, &problems);
        let config = build_root(&mut root);
        root.finish(known::TOP_LEVEL, known::SYNAPSE_TOP_LEVEL);
        config
    };
    let problems = problems.into_inner();
    let config = if problems.has_errors() { None } else { config };
    (config, problems)
}

fn build_root(r: &mut Section<'_>) -> Option<Config> {
    let server_name = r.string("server_name");
    match &server_name {
        None if !r.contains("server_name") => {
            r.error("server_name", Kind::Required, Fix::SetServerName)
        }
        Some(name) if !is_valid_server_name(name) => r.error(
            "server_name",
            Kind::InvalidServerName {
                name: Quoted(name.clone()),
            },
            Fix::ServerNameForms,
        ),
        _ => {}
    }

    let public_baseurl = r.string("public_baseurl").and_then(|s| {
        let with_slash = if s.ends_with('/') {
            s.clone()
        } else {
            format!("{s}/")
        };
        match url::Url::parse(&with_slash) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            _ => {
                r.error(
                    "public_baseurl",
                    Kind::NotHttpUrl {
                        url: Quoted(s.clone()),
                    },
                    Fix::PublicBaseurl,
                );
                None
            }
        }
    });

    let pid_file = r.string("pid_file").map(|p| absolute(&p));
    let listeners = read_listeners(r);
    let database = read_database(r);
    let worker_name = read_worker_name(r, database.as_ref());
    let media_store_path = absolute(
        &r.string("media_store_path")
            .unwrap_or_else(|| "media_store".into()),
    );
    check_parent_exists(r, "media_store_path", &media_store_path);

    let signing_key_path = match r.string("signing_key_path") {
        Some(p) => absolute(&p),
        None => absolute(&format!(
            "{}.signing.key",
            server_name.clone().unwrap_or_default()
        )),
    };
    check_signing_key(r, &signing_key_path);

    let registration_shared_secret = read_secret(r, "registration_shared_secret");
    let macaroon_secret_key = read_secret(r, "macaroon_secret_key");
    let form_secret = read_secret(r, "form_secret");

    let enable_registration = r.boolean("enable_registration").unwrap_or(false);
    let enable_registration_without_verification = r
        .boolean("enable_registration_without_verification")
        .unwrap_or(false);
    let registration_requires_token = r.boolean("registration_requires_token").unwrap_or(false);
    if enable_registration
        && !registration_requires_token
        && !enable_registration_without_verification
    {
        r.error(
            "enable_registration",
            Kind::OpenRegistration,
            Fix::RequireToken,
        );
    }

    let report_stats = r.boolean("report_stats");
    if report_stats.is_none() && !r.contains("report_stats") {
        r.error(
            "report_stats",
            Kind::ReportStatsRequired,
            Fix::AddReportStats,
        );
    }

    let max_upload_size = match r.raw("max_upload_size") {
        None => DEFAULT_MAX_UPLOAD_SIZE,
        Some(v) => match parse_size(v) {
            Ok(n) => n,
            Err(e) => {
                r.error("max_upload_size", e, Fix::UploadSize);
                DEFAULT_MAX_UPLOAD_SIZE
            }
        },
    };

    let trusted_key_servers = read_trusted_key_servers(r);
    let turn = read_turn(r);
    let (url_preview, outbound) = super::previews_email::read_previews(r);
    let federation_tls = super::federation::read(r);
    let federation_domain_whitelist = super::federation::read_domain_whitelist(r);
    let allow_public_rooms_over_federation = r
        .boolean("allow_public_rooms_over_federation")
        .unwrap_or(false);
    let presence = read_presence(r);
    let email = super::previews_email::read_email(r, public_baseurl.is_some());
    let rate_limits = super::ratelimit::read(r);
    let sessions = super::sessions::read(r);
    let enable_metrics = r.boolean("enable_metrics").unwrap_or(false);
    let _ = r.boolean("suppress_key_server_warning");

    let password_pepper = read_password_config(r);
    let log_config = r.string("log_config").map(|p| absolute(&p));
    if let Some(p) = &log_config
        && !p.is_file()
    {
        r.error(
            "log_config",
            Kind::FileMissing {
                path: p.display().to_string(),
            },
            Fix::LogConfig,
        );
    }

    let tls_certificate_path = r.string("tls_certificate_path").map(|p| absolute(&p));
    let tls_private_key_path = r.string("tls_private_key_path").map(|p| absolute(&p));
    let acme = super::acme::read(r, server_name.as_deref(), tls_certificate_path.as_deref());
    for (key, path) in [
        ("tls_certificate_path", &tls_certificate_path),
        ("tls_private_key_path", &tls_private_key_path),
    ] {
        // With acme enabled matrixd obtains them (served only once they exist).
        if let Some(p) = path
            && !p.is_file()
            && acme.is_none()
        {
            r.error(
                key,
                Kind::FileMissing {
                    path: p.display().to_string(),
                },
                Fix::PemFile,
            );
        }
    }
    if acme.is_some() {
        for (key, path) in [
            ("tls_certificate_path", &tls_certificate_path),
            ("tls_private_key_path", &tls_private_key_path),
        ] {
            if let Some(p) = path {
                check_parent_exists(r, key, p);
            }
        }
        if !listeners.iter().any(|l| l.tls) {
            r.error(
                "acme.enabled",
                Kind::AcmeNoTlsListener,
                Fix::AcmeTlsListener,
            );
        } else if !listeners.iter().any(|l| l.tls && l.port == 443) {
            r.warning("acme.enabled", Kind::AcmeNoPort443);
        }
    }
    if listeners.iter().any(|l| l.tls)
        && (tls_certificate_path.is_none() || tls_private_key_path.is_none())
    {
        r.error(
            "listeners",
            Kind::TlsListenerNoCertificate,
            Fix::TlsListener,
        );
    }

    Some(Config {
        server_name: server_name?,
        public_baseurl,
        pid_file,
        listeners,
        database: database?,
        media_store_path,
        signing_key_path,
        registration_shared_secret,
        enable_registration,
        enable_registration_without_verification,
        registration_requires_token,
        report_stats: report_stats.unwrap_or(false),
        macaroon_secret_key,
        form_secret,
        password_pepper,
        max_upload_size,
        trusted_key_servers,
        log_config,
        tls_certificate_path,
        tls_private_key_path,
        acme,
        turn,
        url_preview,
        outbound,
        federation_tls,
        federation_domain_whitelist,
        allow_public_rooms_over_federation,
        presence,
        email,
        rate_limits,
        sessions,
        enable_metrics,
        worker_name,
        warnings: Vec::new(),
    })
}

/// `worker_name`: this process is one of several serving the server from one PostgreSQL
/// database (letters, digits, `-` and `_`; it names the process in logs and metrics).
fn read_worker_name(r: &mut Section<'_>, database: Option<&Database>) -> Option<String> {
    let name = r.string("worker_name")?;
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        r.error(
            "worker_name",
            Kind::BadWorkerName {
                name: name.as_str().into(),
            },
            Fix::WorkerName,
        );
        return None;
    }
    if matches!(database, Some(Database::Sqlite { .. })) {
        r.error(
            "worker_name",
            Kind::WorkersNeedPostgres,
            Fix::WorkersPostgres,
        );
        return None;
    }
    Some(name)
}

/// `presence: {enabled: true|false|untracked}`, else the older `use_presence: bool`, as Synapse.
fn read_presence(r: &mut Section<'_>) -> super::PresenceMode {
    use super::PresenceMode;
    let legacy = r.boolean("use_presence");
    let mut mode = match legacy {
        Some(false) => PresenceMode::Disabled,
        _ => PresenceMode::Enabled,
    };
    if let Some(mut section) = r.section("presence") {
        match section.raw("enabled") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(true)) => mode = PresenceMode::Enabled,
            Some(Value::Bool(false)) => mode = PresenceMode::Disabled,
            Some(Value::String(s)) if s == "untracked" => mode = PresenceMode::Untracked,
            Some(other) => section.error(
                "enabled",
                Kind::WrongType {
                    expected: Expected::Presence,
                    found: super::reader::describe(other),
                },
                Fix::PresenceValues,
            ),
        }
        section.finish(known::PRESENCE, known::SYNAPSE_PRESENCE);
    }
    mode
}

fn check_parent_exists(r: &Section<'_>, key: &str, path: &Path) {
    if path.exists() {
        return;
    }
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
    {
        r.error(
            key,
            Kind::DirectoryMissing {
                path: parent.display().to_string(),
            },
            Fix::CreateDirectory {
                path: parent.display().to_string(),
                key: key.to_string(),
            },
        );
    }
}

fn check_signing_key(r: &Section<'_>, path: &Path) {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            if let Err(e) = crate::keys::parse_signing_keys(&text) {
                r.error(
                    "signing_key_path",
                    Kind::SigningKeyInvalid {
                        path: path.display().to_string(),
                        error: e,
                    },
                    Fix::RestoreKey,
                )
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => r.error(
            "signing_key_path",
            Kind::FileMissing {
                path: path.display().to_string(),
            },
            Fix::CreateKey,
        ),
        Err(e) => r.error(
            "signing_key_path",
            Kind::CannotRead {
                path: path.display().to_string(),
                error: e.to_string(),
            },
            Fix::KeyReadable,
        ),
    }
}

/// Reads `key` or `key_path` (never both). A missing `_path` file is not an error here: the
/// server creates it on start, as Synapse does.
pub(super) fn read_secret(r: &mut Section<'_>, key: &str) -> Option<SecretSource> {
    let path_key = format!("{key}_path");
    let inline = r.string(key);
    let path = r.string(&path_key);
    match (inline, path) {
        (Some(_), Some(_)) => {
            r.error(
                key,
                Kind::BothSet {
                    key: key.to_string(),
                    path_key: path_key.clone(),
                },
                Fix::KeepOne {
                    key: key.to_string(),
                    path_key: path_key.clone(),
                },
            );
            None
        }
        (Some(s), None) if s.is_empty() => {
            r.error(
                key,
                Kind::IsEmpty,
                Fix::RandomSecret {
                    key: key.to_string(),
                },
            );
            None
        }
        (Some(s), None) => Some(SecretSource::Inline(Secret(s))),
        (None, Some(p)) => {
            let path = absolute(&p);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let v = text.trim().to_string();
                    if v.is_empty() {
                        r.error(
                            &path_key,
                            Kind::FileEmpty {
                                path: path.display().to_string(),
                            },
                            Fix::SecretInFile,
                        );
                        None
                    } else {
                        Some(SecretSource::File {
                            path,
                            value: Some(Secret(v)),
                        })
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    check_parent_exists(r, &path_key, &path);
                    r.warning(
                        &path_key,
                        Kind::SecretNotYet {
                            path: path.display().to_string(),
                        },
                    );
                    Some(SecretSource::File { path, value: None })
                }
                Err(e) => {
                    r.error(
                        &path_key,
                        Kind::CannotRead {
                            path: path.display().to_string(),
                            error: e.to_string(),
                        },
                        Fix::SecretReadable,
                    );
                    None
                }
            }
        }
        (None, None) => None,
    }
}

/// A `type: metrics` listener: served when `enable_metrics` is true; otherwise ignored with a
/// warning, as Synapse ignores it.
fn read_metrics(l: &mut Section<'_>, enable_metrics: bool) -> Option<ListenerType> {
    if enable_metrics {
        return Some(ListenerType::Metrics);
    }
    l.warning("type", Kind::MetricsDisabled);
    None
}

pub(super) fn read_listeners(r: &mut Section<'_>) -> Vec<Listener> {
    let enable_metrics = r.boolean("enable_metrics").unwrap_or(false);
    let Some(items) = r.list("listeners") else {
        if !r.contains("listeners") {
            r.push(Problem::warning("listeners", Kind::NoListeners).fix(Fix::AddListener));
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("listeners[{i}]");
        let Some(mut l) = r.item(path.clone(), item) else {
            continue;
        };
        let port = l.integer("port", 0, 65535);
        if port.is_none() && !l.contains("port") {
            l.error(
                "port",
                Kind::Required,
                Fix::Add {
                    line: "port: 8008".into(),
                },
            );
        }
        let kind = l.string("type");
        let mut skip = false;
        let mut listener_type = ListenerType::Http;
        match kind.as_deref() {
            Some("http") => {}
            Some("metrics") => match read_metrics(&mut l, enable_metrics) {
                Some(t) => listener_type = t,
                None => skip = true,
            },
            None if !l.contains("type") => l.error(
                "type",
                Kind::Required,
                Fix::Add {
                    line: "type: http".into(),
                },
            ),
            None => {}
            Some(t) if known::SYNAPSE_LISTENER_TYPES.contains(&t) => {
                l.warning(
                    "type",
                    Kind::ListenerTypeUnsupported {
                        kind: t.to_string(),
                    },
                );
                skip = true;
            }
            Some(t) => l.error(
                "type",
                Kind::UnknownListenerType { kind: t.into() },
                Fix::UseTypeHttp,
            ),
        }
        let mut bind_addresses = l.string_list("bind_addresses").unwrap_or_default();
        if let Some(a) = l.string("bind_address") {
            bind_addresses.push(a);
        }
        for (j, a) in bind_addresses.iter().enumerate() {
            if a.parse::<std::net::IpAddr>().is_err() {
                l.error(
                    &format!("bind_addresses[{j}]"),
                    Kind::NotIpAddress {
                        address: Quoted(a.clone()),
                    },
                    Fix::IpAddress,
                );
            }
        }
        if bind_addresses.is_empty() {
            bind_addresses = vec!["::".into(), "0.0.0.0".into()];
        }
        let tls = l.boolean("tls").unwrap_or(false);
        let x_forwarded = l.boolean("x_forwarded").unwrap_or(false);
        let _ = l.string("tag");
        let mut resources = Vec::new();
        if let Some(res) = l.list("resources") {
            for (j, item) in res.iter().enumerate() {
                let Some(mut rs) = l.item(format!("{path}.resources[{j}]"), item) else {
                    continue;
                };
                for (k, name) in rs
                    .string_list("names")
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                {
                    match Resource::parse(&name) {
                        Some(res) => resources.push(res),
                        None if known::SYNAPSE_RESOURCE_NAMES.contains(&name.as_str()) => rs
                            .warning(
                                &format!("names[{k}]"),
                                Kind::ResourceUnsupported {
                                    name: Quoted(name.clone()),
                                },
                            ),
                        None => {
                            let names = known::RESOURCE_NAMES.join(", ");
                            let fix = match known::closest(
                                &name,
                                known::RESOURCE_NAMES.iter().copied(),
                            ) {
                                Some(s) => Fix::ResourceDidYouMean {
                                    name: s.to_string(),
                                    names,
                                },
                                None => Fix::Resources { names },
                            };
                            rs.error(
                                &format!("names[{k}]"),
                                Kind::UnknownResource {
                                    name: Quoted(name.clone()),
                                },
                                fix,
                            )
                        }
                    }
                }
                let _ = rs.boolean("compress");
                rs.finish(known::RESOURCE, &[]);
            }
        }
        l.finish(
            known::LISTENER,
            &[
                "http_options",
                "additional_resources",
                "path",
                "mode",
                "request_id_header",
            ],
        );
        if let (Some(port), false) = (port, skip) {
            out.push(Listener {
                port: port as u16,
                bind_addresses,
                kind: listener_type,
                tls,
                x_forwarded,
                resources,
            });
        }
    }
    out
}

fn read_database(r: &mut Section<'_>) -> Option<Database> {
    let default_sqlite = || Database::Sqlite {
        path: absolute("homeserver.db"),
    };
    let Some(mut db) = r.section("database") else {
        return if r.contains("database") {
            None
        } else {
            Some(default_sqlite())
        };
    };
    let name = db.string("name");
    let allow_unsafe_locale = db.boolean("allow_unsafe_locale").unwrap_or(false);
    let _ = db.integer("txn_limit", 0, i64::MAX);
    let result = match name.as_deref() {
        None if !db.contains("name") => {
            db.error("name", Kind::Required, Fix::DatabaseName);
            None
        }
        None => None,
        Some("sqlite3") => {
            let path = match db.section("args") {
                Some(mut args) => {
                    let p = args.string("database");
                    let _ = args.integer("cp_min", 0, 1000);
                    let _ = args.integer("cp_max", 0, 1000);
                    if p.is_none() && !args.contains("database") {
                        args.error("database", Kind::RequiredForSqlite, Fix::SqliteFile);
                    }
                    let p = p.map(|p| {
                        if p == ":memory:" {
                            PathBuf::from(p)
                        } else {
                            absolute(&p)
                        }
                    });
                    if let Some(p) = &p
                        && p.as_os_str() != ":memory:"
                    {
                        check_parent_exists(&args, "database", p);
                    }
                    args.finish(known::SQLITE_ARGS, &[]);
                    p
                }
                None if db.contains("args") => None,
                None => Some(absolute("homeserver.db")),
            };
            path.map(|path| Database::Sqlite { path })
        }
        Some("psycopg2") | Some("postgres") | Some("postgresql") => {
            let Some(mut args) = db.section("args") else {
                if !db.contains("args") {
                    db.error("args", Kind::RequiredForPostgres, Fix::PostgresArgs);
                }
                return None;
            };
            let user = args.string("user");
            let password = args.string("password").map(Secret);
            let dbname_key = args.string("dbname");
            let database_key = args.string("database");
            if dbname_key.is_some() && database_key.is_some() {
                args.error("dbname", Kind::DbnameAndDatabase, Fix::KeepOneSame);
            }
            let host = args.string("host");
            let port = match args.raw("port") {
                Some(Value::String(s)) => match s.parse::<u16>() {
                    Ok(p) => Some(p),
                    Err(_) => {
                        args.error(
                            "port",
                            Kind::NotPort {
                                value: Quoted(s.clone()),
                            },
                            Fix::PortNumber,
                        );
                        None
                    }
                },
                Some(_) => args.integer("port", 1, 65535).map(|p| p as u16),
                None => None,
            };
            let cp_min = args.integer("cp_min", 1, 1000).unwrap_or(5) as u32;
            let cp_max = args.integer("cp_max", 1, 1000).unwrap_or(10) as u32;
            if cp_min > cp_max {
                args.error(
                    "cp_min",
                    Kind::CpMinAboveMax {
                        min: cp_min,
                        max: cp_max,
                    },
                    Fix::CpMin,
                );
            }
            let sslmode = args.string("sslmode");
            if let Some(m) = &sslmode
                && ![
                    "disable",
                    "allow",
                    "prefer",
                    "require",
                    "verify-ca",
                    "verify-full",
                ]
                .contains(&m.as_str())
            {
                args.error(
                    "sslmode",
                    Kind::UnknownSslmode {
                        mode: Quoted(m.clone()),
                    },
                    Fix::Sslmodes,
                );
            }
            let sslrootcert = args.string("sslrootcert").map(PathBuf::from);
            let application_name = args.string("application_name");
            let connect_timeout = args.integer("connect_timeout", 0, 3600).map(|n| n as u64);
            args.finish(known::PG_ARGS, known::SYNAPSE_PG_ARGS);
            Some(Database::Postgres(PostgresArgs {
                user,
                password,
                dbname: dbname_key.or(database_key),
                host,
                port,
                cp_min,
                cp_max,
                sslmode,
                sslrootcert,
                application_name,
                connect_timeout,
                allow_unsafe_locale,
            }))
        }
        Some(other) => {
            db.error(
                "name",
                Kind::UnknownEngine { name: other.into() },
                Fix::Engines,
            );
            None
        }
    };
    db.finish(known::DATABASE, known::SYNAPSE_DATABASE);
    result
}

fn read_trusted_key_servers(r: &mut Section<'_>) -> Vec<TrustedKeyServer> {
    let Some(items) = r.list("trusted_key_servers") else {
        if r.contains("trusted_key_servers") {
            return Vec::new();
        }
        return vec![TrustedKeyServer {
            server_name: "matrix.org".into(),
            verify_keys: Vec::new(),
            accept_keys_insecurely: false,
        }];
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(mut t) = r.item(format!("trusted_key_servers[{i}]"), item) else {
            continue;
        };
        let name = t.string("server_name");
        match &name {
            None if !t.contains("server_name") => t.error(
                "server_name",
                Kind::Required,
                Fix::Add {
                    line: "server_name: matrix.org".into(),
                },
            ),
            Some(n) if !is_valid_server_name(n) => t.error(
                "server_name",
                Kind::InvalidServerName {
                    name: Quoted(n.clone()),
                },
                Fix::ServerNameExample,
            ),
            _ => {}
        }
        let mut verify_keys = Vec::new();
        if let Some(keys) = t.section("verify_keys") {
            let kmap: &Mapping = match item.get("verify_keys") {
                Some(Value::Mapping(m)) => m,
                _ => unreachable!("section() returned Some for a mapping"),
            };
            for (k, v) in kmap {
                match (k.as_str(), v.as_str()) {
                    (Some(id), Some(key)) if id.starts_with("ed25519:") => {
                        verify_keys.push((id.to_string(), key.to_string()))
                    }
                    _ => keys.push(Problem::error(keys.path.clone(), Kind::VerifyKeysForm)),
                }
            }
        }
        let accept_keys_insecurely = t.boolean("accept_keys_insecurely").unwrap_or(false);
        t.finish(known::TRUSTED_KEY_SERVER, &[]);
        if let Some(server_name) = name {
            out.push(TrustedKeyServer {
                server_name,
                verify_keys,
                accept_keys_insecurely,
            });
        }
    }
    out
}

/// `password_config`: only its `pepper` matters to matrixd (for Synapse's bcrypt hashes).
fn read_password_config(r: &mut Section<'_>) -> Option<Secret> {
    let mut s = r.section("password_config")?;
    let pepper = s.string("pepper").filter(|p| !p.is_empty()).map(Secret);
    s.finish(known::PASSWORD_CONFIG, known::SYNAPSE_PASSWORD_CONFIG);
    pepper
}
