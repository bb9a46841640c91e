//! Every acknowledged send is durable: concurrent senders, `kill -9` of the server mid-stream,
//! a restart, and every event id that got a 200 must still be there (SQLite and PostgreSQL).

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

async fn kill_during_sends(edit: impl FnOnce(String) -> String) {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("homeserver.yaml");
    generate_config("durable.example", port, &config, dir.path());
    std::fs::write(&config, edit(std::fs::read_to_string(&config).unwrap())).unwrap();
    relax_limits(&config);
    let url = format!("http://127.0.0.1:{port}");
    let mut server = run_matrixd(&config, dir.path().join("run1.log"), &url).await;

    register_user(&config, "writer", "pw-durable");
    let (_, login) = login(&url, "writer", "pw-durable").await;
    let token = login["access_token"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let room_id = create_room(&url, &token, &json!({})).await;

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (http, url, token, room_id, acked) = (
            http.clone(),
            url.clone(),
            token.clone(),
            room_id.clone(),
            acked.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let path = format!(
                    "{url}/_matrix/client/v3/rooms/{}/send/m.room.message/w{w}-{i}",
                    url::form_urlencoded::byte_serialize(room_id.as_bytes()).collect::<String>()
                );
                let r = http
                    .put(path)
                    .bearer_auth(&token)
                    .json(&json!({"msgtype": "m.text", "body": format!("{w}/{i}")}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let v: Value = r.json().await.unwrap_or_default();
                        if let Some(id) = v["event_id"].as_str() {
                            acked.lock().unwrap().push(id.to_string());
                        }
                    }
                    _ => break,
                }
            }
        }));
    }
    // Let the writers run, then kill the server without warning.
    while acked.lock().unwrap().len() < 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.signal(libc::SIGKILL);
    server
        .wait_timeout(Duration::from_secs(10))
        .expect("killed");
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 200);

    let _server = run_matrixd(&config, dir.path().join("run2.log"), &url).await;
    let mut missing = Vec::new();
    for id in &acked {
        let r = http
            .get(format!(
                "{url}/_matrix/client/v3/rooms/{}/event/{}",
                url::form_urlencoded::byte_serialize(room_id.as_bytes()).collect::<String>(),
                url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if !r.status().is_success() {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged events were lost: {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_event_on_sqlite() {
    kill_during_sends(|t| t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_event_on_postgresql() {
    let db = format!("matrixd_durable_{}", std::process::id());
    let psql = |sql: &str| {
        Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-qc",
                sql,
            ])
            .status()
            .expect("psql")
    };
    let _ = psql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    assert!(
        psql(&format!(
            "CREATE DATABASE {db} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
        ))
        .success()
    );
    let db2 = db.clone();
    kill_during_sends(move |t| {
        let start = t.find("database:\n").unwrap();
        let end = t[start..].find("\n\n").unwrap() + start;
        format!(
            "{}database:\n  name: psycopg2\n  args:\n    user: postgres\n    dbname: {db2}\n    host: 127.0.0.1\n    port: 5432\n    cp_min: 1\n    cp_max: 4{}",
            &t[..start],
            &t[end..]
        )
    })
    .await;
    let _ = psql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
}
