//! Interop with a real Synapse, both ways: our register-user against Synapse, Synapse's
//! register_new_matrix_user against matrixd, Synapse's generated config through our checker,
//! and matrixd's server key verified by an independent implementation (signedjson/PyNaCl).

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::support::*;

#[tokio::test]
async fn our_register_user_against_synapse() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let syn_dir = dir.path().join("synapse");
    let (_synapse, url) = start_synapse(&syn_dir).await;
    let conf = syn_dir.join("homeserver.yaml");
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "synapse-pass-1\n").unwrap();

    let reg = |user: &str, extra: &[&str]| {
        Command::new(bin("matrixctl"))
            .args(["register-user", "-c"])
            .arg(&conf)
            .args(["-u", user, "--password-file"])
            .arg(&pw)
            .args(extra)
            .arg(&url)
            .output()
            .unwrap()
    };
    let out = reg("alice", &["--admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("@alice:localhost"));
    let (status, body) = login(&url, "alice", "synapse-pass-1").await;
    assert_eq!(
        status, 200,
        "Synapse accepts the account we registered: {body}"
    );

    // user_type goes into the MAC exactly as Synapse expects.
    let out = reg("helperbot", &["--no-admin", "-t", "bot"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = reg("alice", &["--no-admin"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("M_USER_IN_USE"));
    assert!(
        reg("alice", &["--no-admin", "--exists-ok"])
            .status
            .success()
    );

    // A wrong secret is refused by Synapse with the HMAC error, and we say what that means.
    let out = Command::new(bin("matrixctl"))
        .args([
            "register-user",
            "-k",
            "wrong-secret",
            "-u",
            "mallory",
            "-p",
            "x",
            "--no-admin",
        ])
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HMAC incorrect") && err.contains("shared secret does not match"),
        "{err}"
    );

    // Synapse's generated config (with the test's overrides) passes our checker: its keys are
    // ours or reported by name as unsupported, never rejected.
    let out = Command::new(bin("matrixd"))
        .arg("check-config")
        .arg(&conf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid for server_name localhost"));
}

#[tokio::test]
async fn synapse_register_new_matrix_user_against_matrixd() {
    install_crypto();
    let venv = synapse_venv();
    let dir = tempfile::tempdir().unwrap();
    let (_m, url, config) = start_matrixd(dir.path()).await;
    let script = venv.join("bin/register_new_matrix_user");

    // With an explicit URL.
    let out = Command::new(&script)
        .args(["-c"])
        .arg(&config)
        .args(["-u", "bob", "-p", "bobs-password", "--no-admin", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Success!"));
    let (status, body) = login(&url, "bob", "bobs-password").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_id"], "@bob:interop.example");

    // Without a URL: Synapse's script finds our listener in our config; admin and user type.
    let out = Command::new(&script)
        .args(["-c"])
        .arg(&config)
        .args([
            "-u",
            "carol",
            "-p",
            "carols-password",
            "--admin",
            "-t",
            "support",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(login(&url, "carol", "carols-password").await.0, 200);

    // Taken name: Synapse's script reports our M_USER_IN_USE as an error.
    let out = Command::new(&script)
        .args(["-c"])
        .arg(&config)
        .args(["-u", "bob", "-p", "x", "--no-admin", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("User ID already taken"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn server_key_verified_by_signedjson() {
    install_crypto();
    let venv = synapse_venv();
    let dir = tempfile::tempdir().unwrap();
    let (_m, url, _config) = start_matrixd(dir.path()).await;
    let body = reqwest::get(format!("{url}/_matrix/key/v2/server"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key_file = dir.path().join("interop.example.signing.key");

    let verify = |json: &str| {
        let mut child = Command::new(venv.join("bin/python"))
            .arg(repo_root().join("tests/interop/verify_server_key.py"))
            .args(["interop.example", "--signing-key"])
            .arg(&key_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(json.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = verify(&body);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("OK ed25519:a_"));

    // A one-millisecond change to a signed field must fail: a wrong canonical form cannot pass.
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["valid_until_ts"] = serde_json::json!(v["valid_until_ts"].as_i64().unwrap() + 1);
    assert!(!verify(&v.to_string()).status.success());
}

/// Every top-level key the installed Synapse reads is known to matrixd by name (supported, or
/// reported as an unsupported Synapse setting), so a Synapse config never fails on a real key.
#[test]
fn matrixd_knows_every_synapse_config_key() {
    let venv = synapse_venv();
    let out = Command::new(venv.join("bin/python"))
        .arg(repo_root().join("tests/interop/synapse_config_keys.py"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let keys: Vec<&str> = stdout.lines().collect();
    assert!(
        keys.len() > 150,
        "expected Synapse's full key list, got {}",
        keys.len()
    );
    let known = |k: &str| {
        matrixd::config::known::TOP_LEVEL.contains(&k)
            || matrixd::config::known::SYNAPSE_TOP_LEVEL.contains(&k)
    };
    let missing: Vec<&str> = keys.iter().copied().filter(|k| !known(k)).collect();
    assert!(
        missing.is_empty(),
        "add these to SYNAPSE_TOP_LEVEL in server/src/config/known.rs: {missing:?}"
    );
}
