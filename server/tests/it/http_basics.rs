//! Routing, CORS, error bodies and body limits, over real HTTP.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};

async fn versions_cors_and_errors(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;

    let r = s
        .http
        .get(s.u("/_matrix/client/versions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let body: serde_json::Value = r.json().await.unwrap();
    let versions: Vec<&str> = body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        versions.contains(&"v1.1") && versions.contains(&"r0.6.1"),
        "{versions:?}"
    );

    // Unknown paths: 404 M_UNRECOGNIZED, with CORS headers too.
    let r = s
        .http
        .get(s.u("/_matrix/client/v3/no/such/endpoint"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["errcode"],
        "M_UNRECOGNIZED"
    );

    // A known path with the wrong method: 405 M_UNRECOGNIZED.
    let r = s
        .http
        .delete(s.u("/_matrix/client/versions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["errcode"],
        "M_UNRECOGNIZED"
    );

    // Preflight on any path.
    let r = s
        .http
        .request(reqwest::Method::OPTIONS, s.u("/_matrix/client/v3/login"))
        .header("Origin", "https://app.element.io")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(
        r.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization")
    );
    assert!(
        r.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("PUT")
    );

    // Federation version.
    let (status, body) = s.get("/_matrix/federation/v1/version").await;
    assert_eq!(status, 200);
    assert_eq!(body["server"]["name"], "matrixd");

    // Health.
    let r = s.http.get(s.u("/health")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "OK");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(versions_cors_and_errors);

async fn json_errors_and_body_limit(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;

    let r = s
        .http
        .post(s.u("/_matrix/client/v3/login"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["errcode"],
        "M_NOT_JSON"
    );

    let (status, body) = s
        .post("/_matrix/client/v3/login", &json!({"type": 5}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_BAD_JSON")),
        "{body}"
    );

    let r = s
        .http
        .post(s.u("/_synapse/admin/v1/register"))
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["errcode"],
        "M_BAD_JSON",
        "JSON that is not an object is bad JSON, as in Synapse"
    );

    // Over the 1 MiB JSON limit: refused with 413 M_TOO_LARGE.
    let big = format!(
        "{{\"type\":\"m.login.password\",\"password\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let r = s
        .http
        .post(s.u("/_matrix/client/v3/login"))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["errcode"],
        "M_TOO_LARGE"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(json_errors_and_body_limit);

async fn client_well_known(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let (status, body) = s.get("/.well-known/matrix/client").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );
    s.stop().await;

    let o = Options {
        public_baseurl: Some("https://matrix.test.example".into()),
        ..Default::default()
    };
    let s = TestServer::start(&home, &o).await;
    let r = s
        .http
        .get(s.u("/.well-known/matrix/client"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["m.homeserver"]["base_url"],
        "https://matrix.test.example/"
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(client_well_known);

/// `tls: true` with a certificate: matrixd terminates TLS itself (used for port 8448).
#[tokio::test]
async fn tls_listener_serves_https() {
    let home = Home::new(Engine::Sqlite).await;
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(home.path().join("cert.pem"), ck.cert.pem()).unwrap();
    std::fs::write(home.path().join("key.pem"), ck.signing_key.serialize_pem()).unwrap();
    let extra = format!(
        "tls_certificate_path: \"{}\"\ntls_private_key_path: \"{}\"\n",
        home.path().join("cert.pem").display(),
        home.path().join("key.pem").display()
    );
    let path = home.write_config(&Options {
        extra,
        ..Default::default()
    });
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("    type: http\n", "    type: http\n    tls: true\n");
    std::fs::write(&path, text).unwrap();
    let config = matrixd::config::load(&[path]).unwrap();
    let server = matrixd::Server::start(config).await.unwrap();
    let port = server.local_addrs()[0].port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async move {
        let _ = rx.await;
    }));

    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let r = client
        .get(format!("https://localhost:{port}/_matrix/key/v2/server"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["server_name"],
        "test.example"
    );
    // Plain HTTP on a TLS port does not get an answer.
    assert!(
        !reqwest::get(format!("http://127.0.0.1:{port}/_matrix/client/versions"))
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false)
    );

    let _ = tx.send(());
    task.await.unwrap().unwrap();
    home.cleanup().await;
}

/// The certificate a TLS listener presents, trusting anything.
async fn presented(port: u16) -> Vec<u8> {
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .tls_info(true)
        .build()
        .unwrap();
    let r = client
        .get(format!("https://localhost:{port}/_matrix/key/v2/server"))
        .send()
        .await
        .unwrap();
    r.extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .unwrap()
        .to_vec()
}

/// Issue 19: SIGHUP makes a TLS listener read its certificate and key again (a renewed
/// certificate) without a restart; a pair that does not load leaves the current one serving.
#[tokio::test]
async fn issue_19_tls_listener_reloads_its_certificate_on_sighup() {
    let home = Home::new(Engine::Sqlite).await;
    let (cert, key) = (home.path().join("cert.pem"), home.path().join("key.pem"));
    let write = |ck: &rcgen::CertifiedKey<rcgen::KeyPair>| {
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
        ck.cert.der().to_vec()
    };
    let first = write(&rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap());
    let extra = format!(
        "tls_certificate_path: \"{}\"\ntls_private_key_path: \"{}\"\n",
        cert.display(),
        key.display()
    );
    let path = home.write_config(&Options {
        extra,
        ..Default::default()
    });
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("    type: http\n", "    type: http\n    tls: true\n");
    std::fs::write(&path, text).unwrap();
    let config = matrixd::config::load(&[path]).unwrap();
    let server = matrixd::Server::start(config).await.unwrap();
    let port = server.local_addrs()[0].port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async move {
        let _ = rx.await;
    }));
    assert_eq!(presented(port).await, first);

    let second = write(&rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap());
    // SAFETY: kill(2) on our own pid; matrixd handles SIGHUP since Server::start.
    assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGHUP) }, 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while presented(port).await != second {
        assert!(
            std::time::Instant::now() < deadline,
            "still the old certificate"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    std::fs::write(&cert, "not a certificate\n").unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGHUP) }, 0);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        presented(port).await,
        second,
        "a bad pair keeps the current one"
    );

    let _ = tx.send(());
    task.await.unwrap().unwrap();
    home.cleanup().await;
}

#[tokio::test]
async fn tls_listener_with_a_bad_certificate_refuses_to_start() {
    let home = Home::new(Engine::Sqlite).await;
    std::fs::write(home.path().join("cert.pem"), "not a certificate").unwrap();
    std::fs::write(home.path().join("key.pem"), "not a key").unwrap();
    let extra = format!(
        "tls_certificate_path: \"{}\"\ntls_private_key_path: \"{}\"\n",
        home.path().join("cert.pem").display(),
        home.path().join("key.pem").display()
    );
    let path = home.write_config(&Options {
        extra,
        ..Default::default()
    });
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("    type: http\n", "    type: http\n    tls: true\n");
    std::fs::write(&path, text).unwrap();
    let config = matrixd::config::load(&[path]).unwrap();
    let err = matrixd::Server::start(config).await.err().expect("refused");
    assert!(
        format!("{err:#}").contains("cannot load tls_certificate_path"),
        "{err:#}"
    );
}

/// /voip/turnServer: {} when unconfigured; the coturn REST credential when a secret is set.
async fn turn_server_credentials(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let (status, body) = alice.get("/voip/turnServer").await;
    assert_eq!((status, body), (200, serde_json::json!({})));
    s.stop().await;

    let extra = "turn_uris: [\"turn:turn.test.example:3478?transport=udp\"]\nturn_shared_secret: \"coturn-secret\"\nturn_user_lifetime: 2h\n".to_string();
    let s = TestServer::start(
        &home,
        &Options {
            extra,
            ..Default::default()
        },
    )
    .await;
    let alice = crate::support::User {
        base: s.url.clone(),
        ..alice
    };
    let (status, body) = alice.get("/voip/turnServer").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ttl"], 7200);
    assert_eq!(
        body["uris"],
        serde_json::json!(["turn:turn.test.example:3478?transport=udp"])
    );
    let username = body["username"].as_str().unwrap();
    let (expiry, user) = username.split_once(':').unwrap();
    assert_eq!(user, alice.user_id);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expiry: u64 = expiry.parse().unwrap();
    assert!(expiry >= now + 7190 && expiry <= now + 7210);
    let (_, expected) =
        matrixd::api::client::voip::turn_credential("coturn-secret", &alice.user_id, expiry);
    assert_eq!(body["password"], expected);
    s.stop().await;
    home.cleanup().await;
}
both_engines!(turn_server_credentials);
