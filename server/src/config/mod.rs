//! The one homeserver.yaml schema: typed settings with Synapse's key names and defaults.
//! Owns the meaning of every key. Loading files is `load.rs`, validation `check.rs`; nothing
//! here starts servers or opens databases.

pub mod acme;
mod check;
mod client;
mod federation;
pub mod import;
pub mod known;
mod load;
mod previews_email;
mod problem;
mod ratelimit;
mod reader;
mod sessions;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

pub use check::{database_of, is_valid_server_name, parse_duration_ms, parse_size};
pub use client::{ClientSettings, registration_settings};
pub use federation::{FederationTlsConfig, glob_matches};
pub use load::{ConfigError, expand_config_paths, load, load_files, read_top_level};
pub use previews_email::{
    DEFAULT_IP_RANGE_BLACKLIST, EmailConfig, OutboundIpConfig, UrlBlacklistEntry, UrlPreviewConfig,
};
pub(crate) use problem::messages;
pub use problem::{
    Arg, Example, Expected, Fix, Found, Kind, Message, Problem, Problems, Quoted, Severity, ToArg,
    message_ids,
};
pub use ratelimit::{FederationRateLimit, RateLimit, RateLimits};
pub use sessions::{DEFAULT_REFRESHABLE_ACCESS_TOKEN_LIFETIME_MS, SessionConfig};
pub use yaml_serde::{Mapping, Value as YamlValue};

/// Synapse's default for `max_upload_size` ("50M").
pub const DEFAULT_MAX_UPLOAD_SIZE: u64 = 50 * 1024 * 1024;

/// A secret string; never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where a secret comes from: inline in the YAML or from a `*_path` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Inline(Secret),
    /// The file's stripped contents, or `None` when the file does not exist yet (the server
    /// creates it on first start, as Synapse does).
    File {
        path: PathBuf,
        value: Option<Secret>,
    },
}

impl SecretSource {
    pub fn value(&self) -> Option<&Secret> {
        match self {
            SecretSource::Inline(s) => Some(s),
            SecretSource::File { value, .. } => value.as_ref(),
        }
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub server_name: String,
    /// Always ends with `/`, like Synapse's.
    pub public_baseurl: Option<url::Url>,
    pub pid_file: Option<PathBuf>,
    pub listeners: Vec<Listener>,
    pub database: Database,
    pub media_store_path: PathBuf,
    pub signing_key_path: PathBuf,
    pub registration_shared_secret: Option<SecretSource>,
    pub enable_registration: bool,
    pub enable_registration_without_verification: bool,
    pub registration_requires_token: bool,
    pub report_stats: bool,
    pub macaroon_secret_key: Option<SecretSource>,
    pub form_secret: Option<SecretSource>,
    /// `password_config.pepper`: appended to a password before a Synapse bcrypt hash is
    /// checked (hashes imported by `matrixctl import-synapse`; matrixd's own are argon2).
    pub password_pepper: Option<Secret>,
    pub max_upload_size: u64,
    pub trusted_key_servers: Vec<TrustedKeyServer>,
    pub log_config: Option<PathBuf>,
    pub tls_certificate_path: Option<PathBuf>,
    pub tls_private_key_path: Option<PathBuf>,
    /// The `acme` section, when enabled: matrixd obtains and renews the certificate at
    /// `tls_certificate_path` itself.
    pub acme: Option<acme::AcmeConfig>,
    pub turn: TurnConfig,
    pub url_preview: UrlPreviewConfig,
    /// ip_range_blacklist / ip_range_whitelist, for every outbound request.
    pub outbound: OutboundIpConfig,
    /// How outbound federation verifies certificates (federation_verify_certificates, …).
    pub federation_tls: FederationTlsConfig,
    /// federation_domain_whitelist: when set, the only servers we federate with, both ways.
    pub federation_domain_whitelist: Option<Vec<String>>,
    /// allow_public_rooms_over_federation (default false, as Synapse): other servers may
    /// read our public room list.
    pub allow_public_rooms_over_federation: bool,
    /// `presence.enabled` (or the older `use_presence`): whether presence is shared at all.
    pub presence: PresenceMode,
    /// The `email` section; `None` when email is not configured.
    pub email: Option<EmailConfig>,
    pub rate_limits: RateLimits,
    /// Token lifetimes and refresh tokens (`session_lifetime`, `refreshable_access_token_lifetime`, …).
    pub sessions: SessionConfig,
    /// `enable_metrics` (default false): serve `type: metrics` listeners.
    pub enable_metrics: bool,
    /// `worker_name`: this process shares its PostgreSQL database with other matrixd
    /// processes of the same server (see `service::cluster`).
    pub worker_name: Option<String>,
    /// Warnings found while loading (unsupported Synapse keys and the like).
    pub warnings: Vec<Problem>,
}

impl Config {
    /// The shared secret for `/_synapse/admin/v1/register`, when one is configured and present.
    pub fn registration_secret(&self) -> Option<&Secret> {
        self.registration_shared_secret
            .as_ref()
            .and_then(SecretSource::value)
    }

    /// The URL a local tool should use to reach the client API: the first non-TLS http listener
    /// with the `client` resource, like Synapse's register_new_matrix_user; else
    /// `http://localhost:8008`.
    pub fn local_client_url(&self) -> String {
        client_url(&self.listeners)
    }
}

/// See [`Config::local_client_url`].
pub fn client_url(listeners: &[Listener]) -> String {
    {
        for l in listeners {
            if l.kind == ListenerType::Http && !l.tls && l.serves(Resource::Client) {
                let host = match l.bind_addresses.first().map(String::as_str) {
                    None | Some("0.0.0.0") | Some("::") | Some("") => "localhost".to_string(),
                    Some(a) => match a.parse::<IpAddr>() {
                        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
                        _ => a.to_string(),
                    },
                };
                return format!("http://{host}:{}", l.port);
            }
        }
        "http://localhost:8008".to_string()
    }
}

/// Synapse's `presence.enabled`: `true` (the default), `false`, or `"untracked"` (users set
/// their presence themselves; syncing does not mark them online).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PresenceMode {
    #[default]
    Enabled,
    Untracked,
    /// No presence is stored, shown or sent, and other servers' presence is ignored.
    Disabled,
}

impl PresenceMode {
    pub fn enabled(self) -> bool {
        self != PresenceMode::Disabled
    }
}

/// TURN settings, as Synapse's voip section.
#[derive(Debug, Clone, Default)]
pub struct TurnConfig {
    pub uris: Vec<String>,
    pub shared_secret: Option<SecretSource>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// How long a credential is valid (turn_user_lifetime, default 1h).
    pub user_lifetime_ms: u64,
    pub allow_guests: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerType {
    Http,
    /// Prometheus metrics (only with `enable_metrics: true`).
    Metrics,
}

/// What a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Client,
    Federation,
    Keys,
    Media,
    Health,
    Openid,
}

impl Resource {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "client" => Resource::Client,
            "federation" => Resource::Federation,
            "keys" => Resource::Keys,
            "media" => Resource::Media,
            "health" => Resource::Health,
            "openid" => Resource::Openid,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub port: u16,
    pub bind_addresses: Vec<String>,
    pub kind: ListenerType,
    pub tls: bool,
    pub x_forwarded: bool,
    pub resources: Vec<Resource>,
}

impl Listener {
    pub fn serves(&self, r: Resource) -> bool {
        self.resources.contains(&r)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite { path: PathBuf },
    Postgres(PostgresArgs),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresArgs {
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub dbname: Option<String>,
    /// A host name, an IP address, or a directory holding the Unix socket.
    pub host: Option<String>,
    pub port: Option<u16>,
    pub cp_min: u32,
    pub cp_max: u32,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<PathBuf>,
    pub application_name: Option<String>,
    pub connect_timeout: Option<u64>,
    pub allow_unsafe_locale: bool,
}

impl PostgresArgs {
    /// The URL sqlx connects with: libpq's meaning of each Synapse `args` key, the Unix socket
    /// when no host is given (as libpq finds it), and no TLS to this machine unless `sslmode`
    /// asks for it (it protects nothing there and costs a handshake per connection).
    pub fn connect_url(&self, application_name: &str) -> String {
        let mut u = url::Url::parse("postgres:///").expect("static URL");
        {
            let mut q = u.query_pairs_mut();
            let host = self
                .host
                .clone()
                .or_else(|| default_socket_dir(self.port.unwrap_or(5432)));
            if let Some(h) = host {
                q.append_pair("host", &h);
            }
            if let Some(p) = self.port {
                q.append_pair("port", &p.to_string());
            }
            if let Some(user) = &self.user {
                q.append_pair("user", user);
            }
            if let Some(pw) = &self.password {
                q.append_pair("password", pw.expose());
            }
            if let Some(db) = &self.dbname {
                q.append_pair("dbname", db);
            }
            match &self.sslmode {
                Some(m) => {
                    q.append_pair("sslmode", m);
                }
                None if is_local_host(self.host.as_deref()) => {
                    q.append_pair("sslmode", "disable");
                }
                None => {}
            }
            if let Some(c) = &self.sslrootcert {
                q.append_pair("sslrootcert", &c.to_string_lossy());
            }
            q.append_pair("application_name", application_name);
        }
        u.to_string()
    }
}

/// A Unix socket directory (or no host, which means the socket), or a loopback address.
fn is_local_host(host: Option<&str>) -> bool {
    match host {
        None => true,
        Some(h) if h.starts_with('/') => true,
        Some(h) => {
            h == "localhost"
                || h.trim_matches(['[', ']'])
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
    }
}

/// libpq (and so Synapse) connects over the Unix socket when no host is given; find it.
fn default_socket_dir(port: u16) -> Option<String> {
    ["/var/run/postgresql", "/run/postgresql", "/tmp"]
        .into_iter()
        .find(|d| {
            std::path::Path::new(d)
                .join(format!(".s.PGSQL.{port}"))
                .exists()
        })
        .map(str::to_string)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKeyServer {
    pub server_name: String,
    /// key id → unpadded base64 public key
    pub verify_keys: Vec<(String, String)>,
    pub accept_keys_insecurely: bool,
}
