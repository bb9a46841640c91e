//! What an install will do: an ordered list of steps (the answers they come from are
//! `crate::answers::Answers`). Pure data: no I/O, no rendering, no printing.

use std::path::PathBuf;

/// A command as an argument list, optionally run as another user, with extra environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub user: Option<String>,
}

impl Cmd {
    pub fn new(argv: Vec<String>) -> Self {
        Cmd {
            argv,
            env: Vec::new(),
            user: None,
        }
    }
    pub fn as_user(mut self, user: &str) -> Self {
        self.user = Some(user.to_string());
        self
    }
    /// How the plan prints it (secrets never appear in commands).
    pub fn display(&self) -> String {
        let quote = |a: &String| {
            if a.is_empty()
                || a.chars()
                    .any(|c| c.is_whitespace() || "'\"$`\\;&|<>*?()".contains(c))
            {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.clone()
            }
        };
        let mut s: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        s.extend(self.argv.iter().map(quote));
        let s = s.join(" ");
        match &self.user {
            Some(u) => format!("{s}   (as {u})"),
            None => s,
        }
    }
}

/// Skips a step when the system already is as the step would leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// The path exists.
    Exists(PathBuf),
    /// The command prints something (e.g. a SELECT that finds the role).
    Outputs(Cmd),
}

/// What happens to a file or directory, decided from what exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Create,
    /// Replaced; the old file is kept as a backup.
    Update,
    /// Exists and is never overwritten (keys, secrets, certificates).
    Keep,
    Unchanged,
}

impl Change {
    pub fn verb(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Keep => "keep",
            Change::Unchanged => "unchanged",
        }
    }
    pub fn changes(self) -> bool {
        matches!(self, Change::Create | Change::Update)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Owner {
    pub user: String,
    pub group: String,
}

/// What a changed file affects: which service must restart (or reload) when it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Affects {
    Nothing,
    Homeserver,
    Nginx,
    Coturn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Rendered from a template.
    Template { id: &'static str, text: String },
    /// A secret (random unless it already exists); never printed.
    Secret(String),
    /// A new ed25519 signing key, generated at execution.
    SigningKey,
    /// A copy of a file (the matrixd binary).
    Copy(PathBuf),
    /// Data written as is (the answers file).
    Data { what: &'static str, text: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStep {
    pub path: PathBuf,
    pub content: Content,
    pub mode: u32,
    pub owner: Owner,
    pub change: Change,
    /// Never overwritten once it exists.
    pub create_only: bool,
    pub affects: Affects,
}

/// How a service is run where its service manager is not running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direct {
    /// matrixctl starts the program itself, detached, as `user`, logging to `log`.
    Spawn {
        argv: Vec<String>,
        user: String,
        cwd: PathBuf,
        pid_file: PathBuf,
        log: PathBuf,
    },
    /// Start and reload commands of the program itself (nginx, turnserver).
    Commands {
        start: Cmd,
        reload: Option<Cmd>,
        pid_file: PathBuf,
    },
    /// A distro command that starts it without the manager (Debian's service(8)).
    Fallback { start: Cmd },
    /// Cannot be run without the service manager.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStep {
    pub name: String,
    /// The service-manager marker path (None: the manager always runs).
    pub manager_marker: Option<PathBuf>,
    pub after_unit_change: Vec<Cmd>,
    pub enable: Vec<Cmd>,
    pub start: Cmd,
    pub restart: Cmd,
    pub reload: Option<Cmd>,
    pub is_active: Cmd,
    /// Overrides `is_active` (PostgreSQL: pg_isready).
    pub ready: Option<Cmd>,
    /// Run before a start or reload (nginx -t).
    pub test: Option<Cmd>,
    /// Changes to what makes it restart (or reload, when `reload` is set).
    pub on_change_of: Affects,
    pub direct: Direct,
}

/// A service to stop (if it runs) and disable (errors ignored: it may never have been enabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetireStep {
    pub service: ServiceStep,
    pub stop: Cmd,
    pub disable: Vec<Cmd>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Install the packages not already installed.
    Packages {
        purpose: String,
        names: Vec<String>,
        refresh: Option<Cmd>,
        install: Cmd,
        is_installed: Cmd,
        installed_stdout: Option<String>,
    },
    /// Create the system group and user unless they exist.
    User {
        name: String,
        group: String,
        home: String,
        create_group: Vec<Cmd>,
        create_user: Vec<Cmd>,
    },
    /// A command, skipped when its guard says it is done.
    Run {
        title: crate::i18n::Text,
        cmd: Cmd,
        unless: Option<Guard>,
    },
    Dir {
        path: PathBuf,
        mode: u32,
        owner: Owner,
        change: Change,
    },
    File(FileStep),
    /// A self-signed certificate and key for `names`, unless both exist (and, unless it only
    /// stands in until an ACME certificate replaces it, have `RENEW_DAYS` days left).
    SelfSigned {
        cert: PathBuf,
        key: PathBuf,
        names: Vec<String>,
        key_owner: Owner,
        change: Change,
        affects: Affects,
        stand_in: bool,
    },
    Symlink {
        link: PathBuf,
        target: PathBuf,
        change: Change,
    },
    /// Adds `line` inside the http block of an nginx.conf that includes nothing.
    Include {
        file: PathBuf,
        line: String,
        change: Change,
    },
    /// Enable and start (or restart/reload when something it depends on changed).
    Service(ServiceStep),
    /// Stop and disable a service the install no longer runs (a matrixd process beyond
    /// `--workers N`, or the single process replaced by several, or the reverse).
    Retire(RetireStep),
    /// A certificate from an ACME CA, obtained now if it is due (`exec::acme`), then nginx
    /// reloaded when it changed.
    Acme {
        acme: Box<Acme>,
        /// The service that serves the challenges and the certificate (nginx; matrixd, which
        /// is sent SIGHUP instead, without nginx).
        reload: Box<ServiceStep>,
    },
    /// Wait until the URL answers (resolving the host to `connect`, trusting `ca`).
    Wait {
        url: String,
        connect: String,
        ca: Option<PathBuf>,
    },
    /// Adds `text` at the end of an existing file, keeping its mode (`what`: what it adds).
    Append {
        file: PathBuf,
        text: String,
        what: String,
    },
    /// Removes a file or symlink (`tree`: a directory and everything in it) if it exists.
    /// `quiet`: a leftover; a failure is ignored and nothing is reported.
    Remove {
        path: PathBuf,
        tree: bool,
        quiet: bool,
    },
}

/// What obtaining and renewing an ACME certificate needs; also what `acme/renew.toml` holds,
/// so `matrixctl renew-certs` (run by the renewal timer) does exactly what install did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acme {
    /// The ACME directory URL (RFC 8555).
    pub directory: String,
    pub email: Option<String>,
    /// Every name the certificate covers (HTTP-01 for each).
    pub names: Vec<String>,
    /// The full chain (leaf first) and its private key.
    pub cert: PathBuf,
    pub key: PathBuf,
    pub key_owner: Owner,
    /// Where the account keys are kept (one file per directory host; never regenerated).
    pub account_dir: PathBuf,
    /// Where HTTP-01 responses are written: served as /.well-known/acme-challenge/.
    pub challenge_dir: PathBuf,
    /// The root certificate (PEM) the directory's HTTPS is checked against instead of the
    /// system's (a private CA, or a test CA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_ca: Option<PathBuf>,
    /// Commands run after a renewal instead of reloading nginx (empty: reload nginx).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deploy_hook: Vec<Vec<String>>,
}

impl Step {
    /// Steps that act on the running system rather than write files; `--root` skips them.
    pub fn is_activation(&self) -> bool {
        matches!(
            self,
            Step::Packages { .. }
                | Step::User { .. }
                | Step::Run { .. }
                | Step::Service(_)
                | Step::Retire(_)
                | Step::Acme { .. }
                | Step::Wait { .. }
        )
    }
}

/// The ordered steps, plus what the operator should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub notes: Vec<crate::i18n::Text>,
    pub config_path: PathBuf,
    pub service: String,
}
