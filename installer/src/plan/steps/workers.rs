//! `--workers N` (N > 1): several matrixd processes serve one server from one PostgreSQL
//! database. `check` refuses what cannot work (SQLite, no nginx to spread clients, a package's
//! single service); `files` (after homeserver.yaml) writes each process's config; `definitions`
//! (in place of the single service definition) the instances' service definitions; `retire`
//! (before the services start) stops and disables what a different N left behind and removes
//! its files, so a re-run with another N converges. Nothing here when N is 1 and no earlier
//! run left instances: the single-process install stays exactly as it was.

use std::path::Path;

use serde::Serialize;

use super::{Builder, Ctx, PlanError, err, file_name, render_text, s};
use crate::answers::Database;
use crate::facts::distro::subst;
use crate::plan::model::{Affects, Cmd, Content, FileStep, RetireStep, Step};
use crate::plan::workers::{self, Instance};

/// The `cp_max` homeserver.yaml gives each process's database pool.
const POOL_MAX: u32 = 10;
/// PostgreSQL's default `max_connections`.
const POSTGRES_DEFAULT_MAX: u32 = 100;

/// How many processes the answers ask for.
pub fn count(c: &Ctx) -> u8 {
    c.a.workers.map(|w| w.0).unwrap_or(1)
}

/// The instances this plan runs (none with one process).
pub fn instances(c: &Ctx) -> Vec<Instance> {
    match count(c) {
        1 => Vec::new(),
        n => (1..=n)
            .map(|k| Instance::of(c.d, &c.l, k, c.http_port))
            .collect(),
    }
}

/// N > 1 needs PostgreSQL (matrixd refuses worker_name with SQLite), nginx (the processes
/// listen on loopback ports; something must spread clients over them) and service definitions
/// of our own (a package's service runs one process).
pub fn check(c: &Ctx) -> Result<(), PlanError> {
    let n = count(c);
    if n == 1 {
        return Ok(());
    }
    if c.a.database != Database::Postgres {
        return Err(err(
            crate::tr!("plan-err-workers-sqlite", n = n),
            crate::tr!(
                "plan-err-workers-sqlite-hint",
                flag = "--database postgres",
                cmd = "matrixctl migrate-db",
                one = "--workers 1"
            ),
        ));
    }
    if !c.nginx {
        return Err(err(
            crate::tr!("plan-err-workers-proxy", n = n),
            crate::tr!(
                "plan-err-workers-proxy-hint",
                flag = "--proxy nginx",
                one = "--workers 1"
            ),
        ));
    }
    if let Some(pkg) = &c.facts.packaged {
        return Err(err(
            crate::tr!(
                "plan-err-workers-package",
                n = n,
                format = pkg.format.clone(),
                path = pkg.service_definition.display()
            ),
            crate::tr!("plan-err-workers-package-hint", one = "--workers 1"),
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct WorkerCtx {
    server_name: String,
    number: u8,
    worker_name: String,
    config: String,
    path: String,
    pid_file: String,
    log_config: String,
    port: u16,
    federation: bool,
}

/// The context of `log.config.tera` (as homeserver.yaml's log config).
#[derive(Serialize)]
struct LogCtx {
    server_name: String,
    log_file: String,
}

/// Each process's config: its worker_name, pid file, log config and loopback listener (the
/// resources of homeserver.yaml's), with the modes and owners of homeserver.yaml and its
/// log.config.
pub fn files(c: &Ctx, b: &mut Builder) -> Result<(), PlanError> {
    let instances = instances(c);
    if instances.is_empty() {
        return Ok(());
    }
    b.dir(&workers::dir(&c.l.config_dir), 0o750, &c.user);
    // Each process opens up to homeserver.yaml's cp_max connections.
    let connections = u32::from(count(c)) * POOL_MAX;
    if connections > POSTGRES_DEFAULT_MAX - 10 {
        b.notes.push(crate::msg!(
            "plan-note-workers-connections",
            n = count(c),
            pool = POOL_MAX,
            total = connections,
            max = POSTGRES_DEFAULT_MAX,
            key = "max_connections"
        ));
    }
    for i in &instances {
        b.template(
            &i.config,
            crate::render::WORKER_YAML,
            &WorkerCtx {
                server_name: c.a.server_name.to_string(),
                number: i.number,
                worker_name: i.worker_name.clone(),
                config: s(&c.l.config),
                path: s(&i.config),
                pid_file: s(&i.pid_file),
                log_config: s(&i.log_config),
                port: i.port,
                federation: c.a.federation.yes(),
            },
            0o600,
            &c.user,
            Affects::Homeserver,
        )?;
        // Its own log file, so a log line says which process wrote it.
        b.template(
            &i.log_config,
            crate::render::LOG_CONFIG,
            &LogCtx {
                server_name: c.a.server_name.to_string(),
                log_file: s(&i.log_file),
            },
            0o644,
            &c.root_group,
            Affects::Homeserver,
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct InstanceCtx<'a> {
    server_name: &'a str,
    service: &'a str,
    instance: String,
    number: u8,
    user: &'a str,
    group: &'a str,
    bin: String,
    config: String,
    worker_config: String,
    workers_dir: String,
    data_dir: String,
    log_dir: String,
    run_dir: String,
    run_dir_name: String,
    log_name: String,
    pid_file: String,
    after: Option<String>,
}

/// The instances' service definitions: one systemd template unit for all, or one script each
/// (OpenRC, the BSDs' rc), from the distro's service kind.
pub fn definitions(c: &Ctx, b: &mut Builder) -> Result<(), PlanError> {
    let (d, l) = (c.d, &c.l);
    let id = match d.service.kind.as_str() {
        "systemd" => crate::render::SERVICE_SYSTEMD_INSTANCE,
        "openrc" => crate::render::SERVICE_OPENRC_INSTANCE,
        "freebsd-rc" => crate::render::SERVICE_FREEBSD_INSTANCE,
        "openbsd-rc" => crate::render::SERVICE_OPENBSD_INSTANCE,
        other => {
            return Err(err(
                format!("distros/{}.toml: unknown service kind {other:?}", d.id),
                "use systemd, openrc, freebsd-rc or openbsd-rc",
            ));
        }
    };
    for i in instances(c) {
        if i.shared_definition && i.number > 1 {
            continue;
        }
        let text = render_text(
            id,
            &InstanceCtx {
                server_name: c.a.server_name.as_str(),
                service: &l.service,
                instance: i.service.clone(),
                number: i.number,
                user: &d.user.name,
                group: &d.user.group,
                bin: s(&l.bin),
                config: s(&l.config),
                worker_config: s(&i.config),
                workers_dir: s(&workers::dir(&l.config_dir)),
                data_dir: s(&l.data_dir),
                log_dir: s(&l.log_dir),
                run_dir: s(&l.run_dir),
                run_dir_name: file_name(&l.run_dir),
                log_name: file_name(&i.out_log),
                pid_file: s(&i.pid_file),
                after: c.postgres.then(|| d.postgresql.service.clone()),
            },
        )?;
        let change = b.change_for(&i.definition, text.as_bytes());
        b.steps.push(Step::File(FileStep {
            path: i.definition.clone(),
            content: Content::Template { id: id.0, text },
            mode: d.service.unit_mode,
            owner: c.root.clone(),
            change,
            create_only: false,
            affects: Affects::Homeserver,
        }));
    }
    Ok(())
}

fn retire_step(c: &Ctx, service: crate::plan::model::ServiceStep) -> Step {
    let sub = |argv: &[String]| Cmd::new(subst(argv, &[("svc", &service.name)]));
    Step::Retire(RetireStep {
        stop: sub(&c.d.service.stop),
        disable: c.d.service.disable.iter().map(|a| sub(a)).collect(),
        service,
    })
}

fn remove(b: &mut Builder, path: &Path) {
    if b.existing.exists(path) {
        b.steps.push(Step::Remove {
            path: path.to_path_buf(),
            tree: false,
            quiet: false,
        });
    }
}

/// What an earlier run with another N left: the single service when several processes now
/// serve (its definition removed), the processes beyond N (their configs and own scripts
/// removed), and with one process the shared template unit. Stopped before the services start,
/// so a port changes hands only after its old process is gone.
pub fn retire(c: &Ctx, b: &mut Builder) {
    if c.facts.packaged.is_some() {
        return;
    }
    let n = count(c);
    let (d, l) = (c.d, &c.l);
    if n > 1 {
        let single = std::path::PathBuf::from(
            subst(
                std::slice::from_ref(&d.service.unit_path),
                &[("svc", &l.service)],
            )
            .remove(0),
        );
        if b.existing.exists(&single) {
            b.steps
                .push(retire_step(c, super::service::matrixd_service(c.facts)));
            remove(b, &single);
        }
    }
    let keep = if n > 1 { n } else { 0 };
    let mut shared = None;
    for k in (keep + 1)..=crate::answers::Workers::MAX {
        let i = Instance::of(d, l, k, c.http_port);
        if i.shared_definition {
            shared = Some(i.definition.clone());
        }
        let own_definition = !i.shared_definition && b.existing.exists(&i.definition);
        if !b.existing.exists(&i.config) && !b.existing.exists(&i.log_config) && !own_definition {
            continue;
        }
        b.steps.push(retire_step(
            c,
            super::service::instance_service(c.facts, &i),
        ));
        remove(b, &i.config);
        remove(b, &i.log_config);
        if !i.shared_definition {
            remove(b, &i.definition);
        }
    }
    if n == 1
        && let Some(unit) = shared
    {
        remove(b, &unit);
    }
}
