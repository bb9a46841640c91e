//! Metrics: `enable_metrics` and a `type: metrics` listener serving Prometheus text format at
//! /_synapse/metrics and /metrics, with requests by route template and status, latency
//! histograms, sync waiters, pool gauges and events persisted; a metrics listener without
//! enable_metrics is ignored with a warning, as in Synapse.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, Home, Options, enc};

/// Writes a config with a client listener and a metrics listener, then starts the server.
async fn start(
    home: &Home,
    enable: bool,
) -> (
    matrixd::config::Config,
    Vec<std::net::SocketAddr>,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let path = home.write_config(&Options {
        extra: format!("enable_metrics: {enable}\n"),
        ..Options::default()
    });
    let yaml = std::fs::read_to_string(&path).unwrap();
    let (start, end) = (
        yaml.find("listeners:").unwrap(),
        yaml.find("signing_key_path").unwrap(),
    );
    let listeners = "listeners:\n  - port: 0\n    bind_addresses: ['127.0.0.1']\n    type: http\n    resources:\n      - names: [client, federation]\n  - port: 0\n    bind_addresses: ['127.0.0.1']\n    type: metrics\n";
    std::fs::write(
        &path,
        format!("{}{listeners}{}", &yaml[..start], &yaml[end..]),
    )
    .unwrap();
    let config = matrixd::config::load(&[path]).unwrap();
    let server = matrixd::Server::start(config.clone()).await.unwrap();
    let addrs = server.local_addrs();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async move {
        let _ = rx.await;
    }));
    (config, addrs, tx, task)
}

async fn metrics_listener(engine: Engine) {
    let home = Home::new(engine).await;
    let (_, addrs, tx, task) = start(&home, true).await;
    assert_eq!(addrs.len(), 2);
    let http = reqwest::Client::new();
    let client = format!("http://{}", addrs[0]);
    let metrics = format!("http://{}", addrs[1]);

    // Some traffic: a registration, a room with a message, a profile lookup by id.
    let (_, n) = (
        0,
        http.get(format!("{client}/_synapse/admin/v1/register"))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap(),
    );
    let nonce = n["nonce"].as_str().unwrap();
    let mac = matrixd::api::admin::register::registration_mac(
        "s3cr3t-for-tests",
        nonce,
        "alice",
        "password",
        false,
        None,
    );
    let reg: serde_json::Value = http
        .post(format!("{client}/_synapse/admin/v1/register"))
        .json(&json!({"nonce": nonce, "username": "alice", "password": "password", "mac": mac}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = reg["access_token"].as_str().unwrap();
    let room: serde_json::Value = http
        .post(format!("{client}/_matrix/client/v3/createRoom"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room_id = room["room_id"].as_str().unwrap();
    let sent = http
        .put(format!(
            "{client}/_matrix/client/v3/rooms/{}/send/m.room.message/t1",
            enc(room_id)
        ))
        .bearer_auth(token)
        .json(&json!({"msgtype": "m.text", "body": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    assert_eq!(
        http.get(format!(
            "{client}/_matrix/client/v3/profile/%40alice%3Atest.example"
        ))
        .send()
        .await
        .unwrap()
        .status(),
        200
    );
    assert_eq!(
        http.get(format!("{client}/_matrix/client/v3/nowhere"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    for path in ["/_synapse/metrics", "/metrics"] {
        let r = http.get(format!("{metrics}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let body = r.text().await.unwrap();
        assert!(
            body.contains("# TYPE matrixd_http_requests_total counter"),
            "{body}"
        );
        assert!(
            body.contains("matrixd_http_requests_total{method=\"PUT\",endpoint=\"/_matrix/client/v3/rooms/{room_id}/send/{event_type}/{txn_id}\",code=\"200\"} "),
            "{body}"
        );
        assert!(
            body.contains("endpoint=\"/_matrix/client/v3/profile/{user_id}\",code=\"200\""),
            "{body}"
        );
        assert!(
            body.contains("endpoint=\"unmatched\",code=\"404\""),
            "{body}"
        );
        assert!(
            !body.contains("@alice"),
            "raw paths must not leak into labels: {body}"
        );
        assert!(body.contains("# TYPE matrixd_http_request_duration_seconds histogram"));
        assert!(body.contains("matrixd_http_request_duration_seconds_bucket{method=\"POST\",endpoint=\"/_matrix/client/v3/createRoom\",le=\"+Inf\"} "), "{body}");
        assert!(body.contains("matrixd_http_request_duration_seconds_count{method=\"POST\",endpoint=\"/_matrix/client/v3/createRoom\"} "));
        let value = |name: &str| -> f64 {
            body.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .unwrap_or_else(|| panic!("{name} missing: {body}"))
                .parse()
                .unwrap()
        };
        assert!(value("matrixd_events_persisted_total") >= 7.0, "{body}");
        assert!(value("matrixd_db_pool_size") >= 1.0, "{body}");
        value("matrixd_db_pool_idle");
        value("matrixd_sync_waiters");
    }
    // The metrics listener serves nothing else; the client listener no metrics.
    assert_eq!(
        http.get(format!("{metrics}/_matrix/client/versions"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        http.get(format!("{client}/_synapse/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // A long-polling sync shows up as a waiter while it waits.
    let sync: serde_json::Value = http
        .get(format!("{client}/_matrix/client/v3/sync"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let since = sync["next_batch"].as_str().unwrap().to_string();
    let waiter = {
        let (http, client, token) = (http.clone(), client.clone(), token.to_string());
        tokio::spawn(async move {
            http.get(format!(
                "{client}/_matrix/client/v3/sync?timeout=3000&since={}",
                enc(&since)
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
        })
    };
    let mut seen = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let body = http
            .get(format!("{metrics}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let n: f64 = body
            .lines()
            .find_map(|l| l.strip_prefix("matrixd_sync_waiters "))
            .unwrap()
            .parse()
            .unwrap();
        if n >= 1.0 {
            seen = true;
            break;
        }
    }
    assert!(seen, "no sync waiter counted");
    assert_eq!(waiter.await.unwrap(), 200);

    let _ = tx.send(());
    task.await.unwrap().unwrap();
    home.cleanup().await;
}
both_engines!(metrics_listener);

async fn metrics_listener_needs_enable_metrics(engine: Engine) {
    let home = Home::new(engine).await;
    let (config, addrs, tx, task) = start(&home, false).await;
    assert!(!config.enable_metrics);
    assert_eq!(addrs.len(), 1, "the metrics listener must be ignored");
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.to_string().contains("enable_metrics")),
        "{:?}",
        config.warnings
    );
    let _ = tx.send(());
    task.await.unwrap().unwrap();
    home.cleanup().await;
}
both_engines!(metrics_listener_needs_enable_metrics);
