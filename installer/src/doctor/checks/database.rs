//! Database: reachable (read-only: SQLite is opened with `mode=ro`, PostgreSQL only queried),
//! the schema current against the server's own migration files, and PostgreSQL's encoding UTF8
//! with collation C.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Instant;

use matrixd::config::{Database, PostgresArgs};
use sqlx::Connection as _;
use sqlx::sqlite::SqliteConnectOptions;

use crate::doctor::{Ctx, Outcome};

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

/// libpq's default socket directories, as matrixd looks for them.
fn socket_dir(port: u16) -> Option<String> {
    ["/var/run/postgresql", "/run/postgresql", "/tmp"]
        .into_iter()
        .find(|d| Path::new(d).join(format!(".s.PGSQL.{port}")).exists())
        .map(str::to_string)
}

fn pg_url(a: &PostgresArgs) -> String {
    let mut u = url::Url::parse("postgres://").expect("static URL");
    {
        let mut q = u.query_pairs_mut();
        if let Some(h) = a.host.clone().or_else(|| socket_dir(a.port.unwrap_or(5432))) {
            q.append_pair("host", &h);
        }
        if let Some(p) = a.port {
            q.append_pair("port", &p.to_string());
        }
        if let Some(user) = &a.user {
            q.append_pair("user", user);
        }
        if let Some(pw) = &a.password {
            q.append_pair("password", pw.expose());
        }
        if let Some(db) = &a.dbname {
            q.append_pair("dbname", db);
        }
        if let Some(m) = &a.sslmode {
            q.append_pair("sslmode", m);
        }
        q.append_pair("application_name", "matrixctl-doctor");
    }
    u.to_string()
}

pub async fn connect(db: &Database) -> Result<Conn, String> {
    match db {
        Database::Sqlite { path } if path.as_os_str() == ":memory:" => Err("the database is :memory: (nothing to inspect)".into()),
        Database::Sqlite { path } => {
            if !path.exists() {
                return Err(format!("{} does not exist (matrixd creates it on first start)", path.display()));
            }
            let opts = SqliteConnectOptions::new().filename(path).read_only(true).create_if_missing(false);
            sqlx::SqliteConnection::connect_with(&opts).await.map(Conn::Sqlite).map_err(|e| format!("{}: {e}", path.display()))
        }
        Database::Postgres(a) => {
            let opts = sqlx::postgres::PgConnectOptions::from_str(&pg_url(a)).map_err(|e| e.to_string())?;
            let conn = tokio::time::timeout(std::time::Duration::from_secs(a.connect_timeout.unwrap_or(10).max(1)), sqlx::PgConnection::connect_with(&opts))
                .await
                .map_err(|_| "no answer within the connect timeout".to_string())?;
            conn.map(Conn::Pg).map_err(|e| e.to_string())
        }
    }
}

fn describe(db: &Database) -> String {
    match db {
        Database::Sqlite { path } => format!("SQLite {}", path.display()),
        Database::Postgres(a) => format!(
            "PostgreSQL {}@{}/{}",
            a.user.as_deref().unwrap_or("(user)"),
            a.host.as_deref().unwrap_or("(local socket)"),
            a.dbname.as_deref().unwrap_or("(database)")
        ),
    }
}

pub fn reachable(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let start = Instant::now();
    let result = ctx.block_on(async {
        let conn = connect(&c.database).await?;
        match conn {
            Conn::Sqlite(mut s) => sqlx::query_scalar::<_, String>("SELECT sqlite_version()").fetch_one(&mut s).await.map(|v| format!("SQLite {v}")),
            Conn::Pg(mut p) => sqlx::query_scalar::<_, String>("SHOW server_version").fetch_one(&mut p).await.map(|v| format!("PostgreSQL {v}")),
        }
        .map_err(|e| e.to_string())
    });
    let ms = start.elapsed().as_millis();
    match result {
        Ok(v) => Outcome::ok(format!("{v} ({})", describe(&c.database))).detail("elapsed_ms", ms),
        Err(e) => {
            let fix = match &c.database {
                Database::Sqlite { .. } => "start matrixd once to create it, or fix database.args.database; run doctor as the service user or root".to_string(),
                Database::Postgres(_) => "check PostgreSQL runs (systemctl status postgresql) and the role, password and database in database.args".to_string(),
            };
            Outcome::fail(format!("cannot open {}: {e}", describe(&c.database)), fix)
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
    let known: Vec<(i64, String)> = migrator(&c.database).iter().map(|m| (m.version, m.description.to_string())).collect();
    let result = ctx.block_on(async {
        let mut conn = connect(&c.database).await?;
        applied(&mut conn).await
    });
    let applied = match result {
        Ok(a) => a,
        Err(e) if e.contains("_sqlx_migrations") => {
            return Outcome::fail("the database has no schema yet", "start matrixd: it creates the schema at start-up");
        }
        Err(e) => return Outcome::skip(format!("skipped (cannot read the schema version: {e})")),
    };
    if let Some((v, _)) = applied.iter().find(|(_, ok)| !ok) {
        return Outcome::fail(format!("migration {v} failed half-way"), "see matrixd's log for the error, fix it, then restart matrixd");
    }
    let pending: Vec<&(i64, String)> = known.iter().filter(|(v, _)| !applied.iter().any(|(a, _)| a == v)).collect();
    let newer: Vec<i64> = applied.iter().map(|(v, _)| *v).filter(|v| !known.iter().any(|(k, _)| k == v)).collect();
    if !pending.is_empty() {
        let mut o = Outcome::fail(
            format!("{} migration(s) pending", pending.len()),
            "systemctl restart matrixd   (migrations run at start-up)",
        );
        for (v, d) in pending {
            o = o.detail(&format!("pending_{v:04}"), d);
        }
        return o;
    }
    if !newer.is_empty() {
        return Outcome::warn(
            format!("the database has {} migration(s) this matrixctl does not know: it is older than the server", newer.len()),
            "upgrade matrixctl to the server's version",
        );
    }
    Outcome::ok(format!("{} migrations applied, none pending", applied.len()))
}

pub fn encoding(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let Database::Postgres(a) = &c.database else {
        return Outcome::skip("skipped (SQLite: always UTF-8)");
    };
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
        Err(e) => return Outcome::skip(format!("skipped (cannot query the database: {e})")),
    };
    judge_encoding(&enc, &collate, &ctype, a.allow_unsafe_locale)
}

/// Synapse's rule: UTF8 with LC_COLLATE and LC_CTYPE C (other collations corrupt indexes).
pub fn judge_encoding(enc: &str, collate: &str, ctype: &str, allow_unsafe: bool) -> Outcome {
    let shown = format!("encoding {enc}, collation {collate}, ctype {ctype}");
    if enc != "UTF8" {
        return Outcome::fail(shown, "recreate the database: CREATE DATABASE matrixd ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
    }
    if collate != "C" || ctype != "C" {
        let fix = "recreate the database with LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0 and move the data";
        return if allow_unsafe { Outcome::warn(format!("{shown} (allowed by allow_unsafe_locale)"), fix) } else { Outcome::fail(shown, fix) };
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
