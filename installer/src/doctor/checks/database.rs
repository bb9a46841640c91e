//! Database: reachable (read-only: SQLite is opened with `mode=ro`, PostgreSQL only queried),
//! the schema current against the server's own migration files, and PostgreSQL's encoding UTF8
//! with collation C.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::Instant;

use matrixd::config::{Database, PostgresArgs};
use sqlx::Connection as _;
use sqlx::sqlite::SqliteConnectOptions;

use crate::doctor::{Ctx, Outcome, Status};
use crate::i18n::Text;
use crate::msg;

/// The server's migrations, embedded from its source tree (the same files matrixd embeds).
fn migrator(db: &Database) -> sqlx::migrate::Migrator {
    match db {
        Database::Sqlite { .. } => sqlx::migrate!("../server/migrations/sqlite"),
        Database::Postgres(_) => sqlx::migrate!("../server/migrations/postgres"),
    }
}

pub enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

pub async fn connect(db: &Database) -> Result<Conn, String> {
    try_connect(db).await.map_err(|e| e.message)
}

/// A failed connection: what it said, and whether PostgreSQL refused the role for the OS user
/// this runs as (SQLSTATE 28000 other than "no pg_hba.conf entry": peer or ident
/// authentication, which over the local socket admits a role only to the OS user of its name).
#[derive(Debug, Clone)]
pub struct ConnectError {
    pub message: String,
    pub auth_refused: bool,
}

impl From<String> for ConnectError {
    fn from(message: String) -> Self {
        ConnectError {
            message,
            auth_refused: false,
        }
    }
}

pub async fn try_connect(db: &Database) -> Result<Conn, ConnectError> {
    match db {
        Database::Sqlite { path } if path.as_os_str() == ":memory:" => {
            Err(crate::tr!("db-in-memory", value = ":memory:").into())
        }
        Database::Sqlite { path } => {
            if !path.exists() {
                return Err(crate::tr!("db-sqlite-missing", path = path.display()).into());
            }
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .read_only(true)
                .create_if_missing(false);
            sqlx::SqliteConnection::connect_with(&opts)
                .await
                .map(Conn::Sqlite)
                .map_err(|e| format!("{}: {e}", path.display()).into())
        }
        Database::Postgres(a) => {
            let opts =
                sqlx::postgres::PgConnectOptions::from_str(&a.connect_url("matrixctl-doctor"))
                    .map_err(|e| e.to_string())?;
            let conn = tokio::time::timeout(
                std::time::Duration::from_secs(a.connect_timeout.unwrap_or(10).max(1)),
                sqlx::PgConnection::connect_with(&opts),
            )
            .await
            .map_err(|_| crate::tr!("db-connect-timeout"))?;
            conn.map(Conn::Pg).map_err(|e| {
                let auth_refused = match &e {
                    sqlx::Error::Database(d) => {
                        d.code().as_deref() == Some("28000") && !d.message().contains("pg_hba.conf")
                    }
                    _ => false,
                };
                ConnectError {
                    message: e.to_string(),
                    auth_refused,
                }
            })
        }
    }
}

/// PostgreSQL over a Unix socket: `host` unset (libpq's socket directories) or a directory.
fn over_socket(a: &PostgresArgs) -> bool {
    a.host.as_deref().is_none_or(|h| h.starts_with('/'))
}

/// `SQLite <path>` or `PostgreSQL user@host/dbname`, with words for the parts left to libpq.
fn describe(db: &Database) -> Text {
    match db {
        Database::Sqlite { path } => msg!("db-describe-sqlite", path = path.display()),
        Database::Postgres(a) => {
            let user = a
                .user
                .clone()
                .unwrap_or_else(|| crate::tr!("db-default-user"));
            let dbname = a
                .dbname
                .clone()
                .unwrap_or_else(|| crate::tr!("db-default-dbname"));
            match &a.host {
                Some(h) => msg!("db-describe-pg", target = format!("{user}@{h}/{dbname}")),
                None => msg!("db-describe-pg-socket", user = user, dbname = dbname),
            }
        }
    }
}

pub fn reachable(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    if let Some(o) = as_service_user(ctx, "db.reachable") {
        return o;
    }
    let start = Instant::now();
    let result = ctx.block_on(async {
        let conn = try_connect(&c.database).await?;
        match conn {
            Conn::Sqlite(mut s) => sqlx::query_scalar::<_, String>("SELECT sqlite_version()")
                .fetch_one(&mut s)
                .await
                .map(|v| format!("SQLite {v}")),
            Conn::Pg(mut p) => sqlx::query_scalar::<_, String>("SHOW server_version")
                .fetch_one(&mut p)
                .await
                .map(|v| format!("PostgreSQL {v}")),
        }
        .map_err(|e| ConnectError::from(e.to_string()))
    });
    let ms = start.elapsed().as_millis();
    match result {
        Ok(v) => Outcome::ok(
            msg!("db-reachable-ok", version = v, db = "").with_arg("db", describe(&c.database)),
        )
        .detail("elapsed_ms", ms),
        Err(e) => {
            let mut o = Outcome::fail(
                msg!("db-cannot-open", db = "", error = e.message)
                    .with_arg("db", describe(&c.database)),
                msg!(
                    "db-cannot-open-fix",
                    cmd = "systemctl status postgresql",
                    key = "database.args"
                ),
            );
            match &c.database {
                Database::Sqlite { .. } => {
                    o = o.with_fix(msg!("db-sqlite-open-fix", key = "database.args.database"))
                }
                Database::Postgres(a) if e.auth_refused && over_socket(a) => {
                    let user = service_user_name(ctx, a);
                    let role = a.user.as_deref().unwrap_or(&user);
                    o = o.with_fix(if is_root() {
                        msg!(
                            "db-peer-root-fix",
                            role = role,
                            cmd = format!("runuser -u {user} -- matrixctl doctor db")
                        )
                    } else {
                        msg!(
                            "db-peer-fix",
                            role = role,
                            sudo = "sudo matrixctl doctor",
                            cmd = format!("sudo -u {user} matrixctl doctor")
                        )
                    });
                    if let Some(AsUser::Failed { why, .. }) = delegation(ctx) {
                        o = o.detail_text("as_service_user", why.clone());
                    }
                }
                Database::Postgres(_) => {}
            }
            o
        }
    }
}

/// (applied versions and whether each succeeded), or why there are none.
async fn applied(conn: &mut Conn) -> Result<Vec<(i64, bool)>, String> {
    let q = "SELECT version, success FROM _sqlx_migrations ORDER BY version";
    let r = match conn {
        Conn::Sqlite(s) => sqlx::query_as::<_, (i64, bool)>(q).fetch_all(s).await,
        Conn::Pg(p) => sqlx::query_as::<_, (i64, bool)>(q).fetch_all(p).await,
    };
    r.map_err(|e| e.to_string())
}

pub fn migrations(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    if let Some(o) = as_service_user(ctx, "db.migrations") {
        return o;
    }
    let known: Vec<(i64, String)> = migrator(&c.database)
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect();
    let result = ctx.block_on(async {
        let mut conn = connect(&c.database).await?;
        applied(&mut conn).await
    });
    let applied = match result {
        Ok(a) => a,
        Err(e) if e.contains("_sqlx_migrations") => {
            return Outcome::fail(msg!("db-no-schema"), msg!("db-no-schema-fix"));
        }
        Err(e) => return Outcome::skip(msg!("db-skip-schema", error = e)),
    };
    if let Some((v, _)) = applied.iter().find(|(_, ok)| !ok) {
        return Outcome::fail(
            msg!("db-migration-failed", v = v),
            msg!("db-migration-failed-fix"),
        );
    }
    let pending: Vec<&(i64, String)> = known
        .iter()
        .filter(|(v, _)| !applied.iter().any(|(a, _)| a == v))
        .collect();
    let newer: Vec<i64> = applied
        .iter()
        .map(|(v, _)| *v)
        .filter(|v| !known.iter().any(|(k, _)| k == v))
        .collect();
    if !pending.is_empty() {
        let mut o = Outcome::fail(
            msg!("db-pending", n = pending.len()),
            msg!("db-pending-fix", cmd = "systemctl restart matrixd"),
        );
        for (v, d) in pending {
            o = o.detail(&format!("pending_{v:04}"), d);
        }
        return o;
    }
    if !newer.is_empty() {
        return Outcome::warn(msg!("db-newer", n = newer.len()), msg!("db-newer-fix"));
    }
    Outcome::ok(msg!("db-migrations-ok", n = applied.len()))
}

pub fn encoding(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let Database::Postgres(a) = &c.database else {
        return Outcome::skip(msg!("db-skip-sqlite-utf8"));
    };
    if let Some(o) = as_service_user(ctx, "db.encoding") {
        return o;
    }
    let result = ctx.block_on(async {
        let Conn::Pg(mut p) = connect(&c.database).await? else { unreachable!("a PostgreSQL config connects to PostgreSQL") };
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT pg_encoding_to_char(encoding)::text, datcollate::text, datctype::text FROM pg_database WHERE datname = current_database()",
        )
        .fetch_one(&mut p)
        .await
        .map_err(|e| e.to_string())
    });
    let (enc, collate, ctype) = match result {
        Ok(r) => r,
        Err(e) => return Outcome::skip(msg!("db-skip-query", error = e)),
    };
    judge_encoding(&enc, &collate, &ctype, a.allow_unsafe_locale)
}

/// Synapse's rule: UTF8 with LC_COLLATE and LC_CTYPE C (other collations corrupt indexes).
pub fn judge_encoding(enc: &str, collate: &str, ctype: &str, allow_unsafe: bool) -> Outcome {
    let shown = msg!(
        "db-encoding",
        encoding = enc,
        collation = collate,
        ctype = ctype
    );
    if enc != "UTF8" {
        return Outcome::fail(
            shown,
            msg!(
                "db-encoding-fix",
                sql = "CREATE DATABASE matrixd ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
            ),
        );
    }
    if collate != "C" || ctype != "C" {
        let fix = msg!(
            "db-collation-fix",
            sql = "LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
        );
        return if allow_unsafe {
            Outcome::warn(
                Text::Concat(vec![
                    shown,
                    msg!("db-unsafe-allowed", key = "allow_unsafe_locale"),
                ]),
                fix,
            )
        } else {
            Outcome::fail(shown, fix)
        };
    }
    Outcome::ok(shown)
}

/// Local users, for config.database's "many users" rule; `None` when unknown.
pub fn count_local_users(ctx: &Ctx) -> Option<i64> {
    let c = ctx.loaded.config.as_ref()?;
    ctx.block_on(async {
        let q = "SELECT COUNT(*) FROM users";
        match connect(&c.database).await.ok()? {
            Conn::Sqlite(mut s) => sqlx::query_scalar::<_, i64>(q).fetch_one(&mut s).await.ok(),
            Conn::Pg(mut p) => sqlx::query_scalar::<_, i64>(q).fetch_one(&mut p).await.ok(),
        }
    })
}

// Root refused by peer authentication. A stock PostgreSQL (Debian's pg_hba.conf: `local all
// all peer`) admits role `matrixd` over the local socket only to the OS user `matrixd`: matrixd
// connects, but the doctor run as root is refused, and a healthy install would report its
// database as broken. Root can become the service user, so the database checks then run in a
// child `matrixctl doctor --json <db checks>` as that user, and their results are reported here,
// saying which user connected. The child is the same read-only doctor.

/// The database checks, in the order they are reported.
const DB_CHECKS: [&str; 3] = ["db.reachable", "db.migrations", "db.encoding"];

/// What running the database checks as the service user gave, when root was refused.
#[derive(Debug, Clone)]
pub enum AsUser {
    /// The child ran as `user`: its outcomes, by check id.
    Ran {
        user: String,
        uid: u32,
        connected: bool,
        root_error: String,
        outcomes: BTreeMap<String, Outcome>,
    },
    /// No child could run (no such user, the binary would not start, unreadable output).
    Failed { why: Text },
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The users that may be admitted, in order: the OS user named like the role (peer
/// authentication without a map), the distro's service user, the config file's owner. Root
/// and users that do not exist are left out.
fn candidates(ctx: &Ctx, a: &PostgresArgs) -> Vec<nix::unistd::User> {
    use std::os::unix::fs::MetadataExt as _;
    let by_name = |n: &str| nix::unistd::User::from_name(n).ok().flatten();
    let mut out: Vec<nix::unistd::User> = Vec::new();
    let found = [
        a.user.as_deref().and_then(by_name),
        ctx.distro.as_ref().and_then(|d| by_name(&d.user.name)),
        ctx.loaded
            .paths
            .first()
            .and_then(|p| std::fs::metadata(p).ok())
            .and_then(|m| {
                nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(m.uid()))
                    .ok()
                    .flatten()
            }),
    ];
    for u in found.into_iter().flatten() {
        if !u.uid.is_root() && !out.iter().any(|o| o.uid == u.uid) {
            out.push(u);
        }
    }
    out
}

/// The service user's name for a fix line: the first candidate, else the role, else the distro's.
fn service_user_name(ctx: &Ctx, a: &PostgresArgs) -> String {
    candidates(ctx, a)
        .first()
        .map(|u| u.name.clone())
        .or_else(|| a.user.clone())
        .or_else(|| ctx.distro.as_ref().map(|d| d.user.name.clone()))
        .unwrap_or_else(|| "matrixd".to_string())
}

/// Whether the database checks run as the service user, computed once per run by the first
/// database check: only as root, for PostgreSQL over the local socket, when root's own
/// connection is refused by peer/ident authentication.
fn delegation(ctx: &Ctx) -> Option<&AsUser> {
    ctx.db_as_user
        .get_or_init(|| {
            let Some(Database::Postgres(a)) = ctx.loaded.config.as_ref().map(|c| &c.database)
            else {
                return None;
            };
            if !is_root() || !over_socket(a) {
                return None;
            }
            let db = Database::Postgres(a.clone());
            let root_error = match ctx.block_on(try_connect(&db)) {
                Ok(_) => return None,
                Err(e) if !e.auth_refused => return None,
                Err(e) => e.message,
            };
            let users = candidates(ctx, a);
            if users.is_empty() {
                return Some(AsUser::Failed {
                    why: crate::msg!(
                        "db-no-os-user",
                        names = [
                            a.user.clone(),
                            ctx.distro.as_ref().map(|d| d.user.name.clone())
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(&crate::tr!("db-or"))
                    ),
                });
            }
            let mut first: Option<AsUser> = None;
            let mut errors: Vec<Text> = Vec::new();
            for u in users {
                match run_as(ctx, &u) {
                    Ok(outcomes) => {
                        let connected = outcomes
                            .get("db.reachable")
                            .is_some_and(|o| o.status == crate::doctor::Status::Ok);
                        let ran = AsUser::Ran {
                            user: u.name.clone(),
                            uid: u.uid.as_raw(),
                            connected,
                            root_error: root_error.clone(),
                            outcomes,
                        };
                        if connected {
                            return Some(ran);
                        }
                        first.get_or_insert(ran);
                    }
                    Err(e) => {
                        if !errors.is_empty() {
                            errors.push(Text::Raw("; ".into()));
                        }
                        errors.push(
                            crate::msg!("db-run-as-user", user = u.name, error = "")
                                .with_arg("error", e),
                        );
                    }
                }
            }
            first.or(Some(AsUser::Failed {
                why: Text::Concat(errors),
            }))
        })
        .as_ref()
}

/// The outcome of check `id` as the service user ran it, when the database checks were run
/// that way; `None` when they run here.
fn as_service_user(ctx: &Ctx, id: &str) -> Option<Outcome> {
    let AsUser::Ran {
        user,
        uid,
        connected,
        root_error,
        outcomes,
    } = delegation(ctx)?
    else {
        return None;
    };
    let mut o = outcomes.get(id).cloned()?;
    let how = crate::tr!("db-how-as-user", error = root_error, user = user);
    if *connected {
        o.summary = Text::Concat(vec![
            o.summary,
            crate::msg!("db-connected-as-suffix", user = user),
        ]);
        o = o
            .detail("connected_as", format!("{user} (uid {uid})"))
            .detail("why", how);
    } else {
        // Refused (or failing) as the service user too: say whose attempt this was.
        o.summary = Text::Concat(vec![
            crate::msg!("db-as-os-user-prefix", user = user),
            o.summary,
        ]);
        o = o
            .detail("ran_as", format!("{user} (uid {uid})"))
            .detail("why", how);
    }
    Some(o)
}

/// Runs `matrixctl doctor --json --json-texts --lang <ours> <database checks>` as `user` and
/// reads its outcomes: their texts come back as message ids and arguments
/// (`Text::from_wire`), so they are shown in this run's language like every other check.
fn run_as(ctx: &Ctx, user: &nix::unistd::User) -> Result<BTreeMap<String, Outcome>, Text> {
    use std::os::fd::AsRawFd as _;
    use std::os::unix::process::CommandExt as _;
    let exe = std::env::current_exe().map_err(|e| crate::msg!("db-run-as-no-exe", error = e))?;
    // Executed through an open descriptor where /proc has one, so that the service user can run
    // it even from a directory it cannot enter (a build under /root). The descriptor is
    // close-on-exec: the kernel opens the program before closing it.
    let file = std::fs::File::open(&exe)
        .map_err(|e| crate::msg!("doc-cannot-read", path = exe.display(), error = e))?;
    let via_fd = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    let program = if Path::new("/proc/self/fd").is_dir() {
        via_fd
    } else {
        exe.clone()
    };
    let mut cmd = std::process::Command::new(&program);
    cmd.arg("--lang")
        .arg(crate::i18n::current().code())
        .arg("doctor")
        .arg("--json")
        .arg("--json-texts")
        .arg("--timeout")
        .arg(
            ctx.opts
                .timeout
                .as_secs()
                .saturating_sub(2)
                .max(1)
                .to_string(),
        );
    if let Some(d) = &ctx.opts.distro {
        cmd.arg("--distro").arg(d);
    }
    for p in &ctx.loaded.paths {
        cmd.arg("-c")
            .arg(std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    }
    cmd.args(DB_CHECKS)
        .uid(user.uid.as_raw())
        .gid(user.gid.as_raw())
        .current_dir("/")
        .env("HOME", &user.dir)
        .env("USER", &user.name)
        .env("LOGNAME", &user.name)
        .stdin(std::process::Stdio::null());
    // ALLOWED: the same read-only doctor, as the service user (std drops root's groups, then
    // sets the group and user before exec).
    let out = cmd.output().map_err(|e| {
        crate::msg!(
            "db-run-as-cannot-run",
            path = exe.display(),
            user = user.name,
            error = e
        )
    })?;
    drop(file);
    let text = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
        let err = String::from_utf8_lossy(&out.stderr);
        crate::msg!(
            "db-run-as-no-report",
            cmd = "matrixctl doctor",
            user = user.name,
            status = out.status,
            error = err.trim().lines().last().unwrap_or("")
        )
    })?;
    let mut outcomes = BTreeMap::new();
    for c in report["checks"].as_array().into_iter().flatten() {
        let Some(id) = c["id"].as_str().filter(|id| DB_CHECKS.contains(id)) else {
            continue;
        };
        let status = match c["status"].as_str() {
            Some("ok") => Status::Ok,
            Some("warn") => Status::Warn,
            Some("fail") => Status::Fail,
            Some("skip") => Status::Skip,
            other => {
                return Err(crate::msg!(
                    "db-run-as-bad-status",
                    cmd = "matrixctl doctor",
                    user = user.name,
                    status = format!("{other:?}"),
                    check = id
                ));
            }
        };
        // The texts as data (ids and arguments), rendered here in this run's language; the
        // English strings beside them are the fallback.
        let texts = &c["texts"];
        let text = |wire: &serde_json::Value, english: &serde_json::Value| {
            Text::from_wire(wire).or_else(|| english.as_str().map(Text::from))
        };
        let details = c["details"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let english =
                    || Text::Raw(v.as_str().map_or_else(|| v.to_string(), str::to_string));
                (
                    k.clone(),
                    text(&texts["details"][k], v).unwrap_or_else(english),
                )
            })
            .collect();
        outcomes.insert(
            id.to_string(),
            Outcome {
                status,
                summary: text(&texts["summary"], &c["summary"])
                    .unwrap_or_else(|| Text::Raw(String::new())),
                fix: text(&texts["fix"], &c["fix"]),
                details,
            },
        );
    }
    if outcomes.len() != DB_CHECKS.len() {
        return Err(crate::msg!(
            "db-run-as-incomplete",
            cmd = "matrixctl doctor",
            user = user.name
        ));
    }
    Ok(outcomes)
}

/// A backup older than this means the daily schedule is not running.
pub const BACKUP_MAX_AGE_HOURS: u64 = 48;

/// `install --backups DIR`: the daily schedule is in place (the systemd timer enabled and
/// active, the daily script present, or our block in the shared daily script) and the newest
/// archive of this server in DIR is younger than 48 hours. The answers file beside the config
/// says whether backups were asked for; reading DIR (0700 root) needs root.
pub fn backups(ctx: &Ctx) -> Outcome {
    let Some(answers) = ctx
        .loaded
        .paths
        .first()
        .and_then(|p| p.parent())
        .map(|d| d.join("matrixctl-answers.toml"))
    else {
        return Outcome::skip(msg!("db-backups-none", flag = "--backups"));
    };
    let given = crate::answers::file::load(&answers).ok();
    let Some(dir) = given.as_ref().and_then(|g| g.backups.clone()) else {
        return Outcome::skip(msg!("db-backups-none", flag = "--backups"));
    };
    let dir = dir.to_path_buf();
    let keep = given
        .as_ref()
        .and_then(|g| g.backups_keep)
        .map(|k| k.0)
        .unwrap_or(crate::plan::steps::backup::DEFAULT_KEEP);
    let run_now = format!("matrixctl backup --to {} --keep {keep}", dir.display());
    if let Some(bad) = backup_schedule(ctx) {
        return bad.detail("dir", dir.display());
    }
    let server = ctx
        .loaded
        .config
        .as_ref()
        .map(|c| c.server_name.clone())
        .or_else(|| given.as_ref()?.server_name.as_ref().map(|s| s.to_string()))
        .unwrap_or_default();
    match newest_backup(&dir, &server) {
        Ok(newest) => judge_backup_age(newest, std::time::SystemTime::now(), &dir, &run_now)
            .detail("dir", dir.display())
            .detail("keep", keep),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Outcome::skip(msg!(
            "db-backups-unreadable",
            path = dir.display(),
            sudo = "sudo matrixctl doctor"
        )),
        Err(_) => Outcome::warn(
            msg!("db-backups-no-dir", path = dir.display()),
            msg!("db-backups-fix-install", cmd = "matrixctl install"),
        ),
    }
}

/// The newest archive `matrixctl backup` wrote of `server` in `dir` (by modification time).
pub fn newest_backup(
    dir: &Path,
    server: &str,
) -> std::io::Result<Option<(std::time::SystemTime, PathBuf)>> {
    let prefix = format!("matrixd-backup-{server}-");
    Ok(std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".tar.gz"))
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max())
}

/// Ok when the newest archive is younger than `BACKUP_MAX_AGE_HOURS` at `now`, else a warning
/// whose fix is making one by hand (`run_now`), which shows what fails.
pub fn judge_backup_age(
    newest: Option<(std::time::SystemTime, PathBuf)>,
    now: std::time::SystemTime,
    dir: &Path,
    run_now: &str,
) -> Outcome {
    let Some((when, path)) = newest else {
        return Outcome::warn(
            msg!("db-backups-empty", path = dir.display()),
            msg!("db-backups-fix-run", cmd = run_now.to_string()),
        );
    };
    let hours = now.duration_since(when).unwrap_or_default().as_secs() / 3600;
    if hours >= BACKUP_MAX_AGE_HOURS {
        Outcome::warn(
            msg!(
                "db-backups-old",
                path = path.display(),
                hours = hours,
                max = BACKUP_MAX_AGE_HOURS
            ),
            msg!("db-backups-fix-run", cmd = run_now.to_string()),
        )
    } else {
        Outcome::ok(msg!("db-backups-ok", path = path.display(), hours = hours))
    }
}

/// What is wrong with the backup schedule, if anything (as `tls.renewal` judges the renewal's).
fn backup_schedule(ctx: &Ctx) -> Option<Outcome> {
    let d = ctx.distro.as_ref()?;
    let sched = &d.backup;
    let missing = |file: &str| {
        Some(Outcome::warn(
            msg!("db-backups-schedule-missing", what = file),
            msg!("db-backups-fix-install", cmd = "matrixctl install"),
        ))
    };
    match (sched.kind.as_str(), &sched.timer, &sched.script) {
        ("systemd-timer", Some(timer_path), _) => {
            if !Path::new(timer_path).exists() {
                return missing(timer_path);
            }
            if !super::service::manager_running(ctx) {
                return None;
            }
            let timer = crate::plan::steps::timer_name(sched);
            let q = |verb: &str| {
                super::service::query(&["systemctl".into(), verb.into(), timer.clone()])
                    .map(|(_, out)| out)
                    .unwrap_or_default()
            };
            let (enabled, active) = (q("is-enabled"), q("is-active"));
            (enabled != "enabled" || active != "active").then(|| {
                Outcome::warn(
                    msg!(
                        "db-backups-timer-off",
                        timer = timer.clone(),
                        state = format!("{enabled}, {active}")
                    ),
                    msg!("db-backups-timer-fix", timer = timer),
                )
            })
        }
        ("periodic", _, Some(script)) if !Path::new(script).exists() => missing(script),
        ("daily-local", _, Some(script)) => {
            let has_block = std::fs::read_to_string(script)
                .is_ok_and(|t| t.contains(crate::plan::steps::backup::BLOCK_BEGIN));
            if has_block { None } else { missing(script) }
        }
        _ => None,
    }
}
