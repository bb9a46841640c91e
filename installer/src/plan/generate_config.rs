//! What `generate-config` writes (Synapse's `--generate-config`): a fresh homeserver.yaml, or
//! on a re-run only the secrets the existing one lacks, appended; the signing key and the log
//! config where absent (never replaced); the data directory. Pure: the existing config's
//! top-level keys come in, and what exists is read through `Existing`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::plan::existing::Existing;
use crate::plan::model::{Affects, Change, Content, FileStep, Owner, Plan, Step};
use crate::plan::steps::{PlanError, err, render_text};
use crate::render::homeserver::HomeserverCtx;
use crate::render::{HOMESERVER_MISSING_SECRETS, HOMESERVER_YAML, LOG_CONFIG};

/// The secrets homeserver.yaml must carry, in the order they are written.
pub const SECRET_KEYS: &[&str] = &[
    "registration_shared_secret",
    "macaroon_secret_key",
    "form_secret",
];

#[derive(Serialize)]
struct LogCtx {
    server_name: String,
    log_file: String,
}

#[derive(Serialize)]
struct SecretLine {
    key: &'static str,
    value: String,
}

#[derive(Serialize)]
struct MissingSecretsCtx {
    secrets: Vec<SecretLine>,
}

/// Top-level keys of an existing homeserver.yaml, read with the server's own loader.
pub struct TopLevel(pub matrixd::config::Mapping);

impl TopLevel {
    fn has(&self, key: &str) -> bool {
        self.0.get(key).is_some_and(|v| !v.is_null())
    }
    fn get_str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.as_str())
    }
}

/// What to write, and what is kept as it is (for the operator).
pub struct Generated {
    pub plan: Plan,
    /// "… (already exists; …)" lines about the existing config, in order.
    pub kept: Vec<String>,
}

/// `ctx` is a fresh config (new secrets, the paths from the flags); `current` the existing
/// config's keys on a re-run. Files are written as `owner`.
pub fn generate(
    ctx: &HomeserverCtx,
    data_dir: &Path,
    current: Option<&TopLevel>,
    owner: &Owner,
    existing: &dyn Existing,
) -> Result<Generated, PlanError> {
    let config = PathBuf::from(&ctx.config_path);
    let mut steps = vec![Step::Dir {
        path: data_dir.to_path_buf(),
        mode: 0o755,
        owner: owner.clone(),
        change: if existing.exists(data_dir) {
            Change::Unchanged
        } else {
            Change::Create
        },
    }];
    let mut kept = Vec::new();
    let file = |path: &Path, content: Content, mode: u32, change: Change| {
        Step::File(FileStep {
            path: path.to_path_buf(),
            content,
            mode,
            owner: owner.clone(),
            change,
            create_only: true,
            affects: Affects::Nothing,
        })
    };

    // Paths that matter on a re-run come from the existing file, never from factory defaults.
    let (signing_key, log_config) = match current {
        None => {
            let text = render_text(HOMESERVER_YAML, ctx)?;
            steps.push(file(
                &config,
                Content::Template {
                    id: HOMESERVER_YAML.0,
                    text,
                },
                0o600,
                Change::Create,
            ));
            (
                PathBuf::from(&ctx.signing_key_path),
                Some(PathBuf::from(&ctx.log_config)),
            )
        }
        Some(doc) => {
            if let Some(name) = doc.get_str("server_name")
                && name != ctx.server_name
            {
                return Err(err(
                    crate::tr!(
                        "gc-other-server",
                        path = config.display(),
                        key = format!("server_name {name:?}"),
                        ours = format!("{:?}", ctx.server_name)
                    ),
                    crate::tr!(
                        "gc-other-server-hint",
                        key = "server_name",
                        flag = "--server-name",
                        path = "--config-path"
                    ),
                ));
            }
            kept.push(crate::tr!("gc-kept-config", path = config.display()));
            let mut missing = Vec::new();
            for key in SECRET_KEYS {
                if doc.has(key) || doc.has(&format!("{key}_path")) {
                    kept.push(crate::tr!(
                        "gc-kept-key",
                        key = key,
                        path = config.display()
                    ));
                } else {
                    let value = match *key {
                        "registration_shared_secret" => ctx.registration_shared_secret.clone(),
                        "macaroon_secret_key" => ctx.macaroon_secret_key.clone(),
                        _ => ctx.form_secret.clone(),
                    };
                    missing.push(SecretLine { key, value });
                }
            }
            if !missing.is_empty() {
                let what = missing.iter().map(|s| s.key).collect::<Vec<_>>().join(", ");
                let text = render_text(
                    HOMESERVER_MISSING_SECRETS,
                    &MissingSecretsCtx { secrets: missing },
                )?;
                steps.push(Step::Append {
                    file: config.clone(),
                    text,
                    what,
                });
            }
            (
                doc.get_str("signing_key_path")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from(&ctx.signing_key_path)),
                doc.get_str("log_config").map(PathBuf::from),
            )
        }
    };

    let keep_or_create = |p: &Path| {
        if existing.exists(p) {
            Change::Keep
        } else {
            Change::Create
        }
    };
    steps.push(file(
        &signing_key,
        Content::SigningKey,
        0o600,
        keep_or_create(&signing_key),
    ));
    if let Some(log_config) = log_config {
        let text = render_text(
            LOG_CONFIG,
            &LogCtx {
                server_name: ctx.server_name.clone(),
                log_file: data_dir
                    .join("homeserver.log")
                    .to_string_lossy()
                    .into_owned(),
            },
        )?;
        steps.push(file(
            &log_config,
            Content::Template {
                id: LOG_CONFIG.0,
                text,
            },
            0o644,
            keep_or_create(&log_config),
        ));
    }
    Ok(Generated {
        plan: Plan {
            steps,
            notes: Vec::new(),
            config_path: config,
            service: String::new(),
        },
        kept,
    })
}
