//! Test support shared by the suites of every crate: golden files, external tools and the
//! PostgreSQL server the tests use. A test that needs a tool or PostgreSQL that this machine
//! lacks says so and skips under plain `cargo test`; under the README's test command
//! (`scripts/test.sh`, which provisions everything and sets `MATRIXCTL_TEST_REQUIRE_TOOLS=1`)
//! a missing one fails the test instead, so nothing is skipped silently in CI.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Set by scripts/test.sh: a missing tool or database is a failure, not a skip.
const REQUIRE: &str = "MATRIXCTL_TEST_REQUIRE_TOOLS";

fn required() -> bool {
    std::env::var_os(REQUIRE).is_some_and(|v| v != "0" && !v.is_empty())
}

/// Says that `what` is missing: panics under scripts/test.sh, else prints why the test
/// skips. Returns false so callers can `if !… { return; }`.
fn missing(what: &str) -> bool {
    skip_or_fail(&format!(
        "{what}; tests/provision.sh installs it (scripts/test.sh runs it)"
    ))
}

/// Panics with `msg` under scripts/test.sh, else prints that the test skips; returns false.
fn skip_or_fail(msg: &str) -> bool {
    if required() {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    false
}

/// A program built outside the workspace (e.g. tests/sdk-client, its own crate): `path` when it
/// exists, or `None` after saying the test skips and that `build` makes it (a failure under
/// scripts/test.sh, which builds it first).
pub fn built_program(path: &Path, build: &str) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    skip_or_fail(&format!(
        "{} is not built; `{build}` builds it (scripts/test.sh does)",
        path.display()
    ));
    None
}

/// Compares `actual` with the golden file `dir/name`; `UPDATE_GOLDEN=1` rewrites it (review
/// the diff before committing).
pub fn golden(dir: &Path, name: &str, actual: &str) {
    let path = dir.join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("a golden file has a folder"))
            .expect("create the golden folder");
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "golden file {} is missing; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs from its golden file (UPDATE_GOLDEN=1 rewrites it after review)",
        path.display()
    );
}

/// The path of an installed tool (nginx, shellcheck, systemd-analyze…), or `None` after
/// saying the test skips (a failure under scripts/test.sh).
pub fn tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    if let Some(found) = dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file()) {
        return Some(found);
    }
    missing(&format!("{name} is not installed"));
    None
}

/// The Python of the interop venv (Synapse, signedjson, PyNaCl, aiosmtpd; made by
/// tests/interop/setup-synapse.sh): `MATRIXD_TEST_PYTHON`, else `bin/python` of
/// `MATRIXCTL_SYNAPSE_VENV` or `~/.cache/matrixctl/synapse-venv`. `None` after saying the test
/// skips (a failure under scripts/test.sh).
pub fn interop_python() -> Option<PathBuf> {
    let python = std::env::var_os("MATRIXD_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("MATRIXCTL_SYNAPSE_VENV")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
                        .join(".cache/matrixctl/synapse-venv")
                })
                .join("bin/python")
        });
    if python.is_file() {
        return Some(python);
    }
    missing(&format!(
        "the interop venv's Python ({}) is missing",
        python.display()
    ));
    None
}

/// PostgreSQL for the tests: `MATRIXD_TEST_PG_HOST`/`_PORT`/`_USER`, by default postgres on
/// 127.0.0.1:5432 with trust authentication (what tests/provision.sh sets up).
pub mod pg {
    use super::*;
    use sqlx::Connection as _;

    pub fn host() -> String {
        std::env::var("MATRIXD_TEST_PG_HOST").unwrap_or_else(|_| "127.0.0.1".into())
    }
    pub fn port() -> u16 {
        std::env::var("MATRIXD_TEST_PG_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(5432)
    }
    pub fn user() -> String {
        std::env::var("MATRIXD_TEST_PG_USER").unwrap_or_else(|_| "postgres".into())
    }
    /// The URL of database `db` as the test user.
    pub fn url(db: &str) -> String {
        format!("postgres://{}@{}:{}/{db}", user(), host(), port())
    }

    /// Whether PostgreSQL answers; when it does not, says the test skips (a failure under
    /// scripts/test.sh).
    pub fn available() -> bool {
        let addr = format!("{}:{}", host(), port());
        let up = std::net::ToSocketAddrs::to_socket_addrs(&addr)
            .ok()
            .and_then(|mut a| a.next())
            .is_some_and(|a| {
                std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok()
            });
        up || missing(&format!("PostgreSQL does not answer on {addr}"))
    }

    async fn admin() -> sqlx::PgConnection {
        let url = url("postgres");
        sqlx::PgConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL must answer at {url} for this test: {e}"))
    }

    /// Creates database `name` (dropping one left over) with `options`, e.g.
    /// `ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`.
    pub async fn create_database(name: &str, options: &str) {
        let mut conn = admin().await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} {options}"
        )))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
        let _ = conn.close().await;
    }

    /// Drops database `name` (closing its connections).
    pub async fn drop_database(name: &str) {
        let mut conn = admin().await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
        let _ = conn.close().await;
    }

    /// `create_database` from synchronous code.
    pub fn create_database_blocking(name: &str, options: &str) {
        block_on(create_database(name, options));
    }

    /// `drop_database` from synchronous code.
    pub fn drop_database_blocking(name: &str) {
        block_on(drop_database(name));
    }

    fn block_on<F: std::future::Future + Send>(f: F) -> F::Output
    where
        F::Output: Send,
    {
        // On a thread of its own: the calling test may already be inside a runtime.
        std::thread::scope(|s| {
            s.spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(f)
            })
            .join()
            .expect("database task")
        })
    }
}

/// A throwaway certificate authority and one certificate from it, all PEM.
pub struct TestPki {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// A fresh CA named `ca_name` and a certificate from it for `sans` (host names and IP
/// addresses), for TLS between test servers that trust only that CA.
pub fn throwaway_pki(ca_name: &str, sans: &[&str]) -> TestPki {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
        .unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert =
        rcgen::CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
    TestPki {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// A loopback port nothing listens on, for a server a test starts. Never the same port twice in
/// one test process: the kernel may hand a port it just gave out (and that no one has bound yet)
/// to the next caller, and two servers of concurrent tests on one port make one of them fail
/// (or answer for the other). Another process may still take it before the server binds it.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a loopback port")
            .port();
        if GIVEN.lock().expect("ports given").insert(port) {
            return port;
        }
    }
}
