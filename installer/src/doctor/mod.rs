//! `matrixctl doctor`: observes an installation and says what is wrong and how to fix it.
//! Owns observing only: it reads files, asks the service manager, connects to the database
//! read-only and probes the network, and never writes anything (no `exec` of anything that
//! changes the system, no file writes). As root, when PostgreSQL's peer authentication refuses
//! root the service user's role, the database checks re-run as that user (checks/database.rs).
//! `check` is the data model, `registry` the stable list of checks, `runner` runs them with a
//! timeout each, `report` renders, `net` is the one place that builds HTTP clients and resolvers.

pub mod check;
pub mod checks;
pub mod net;
pub mod registry;
pub mod report;
pub mod runner;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use check::{Check, CheckDef, Group, Outcome, Status};
use matrixd::config::{Config, Mapping, Problems, YamlValue};

use crate::facts::{self, Distro, OsInfo};

/// The catalogue ids of the group headings and the checks' descriptions (for the catalogue
/// tests).
pub fn catalogue_ids() -> Vec<String> {
    let mut ids: Vec<String> = Group::ALL.iter().map(|g| g.title_id()).collect();
    ids.extend(registry::all().iter().map(CheckDef::about_id));
    ids
}

/// Everything a run needs to know, from the command line (tests set the hidden probe options).
#[derive(Debug, Clone)]
pub struct Options {
    /// homeserver.yaml (files or directories); empty: the installed one, from the distro data.
    pub config: Vec<PathBuf>,
    /// Use this OS family's data instead of detecting it.
    pub distro: Option<String>,
    /// Skip the checks that need the public network.
    pub offline: bool,
    pub net: net::NetOptions,
    /// The nginx site to inspect [default: the distro's].
    pub nginx_site: Option<PathBuf>,
    /// The nginx main config for `nginx -t -c` [default: nginx's own].
    pub nginx_conf: Option<PathBuf>,
    /// A file holding an access token, for the checks that need a logged-in user (TURN).
    pub access_token_file: Option<PathBuf>,
    /// Per-check time limit.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: Vec::new(),
            distro: None,
            offline: false,
            net: net::NetOptions::default(),
            nginx_site: None,
            nginx_conf: None,
            access_token_file: None,
            timeout: Duration::from_secs(20),
        }
    }
}

/// The loaded configuration, or why there is none.
pub struct Loaded {
    pub paths: Vec<PathBuf>,
    /// `None` when loading failed (see `problems`).
    pub config: Option<Config>,
    pub problems: Problems,
    /// The merged top-level mapping, for Synapse keys matrixd does not read yet (email, TURN,
    /// URL previews). `None` when the files do not parse.
    pub raw: Option<Mapping>,
}

impl Loaded {
    /// A top-level key of the raw mapping (null counts as absent).
    pub fn raw(&self, key: &str) -> Option<&YamlValue> {
        self.raw.as_ref()?.get(key).filter(|v| !v.is_null())
    }
}

/// Shared, read-only state of one run, handed to every check.
pub struct Ctx {
    pub opts: Options,
    pub os: OsInfo,
    pub distro: Option<Distro>,
    pub loaded: Loaded,
    rt: tokio::runtime::Runtime,
    /// Federation discovery, computed once by whichever federation check needs it first.
    pub(crate) discovery: OnceLock<checks::federation::Discovery>,
    pub(crate) client_wk: OnceLock<checks::client::ClientWellKnown>,
    /// The database checks as run by the service user, when root is refused by peer
    /// authentication; computed once by whichever database check needs it first.
    pub(crate) db_as_user: OnceLock<Option<checks::database::AsUser>>,
}

impl Ctx {
    /// Detects the OS, finds and loads the config. Never fails: what cannot be found becomes a
    /// check result.
    pub fn new(opts: Options) -> Ctx {
        let os = detect_os();
        let distro = match &opts.distro {
            Some(name) => facts::distro::by_name(name),
            None => facts::distro::matching(&os.uname, os.id.as_deref(), &os.id_like),
        };
        let paths = if opts.config.is_empty() {
            distro
                .as_ref()
                .map(|d| vec![Path::new(&d.paths.config_dir).join("homeserver.yaml")])
                .unwrap_or_default()
        } else {
            opts.config.clone()
        };
        let (config, problems) = matrixd::config::load_files(&paths);
        let raw = matrixd::config::read_top_level(&paths).ok();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        Ctx {
            opts,
            os,
            distro,
            loaded: Loaded {
                paths,
                config,
                problems,
                raw,
            },
            rt,
            discovery: OnceLock::new(),
            client_wk: OnceLock::new(),
            db_as_user: OnceLock::new(),
        }
    }

    /// Runs a future on the run's runtime (checks are plain functions on their own threads).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.handle().block_on(f)
    }

    /// The loaded config, or the outcome every dependent check reports without one.
    pub fn config(&self) -> Result<&Config, Outcome> {
        self.loaded
            .config
            .as_ref()
            .ok_or_else(|| Outcome::skip(crate::msg!("skip-not-loaded", check = "config.parse")))
    }

    /// Whether this server federates: a listener serves `federation` and
    /// `federation_domain_whitelist` is not an empty list.
    pub fn federation_enabled(&self) -> bool {
        let Some(c) = &self.loaded.config else {
            return false;
        };
        let listener = c
            .listeners
            .iter()
            .any(|l| l.serves(matrixd::config::Resource::Federation));
        let whitelist_empty = matches!(self.loaded.raw("federation_domain_whitelist"), Some(YamlValue::Sequence(s)) if s.is_empty());
        listener && !whitelist_empty
    }
}

/// os-release and `uname -s`, read here rather than through `exec` (the doctor runs nothing
/// that could change the system).
fn detect_os() -> OsInfo {
    let text = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let mut os = facts::parse_os_release(&text);
    os.uname = nix::sys::utsname::uname()
        .map(|u| u.sysname().to_string_lossy().into_owned())
        .unwrap_or_else(|_| std::env::consts::OS.to_string());
    os
}

/// Which registered checks `selectors` (ids or group prefixes) name; all when empty. An
/// unknown selector is returned as the error, with the closest id when there is one.
pub fn select(selectors: &[String]) -> Result<Vec<CheckDef>, (String, Option<String>)> {
    let all = registry::all();
    if selectors.is_empty() {
        return Ok(all);
    }
    let mut out: Vec<CheckDef> = Vec::new();
    for s in selectors {
        let matched: Vec<CheckDef> = all
            .iter()
            .filter(|d| d.id == s || d.group.prefix() == s)
            .copied()
            .collect();
        if matched.is_empty() {
            let names = all
                .iter()
                .map(|d| d.id)
                .chain(Group::ALL.iter().map(|g| g.prefix()));
            return Err((
                s.clone(),
                matrixd::config::known::closest(s, names).map(str::to_string),
            ));
        }
        for d in matched {
            if !out.iter().any(|o| o.id == d.id) {
                out.push(d);
            }
        }
    }
    // Report order is registry order, whatever the order on the command line.
    out.sort_by_key(|d| all.iter().position(|a| a.id == d.id));
    Ok(out)
}

/// Runs the selected checks; `--offline` turns the network groups into skips.
pub fn run(ctx: Arc<Ctx>, defs: &[CheckDef]) -> Vec<Check> {
    let (offline, online): (Vec<&CheckDef>, Vec<&CheckDef>) = defs
        .iter()
        .partition(|d| ctx.opts.offline && d.group.is_network() && !d.local);
    let online: Vec<CheckDef> = online.into_iter().copied().collect();
    let timeout = ctx.opts.timeout;
    let mut done = runner::run_checks(&online, ctx, timeout);
    for d in offline {
        done.push(Check::from_outcome(
            d,
            Outcome::skip(crate::msg!("skip-offline", flag = "--offline")),
        ));
    }
    let order = |c: &Check| defs.iter().position(|d| d.id == c.id);
    done.sort_by_key(order);
    done
}
