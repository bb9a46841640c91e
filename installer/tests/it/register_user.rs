//! `matrixctl register-user` without a terminal: every missing value is an error naming its
//! flag. (Against live servers — matrixd and Synapse — see the e2e suite.)

use std::process::Stdio;

use crate::{matrixctl, stderr};

fn run(args: &[&str]) -> std::process::Output {
    matrixctl()
        .arg("register-user")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn missing_values_name_their_flags() {
    let out = run(&["-k", "secret", "-p", "pw", "--no-admin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("pass -u/--user NAME"),
        "{}",
        stderr(&out)
    );

    let out = run(&["-k", "secret", "-u", "alice", "--no-admin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--password-file"));

    let out = run(&["-k", "secret", "-u", "alice", "-p", "pw"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--admin or --no-admin"));

    let out = run(&["-u", "alice", "-p", "pw", "--no-admin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("either -c/--config or -k/--shared-secret must be given"));

    let out = run(&["-k", "s", "-c", "/x.yaml", "-u", "a"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "-k and -c are mutually exclusive, as in Synapse"
    );
}

#[test]
fn config_without_a_secret_says_how_to_add_one() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("homeserver.yaml");
    std::fs::write(&conf, "server_name: example.org\nlisteners:\n  - port: 8123\n    type: http\n    bind_addresses: ['127.0.0.1']\n    resources:\n      - names: [client]\n").unwrap();
    let out = run(&[
        "-c",
        conf.to_str().unwrap(),
        "-u",
        "alice",
        "-p",
        "pw",
        "--no-admin",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("no registration_shared_secret is defined") && err.contains("hint:"),
        "{err}"
    );

    // With a secret but no server running: says what URL it tried and what to do.
    std::fs::write(
        &conf,
        format!(
            "{}registration_shared_secret: \"abc\"\n",
            std::fs::read_to_string(&conf).unwrap()
        ),
    )
    .unwrap();
    let out = run(&[
        "-c",
        conf.to_str().unwrap(),
        "-u",
        "alice",
        "--password-file",
        "/dev/null",
        "--no-admin",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Password cannot be blank"),
        "{}",
        stderr(&out)
    );
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "hunter2\nsecond line ignored\n").unwrap();
    let out = run(&[
        "-c",
        conf.to_str().unwrap(),
        "-u",
        "alice",
        "--password-file",
        pw.to_str().unwrap(),
        "--no-admin",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot reach http://127.0.0.1:8123/_synapse/admin/v1/register")
            && err.contains("is the server running?"),
        "{err}"
    );
}
