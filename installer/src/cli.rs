//! Command-line definitions: every subcommand and flag, declared once, with its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "matrixctl",
    version,
    about = "Install, run and look after a Matrix homeserver"
)]
pub struct Cli {
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write homeserver.yaml, its signing key and log config (Synapse's --generate-config).
    GenerateConfig(GenerateConfigArgs),
    /// Register a user with the shared secret (drop-in for Synapse's register_new_matrix_user).
    RegisterUser(RegisterUserArgs),
    /// Turn this machine into a running homeserver behind TLS, in one guided command.
    Install(InstallArgs),
    /// Start the installed homeserver through the service manager.
    Start(ServiceArgs),
    /// Stop the installed homeserver.
    Stop(ServiceArgs),
    /// Restart the installed homeserver.
    Restart(ServiceArgs),
    /// Whether the homeserver runs, and where its config, data and logs are.
    Status(ServiceArgs),
    /// Remove the service and the packages install added; keep data, keys and config unless --purge.
    Uninstall(UninstallArgs),
    /// Find what is wrong with an installation and say how to fix it (read-only).
    Doctor(crate::commands::doctor::DoctorArgs),
}

/// Every answer has a flag; secrets are only ever read from files.
#[derive(Args, Debug, Default)]
pub struct InstallArgs {
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (and never prompt: a missing answer is an error).
    #[arg(short, long)]
    pub yes: bool,
    /// Read answers from this TOML file (keys as in the saved answers file; unknown keys are errors).
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Install into this directory tree instead of / (for tests and image builders); nothing is started.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Use this OS family's data instead of detecting it (debian, fedora, opensuse, arch, alpine, freebsd, openbsd).
    #[arg(long, value_name = "NAME")]
    pub distro: Option<String>,

    /// The part after ':' in every user id (@alice:NAME). It can never change later.
    #[arg(long, value_name = "NAME")]
    pub server_name: Option<String>,
    /// The URL clients reach the server at [default: https://SERVER_NAME/].
    #[arg(long, value_name = "URL")]
    pub public_baseurl: Option<String>,
    /// sqlite or postgres (PostgreSQL is installed and set up here if absent) [default: sqlite].
    #[arg(long)]
    pub database: Option<String>,
    /// self-signed, existing (with --tls-cert/--tls-key), direct (matrixd serves TLS on 8448) or none [default: self-signed].
    #[arg(long)]
    pub tls: Option<String>,
    /// Full-chain certificate (PEM) for --tls existing.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<String>,
    /// Its private key (PEM) for --tls existing.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<String>,
    /// nginx or none [default: nginx].
    #[arg(long)]
    pub proxy: Option<String>,
    /// yes or no: talk to other Matrix servers [default: yes].
    #[arg(long)]
    pub federation: Option<String>,
    /// yes or no: serve /.well-known/matrix/client and /server, with CORS, from this host [default: yes].
    #[arg(long)]
    pub well_known: Option<String>,
    /// closed, token or open [default: closed].
    #[arg(long)]
    pub registration: Option<String>,
    /// yes or no: report anonymous usage statistics (required, as in Synapse).
    #[arg(long)]
    pub report_stats: Option<String>,
    /// SMTP server for notification emails.
    #[arg(long, value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port [default: 587].
    #[arg(long, value_name = "PORT")]
    pub smtp_port: Option<String>,
    /// SMTP user name.
    #[arg(long, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// File whose first line is the SMTP password.
    #[arg(long, value_name = "FILE")]
    pub smtp_pass_file: Option<String>,
    /// Sender of notification emails, e.g. "Matrix <noreply@example.org>".
    #[arg(long, value_name = "FROM")]
    pub notif_from: Option<String>,
    /// yes or no: require STARTTLS to the SMTP server [default: yes].
    #[arg(long)]
    pub smtp_require_tls: Option<String>,
    /// A TURN URI for voice and video calls (repeatable).
    #[arg(long = "turn-uri", value_name = "URI")]
    pub turn_uri: Vec<String>,
    /// File holding the TURN server's shared secret (use-auth-secret).
    #[arg(long, value_name = "FILE")]
    pub turn_secret_file: Option<String>,
    /// yes or no: install coturn here with use-auth-secret and a generated shared secret.
    #[arg(long, num_args = 0..=1, default_missing_value = "yes")]
    pub install_coturn: Option<String>,
    /// yes or no: generate URL previews (off by default; private ranges are never fetched).
    #[arg(long, num_args = 0..=1, default_missing_value = "yes")]
    pub url_preview: Option<String>,
}

#[derive(Args, Debug)]
pub struct ServiceArgs {
    /// Use this OS family's data instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub distro: Option<String>,
}

#[derive(Args, Debug)]
pub struct UninstallArgs {
    /// Also delete the config, keys, secrets, data (database, media) and logs. Asks first.
    #[arg(long)]
    pub purge: bool,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Use this OS family's data instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub distro: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum YesNo {
    Yes,
    No,
}

#[derive(Args, Debug)]
pub struct GenerateConfigArgs {
    /// The domain in your users' ids (@alice:NAME). It can never change later.
    #[arg(long, short = 'H')]
    pub server_name: String,

    /// Where to write homeserver.yaml. The signing key and log config go beside it.
    #[arg(long, short = 'c')]
    pub config_path: PathBuf,

    /// Whether to report anonymous usage statistics (yes or no). Required, as in Synapse.
    #[arg(long, value_enum, require_equals = false)]
    pub report_stats: YesNo,

    /// Where the database, media and logs live [default: the current directory].
    #[arg(long)]
    pub data_directory: Option<PathBuf>,

    /// Where the signing key and log config go [default: beside the config file].
    #[arg(long, alias = "config-directory")]
    pub keys_directory: Option<PathBuf>,

    /// The URL clients reach the server at (enables /.well-known/matrix/client).
    #[arg(long)]
    pub public_baseurl: Option<String>,

    /// Port of the http listener.
    #[arg(long, default_value_t = 8008)]
    pub http_port: u16,

    /// Listen on all interfaces instead of loopback only (Synapse's --open-private-ports).
    #[arg(long)]
    pub open_private_ports: bool,
}

#[derive(Args, Debug)]
pub struct RegisterUserArgs {
    /// Local part of the new user. Will prompt if omitted.
    #[arg(short = 'u', long = "user")]
    pub user: Option<String>,

    /// New password for user. Will prompt for a password if this flag and --password-file are
    /// not set. Passing a password on the command line is not recommended: use --password-file.
    #[arg(short = 'p', long, conflicts_with = "password_file")]
    pub password: Option<String>,

    /// File containing the new password for user (its first line). '-' reads standard input.
    #[arg(long)]
    pub password_file: Option<PathBuf>,

    /// User type as specified in synapse.api.constants.UserTypes (support, bot).
    #[arg(short = 't', long = "user-type")]
    pub user_type: Option<String>,

    /// Register new user as an admin. Will prompt if --no-admin is not set either.
    #[arg(short = 'a', long, conflicts_with = "no_admin")]
    pub admin: bool,

    /// Register new user as a regular user. Will prompt if --admin is not set either.
    #[arg(long)]
    pub no_admin: bool,

    /// Shared secret as defined in the server config file (not recommended on the command line).
    #[arg(short = 'k', long = "shared-secret", conflicts_with = "config")]
    pub shared_secret: Option<String>,

    /// Path to the server config file containing the shared secret (and the listener to use).
    #[arg(short = 'c', long = "config")]
    pub config: Vec<PathBuf>,

    /// Do not fail if the user already exists.
    #[arg(long)]
    pub exists_ok: bool,

    /// URL to use to talk to the homeserver. By default, the first client listener in the config
    /// file, else http://localhost:8008.
    pub server_url: Option<String>,
}
