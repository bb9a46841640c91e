//! Step groups 13 and 15: matrixd's service definition (systemd unit, OpenRC or rc.d script),
//! then enabling and starting matrixd, nginx and coturn. Also how each service step is made
//! from the distro's service-manager data, for `start`, `stop`, `status` and `uninstall`.

use std::path::PathBuf;

use serde::Serialize;

use super::{Builder, Ctx, cmd, err, file_name, render_text, s};
use crate::facts::Facts;
use crate::facts::distro::subst;
use crate::plan::layout::Layout;
use crate::plan::model::{Affects, Cmd, Content, Direct, FileStep, ServiceStep, Step};
use crate::plan::steps::PlanError;
use crate::plan::workers::Instance;

/// The context of `templates/service/*.tera`; packaging renders the same templates with
/// `packaged` set (and the package's `conf.d` and setup script).
#[derive(Serialize)]
pub struct ServiceCtx<'a> {
    pub server_name: &'a str,
    pub service: &'a str,
    pub user: &'a str,
    pub group: &'a str,
    pub bin: String,
    pub config: String,
    pub data_dir: String,
    pub log_dir: String,
    pub run_dir: String,
    pub run_dir_name: String,
    pub after: Option<String>,
    /// Rendered for a package (not by `matrixctl install`).
    pub packaged: bool,
    /// The package's config directory, passed to matrixd as a second `--config`.
    pub conf_d: Option<String>,
    /// The package's setup script, named where the service refuses to start unconfigured.
    pub setup: Option<String>,
    /// matrixd obtains its certificate itself (`--tls acme` without nginx): it writes this
    /// directory and binds port 443.
    pub acme_dir: Option<String>,
}

/// matrixd's service definition, from the template of the distro's service manager.
pub fn definition(c: &Ctx, b: &mut Builder) -> Result<(), PlanError> {
    let (d, l) = (c.d, &c.l);
    if let Some(pkg) = &c.facts.packaged {
        b.notes.push(crate::msg!(
            "plan-note-package-service",
            format = pkg.format,
            path = pkg.service_definition.display(),
            conf_d = pkg.conf_d.display()
        ));
        return Ok(());
    }
    if super::workers::count(c) > 1 {
        return super::workers::definitions(c, b);
    }
    let unit_id = match d.service.kind.as_str() {
        "systemd" => crate::render::SERVICE_SYSTEMD,
        "openrc" => crate::render::SERVICE_OPENRC,
        "freebsd-rc" => crate::render::SERVICE_FREEBSD,
        "openbsd-rc" => crate::render::SERVICE_OPENBSD,
        other => {
            return Err(err(
                format!("distros/{}.toml: unknown service kind {other:?}", d.id),
                "use systemd, openrc, freebsd-rc or openbsd-rc",
            ));
        }
    };
    let unit_path = PathBuf::from(
        subst(
            std::slice::from_ref(&d.service.unit_path),
            &[("svc", &l.service)],
        )
        .remove(0),
    );
    let unit_text = render_text(
        unit_id,
        &ServiceCtx {
            server_name: c.a.server_name.as_str(),
            service: &l.service,
            user: &d.user.name,
            group: &d.user.group,
            bin: s(&l.bin),
            config: s(&l.config),
            data_dir: s(&l.data_dir),
            log_dir: s(&l.log_dir),
            run_dir: s(&l.run_dir),
            run_dir_name: file_name(&l.run_dir),
            after: c.postgres.then(|| d.postgresql.service.clone()),
            packaged: false,
            conf_d: None,
            setup: None,
            acme_dir: c.direct_acme.then(|| s(&l.tls_dir)),
        },
    )?;
    let change = b.change_for(&unit_path, unit_text.as_bytes());
    b.steps.push(Step::File(FileStep {
        path: unit_path,
        content: Content::Template {
            id: unit_id.0,
            text: unit_text,
        },
        mode: d.service.unit_mode,
        owner: c.root.clone(),
        change,
        create_only: false,
        affects: Affects::Homeserver,
    }));
    Ok(())
}

/// Enable and start: matrixd (each of its processes in turn with `--workers N`), then nginx
/// and coturn.
pub fn start(c: &Ctx, b: &mut Builder) {
    let d = c.d;
    match super::workers::count(c) {
        1 => b.steps.push(Step::Service(matrixd_service(c.facts))),
        // One after the other, each answering /health before the next (re)starts: a changed
        // config restarts them in turn, so the others keep serving, and on a first start only
        // the first runs the migrations.
        n => {
            for k in 1..=n {
                let i = Instance::of(d, &c.l, k, c.http_port);
                b.steps.push(Step::Service(instance_service(c.facts, &i)));
                b.steps.push(Step::Wait {
                    url: format!("http://127.0.0.1:{}/health", i.port),
                    connect: format!("127.0.0.1:{}", i.port),
                    ca: None,
                });
            }
        }
    }
    if c.nginx {
        b.steps.push(Step::Service(nginx_service(c.facts)));
    }
    if c.coturn {
        let conf = d.coturn.config.clone();
        b.steps.push(Step::Service(service_for(
            c.facts,
            &d.coturn.service,
            Affects::Coturn,
            false,
            Direct::Commands {
                start: cmd(&d.coturn.direct_start, &[("config", &conf)]),
                reload: None,
                pid_file: PathBuf::from("/var/run/turnserver.pid"),
            },
        )));
    }
}

/// A service step from the distro's service-manager data.
pub fn service_for(
    facts: &Facts,
    name: &str,
    on_change_of: Affects,
    reload: bool,
    direct: Direct,
) -> ServiceStep {
    let d = &facts.distro;
    let sub = |argv: &[String]| cmd(argv, &[("svc", name)]);
    ServiceStep {
        name: name.to_string(),
        manager_marker: d.service.running_marker.as_ref().map(PathBuf::from),
        after_unit_change: Vec::new(),
        enable: d.service.enable.iter().map(|c| sub(c)).collect(),
        start: sub(&d.service.start),
        restart: sub(&d.service.restart),
        reload: reload.then(|| sub(&d.service.reload)),
        is_active: sub(&d.service.is_active),
        ready: None,
        test: None,
        on_change_of,
        direct,
    }
}

/// matrixd's service: the unit we write (or the package's), or matrixd spawned directly without
/// a manager, reading what the service would (with a package, its conf.d after the config).
pub fn matrixd_service(facts: &Facts) -> ServiceStep {
    let d = &facts.distro;
    let l = Layout::of(facts);
    let mut argv = vec![s(&l.bin), "--config".into(), s(&l.config)];
    if let Some(pkg) = &facts.packaged {
        argv.extend(["--config".into(), s(&pkg.conf_d)]);
    }
    let mut step = service_for(
        facts,
        &l.service,
        Affects::Homeserver,
        false,
        Direct::Spawn {
            argv,
            user: d.user.name.clone(),
            cwd: l.data_dir.clone(),
            pid_file: l.pid_file.clone(),
            log: l.out_log.clone(),
        },
    );
    step.after_unit_change = d
        .service
        .after_unit_change
        .iter()
        .map(|c| cmd(c, &[("svc", &l.service)]))
        .collect();
    step
}

/// One of matrixd's processes (`--workers N`): its instance of the service, or spawned
/// directly with both configs where no manager runs.
pub fn instance_service(facts: &Facts, i: &Instance) -> ServiceStep {
    let d = &facts.distro;
    let l = Layout::of(facts);
    let mut step = service_for(
        facts,
        &i.service,
        Affects::Homeserver,
        false,
        Direct::Spawn {
            argv: vec![
                s(&l.bin),
                "--config".into(),
                s(&l.config),
                "--config".into(),
                s(&i.config),
            ],
            user: d.user.name.clone(),
            cwd: l.data_dir.clone(),
            pid_file: i.pid_file.clone(),
            log: i.out_log.clone(),
        },
    );
    step.after_unit_change = d
        .service
        .after_unit_change
        .iter()
        .map(|c| cmd(c, &[("svc", &i.service)]))
        .collect();
    step
}

/// The matrixd services installed under `root`: one per process whose config exists
/// (`--workers N`), else the single one (for `start|stop|restart|status` and `uninstall`).
pub fn matrixd_services(facts: &Facts, root: &std::path::Path) -> Vec<ServiceStep> {
    let l = Layout::of(facts);
    let fs = crate::plan::existing::Fs {
        root: root.to_path_buf(),
    };
    let base = facts
        .adopted
        .as_ref()
        .and_then(|a| a.http_port)
        .unwrap_or(super::HTTP_PORT);
    let instances = crate::plan::workers::existing(&facts.distro, &l, base, &fs);
    if instances.is_empty() {
        return vec![matrixd_service(facts)];
    }
    instances
        .iter()
        .map(|i| instance_service(facts, i))
        .collect()
}

/// nginx's service: tested with `nginx -t` before every start or reload.
pub fn nginx_service(facts: &Facts) -> ServiceStep {
    let d = &facts.distro;
    let mut n = service_for(
        facts,
        &d.nginx.service,
        Affects::Nginx,
        true,
        Direct::Commands {
            start: Cmd::new(vec!["nginx".into()]),
            reload: Some(Cmd::new(vec!["nginx".into(), "-s".into(), "reload".into()])),
            pid_file: PathBuf::from(&d.nginx.pid_file),
        },
    );
    n.test = Some(Cmd::new(vec!["nginx".into(), "-t".into(), "-q".into()]));
    n
}
