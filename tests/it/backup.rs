//! `matrixctl backup` and `restore` (issue 17): a backup taken while messages are being sent is
//! one consistent moment of the server; restored into a fresh directory it serves that history
//! (every event acknowledged before the backup began, and none out of order), the same logins
//! (old access tokens too), keys, account data and media. The archive is mode 0600; a damaged
//! archive and another server's config are refused.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::migrate_db::{enc, observe, populate, stop, text};
use crate::support::*;

fn matrixctl(args: &[&str]) -> Command {
    let mut c = Command::new(bin("matrixctl"));
    c.args(["--lang", "en"]).args(args);
    c
}

/// The database section for PostgreSQL database `db` (as the durability test writes it).
pub(crate) fn use_postgres(config: &std::path::Path, db: &str) {
    let t = std::fs::read_to_string(config).unwrap();
    let start = t.find("database:\n").unwrap();
    let end = t[start..].find("\n\n").unwrap() + start;
    let t = format!(
        "{}database:\n  name: psycopg2\n  args:\n    user: {}\n    dbname: {db}\n    host: {}\n    port: {}\n    cp_min: 1\n    cp_max: 4{}",
        &t[..start],
        testkit::pg::user(),
        testkit::pg::host(),
        testkit::pg::port(),
        &t[end..]
    );
    std::fs::write(config, t).unwrap();
}

pub(crate) const C_DB: &str = "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_load_restores_into_a_fresh_directory_with_the_same_history_and_logins() {
    backup_and_restore(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_of_a_postgresql_server_under_load_restores_into_an_empty_database() {
    if !testkit::pg::available()
        || testkit::tool("pg_dump").is_none()
        || testkit::tool("pg_restore").is_none()
    {
        return;
    }
    let db = format!("matrixd_backup_{}", std::process::id());
    let _drop = crate::migrate_db::TempDb(db.clone());
    testkit::pg::create_database(&db, C_DB).await;
    backup_and_restore(Some(&db)).await;
}

async fn backup_and_restore(pg: Option<&str>) {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    std::fs::create_dir(&old).unwrap();
    let port = free_port();
    let config = old.join("homeserver.yaml");
    generate_config("backup.example", port, &config, &old);
    relax_limits(&config);
    if let Some(db) = pg {
        use_postgres(&config, db);
    }
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let server = run_matrixd(&config, dir.path().join("old.log"), &url).await;
    let users = populate(&http, &url, &config).await;

    // Under load: a writer sends messages through the whole backup.
    let stop_writing = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let writer = {
        let (http, url, room, token, stop_writing, acked) = (
            http.clone(),
            url.clone(),
            users.room.clone(),
            users.alice.clone(),
            stop_writing.clone(),
            acked.clone(),
        );
        tokio::spawn(async move {
            let mut i = 0;
            while !stop_writing.load(Ordering::Relaxed) {
                let r: Value = http
                    .put(format!(
                        "{url}/_matrix/client/v3/rooms/{}/send/m.room.message/load{i}",
                        enc(&room)
                    ))
                    .bearer_auth(&token)
                    .json(&json!({"msgtype": "m.text", "body": format!("load {i}")}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                acked
                    .lock()
                    .unwrap()
                    .push(r["event_id"].as_str().unwrap().to_string());
                i += 1;
            }
        })
    };
    while acked.lock().unwrap().len() < 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let acked_before = acked.lock().unwrap().clone();
    let archive = dir.path().join("out").join("backup.tar.gz");
    std::fs::create_dir(archive.parent().unwrap()).unwrap();
    let out = {
        let (config, archive) = (config.clone(), archive.clone());
        tokio::task::spawn_blocking(move || {
            matrixctl(&["backup", "-c"])
                .arg(&config)
                .arg("--to")
                .arg(&archive)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    let acked_during = acked.lock().unwrap().len();
    stop_writing.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        acked_during > acked_before.len(),
        "messages were sent during the backup"
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&archive).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the archive is private");
    }
    assert_eq!(
        std::fs::read_dir(archive.parent().unwrap())
            .unwrap()
            .count(),
        1,
        "nothing but the archive is left beside it"
    );
    let out = matrixctl(&["backup", "-c"])
        .arg(&config)
        .arg("--to")
        .arg(&archive)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "never replaces a backup: {}",
        text(&out)
    );
    let original = observe(&http, &url, &users).await;
    stop(server);
    if let Some(db) = pg {
        // The database is lost with the machine: restore has an empty one to fill.
        testkit::pg::create_database(db, C_DB).await;
    }

    // A damaged archive is refused and nothing is put in place.
    let fresh = dir.path().join("fresh");
    let bytes = std::fs::read(&archive).unwrap();
    let cut = dir.path().join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = matrixctl(&["restore"])
        .arg(&cut)
        .arg("--config-path")
        .arg(fresh.join("etc/homeserver.yaml"))
        .arg("--data-directory")
        .arg(fresh.join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("damaged"),
        "{}",
        text(&out)
    );
    assert!(!fresh.join("etc/homeserver.yaml").exists());

    // Another server's config is not replaced without --force.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    generate_config(
        "other.example",
        free_port(),
        &other.join("homeserver.yaml"),
        &other,
    );
    let other_text = std::fs::read_to_string(other.join("homeserver.yaml")).unwrap();
    let out = matrixctl(&["restore"])
        .arg(&archive)
        .arg("--config-path")
        .arg(other.join("homeserver.yaml"))
        .arg("--data-directory")
        .arg(other.join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("other.example") && stderr.contains("--force"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(other.join("homeserver.yaml")).unwrap(),
        other_text
    );

    // Restored into a fresh directory, with the old one out of the way.
    let out = matrixctl(&["restore"])
        .arg(&archive)
        .arg("--config-path")
        .arg(fresh.join("etc/homeserver.yaml"))
        .arg("--data-directory")
        .arg(fresh.join("data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let restored = std::fs::read_to_string(fresh.join("etc/homeserver.yaml")).unwrap();
    assert!(
        !restored.contains(old.to_str().unwrap()),
        "the restored config names only the new places:\n{restored}"
    );
    assert_eq!(fresh.join("data/homeserver.db").is_file(), pg.is_none());
    {
        use std::os::unix::fs::PermissionsExt as _;
        let key = |d: &std::path::Path| {
            std::fs::metadata(d.join("backup.example.signing.key"))
                .expect("the signing key is restored beside the config")
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(key(&fresh.join("etc")), key(&old), "modes are restored");
        assert_eq!(key(&old), 0o600);
    }
    std::fs::rename(&old, dir.path().join("old-moved-away")).unwrap();
    let server = run_matrixd(
        &fresh.join("etc/homeserver.yaml"),
        dir.path().join("fresh.log"),
        &url,
    )
    .await;
    let back = observe(&http, &url, &users).await;
    // One moment of the server: the original history without its newest events.
    let k = original.history.len() - back.history.len();
    assert_eq!(back.history, original.history[k..], "a consistent snapshot");
    for id in &acked_before {
        assert!(
            back.history.contains(id),
            "{id} was acknowledged before the backup"
        );
    }
    assert_eq!(back.alice_keys, original.alice_keys);
    assert_eq!(back.key_counts, original.key_counts);
    assert_eq!(back.account_data, original.account_data);
    assert_eq!(back.media, original.media);
    let (status, _) = login(&url, "bob", "pw-bob").await;
    assert_eq!(status, 200, "password logins work");

    // Into a directory with --keep: the newest backups stay, older ones go.
    let kept = dir.path().join("kept");
    std::fs::create_dir(&kept).unwrap();
    let mut written = Vec::new();
    for _ in 0..3 {
        let out = matrixctl(&["backup", "-c"])
            .arg(fresh.join("etc/homeserver.yaml"))
            .arg("--to")
            .arg(&kept)
            .args(["--keep", "2"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        written.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    let mut left: Vec<PathBuf> = std::fs::read_dir(&kept)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    left.sort();
    assert_eq!(left, written[1..], "the two newest are kept");
    assert!(
        written[2]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("matrixd-backup-backup.example-")
    );
    drop(server);
    if pg.is_some() {
        // A used database is not restored into without --force.
        let out = matrixctl(&["restore"])
            .arg(&archive)
            .arg("--config-path")
            .arg(dir.path().join("third/homeserver.yaml"))
            .arg("--data-directory")
            .arg(dir.path().join("third/data"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not empty"),
            "{}",
            text(&out)
        );
        assert!(!dir.path().join("third/homeserver.yaml").exists());
    }
}
