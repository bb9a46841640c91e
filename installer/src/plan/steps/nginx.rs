//! Step group 11 (`--proxy nginx`): the nginx site (TLS, federation port, .well-known,
//! proxying /_matrix to matrixd) and whatever makes nginx read it (a sites-enabled link, or an
//! include line in nginx.conf).

use std::path::PathBuf;

use serde::Serialize;

use super::tls::TlsFiles;
use super::{Builder, Ctx, s};
use crate::answers::Tls;
use crate::plan::model::{Affects, Change, Step};
use crate::plan::steps::PlanError;

/// The nginx upstream over matrixd's processes (`--workers N`).
pub const UPSTREAM: &str = "matrixd_workers";

#[derive(Serialize)]
struct NginxCtx {
    server_name: String,
    upstream_name: &'static str,
    server_names: Vec<String>,
    tls: bool,
    cert: String,
    key: String,
    ipv6: bool,
    listen_http2: &'static str,
    http2_directive: bool,
    federation_port: bool,
    upstream: String,
    /// `--workers N`: the processes' addresses, balanced by access token (empty: one process).
    upstream_servers: Vec<String>,
    well_known: bool,
    /// Serve /.well-known/acme-challenge/ on port 80 from the webroot (`--tls acme`).
    acme: bool,
    webroot: String,
}

pub fn nginx(c: &Ctx, b: &mut Builder, tls: &TlsFiles) -> Result<(), PlanError> {
    let (a, d) = (c.a, c.d);
    let http2_directive = match c.facts.nginx_version {
        Some(v) => v >= (1, 25, 1),
        None => d.nginx.http2 == "directive",
    };
    let site = PathBuf::from(&d.nginx.site);
    let workers = super::workers::instances(c);
    b.template(
        &site,
        crate::render::NGINX_SITE,
        &NginxCtx {
            server_name: a.server_name.to_string(),
            upstream_name: UPSTREAM,
            server_names: c.host_names(),
            tls: c.uses_tls,
            cert: s(&tls.cert),
            key: s(&tls.key),
            ipv6: c.facts.ipv6,
            listen_http2: if http2_directive { "" } else { " http2" },
            http2_directive,
            federation_port: a.federation.yes() && a.tls != Tls::Direct,
            upstream: if workers.is_empty() {
                format!("http://127.0.0.1:{}", c.http_port)
            } else {
                format!("http://{UPSTREAM}")
            },
            upstream_servers: workers
                .iter()
                .map(|i| format!("127.0.0.1:{}", i.port))
                .collect(),
            well_known: a.well_known.yes(),
            acme: a.tls == Tls::Acme,
            webroot: d
                .nginx
                .webroot_in_chroot
                .clone()
                .unwrap_or_else(|| d.nginx.webroot.clone()),
        },
        0o644,
        &c.root,
        Affects::Nginx,
    )?;
    if let Some(link) = &d.nginx.enable_link {
        let link = PathBuf::from(link);
        let change = match b.existing.link_target(&link) {
            Some(t) if t == site => Change::Unchanged,
            Some(_) => Change::Update,
            None if b.existing.exists(&link) => Change::Update,
            None => Change::Create,
        };
        b.steps.push(Step::Symlink {
            link,
            target: site.clone(),
            change,
        });
    }
    if let Some(inc) = &d.nginx.include {
        let file = PathBuf::from(&inc.file);
        let has = b.existing.read(&file).is_some_and(|t| {
            String::from_utf8_lossy(&t)
                .lines()
                .any(|l| l.trim() == inc.line)
        });
        b.steps.push(Step::Include {
            file,
            line: inc.line.clone(),
            change: if has {
                Change::Unchanged
            } else {
                Change::Update
            },
        });
    }
    Ok(())
}
