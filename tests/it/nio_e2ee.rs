//! End-to-end encryption with a real client's crypto: matrix-nio[e2e] (tests/interop/nio_e2ee.py,
//! vodozemac underneath) — two clients upload keys, one creates a megolm-encrypted room and
//! invites the other, and each decrypts the other's message; the server only relays keys,
//! to-device messages and ciphertext. Run against matrixd, and against Synapse to prove the
//! script itself right.

use std::process::Command;

use crate::support::*;

fn run_nio_e2ee(url: &str, secret: &str) {
    let out = Command::new(synapse_venv().join("bin/python"))
        .arg(repo_root().join("tests/interop/nio_e2ee.py"))
        .arg(url)
        .arg(secret)
        .output()
        .expect("run nio_e2ee.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "nio_e2ee.py against {url} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
}

#[tokio::test]
async fn nio_e2ee_on_matrixd() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let (m, url, config) = start_matrixd(dir.path()).await;
    let secret = shared_secret(&config);
    let result = std::panic::catch_unwind(|| run_nio_e2ee(&url, &secret));
    if let Err(e) = result {
        eprintln!("matrixd log:\n{}", m.log_text());
        std::panic::resume_unwind(e);
    }
}

#[tokio::test]
async fn nio_e2ee_on_synapse() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let syn_dir = dir.path().join("synapse");
    let (_synapse, url) = start_synapse(&syn_dir).await;
    run_nio_e2ee(&url, &shared_secret(&syn_dir.join("homeserver.yaml")));
}
