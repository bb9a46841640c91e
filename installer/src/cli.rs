//! Command-line definitions: every subcommand and flag, declared once, with its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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

/// Every answer has a flag (declared with its question in `answers`); secrets are only ever
/// read from files.
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

    /// One flag per install question (declared in `answers`).
    #[command(flatten)]
    pub given: crate::answers::Given,
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

pub use crate::answers::YesNo;

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
