//! What a doctor check is, as data: `Check { id, group, status, summary, fix, details }`, and
//! the definition that produces one. Owns no rendering (report.rs) and no running (runner.rs).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::i18n::Text;

/// How a check ended. `Fail` means "this breaks federation or clients"; anything softer is
/// `Warn`; an optional feature that is not configured is `Skip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

/// The groups, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    System,
    Config,
    Service,
    Database,
    Tls,
    Federation,
    Client,
    Email,
    Turn,
    Nginx,
}

impl Group {
    pub const ALL: [Group; 10] = [
        Group::System,
        Group::Config,
        Group::Service,
        Group::Database,
        Group::Tls,
        Group::Federation,
        Group::Client,
        Group::Email,
        Group::Turn,
        Group::Nginx,
    ];

    /// The heading in the human report (catalogue id `group-PREFIX`).
    pub fn title(self) -> String {
        crate::i18n::format(crate::i18n::current(), &self.title_id(), &[])
    }

    pub fn title_id(self) -> String {
        format!("group-{}", self.prefix())
    }

    /// The id prefix (`config` in `config.parse`), also accepted on the command line.
    pub fn prefix(self) -> &'static str {
        match self {
            Group::System => "system",
            Group::Config => "config",
            Group::Service => "service",
            Group::Database => "db",
            Group::Tls => "tls",
            Group::Federation => "federation",
            Group::Client => "client",
            Group::Email => "email",
            Group::Turn => "turn",
            Group::Nginx => "nginx",
        }
    }

    /// Whether the group's checks talk to the public network (skipped by `--offline`).
    pub fn is_network(self) -> bool {
        matches!(
            self,
            Group::Federation | Group::Client | Group::Email | Group::Turn
        )
    }
}

/// What one check found: a status, a one-line summary, a one-line fix unless ok, and details
/// shown with `-v` (key → value, in key order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub summary: Text,
    pub fix: Option<Text>,
    /// Shown in the current language with `-v`; serialised in English.
    pub details: BTreeMap<String, Text>,
}

impl Outcome {
    fn new(status: Status, summary: impl Into<Text>) -> Self {
        Outcome {
            status,
            summary: summary.into(),
            fix: None,
            details: BTreeMap::new(),
        }
    }
    pub fn ok(summary: impl Into<Text>) -> Self {
        Self::new(Status::Ok, summary)
    }
    pub fn warn(summary: impl Into<Text>, fix: impl Into<Text>) -> Self {
        Self::new(Status::Warn, summary).with_fix(fix)
    }
    pub fn fail(summary: impl Into<Text>, fix: impl Into<Text>) -> Self {
        Self::new(Status::Fail, summary).with_fix(fix)
    }
    pub fn skip(summary: impl Into<Text>) -> Self {
        Self::new(Status::Skip, summary)
    }
    pub fn with_fix(mut self, fix: impl Into<Text>) -> Self {
        self.fix = Some(fix.into());
        self
    }
    pub fn detail(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.details
            .insert(key.to_string(), Text::Raw(value.to_string()));
        self
    }
    /// A detail that is a sentence (shown in the user's language).
    pub fn detail_text(mut self, key: &str, value: Text) -> Self {
        self.details.insert(key.to_string(), value);
        self
    }
}

/// One finished check, as reported and serialised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub group: Group,
    pub status: Status,
    /// Shown in the current language; serialised in English (`--json` is for machines).
    pub summary: Text,
    pub fix: Option<Text>,
    pub details: BTreeMap<String, Text>,
}

impl Check {
    pub fn from_outcome(def: &CheckDef, o: Outcome) -> Self {
        Check {
            id: def.id,
            group: def.group,
            status: o.status,
            summary: o.summary,
            fix: o.fix,
            details: o.details,
        }
    }
}

/// A registered check: stable id, group, one-line description (for `--list-checks`) and the
/// function that observes. Checks never write anything.
#[derive(Clone, Copy)]
pub struct CheckDef {
    pub id: &'static str,
    pub group: Group,
    pub about: &'static str,
    pub run: fn(&super::Ctx) -> Outcome,
    /// Reads only this machine (a check of a network group that `--offline` still runs).
    pub local: bool,
}

impl CheckDef {
    /// The one-line description in the current language (catalogue id `check-ID`, with '-'
    /// for '.' and '_').
    pub fn about_text(&self) -> String {
        crate::i18n::format(crate::i18n::current(), &self.about_id(), &[])
    }

    pub fn about_id(&self) -> String {
        format!("check-{}", self.id.replace(['.', '_'], "-"))
    }
}

impl std::fmt::Debug for CheckDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CheckDef({})", self.id)
    }
}
