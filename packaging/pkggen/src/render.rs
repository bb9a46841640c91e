//! The files a package renders from templates/ for its format: the service definition (the
//! same templates/service/*.tera `matrixctl install` renders, with `packaged` set), the
//! packaged homeserver.yaml and log config, the setup script, sysusers and tmpfiles, and the
//! marker `matrixctl install` detects the package by.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use matrixctl::plan::steps::service::ServiceCtx;
use matrixctl::render::{self, TemplateId};
use serde::Serialize;

use crate::manifest::{Manifest, expand, vars};

/// The names a manifest `render =` may use.
pub const NAMES: &[&str] = &[
    "service",
    "homeserver",
    "log_config",
    "setup",
    "sysusers",
    "tmpfiles",
    "package_marker",
];

fn go(id: TemplateId, ctx: &impl Serialize) -> Result<String> {
    render::render(id, ctx).with_context(|| format!("rendering {}", id.0))
}

/// Where the package puts things, for the templates.
#[derive(Serialize)]
struct Paths {
    format: String,
    bin: String,
    matrixctl: String,
    setup: String,
    service_definition: String,
    config_dir: String,
    config: String,
    conf_d: String,
    data_dir: String,
    log_dir: String,
    run_dir: String,
    pid_file: String,
    database: String,
    media_store: String,
    log_config: String,
    signing_key: String,
    user: String,
    group: String,
    nologin: String,
}

fn paths(m: &Manifest, format: &str) -> Result<Paths> {
    let v = vars(m, format)?;
    let x = |s: &str| expand(s, &v);
    let service_definition = crate::manifest::items(m, format)?
        .into_iter()
        .find(|i| i.source == crate::manifest::Source::Render("service".into()))
        .map(|i| i.dest)
        .context("the manifest has no service definition for this format")?;
    Ok(Paths {
        format: format.into(),
        bin: x("{bindir}/matrixd")?,
        matrixctl: x("{bindir}/matrixctl")?,
        setup: x("{libexecdir}/matrixd-setup")?,
        service_definition,
        config_dir: x("{config_dir}")?,
        config: x("{config_dir}/homeserver.yaml")?,
        conf_d: x("{conf_d}")?,
        data_dir: x("{data_dir}")?,
        log_dir: x("{log_dir}")?,
        run_dir: x("{run_dir}")?,
        pid_file: x("{run_dir}/matrixd.pid")?,
        database: x("{data_dir}/homeserver.db")?,
        media_store: x("{data_dir}/media_store")?,
        log_config: x("{config_dir}/log.config")?,
        signing_key: x("{config_dir}/homeserver.signing.key")?,
        user: x("{user}")?,
        group: x("{group}")?,
        nologin: x("{nologin}")?,
    })
}

/// Renders `name` for `format`.
pub fn render(m: &Manifest, format: &str, name: &str) -> Result<String> {
    let p = paths(m, format)?;
    match name {
        "service" => {
            let id = match m.format(format)?.service.as_str() {
                "systemd" => render::SERVICE_SYSTEMD,
                "openrc" => render::SERVICE_OPENRC,
                "freebsd-rc" => render::SERVICE_FREEBSD,
                "openbsd-rc" => render::SERVICE_OPENBSD,
                other => bail!("format {format}: unknown service manager {other:?}"),
            };
            let run_dir_name = p
                .run_dir
                .rsplit('/')
                .next()
                .unwrap_or("matrixd")
                .to_string();
            go(
                id,
                &ServiceCtx {
                    server_name: "",
                    service: "matrixd",
                    user: &p.user,
                    group: &p.group,
                    bin: p.bin.clone(),
                    config: p.config.clone(),
                    data_dir: p.data_dir.clone(),
                    log_dir: p.log_dir.clone(),
                    run_dir: p.run_dir.clone(),
                    run_dir_name,
                    after: None,
                    packaged: true,
                    conf_d: Some(p.conf_d.clone()),
                    setup: Some(p.setup.clone()),
                    acme_dir: None,
                },
            )
        }
        "homeserver" => go(render::PACKAGE_HOMESERVER, &p),
        "log_config" => {
            let mut ctx = BTreeMap::new();
            ctx.insert("server_name", "packaged".to_string());
            ctx.insert("log_file", format!("{}/homeserver.log", p.log_dir));
            go(render::LOG_CONFIG, &ctx)
        }
        "setup" => go(render::PACKAGE_SETUP, &p),
        "sysusers" => go(render::PACKAGE_SYSUSERS, &p),
        "tmpfiles" => go(render::PACKAGE_TMPFILES, &p),
        "package_marker" => go(render::PACKAGE_MARKER, &p),
        other => bail!(
            "unknown render name {other:?} (one of: {})",
            NAMES.join(", ")
        ),
    }
}
