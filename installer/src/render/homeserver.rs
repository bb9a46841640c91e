//! The typed context of `templates/homeserver.yaml.tera`, shared by `generate-config` (Synapse's
//! defaults, secrets inline) and `install` (secrets in files, plus the install-only sections).

use serde::Serialize;

#[derive(Serialize)]
pub struct DatabaseCtx {
    pub name: &'static str,
    pub path: String,
    pub user: Option<String>,
    pub dbname: Option<String>,
    pub host: Option<String>,
}

#[derive(Serialize)]
pub struct HomeserverCtx {
    pub server_name: String,
    pub config_path: String,
    pub pid_file: String,
    pub public_baseurl: Option<String>,
    pub port: u16,
    pub bind_addresses: Vec<String>,
    pub x_forwarded: bool,
    pub database: DatabaseCtx,
    pub log_config: String,
    pub media_store_path: String,
    pub signing_key_path: String,
    pub registration_shared_secret: String,
    pub macaroon_secret_key: String,
    pub form_secret: String,
    pub report_stats: bool,
    /// What only `matrixctl install` writes (defaults: nothing).
    #[serde(flatten)]
    pub extras: InstallExtras,
}

#[derive(Serialize)]
pub struct SecretFilesCtx {
    pub registration_shared_secret: String,
    pub macaroon_secret_key: String,
    pub form_secret: String,
}

#[derive(Serialize)]
pub struct TlsListenerCtx {
    pub ports: Vec<u16>,
    pub bind_addresses: Vec<String>,
    pub cert: String,
    pub key: String,
    /// matrixd obtains and renews the certificate itself (`--tls acme` without nginx).
    pub acme: Option<AcmeCtx>,
}

/// The `acme` section (`matrixd::config::acme`).
#[derive(Serialize)]
pub struct AcmeCtx {
    pub url: String,
    pub domains: Vec<String>,
    pub account_key_file: String,
    pub reprovision_threshold: i64,
    pub email: Option<String>,
    pub directory_ca_file: Option<String>,
}

#[derive(Serialize)]
pub struct EmailCtx {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: Option<String>,
    pub smtp_pass: Option<String>,
    pub require_transport_security: bool,
    pub notif_from: String,
}

#[derive(Serialize)]
pub struct TurnCtx {
    pub uris: Vec<String>,
    pub secret_path: String,
}

/// The parts of homeserver.yaml only `install` writes (generate-config leaves them default).
#[derive(Serialize, Default)]
pub struct InstallExtras {
    pub install: bool,
    pub secret_files: Option<SecretFilesCtx>,
    /// An installed matrixd package's conf.d: its secrets.yaml holds the signing key path and
    /// the secrets (none are written here then).
    pub package_conf_d: Option<String>,
    pub tls_listener: Option<TlsListenerCtx>,
    pub no_federation: bool,
    pub registration: String,
    pub serve_server_wellknown: bool,
    pub email: Option<EmailCtx>,
    pub turn: Option<TurnCtx>,
    pub url_preview: bool,
    pub url_preview_blacklist: Vec<&'static str>,
}
