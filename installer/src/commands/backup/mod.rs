//! `matrixctl backup`: one archive holding a consistent copy of a running server — a snapshot of
//! the SQLite database (`VACUUM INTO`, through the server store) or a `pg_dump` of the
//! PostgreSQL one (one transaction, so one moment too), the media store, the signing
//! key, homeserver.yaml with its conf.d files and log config, and the secret files — with a
//! manifest of checksums (`archive.rs`). Written to a temporary file with mode 0600, then renamed
//! into place. `restore.rs` is the way back.

pub mod archive;
pub mod restore;

use std::path::{Path, PathBuf};

use clap::Args;
use matrixd::config::{Config, Database, PostgresArgs, SecretSource};
use matrixd::store::copy::Source;

use crate::error::{CliError, ExitStatus};
use crate::exec::system;
use crate::facts;
use crate::plan::Layout;
use crate::plan::model::Cmd;
use crate::tr;
use crate::ui::Printer;
use archive::{Entry, Manifest, Role};

#[derive(Args, Debug, Default)]
pub struct BackupArgs {
    /// The homeserver.yaml of the server to back up [default: the installed one].
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the archive here; a directory gets matrixd-backup-SERVER-TIME.tar.gz [default: the current directory].
    #[arg(long, value_name = "FILE|DIR")]
    pub to: Option<PathBuf>,
    /// With a directory: keep only the newest N backups of this server there, removing older ones.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,
    /// Use this OS family's data instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub distro: Option<String>,
}

/// The config a command works on: `-c`, else the installed one (and, for a packaged install,
/// the package's conf.d directory, which its service merges after homeserver.yaml). Returns the
/// main file and every config argument.
pub(crate) fn find_config(
    given: Option<&Path>,
    distro: Option<&str>,
) -> Result<(PathBuf, Vec<PathBuf>), CliError> {
    let (path, conf_d) = match given {
        Some(p) => (p.to_path_buf(), None),
        None => {
            let facts = facts::detect(Path::new("/"), distro).map_err(|_| {
                CliError::usage(tr!("err-migrate-no-config"))
                    .hint(tr!("hint-migrate-pass-config", flag = "-c"))
            })?;
            let conf_d = facts
                .packaged
                .as_ref()
                .map(|p| p.conf_d.clone())
                .filter(|d| d.is_dir());
            (Layout::of(&facts).config, conf_d)
        }
    };
    if !path.exists() {
        return Err(
            CliError::failure(tr!("err-not-installed", path = path.display()))
                .hint(tr!("hint-migrate-pass-config", flag = "-c")),
        );
    }
    let mut args = vec![path.clone()];
    args.extend(conf_d);
    Ok((path, args))
}

/// A PostgreSQL client tool (pg_dump, pg_restore) for the database `a` names: the password
/// in the environment, never on argv; as root over the local socket, run as the role's OS
/// user (peer authentication), as matrixd itself connects.
pub(crate) fn pg_tool(tool: &str, a: &PostgresArgs, extra: Vec<String>) -> Cmd {
    let mut argv = vec![tool.to_string()];
    if let Some(h) = &a.host {
        argv.push(format!("--host={h}"));
    }
    if let Some(p) = a.port {
        argv.push(format!("--port={p}"));
    }
    if let Some(u) = &a.user {
        argv.push(format!("--username={u}"));
    }
    argv.push("--no-password".into());
    argv.extend(extra);
    argv.push(format!(
        "--dbname={}",
        a.dbname.as_deref().unwrap_or("matrixd")
    ));
    let mut cmd = Cmd::new(argv);
    if let Some(p) = &a.password {
        cmd.env.push(("PGPASSWORD".into(), p.expose().to_string()));
    }
    if let Some(m) = &a.sslmode {
        cmd.env.push(("PGSSLMODE".into(), m.clone()));
    }
    let local = a.host.as_deref().is_none_or(|h| h.starts_with('/'));
    if local
        && nix::unistd::geteuid().is_root()
        && let Some(u) = &a.user
        && crate::facts::probe::user(Path::new("/"), u).is_some()
    {
        cmd = cmd.as_user(u);
    }
    cmd
}

/// Lets the user a command runs as use `path` (the staging directory, a dump to restore).
pub(crate) fn give_to(path: &Path, cmd: &Cmd) {
    if let Some(u) = &cmd.user
        && let Some(acct) = crate::facts::probe::user(Path::new("/"), u)
    {
        let _ = std::os::unix::fs::chown(path, Some(acct.uid), Some(acct.gid));
    }
}

pub(crate) fn pg_name(a: &PostgresArgs) -> String {
    format!(
        "postgresql://{}/{}",
        a.host.as_deref().unwrap_or("localhost"),
        a.dbname.as_deref().unwrap_or("matrixd")
    )
}

/// Loads a config (its files and directories, in order) or says what is wrong with it.
pub(crate) fn load_config(args: &[PathBuf]) -> Result<Config, CliError> {
    let path = args.first().map(PathBuf::as_path).unwrap_or(Path::new(""));
    let (config, problems) = matrixd::config::load_files(args);
    config.ok_or_else(|| {
        let mut err = CliError::failure(tr!("err-migrate-config-invalid", path = path.display()));
        for p in problems.errors() {
            err = err.cause(crate::i18n::problems::problem(p));
        }
        err.hint(tr!(
            "hint-migrate-doctor",
            cmd = format!("matrixctl doctor -c {}", path.display())
        ))
    })
}

fn entry(name: String, path: &Path, role: Role) -> Option<(Entry, PathBuf)> {
    use std::os::unix::fs::MetadataExt as _;
    let m = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    Some((
        Entry {
            name,
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            role,
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
            size: m.len(),
            sha256: String::new(),
        },
        path.to_path_buf(),
    ))
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "file".into())
}

/// Every file under `dir`, relative to it (symbolic links are not followed).
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file()
                && let Ok(rel) = e.path().strip_prefix(dir)
            {
                out.push(rel.to_path_buf());
            }
        }
    }
    out.sort();
    out
}

pub fn run(args: BackupArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let (config_path, config_args) = find_config(args.config.as_deref(), args.distro.as_deref())?;
    let config = load_config(&config_args)?;
    if let Database::Sqlite { path: db } = &config.database
        && (db.as_os_str() == ":memory:" || !db.is_file())
    {
        return Err(CliError::failure(tr!(
            "err-migrate-no-sqlite",
            path = db.display()
        )));
    }
    let prefix = format!("matrixd-backup-{}-", config.server_name);
    let into_dir = args.to.as_deref().is_none_or(Path::is_dir);
    if args.keep.is_some() && !into_dir {
        return Err(
            CliError::usage(tr!("err-backup-keep-needs-dir", flag = "--keep"))
                .hint(tr!("hint-backup-keep", flag = "--to")),
        );
    }
    let to = match &args.to {
        Some(p) if !into_dir => p.clone(),
        given => given.clone().unwrap_or_default().join(format!(
            "{prefix}{}.tar.gz",
            utc_stamp(matrixd::store::now_ms())
        )),
    };
    if to.exists() {
        return Err(
            CliError::failure(tr!("err-backup-exists", path = to.display()))
                .hint(tr!("hint-backup-exists", flag = "--to")),
        );
    }
    let dir = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let fail = |e: &dyn std::fmt::Display| {
        CliError::failure(tr!("err-backup-write", path = to.display())).cause(e)
    };
    let staging = tempfile::Builder::new()
        .prefix(".matrixctl-backup-")
        .tempdir_in(&dir)
        .map_err(|e| fail(&e))?;

    // The database first: the snapshot is the moment the backup stands for.
    let mut files: Vec<(Entry, PathBuf)> = Vec::new();
    match &config.database {
        Database::Sqlite { path: db } => {
            let snapshot = staging.path().join("homeserver.db");
            Source::open(db)
                .and_then(|s| s.snapshot_to(&snapshot))
                .map_err(|e| {
                    CliError::failure(tr!("err-migrate-open-sqlite", path = db.display())).cause(e)
                })?;
            printer.status("Copied", tr!("backup-snapshot", path = db.display()));
            if let Some((e, _)) = entry(format!("database/{}", file_name(db)), db, Role::Database) {
                files.push((e, snapshot));
            }
        }
        Database::Postgres(a) => {
            // pg_dump writes to a file opened here: it may run as the database's OS user,
            // who cannot enter a backup directory only root may (install --backups makes one).
            let dump = staging.path().join("postgres.dump");
            let cmd = pg_tool(
                "pg_dump",
                a,
                vec!["--format=custom".into(), "--no-owner".into()],
            );
            let into = crate::exec::fs::create_private(&dump, 0o600).map_err(|e| fail(&e))?;
            system::run_ok_into(&cmd, into).map_err(|e| {
                CliError::failure(tr!("err-backup-pg-dump", db = pg_name(a))).cause(e)
            })?;
            printer.status(
                "Copied",
                tr!("backup-pg-dump", db = pg_name(a), tool = "pg_dump"),
            );
            if let Some((mut e, _)) =
                entry("database/postgres.dump".into(), &dump, Role::PostgresDump)
            {
                e.path = PathBuf::from(pg_name(a));
                files.push((e, dump));
            }
        }
    }
    let mut problems = matrixd::config::Problems::default();
    for (i, f) in matrixd::config::expand_config_paths(&config_args, &mut problems)
        .iter()
        .enumerate()
    {
        files.extend(entry(
            format!("config/{i}-{}", file_name(f)),
            f,
            Role::Config,
        ));
    }
    if let Some(l) = &config.log_config {
        files.extend(entry(
            format!("config/log-{}", file_name(l)),
            l,
            Role::Config,
        ));
    }
    files.extend(entry(
        format!("keys/{}", file_name(&config.signing_key_path)),
        &config.signing_key_path,
        Role::Secret,
    ));
    for s in [
        &config.registration_shared_secret,
        &config.macaroon_secret_key,
        &config.form_secret,
    ]
    .into_iter()
    .flatten()
    {
        if let SecretSource::File { path, .. } = s {
            files.extend(entry(
                format!("secrets/{}", file_name(path)),
                path,
                Role::Secret,
            ));
        }
    }
    for p in [&config.tls_certificate_path, &config.tls_private_key_path]
        .into_iter()
        .flatten()
    {
        files.extend(entry(format!("tls/{}", file_name(p)), p, Role::Secret));
    }
    let media = walk(&config.media_store_path);
    for rel in &media {
        files.extend(entry(
            format!("media/{}", rel.display()),
            &config.media_store_path.join(rel),
            Role::Media,
        ));
    }

    let manifest = Manifest {
        format: archive::FORMAT,
        server_name: config.server_name.clone(),
        created_ms: matrixd::store::now_ms(),
        config: std::fs::canonicalize(&config_path).unwrap_or(config_path.clone()),
        media_store: std::fs::canonicalize(&config.media_store_path)
            .unwrap_or_else(|_| config.media_store_path.clone()),
        entries: Vec::new(),
    };
    let partial = staging.path().join("archive.partial");
    let out = crate::exec::fs::create_private(&partial, 0o600).map_err(|e| fail(&e))?;
    let (manifest, out) =
        archive::write(std::io::BufWriter::new(out), manifest, &files).map_err(|e| fail(&e))?;
    let out = out.into_inner().map_err(|e| fail(&e.into_error()))?;
    out.sync_all().map_err(|e| fail(&e))?;
    drop(out);
    crate::exec::fs::place(&partial, &to).map_err(|e| fail(&e))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    let size = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
    printer.status(
        "Writing",
        tr!(
            "backup-written",
            path = to.display(),
            files = manifest.entries.len(),
            media = media.len(),
            size = format!("{:.1} MiB", size as f64 / (1024.0 * 1024.0))
        ),
    );
    if let Some(keep) = args.keep {
        let mut ours: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.is_file()
                            && p.file_name()
                                .and_then(|n| n.to_str())
                                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".tar.gz"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The stamp sorts as time does: newest first.
        ours.sort();
        ours.reverse();
        for old in ours.iter().skip(keep as usize) {
            if std::fs::remove_file(old).is_ok() {
                printer.status("Removing", tr!("backup-pruned", path = old.display()));
            }
        }
    }
    printer.data(to.display());
    Ok(ExitStatus::Success)
}

/// `20261202T201305123Z` for milliseconds since the epoch: UTC, sortable, no separators a file
/// name could mind.
fn utc_stamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn stamps_are_utc_and_sort_as_time_does() {
        assert_eq!(super::utc_stamp(0), "19700101T000000000Z");
        assert_eq!(super::utc_stamp(1_764_706_385_123), "20251202T201305123Z");
        assert_eq!(super::utc_stamp(951_782_400_000), "20000229T000000000Z");
        assert!(super::utc_stamp(1_000) > super::utc_stamp(999));
    }
}
