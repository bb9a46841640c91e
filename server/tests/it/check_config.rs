//! `matrixd check-config`: exit codes and output, through the real binary.

use std::process::Command;

fn matrixd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_matrixd"))
}

#[test]
fn exit_zero_on_a_valid_config_and_one_on_problems() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("k"),
        matrixd::keys::SigningKey::generate().to_file_line(),
    )
    .unwrap();
    let good = format!(
        "server_name: example.org\nreport_stats: false\nsigning_key_path: {}\nmedia_store_path: {}\ndatabase:\n  name: sqlite3\n  args:\n    database: {}\n",
        d.path().join("k").display(),
        d.path().join("media").display(),
        d.path().join("db").display()
    );
    let path = d.path().join("homeserver.yaml");
    std::fs::write(&path, &good).unwrap();
    let out = matrixd().arg("check-config").arg(&path).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid for server_name example.org"));

    std::fs::write(&path, format!("{good}enable_registraton: true\n")).unwrap();
    let out = matrixd()
        .args(["check-config", "-c"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("enable_registraton: unknown key") && stdout.contains("1 error"),
        "{stdout}"
    );

    // Serving with an invalid config starts nothing and exits 1.
    let out = matrixd().arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was started"));

    // Usage errors exit 2.
    let out = matrixd().arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
