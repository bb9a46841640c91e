//! A real client nobody here wrote: matrix-nio (tests/interop/nio_chat.py) registers two users
//! with the shared secret, creates a room, invites, joins, chats, sees typing and receipts
//! through sync, paginates history and leaves. Run against matrixd, and against Synapse to prove
//! the script itself right.

use std::process::Command;

use crate::support::*;

fn run_nio_chat(url: &str, secret: &str) {
    let out = Command::new(synapse_venv().join("bin/python"))
        .arg(repo_root().join("tests/interop/nio_chat.py"))
        .arg(url)
        .arg(secret)
        .output()
        .expect("run nio_chat.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "nio_chat.py against {url} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
}

#[tokio::test]
async fn nio_chats_on_matrixd() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let (m, url, config) = start_matrixd(dir.path()).await;
    let secret = shared_secret(&config);
    let result = std::panic::catch_unwind(|| run_nio_chat(&url, &secret));
    if let Err(e) = result {
        eprintln!("matrixd log:\n{}", m.log_text());
        std::panic::resume_unwind(e);
    }
}

#[tokio::test]
async fn nio_chats_on_synapse() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let syn_dir = dir.path().join("synapse");
    let (_synapse, url) = start_synapse(&syn_dir).await;
    run_nio_chat(&url, &shared_secret(&syn_dir.join("homeserver.yaml")));
}
