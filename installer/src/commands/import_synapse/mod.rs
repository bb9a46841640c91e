//! `matrixctl import-synapse`: turns a stopped Synapse installation into a matrixd one with the
//! same server name, signing key, users, devices, access tokens, rooms, keys and media. The
//! copy is the server store's (`matrixd::store::synapse`, which alone knows both schemas); the
//! config translation is the server config's (`matrixd::config::import`). This module finds the
//! files, refuses a running Synapse or a schema it does not know, shows the plan, draws a bar
//! per step, copies the signing key, prints the verification and writes the new config.
//! Synapse's files and database are only ever read.

mod checks;

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use matrixd::config::import::{Change, ImportPaths, KeyChange};
use matrixd::config::{Config, Database, PostgresArgs};
use matrixd::store::synapse::{self, Import, Step, SynapseDb};

use crate::commands::migrate_db::target::{self, Dest};
use crate::error::{CliError, ExitStatus};
use crate::facts;
use crate::plan::Layout;
use crate::tr;
use crate::ui::Printer;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum TargetDb {
    #[default]
    Sqlite,
    Postgres,
}

#[derive(Args, Debug, Default)]
pub struct ImportSynapseArgs {
    /// Synapse's homeserver.yaml; repeat for every config file or directory Synapse was run with.
    #[arg(long = "synapse-config", value_name = "FILE", required = true)]
    pub synapse_config: Vec<PathBuf>,
    /// Where to write matrixd's homeserver.yaml [default: the installed layout's].
    #[arg(long, value_name = "FILE")]
    pub config_path: Option<PathBuf>,
    /// Where matrixd keeps its database and media [default: the installed layout's].
    #[arg(long, value_name = "DIR")]
    pub data_directory: Option<PathBuf>,
    /// matrixd's database: an SQLite file in the data directory, or PostgreSQL (the --pg-* flags).
    #[arg(long, value_enum, default_value_t = TargetDb::Sqlite)]
    pub database: TargetDb,
    #[command(flatten)]
    pub pg: crate::commands::migrate_db::PgFlags,
    /// Report what would be imported and how long it should take, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Use this OS family's data instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub distro: Option<String>,
    /// Rows per batch (and per transaction).
    #[arg(long, hide = true, value_name = "N", default_value_t = 500)]
    pub batch_rows: i64,
    /// Stop as if killed at the Nth progress report (each after a committed batch; tests of resuming).
    #[arg(long, hide = true, value_name = "N")]
    pub test_interrupt_after: Option<u64>,
}

/// Rows per second an import is expected to copy (for the dry run's estimate): what
/// tests/bench/import-synapse.sh measured, SQLite on both sides, a debug build (BENCHMARKS.md).
const EXPECTED_EVENTS_PER_SEC: f64 = 2_500.0;

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(tr!("err-runtime")).cause(e))
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The new server's paths: from the flags, else the installed layout.
struct Out {
    config: PathBuf,
    data_dir: PathBuf,
}

fn out_paths(args: &ImportSynapseArgs) -> Result<Out, CliError> {
    let layout = || {
        facts::detect(Path::new("/"), args.distro.as_deref())
            .ok()
            .map(|f| Layout::of(&f))
    };
    let (config, data_dir) = match (&args.config_path, &args.data_directory) {
        (Some(c), Some(d)) => (c.clone(), d.clone()),
        (c, d) => {
            let Some(l) = layout() else {
                return Err(CliError::usage(tr!("err-import-no-layout")).hint(tr!(
                    "hint-import-paths",
                    config = "--config-path",
                    data = "--data-directory"
                )));
            };
            (
                c.clone().unwrap_or(l.config),
                d.clone().unwrap_or(l.data_dir),
            )
        }
    };
    Ok(Out {
        config: absolute(&config),
        data_dir: absolute(&data_dir),
    })
}

/// matrixd's database: an SQLite file in the data directory, or PostgreSQL — as root without
/// `--pg-host`/`--pg-port`/`--pg-password-file`, this machine's, with its role and database
/// created as `migrate-db` creates them and reached over TCP with a generated password
/// (`Dest::LocalPassword`), else what the `--pg-*` flags say.
fn target_database(
    args: &ImportSynapseArgs,
    out: &Out,
    local: Option<&facts::Facts>,
) -> Result<(Database, Option<Dest>), CliError> {
    match args.database {
        TargetDb::Sqlite => Ok((
            Database::Sqlite {
                path: out.data_dir.join("homeserver.db"),
            },
            None,
        )),
        TargetDb::Postgres => {
            let base = PostgresArgs {
                user: None,
                password: None,
                dbname: None,
                host: None,
                port: None,
                cp_min: 2,
                cp_max: 10,
                sslmode: None,
                sslrootcert: None,
                application_name: None,
                connect_timeout: None,
                allow_unsafe_locale: false,
            };
            let dest = match target::choose(&args.pg, local, base.clone())? {
                Some(d) => d,
                None => Dest::Flags(args.pg.postgres_args(base)?),
            };
            // Running as root, it cannot connect as the role over the socket (peer
            // authentication): this machine's PostgreSQL is reached with a password.
            let dest = target::with_password(dest, target::password_file(&out.config))?;
            Ok((Database::Postgres(dest.args().clone()), Some(dest)))
        }
    }
}

fn describe(db: &Database) -> String {
    match db {
        Database::Sqlite { path } => format!("SQLite {}", path.display()),
        Database::Postgres(a) => format!(
            "PostgreSQL {}@{}:{}/{}",
            a.user.as_deref().unwrap_or("-"),
            a.host.as_deref().unwrap_or("(socket)"),
            a.port.unwrap_or(5432),
            a.dbname.as_deref().unwrap_or("-")
        ),
    }
}

fn store_err(what: String) -> impl FnOnce(matrixd::store::StoreError) -> CliError {
    move |e| CliError::failure(what).cause(e)
}

pub fn run(args: ImportSynapseArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let out = out_paths(&args)?;
    // Synapse's config, read with the server's own loader (the same format).
    let (synapse, problems) = matrixd::config::load_files(&args.synapse_config);
    let first = args.synapse_config[0].display().to_string();
    let Some(synapse) = synapse else {
        let mut err = CliError::failure(tr!("err-import-synapse-config", path = &first));
        for p in problems.errors() {
            err = err.cause(crate::i18n::problems::problem(p));
        }
        return Err(err.hint(tr!("hint-import-synapse-config", flag = "--synapse-config")));
    };
    let top = matrixd::config::read_top_level(&args.synapse_config).map_err(|p| {
        let mut err = CliError::failure(tr!("err-import-synapse-config", path = &first));
        for e in p.errors() {
            err = err.cause(crate::i18n::problems::problem(e));
        }
        err
    })?;
    checks::refuse_if_running(&synapse, printer)?;
    checks::refuse_if_matrixd_runs(&out.config, printer)?;
    let local = target::local_facts(args.distro.as_deref());
    let (target, dest) = target_database(&args, &out, local.as_ref())?;
    checks::refuse_overlap(&synapse, &target, &out.data_dir)?;

    let rt = runtime()?;
    let src = rt
        .block_on(SynapseDb::open(&synapse.database))
        .map_err(store_err(tr!(
            "err-import-open-synapse",
            db = describe(&synapse.database)
        )))
        .map_err(|e| e.hint(tr!("hint-import-open-synapse")))?;
    checks::check_schema(&rt, &src, &synapse)?;

    let key_to = out.config.with_file_name(format!(
        "{}.signing.key",
        synapse.server_name.replace(':', "_")
    ));
    let paths = ImportPaths {
        database: target.clone(),
        media_store_path: out.data_dir.join("media_store"),
        signing_key_path: key_to.clone(),
        pid_file: out.data_dir.join("homeserver.pid"),
    };
    let (new_top, changes) = matrixd::config::import::translate_synapse(&top, &paths);

    // Counts for the plan (and the bars).
    let steps = synapse::steps();
    let mut counts = Vec::new();
    for step in &steps {
        let n = rt
            .block_on(count_rows(&src, step))
            .map_err(store_err(tr!("err-import-read", step = step.name())))?;
        counts.push(n);
    }
    show_plan(
        printer,
        &PlanView {
            synapse: &synapse,
            target: &target,
            create: dest.as_ref().and_then(target::plan_line),
            password: dest.as_ref().and_then(target::password_plan_line),
            out: &out,
            key_to: &key_to,
            steps: &steps,
            counts: &counts,
            changes: &changes,
        },
        args.dry_run,
    );
    if args.dry_run {
        return Ok(ExitStatus::Success);
    }
    if !args.yes
        && !super::confirmed(
            printer,
            &tr!("import-question"),
            tr!("err-import-unconfirmed"),
            tr!("install-cancelled"),
        )?
    {
        return Ok(ExitStatus::Failure);
    }

    if let (Some(dest), Some(f)) = (&dest, &local) {
        target::create(dest, f, printer)?;
    }
    copy_signing_key(&synapse.signing_key_path, &key_to, printer)?;
    std::fs::create_dir_all(out.data_dir.join("media_store")).map_err(|e| {
        CliError::failure(tr!("err-import-write", path = out.data_dir.display())).cause(e)
    })?;

    let started = std::time::Instant::now();
    let checks = rt.block_on(copy_and_verify(
        src,
        &target,
        &synapse,
        &out,
        &steps,
        &counts,
        args.batch_rows,
        args.test_interrupt_after,
        printer,
    ))?;
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let events = steps
        .iter()
        .zip(&counts)
        .find(|(s, _)| matches!(s, Step::Events))
        .map_or(0, |(_, n)| *n);
    printer.note(tr!(
        "migrate-speed",
        secs = format!("{secs:.1}"),
        rate = format!("{:.0}", events as f64 / secs)
    ));

    printer.data(tr!("import-report"));
    let width = checks.iter().map(|c| c.what.len()).max().unwrap_or(0);
    for c in &checks {
        printer.data(format!(
            "  {} {:<width$}  {} → {}",
            if c.ok { "✓" } else { "✗" },
            c.what,
            c.source,
            c.target
        ));
    }
    let bad = checks.iter().filter(|c| !c.ok).count();
    if bad > 0 {
        return Err(CliError::failure(tr!("err-import-verify", n = bad))
            .hint(tr!("hint-import-verify", cmd = "matrixctl import-synapse")));
    }
    printer.status("Verified", tr!("import-verified", n = checks.len()));

    write_config(&out.config, &new_top, &changes, printer)?;
    if args.config_path.is_none() && args.data_directory.is_none() {
        give_to_service_user(&args, &[&out.data_dir, &key_to, &out.config], printer);
    }
    printer.note(tr!(
        "import-next",
        cmd = format!("matrixd -c {}", out.config.display()),
        install = "matrixctl install --adopt"
    ));
    Ok(ExitStatus::Success)
}

async fn count_rows(src: &SynapseDb, step: &Step) -> Result<i64, matrixd::store::StoreError> {
    synapse::count_source(src, step).await
}

struct PlanView<'a> {
    synapse: &'a Config,
    target: &'a Database,
    /// The role and database made first (a local PostgreSQL).
    create: Option<String>,
    /// The password file of that role.
    password: Option<String>,
    out: &'a Out,
    key_to: &'a Path,
    steps: &'a [Step],
    counts: &'a [i64],
    changes: &'a [KeyChange],
}

fn show_plan(printer: &Printer, p: &PlanView<'_>, dry_run: bool) {
    printer.data(if dry_run {
        tr!("install-plan-dry-run")
    } else {
        tr!("install-plan")
    });
    let line = |what: String| printer.data(format!("  {what}"));
    line(tr!(
        "import-plan-source",
        db = describe(&p.synapse.database),
        name = &p.synapse.server_name
    ));
    if let Some(c) = &p.create {
        line(c.clone());
    }
    if let Some(c) = &p.password {
        line(c.clone());
    }
    line(tr!("import-plan-target", db = describe(p.target)));
    let width = p.steps.iter().map(|s| s.name().len()).max().unwrap_or(0);
    for (s, n) in p.steps.iter().zip(p.counts) {
        printer.data(format!(
            "      {:<width$}  {:>9}  {}",
            s.name(),
            n,
            s.what()
        ));
    }
    line(tr!(
        "import-plan-key",
        from = p.synapse.signing_key_path.display(),
        to = p.key_to.display()
    ));
    line(tr!(
        "import-plan-media",
        from = p.synapse.media_store_path.display(),
        to = p.out.data_dir.join("media_store").display()
    ));
    line(tr!("import-plan-left-out"));
    line(tr!("import-plan-verify"));
    line(tr!("import-plan-config", path = p.out.config.display()));
    for c in p.changes {
        printer.data(format!("      {}", describe_change(c)));
    }
    let events = p
        .steps
        .iter()
        .zip(p.counts)
        .filter(|(s, _)| matches!(s, Step::Events))
        .map(|(_, n)| *n)
        .sum::<i64>();
    let rows: i64 = p.counts.iter().sum();
    let secs = (rows as f64 / EXPECTED_EVENTS_PER_SEC).ceil().max(1.0);
    line(tr!(
        "import-plan-estimate",
        rows = rows,
        events = events,
        secs = format!("{secs:.0}")
    ));
}

fn describe_change(c: &KeyChange) -> String {
    match &c.change {
        Change::Moved { from, to } if from.is_empty() => {
            tr!("import-key-set", key = &c.key, to = to)
        }
        Change::Moved { from, to } => tr!("import-key-moved", key = &c.key, from = from, to = to),
        Change::Database { to } => tr!("import-key-database", key = &c.key, to = to),
        Change::Inlined { file } => tr!("import-key-inlined", key = &c.key, file = file),
        Change::LogConfig => tr!("import-key-log-config", key = &c.key),
        Change::Dropped => tr!("import-key-dropped", key = &c.key),
        Change::Acme => tr!("import-key-acme", key = &c.key, flag = "--tls acme"),
    }
}

/// The signing key, copied byte for byte (same key id), mode 0600; an existing different key
/// is never replaced.
fn copy_signing_key(from: &Path, to: &Path, printer: &Printer) -> Result<(), CliError> {
    let key = std::fs::read(from).map_err(|e| {
        CliError::failure(tr!("err-import-key", path = from.display()))
            .cause(e)
            .hint(tr!("hint-import-key", key = "signing_key_path"))
    })?;
    matrixd::keys::parse_signing_keys(&String::from_utf8_lossy(&key))
        .map_err(|e| CliError::failure(tr!("err-import-key", path = from.display())).cause(e))?;
    if let Ok(existing) = std::fs::read(to) {
        if existing == key {
            printer.status("Keeping", to.display());
            return Ok(());
        }
        return Err(
            CliError::failure(tr!("err-import-key-exists", path = to.display()))
                .hint(tr!("hint-import-key-exists", flag = "--config-path")),
        );
    }
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::failure(tr!("err-import-write", path = dir.display())).cause(e)
        })?;
    }
    crate::exec::fs::write_atomic(to, &key, 0o600)
        .map_err(|e| CliError::failure(tr!("err-import-write", path = to.display())).cause(e))?;
    printer.status("Writing", to.display());
    Ok(())
}

/// Every step with its bar, then the verification.
#[allow(clippy::too_many_arguments)]
async fn copy_and_verify(
    src: SynapseDb,
    target: &Database,
    synapse: &Config,
    out: &Out,
    steps: &[Step],
    counts: &[i64],
    batch_rows: i64,
    interrupt_after: Option<u64>,
    printer: &Printer,
) -> Result<Vec<synapse::Check>, CliError> {
    let mut batches = 0u64;
    let target_err = || tr!("err-import-target", db = describe(target));
    if let Database::Sqlite { path } = target
        && let Some(dir) = path.parent()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::failure(tr!("err-import-write", path = dir.display())).cause(e)
        })?;
    }
    let db = matrixd::store::Db::connect(target)
        .await
        .map_err(store_err(target_err()))?;
    db.guard_server_name(&synapse.server_name)
        .await
        .map_err(store_err(target_err()))?;
    let import = Import::new(
        src,
        db,
        &synapse.server_name,
        synapse.media_store_path.clone(),
        out.data_dir.join("media_store"),
    )
    .await
    .map_err(store_err(target_err()))
    .map_err(|e| e.hint(tr!("hint-import-empty-target")))?;
    for (step, n) in steps.iter().zip(counts) {
        let before = import
            .progress(step)
            .await
            .map_err(store_err(target_err()))?;
        if before.done {
            printer.status("Unchanged", tr!("import-step-done", step = step.name()));
            continue;
        }
        if before.copied > 0 {
            printer.status(
                "Resuming",
                tr!(
                    "import-step-resuming",
                    step = step.name(),
                    rows = before.copied
                ),
            );
        }
        let bar = printer.progress((*n).max(0) as u64);
        bar.set_message(step.name());
        let p = import
            .run_step(step, batch_rows, |n| {
                bar.set_position(n);
                batches += 1;
                if interrupt_after == Some(batches) {
                    // A crash right after a committed batch, for the tests of resuming.
                    std::process::exit(130); // ExitStatus::Interrupted, without unwinding
                }
            })
            .await
            .map_err(store_err(tr!("err-import-step", step = step.name())))?;
        bar.finish_and_clear();
        printer.status(
            "Copied",
            tr!(
                "import-copied",
                step = step.name(),
                rows = p.copied - p.skipped,
                skipped = p.skipped
            ),
        );
    }
    let bar = printer.progress(0);
    bar.set_message(tr!("import-verifying"));
    let checks = import
        .verify()
        .await
        .map_err(store_err(tr!("err-import-verify-run")))?;
    bar.finish_and_clear();
    import.src.close().await;
    import.db.pool.close().await;
    Ok(checks)
}

/// The first line of the homeserver.yaml an import writes (`install` knows it by it: such a
/// config is adopted with `install --adopt`, never overwritten).
pub const IMPORTED_HEAD: &str =
    "# matrixd configuration, translated from Synapse's by `matrixctl import-synapse`.";

/// Writes the new homeserver.yaml (an existing file kept beside it), with the report of
/// changed and dropped keys as its head, and loads it back with the server's loader.
fn write_config(
    path: &Path,
    top: &matrixd::config::Mapping,
    changes: &[KeyChange],
    printer: &Printer,
) -> Result<(), CliError> {
    let fail = |e: &dyn std::fmt::Display| {
        CliError::failure(tr!("err-import-write", path = path.display())).cause(e)
    };
    let body = matrixd::config::import::to_yaml(top).map_err(|e| fail(&e))?;
    // The file's head is for people reading the file; it stays in English like the config.
    let mut text = format!("{IMPORTED_HEAD}\n");
    for c in changes {
        let what = match &c.change {
            Change::Moved { from, to } if from.is_empty() => format!("set to {to}"),
            Change::Moved { from, to } => format!("{from} -> {to}"),
            Change::Database { to } => format!("now {to}"),
            Change::Inlined { file } => format!("read from {file}, now inline"),
            Change::LogConfig => {
                "dropped (Synapse's Python logging config; matrixd logs to stderr)".into()
            }
            Change::Dropped => "dropped (matrixd does not read it)".into(),
            Change::Acme => {
                "dropped (Synapse's ACME account and HTTP-01 do not carry over; see README, acme)"
                    .into()
            }
        };
        text.push_str(&format!("#   {}: {what}\n", c.key));
    }
    text.push_str(&body);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    }
    if path.exists() {
        let backup = path.with_extension(format!("yaml.bak.{}", matrixd::store::now_ms()));
        std::fs::rename(path, &backup).map_err(|e| fail(&e))?;
        printer.status("Backing up", backup.display());
    }
    crate::exec::fs::write_atomic(path, text.as_bytes(), 0o600).map_err(|e| fail(&e))?;
    printer.status("Writing", path.display());
    let (config, problems) = matrixd::config::load_files(&[path.to_path_buf()]);
    if config.is_none() {
        let mut err = CliError::failure(tr!("err-import-config-invalid", path = path.display()));
        for p in problems.errors() {
            err = err.cause(crate::i18n::problems::problem(p));
        }
        return Err(err.hint(tr!(
            "hint-migrate-doctor",
            cmd = format!("matrixctl doctor -c {}", path.display())
        )));
    }
    Ok(())
}

/// The installed layout's files belong to the service user (matrixd runs as it): as root, the
/// data directory (all of it), the signing key and the config are given to it when it exists.
fn give_to_service_user(args: &ImportSynapseArgs, paths: &[&Path], printer: &Printer) {
    if !nix::unistd::geteuid().is_root() {
        return;
    }
    let Ok(f) = facts::detect(Path::new("/"), args.distro.as_deref()) else {
        return;
    };
    let Some(acct) = facts::probe::user(Path::new("/"), &f.distro.user.name) else {
        return;
    };
    fn walk(p: &Path, uid: u32, gid: u32) {
        let _ = std::os::unix::fs::lchown(p, Some(uid), Some(gid));
        if p.is_dir()
            && !p.is_symlink()
            && let Ok(entries) = std::fs::read_dir(p)
        {
            for e in entries.flatten() {
                walk(&e.path(), uid, gid);
            }
        }
    }
    for p in paths {
        walk(p, acct.uid, acct.gid);
    }
    printer.status("Updating", tr!("import-owner", user = &f.distro.user.name));
}
