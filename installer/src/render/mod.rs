//! Every file matrixctl generates comes from a tera template under `templates/`, embedded in
//! the binary and addressed by a `TemplateId`. Owns the template set and its filters; callers
//! pass a typed, serializable context.

use serde::Serialize;

pub mod homeserver;

/// A template, by its path under `templates/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateId(pub &'static str);

pub const HOMESERVER_YAML: TemplateId = TemplateId("homeserver.yaml.tera");
pub const HOMESERVER_MISSING_SECRETS: TemplateId =
    TemplateId("homeserver-missing-secrets.yaml.tera");
pub const LOG_CONFIG: TemplateId = TemplateId("log.config.tera");
pub const NGINX_SITE: TemplateId = TemplateId("nginx/site.conf.tera");
pub const WELL_KNOWN_SERVER: TemplateId = TemplateId("well-known/server.json.tera");
pub const WELL_KNOWN_CLIENT: TemplateId = TemplateId("well-known/client.json.tera");
pub const SERVICE_SYSTEMD: TemplateId = TemplateId("service/systemd.service.tera");
pub const SERVICE_OPENRC: TemplateId = TemplateId("service/openrc.tera");
pub const SERVICE_FREEBSD: TemplateId = TemplateId("service/freebsd-rc.tera");
pub const SERVICE_OPENBSD: TemplateId = TemplateId("service/openbsd-rc.tera");
/// `install --workers N`: each process's config, and the service definitions of the instances.
pub const WORKER_YAML: TemplateId = TemplateId("workers/worker.yaml.tera");
pub const SERVICE_SYSTEMD_INSTANCE: TemplateId =
    TemplateId("service/systemd-instance.service.tera");
pub const SERVICE_OPENRC_INSTANCE: TemplateId = TemplateId("service/openrc-instance.tera");
pub const SERVICE_FREEBSD_INSTANCE: TemplateId = TemplateId("service/freebsd-rc-instance.tera");
pub const SERVICE_OPENBSD_INSTANCE: TemplateId = TemplateId("service/openbsd-rc-instance.tera");
pub const COTURN_CONF: TemplateId = TemplateId("coturn/turnserver.conf.tera");
pub const ACME_RENEW: TemplateId = TemplateId("acme/renew.toml.tera");
pub const ACME_SERVICE: TemplateId = TemplateId("acme/renew-certs.service.tera");
pub const ACME_TIMER: TemplateId = TemplateId("acme/renew-certs.timer.tera");
pub const ACME_PERIODIC: TemplateId = TemplateId("acme/renew-certs-periodic.sh.tera");
pub const BACKUP_SERVICE: TemplateId = TemplateId("backup/backup.service.tera");
pub const BACKUP_TIMER: TemplateId = TemplateId("backup/backup.timer.tera");
pub const BACKUP_PERIODIC: TemplateId = TemplateId("backup/backup-periodic.sh.tera");
pub const BACKUP_DAILY_LOCAL: TemplateId = TemplateId("backup/daily.local.tera");
/// What packaging/pkggen renders for the packages (packaging/manifest.toml), not `install`.
pub const PACKAGE_HOMESERVER: TemplateId = TemplateId("package/homeserver.yaml.tera");
pub const PACKAGE_SETUP: TemplateId = TemplateId("package/setup.sh.tera");
pub const PACKAGE_SYSUSERS: TemplateId = TemplateId("package/sysusers.conf.tera");
pub const PACKAGE_TMPFILES: TemplateId = TemplateId("package/tmpfiles.conf.tera");
pub const PACKAGE_MARKER: TemplateId = TemplateId("package/package.toml.tera");

/// Every embedded template: (id, source).
pub const TEMPLATES: &[(TemplateId, &str)] = &[
    (
        HOMESERVER_YAML,
        include_str!("../../../templates/homeserver.yaml.tera"),
    ),
    (
        HOMESERVER_MISSING_SECRETS,
        include_str!("../../../templates/homeserver-missing-secrets.yaml.tera"),
    ),
    (
        LOG_CONFIG,
        include_str!("../../../templates/log.config.tera"),
    ),
    (
        NGINX_SITE,
        include_str!("../../../templates/nginx/site.conf.tera"),
    ),
    (
        WELL_KNOWN_SERVER,
        include_str!("../../../templates/well-known/server.json.tera"),
    ),
    (
        WELL_KNOWN_CLIENT,
        include_str!("../../../templates/well-known/client.json.tera"),
    ),
    (
        SERVICE_SYSTEMD,
        include_str!("../../../templates/service/systemd.service.tera"),
    ),
    (
        SERVICE_OPENRC,
        include_str!("../../../templates/service/openrc.tera"),
    ),
    (
        SERVICE_FREEBSD,
        include_str!("../../../templates/service/freebsd-rc.tera"),
    ),
    (
        SERVICE_OPENBSD,
        include_str!("../../../templates/service/openbsd-rc.tera"),
    ),
    (
        WORKER_YAML,
        include_str!("../../../templates/workers/worker.yaml.tera"),
    ),
    (
        SERVICE_SYSTEMD_INSTANCE,
        include_str!("../../../templates/service/systemd-instance.service.tera"),
    ),
    (
        SERVICE_OPENRC_INSTANCE,
        include_str!("../../../templates/service/openrc-instance.tera"),
    ),
    (
        SERVICE_FREEBSD_INSTANCE,
        include_str!("../../../templates/service/freebsd-rc-instance.tera"),
    ),
    (
        SERVICE_OPENBSD_INSTANCE,
        include_str!("../../../templates/service/openbsd-rc-instance.tera"),
    ),
    (
        COTURN_CONF,
        include_str!("../../../templates/coturn/turnserver.conf.tera"),
    ),
    (
        ACME_RENEW,
        include_str!("../../../templates/acme/renew.toml.tera"),
    ),
    (
        ACME_SERVICE,
        include_str!("../../../templates/acme/renew-certs.service.tera"),
    ),
    (
        ACME_TIMER,
        include_str!("../../../templates/acme/renew-certs.timer.tera"),
    ),
    (
        ACME_PERIODIC,
        include_str!("../../../templates/acme/renew-certs-periodic.sh.tera"),
    ),
    (
        BACKUP_SERVICE,
        include_str!("../../../templates/backup/backup.service.tera"),
    ),
    (
        BACKUP_TIMER,
        include_str!("../../../templates/backup/backup.timer.tera"),
    ),
    (
        BACKUP_PERIODIC,
        include_str!("../../../templates/backup/backup-periodic.sh.tera"),
    ),
    (
        BACKUP_DAILY_LOCAL,
        include_str!("../../../templates/backup/daily.local.tera"),
    ),
    (
        PACKAGE_HOMESERVER,
        include_str!("../../../templates/package/homeserver.yaml.tera"),
    ),
    (
        PACKAGE_SETUP,
        include_str!("../../../templates/package/setup.sh.tera"),
    ),
    (
        PACKAGE_SYSUSERS,
        include_str!("../../../templates/package/sysusers.conf.tera"),
    ),
    (
        PACKAGE_TMPFILES,
        include_str!("../../../templates/package/tmpfiles.conf.tera"),
    ),
    (
        PACKAGE_MARKER,
        include_str!("../../../templates/package/package.toml.tera"),
    ),
];

/// Quotes a string as a YAML double-quoted scalar, so secrets and paths are always strings.
pub fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn engine() -> tera::Tera {
    let mut t = tera::Tera::new();
    t.register_filter("yaml_str", |s: &str, _: tera::Kwargs, _: &tera::State| {
        yaml_quote(s)
    });
    t.add_raw_templates(TEMPLATES.iter().map(|(id, src)| (id.0, *src)))
        .expect("embedded templates parse (checked by a test)");
    t
}

#[derive(Debug, thiserror::Error)]
#[error("cannot render {template}: {source}")]
pub struct RenderError {
    template: &'static str,
    source: tera::Error,
}

/// Renders `id` with `ctx` (any serializable struct).
pub fn render(id: TemplateId, ctx: &impl Serialize) -> Result<String, RenderError> {
    let context = tera::Context::from_serialize(ctx).map_err(|source| RenderError {
        template: id.0,
        source,
    })?;
    engine()
        .render(id.0, &context)
        .map_err(|source| RenderError {
            template: id.0,
            source,
        })
}
