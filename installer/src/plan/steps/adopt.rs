//! `--adopt` (step groups 6 and 9 in its place): an existing homeserver.yaml, `import-synapse`'s,
//! kept byte for byte, with the signing key it names (and its secrets, inline or in their own
//! files) never written; install provisions the rest around it. What it needs from the config
//! (server name, database, public URL, listener, registration) is already the answers
//! (`commands::install`); here: what the service needs to run it (its files readable by the
//! service user, its data where the service may write), and what cannot be done without
//! rewriting it, refused or said.

use super::{Builder, Ctx, PlanError, err, s};
use crate::plan::model::{Affects, Change, Cmd, Content, FileStep, Guard, Step};

/// What an adopted config cannot be given without rewriting it: refused.
pub fn check(c: &Ctx) -> Result<(), PlanError> {
    let Some(ad) = c.adopted else {
        return Ok(());
    };
    let config = ad.config.display().to_string();
    if c.direct_tls {
        return Err(err(
            crate::tr!("plan-err-adopt-tls", path = config.clone()),
            crate::tr!("plan-err-adopt-tls-hint", flag = "--proxy nginx"),
        ));
    }
    if c.nginx && ad.http_port.is_none() {
        return Err(err(
            crate::tr!("plan-err-adopt-listener", path = config.clone()),
            crate::tr!("plan-err-adopt-listener-hint", key = "listeners"),
        ));
    }
    // The service may write only under the data directory (systemd: ReadWritePaths).
    let data = &c.l.data_dir;
    for p in [Some(ad.media_store.as_path()), ad.sqlite()]
        .into_iter()
        .flatten()
    {
        if !p.starts_with(data) {
            return Err(err(
                crate::tr!(
                    "plan-err-adopt-outside",
                    path = p.display(),
                    data = data.display()
                ),
                crate::tr!(
                    "plan-err-adopt-outside-hint",
                    cmd = "matrixctl import-synapse",
                    flag = "--data-directory"
                ),
            ));
        }
    }
    Ok(())
}

/// homeserver.yaml and its signing key, kept (never written, whatever they hold), and both,
/// with the data directory, given to the service user when they are someone else's (an import
/// run before the user existed leaves them root's).
pub fn keep(c: &Ctx, b: &mut Builder) -> Result<(), PlanError> {
    let Some(ad) = c.adopted else {
        return Ok(());
    };
    let Some(text) = b.existing.read(&ad.config) else {
        return Err(err(
            crate::tr!("err-adopt-no-config", path = ad.config.display()),
            crate::tr!("hint-adopt-import", cmd = "matrixctl import-synapse"),
        ));
    };
    b.steps.push(Step::File(FileStep {
        path: ad.config.clone(),
        content: Content::Data {
            what: ADOPTED,
            text: String::from_utf8_lossy(&text).into_owned(),
        },
        mode: 0o600,
        owner: c.user.clone(),
        change: Change::Keep,
        create_only: true,
        affects: Affects::Homeserver,
    }));
    if !b.existing.exists(&ad.signing_key) {
        return Err(err(
            crate::tr!(
                "plan-err-adopt-key",
                path = ad.signing_key.display(),
                config = ad.config.display()
            ),
            crate::tr!("hint-adopt-import", cmd = "matrixctl import-synapse"),
        ));
    }
    b.steps.push(Step::File(FileStep {
        path: ad.signing_key.clone(),
        content: Content::SigningKey,
        mode: 0o600,
        owner: c.user.clone(),
        change: Change::Keep,
        create_only: true,
        affects: Affects::Homeserver,
    }));
    let user = &c.user.user;
    let owner = format!("{user}:{}", c.user.group);
    let paths: Vec<String> = [&ad.config, &ad.signing_key, &c.l.data_dir]
        .into_iter()
        .map(|p| s(p))
        .collect();
    let quoted: Vec<String> = paths
        .iter()
        .map(|p| Cmd::new(vec![p.clone()]).display())
        .collect();
    b.steps.push(Step::Run {
        title: crate::msg!("step-adopt-owner", user = user.clone()),
        cmd: Cmd::new(vec![
            "sh".into(),
            "-c".into(),
            format!(
                "chown {owner} {} {} && chown -R {owner} {}",
                quoted[0], quoted[1], quoted[2]
            ),
        ]),
        // find prints what is not the user's yet: nothing printed, nothing to do.
        unless: Some(Guard::Outputs(Cmd::new(vec![
            "sh".into(),
            "-c".into(),
            format!(
                "[ -n \"$(find {} {} {} ! -user {user} 2>/dev/null | head -n 1)\" ] || echo owned",
                quoted[0], quoted[1], quoted[2]
            ),
        ]))),
    });
    // Answers that only homeserver.yaml carries: said, not applied.
    let a = c.a;
    let mut ignored = Vec::new();
    if a.smtp_host.is_some() {
        ignored.push("smtp_*");
    }
    if !a.turn_uris.is_empty() || a.install_coturn.yes() {
        ignored.push("turn_uris / install_coturn");
    }
    if a.url_preview.yes() {
        ignored.push("url_preview");
    }
    if !ignored.is_empty() {
        b.notes.push(crate::msg!(
            "plan-note-adopt-ignored",
            keys = ignored.join(", "),
            path = ad.config.display()
        ));
    }
    Ok(())
}

/// The `what` of the kept config's step (the plan shows it in the current language).
pub const ADOPTED: &str = "adopted as it is";
