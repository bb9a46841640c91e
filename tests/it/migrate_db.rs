//! `matrixctl migrate-db` (issue 17): a server populated over the client API on SQLite (users,
//! a room with thousands of events, e2ee keys, account data, media) is migrated to the real
//! PostgreSQL, and matrixd started on PostgreSQL serves the same history, the same logins (old
//! access tokens too) and the same keys. On the way: `--dry-run` changes nothing, the migration
//! is refused while matrixd runs, and a migration killed with SIGKILL halfway resumes to the
//! same verified result without copying a row twice; a re-run after success has nothing to do.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

const MESSAGES: usize = 3000;

/// A test database, dropped when the test ends, passed or failed.
pub(crate) struct TempDb(pub(crate) String);

impl Drop for TempDb {
    fn drop(&mut self) {
        testkit::pg::drop_database_blocking(&self.0);
    }
}

pub(crate) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn psql(db: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            "-h",
            &testkit::pg::host(),
            "-p",
            &testkit::pg::port().to_string(),
            "-U",
            &testkit::pg::user(),
            "-d",
            db,
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
            sql,
        ])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `matrixctl migrate-db -c CONFIG --pg-… EXTRA…` to database `db`.
fn migrate_cmd(config: &Path, db: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(bin("matrixctl"));
    c.args(["--lang", "en", "migrate-db", "-c"])
        .arg(config)
        .args([
            "--pg-host",
            &testkit::pg::host(),
            "--pg-port",
            &testkit::pg::port().to_string(),
            "--pg-user",
            &testkit::pg::user(),
            "--pg-database",
            db,
        ])
        .args(extra);
    c
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub(crate) fn stop(mut p: Proc) {
    p.signal(libc::SIGTERM);
    assert!(
        p.wait_timeout(Duration::from_secs(20)).is_some(),
        "matrixd did not stop on SIGTERM:\n{}",
        p.log_text()
    );
}

/// Every file under `dir` (but logs) with its bytes, to prove a dry run wrote nothing.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if !p
                .extension()
                .is_some_and(|x| x == "log" || x == "out" || x == "db-shm")
            {
                // (-shm is SQLite's shared-memory index, where every reader marks its place.)
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

pub(crate) struct Seen {
    pub(crate) history: Vec<String>,
    pub(crate) alice_keys: Value,
    pub(crate) key_counts: Value,
    pub(crate) account_data: Value,
    pub(crate) media: Vec<u8>,
}

pub(crate) struct Users {
    pub(crate) alice: String,
    pub(crate) bob: String,
    pub(crate) room: String,
    pub(crate) mxc: String,
}

fn register(config: &Path, user: &str) {
    register_user(config, user, &format!("pw-{user}"));
}

pub(crate) async fn populate(http: &reqwest::Client, url: &str, config: &Path) -> Users {
    register(config, "alice");
    register(config, "bob");
    let (_, a) = login(url, "alice", "pw-alice").await;
    let (_, b) = login(url, "bob", "pw-bob").await;
    let alice = a["access_token"].as_str().unwrap().to_string();
    let bob = b["access_token"].as_str().unwrap().to_string();
    let alice_id = a["user_id"].as_str().unwrap().to_string();
    let device = a["device_id"].as_str().unwrap().to_string();
    let room = create_room(
        &url,
        &alice,
        &json!({"preset": "public_chat", "name": "history"}),
    )
    .await;
    let r = http
        .post(format!("{url}/_matrix/client/v3/join/{}", enc(&room)))
        .bearer_auth(&bob)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "join: {}", r.text().await.unwrap());

    // Thousands of messages from both users, eight senders at a time.
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (http, url, room, next) = (http.clone(), url.to_string(), room.clone(), next.clone());
        let token = if w % 2 == 0 {
            alice.clone()
        } else {
            bob.clone()
        };
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= MESSAGES {
                    break;
                }
                let r = http
                    .put(format!(
                        "{url}/_matrix/client/v3/rooms/{}/send/m.room.message/t{i}",
                        enc(&room)
                    ))
                    .bearer_auth(&token)
                    .json(&json!({"msgtype": "m.text", "body": format!("message {i} ✓ «ünïcode»")}))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "send {i}: {}", r.status());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }

    // E2EE: device keys and one-time keys; account data; a media upload.
    let up = http
        .post(format!("{url}/_matrix/client/v3/keys/upload"))
        .bearer_auth(&alice)
        .json(&json!({
            "device_keys": {
                "user_id": alice_id, "device_id": device,
                "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
                "keys": {format!("curve25519:{device}"): "Y3VydmUta2V5", format!("ed25519:{device}"): "ZWQta2V5"},
                "signatures": {alice_id.clone(): {format!("ed25519:{device}"): "c2lnbmF0dXJl"}}
            },
            "one_time_keys": (0..20).map(|i| (format!("signed_curve25519:k{i}"), json!({"key": format!("otk{i}"), "signatures": {}}))).collect::<serde_json::Map<_, _>>()
        }))
        .send()
        .await
        .unwrap();
    assert!(
        up.status().is_success(),
        "keys/upload: {}",
        up.text().await.unwrap()
    );
    let r = http
        .put(format!(
            "{url}/_matrix/client/v3/user/{}/account_data/org.example.migrate",
            enc(&alice_id)
        ))
        .bearer_auth(&alice)
        .json(&json!({"kept": "yes", "n": 17}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let media: Value = http
        .post(format!("{url}/_matrix/media/v3/upload?filename=note.txt"))
        .bearer_auth(&alice)
        .header("content-type", "text/plain")
        .body(b"bytes that must survive the migration".to_vec())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mxc = media["content_uri"]
        .as_str()
        .expect("content_uri")
        .to_string();
    Users {
        alice,
        bob,
        room,
        mxc,
    }
}

/// What a client sees: the whole room history (event ids, newest first), alice's keys, her
/// one-time key counts, her account data and the uploaded file.
pub(crate) async fn observe(http: &reqwest::Client, url: &str, u: &Users) -> Seen {
    let mut history = Vec::new();
    let mut from: Option<String> = None;
    loop {
        let mut q = format!(
            "{url}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=500",
            enc(&u.room)
        );
        if let Some(f) = &from {
            q.push_str(&format!("&from={}", enc(f)));
        }
        let page: Value = http
            .get(q)
            .bearer_auth(&u.bob)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let chunk = page["chunk"].as_array().expect("chunk");
        history.extend(
            chunk
                .iter()
                .map(|e| e["event_id"].as_str().unwrap().to_string()),
        );
        match page["end"].as_str() {
            Some(end) if !chunk.is_empty() => from = Some(end.to_string()),
            _ => break,
        }
    }
    let (_, who) = whoami(url, &u.alice).await;
    let alice_id = who["user_id"]
        .as_str()
        .expect("alice's token works")
        .to_string();
    let keys: Value = http
        .post(format!("{url}/_matrix/client/v3/keys/query"))
        .bearer_auth(&u.bob)
        .json(&json!({"device_keys": {alice_id.clone(): []}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let counts: Value = http
        .post(format!("{url}/_matrix/client/v3/keys/upload"))
        .bearer_auth(&u.alice)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account_data: Value = http
        .get(format!(
            "{url}/_matrix/client/v3/user/{}/account_data/org.example.migrate",
            enc(&alice_id)
        ))
        .bearer_auth(&u.alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (server, id) = u
        .mxc
        .strip_prefix("mxc://")
        .and_then(|r| r.split_once('/'))
        .unwrap();
    let media = http
        .get(format!(
            "{url}/_matrix/client/v1/media/download/{server}/{id}"
        ))
        .bearer_auth(&u.bob)
        .send()
        .await
        .unwrap();
    assert!(media.status().is_success(), "media: {}", media.status());
    Seen {
        history,
        alice_keys: keys["device_keys"][&alice_id].clone(),
        key_counts: counts["one_time_key_counts"].clone(),
        account_data,
        media: media.bytes().await.unwrap().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_server_migrates_to_postgresql_and_serves_the_same_history_logins_and_keys() {
    if !testkit::pg::available() || testkit::tool("psql").is_none() {
        return;
    }
    install_crypto();
    let db = format!("matrixd_migrate_{}", std::process::id());
    let _drop = TempDb(db.clone());
    testkit::pg::create_database(
        &db,
        "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("homeserver.yaml");
    generate_config("migrate.example", port, &config, dir.path());
    relax_limits(&config);
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();

    // A populated SQLite server.
    let server = run_matrixd(&config, dir.path().join("sqlite.log"), &url).await;
    let users = populate(&http, &url, &config).await;
    let before = observe(&http, &url, &users).await;
    assert!(
        before.history.len() > MESSAGES,
        "{} events",
        before.history.len()
    );
    assert_eq!(before.key_counts["signed_curve25519"], 20);

    // Refused while matrixd runs: nothing touched.
    let original = std::fs::read_to_string(&config).unwrap();
    let out = migrate_cmd(&config, &db, &["--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("matrixd is running"), "{}", text(&out));
    assert!(
        stderr.contains("kill "),
        "says how to stop it: {}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original);
    assert_eq!(
        psql(
            &db,
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"
        ),
        "0"
    );
    stop(server);

    // A dry run reports sizes and the plan, and changes nothing on either side.
    let files = snapshot(dir.path());
    let out = migrate_cmd(&config, &db, &["--dry-run"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("MiB"), "{}", text(&out));
    let events_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("events "))
        .unwrap_or_else(|| panic!("no events line: {}", text(&out)));
    let n: u64 = events_line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(n as usize > MESSAGES, "{events_line}");
    let now = snapshot(dir.path());
    let changed: Vec<_> = now
        .iter()
        .filter(|f| !files.contains(f))
        .chain(files.iter().filter(|f| !now.contains(f)))
        .map(|(p, b)| (p.display().to_string(), b.len()))
        .collect();
    assert!(changed.is_empty(), "the dry run changed files: {changed:?}");
    assert_eq!(
        psql(
            &db,
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"
        ),
        "0",
        "the dry run touched PostgreSQL"
    );

    // Killed halfway (small batches make "halfway" last), then resumed.
    let mut run = Proc::spawn(
        &mut migrate_cmd(&config, &db, &["--yes", "--batch-rows", "7"]),
        dir.path().join("migrate1.log"),
    );
    let progress = "SELECT COALESCE((SELECT rows_copied || ',' || done FROM matrixd_migrate_progress WHERE table_name = 'events'), '')";
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(
            Instant::now() < deadline,
            "the copy never reached the events table:\n{}",
            run.log_text()
        );
        if let Ok(Some(s)) = run.child.try_wait() {
            panic!(
                "the migration ended ({s}) before it could be killed:\n{}",
                run.log_text()
            );
        }
        let exists = psql(
            &db,
            "SELECT to_regclass('matrixd_migrate_progress') IS NOT NULL",
        ) == "t";
        let p = if exists {
            psql(&db, progress)
        } else {
            String::new()
        };
        if let Some((rows, done)) = p.split_once(',')
            && rows.parse::<u64>().unwrap() >= 500
            && done == "0"
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    run.signal(libc::SIGKILL);
    run.wait_timeout(Duration::from_secs(10)).expect("killed");
    let (copied, in_table) = (
        psql(
            &db,
            "SELECT rows_copied FROM matrixd_migrate_progress WHERE table_name = 'events'",
        ),
        psql(&db, "SELECT COUNT(*) FROM events"),
    );
    assert_eq!(
        copied, in_table,
        "the progress record and the rows copied agree after the kill"
    );
    assert!((in_table.parse::<u64>().unwrap() as usize) < n as usize);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        original,
        "an unfinished migration leaves the config alone"
    );

    let out = migrate_cmd(&config, &db, &["--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("an interrupted copy"), "{}", text(&out));
    assert!(stderr.contains("checksums of"), "{}", text(&out));
    assert_eq!(psql(&db, "SELECT COUNT(*) FROM events"), n.to_string());
    let new = std::fs::read_to_string(&config).unwrap();
    assert!(new.contains("name: psycopg2"), "{new}");
    assert!(!new.contains("sqlite3"), "{new}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("homeserver.yaml.sqlite.bak")).unwrap(),
        original,
        "the old config is kept"
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
        let old = std::fs::metadata(dir.path().join("homeserver.yaml.sqlite.bak"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, old, "the config keeps its mode");
    }

    // A re-run has nothing to do.
    let out = migrate_cmd(&config, &db, &["--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing to do"),
        "{}",
        text(&out)
    );

    // Had the machine died after the verification but before the config was rewritten, a
    // re-run compares again and switches the config, copying nothing.
    let switched = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, &original).unwrap();
    let out = migrate_cmd(&config, &db, &["--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a completed copy"), "{}", text(&out));
    assert!(
        stderr.contains(&format!("Copied events ({n} rows)")),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), switched);
    assert_eq!(psql(&db, "SELECT COUNT(*) FROM events"), n.to_string());

    // matrixd on PostgreSQL: the same history, tokens, keys, account data and media; new
    // events continue after the old ones; password logins work.
    std::fs::rename(
        dir.path().join("homeserver.db"),
        dir.path().join("homeserver.db.moved-away"),
    )
    .unwrap();
    let server = run_matrixd(&config, dir.path().join("postgres.log"), &url).await;
    let after = observe(&http, &url, &users).await;
    assert_eq!(after.history, before.history, "the same history");
    assert_eq!(after.alice_keys, before.alice_keys, "the same device keys");
    assert_eq!(
        after.key_counts, before.key_counts,
        "the same one-time keys"
    );
    assert_eq!(after.account_data, before.account_data);
    assert_eq!(after.media, before.media);
    let (status, _) = login(&url, "bob", "pw-bob").await;
    assert_eq!(status, 200, "password logins work");
    let r: Value = http
        .put(format!(
            "{url}/_matrix/client/v3/rooms/{}/send/m.room.message/after-migration",
            enc(&users.room)
        ))
        .bearer_auth(&users.alice)
        .json(&json!({"msgtype": "m.text", "body": "after"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_id = r["event_id"].as_str().expect("send after migration");
    let latest: Value = http
        .get(format!(
            "{url}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=2",
            enc(&users.room)
        ))
        .bearer_auth(&users.bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(latest["chunk"][0]["event_id"], new_id);
    assert_eq!(latest["chunk"][1]["event_id"], before.history[0].as_str());
    drop(server);
}

#[test]
fn migrate_db_without_a_target_says_which_flags_to_give() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("homeserver.yaml");
    generate_config("t.example", free_port(), &config, dir.path());
    std::fs::write(dir.path().join("homeserver.db"), b"").unwrap();
    let out = Command::new(bin("matrixctl"))
        .args(["--lang", "en", "migrate-db", "-c"])
        .arg(&config)
        .args(["--dry-run", "--distro", "debian"])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("--pg-host"), "{t}");
}
