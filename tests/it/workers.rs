//! Three real matrixd processes on one PostgreSQL database (`worker_name`, one config file
//! each beside the shared homeserver.yaml): senders on all three write into one room, the
//! first process (the leader) is killed with SIGKILL under that load, and every event any of
//! them acknowledged is served by the two that remain, in one order; a sync on one of them
//! wakes for a send on the other, and the background duties move to a survivor.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The database section of `text` (a generated homeserver.yaml) pointed at `db`.
fn on_postgres(text: &str, db: &str) -> String {
    let start = text.find("database:\n").unwrap();
    let end = text[start..].find("\n\n").unwrap() + start;
    format!(
        "{}database:\n  name: psycopg2\n  args:\n    user: postgres\n    dbname: {db}\n    host: 127.0.0.1\n    port: 5432\n    cp_min: 1\n    cp_max: 6{}",
        &text[..start],
        &text[end..]
    )
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let r = http.get(url).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or_default())
}

/// Every message of the room, oldest first, as the process at `base` serves them.
async fn messages(http: &reqwest::Client, base: &str, token: &str, room: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from: Option<String> = None;
    loop {
        let mut url = format!(
            "{base}/_matrix/client/v3/rooms/{}/messages?dir=f&limit=500",
            enc(room)
        );
        if let Some(f) = &from {
            url.push_str(&format!("&from={}", enc(f)));
        }
        let (status, v) = get(http, &url, token).await;
        assert_eq!(status, 200, "{v}");
        let chunk = v["chunk"].as_array().cloned().unwrap_or_default();
        out.extend(
            chunk
                .iter()
                .filter(|e| e["type"] == "m.room.message")
                .map(|e| e["event_id"].as_str().unwrap().to_string()),
        );
        match v["end"].as_str() {
            Some(end) if !chunk.is_empty() => from = Some(end.to_string()),
            _ => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_one_killed_under_load_lose_nothing_acknowledged() {
    if !testkit::pg::available() {
        return;
    }
    install_crypto();
    let db = format!("matrixd_workers_{}", std::process::id());
    testkit::pg::create_database(
        &db,
        "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let ports = [free_port(), free_port(), free_port()];
    let config = dir.path().join("homeserver.yaml");
    generate_config("workers.example", ports[0], &config, dir.path());
    // Each process logs to its own output (the generated log_config names one shared file).
    let text = on_postgres(&std::fs::read_to_string(&config).unwrap(), &db);
    let text: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("log_config:"))
        .collect();
    std::fs::write(&config, text.join("\n") + "\n").unwrap();
    relax_limits(&config);
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let mut procs = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let own = dir.path().join(format!("w{}.yaml", i + 1));
        std::fs::write(
            &own,
            format!(
                "worker_name: w{}\nlisteners:\n  - port: {port}\n    bind_addresses: ['127.0.0.1']\n    type: http\n    resources:\n      - names: [client, federation]\n",
                i + 1
            ),
        )
        .unwrap();
        let mut p = Proc::spawn(
            Command::new(bin("matrixd"))
                .arg("-c")
                .arg(&config)
                .arg("-c")
                .arg(&own),
            dir.path().join(format!("w{}.log", i + 1)),
        );
        wait_for(
            &format!("{}/_matrix/client/versions", urls[i]),
            &mut p,
            Duration::from_secs(60),
        )
        .await;
        procs.push(p);
    }

    register_user(&config, "writer", "pw-workers");
    // One login per process (each a device of the same user).
    let mut tokens = Vec::new();
    for url in &urls {
        let (status, v) = login(url, "writer", "pw-workers").await;
        assert_eq!(status, 200, "{v}");
        tokens.push(v["access_token"].as_str().unwrap().to_string());
    }
    let http = reqwest::Client::new();
    let room_id = create_room(&urls[1], &tokens[1], &json!({})).await;

    // Two senders per process, until they fail or are told to stop.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..6 {
        let p = w % 3;
        let (http, url, token, room_id, acked, stop) = (
            http.clone(),
            urls[p].clone(),
            tokens[p].clone(),
            room_id.clone(),
            acked.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = http
                    .put(format!(
                        "{url}/_matrix/client/v3/rooms/{}/send/m.room.message/w{w}-{i}",
                        enc(&room_id)
                    ))
                    .bearer_auth(&token)
                    .json(&json!({"msgtype": "m.text", "body": format!("{w}/{i}")}))
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let v: Value = r.json().await.unwrap_or_default();
                        if let Some(id) = v["event_id"].as_str() {
                            acked.lock().unwrap().push(id.to_string());
                        }
                    }
                    Ok(r) if p != 0 => panic!("a send on a survivor failed: {}", r.status()),
                    Err(e) if p != 0 => panic!("a send on a survivor failed: {e}"),
                    _ => return,
                }
                i += 1;
            }
        }));
    }
    let count = |n: usize| {
        let acked = acked.clone();
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
            while acked.lock().unwrap().len() < n {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the senders stalled at {} acknowledged",
                    acked.lock().unwrap().len()
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    count(300).await;
    let log = procs[0].log_text();
    assert!(
        log.contains("runs the background duties"),
        "the first process leads: {log}"
    );
    procs[0].signal(libc::SIGKILL);
    procs[0]
        .wait_timeout(Duration::from_secs(10))
        .expect("killed");
    // The others go on writing after the writer's lock's holder may have died holding it.
    let before = acked.lock().unwrap().len();
    count(before + 150).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.expect("no survivor's send failed");
    }
    let acked = acked.lock().unwrap().clone();

    // Every acknowledged event, once, in the same order on both survivors (each serves the
    // other's last events once it has heard of them: a moment after the senders stop).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let (on1, on2) = loop {
        let on1 = messages(&http, &urls[1], &tokens[1], &room_id).await;
        let on2 = messages(&http, &urls[2], &tokens[2], &room_id).await;
        if on1 == on2 || tokio::time::Instant::now() > deadline {
            break (on1, on2);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(on1, on2, "the survivors serve one order");
    let served: std::collections::HashSet<&String> = on1.iter().collect();
    assert_eq!(served.len(), on1.len(), "an event served twice");
    let missing: Vec<&String> = acked.iter().filter(|id| !served.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged events are not served: {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );

    // A sync on the third process wakes for a send on the second.
    let (_, first) = get(
        &http,
        &format!("{}/_matrix/client/v3/sync?timeout=0", urls[2]),
        &tokens[2],
    )
    .await;
    let since = first["next_batch"].as_str().unwrap().to_string();
    let poll = {
        let (http, url, token) = (http.clone(), urls[2].clone(), tokens[2].clone());
        tokio::spawn(async move {
            get(
                &http,
                &format!(
                    "{url}/_matrix/client/v3/sync?timeout=20000&since={}",
                    enc(&since)
                ),
                &token,
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent: Value = http
        .put(format!(
            "{}/_matrix/client/v3/rooms/{}/send/m.room.message/last",
            urls[1],
            enc(&room_id)
        ))
        .bearer_auth(&tokens[1])
        .json(&json!({"msgtype": "m.text", "body": "after"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, woke) = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("the sync on the third process wakes")
        .unwrap();
    assert_eq!(status, 200);
    let ids: Vec<&str> = woke["rooms"]["join"][&room_id]["timeline"]["events"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["event_id"].as_str()).collect())
        .unwrap_or_default();
    assert!(ids.contains(&sent["event_id"].as_str().unwrap()), "{woke}");

    // The background duties moved to a survivor.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !procs[1..]
        .iter()
        .any(|p| p.log_text().contains("runs the background duties"))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no survivor took the background duties over"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took_over = procs[1..]
        .iter()
        .any(|p| p.log_text().contains("positions were not announced"));
    eprintln!(
        "{} events acknowledged; a survivor found the writer's lock left by the killed process: {took_over}",
        acked.len()
    );
    drop(procs);
    testkit::pg::drop_database(&db).await;
}
