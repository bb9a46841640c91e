//! The real install on this machine (issue 4): `matrixctl install --yes` with nginx and a
//! self-signed certificate, first on SQLite, then on PostgreSQL, as root on Debian. Opt-in with
//! MATRIXCTL_REAL_INSTALL=1 (.ci/run sets it on Debian as root). nginx is purged first (the
//! provisioning installs it for other tests' `nginx -t`), so the install installs it with apt;
//! it creates the matrixd user, writes /etc/matrixd, /var/lib/matrixd and the nginx site, and
//! starts matrixd (directly: systemd is not PID 1 here) and nginx. The installed-box doctor
//! (`matrixctl doctor` without -c) then reports no failure (issue 5). Each run is undone with
//! `matrixctl uninstall --purge --yes`; at the end nginx is installed again, and running again
//! only if it ran before.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::{bin, install_crypto};

const CONFIG: &str = "/etc/matrixd/homeserver.yaml";
const CERT: &str = "/etc/matrixd/tls/fullchain.pem";

fn enabled() -> bool {
    if std::env::var("MATRIXCTL_REAL_INSTALL").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set MATRIXCTL_REAL_INSTALL=1 to install for real on this machine (Debian, root)"
        );
        return false;
    }
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "MATRIXCTL_REAL_INSTALL=1 needs root"
    );
    true
}

fn matrixctl(args: &[&str]) -> std::process::Output {
    let out = Command::new(bin("matrixctl"))
        .args(args)
        .current_dir("/tmp")
        .output()
        .expect("run matrixctl");
    eprintln!(
        "$ matrixctl {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn pid_in(file: &str) -> Option<libc::pid_t> {
    let pid: libc::pid_t = std::fs::read_to_string(file).ok()?.trim().parse().ok()?;
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    (pid > 1 && unsafe { libc::kill(pid, 0) } == 0).then_some(pid)
}

/// Purges an install, also one a failed run left uninstalled but not purged (config, keys and
/// data kept, no receipt): brought back with its saved answers first, as an operator would.
fn purge_install() {
    if !Path::new("/etc/matrixd/matrixctl-install.toml").exists()
        && Path::new("/etc/matrixd/matrixctl-answers.toml").exists()
    {
        let _ = matrixctl(&[
            "install",
            "--answers",
            "/etc/matrixd/matrixctl-answers.toml",
            "--yes",
        ]);
    }
    if Path::new("/etc/matrixd/matrixctl-install.toml").exists() {
        let _ = matrixctl(&["uninstall", "--purge", "--yes"]);
    }
}

/// Undoes an install even when an assertion failed half-way.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        purge_install();
        if let Some(pid) = pid_in("/run/matrixd/matrixd.pid") {
            // SAFETY: the matrixd this test's install started, by the pid in its pid file.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
    }
}

fn snapshot(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            snapshot(&p, out);
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
}

fn installed_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    snapshot(Path::new("/etc/matrixd"), &mut out);
    for f in [
        "/etc/nginx/sites-available/matrixd.conf",
        "/var/www/matrixd/.well-known/matrix/client",
        "/var/www/matrixd/.well-known/matrix/server",
    ] {
        out.push((PathBuf::from(f), std::fs::read(f).unwrap()));
    }
    out.sort();
    out
}

/// dpkg's status of `pkg` starts with "ii": installed.
fn dpkg_installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Abbrev}", pkg])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).starts_with("ii"))
}

fn apt_get(args: &[&str]) -> std::process::Output {
    let out = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .expect("run apt-get");
    eprintln!(
        "$ apt-get {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Stops the nginx master named by its pid file, and waits for it to go.
fn stop_nginx() {
    if let Some(pid) = pid_in("/run/nginx.pid") {
        // SAFETY: the nginx master, by its pid file.
        unsafe { libc::kill(pid, libc::SIGQUIT) };
        for _ in 0..100 {
            // SAFETY: signal 0 only checks that the process exists.
            if unsafe { libc::kill(pid, 0) } != 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Every nginx package dpkg knows as installed or with its config left (nginx, nginx-common,
/// nginx-core, libnginx-mod-*, ...).
fn nginx_packages() -> Vec<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Package} ${db:Status-Abbrev}\n", "*nginx*"])
        .output()
        .expect("run dpkg-query");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, status)| status.starts_with('i') || status.starts_with("rc"))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Puts nginx back as the provisioning left it (installed; running only if it ran), even when
/// an assertion failed: later tests need `nginx -t`.
struct RestoreNginx {
    was_running: bool,
}

impl Drop for RestoreNginx {
    fn drop(&mut self) {
        if !dpkg_installed("nginx") {
            let out = apt_get(&["install", "-y", "-q", "--no-install-recommends", "nginx"]);
            if !out.status.success() {
                let _ = apt_get(&["update", "-q"]);
                let _ = apt_get(&["install", "-y", "-q", "--no-install-recommends", "nginx"]);
            }
        }
        let running = pid_in("/run/nginx.pid").is_some();
        if running && !self.was_running {
            stop_nginx();
        } else if !running && self.was_running {
            let _ = Command::new("nginx").status();
        }
    }
}

/// `matrixctl doctor` as an operator runs it on the installed box: no -c (the distro data
/// finds /etc/matrixd/homeserver.yaml), every check, the public names probed on this box with
/// the installed certificate as the only trusted root. Nothing may fail.
fn doctor_reports_no_failure(database: &str) {
    let out = Command::new(bin("matrixctl"))
        .args(["doctor", "--json", "--ca-file", CERT])
        .current_dir("/tmp")
        .output()
        .expect("run doctor");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "doctor --json ({database}): {e}\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let human = Command::new(bin("matrixctl"))
        .args(["doctor", "-v", "--ca-file", CERT])
        .current_dir("/tmp")
        .output()
        .expect("run doctor");
    let human = format!(
        "{}{}",
        String::from_utf8_lossy(&human.stdout),
        String::from_utf8_lossy(&human.stderr)
    );
    eprintln!("$ matrixctl doctor -v --ca-file {CERT}   ({database})\n{human}");
    assert_eq!(
        report["summary"]["fail"], 0,
        "doctor found failures on the {database} install:\n{human}\n{report:#}"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "doctor exit code ({database}):\n{human}"
    );
    let status = |id: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].as_str().unwrap_or("").to_string())
    };
    // It found and checked the installed box rather than skipping its way to no failure.
    for id in [
        "config.parse",
        "service.running",
        "service.listeners",
        "service.client_versions",
        "db.reachable",
        "db.migrations",
        "tls.key_match",
        "tls.names",
        "federation.version",
        "federation.keys",
        "federation.certificate",
        "client.well_known",
        "client.cors",
        "client.base_url",
        "nginx.config_test",
        "nginx.proxy",
    ] {
        assert_eq!(
            status(id).as_deref(),
            Some("ok"),
            "{id} ({database}):\n{human}"
        );
    }
    if database == "postgres" {
        assert_eq!(
            status("db.encoding").as_deref(),
            Some("ok"),
            "db.encoding:\n{human}"
        );
    }
}

/// A client that trusts only the installed self-signed certificate.
fn client() -> reqwest::Client {
    install_crypto();
    let cert = reqwest::Certificate::from_pem(&std::fs::read(CERT).unwrap()).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn install_and_check(database: &str) {
    let _cleanup = Cleanup;
    purge_install();
    let nginx_absent = !dpkg_installed("nginx");
    let out = matrixctl(&[
        "install",
        "--yes",
        "--server-name",
        "localhost",
        "--report-stats",
        "no",
        "--database",
        database,
    ]);
    assert!(out.status.success(), "install ({database}) failed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Ready https://localhost/_matrix/client/versions answered"),
        "{err}"
    );
    assert!(
        err.contains("matrixctl started matrixd directly as matrixd"),
        "it says how it ran matrixd without systemd:\n{err}"
    );
    if nginx_absent {
        // nginx was not there: the install installed it with apt, and its receipt says so (so
        // that uninstall removes it again).
        assert!(
            err.lines()
                .any(|l| l.trim_start().starts_with("Installing nginx")
                    && l.contains("apt-get install")),
            "the install does not say it installed nginx with apt:\n{err}"
        );
        assert!(
            dpkg_installed("nginx"),
            "nginx is not installed after the install"
        );
        let receipt = std::fs::read_to_string("/etc/matrixd/matrixctl-install.toml").unwrap();
        assert!(
            receipt
                .lines()
                .any(|l| l.starts_with("packages_added") && l.contains("\"nginx\"")),
            "the receipt does not record nginx:\n{receipt}"
        );
    }
    doctor_reports_no_failure(database);

    // Through nginx, with that certificate.
    let c = client();
    let r = c
        .get("https://localhost/_matrix/client/versions")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["server"].to_str().unwrap().split('/').next(),
        Some("nginx")
    );
    let r = c
        .get("https://localhost/.well-known/matrix/client")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["m.homeserver"]["base_url"], "https://localhost");

    // The same answers again: same bytes, same key, nothing restarted.
    let before = installed_files();
    let pid = pid_in("/run/matrixd/matrixd.pid").expect("matrixd runs");
    let out = matrixctl(&["install", "--yes"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing was changed") && err.contains("not restarting"),
        "{err}"
    );
    assert_eq!(
        before,
        installed_files(),
        "a second identical run changed bytes"
    );
    assert_eq!(
        pid_in("/run/matrixd/matrixd.pid"),
        Some(pid),
        "matrixd was restarted although nothing changed"
    );

    // status, then a user registered with the installed config logs in through nginx.
    let out = matrixctl(&["status"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(CONFIG));
    let out = matrixctl(&[
        "register-user",
        "-c",
        CONFIG,
        "-u",
        "alice",
        "-p",
        "correct horse battery",
        "--no-admin",
    ]);
    assert!(out.status.success(), "register-user failed");
    let r = c
        .post("https://localhost/_matrix/client/v3/login")
        .json(&serde_json::json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "alice"}, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let login: serde_json::Value = r.json().await.unwrap();
    assert_eq!(login["user_id"], "@alice:localhost");
    let token = login["access_token"].as_str().unwrap();
    let r = c
        .get("https://localhost/_matrix/client/v3/account/whoami")
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    if database == "postgres" {
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc"])
            .arg("SELECT pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'matrixd'")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "UTF8|C|C|matrixd"
        );
    }

    // stop / start drive the installed service.
    assert!(matrixctl(&["stop"]).status.success());
    assert!(pid_in("/run/matrixd/matrixd.pid").is_none());
    assert_eq!(matrixctl(&["status"]).status.code(), Some(1));
    assert!(matrixctl(&["start"]).status.success());

    // uninstall keeps the data unless --purge.
    let out = matrixctl(&["uninstall", "--yes"]);
    assert!(out.status.success());
    assert!(Path::new(CONFIG).exists() && Path::new("/etc/matrixd/signing.key").exists());
    assert!(!Path::new("/etc/nginx/sites-enabled/matrixd.conf").exists());
    assert!(pid_in("/run/matrixd/matrixd.pid").is_none());
    // Back with the saved answers, then purged.
    let out = matrixctl(&[
        "install",
        "--answers",
        "/etc/matrixd/matrixctl-answers.toml",
        "--yes",
    ]);
    assert!(out.status.success());
    let out = matrixctl(&["uninstall", "--purge", "--yes"]);
    assert!(out.status.success());
    assert!(!Path::new("/etc/matrixd").exists() && !Path::new("/var/lib/matrixd").exists());
}

/// SQLite, then PostgreSQL: one test, so the two never share paths and ports at once.
#[tokio::test(flavor = "multi_thread")]
async fn real_install_with_nginx_and_self_signed_tls_on_sqlite_then_postgres() {
    if !enabled() {
        return;
    }
    // A fresh box has no nginx: remove the provisioned one (it comes back at the end).
    let _restore = RestoreNginx {
        was_running: pid_in("/run/nginx.pid").is_some(),
    };
    stop_nginx();
    let packages = nginx_packages();
    if !packages.is_empty() {
        let mut args = vec!["purge", "-y", "-q"];
        args.extend(packages.iter().map(String::as_str));
        assert!(apt_get(&args).status.success(), "cannot purge {packages:?}");
    }
    assert!(!dpkg_installed("nginx"), "nginx is still installed");
    install_and_check("sqlite").await;
    // The SQLite run's purge removed the nginx it installed, so this one installs it again.
    install_and_check("postgres").await;
}
