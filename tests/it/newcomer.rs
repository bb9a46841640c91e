//! The three steps of Synapse's install guide with our tools: generate a config, start the
//! server, register a user — on SQLite and on PostgreSQL — then a clean SIGTERM shutdown.

use std::process::Command;
use std::time::Duration;

use crate::support::*;

struct Running {
    proc: Proc,
    url: String,
    config: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// generate-config (+ an optional edit), then `matrixd --config` as a child process.
async fn generate_and_start(edit: impl FnOnce(String) -> String) -> Running {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("etc/homeserver.yaml");
    generate_config("e2e.example", port, &config, &dir.path().join("data"));
    let text = edit(std::fs::read_to_string(&config).unwrap());
    std::fs::write(&config, text).unwrap();

    let check = Command::new(bin("matrixd"))
        .arg("check-config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let mut proc = Proc::spawn(
        Command::new(bin("matrixd")).arg("--config").arg(&config),
        dir.path().join("matrixd.out"),
    );
    let url = format!("http://127.0.0.1:{port}");
    wait_for(
        &format!("{url}/_matrix/client/versions"),
        &mut proc,
        Duration::from_secs(30),
    )
    .await;
    Running {
        proc,
        url,
        config,
        _dir: dir,
    }
}

async fn register_login_and_stop(mut r: Running) {
    let pw_file = r.config.with_file_name("pw");
    std::fs::write(&pw_file, "correct horse battery\n").unwrap();
    let out = Command::new(bin("matrixctl"))
        .args(["register-user", "-c"])
        .arg(&r.config)
        .args(["-u", "alice", "--admin", "--password-file"])
        .arg(&pw_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Success! Registered @alice:e2e.example")
    );

    // Again: taken, exit 1; with --exists-ok, exit 0.
    let again = |exists_ok: bool| {
        let mut c = Command::new(bin("matrixctl"));
        c.args(["register-user", "-c"])
            .arg(&r.config)
            .args(["-u", "alice", "--no-admin", "--password-file"])
            .arg(&pw_file);
        if exists_ok {
            c.arg("--exists-ok");
        }
        c.output().unwrap()
    };
    let out = again(false);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("M_USER_IN_USE"));
    assert_eq!(again(true).status.code(), Some(0));

    let (status, body) = login(&r.url, "alice", "correct horse battery").await;
    assert_eq!(status, 200, "{body}");
    let (status, who) = whoami(&r.url, body["access_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, who["user_id"].as_str()),
        (200, Some("@alice:e2e.example"))
    );

    // The log config generate-config wrote is honoured: the server logs to data/homeserver.log.
    let data = r.config.parent().unwrap().parent().unwrap().join("data");
    let pid_file = data.join("homeserver.pid");
    assert_eq!(
        std::fs::read_to_string(&pid_file).unwrap().trim(),
        r.proc.child.id().to_string()
    );
    assert!(
        std::fs::read_to_string(data.join("homeserver.log"))
            .unwrap()
            .contains("listening on")
    );

    r.proc.signal(libc::SIGTERM);
    let status = r
        .proc
        .wait_timeout(Duration::from_secs(15))
        .expect("matrixd stops within 15 s of SIGTERM");
    assert!(
        status.success(),
        "exit status {status}: {}",
        r.proc.log_text()
    );
    assert!(!pid_file.exists(), "the pid file is removed on shutdown");
}

#[tokio::test]
async fn newcomer_flow_on_sqlite() {
    let r = generate_and_start(|t| t).await;
    register_login_and_stop(r).await;
}

#[tokio::test]
async fn newcomer_flow_on_postgresql() {
    let db = format!("matrixd_e2e_{}", std::process::id());
    let psql = |sql: &str| {
        Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-qc",
                sql,
            ])
            .status()
            .expect("psql")
    };
    let _ = psql(&format!("DROP DATABASE IF EXISTS {db}"));
    assert!(
        psql(&format!(
            "CREATE DATABASE {db} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
        ))
        .success()
    );
    let db2 = db.clone();
    let r = generate_and_start(move |t| {
        let start = t.find("database:\n").unwrap();
        let end = t[start..].find("\n\n").unwrap() + start;
        format!(
            "{}database:\n  name: psycopg2\n  args:\n    user: postgres\n    dbname: {db2}\n    host: 127.0.0.1\n    port: 5432\n    cp_min: 1\n    cp_max: 4{}",
            &t[..start],
            &t[end..]
        )
    })
    .await;
    register_login_and_stop(r).await;
    let _ = psql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
}
