//! Issue 18: `matrixctl import-synapse`. A real Synapse (the interop venv's, on SQLite) is
//! filled through its client API by `interop/populate_synapse.py` (users with passwords, two
//! devices each, rooms with a few hundred messages, edits, reactions, replies, redactions,
//! state changes, receipts, account data, tags, push rules, device, one-time and cross-signing
//! keys, a key backup, a registration token, an e-mail address, media, a login with a refresh
//! token), then stopped and imported; matrixd started on the result must keep the same users
//! (old passwords log in, old access tokens work, a Synapse refresh token refreshes), the same
//! history (/messages returns the same
//! event ids in the same order), the same state, the same media bytes and the same per-user
//! data. Run with Synapse on SQLite into matrixd on SQLite, and with Synapse on PostgreSQL into
//! matrixd on PostgreSQL.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use sha2::Digest as _;

use crate::support::*;

async fn get(url: &str, token: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every event id of a room's timeline, newest first, by paginating /messages backwards.
async fn timeline(url: &str, token: &str, room: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut from: Option<String> = None;
    for _ in 0..100 {
        let mut u = format!(
            "{url}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=100",
            q(room)
        );
        if let Some(f) = &from {
            u.push_str(&format!("&from={}", q(f)));
        }
        let (status, body) = get(&u, token).await;
        assert_eq!(status, 200, "{u}: {body}");
        let chunk = body["chunk"].as_array().cloned().unwrap_or_default();
        if chunk.is_empty() {
            break;
        }
        ids.extend(
            chunk
                .iter()
                .map(|e| e["event_id"].as_str().unwrap().to_string()),
        );
        match body["end"].as_str() {
            Some(end) => from = Some(end.to_string()),
            None => break,
        }
    }
    ids
}

/// A room's current state: (type, state key) → (event id, content).
async fn state(url: &str, token: &str, room: &str) -> BTreeMap<(String, String), (String, Value)> {
    let (status, body) = get(
        &format!("{url}/_matrix/client/v3/rooms/{}/state", q(room)),
        token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                (
                    e["type"].as_str().unwrap().to_string(),
                    e["state_key"].as_str().unwrap().to_string(),
                ),
                (
                    e["event_id"].as_str().unwrap().to_string(),
                    e["content"].clone(),
                ),
            )
        })
        .collect()
}

async fn media_sha256(url: &str, token: &str, mxc: &str) -> String {
    let path = mxc.trim_start_matches("mxc://");
    let r = reqwest::Client::new()
        .get(format!("{url}/_matrix/client/v1/media/download/{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "download {mxc}");
    hex::encode(sha2::Sha256::digest(r.bytes().await.unwrap()))
}

/// Where each server keeps its data: SQLite files, or these PostgreSQL databases.
struct Databases {
    synapse_pg: Option<String>,
    matrixd_pg: Option<String>,
}

fn import(
    args: &[&str],
    synapse_config: &std::path::Path,
    out: &std::path::Path,
    dbs: &Databases,
) -> std::process::Output {
    let mut cmd = Command::new(bin("matrixctl"));
    cmd.arg("import-synapse")
        .arg("--synapse-config")
        .arg(synapse_config)
        .arg("--config-path")
        .arg(out.join("homeserver.yaml"))
        .arg("--data-directory")
        .arg(out)
        .args(args);
    if let Some(db) = &dbs.matrixd_pg {
        cmd.args(["--database", "postgres", "--pg-host", &testkit::pg::host()])
            .args(["--pg-port", &testkit::pg::port().to_string()])
            .args(["--pg-user", &testkit::pg::user(), "--pg-database", db]);
    }
    cmd.output().unwrap()
}

/// A Synapse in `dir` as `start_synapse` runs it, on PostgreSQL database `db` when given.
/// Refresh tokens are configured explicitly (Synapse's default is on, with 5 minutes), so the
/// translated config must carry the keys over.
async fn start_synapse_on(dir: &std::path::Path, db: Option<&str>) -> (Proc, String) {
    std::fs::create_dir_all(dir).unwrap();
    let extra = dir.with_extension("extra.yaml");
    std::fs::write(
        &extra,
        "refreshable_access_token_lifetime: 10m\nrefresh_token_lifetime: 1d\n",
    )
    .unwrap();
    let extra = ("SYNAPSE_EXTRA_CONFIG", extra.display().to_string());
    let env = match db {
        None => vec![extra],
        Some(db) => vec![
            ("SYNAPSE_PG_DATABASE", db.to_string()),
            ("SYNAPSE_PG_HOST", testkit::pg::host()),
            ("SYNAPSE_PG_PORT", testkit::pg::port().to_string()),
            ("SYNAPSE_PG_USER", testkit::pg::user()),
            // And a pepper: the imported bcrypt hashes need it at login.
            ("SYNAPSE_PASSWORD_PEPPER", "a pepper ünicode".to_string()),
            extra,
        ],
    };
    start_synapse_with(dir, &env).await
}

#[tokio::test]
async fn issue_18_a_synapse_moves_to_matrixd_keeping_logins_history_state_and_media() {
    moves_everything(Databases {
        synapse_pg: None,
        matrixd_pg: None,
    })
    .await;
}

#[tokio::test]
async fn issue_18_a_synapse_on_postgresql_moves_to_matrixd_on_postgresql() {
    if !testkit::pg::available() {
        return;
    }
    let pid = std::process::id();
    let dbs = Databases {
        synapse_pg: Some(format!("synapse_import_{pid}")),
        matrixd_pg: Some(format!("matrixd_import_{pid}")),
    };
    let names: Vec<String> = [&dbs.synapse_pg, &dbs.matrixd_pg]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let _drop: Vec<crate::migrate_db::TempDb> = names
        .iter()
        .cloned()
        .map(crate::migrate_db::TempDb)
        .collect();
    for db in &names {
        testkit::pg::create_database(
            db,
            "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
        )
        .await;
    }
    moves_everything(dbs).await;
}

async fn moves_everything(dbs: Databases) {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let syn_dir = dir.path().join("synapse");
    let out_dir = dir.path().join("matrixd");
    let (mut synapse, url) = start_synapse_on(&syn_dir, dbs.synapse_pg.as_deref()).await;
    let syn_conf = syn_dir.join("homeserver.yaml");

    let started = std::time::Instant::now();
    let populate = Command::new(synapse_venv().join("bin/python"))
        .arg(repo_root().join("tests/interop/populate_synapse.py"))
        .arg(&url)
        .arg(shared_secret(&syn_conf))
        // Thousands of events on SQLite; a few hundred suffice to prove PostgreSQL's reads.
        .arg(if dbs.synapse_pg.is_some() {
            "300"
        } else {
            "2000"
        })
        .output()
        .unwrap();
    assert!(
        populate.status.success(),
        "{}",
        String::from_utf8_lossy(&populate.stderr)
    );
    let facts: Value = serde_json::from_slice(&populate.stdout).unwrap();
    eprintln!("populated in {:?}", started.elapsed());
    let alice = facts["users"]["alice"]["tokens"]["SECOND"]
        .as_str()
        .unwrap()
        .to_string();
    let rooms: Vec<String> = ["public", "private"]
        .iter()
        .map(|r| facts["rooms"][r].as_str().unwrap().to_string())
        .collect();

    // What Synapse serves, to compare with.
    let mut before = Vec::new();
    for room in &rooms {
        before.push((
            timeline(&url, &alice, room).await,
            state(&url, &alice, room).await,
        ));
    }
    assert!(before[0].0.len() > 350, "{}", before[0].0.len());
    // Tokens Synapse gave out: a sync position, and a pagination position 10 events back.
    let (status, body) = get(
        &format!("{url}/_matrix/client/v3/sync?timeout=0&filter=%7B%22room%22%3A%7B%22timeline%22%3A%7B%22limit%22%3A1%7D%7D%7D"),
        &alice,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let synapse_since = body["next_batch"].as_str().unwrap().to_string();
    let (_, body) = get(
        &format!(
            "{url}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=10",
            q(&rooms[0])
        ),
        &alice,
    )
    .await;
    let synapse_end = body["end"].as_str().unwrap().to_string();

    // Refused while Synapse runs, and nothing written.
    let out = import(&["--yes"], &syn_conf, &out_dir, &dbs);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("must be stopped"), "{stderr}");
    assert!(!out_dir.join("homeserver.db").exists());

    synapse.signal(libc::SIGTERM);
    assert!(
        synapse.wait_timeout(Duration::from_secs(30)).is_some(),
        "Synapse did not stop"
    );
    let synapse_db = std::fs::read(syn_dir.join("homeserver.db")).ok();
    let listing = |d: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let synapse_files = listing(&syn_dir);

    // The dry run says what it would do and writes nothing.
    let out = import(&["--dry-run"], &syn_conf, &out_dir, &dbs);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("events") && stdout.contains("access_tokens"),
        "{stdout}"
    );
    assert!(!out_dir.join("homeserver.db").exists());
    if let (Some(from), Some(to)) = (&dbs.synapse_pg, &dbs.matrixd_pg) {
        assert!(
            stdout.contains("PostgreSQL") && stdout.contains(from.as_str()),
            "{stdout}"
        );
        assert!(stdout.contains(to.as_str()), "{stdout}");
    }

    // Killed in the middle of the events (the 17th progress report: two for each of seven
    // small tables, then the events' start and two batches of 50 events), then run again: it
    // goes on where it stopped.
    let out = import(
        &[
            "--yes",
            "--batch-rows",
            "50",
            "--test-interrupt-after",
            "17",
        ],
        &syn_conf,
        &out_dir,
        &dbs,
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let started = std::time::Instant::now();
    let out = import(&["--yes"], &syn_conf, &out_dir, &dbs);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("imported in {:?}", started.elapsed());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("events: an interrupted run had read 100 rows"),
        "{stderr}"
    );
    assert!(!stdout.contains('✗'), "{stdout}");
    // Synapse's database is only read.
    assert_eq!(
        std::fs::read(syn_dir.join("homeserver.db")).ok(),
        synapse_db
    );
    assert_eq!(
        listing(&syn_dir),
        synapse_files,
        "files appeared beside Synapse's"
    );
    // The same signing key (same key id).
    assert_eq!(
        std::fs::read_to_string(syn_dir.join("localhost.signing.key")).unwrap(),
        std::fs::read_to_string(out_dir.join("localhost.signing.key")).unwrap()
    );

    // A second run continues from its progress: everything is already there.
    let again = import(&["--yes"], &syn_conf, &out_dir, &dbs);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("imported by an earlier run"));

    // matrixd on the result, on Synapse's own listener.
    let _matrixd = run_matrixd(
        &out_dir.join("homeserver.yaml"),
        dir.path().join("matrixd.out"),
        &url,
    )
    .await;

    // With matrixd running on the result, another run is refused.
    let out = import(&["--yes"], &syn_conf, &out_dir, &dbs);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every old access token works without logging in; every old password logs in.
    for (name, user) in facts["users"].as_object().unwrap() {
        for (device, token) in user["tokens"].as_object().unwrap() {
            let (status, body) = whoami(&url, token.as_str().unwrap()).await;
            assert_eq!(status, 200, "{name} {device}: {body}");
            assert_eq!(body["user_id"], user["user_id"]);
            assert_eq!(body["device_id"].as_str(), Some(device.as_str()));
        }
        let (status, body) = login(&url, name, user["password"].as_str().unwrap()).await;
        assert_eq!(
            status, 200,
            "{name} logs in with the Synapse password: {body}"
        );
        // And again, now against the argon2 hash the first login stored.
        let (status, _) = login(&url, name, user["password"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        let (status, _) = login(&url, name, "not the password").await;
        assert_eq!(status, 403);
    }

    // A client holding a Synapse refresh token refreshes on matrixd, and the new access token
    // works; the refresh token Synapse had already seen exchanged and its successor used is
    // refused, as Synapse refuses it.
    let rf = &facts["refresh"];
    let refresh = |token: Value| {
        let url = url.clone();
        async move {
            let r = reqwest::Client::new()
                .post(format!("{url}/_matrix/client/v3/refresh"))
                .json(&serde_json::json!({ "refresh_token": token }))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or_default())
        }
    };
    let (status, body) = whoami(&url, rf["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "the refreshed Synapse access token: {body}");
    let (status, body) = refresh(rf["spent_refresh_token"].clone()).await;
    assert_eq!(
        (status, &body["errcode"]),
        (403, &Value::from("M_FORBIDDEN")),
        "{body}"
    );
    let (status, body) = refresh(rf["refresh_token"].clone()).await;
    assert_eq!(status, 200, "refresh with Synapse's refresh token: {body}");
    assert!(body["refresh_token"].is_string(), "{body}");
    assert!(body["expires_in_ms"].as_u64().unwrap() > 0, "{body}");
    let (status, who) = whoami(&url, body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{who}");
    assert_eq!(who["user_id"], rf["user_id"]);
    assert_eq!(who["device_id"], rf["device_id"]);
    let (status, _) = refresh(body["refresh_token"].clone()).await;
    assert_eq!(
        status, 200,
        "the refresh token matrixd issued refreshes in turn"
    );

    // A locked account keeps no way in (matrixd has no locks).
    let locked = &facts["locked"];
    let (status, _) = whoami(&url, locked["token"].as_str().unwrap()).await;
    assert_eq!(status, 401);
    let (status, _) = login(
        &url,
        locked["user"].as_str().unwrap(),
        locked["password"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 403);

    // The same history in the same order, and the same state.
    for (room, (ids, st)) in rooms.iter().zip(&before) {
        let now = timeline(&url, &alice, room).await;
        assert_eq!(&now, ids, "timeline of {room}");
        assert_eq!(&state(&url, &alice, room).await, st, "state of {room}");
    }

    // Media, byte for byte.
    for m in facts["media"].as_array().unwrap() {
        assert_eq!(
            media_sha256(&url, &alice, m["mxc"].as_str().unwrap()).await,
            m["sha256"].as_str().unwrap()
        );
    }

    // Per-user data: account data, tags, push rules, profile, keys.
    let uid = q(facts["users"]["alice"]["user_id"].as_str().unwrap());
    let (status, body) = get(
        &format!("{url}/_matrix/client/v3/user/{uid}/account_data/org.example.test"),
        &alice,
    )
    .await;
    assert_eq!((status, body["answer"].as_i64()), (200, Some(42)));
    let (_, body) = get(
        &format!(
            "{url}/_matrix/client/v3/user/{uid}/rooms/{}/tags",
            q(&rooms[0])
        ),
        &alice,
    )
    .await;
    assert_eq!(body["tags"]["m.favourite"]["order"].as_f64(), Some(0.5));
    let (status, body) = get(
        &format!("{url}/_matrix/client/v3/pushrules/global/content/cheese"),
        &alice,
    )
    .await;
    assert_eq!((status, body["pattern"].as_str()), (200, Some("cheese")));
    let (_, body) = get(
        &format!(
            "{url}/_matrix/client/v3/pushrules/global/override/.m.rule.suppress_notices/enabled"
        ),
        &alice,
    )
    .await;
    assert_eq!(body["enabled"], Value::Bool(false));
    let (status, body) = get(&format!("{url}/_matrix/client/v3/pushers"), &alice).await;
    assert_eq!(status, 200, "{body}");
    let pushers = body["pushers"].as_array().unwrap();
    assert_eq!(pushers.len(), 1, "{body}");
    assert_eq!(
        (
            pushers[0]["app_id"].as_str(),
            pushers[0]["pushkey"].as_str(),
            pushers[0]["device_display_name"].as_str()
        ),
        (
            Some("org.example.pushtest"),
            Some("alice-phone"),
            Some("Alice's phone")
        )
    );
    assert_eq!(
        pushers[0]["data"],
        serde_json::json!({"url": "https://push.example.invalid/_matrix/push/v1/notify", "format": "event_id_only"})
    );
    let (_, body) = get(
        &format!("{url}/_matrix/client/v3/profile/{uid}/displayname"),
        &alice,
    )
    .await;
    assert_eq!(body["displayname"].as_str(), Some("Alice Liddell"));
    let r = reqwest::Client::new()
        .post(format!("{url}/_matrix/client/v3/keys/query"))
        .bearer_auth(&alice)
        .json(&serde_json::json!({"device_keys": {facts["users"]["alice"]["user_id"].as_str().unwrap(): []}}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let keys = &body["device_keys"][facts["users"]["alice"]["user_id"].as_str().unwrap()]["SECOND"];
    assert_eq!(
        keys["keys"]["ed25519:SECOND"].as_str(),
        Some("edkeyA"),
        "{body}"
    );
    // Cross-signing keys, and the self-signing key's signature of the device.
    let alice_id = facts["users"]["alice"]["user_id"].as_str().unwrap();
    for (kind, field) in [
        ("master", "master_keys"),
        ("self_signing", "self_signing_keys"),
        ("user_signing", "user_signing_keys"),
    ] {
        let public = facts["cross_signing"][kind].as_str().unwrap();
        assert_eq!(
            body[field][alice_id]["keys"][format!("ed25519:{public}")].as_str(),
            Some(public),
            "{kind}: {body}"
        );
    }
    let self_signing = facts["cross_signing"]["self_signing"].as_str().unwrap();
    assert!(
        keys["signatures"][alice_id][format!("ed25519:{self_signing}")].is_string(),
        "{body}"
    );
    // The key backup.
    let backup = &facts["backup"];
    let (status, body) = get(
        &format!("{url}/_matrix/client/v3/room_keys/version"),
        &alice,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], backup["version"]);
    assert_eq!(body["auth_data"]["public_key"], "backupkey");
    let (status, body) = get(
        &format!(
            "{url}/_matrix/client/v3/room_keys/keys/{}/{}?version={}",
            q(backup["room"].as_str().unwrap()),
            backup["session"].as_str().unwrap(),
            backup["version"].as_str().unwrap()
        ),
        &alice,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["session_data"]["ciphertext"], "c");
    // The registration token (Alice is an admin), Bob's e-mail address.
    let (status, body) = get(
        &format!("{url}/_synapse/admin/v1/registration_tokens/invite-me"),
        &alice,
    )
    .await;
    assert_eq!(
        (status, body["uses_allowed"].as_i64()),
        (200, Some(5)),
        "{body}"
    );
    let bob = facts["users"]["bob"]["tokens"]["SECOND"].as_str().unwrap();
    let (_, body) = get(&format!("{url}/_matrix/client/v3/account/3pid"), bob).await;
    assert_eq!(body["threepids"][0]["address"], "bob@example.org", "{body}");
    // The to-device message Bob's device had not fetched yet.
    let (status, body) = get(&format!("{url}/_matrix/client/v3/sync?timeout=0"), bob).await;
    assert_eq!(status, 200, "{body}");
    let waiting: Vec<&Value> = body["to_device"]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == "org.example.ping")
        .collect();
    assert_eq!(waiting.len(), 1, "{body}");
    assert_eq!(waiting[0]["content"]["hello"], "bob");
    assert_eq!(waiting[0]["sender"].as_str(), Some(alice_id));

    // The imported rooms go on: a new message lands after the old ones.
    let r = reqwest::Client::new()
        .put(format!(
            "{url}/_matrix/client/v3/rooms/{}/send/m.room.message/after-move",
            q(&rooms[0])
        ))
        .bearer_auth(&alice)
        .json(&serde_json::json!({"msgtype": "m.text", "body": "after the move"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let now = timeline(&url, &alice, &rooms[0]).await;
    assert_eq!(now.len(), before[0].0.len() + 1);
    assert_eq!(&now[1..], &before[0].0[..]);

    // Clients go on with the tokens Synapse gave them: paginating on from where they were, and
    // syncing on from their last sync, which brings just what happened since.
    let (status, body) = get(
        &format!(
            "{url}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=10&from={}",
            q(&rooms[0]),
            q(&synapse_end)
        ),
        &alice,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let page: Vec<&str> = body["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        page,
        before[0].0[10..20]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    let (status, body) = get(
        &format!(
            "{url}/_matrix/client/v3/sync?timeout=0&since={}",
            q(&synapse_since)
        ),
        &alice,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let timeline = &body["rooms"]["join"][rooms[0].as_str()]["timeline"];
    let ids: Vec<&str> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![now[0].as_str()], "{timeline}");
}

fn nio_move(args: &[&std::ffi::OsStr]) {
    let out = Command::new(synapse_venv().join("bin/python"))
        .arg(repo_root().join("tests/interop/nio_e2ee_move.py"))
        .args(args)
        .output()
        .expect("run nio_e2ee_move.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("all checks passed"),
        "nio_e2ee_move.py {:?} failed ({}):\n{stdout}\n{}",
        args.first(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// matrix-nio[e2e] clients that talked in an encrypted room on Synapse go on, after the move,
/// with the same access tokens, devices, olm and megolm sessions: they decrypt the old messages
/// and each other's new ones.
#[tokio::test]
async fn issue_18_an_encrypted_conversation_goes_on_after_the_move() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let syn_dir = dir.path().join("synapse");
    let out_dir = dir.path().join("matrixd");
    let state = dir.path().join("nio");
    std::fs::create_dir_all(&state).unwrap();
    let (mut synapse, url) = start_synapse_on(&syn_dir, None).await;
    let syn_conf = syn_dir.join("homeserver.yaml");
    let secret = shared_secret(&syn_conf);
    nio_move(&[
        "before".as_ref(),
        url.as_ref(),
        secret.as_ref(),
        state.as_os_str(),
    ]);
    synapse.signal(libc::SIGTERM);
    assert!(synapse.wait_timeout(Duration::from_secs(30)).is_some());
    let dbs = Databases {
        synapse_pg: None,
        matrixd_pg: None,
    };
    let out = import(&["--yes"], &syn_conf, &out_dir, &dbs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _matrixd = run_matrixd(
        &out_dir.join("homeserver.yaml"),
        dir.path().join("matrixd.out"),
        &url,
    )
    .await;
    nio_move(&["after".as_ref(), url.as_ref(), state.as_os_str()]);
}

/// A second Synapse that shared rooms with the moved one keeps talking to it: the same server
/// name and signing key, the same rooms and events, so federation goes on both ways, in a room
/// the moved server created and in one it joined on the peer.
#[tokio::test]
async fn issue_18_a_federation_peer_keeps_talking_to_the_moved_server() {
    use crate::fed;
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = fed::pki(dir.path());
    let (a_dir, b_dir) = (dir.path().join("moving"), dir.path().join("peer"));
    let (mut a, b) = tokio::join!(fed::synapse(&a_dir, &pki), fed::synapse(&b_dir, &pki));
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let room_id = fed::join_and_talk(&a, &alice, &b, &bob, "moving").await;
    // And a room of the peer's that Alice joined: the moving server holds it from the join on
    // (its state as Synapse keeps it, outliers).
    let peer_room = fed::join_and_talk(&b, &bob, &a, &alice, "peers").await;
    // And an invite of the peer's that Alice has not answered yet.
    let (status, body) = b
        .call(
            "POST",
            "/_matrix/client/v3/createRoom",
            &bob,
            Some(
                serde_json::json!({"preset": "private_chat", "name": "Invitation",
                "invite": [a.user_id("alice")]}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let invited_to = body["room_id"].as_str().unwrap().to_string();
    let has_invite = |b: &Value| b["rooms"]["invite"].get(&invited_to).is_some();
    a.until(
        "/_matrix/client/v3/sync?timeout=1000",
        &alice,
        "the invite on Synapse",
        has_invite,
    )
    .await;

    let mut synapse = a._proc.take().expect("running");
    synapse.signal(libc::SIGTERM);
    assert!(synapse.wait_timeout(Duration::from_secs(30)).is_some());
    let out_dir = dir.path().join("moved");
    let dbs = Databases {
        synapse_pg: None,
        matrixd_pg: None,
    };
    let out = import(&["--yes"], &a.config, &out_dir, &dbs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    a.config = out_dir.join("homeserver.yaml");
    a.start_matrixd().await;

    let messages = format!(
        "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=30",
        q(&room_id)
    );
    a.send_text(&alice, &room_id, "from the moved server").await;
    b.until(&messages, &bob, "the moved server's message", |m| {
        fed::texts(m).contains(&"from the moved server".to_string())
    })
    .await;
    b.send_text(&bob, &room_id, "to the moved server").await;
    a.until(
        &messages,
        &alice,
        "the peer's message on the moved server",
        |m| fed::texts(m).contains(&"to the moved server".to_string()),
    )
    .await;

    // The pending invite is still there, with the room's name, and Alice can accept it.
    let sync = a
        .until(
            "/_matrix/client/v3/sync?timeout=1000",
            &alice,
            "the invite on the moved server",
            has_invite,
        )
        .await;
    let state = &sync["rooms"]["invite"][&invited_to]["invite_state"]["events"];
    assert!(
        state
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "Invitation"),
        "{state}"
    );
    let (status, body) = a
        .call(
            "POST",
            &format!("/_matrix/client/v3/rooms/{}/join", q(&invited_to)),
            &alice,
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(status, 200, "accepting the invite after the move: {body}");
    let alice_id = a.user_id("alice");
    b.until(
        &format!("/_matrix/client/v3/rooms/{}/joined_members", q(&invited_to)),
        &bob,
        "Alice's join through the moved server",
        |m| m["joined"].get(&alice_id).is_some(),
    )
    .await;

    let messages = format!(
        "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=30",
        q(&peer_room)
    );
    b.send_text(&bob, &peer_room, "in the peer's room").await;
    a.until(
        &messages,
        &alice,
        "the peer's room on the moved server",
        |m| fed::texts(m).contains(&"in the peer's room".to_string()),
    )
    .await;
    a.send_text(&alice, &peer_room, "answer from the moved server")
        .await;
    b.until(
        &messages,
        &bob,
        "the moved server's answer in the peer's room",
        |m| fed::texts(m).contains(&"answer from the moved server".to_string()),
    )
    .await;
}

/// A role made by a test, dropped (after its database) when the test ends.
struct TempRole {
    role: String,
    _db: crate::migrate_db::TempDb,
}

impl Drop for TempRole {
    fn drop(&mut self) {
        testkit::pg::drop_database_blocking(&self._db.0);
        let _ = Command::new("psql")
            .args(["-h", &testkit::pg::host(), "-p"])
            .arg(testkit::pg::port().to_string())
            .args(["-U", &testkit::pg::user(), "-d", "postgres", "-tAc"])
            .arg(format!("DROP ROLE IF EXISTS \"{}\"", self.role))
            .output();
    }
}

/// Issue 18: as root, `--database postgres` without another server in the flags means this
/// machine's PostgreSQL (over its socket, as its superuser's OS user): the role and a UTF8 /
/// C-collation database are created first, exactly as `migrate-db` creates them, the role is
/// given a generated password, and the import goes into them over TCP with it.
#[tokio::test]
async fn issue_18_as_root_an_import_into_the_local_postgresql_creates_its_role_and_database() {
    let socket = std::path::Path::new("/var/run/postgresql");
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !testkit::pg::available() || testkit::tool("psql").is_none() {
        return;
    }
    if !root || !socket.join(".s.PGSQL.5432").exists() {
        assert!(
            std::env::var_os("MATRIXCTL_TEST_REQUIRE_TOOLS").is_none(),
            "needs root and PostgreSQL's socket in {}",
            socket.display()
        );
        eprintln!(
            "skipped: needs root and PostgreSQL's socket in {}",
            socket.display()
        );
        return;
    }
    install_crypto();
    let pid = std::process::id();
    let db = format!("matrixd_import_local_{pid}");
    let role = format!("matrixd_import_role_{pid}");
    let _drop = TempRole {
        role: role.clone(),
        _db: crate::migrate_db::TempDb(db.clone()),
    };
    let dir = tempfile::tempdir().unwrap();
    let syn_dir = dir.path().join("synapse");
    let out_dir = dir.path().join("matrixd");
    let (mut synapse, _url) = start_synapse_on(&syn_dir, None).await;
    synapse.signal(libc::SIGTERM);
    assert!(
        synapse.wait_timeout(Duration::from_secs(30)).is_some(),
        "Synapse did not stop"
    );
    let run = |extra: &[&str]| {
        Command::new(bin("matrixctl"))
            .args(["--lang", "en", "import-synapse", "--synapse-config"])
            .arg(syn_dir.join("homeserver.yaml"))
            .arg("--config-path")
            .arg(out_dir.join("homeserver.yaml"))
            .arg("--data-directory")
            .arg(&out_dir)
            .args(["--database", "postgres", "--distro", "debian"])
            .args(["--pg-user", &role, "--pg-database", &db])
            .args(extra)
            .output()
            .unwrap()
    };
    let dry = run(&["--dry-run"]);
    let plan = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        plan.contains(&format!(
            "create  PostgreSQL role {role} and database {db} (UTF8, C collation), unless they exist"
        )),
        "{plan}"
    );
    assert!(
        plan.contains("secrets/postgres_password (mode 0600, never overwritten)"),
        "{plan}"
    );
    assert!(
        !out_dir.join("secrets").exists(),
        "the dry run wrote the password"
    );
    let out = run(&["--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("PostgreSQL role {role}"))
            && stderr.contains(&format!("PostgreSQL database {db} (UTF8, C collation)")),
        "{stderr}"
    );
    let psql = Command::new("psql")
        .args(["-h", &testkit::pg::host(), "-p"])
        .arg(testkit::pg::port().to_string())
        .args(["-U", &testkit::pg::user(), "-d", "postgres", "-tAc"])
        .arg(format!(
            "SELECT pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba) \
             FROM pg_database WHERE datname = '{db}'"
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&psql.stdout).trim(),
        format!("UTF8|C|C|{role}")
    );
    // Run as root it cannot connect as the role over the socket (peer authentication on a
    // stock Debian): the role got a generated password (a SCRAM verifier), kept 0600 beside
    // the config, and the new config names 127.0.0.1 with it, as matrixd will connect.
    let secret = out_dir.join("secrets/postgres_password");
    let password = std::fs::read_to_string(&secret).unwrap();
    let password = password.trim().to_string();
    assert!(password.len() >= 32, "{password}");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        stderr.contains(&format!("the password of PostgreSQL role {role}")),
        "{stderr}"
    );
    let verifier = Command::new("psql")
        .args(["-h", &testkit::pg::host(), "-p"])
        .arg(testkit::pg::port().to_string())
        .args(["-U", &testkit::pg::user(), "-d", "postgres", "-tAc"])
        .arg(format!(
            "SELECT rolpassword FROM pg_authid WHERE rolname = '{role}'"
        ))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verifier.stdout).starts_with("SCRAM-SHA-256$4096:"),
        "{}",
        String::from_utf8_lossy(&verifier.stdout)
    );
    let (config, problems) = matrixd::config::load_files(&[out_dir.join("homeserver.yaml")]);
    let config = config.unwrap_or_else(|| panic!("{problems}"));
    match &config.database {
        matrixd::config::Database::Postgres(a) => {
            assert_eq!(a.host.as_deref(), Some("127.0.0.1"));
            assert_eq!(a.user.as_deref(), Some(role.as_str()));
            assert_eq!(a.dbname.as_deref(), Some(db.as_str()));
            assert_eq!(
                a.password.as_ref().map(|p| p.expose()),
                Some(password.as_str())
            );
        }
        other => panic!("{other:?}"),
    }
    // Run again: the role and the database exist, so nothing is created, and the import has
    // nothing left to copy.
    let again = run(&["--yes"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(!stderr.contains("Creating"), "{stderr}");
    // The password file is kept, never overwritten.
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap().trim(),
        password.as_str()
    );
}

/// Issue 18: `install --adopt` finishes what `import-synapse` started. Into a `--root` tree
/// (nothing started, no root needed): the imported homeserver.yaml and its signing key are
/// kept byte for byte (and shown as kept), no second key, secrets or log config are planned,
/// and the rest is provisioned around them (service unit on that config, the nginx site
/// forwarding to the imported listener's port, .well-known); the answers file carries `adopt`,
/// so a plain re-run changes nothing; a flag contradicting the config is refused.
#[tokio::test]
async fn issue_18_install_adopt_keeps_the_imported_config_and_key_and_provisions_the_rest() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let syn_dir = dir.path().join("synapse");
    let root = dir.path().join("root");
    let (mut synapse, _url) = start_synapse_on(&syn_dir, None).await;
    synapse.signal(libc::SIGTERM);
    assert!(
        synapse.wait_timeout(Duration::from_secs(30)).is_some(),
        "Synapse did not stop"
    );
    let config = root.join("etc/matrixd/homeserver.yaml");
    let out = Command::new(bin("matrixctl"))
        .args(["--lang", "en", "import-synapse", "--synapse-config"])
        .arg(syn_dir.join("homeserver.yaml"))
        .arg("--config-path")
        .arg(&config)
        .arg("--data-directory")
        .arg(root.join("var/lib/matrixd"))
        .arg("--yes")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // As import-synapse writes it on the target machine itself: the target's paths.
    let root_s = root.to_str().unwrap();
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(root_s, "");
    std::fs::write(&config, &text).unwrap();
    let key_rel = text
        .lines()
        .find_map(|l| l.strip_prefix("signing_key_path: "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    assert_ne!(key_rel, "/etc/matrixd/signing.key", "{text}");
    let key = root.join(key_rel.trim_start_matches('/'));
    let port = text
        .split("port: ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap()
        .to_string();
    let (config_before, key_before) = (
        std::fs::read(&config).unwrap(),
        std::fs::read(&key).unwrap(),
    );
    let install = |extra: &[&str]| {
        Command::new(bin("matrixctl"))
            .args(["--lang", "en", "install", "--root"])
            .arg(&root)
            .args(["--distro", "debian"])
            .args(extra)
            .output()
            .unwrap()
    };

    // Without --adopt, install would replace it (and the key): refused, pointing to --adopt.
    let plain = install(&["--report-stats", "no", "--dry-run"]);
    let stderr = String::from_utf8_lossy(&plain.stderr);
    assert_eq!(plain.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("matrixctl install --adopt"), "{stderr}");

    let dry = install(&["--adopt", "--dry-run"]);
    let plan = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    for want in [
        "keep       /etc/matrixd/homeserver.yaml",
        "adopted as it is (--adopt: never rewritten)",
        &format!("keep       {key_rel}"),
        "/etc/systemd/system/matrixd.service",
        "/etc/nginx/sites-available/matrixd.conf",
        ".well-known/matrix/server",
    ] {
        assert!(plan.contains(want), "{want}:\n{plan}");
    }
    for unwanted in [
        "/etc/matrixd/signing.key",
        "/etc/matrixd/secrets",
        "/etc/matrixd/log.config",
        "templates/homeserver.yaml.tera",
    ] {
        assert!(!plan.contains(unwanted), "{unwanted}:\n{plan}");
    }

    let out = install(&["--adopt", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&config).unwrap(),
        config_before,
        "homeserver.yaml was rewritten"
    );
    assert_eq!(
        std::fs::read(&key).unwrap(),
        key_before,
        "the signing key was rewritten"
    );
    assert!(!root.join("etc/matrixd/signing.key").exists());
    assert!(!root.join("etc/matrixd/secrets").exists());
    let unit = std::fs::read_to_string(root.join("etc/systemd/system/matrixd.service")).unwrap();
    assert!(
        unit.contains("--config /etc/matrixd/homeserver.yaml"),
        "{unit}"
    );
    let site =
        std::fs::read_to_string(root.join("etc/nginx/sites-available/matrixd.conf")).unwrap();
    assert!(
        site.contains(&format!("proxy_pass http://127.0.0.1:{port};")),
        "{site}"
    );
    let answers = std::fs::read_to_string(root.join("etc/matrixd/matrixctl-answers.toml")).unwrap();
    assert!(
        answers.contains("adopt = \"yes\"") && answers.contains("server_name = \"localhost\""),
        "{answers}"
    );

    // A plain re-run adopts again (the answers say so) and changes nothing.
    let again = install(&["--yes"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(std::fs::read(&config).unwrap(), config_before);

    // What the config decides cannot be overruled by a flag.
    let other = install(&["--adopt", "--registration", "open", "--dry-run"]);
    assert_eq!(
        other.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("contradicts the adopted config"),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
}
