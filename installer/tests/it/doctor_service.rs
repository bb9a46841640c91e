//! The doctor's service, database and nginx checks, each passing and failing on real material:
//! sockets and a loopback HTTP server in matrixd's place, SQLite files migrated with the
//! server's own migrations, PostgreSQL databases on 127.0.0.1:5432, and `nginx -t`.

use std::net::TcpListener;
use std::path::Path;

use sqlx::Connection as _;

use crate::doctor_support::{Conf, Http, Pki, Reply, expect, free_port, write_mode};

#[test]
fn service_enabled_skips_without_an_installed_unit() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), free_port()).write();
    // No matrixd unit in /etc on a build machine; the installed case is the install test's.
    if !Path::new("/etc/systemd/system/matrixd.service").exists() {
        let s = expect(&cfg, "service.enabled", &["--distro", "debian"], "skip");
        assert!(s.contains("no matrixd service installed"), "{s}");
    }
}

#[test]
fn service_running_follows_the_pid_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), free_port()).write();
    if Path::new("/etc/systemd/system/matrixd.service").exists() {
        return;
    }
    let s = expect(&cfg, "service.running", &[], "fail");
    assert!(s.contains("no "), "{s}");
    // A live process (this test) in the pid file.
    std::fs::write(
        dir.path().join("homeserver.pid"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    expect(&cfg, "service.running", &[], "ok");
    std::fs::write(dir.path().join("homeserver.pid"), "2147483000\n").unwrap();
    let s = expect(&cfg, "service.running", &[], "fail");
    assert!(s.contains("stale"), "{s}");
}

#[test]
fn service_listeners_accept_connections_or_fail() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cfg = Conf::new(dir.path(), port).write();
    let s = expect(&cfg, "service.listeners", &[], "ok");
    assert!(s.contains(&format!("{port} (client, federation)")), "{s}");
    drop(listener);
    let s = expect(&cfg, "service.listeners", &[], "fail");
    assert!(s.contains("nothing accepts connections"), "{s}");
}

#[test]
fn service_client_versions_answers_locally_or_fails() {
    let http = Http::start(None);
    http.route(
        "/_matrix/client/versions",
        Reply::json(r#"{"versions":["v1.11","v1.12"]}"#),
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), http.port()).write();
    let s = expect(&cfg, "service.client_versions", &[], "ok");
    assert!(s.contains("2 spec versions"), "{s}");
    // Something else on the port.
    http.route(
        "/_matrix/client/versions",
        Reply::status(404, "<html>not found</html>"),
    );
    expect(&cfg, "service.client_versions", &[], "fail");
    // Nothing on the port.
    let cfg = Conf::new(dir.path(), free_port()).write();
    expect(&cfg, "service.client_versions", &[], "fail");
}

/// An SQLite database with the server's schema, as matrixd leaves it.
pub(crate) fn migrated_sqlite(path: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        sqlx::migrate!("../server/migrations/sqlite")
            .run(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
}

fn sqlite_exec(path: &Path, sql: &'static str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    });
}

#[test]
fn db_reachable_and_migrations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), free_port()).write();
    let db = dir.path().join("homeserver.db");
    let s = expect(&cfg, "db.reachable", &[], "fail");
    assert!(s.contains("does not exist"), "{s}");
    expect(&cfg, "db.migrations", &[], "skip");
    std::fs::write(
        &db,
        "this is not a database, just text long enough to be read as a header ...",
    )
    .unwrap();
    expect(&cfg, "db.reachable", &[], "fail");
    std::fs::remove_file(&db).unwrap();
    migrated_sqlite(&db);
    let s = expect(&cfg, "db.reachable", &[], "ok");
    assert!(s.starts_with("SQLite 3."), "{s}");
    let s = expect(&cfg, "db.migrations", &[], "ok");
    assert!(s.contains("none pending"), "{s}");
    expect(&cfg, "db.encoding", &[], "skip");
    sqlite_exec(
        &db,
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    );
    let s = expect(&cfg, "db.migrations", &[], "fail");
    assert_eq!(s, "1 migration(s) pending");
    sqlite_exec(&db, "DROP TABLE _sqlx_migrations");
    let s = expect(&cfg, "db.migrations", &[], "fail");
    assert!(s.contains("no schema"), "{s}");
}

fn create_pg_database(name: &str, options: &str) {
    testkit::pg::create_database_blocking(name, options);
}

fn drop_pg_database(name: &str) {
    testkit::pg::drop_database_blocking(name);
}

fn pg_conf(dir: &Path, dbname: &str) -> std::path::PathBuf {
    Conf::new(dir, free_port())
        .set("database", &format!("\n  name: psycopg2\n  args:\n    user: postgres\n    dbname: {dbname}\n    host: 127.0.0.1\n    port: 5432"))
        .write()
}

#[test]
fn db_checks_on_postgresql_encoding_and_collation() {
    if !testkit::pg::available() {
        return;
    }
    let good = format!("doctor_utf8_{}", std::process::id());
    let bad = format!("doctor_ascii_{}", std::process::id());
    create_pg_database(
        &good,
        "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
    );
    create_pg_database(
        &bad,
        "ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = pg_conf(dir.path(), &good);
    let s = expect(&cfg, "db.reachable", &[], "ok");
    assert!(s.starts_with("PostgreSQL "), "{s}");
    expect(&cfg, "db.encoding", &[], "ok");
    expect(&cfg, "db.migrations", &[], "fail");
    let cfg = pg_conf(dir.path(), &bad);
    let s = expect(&cfg, "db.encoding", &[], "fail");
    assert!(s.contains("SQL_ASCII"), "{s}");
    let cfg = pg_conf(
        dir.path(),
        &format!("doctor_missing_{}", std::process::id()),
    );
    expect(&cfg, "db.reachable", &[], "fail");
    drop_pg_database(&good);
    drop_pg_database(&bad);
}

/// An nginx prefix with a main config including `site`, and the site with a real certificate.
fn nginx_material(dir: &Path, site_body: &str) -> (String, String) {
    let pki = Pki::new();
    let leaf = pki.leaf(&["matrix.example.test", "example.test"], 90);
    std::fs::write(dir.join("fullchain.pem"), pki.fullchain(&leaf)).unwrap();
    write_mode(&dir.join("privkey.pem"), leaf.key_pem.as_bytes(), 0o600);
    let site = dir.join("site.conf");
    std::fs::write(
        &site,
        site_body.replace("{dir}", &dir.display().to_string()),
    )
    .unwrap();
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!("error_log stderr;\npid {0}/nginx.pid;\nevents {{}}\nhttp {{\n  access_log off;\n  include {1};\n}}\n", dir.display(), site.display()),
    )
    .unwrap();
    (site.display().to_string(), conf.display().to_string())
}

const GOOD_SITE: &str = "server {
    listen 127.0.0.1:18443 ssl;
    server_name matrix.example.test example.test;
    ssl_certificate {dir}/fullchain.pem;
    ssl_certificate_key {dir}/privkey.pem;
    client_max_body_size 50M;
    location ~ ^(/_matrix|/_synapse/client) {
        proxy_pass http://127.0.0.1:{port};
        proxy_set_header Host $host;
    }
}
";

#[test]
fn nginx_checks_pass_on_a_good_site_and_fail_on_broken_ones() {
    if testkit::tool("nginx").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let good = GOOD_SITE.replace("{port}", &port.to_string());
    let (site, conf) = nginx_material(dir.path(), &good);
    let cfg = Conf::new(dir.path(), port).write();
    let args = ["--nginx-site", site.as_str(), "--nginx-conf", conf.as_str()];
    expect(&cfg, "nginx.config_test", &args, "ok");
    let s = expect(&cfg, "nginx.proxy", &args, "ok");
    assert!(s.contains(&format!("http://127.0.0.1:{port}")), "{s}");
    expect(&cfg, "nginx.body_size", &args, "ok");
    // The certificate the site names is checked by the TLS group too.
    expect(&cfg, "tls.chain", &args, "ok");

    // A syntax error, /_matrix not forwarded, and nginx's 1m default body size.
    let broken = "server {\n    listen 127.0.0.1:18080;\n    location /static {\n        root /var/www;\n    }\n    bogus_directive on;\n}\n";
    let (site, conf) = nginx_material(dir.path(), broken);
    let args = ["--nginx-site", site.as_str(), "--nginx-conf", conf.as_str()];
    let s = expect(&cfg, "nginx.config_test", &args, "fail");
    assert!(s.contains("bogus_directive"), "{s}");
    let s = expect(&cfg, "nginx.proxy", &args, "fail");
    assert!(s.contains("does not forward /_matrix"), "{s}");
    let s = expect(&cfg, "nginx.body_size", &args, "fail");
    assert!(s.contains("nginx's default 1m"), "{s}");

    // Forwarding to a port with no matrixd listener, with a URI part, and only /_matrix.
    let odd = "server {\n    listen 127.0.0.1:18080;\n    client_max_body_size 10M;\n    location /_matrix {\n        proxy_pass http://127.0.0.1:1/;\n    }\n}\n";
    let (site, conf) = nginx_material(dir.path(), odd);
    let args = ["--nginx-site", site.as_str(), "--nginx-conf", conf.as_str()];
    let s = expect(&cfg, "nginx.proxy", &args, "warn");
    assert!(
        s.contains("/_synapse/client is not forwarded")
            && s.contains("URI part")
            && s.contains("no matrixd listener"),
        "{s}"
    );
    let s = expect(&cfg, "nginx.body_size", &args, "fail");
    assert!(s.contains("client_max_body_size is 10M"), "{s}");
    // No site at all: skipped.
    expect(&cfg, "nginx.proxy", &[], "skip");
}
