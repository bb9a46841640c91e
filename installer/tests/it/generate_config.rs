//! `matrixctl generate-config`: what it writes, with which modes, and that a re-run keeps the
//! key and the secrets and adds only what is missing.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::{matrixctl, stderr};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn generate(dir: &Path, name: &str) -> std::process::Output {
    matrixctl()
        .args([
            "generate-config",
            "--server-name",
            name,
            "--report-stats=no",
            "--config-path",
        ])
        .arg(dir.join("conf/homeserver.yaml"))
        .arg("--data-directory")
        .arg(dir.join("data"))
        .output()
        .unwrap()
}

fn secret_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            l.starts_with("registration_shared_secret:")
                || l.starts_with("macaroon_secret_key:")
                || l.starts_with("form_secret:")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn writes_config_key_and_log_config_that_the_server_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate(dir.path(), "example.org");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conf = dir.path().join("conf/homeserver.yaml");
    let key = dir.path().join("conf/example.org.signing.key");
    let log = dir.path().join("conf/example.org.log.config");
    assert_eq!(mode(&conf), 0o600, "homeserver.yaml holds secrets");
    assert_eq!(mode(&key), 0o600);
    let key_text = std::fs::read_to_string(&key).unwrap();
    let fields: Vec<&str> = key_text.split_whitespace().collect();
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[0], "ed25519");
    assert!(fields[1].starts_with("a_") && fields[1].len() == 6);
    assert_eq!(fields[2].len(), 43, "unpadded base64 of 32 bytes");
    assert!(log.is_file());

    let text = std::fs::read_to_string(&conf).unwrap();
    let secrets = secret_lines(&text);
    assert_eq!(secrets.len(), 3);
    for s in &secrets {
        let value = s.split_once(": ").unwrap().1;
        assert!(
            value.starts_with('"') && value.ends_with('"') && value.len() == 52,
            "{s}"
        );
    }
    assert!(text.contains("bind_addresses: [\"127.0.0.1\"]") && text.contains("port: 8008"));
    let err = stderr(&out);
    assert!(
        err.contains("Writing") && err.contains("Generating") && err.contains("register-user"),
        "{err}"
    );

    let (config, problems) = matrixd::config::load_files(&[conf]);
    assert!(problems.0.is_empty(), "{problems}");
    let config = config.unwrap();
    assert_eq!(config.signing_key_path, key);
    assert!(
        matches!(config.database, matrixd::config::Database::Sqlite { ref path } if path == &dir.path().join("data/homeserver.db"))
    );
}

#[test]
fn a_rerun_keeps_the_key_and_secrets_and_adds_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(generate(dir.path(), "example.org").status.code(), Some(0));
    let conf = dir.path().join("conf/homeserver.yaml");
    let key = dir.path().join("conf/example.org.signing.key");
    let key_before = std::fs::read(&key).unwrap();
    let text_before = std::fs::read_to_string(&conf).unwrap();

    // Unchanged re-run: nothing is rewritten.
    let out = generate(dir.path(), "example.org");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&key).unwrap(), key_before);
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), text_before);
    let err = stderr(&out);
    assert!(
        err.contains("Keeping")
            && err.contains("a signing key is never overwritten")
            && err.contains("form_secret"),
        "{err}"
    );

    // A removed secret is added back; the others and the user's edits are kept.
    let edited: String = text_before
        .lines()
        .filter(|l| !l.starts_with("form_secret:"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        + "# my own comment\n";
    std::fs::write(&conf, &edited).unwrap();
    std::fs::remove_file(&key).unwrap_or(());
    std::fs::write(&key, &key_before).unwrap();
    let out = generate(dir.path(), "example.org");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = std::fs::read_to_string(&conf).unwrap();
    assert!(
        after.starts_with(&edited),
        "the existing text is kept as it was"
    );
    let before_secrets = secret_lines(&text_before);
    let after_secrets = secret_lines(&after);
    assert_eq!(after_secrets.len(), 3);
    assert_eq!(
        after_secrets[0], before_secrets[0],
        "registration_shared_secret kept"
    );
    assert_eq!(
        after_secrets[1], before_secrets[1],
        "macaroon_secret_key kept"
    );
    assert_ne!(after_secrets[2], before_secrets[2], "form_secret is new");
    assert!(stderr(&out).contains("Adding form_secret"));
    assert_eq!(mode(&conf), 0o600);
    assert!(matrixd::config::load_files(&[conf]).0.is_some());

    // A missing key is generated again without touching the config.
    std::fs::remove_file(&key).unwrap();
    let out = generate(dir.path(), "example.org");
    assert_eq!(out.status.code(), Some(0));
    assert!(key.is_file());
}

#[test]
fn refuses_a_different_server_name_and_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(generate(dir.path(), "example.org").status.code(), Some(0));
    let out = generate(dir.path(), "other.org");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("is for server_name \"example.org\", not \"other.org\"")
            && err.contains("hint: server_name can never change"),
        "{err}"
    );

    let out = generate(dir.path(), "not a name");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a valid server name"));

    let out = matrixctl()
        .args([
            "generate-config",
            "--server-name",
            "x.org",
            "--config-path",
            "/tmp/x.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "--report-stats is required, as in Synapse"
    );
}

/// Command-line errors: clap's own English, unchanged; in Persian, said in Persian with the
/// flag isolated, the same exit code.
#[test]
fn usage_errors_in_english_are_clap_s_and_in_persian_are_persian() {
    let en = crate::matrixctl()
        .args(["status", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(en.status.code(), Some(2));
    assert!(
        crate::stderr(&en).starts_with("error: unexpected argument '--bogus' found"),
        "{}",
        crate::stderr(&en)
    );
    let fa = crate::matrixctl()
        .args(["--lang", "fa", "status", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(fa.status.code(), Some(2));
    let err = crate::stderr(&fa);
    assert!(
        err.starts_with("خطا: آرگومان ناشناخته: \u{2068}--bogus\u{2069}\n"),
        "{err}"
    );
    let fa = crate::matrixctl()
        .args(["--lang", "fa", "install", "--database", "mysql"])
        .output()
        .unwrap();
    assert_eq!(fa.status.code(), Some(2));
    assert!(
        crate::stderr(&fa).contains("sqlite, postgres"),
        "{}",
        crate::stderr(&fa)
    );
}
