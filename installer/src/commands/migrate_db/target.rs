//! Where a PostgreSQL target comes from, for `migrate-db` and `import-synapse` alike: another
//! server named by `--pg-host`, `--pg-port` or `--pg-password-file` (used as it is), or, as
//! root on a known OS family, this machine's PostgreSQL over its socket, whose role and
//! database (`--pg-user` / `--pg-database`, else the service user and `matrixd`) are created
//! as its superuser, UTF8 with C collation, unless they exist.

use std::path::Path;

use matrixd::config::PostgresArgs;

use super::PgFlags;
use crate::error::CliError;
use crate::exec::system;
use crate::facts::Facts;
use crate::plan::steps::postgres;
use crate::tr;
use crate::ui::Printer;

/// Where the target comes from.
pub(crate) enum Dest {
    /// From the `--pg-*` flags.
    Flags(PostgresArgs),
    /// This machine's PostgreSQL, role and database created as its superuser (root only).
    Local(PostgresArgs),
}

impl Dest {
    pub(crate) fn args(&self) -> &PostgresArgs {
        match self {
            Dest::Flags(a) | Dest::Local(a) => a,
        }
    }
}

impl PgFlags {
    /// The flags name another server (or a password): nothing is created there.
    fn remote(&self) -> bool {
        self.pg_host.is_some() || self.pg_port.is_some() || self.pg_password_file.is_some()
    }
}

/// The target: another server when the flags name one; else, as root with this machine's OS
/// family known (`local`), this machine's PostgreSQL; else what the flags say, if anything.
pub(crate) fn choose(
    pg: &PgFlags,
    local: Option<&Facts>,
    base: PostgresArgs,
) -> Result<Option<Dest>, CliError> {
    if pg.remote() {
        return Ok(Some(Dest::Flags(pg.postgres_args(base)?)));
    }
    match local {
        Some(f) if nix::unistd::geteuid().is_root() => Ok(Some(Dest::Local(PostgresArgs {
            user: Some(
                pg.pg_user
                    .clone()
                    .unwrap_or_else(|| f.distro.user.name.clone()),
            ),
            dbname: Some(pg.pg_database.clone().unwrap_or_else(|| "matrixd".into())),
            host: Some(f.distro.postgresql.socket_dir.clone()),
            ..base
        }))),
        _ if pg.given() => Ok(Some(Dest::Flags(pg.postgres_args(base)?))),
        _ => Ok(None),
    }
}

/// The plan's line for a local target (what `create` will make).
pub(crate) fn plan_line(dest: &Dest) -> Option<String> {
    match dest {
        Dest::Local(a) => Some(tr!(
            "migrate-plan-create",
            role = a.user.as_deref().unwrap_or(""),
            db = a.dbname.as_deref().unwrap_or("")
        )),
        Dest::Flags(_) => None,
    }
}

/// Creates the role and the database (UTF8, C collation) of a local target on this machine's
/// PostgreSQL as its superuser, unless they exist; nothing for a target from the flags.
pub(crate) fn create(dest: &Dest, f: &Facts, printer: &Printer) -> Result<(), CliError> {
    let Dest::Local(a) = dest else {
        return Ok(());
    };
    let pg = &f.distro.postgresql;
    let role = a.user.clone().unwrap_or_default();
    let db = a.dbname.clone().unwrap_or_default();
    let psql = |sql: String| postgres::superuser_sql(pg, sql);
    let fail = |e: String| CliError::failure(tr!("err-migrate-create-db", db = &db)).cause(e);
    let exists = |sql: String| system::run_ok(&psql(sql)).map(|o| o.stdout.trim() == "1");
    let quoted = |s: &str| s.replace('\'', "''");
    if !exists(format!(
        "SELECT 1 FROM pg_roles WHERE rolname = '{}'",
        quoted(&role)
    ))
    .map_err(fail)?
    {
        printer.status("Creating", tr!("migrate-creating-role", role = &role));
        system::run_ok(&postgres::create_role(pg, &role)).map_err(fail)?;
    }
    if !exists(format!(
        "SELECT 1 FROM pg_database WHERE datname = '{}'",
        quoted(&db)
    ))
    .map_err(fail)?
    {
        printer.status("Creating", tr!("migrate-creating-db", db = &db));
        system::run_ok(&postgres::create_database(pg, &role, &db)).map_err(fail)?;
    }
    Ok(())
}

/// This machine's OS family, for a local target (`None`: unknown, so no local target).
pub(crate) fn local_facts(distro: Option<&str>) -> Option<Facts> {
    crate::facts::detect(Path::new("/"), distro).ok()
}
