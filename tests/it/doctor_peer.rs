//! `matrixctl doctor` as root against PostgreSQL with peer authentication on its local socket
//! (Debian's stock pg_hba.conf): the role is admitted only to the OS user of its name, so root
//! is refused, and the doctor runs its database checks as that user. Uses a throwaway cluster
//! (15/peertest on port 5439) and OS user (mxdoctor), both removed at the end even when an
//! assertion fails; the main cluster is not touched. Opt-in with MATRIXCTL_REAL_INSTALL=1, as
//! root (it creates a user and a cluster on this machine).

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use crate::support::*;

const CLUSTER: &str = "peertest";
const PORT: &str = "5439";
const USER: &str = "mxdoctor";
const SOCKET_DIR: &str = "/var/run/postgresql";

fn enabled() -> bool {
    if std::env::var("MATRIXCTL_REAL_INSTALL").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set MATRIXCTL_REAL_INSTALL=1 to create a throwaway PostgreSQL cluster and user on this machine (root)"
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

fn run(program: &str, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    eprintln!(
        "$ {program} {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn run_ok(program: &str, args: &[&str]) -> Output {
    let out = run(program, args);
    assert!(out.status.success(), "{program} {} failed", args.join(" "));
    out
}

/// The PostgreSQL major version the main cluster runs (the throwaway cluster uses the same).
fn pg_version() -> String {
    let out = run_ok("pg_lsclusters", &["-h"]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "15".to_string())
}

fn cluster_exists(version: &str) -> bool {
    Path::new(&format!("/etc/postgresql/{version}/{CLUSTER}")).exists()
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// (uid, gid) of an OS user.
fn ids(name: &str) -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        String::from_utf8_lossy(&run_ok("id", &[flag, name]).stdout)
            .trim()
            .parse()
            .unwrap()
    };
    (id("-u"), id("-g"))
}

/// Removes the throwaway cluster and user (also a failed earlier run's).
fn remove(version: &str) {
    if cluster_exists(version) {
        let _ = run("pg_dropcluster", &["--stop", version, CLUSTER]);
    }
    if user_exists(USER) {
        let _ = run("userdel", &[USER]);
    }
}

struct Cleanup {
    version: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        remove(&self.version);
    }
}

/// Replaces the generated config's `database:` section (SQLite) with PostgreSQL over the socket.
fn use_postgres(config: &Path) {
    let text = std::fs::read_to_string(config).unwrap();
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    let mut replaced = false;
    while let Some(l) = lines.next() {
        if l == "database:" {
            while lines
                .peek()
                .is_some_and(|n| n.starts_with(' ') || n.is_empty())
            {
                lines.next();
            }
            out.push_str(&format!(
                "database:\n  name: psycopg2\n  args:\n    user: {USER}\n    dbname: {USER}\n    host: {SOCKET_DIR}\n    port: {PORT}\n    cp_min: 1\n    cp_max: 5\n"
            ));
            replaced = true;
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    assert!(
        replaced,
        "no database section in {}:\n{text}",
        config.display()
    );
    std::fs::write(config, out).unwrap();
}

/// A built binary as another user can execute it: through a descriptor opened here, since the
/// target directory may lie where that user cannot enter (CI builds under /root). The file must
/// stay open until the command has started.
fn runnable(name: &str) -> (std::fs::File, std::path::PathBuf) {
    use std::os::fd::AsRawFd as _;
    let file = std::fs::File::open(bin(name)).unwrap();
    let path = std::path::PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    (file, path)
}

/// `matrixctl doctor --json <database checks> -c config`, as `as_user` (uid, gid) or root.
fn doctor(config: &Path, as_user: Option<(u32, u32)>) -> (i32, serde_json::Value, String) {
    let (_exe, path) = runnable("matrixctl");
    let mut cmd = Command::new(path);
    cmd.args([
        "doctor",
        "--json",
        "db.reachable",
        "db.migrations",
        "db.encoding",
        "-c",
    ])
    .arg(config)
    .current_dir("/");
    if let Some((uid, gid)) = as_user {
        cmd.uid(uid).gid(gid);
    }
    let out = cmd.output().expect("run matrixctl doctor");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "doctor --json: {e}\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    eprintln!(
        "$ matrixctl doctor --json db.reachable db.migrations db.encoding -c {} (as {as_user:?})\n{report:#}",
        config.display()
    );
    (out.status.code().unwrap_or(-1), report, text)
}

fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing: {report:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_as_root_runs_the_database_checks_as_the_service_user_under_peer_authentication() {
    if !enabled() {
        return;
    }
    install_crypto();
    let version = pg_version();
    remove(&version);
    let _cleanup = Cleanup {
        version: version.clone(),
    };

    // The OS user, and a cluster whose local connections use peer authentication.
    run_ok(
        "useradd",
        &[
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            USER,
        ],
    );
    run_ok(
        "pg_createcluster",
        &[
            &version,
            CLUSTER,
            "-p",
            PORT,
            "--",
            "--auth-local=peer",
            "--auth-host=scram-sha-256",
        ],
    );
    let hba = std::fs::read_to_string(format!("/etc/postgresql/{version}/{CLUSTER}/pg_hba.conf"))
        .unwrap();
    let local: Vec<&str> = hba
        .lines()
        .filter(|l| l.split_whitespace().next() == Some("local"))
        .collect();
    assert!(
        !local.is_empty()
            && local
                .iter()
                .all(|l| l.split_whitespace().last() == Some("peer")),
        "local connections do not all use peer:\n{hba}"
    );
    run_ok(
        "pg_ctlcluster",
        &["--skip-systemctl-redirect", &version, CLUSTER, "start"],
    );
    let psql = |sql: &str| {
        run_ok(
            "runuser",
            &[
                "-u",
                "postgres",
                "--",
                "psql",
                "-h",
                SOCKET_DIR,
                "-p",
                PORT,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
        )
    };
    psql(&format!("CREATE ROLE {USER} LOGIN"));
    psql(&format!(
        "CREATE DATABASE {USER} OWNER {USER} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    ));

    // A config for that user, and matrixd run once as that user: it creates the schema.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("homeserver.yaml");
    let port = free_port();
    generate_config("peer.example", port, &config, dir.path());
    use_postgres(&config);
    run_ok(
        "chown",
        &[
            "-R",
            &format!("{USER}:{USER}"),
            dir.path().to_str().unwrap(),
        ],
    );
    let (uid, gid) = ids(USER);
    {
        let (_exe, path) = runnable("matrixd");
        let mut cmd = Command::new(path);
        cmd.arg("-c")
            .arg(&config)
            .current_dir(dir.path())
            .uid(uid)
            .gid(gid);
        let mut proc = Proc::spawn(
            &mut cmd,
            std::env::temp_dir().join(format!("doctor-peer-matrixd-{}.log", std::process::id())),
        );
        wait_for(
            &format!("http://127.0.0.1:{port}/_matrix/client/versions"),
            &mut proc,
            Duration::from_secs(30),
        )
        .await;
        let _ = std::fs::remove_file(&proc.log);
    }

    // As root: refused as root, so the checks ran as mxdoctor, and all three are ok.
    let (code, report, _) = tokio::task::spawn_blocking({
        let config = config.clone();
        move || doctor(&config, None)
    })
    .await
    .unwrap();
    for id in ["db.reachable", "db.migrations", "db.encoding"] {
        let c = check(&report, id);
        assert_eq!(c["status"], "ok", "{id} as root: {report:#}");
        assert_eq!(
            c["details"]["connected_as"],
            format!("{USER} (uid {uid})"),
            "{id}: {report:#}"
        );
        assert!(
            c["summary"]
                .as_str()
                .unwrap()
                .contains(&format!("connected as OS user {USER}")),
            "{id}: {report:#}"
        );
        let why = c["details"]["why"].as_str().unwrap_or_default();
        assert!(
            why.contains("Peer authentication failed"),
            "{id}: root was not refused by peer authentication: {report:#}"
        );
    }
    assert_eq!(code, 0, "{report:#}");

    // In Persian: the service user's run gets the language and hands its findings back as
    // message ids, so they read in Persian like every other check (not as its English JSON).
    let (_exe, path) = runnable("matrixctl");
    let out = Command::new(path)
        .args([
            "--lang",
            "fa",
            "doctor",
            "db.reachable",
            "db.migrations",
            "db.encoding",
            "-c",
        ])
        .arg(&config)
        .current_dir("/")
        .output()
        .expect("run matrixctl doctor");
    let human = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("$ matrixctl --lang fa doctor db.* -c ...\n{human}");
    assert_eq!(out.status.code(), Some(0), "{human}");
    for persian in [
        "مهاجرت اعمال شده، هیچ‌کدام در انتظار نیست",
        &format!("(با کاربر سیستم‌عامل \u{2068}{USER}\u{2069} وصل شد)"),
    ] {
        assert!(human.contains(persian), "{persian} missing:\n{human}");
    }
    for english in ["migrations applied", "connected as", "encoding UTF8"] {
        assert!(!human.contains(english), "{english} in:\n{human}");
    }

    // As another unprivileged user (nobody): refused, and the fix says to run as root or as mxdoctor.
    run_ok("chmod", &["-R", "a+rX", dir.path().to_str().unwrap()]);
    let (nobody_uid, nobody_gid) = ids("nobody");
    let (code, report, _) = tokio::task::spawn_blocking({
        let config = config.clone();
        move || doctor(&config, Some((nobody_uid, nobody_gid)))
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{report:#}");
    let c = check(&report, "db.reachable");
    assert_eq!(c["status"], "fail", "{report:#}");
    let fix = c["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("run the doctor as root")
            && fix.contains(&format!("sudo -u {USER} matrixctl doctor")),
        "fix: {fix}\n{report:#}"
    );
}
