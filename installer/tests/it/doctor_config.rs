//! The doctor's system and configuration checks, each passing and failing on real files.

use matrixctl::doctor::Status;
use matrixctl::doctor::checks::{config::Net, system};

use crate::doctor_support::{Conf, expect, free_port, write_mode};

fn conf() -> (tempfile::TempDir, Conf) {
    let dir = tempfile::tempdir().unwrap();
    let c = Conf::new(dir.path(), free_port());
    (dir, c)
}

#[test]
fn system_os_passes_here_and_fails_for_an_unknown_os_family() {
    let (_d, c) = conf();
    let cfg = c.write();
    // This machine runs a supported OS (the CI image is Debian).
    expect(&cfg, "system.os", &[], "ok");
    // --distro with an unknown family is a usage error, not a check result.
    let (code, _, err) = crate::doctor_support::doctor(&[
        "-c",
        cfg.to_str().unwrap(),
        "--distro",
        "plan9",
        "system.os",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn system_memory_disk_and_clock_judge_their_measurements() {
    let (_d, c) = conf();
    let cfg = c.write();
    // Real measurements on this machine (a CI box has more than 1 GB and some disk).
    expect(&cfg, "system.memory", &[], "ok");
    expect(&cfg, "system.disk", &[], "ok");
    let (_, report) = crate::doctor_support::doctor_json(&cfg, &["system.clock"]);
    let (s, _) = crate::doctor_support::result(&report, "system.clock");
    assert!(s == "ok" || s == "warn" || s == "skip", "{s}");
    // The thresholds.
    assert_eq!(system::judge_memory(512 * 1024 * 1024).status, Status::Warn);
    assert_eq!(
        system::judge_memory(2 * 1024 * 1024 * 1024).status,
        Status::Ok
    );
    let p = std::path::Path::new("/var/lib/matrixd");
    assert_eq!(system::judge_disk(50 * 1024 * 1024, p).status, Status::Fail);
    assert_eq!(
        system::judge_disk(1024 * 1024 * 1024, p).status,
        Status::Warn
    );
    assert_eq!(
        system::judge_disk(20 * 1024 * 1024 * 1024, p).status,
        Status::Ok
    );
    assert_eq!(system::judge_clock(5, 16_000_000).status, Status::Warn);
    assert_eq!(system::judge_clock(0, 12_000).status, Status::Ok);
}

#[test]
fn config_parse_passes_on_a_valid_file_and_fails_on_broken_yaml_or_a_missing_file() {
    let (d, c) = conf();
    let cfg = c.write();
    let s = expect(&cfg, "config.parse", &[], "ok");
    assert!(s.contains("homeserver.yaml"), "{s}");
    std::fs::write(&cfg, "server_name: [unclosed\n").unwrap();
    let s = expect(&cfg, "config.parse", &[], "fail");
    assert!(s.contains("YAML syntax error"), "{s}");
    let s = expect(&d.path().join("missing.yaml"), "config.parse", &[], "fail");
    assert!(s.contains("cannot read"), "{s}");
}

#[test]
fn config_unknown_keys_names_typos_and_ignored_synapse_keys() {
    let (_d, c) = conf();
    expect(&c.write(), "config.unknown_keys", &[], "ok");
    let cfg = c.set("enable_registraton", "false").write();
    let s = expect(&cfg, "config.unknown_keys", &[], "fail");
    assert!(s.contains("enable_registraton"), "{s}");
    let (_d, c) = conf();
    let cfg = c.set("allow_guest_access", "false").write();
    let s = expect(&cfg, "config.unknown_keys", &[], "warn");
    assert!(s.contains("allow_guest_access"), "{s}");
}

#[test]
fn config_server_name_grammar() {
    let (_d, c) = conf();
    expect(&c.write(), "config.server_name", &[], "ok");
    let s = expect(
        &c.set("server_name", "\"under_score.example!\"").write(),
        "config.server_name",
        &[],
        "fail",
    );
    assert!(s.contains("not a valid server name"), "{s}");
}

#[test]
fn config_public_baseurl_must_be_set_and_https() {
    let (_d, c) = conf();
    expect(&c.write(), "config.public_baseurl", &[], "ok");
    let c = c.set("public_baseurl", "\"http://matrix.example.test/\"");
    expect(&c.write(), "config.public_baseurl", &[], "warn");
    expect(
        &c.unset("public_baseurl").write(),
        "config.public_baseurl",
        &[],
        "warn",
    );
}

#[test]
fn config_signing_key_present_parseable_and_private() {
    let (_d, c) = conf();
    let cfg = c.write();
    expect(&cfg, "config.signing_key", &[], "ok");
    let key = std::fs::read(c.key_path()).unwrap();
    write_mode(&c.key_path(), &key, 0o644);
    let s = expect(&cfg, "config.signing_key", &[], "fail");
    assert!(s.contains("readable by every user"), "{s}");
    write_mode(&c.key_path(), &key, 0o640);
    let s = expect(&cfg, "config.signing_key", &[], "fail");
    assert!(s.contains("readable by its group"), "{s}");
    write_mode(&c.key_path(), b"ed25519 a_x not-base64!\n", 0o600);
    let s = expect(&cfg, "config.signing_key", &[], "fail");
    assert!(s.contains("base64"), "{s}");
    std::fs::remove_file(c.key_path()).unwrap();
    let s = expect(&cfg, "config.signing_key", &[], "fail");
    assert!(s.contains("does not exist"), "{s}");
}

#[test]
fn config_registration_secret_present() {
    let (_d, c) = conf();
    expect(&c.write(), "config.registration_secret", &[], "ok");
    expect(
        &c.unset("registration_shared_secret").write(),
        "config.registration_secret",
        &[],
        "warn",
    );
}

#[test]
fn config_registration_open_without_a_token_warns() {
    let (_d, c) = conf();
    expect(&c.write(), "config.registration", &[], "ok");
    let c = c
        .set("enable_registration", "true")
        .set("registration_requires_token", "true");
    expect(&c.write(), "config.registration", &[], "ok");
    let c = c
        .set("registration_requires_token", "false")
        .set("enable_registration_without_verification", "true");
    let s = expect(&c.write(), "config.registration", &[], "warn");
    assert!(s.contains("open without a token"), "{s}");
}

#[test]
fn config_database_warns_for_sqlite_with_federation() {
    let (_d, c) = conf();
    let s = expect(&c.write(), "config.database", &[], "warn");
    assert!(
        s.contains("SQLite on a server with federation enabled"),
        "{s}"
    );
    let c = c.set("federation_domain_whitelist", "[]");
    expect(&c.write(), "config.database", &[], "ok");
}

#[test]
fn config_url_preview_needs_loopback_and_rfc1918_blacklisted() {
    let (_d, c) = conf();
    expect(&c.write(), "config.url_preview", &[], "skip");
    let c = c.set("url_preview_enabled", "true").set(
        "url_preview_ip_range_blacklist",
        "[\"127.0.0.0/8\", \"::1/128\"]",
    );
    let s = expect(&c.write(), "config.url_preview", &[], "fail");
    assert!(
        s.contains("10.0.0.0/8") && s.contains("192.168.0.0/16"),
        "{s}"
    );
    let c = c.set("url_preview_ip_range_blacklist", "[\"127.0.0.0/8\", \"::1/128\", \"10.0.0.0/8\", \"172.16.0.0/12\", \"192.168.0.0/16\", \"169.254.0.0/16\"]");
    expect(&c.write(), "config.url_preview", &[], "ok");
    assert!(
        Net::parse("172.16.0.0/12")
            .unwrap()
            .covers(&Net::parse("172.20.1.0/24").unwrap())
    );
    assert!(
        !Net::parse("172.16.0.0/16")
            .unwrap()
            .covers(&Net::parse("172.16.0.0/12").unwrap())
    );
}

#[test]
fn config_email_needs_public_baseurl() {
    let (_d, c) = conf();
    expect(&c.write(), "config.email", &[], "skip");
    let c = c.set(
        "email",
        "\n  smtp_host: \"smtp.example.test\"\n  notif_from: \"Matrix <noreply@example.test>\"",
    );
    expect(&c.write(), "config.email", &[], "ok");
    let s = expect(
        &c.unset("public_baseurl").write(),
        "config.email",
        &[],
        "fail",
    );
    assert!(s.contains("public_baseurl"), "{s}");
}

#[test]
fn config_turn_half_configured_fails() {
    let (d, c) = conf();
    expect(&c.write(), "config.turn", &[], "skip");
    let c = c.set(
        "turn_uris",
        "[\"turn:turn.example.test:3478?transport=udp\"]",
    );
    let s = expect(&c.write(), "config.turn", &[], "fail");
    assert!(s.contains("no turn_shared_secret"), "{s}");
    let secret = d.path().join("turn_secret");
    std::fs::write(&secret, "coturn-secret\n").unwrap();
    let c = c.set(
        "turn_shared_secret_path",
        &format!("\"{}\"", secret.display()),
    );
    expect(&c.write(), "config.turn", &[], "ok");
    let s = expect(&c.unset("turn_uris").write(), "config.turn", &[], "fail");
    assert!(s.contains("turn_uris is empty"), "{s}");
}

#[test]
fn config_database_warns_for_sqlite_with_many_users() {
    let (d, c) = conf();
    let c = c.set("federation_domain_whitelist", "[]");
    let cfg = c.write();
    // A real matrixd database (migrated by the server's own code) with 51 local users.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = matrixd::store::Db::connect(&matrixd::config::Database::Sqlite {
            path: d.path().join("homeserver.db"),
        })
        .await
        .unwrap();
        for i in 0..51 {
            let user_id = format!("@user{i}:example.test");
            let localpart = format!("user{i}");
            let new = matrixd::store::accounts::NewUser {
                user_id: &user_id,
                localpart: &localpart,
                password_hash: None,
                admin: false,
                user_type: None,
                displayname: None,
            };
            assert!(
                matrixd::store::accounts::insert_user(&db, &new)
                    .await
                    .unwrap()
            );
        }
        db.pool.close().await;
    });
    let s = expect(&cfg, "config.database", &[], "warn");
    assert!(s.contains("SQLite with 51 users"), "{s}");
}
