//! Element X's library: tests/sdk-client (matrix-sdk and matrix-sdk-ui, a crate of its own
//! outside the workspace) logs two users in discovering native sliding sync, runs
//! `SyncService`, creates an encrypted DM, accepts the invite from the room list and reads
//! both users' messages in the `Timeline`, none undecryptable. Run against matrixd on SQLite
//! and on PostgreSQL, and against Synapse to prove the program itself right. The program is
//! built by scripts/test.sh (`cargo build --manifest-path tests/sdk-client/Cargo.toml`, same
//! target dir); without it these tests skip under plain `cargo test`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::backup::{C_DB, use_postgres};
use crate::support::*;

/// Longer than the program's own bound (15 min) so that its own message is what fails.
const BOUND: Duration = Duration::from_secs(1000);

/// The sdk-client program in this target dir, or `None` when the test skips.
fn sdk_client() -> Option<PathBuf> {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target dir");
    let target = dir.parent().expect("target dir");
    testkit::built_program(
        &dir.join("sdk-client"),
        &format!(
            "cargo build --manifest-path tests/sdk-client/Cargo.toml --target-dir {}",
            target.display()
        ),
    )
}

/// Runs the program against `url`; panics with its output (and `server_log`) unless it passes.
fn run_sdk_client(
    program: &std::path::Path,
    url: &str,
    secret: &str,
    server_log: impl Fn() -> String,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(program);
    cmd.arg(url).arg(secret);
    if std::env::var_os("RUST_LOG").is_none() {
        cmd.env("RUST_LOG", "warn");
    }
    let mut proc = Proc::spawn(&mut cmd, dir.path().join("sdk-client.log"));
    let status = proc.wait_timeout(BOUND);
    let output = proc.log_text();
    let passed = status.is_some_and(|s| s.success()) && output.contains("all checks passed");
    if !passed {
        panic!(
            "sdk-client against {url} failed ({status:?}):\n{output}\n--- server log (end) ---\n{}",
            tail(&server_log(), 400)
        );
    }
    eprintln!("{output}");
}

/// matrixd's output and its log file (the generated log config writes `homeserver.log` in the
/// data directory).
fn matrixd_log(m: &Proc, data: &std::path::Path) -> String {
    format!(
        "{}{}",
        m.log_text(),
        std::fs::read_to_string(data.join("homeserver.log")).unwrap_or_default()
    )
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[tokio::test]
async fn element_x_sdk_chats_encrypted_on_matrixd() {
    let Some(program) = sdk_client() else { return };
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let (m, url, config) = start_matrixd(dir.path()).await;
    let secret = shared_secret(&config);
    run_sdk_client(&program, &url, &secret, || matrixd_log(&m, dir.path()));
}

#[tokio::test]
async fn element_x_sdk_chats_encrypted_on_matrixd_with_postgresql() {
    let Some(program) = sdk_client() else { return };
    if !testkit::pg::available() {
        return;
    }
    install_crypto();
    let db = format!("matrixd_sdk_client_{}", std::process::id());
    let _drop = crate::migrate_db::TempDb(db.clone());
    testkit::pg::create_database(&db, C_DB).await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("homeserver.yaml");
    generate_config("sdk.example", port, &config, dir.path());
    relax_limits(&config);
    use_postgres(&config, &db);
    let url = format!("http://127.0.0.1:{port}");
    let m = run_matrixd(&config, dir.path().join("matrixd.out"), &url).await;
    let secret = shared_secret(&config);
    run_sdk_client(&program, &url, &secret, || matrixd_log(&m, dir.path()));
}

#[tokio::test]
async fn element_x_sdk_chats_encrypted_on_synapse() {
    let Some(program) = sdk_client() else { return };
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let syn_dir = dir.path().join("synapse");
    let (synapse, url) = start_synapse(&syn_dir).await;
    let secret = shared_secret(&syn_dir.join("homeserver.yaml"));
    let log = syn_dir.join("homeserver.log");
    run_sdk_client(&program, &url, &secret, || {
        format!(
            "{}\n{}",
            synapse.log_text(),
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    });
}
