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

    /// Language of messages (en, fa) [default: from LC_ALL, LC_MESSAGES or LANG].
    #[arg(long, global = true, value_name = "LANG", value_parser = ["en", "fa"])]
    pub lang: Option<String>,

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
    /// Move the server's database from SQLite to PostgreSQL (resumable, verified).
    MigrateDb(crate::commands::migrate_db::MigrateDbArgs),
    /// Move a stopped Synapse installation to matrixd: same server name, keys, users, logins, rooms, media.
    ImportSynapse(crate::commands::import_synapse::ImportSynapseArgs),
    /// Write one archive with a consistent copy of the server: database, media, keys, config.
    Backup(crate::commands::backup::BackupArgs),
    /// Put a server back from an archive `backup` wrote, checksums verified first.
    Restore(crate::commands::backup::restore::RestoreArgs),
    /// Renew the ACME certificate when fewer than 30 days remain (run by the renewal timer).
    RenewCerts(RenewCertsArgs),
}

#[derive(Args, Debug)]
pub struct RenewCertsArgs {
    /// The renewal settings install wrote [default: acme/renew.toml in the config directory].
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ask the CA for a new certificate even when the current one is not due.
    #[arg(long)]
    pub force: bool,
    /// Paths in the settings are under this directory tree (for tests and image builders); nginx is not reloaded.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Use this OS family's data instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub distro: Option<String>,
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

/// The `--lang` value among the arguments, read before parsing (the help and clap's own
/// errors are built in that language). The last one wins, as clap's would.
pub fn lang_flag(args: &[std::ffi::OsString]) -> Option<String> {
    let mut found = None;
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        } else if a == "--lang" {
            found = it.next().map(|v| v.into_owned());
        } else if let Some(v) = a.strip_prefix("--lang=") {
            found = Some(v.to_string());
        }
    }
    found
}

/// The command line definition with every about and help text taken from the catalogue of
/// the current language.
pub fn command() -> clap::Command {
    use clap::CommandFactory as _;
    // English is the doc comments themselves (a test keeps the catalogue equal to them).
    if crate::i18n::current() == crate::i18n::Lang::En {
        return Cli::command();
    }
    let mut cmd = localise(Cli::command(), "");
    {
        // The `help` subcommand exists only once clap has built the command.
        cmd.build();
        let about: &'static str = Box::leak(crate::tr!("help-subcommand").into_boxed_str());
        cmd = cmd.mut_subcommand("help", |s| s.about(about));
    }
    cmd
}

/// Parses `args` with the localised definition; a usage error exits as clap does (code 2).
pub fn parse(args: Vec<std::ffi::OsString>) -> Cli {
    use clap::FromArgMatches as _;
    let matches = command()
        .try_get_matches_from(args)
        .unwrap_or_else(|e| exit_usage(e));
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| exit_usage(e))
}

/// A command-line error. English is clap's own text; in another language the common kinds
/// are said in it (clap has no catalogue of its own), the rest fall back to clap's. Help and
/// version requests are printed by clap either way.
fn exit_usage(e: clap::Error) -> ! {
    use clap::error::{ContextKind, ErrorKind};
    if crate::i18n::current() == crate::i18n::Lang::En {
        e.exit()
    }
    let ctx = |k: ContextKind| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let arg = ctx(ContextKind::InvalidArg);
    let message = match e.kind() {
        ErrorKind::UnknownArgument => crate::tr!("clap-unknown-argument", arg = arg),
        ErrorKind::InvalidSubcommand => crate::tr!(
            "clap-invalid-subcommand",
            name = ctx(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue => crate::tr!(
            "clap-invalid-value",
            value = format!("{:?}", ctx(ContextKind::InvalidValue)),
            arg = arg
        ),
        ErrorKind::ValueValidation => crate::tr!(
            "clap-invalid-value-why",
            value = format!("{:?}", ctx(ContextKind::InvalidValue)),
            arg = arg,
            why = std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
        ErrorKind::MissingRequiredArgument => crate::tr!("clap-missing", args = arg),
        ErrorKind::MissingSubcommand => crate::tr!("clap-missing-subcommand"),
        ErrorKind::ArgumentConflict => crate::tr!(
            "clap-conflict",
            arg = arg,
            other = ctx(ContextKind::PriorArg)
        ),
        ErrorKind::NoEquals
        | ErrorKind::TooManyValues
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::TooFewValues => crate::tr!("clap-values", arg = arg),
        _ => e.exit(),
    };
    let hint = match e
        .get(ContextKind::ValidValue)
        .or_else(|| e.get(ContextKind::ValidSubcommand))
    {
        Some(v) => crate::tr!("hint-use-one-of", names = v),
        None => crate::tr!("clap-try-help", flag = "--help"),
    };
    let err = crate::error::CliError::usage(message).hint(hint);
    eprint!("{err}");
    std::process::exit(2)
}

/// The catalogue id of a command's about text: `about`, `about-install`.
pub fn about_id(path: &str) -> String {
    if path.is_empty() {
        "about".to_string()
    } else {
        format!("about-{path}")
    }
}

/// The catalogue id of a flag's help: `help-lang`, `help-install-server_name`.
pub fn help_id(path: &str, arg: &str) -> String {
    let arg = arg.replace('_', "-");
    if path.is_empty() {
        format!("help-{arg}")
    } else {
        format!("help-{path}-{arg}")
    }
}

/// Every catalogue id the command line uses (for the catalogue tests).
pub fn catalogue_ids() -> Vec<String> {
    use clap::CommandFactory as _;
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        out.push(about_id(path));
        for a in cmd.get_arguments() {
            if a.is_global_set() && !path.is_empty() {
                continue;
            }
            if a.get_help().is_some() {
                out.push(help_id(path, a.get_id().as_str()));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, sub.get_name(), out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), "", &mut out);
    out
}

pub(crate) fn localise(mut cmd: clap::Command, path: &str) -> clap::Command {
    // clap (without its `string` feature) keeps &'static str; this runs once per process.
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let lang = crate::i18n::current();
    cmd = cmd.about(leak(crate::i18n::format(lang, &about_id(path), &[])));
    let ids: Vec<(clap::Id, Option<String>)> = cmd
        .get_arguments()
        .filter(|a| !(a.is_global_set() && !path.is_empty()))
        .map(|a| (a.get_id().clone(), a.get_help().map(|h| h.to_string())))
        .collect();
    for (id, help) in ids {
        let Some(help) = help else { continue };
        // A question's flag ends with its default, which is a value, not prose.
        let default = help
            .rfind(" [default: ")
            .filter(|_| {
                help.ends_with(']') && crate::answers::Question::by_key(id.as_str()).is_some()
            })
            .map(|i| help[i + " [default: ".len()..help.len() - 1].to_string());
        let mut text = crate::i18n::format(lang, &help_id(path, id.as_str()), &[]);
        if let Some(d) = default {
            text.push_str(&crate::i18n::format(lang, "help-default", &[("value", d)]));
        }
        let values: Vec<String> = cmd
            .get_arguments()
            .find(|a| *a.get_id() == id)
            .filter(|a| !a.is_hide_possible_values_set() && a.get_action().takes_values())
            .map(|a| {
                a.get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                    .map(|v| v.get_name().to_string())
                    .collect()
            })
            .unwrap_or_default();
        // clap words "[possible values: …]" itself; outside English it is ours.
        let ours = lang != crate::i18n::Lang::En && !values.is_empty();
        if ours {
            text.push_str(&crate::i18n::format(
                lang,
                "help-possible-values",
                &[("values", values.join(", "))],
            ));
        }
        cmd = cmd.mut_arg(id, |a| {
            let hidden = ours || a.is_hide_possible_values_set();
            a.help(leak(text)).hide_possible_values(hidden)
        });
    }
    if lang != crate::i18n::Lang::En {
        cmd = persian_frame(cmd, path.is_empty());
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name.clone(), |s| localise(s, &name));
    }
    cmd
}

/// What clap writes itself, where it lets us: the section headings (a help template) and the
/// help and version flags. English keeps clap's own frame untouched.
fn persian_frame(mut cmd: clap::Command, root: bool) -> clap::Command {
    use clap::{Arg, ArgAction};
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut template = String::from("{about-with-newline}\n");
    template.push_str(&crate::tr!("help-usage-heading"));
    template.push_str(" {usage}\n");
    if cmd.has_subcommands() {
        template.push_str(&format!(
            "\n{}\n{{subcommands}}\n",
            crate::tr!("help-commands-heading")
        ));
    }
    if cmd.get_positionals().next().is_some() {
        template.push_str(&format!(
            "\n{}\n{{positionals}}\n",
            crate::tr!("help-arguments-heading")
        ));
    }
    template.push_str(&format!(
        "\n{}\n{{options}}\n{{after-help}}",
        crate::tr!("help-options-heading")
    ));
    cmd = cmd
        .help_template(leak(template))
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(leak(crate::tr!("help-help"))),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(leak(crate::tr!("help-version"))),
        );
    }
    cmd
}
