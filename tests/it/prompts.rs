//! register-user's interactive path on a real (pseudo-)terminal: the prompts Synapse's
//! register_new_matrix_user shows, hidden password entry with confirmation, and the result.

use std::process::Command;
use std::time::Duration;

use crate::support::*;

#[tokio::test]
async fn register_user_prompts_on_a_terminal() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("homeserver.yaml");
    let out = Command::new(bin("matrixctl"))
        .args([
            "generate-config",
            "--server-name",
            "tty.example",
            "--report-stats=no",
            "--http-port",
            &port.to_string(),
        ])
        .arg("--config-path")
        .arg(&config)
        .arg("--data-directory")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut server = Proc::spawn(
        Command::new(bin("matrixd")).arg("-c").arg(&config),
        dir.path().join("matrixd.out"),
    );
    let url = format!("http://127.0.0.1:{port}");
    wait_for(
        &format!("{url}/_matrix/client/versions"),
        &mut server,
        Duration::from_secs(30),
    )
    .await;

    let drive = |answers: &[&str]| {
        let mut c = Command::new("python3");
        c.arg(repo_root().join("tests/tools/drive_prompts.py"))
            .args(answers)
            .arg("--")
            .arg(bin("matrixctl"));
        c.args(["register-user", "-c"]).arg(&config);
        c.output().unwrap()
    };
    let out = drive(&[
        "New user localpart",
        "dana",
        "Password",
        "s3cret-pw",
        "Confirm password",
        "s3cret-pw",
        "Make admin",
        "yes",
    ]);
    let transcript = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{transcript}");
    assert!(
        transcript.contains("Success! Registered @dana:tty.example"),
        "{transcript}"
    );
    assert!(
        !transcript.contains("s3cret-pw"),
        "the password is never echoed: {transcript}"
    );
    assert_eq!(login(&url, "dana", "s3cret-pw").await.0, 200);

    // A mismatched confirmation is asked again, as Synapse's script does.
    let out = drive(&[
        "New user localpart",
        "erin",
        "Password",
        "one",
        "Confirm password",
        "two",
        "Passwords do not match",
        "same-pw",
        "Confirm password",
        "same-pw",
        "Make admin",
        "",
    ]);
    let transcript = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{transcript}");
    assert_eq!(login(&url, "erin", "same-pw").await.0, 200);
}
