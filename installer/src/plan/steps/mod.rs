//! The groups of install steps, one function (and file) each, in the order `build` calls
//! them. `Ctx` is what every group reads (answers, distro data, layout, the owners, what the
//! answers imply); `Builder` is what they add to (steps, notes), with the read-only view of
//! what exists and the source of new secrets.

pub mod acme;
pub mod adopt;
pub mod answers_file;
pub mod backup;
pub mod binary;
pub mod config;
pub mod coturn;
pub mod dirs;
pub mod health;
pub mod nginx;
pub mod package;
pub mod packages;
pub mod postgres;
pub mod secrets;
pub mod service;
pub mod tls;
pub mod turn;
pub mod user;
pub mod well_known;
pub mod workers;

use std::path::Path;

use serde::Serialize;

use crate::answers::{Answers, Database, Proxy, Tls};
use crate::facts::Facts;
use crate::facts::distro::{Distro, Schedule, subst};
use crate::plan::existing::Existing;
use crate::plan::layout::Layout;
use crate::plan::model::*;
use crate::render::{self, TemplateId};

/// Synapse's default `url_preview_ip_range_blacklist`: its 19 ranges, from the server's schema.
pub const URL_PREVIEW_IP_RANGE_BLACKLIST: &[&str] = matrixd::config::DEFAULT_IP_RANGE_BLACKLIST;

/// The homeserver's plain-HTTP port (loopback behind nginx).
pub const HTTP_PORT: u16 = 8008;
/// Federation's default port; matrixd's own TLS listener with `--tls direct`.
pub const FEDERATION_PORT: u16 = 8448;

#[derive(Debug)]
pub struct PlanError {
    pub message: String,
    pub hint: String,
}

pub fn err(message: impl Into<String>, hint: impl Into<String>) -> PlanError {
    PlanError {
        message: message.into(),
        hint: hint.into(),
    }
}

/// A conditional answer that the wizard always fills when it applies.
pub fn answered<T: Clone>(value: &Option<T>, key: &str) -> Result<T, PlanError> {
    value.clone().ok_or_else(|| {
        err(
            crate::tr!("plan-err-missing", key = key),
            crate::tr!(
                "plan-err-missing-hint",
                flag = format!("--{}", key.replace('_', "-")),
                key = key
            ),
        )
    })
}

pub fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The last component of `p` (empty when it has none), for templates that name a file.
pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn cmd(argv: &[String], vars: &[(&str, &str)]) -> Cmd {
    Cmd::new(subst(argv, vars))
}

/// The public URL's host and port.
pub fn url_host_port(url: &str) -> (String, u16) {
    match url::Url::parse(url) {
        Ok(u) => (
            u.host_str().unwrap_or("localhost").to_string(),
            u.port_or_known_default().unwrap_or(443),
        ),
        Err(_) => ("localhost".into(), 443),
    }
}

/// What every group of steps reads: the answers, the facts, and what they imply.
pub struct Ctx<'a> {
    pub a: &'a Answers,
    pub facts: &'a Facts,
    pub d: &'a Distro,
    pub l: Layout,
    /// The service user and group.
    pub user: Owner,
    pub root: Owner,
    /// root, and the service group.
    pub root_group: Owner,
    pub public_host: String,
    pub public_port: u16,
    /// The server name without its port.
    pub server_host: String,
    pub nginx: bool,
    pub postgres: bool,
    /// coturn is installed here.
    pub coturn: bool,
    /// TURN is configured (coturn here, or given URIs).
    pub turn: bool,
    pub uses_tls: bool,
    /// matrixd terminates TLS itself (`--tls direct`, or `--tls acme` without nginx).
    pub direct_tls: bool,
    /// `--tls acme` without nginx: matrixd obtains and renews its certificate itself (the
    /// `acme` section), answering TLS-ALPN-01 on port 443.
    pub direct_acme: bool,
    /// The time planning judges certificates by (seconds since the Unix epoch).
    pub now: i64,
    /// `--adopt`: the existing homeserver.yaml, kept as it is (its listener, key, database).
    pub adopted: Option<&'a crate::facts::adopt::Adopted>,
    /// The plain-HTTP port matrixd listens on (nginx forwards there): ours, or the adopted
    /// config's.
    pub http_port: u16,
}

impl<'a> Ctx<'a> {
    pub fn new(a: &'a Answers, facts: &'a Facts) -> Ctx<'a> {
        let d = &facts.distro;
        let (public_host, public_port) = url_host_port(&a.public_baseurl);
        let coturn = a.install_coturn.yes();
        let adopted = facts
            .adopted
            .as_ref()
            .filter(|_| a.adopt.is_some_and(|y| y.yes()));
        Ctx {
            a,
            facts,
            d,
            l: Layout::of(facts),
            user: Owner {
                user: d.user.name.clone(),
                group: d.user.group.clone(),
            },
            root: Owner {
                user: "root".into(),
                group: "root".into(),
            },
            root_group: Owner {
                user: "root".into(),
                group: d.user.group.clone(),
            },
            public_host,
            public_port,
            server_host: a.server_name.host(),
            now: crate::plan::tls::now(),
            nginx: a.proxy == Proxy::Nginx,
            // An adopted config's PostgreSQL runs here only when it is this machine's.
            postgres: a.database == Database::Postgres
                && adopted.is_none_or(|ad| ad.local_postgres()),
            http_port: adopted.and_then(|ad| ad.http_port).unwrap_or(HTTP_PORT),
            adopted,
            coturn,
            turn: coturn || !a.turn_uris.is_empty(),
            uses_tls: a.tls != Tls::None,
            direct_tls: a.tls == Tls::Direct || (a.tls == Tls::Acme && a.proxy != Proxy::Nginx),
            direct_acme: a.tls == Tls::Acme && a.proxy != Proxy::Nginx,
        }
    }

    /// The public host, then the server name's host when it differs (certificate and nginx
    /// server names).
    pub fn host_names(&self) -> Vec<String> {
        let mut names = vec![self.public_host.clone()];
        if self.server_host != self.public_host {
            names.push(self.server_host.clone());
        }
        names
    }
}

/// What the groups add to: the steps and notes, decided against what exists.
pub struct Builder<'a> {
    pub existing: &'a dyn Existing,
    new_secret: &'a mut dyn FnMut() -> String,
    pub steps: Vec<Step>,
    pub notes: Vec<crate::i18n::Text>,
}

impl<'a> Builder<'a> {
    pub fn new(existing: &'a dyn Existing, new_secret: &'a mut dyn FnMut() -> String) -> Self {
        Builder {
            existing,
            new_secret,
            steps: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn finish(self, l: Layout) -> Plan {
        Plan {
            steps: self.steps,
            notes: self.notes,
            config_path: l.config,
            service: l.service,
        }
    }

    pub fn change_for(&self, path: &Path, bytes: &[u8]) -> Change {
        match self.existing.read(path) {
            None if !self.existing.exists(path) => Change::Create,
            Some(old) if old == bytes => Change::Unchanged,
            _ => Change::Update,
        }
    }

    pub fn dir(&mut self, path: &Path, mode: u32, owner: &Owner) {
        let change = if self.existing.exists(path) {
            Change::Unchanged
        } else {
            Change::Create
        };
        self.steps.push(Step::Dir {
            path: path.to_path_buf(),
            mode,
            owner: owner.clone(),
            change,
        });
    }

    /// A file rendered from a template; returns its text.
    pub fn template(
        &mut self,
        path: &Path,
        id: TemplateId,
        ctx: &impl Serialize,
        mode: u32,
        owner: &Owner,
        affects: Affects,
    ) -> Result<String, PlanError> {
        let text = render_text(id, ctx)?;
        let change = self.change_for(path, text.as_bytes());
        self.steps.push(Step::File(FileStep {
            path: path.to_path_buf(),
            content: Content::Template {
                id: id.0,
                text: text.clone(),
            },
            mode,
            owner: owner.clone(),
            change,
            create_only: false,
            affects,
        }));
        Ok(text)
    }

    /// A secret file: kept when it exists (its value is returned), else a new one.
    pub fn secret(&mut self, path: &Path, owner: &Owner, affects: Affects) -> String {
        let (value, change) = match self.existing.read(path) {
            Some(old) => (
                String::from_utf8_lossy(&old).trim().to_string(),
                Change::Keep,
            ),
            None => ((self.new_secret)(), Change::Create),
        };
        self.steps.push(Step::File(FileStep {
            path: path.to_path_buf(),
            content: Content::Secret(value.clone()),
            mode: 0o600,
            owner: owner.clone(),
            change,
            create_only: true,
            affects,
        }));
        value
    }
}

/// Renders a template; a failure is a bug in the template or its context.
pub fn render_text(id: TemplateId, ctx: &impl Serialize) -> Result<String, PlanError> {
    render::render(id, ctx).map_err(|e| {
        err(
            format!("internal template error: {e}"),
            "report this as a bug",
        )
    })
}

/// The timer unit's name of a `systemd-timer` schedule (`matrixd-backup.timer`).
pub fn timer_name(sched: &Schedule) -> String {
    sched
        .timer
        .as_deref()
        .and_then(|t| Path::new(t).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// After the services start: a schedule's timer enabled (unless it is) and started where
/// systemd runs (a container without it still gets it enabled).
pub fn enable_timer(
    c: &Ctx,
    b: &mut Builder,
    sched: &Schedule,
    enable_title: crate::i18n::Text,
    start_title: crate::i18n::Text,
) {
    let timer = timer_name(sched);
    let systemctl = |verb: &str| {
        Guard::Outputs(Cmd::new(vec![
            "systemctl".into(),
            verb.into(),
            timer.clone(),
        ]))
    };
    for argv in &sched.enable {
        b.steps.push(Step::Run {
            title: enable_title.clone(),
            cmd: cmd(argv, &[]),
            unless: Some(systemctl("is-enabled")),
        });
    }
    if let Some(start) = &sched.start {
        let argv = match &c.d.service.running_marker {
            Some(marker) => vec![
                "sh".to_string(),
                "-c".to_string(),
                format!("[ ! -d {marker} ] || {}", start.join(" ")),
            ],
            None => start.clone(),
        };
        b.steps.push(Step::Run {
            title: start_title,
            cmd: Cmd::new(argv),
            unless: Some(systemctl("is-active")),
        });
    }
}
