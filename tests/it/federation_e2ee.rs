//! Encrypted rooms across servers (issue 14) with a real client encryption stack:
//! matrix-nio[e2e] (tests/interop/nio_fed_e2ee.py) on each side of federation. Keys, device
//! lists, to-device messages and room keys cross the boundary: messages both ways, a new device
//! that decrypts what is sent after it logged in, a deleted device that is no longer given keys.
//! Between matrixd and Synapse in both directions, and between two matrixd servers with the
//! first one down while the second's user logs in a new device.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::fed::*;
use crate::support::*;

/// Every matrixd and Synapse log under `dir`, for a failure's report.
fn logs(dir: &Path) -> String {
    let mut out = String::new();
    for entry in walk(dir) {
        let name = entry.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".out") || name.ends_with(".log") {
            let text = std::fs::read_to_string(&entry).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(80).collect();
            out.push_str(&format!("\n--- {}\n", entry.display()));
            for line in tail.into_iter().rev() {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Runs the nio script for `a_user` on `a` and `b_user` on `b`; with `pause`, A's matrixd is
/// stopped while B's second device logs in and started again after.
async fn run_script(
    dir: &Path,
    a: &mut Server,
    a_user: &str,
    b: &Server,
    b_user: &str,
    pause: bool,
) {
    a.user(a_user).await;
    b.user(b_user).await;
    let pause_file = dir.join("pause");
    let mut cmd = tokio::process::Command::new(synapse_venv().join("bin/python"));
    cmd.arg(repo_root().join("tests/interop/nio_fed_e2ee.py"))
        .arg(&a.url)
        .arg(a.user_id(a_user))
        .arg(&b.url)
        .arg(b.user_id(b_user))
        .arg("federation-pass-1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if pause {
        std::fs::write(&pause_file, "").unwrap();
        cmd.arg("--pause-file").arg(&pause_file);
    }
    let child = cmd.spawn().expect("run nio_fed_e2ee.py");
    if pause {
        let wait_for = |state: &'static str| {
            let file = pause_file.clone();
            async move {
                for _ in 0..3000 {
                    if std::fs::read_to_string(&file).unwrap_or_default().trim() == state {
                        return true;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                false
            }
        };
        if wait_for("paused").await {
            a.stop_matrixd();
            std::fs::write(&pause_file, "go").unwrap();
            if wait_for("b2").await {
                a.start_matrixd().await;
                std::fs::write(&pause_file, "go").unwrap();
            }
        }
    }
    let out = tokio::time::timeout(Duration::from_secs(900), child.wait_with_output())
        .await
        .expect("nio_fed_e2ee.py finishes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("all checks passed"),
        "nio_fed_e2ee.py ({} → {}) failed ({}):\n{stdout}\n{stderr}\nlogs:{}",
        a.name,
        b.name,
        out.status,
        logs(dir)
    );
}

#[tokio::test]
async fn encrypted_room_between_matrixd_and_synapse() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (syn, mut md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    // B's new device and its deletion happen on Synapse: matrixd receives the updates.
    run_script(dir.path(), &mut md, "alice", &syn, "bob", false).await;
}

#[tokio::test]
async fn encrypted_room_between_synapse_and_matrixd() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (mut syn, md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    // B's new device and its deletion happen on matrixd: Synapse receives the updates.
    run_script(dir.path(), &mut syn, "alice", &md, "bob", false).await;
}

#[tokio::test]
async fn encrypted_room_between_two_matrixd_with_one_down_while_keys_change() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (one_dir, two_dir) = (dir.path().join("one"), dir.path().join("two"));
    let (mut one, two) = tokio::join!(matrixd(&one_dir, &pki), matrixd(&two_dir, &pki));
    run_script(dir.path(), &mut one, "alice", &two, "bob", true).await;
}
