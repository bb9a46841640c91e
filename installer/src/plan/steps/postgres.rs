//! Step group 3 (`--database postgres`): initialise the cluster where the distro needs it, run
//! PostgreSQL, and create the role and the database (UTF8, C collation) unless they exist.

use std::path::PathBuf;

use super::{Builder, Ctx, cmd, service::service_for};
use crate::plan::model::{Affects, Cmd, Direct, Guard, Step};

/// `sql` run by this machine's PostgreSQL superuser over its socket, answers unaligned.
pub(crate) fn superuser_sql(pg: &crate::facts::distro::Postgresql, sql: String) -> Cmd {
    Cmd::new(vec![
        "psql".into(),
        "-h".into(),
        pg.socket_dir.clone(),
        "-U".into(),
        pg.superuser.clone(),
        "-d".into(),
        "postgres".into(),
        "-tAc".into(),
        sql,
    ])
    .as_user(&pg.os_user)
}

/// `createuser ROLE` as this machine's PostgreSQL superuser.
pub(crate) fn create_role(pg: &crate::facts::distro::Postgresql, role: &str) -> Cmd {
    Cmd::new(vec![
        "createuser".into(),
        "-h".into(),
        pg.socket_dir.clone(),
        "-U".into(),
        pg.superuser.clone(),
        role.into(),
    ])
    .as_user(&pg.os_user)
}

/// `createdb` as Synapse's docs require (UTF8, C collation, from template0), owned by `role`.
pub(crate) fn create_database(pg: &crate::facts::distro::Postgresql, role: &str, db: &str) -> Cmd {
    Cmd::new(vec![
        "createdb".into(),
        "-h".into(),
        pg.socket_dir.clone(),
        "-U".into(),
        pg.superuser.clone(),
        "--encoding=UTF8".into(),
        "--locale=C".into(),
        "--template=template0".into(),
        format!("--owner={role}"),
        db.into(),
    ])
    .as_user(&pg.os_user)
}

pub fn postgres(c: &Ctx, b: &mut Builder) {
    if !c.postgres {
        return;
    }
    let d = c.d;
    let pg = &d.postgresql;
    for init in &pg.init {
        let mut run = Cmd::new(init.argv.clone());
        run.user = init.user.clone();
        b.steps.push(Step::Run {
            title: crate::msg!("plan-pg-init"),
            cmd: run,
            unless: pg
                .init_creates
                .as_ref()
                .map(|p| Guard::Exists(PathBuf::from(p))),
        });
    }
    let mut step = service_for(
        c.facts,
        &pg.service,
        Affects::Nothing,
        false,
        match &d.service.fallback_start {
            Some(f) => Direct::Fallback {
                start: cmd(f, &[("svc", &pg.service)]),
            },
            None => Direct::Unavailable,
        },
    );
    step.ready = Some(Cmd::new(vec![
        "pg_isready".into(),
        "-q".into(),
        "-h".into(),
        pg.socket_dir.clone(),
    ]));
    b.steps.push(Step::Service(step));
    let psql = |sql: String| superuser_sql(pg, sql);
    // An adopted config names its own role and database (import-synapse's local target
    // makes them the same as ours).
    let (role, db) = match c.adopted.map(|ad| &ad.database) {
        Some(matrixd::config::Database::Postgres(p)) => (
            p.user.clone().unwrap_or_else(|| d.user.name.clone()),
            p.dbname.clone().unwrap_or_else(|| "matrixd".into()),
        ),
        _ => (d.user.name.clone(), "matrixd".to_string()),
    };
    let role = &role;
    b.steps.push(Step::Run {
        title: crate::msg!("plan-pg-role", role = role),
        cmd: create_role(pg, role),
        unless: Some(Guard::Outputs(psql(format!(
            "SELECT 1 FROM pg_roles WHERE rolname = '{role}'"
        )))),
    });
    b.steps.push(Step::Run {
        title: crate::msg!(
            "plan-pg-db",
            db = db.clone(),
            encoding = "UTF8",
            collation = "C",
            template = "template0",
            role = role
        ),
        cmd: create_database(pg, role, &db),
        unless: Some(Guard::Outputs(psql(format!(
            "SELECT 1 FROM pg_database WHERE datname = '{db}'"
        )))),
    });
}
