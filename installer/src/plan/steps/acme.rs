//! `--tls acme` behind nginx: what obtaining and renewing a certificate from an ACME CA needs.
//! `files` (step group 7b) writes the account directory, the challenge directory nginx serves,
//! `renew.toml` (everything `matrixctl renew-certs` needs; a re-run keeps what the operator
//! added to it) and the renewal schedule (a systemd timer or a daily script, from the distro
//! data); `obtain` (after the services start, so nginx answers the HTTP-01 challenges) gets
//! the certificate now when it is due and reloads nginx. Without nginx matrixd obtains and
//! renews its certificate itself (the `acme` section `steps::config` writes), so none of this
//! is planned.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::tls::TlsFiles;
use super::{Builder, Ctx, s};
use crate::answers::{Tls, YesNo};
use crate::plan::model::{Acme, Affects, Step};
use crate::plan::steps::PlanError;
use crate::plan::steps::service::nginx_service;

/// Where HTTP-01 responses go on this host: under the nginx webroot.
pub fn challenge_dir(c: &Ctx) -> PathBuf {
    Path::new(&c.d.nginx.webroot).join(".well-known/acme-challenge")
}

/// The ACME directory answered (or Let's Encrypt's, staging or production).
pub fn directory(a: &crate::answers::Answers) -> String {
    match (&a.acme_directory, a.acme_staging) {
        (Some(d), _) => d.to_string(),
        (None, Some(YesNo::Yes)) => crate::answers::LETS_ENCRYPT_STAGING.to_string(),
        (None, _) => crate::answers::LETS_ENCRYPT.to_string(),
    }
}

fn settings(c: &Ctx, tls: &TlsFiles) -> Option<Acme> {
    let a = c.a;
    if a.tls != Tls::Acme || !c.nginx {
        return None;
    }
    Some(Acme {
        directory: directory(a),
        email: a.acme_email.as_ref().map(|e| e.to_string()),
        names: c.host_names(),
        cert: tls.cert.clone(),
        key: tls.key.clone(),
        key_owner: c.root.clone(),
        account_dir: c.l.acme_dir.clone(),
        challenge_dir: challenge_dir(c),
        directory_ca: a.acme_directory_ca.as_ref().map(|p| p.to_path_buf()),
        deploy_hook: Vec::new(),
    })
}

#[derive(Serialize)]
struct RenewCtx<'a> {
    acme: &'a Acme,
    renew_days: i64,
}

#[derive(Serialize)]
struct ScheduleCtx {
    server_name: String,
    matrixctl: String,
    renew_config: String,
    renew_days: i64,
}

pub fn files(c: &Ctx, b: &mut Builder, tls: &TlsFiles) -> Result<(), PlanError> {
    let Some(mut acme) = settings(c, tls) else {
        return Ok(());
    };
    let l = &c.l;
    acme.deploy_hook = kept_deploy_hook(b, &l.renew_config);
    b.dir(&l.acme_dir, 0o700, &c.root);
    b.dir(&acme.challenge_dir, 0o755, &c.root);
    b.template(
        &l.renew_config,
        crate::render::ACME_RENEW,
        &RenewCtx {
            acme: &acme,
            renew_days: crate::plan::tls::RENEW_DAYS,
        },
        0o600,
        &c.root,
        Affects::Nothing,
    )?;
    matrixctl_binary(c, b);
    let ctx = ScheduleCtx {
        server_name: c.a.server_name.to_string(),
        matrixctl: s(&l.matrixctl),
        renew_config: s(&l.renew_config),
        renew_days: crate::plan::tls::RENEW_DAYS,
    };
    let r = &c.d.renewal;
    match r.kind.as_str() {
        "systemd-timer" => {
            if let (Some(service), Some(timer)) = (&r.service, &r.timer) {
                b.template(
                    Path::new(service),
                    crate::render::ACME_SERVICE,
                    &ctx,
                    0o644,
                    &c.root,
                    Affects::Nothing,
                )?;
                b.template(
                    Path::new(timer),
                    crate::render::ACME_TIMER,
                    &ctx,
                    0o644,
                    &c.root,
                    Affects::Nothing,
                )?;
            }
        }
        "periodic" => {
            if let Some(script) = &r.script {
                b.template(
                    Path::new(script),
                    crate::render::ACME_PERIODIC,
                    &ctx,
                    0o755,
                    &c.root,
                    Affects::Nothing,
                )?;
            }
        }
        _ => b.notes.push(crate::msg!(
            "plan-note-renew-crontab",
            line = format!(
                "17 3,15 * * * {} renew-certs --quiet --config {}",
                s(&l.matrixctl),
                s(&l.renew_config)
            )
        )),
    }
    Ok(())
}

/// The `deploy_hook` of an earlier `renew.toml`: the one key the operator sets (every other
/// follows the answers), so a re-run keeps it.
fn kept_deploy_hook(b: &Builder, renew_config: &Path) -> Vec<Vec<String>> {
    b.existing
        .read(renew_config)
        .and_then(|text| toml::from_str::<toml::Table>(&String::from_utf8_lossy(&text)).ok())
        .and_then(|t| t.get("deploy_hook")?.clone().try_into().ok())
        .unwrap_or_default()
}

/// The renewal and backup schedules run matrixctl beside matrixd: copy this one there (unless
/// a package provides it, or an earlier group already planned the copy).
pub fn matrixctl_binary(c: &Ctx, b: &mut Builder) {
    use crate::plan::model::{Change, Content, FileStep};
    if c.facts.packaged.is_some() {
        return;
    }
    let Some(src) = &c.facts.matrixctl_source else {
        return;
    };
    let dst = &c.l.matrixctl;
    let planned = b
        .steps
        .iter()
        .any(|s| matches!(s, Step::File(f) if &f.path == dst));
    if src == dst || planned {
        return;
    }
    let change = if b.existing.same_as(src, dst) {
        Change::Unchanged
    } else if b.existing.exists(dst) {
        Change::Update
    } else {
        Change::Create
    };
    b.steps.push(Step::File(FileStep {
        path: dst.clone(),
        content: Content::Copy(src.clone()),
        mode: 0o755,
        owner: c.root.clone(),
        change,
        create_only: false,
        affects: Affects::Nothing,
    }));
}

/// After the services start: the certificate now (when due), and the timer enabled.
pub fn obtain(c: &Ctx, b: &mut Builder, tls: &TlsFiles) {
    let Some(acme) = settings(c, tls) else {
        return;
    };
    b.steps.push(Step::Acme {
        acme: Box::new(acme),
        reload: Box::new(nginx_service(c.facts)),
    });
    let r = &c.d.renewal;
    if r.kind == "systemd-timer" {
        let timer = super::timer_name(r);
        super::enable_timer(
            c,
            b,
            r,
            crate::msg!("step-renew-timer", timer = timer.clone()),
            crate::msg!("step-renew-timer-start", timer = timer),
        );
    }
}
