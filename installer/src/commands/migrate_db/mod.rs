//! `matrixctl migrate-db`: moves an installed server from SQLite to PostgreSQL. The copy itself
//! (schema, batches, resume, checksums) is the server store's (`matrixd::store::copy`); this
//! module finds the config as `doctor` does, refuses while matrixd runs, creates the role and
//! database on this machine's PostgreSQL when run as root, draws a progress bar per table, and
//! only after verification rewrites the `database` section of homeserver.yaml (the old file
//! kept beside it) and starts the installed service again.

pub(crate) mod target;
mod yaml;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use matrixd::config::{Config, Database, PostgresArgs, Secret};
use matrixd::store::copy::{self, CopyError, Source, Table, Target, TargetState};

use crate::error::{CliError, ExitStatus};
use crate::exec::service;
use crate::facts::{self, Facts};
use crate::plan::{Layout, matrixd_service};
use crate::tr;
use crate::ui::Printer;
use target::Dest;

#[derive(Args, Debug, Default)]
pub struct MigrateDbArgs {
    /// The homeserver.yaml of the server to migrate [default: the installed one].
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub pg: PgFlags,
    /// Report sizes and the plan, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Use this OS family's data instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub distro: Option<String>,
    /// Rows per batch (and per transaction).
    #[arg(long, hide = true, value_name = "N", default_value_t = copy::BATCH_ROWS)]
    pub batch_rows: usize,
}

/// The `--pg-*` flags naming a PostgreSQL target (migrate-db, import-synapse).
#[derive(Args, Debug, Default)]
pub struct PgFlags {
    /// PostgreSQL host name, address or Unix socket directory [default: the socket].
    #[arg(long, value_name = "HOST")]
    pub pg_host: Option<String>,
    /// PostgreSQL port [default: 5432].
    #[arg(long, value_name = "PORT")]
    pub pg_port: Option<u16>,
    /// PostgreSQL role [default: matrixd].
    #[arg(long, value_name = "USER")]
    pub pg_user: Option<String>,
    /// PostgreSQL database, empty, UTF8 with C collation [default: matrixd].
    #[arg(long, value_name = "NAME")]
    pub pg_database: Option<String>,
    /// File holding the role's password (its first line).
    #[arg(long, value_name = "FILE")]
    pub pg_password_file: Option<PathBuf>,
}

impl PgFlags {
    pub(crate) fn given(&self) -> bool {
        self.pg_host.is_some()
            || self.pg_port.is_some()
            || self.pg_user.is_some()
            || self.pg_database.is_some()
            || self.pg_password_file.is_some()
    }

    /// `base` with the flags' target (role and database `matrixd` unless given); the password
    /// is the first line of --pg-password-file, which must not be empty.
    pub fn postgres_args(&self, base: PostgresArgs) -> Result<PostgresArgs, CliError> {
        let password = match &self.pg_password_file {
            Some(f) => {
                let text = std::fs::read_to_string(f).map_err(|e| {
                    CliError::failure(tr!("err-migrate-password-file", path = f.display())).cause(e)
                })?;
                let line = text.lines().next().unwrap_or("").to_string();
                if line.is_empty() {
                    return Err(CliError::failure(tr!(
                        "err-migrate-password-empty",
                        path = f.display()
                    )));
                }
                Some(Secret(line))
            }
            None => None,
        };
        Ok(PostgresArgs {
            user: Some(self.pg_user.clone().unwrap_or_else(|| "matrixd".into())),
            password,
            dbname: Some(self.pg_database.clone().unwrap_or_else(|| "matrixd".into())),
            host: self.pg_host.clone(),
            port: self.pg_port,
            ..base
        })
    }
}

fn describe(a: &PostgresArgs) -> String {
    format!(
        "{}@{}:{}/{}",
        a.user.as_deref().unwrap_or("-"),
        a.host.as_deref().unwrap_or("(socket)"),
        a.port.unwrap_or(5432),
        a.dbname.as_deref().unwrap_or("-")
    )
}

fn store_error(what: String) -> impl FnOnce(CopyError) -> CliError {
    move |e| {
        let hint = match &e {
            CopyError::ForeignTables(_) | CopyError::NotEmpty(_) => {
                Some(tr!("hint-migrate-empty-db", flag = "--pg-database"))
            }
            CopyError::OtherSource { .. } => {
                Some(tr!("hint-migrate-other-source", flag = "--pg-database"))
            }
            CopyError::Schema(_) => Some(tr!("hint-migrate-versions")),
            _ => None,
        };
        let err = CliError::failure(what).cause(e);
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(tr!("err-runtime")).cause(e))
}

pub fn run(args: MigrateDbArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let facts = facts::detect(Path::new("/"), args.distro.as_deref()).ok();
    let layout = facts.as_ref().map(Layout::of);
    let config_path = match (&args.config, &layout) {
        (Some(c), _) => c.clone(),
        (None, Some(l)) => l.config.clone(),
        (None, None) => {
            return Err(CliError::usage(tr!("err-migrate-no-config"))
                .hint(tr!("hint-migrate-pass-config", flag = "-c")));
        }
    };
    if !config_path.exists() {
        return Err(
            CliError::failure(tr!("err-not-installed", path = config_path.display()))
                .hint(tr!("hint-migrate-pass-config", flag = "-c")),
        );
    }
    // The installed service, when this is the installed server's config.
    let installed = match (&facts, &layout) {
        (Some(f), Some(l)) if same_file(&l.config, &config_path) => Some(f),
        _ => None,
    };
    // A packaged service merges the package's conf.d after homeserver.yaml.
    let mut config_args = vec![config_path.clone()];
    if let Some(p) = installed.and_then(|f| f.packaged.as_ref())
        && p.conf_d.is_dir()
    {
        config_args.push(p.conf_d.clone());
    }
    let (config, problems) = matrixd::config::load_files(&config_args);
    let Some(config) = config else {
        let mut err = CliError::failure(tr!(
            "err-migrate-config-invalid",
            path = config_path.display()
        ));
        for p in problems.errors() {
            err = err.cause(crate::i18n::problems::problem(p));
        }
        return Err(err.hint(tr!(
            "hint-migrate-doctor",
            cmd = format!("matrixctl doctor -c {}", config_path.display())
        )));
    };
    let sqlite = match &config.database {
        Database::Postgres(a) => {
            printer.status(
                "Unchanged",
                tr!(
                    "migrate-nothing-to-do",
                    path = config_path.display(),
                    db = describe(a)
                ),
            );
            return Ok(ExitStatus::Success);
        }
        Database::Sqlite { path } if path.as_os_str() == ":memory:" => {
            return Err(CliError::failure(tr!(
                "err-migrate-memory",
                value = ":memory:"
            )));
        }
        Database::Sqlite { path } => path.clone(),
    };
    if !sqlite.is_file() {
        return Err(CliError::failure(tr!(
            "err-migrate-no-sqlite",
            path = sqlite.display()
        )));
    }
    let target = target_args(&args, installed)?;
    refuse_if_running(&config, installed, printer)?;

    let rt = runtime()?;
    // As root, the SQLite file and the connections are its owner's (the service user's): a WAL
    // file root created would lock the server out, and PostgreSQL's peer authentication knows
    // the role by the connecting user.
    let owner = Owner::of(&sqlite);

    let known = copy::known_sqlite_migrations();
    let (applied, tables, size, server_name) = {
        let _as = owner.assume()?;
        let src = Source::open(&sqlite).map_err(store_error(tr!(
            "err-migrate-open-sqlite",
            path = sqlite.display()
        )))?;
        let applied = src.applied_migrations().map_err(store_error(tr!(
            "err-migrate-open-sqlite",
            path = sqlite.display()
        )))?;
        let tables = src.tables().map_err(store_error(tr!(
            "err-migrate-open-sqlite",
            path = sqlite.display()
        )))?;
        let size = src.size_bytes().unwrap_or(0);
        let name = src.server_name().ok().flatten();
        (applied, tables, size, name)
    };
    if let Some(v) = applied.iter().find(|v| !known.contains(v)) {
        return Err(
            CliError::failure(tr!("err-migrate-newer-db", path = sqlite.display()))
                .cause(tr!("migrate-migration", version = v))
                .hint(tr!("hint-migrate-versions")),
        );
    }
    let pending = known.len().saturating_sub(applied.len());
    let server_name = server_name.unwrap_or_else(|| config.server_name.clone());
    let rows: u64 = tables.iter().map(|t| t.rows).sum();

    let write_to = config_file_with_database(&config_args);
    show_plan(
        printer,
        &PlanView {
            sqlite: &sqlite,
            size,
            tables: &tables,
            rows,
            pending,
            target: &target,
            config: &write_to,
            restart: installed.is_some(),
        },
        args.dry_run,
    );
    if args.dry_run {
        return Ok(ExitStatus::Success);
    }
    if !args.yes
        && !super::confirmed(
            printer,
            &tr!("migrate-question"),
            tr!("err-migrate-unconfirmed"),
            tr!("install-cancelled"),
        )?
    {
        return Ok(ExitStatus::Failure);
    }

    if let Some(f) = installed {
        target::create(&target, f, printer)?;
    }

    if pending > 0 {
        let _as = owner.assume()?;
        printer.status(
            "Updating",
            tr!("migrate-upgrading", path = sqlite.display()),
        );
        rt.block_on(copy::upgrade_source(&sqlite))
            .map_err(store_error(tr!(
                "err-migrate-upgrade",
                path = sqlite.display()
            )))?;
    }

    let checks = {
        let _as = owner.assume()?;
        rt.block_on(copy_and_verify(
            &sqlite,
            target.args(),
            &server_name,
            args.batch_rows,
            printer,
        ))?
    };
    let bad: Vec<&copy::TableCheck> = checks.iter().filter(|c| !c.matches()).collect();
    if !bad.is_empty() {
        let mut err = CliError::failure(tr!("err-migrate-verify"));
        for c in bad {
            err = err.cause(tr!(
                "migrate-mismatch",
                table = c.table,
                source_rows = c.source.rows,
                target_rows = c.target.rows,
                source_sum = c.source,
                target_sum = c.target
            ));
        }
        return Err(err.hint(tr!("hint-migrate-config-kept", path = write_to.display())));
    }

    let backup = rewrite_config(&write_to, target.args(), printer)?;
    printer.status(
        "Done",
        tr!(
            "migrate-done",
            rows = rows,
            tables = tables.len(),
            backup = backup.display()
        ),
    );
    if let Some(f) = installed {
        let svc = matrixd_service(f);
        match service::ensure(&svc, false, false) {
            Ok(_) => printer.status("Started", svc.name.clone()),
            Err(e) => {
                return Err(CliError::failure(tr!("err-cannot-start", name = svc.name))
                    .cause(e)
                    .hint(tr!("hint-migrate-start", cmd = "matrixctl start")));
            }
        }
    } else {
        printer.note(tr!(
            "migrate-start-again",
            cmd = format!("matrixd -c {}", config_path.display())
        ));
    }
    Ok(ExitStatus::Success)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Refuses while matrixd serves this config: the installed service runs, its pid file names a
/// live process, or something answers on its client listener.
fn refuse_if_running(
    config: &Config,
    installed: Option<&Facts>,
    printer: &Printer,
) -> Result<(), CliError> {
    let stop_hint = |pid: Option<i32>| match (installed, pid) {
        (Some(_), _) => tr!("hint-migrate-stop", cmd = "matrixctl stop"),
        (None, Some(pid)) => tr!("hint-migrate-kill", cmd = format!("kill {pid}")),
        (None, None) => tr!("hint-migrate-stop-it"),
    };
    if let Some(f) = installed
        && service::is_running(&matrixd_service(f))
    {
        return Err(CliError::failure(tr!("err-migrate-running")).hint(stop_hint(None)));
    }
    if let Some(p) = &config.pid_file
        && let Some(pid) = crate::facts::probe::live_pid(p)
    {
        return Err(
            CliError::failure(tr!("err-migrate-running-pid", pid = pid)).hint(stop_hint(Some(pid)))
        );
    }
    let url = format!(
        "{}/_matrix/client/versions",
        config.local_client_url().trim_end_matches('/')
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let answered = runtime()?.block_on(async {
        match reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
        {
            Ok(c) => c.get(&url).send().await.is_ok(),
            Err(_) => false,
        }
    });
    if answered {
        printer.note(tr!("migrate-answering", url = url));
        return Err(CliError::failure(tr!("err-migrate-running")).hint(stop_hint(None)));
    }
    Ok(())
}

/// The target from the flags, or this machine's PostgreSQL when run as root without them.
fn target_args(args: &MigrateDbArgs, installed: Option<&Facts>) -> Result<Dest, CliError> {
    let base = PostgresArgs {
        user: None,
        password: None,
        dbname: None,
        host: None,
        port: None,
        cp_min: 5,
        cp_max: 10,
        sslmode: None,
        sslrootcert: None,
        application_name: None,
        connect_timeout: None,
        allow_unsafe_locale: false,
    };
    // Only the installed server's target is this machine's PostgreSQL.
    target::choose(&args.pg, installed, base)?.ok_or_else(|| {
        CliError::usage(tr!("err-migrate-no-target")).hint(tr!(
            "hint-migrate-target",
            flags = "--pg-host --pg-user --pg-database --pg-password-file",
            sudo = "sudo"
        ))
    })
}

struct PlanView<'a> {
    sqlite: &'a Path,
    size: u64,
    tables: &'a [Table],
    rows: u64,
    pending: usize,
    target: &'a Dest,
    config: &'a Path,
    restart: bool,
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn show_plan(printer: &Printer, p: &PlanView<'_>, dry_run: bool) {
    printer.data(if dry_run {
        tr!("install-plan-dry-run")
    } else {
        tr!("install-plan")
    });
    let line = |what: String| printer.data(format!("  {what}"));
    line(tr!(
        "migrate-plan-source",
        path = p.sqlite.display(),
        size = mib(p.size),
        tables = p.tables.len(),
        rows = p.rows
    ));
    if p.pending > 0 {
        line(tr!("migrate-plan-upgrade", n = p.pending));
    }
    if let Some(l) = target::plan_line(p.target) {
        line(l);
    }
    line(tr!("migrate-plan-target", db = describe(p.target.args())));
    let width = p.tables.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in p.tables {
        printer.data(format!(
            "      {:<width$}  {}",
            t.name,
            tr!("migrate-rows", rows = t.rows)
        ));
    }
    line(tr!("migrate-plan-verify"));
    line(tr!("migrate-plan-config", path = p.config.display()));
    if p.restart {
        line(tr!("migrate-plan-start"));
    }
}

/// The file whose top-level `database` key the server reads: the last one that has it (later
/// files win), else the config file itself.
fn config_file_with_database(args: &[PathBuf]) -> PathBuf {
    let mut problems = matrixd::config::Problems::default();
    let files = matrixd::config::expand_config_paths(args, &mut problems);
    files
        .iter()
        .rev()
        .find(|f| std::fs::read_to_string(f).is_ok_and(|t| yaml::has_database_key(&t)))
        .or_else(|| files.first())
        .or_else(|| args.first())
        .cloned()
        .unwrap_or_default()
}

/// The copy: prepare the target, every table with its bar, then the comparison.
async fn copy_and_verify(
    sqlite: &Path,
    args: &PostgresArgs,
    server_name: &str,
    batch_rows: usize,
    printer: &Printer,
) -> Result<Vec<copy::TableCheck>, CliError> {
    let open_err = || tr!("err-migrate-open-sqlite", path = sqlite.display());
    let pg_err = || tr!("err-migrate-target", db = describe(args));
    let src = Source::open(sqlite).map_err(store_error(open_err()))?;
    let tables = src.tables().map_err(store_error(open_err()))?;
    let target = Target::connect(args)
        .await
        .map_err(store_error(pg_err()))
        .map_err(|e| e.hint(tr!("hint-migrate-connect")))?;
    let state = target
        .state(&tables, server_name)
        .await
        .map_err(store_error(pg_err()))?;
    match &state {
        TargetState::Empty => {}
        TargetState::Started { done } => printer.status(
            "Resuming",
            tr!("migrate-resuming", done = done.len(), tables = tables.len()),
        ),
        TargetState::Verified => printer.status("Resuming", tr!("migrate-reverifying")),
    }
    target
        .prepare(&tables, server_name)
        .await
        .map_err(store_error(pg_err()))?;
    let started = std::time::Instant::now();
    for t in &tables {
        let bar = printer.progress(t.rows);
        bar.set_message(t.name.clone());
        let n = target
            .copy_table(&src, t, batch_rows, |n| bar.set_position(n))
            .await
            .map_err(store_error(tr!("err-migrate-copy", table = &t.name)))?;
        bar.finish_and_clear();
        printer.status("Copied", tr!("migrate-copied", table = &t.name, rows = n));
    }
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let events = tables
        .iter()
        .find(|t| t.name == "events")
        .map_or(0, |t| t.rows);
    printer.note(tr!(
        "migrate-speed",
        secs = format!("{secs:.1}"),
        rate = format!("{:.0}", events as f64 / secs)
    ));
    let bar = printer.progress(tables.len() as u64);
    let checks = target
        .verify(&src, &tables, |c| {
            bar.inc(1);
            bar.set_message(c.table.clone());
        })
        .await
        .map_err(store_error(pg_err()))?;
    bar.finish_and_clear();
    if checks.iter().all(copy::TableCheck::matches) {
        target.finish().await.map_err(store_error(pg_err()))?;
        printer.status("Verified", tr!("migrate-verified", tables = checks.len()));
    }
    target.close().await;
    Ok(checks)
}

/// Writes the new `database` section: the old file kept beside it, the new one written
/// atomically with the old one's mode and owner, then loaded back to prove it says PostgreSQL.
fn rewrite_config(path: &Path, a: &PostgresArgs, printer: &Printer) -> Result<PathBuf, CliError> {
    use std::os::unix::fs::MetadataExt as _;
    let fail = |e: &dyn std::fmt::Display| {
        CliError::failure(tr!("err-migrate-write-config", path = path.display())).cause(e)
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(&e))?;
    let meta = std::fs::metadata(path).map_err(|e| fail(&e))?;
    let mode = meta.mode() & 0o7777;
    let new = yaml::replace_database(&text, &yaml::postgres_section(a));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut backup = path.with_file_name(format!("{name}.sqlite.bak"));
    if backup.exists() {
        backup = path.with_file_name(format!("{name}.sqlite.bak.{}", matrixd::store::now_ms()));
    }
    crate::exec::fs::write_atomic(&backup, text.as_bytes(), mode).map_err(|e| fail(&e))?;
    let _ = std::os::unix::fs::chown(&backup, Some(meta.uid()), Some(meta.gid()));
    printer.status("Backing up", backup.display());
    crate::exec::fs::write_atomic(path, new.as_bytes(), mode).map_err(|e| fail(&e))?;
    let _ = std::os::unix::fs::chown(path, Some(meta.uid()), Some(meta.gid()));
    printer.status("Writing", path.display());
    Ok(backup)
}

/// The owner of the SQLite file, assumed (effective ids only) while it and PostgreSQL are used,
/// when matrixctl runs as root and the file is someone else's.
struct Owner {
    ids: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
}

struct Assumed {
    active: bool,
}

impl Owner {
    fn of(path: &Path) -> Owner {
        use std::os::unix::fs::MetadataExt as _;
        let ids = std::fs::metadata(path).ok().and_then(|m| {
            (nix::unistd::geteuid().is_root() && m.uid() != 0).then(|| {
                (
                    nix::unistd::Uid::from_raw(m.uid()),
                    nix::unistd::Gid::from_raw(m.gid()),
                )
            })
        });
        Owner { ids }
    }

    fn assume(&self) -> Result<Assumed, CliError> {
        let Some((uid, gid)) = self.ids else {
            return Ok(Assumed { active: false });
        };
        let fail = |e: nix::Error| CliError::failure(tr!("err-migrate-identity")).cause(e);
        nix::unistd::setegid(gid).map_err(fail)?;
        nix::unistd::seteuid(uid).map_err(fail)?;
        Ok(Assumed { active: true })
    }
}

impl Drop for Assumed {
    fn drop(&mut self) {
        if self.active {
            let _ = nix::unistd::seteuid(nix::unistd::Uid::from_raw(0));
            let _ = nix::unistd::setegid(nix::unistd::Gid::from_raw(0));
        }
    }
}
