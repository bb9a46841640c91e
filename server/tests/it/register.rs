//! Shared-secret registration (/_synapse/admin/v1/register), byte-compatible with Synapse.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};
use matrixd::api::admin::register::registration_mac;

const SECRET: &str = "s3cr3t-for-tests";

async fn nonce_shape_and_success(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;

    let (status, body) = s.get("/_synapse/admin/v1/register").await;
    assert_eq!(status, 200);
    let nonce = body["nonce"].as_str().unwrap();
    assert_eq!(nonce.len(), 128);
    assert!(
        nonce
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );

    let (status, body) = s.register(SECRET, "alice", "correct horse", false).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_id"], "@alice:test.example");
    assert_eq!(body["home_server"], "test.example");
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() > 20));
    assert!(body["device_id"].as_str().is_some_and(|d| !d.is_empty()));

    // The token works.
    let (status, who) = s
        .get_auth(
            "/_matrix/client/v3/account/whoami",
            body["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(who["user_id"], "@alice:test.example");
    assert_eq!(who["device_id"], body["device_id"]);

    // Taken name.
    let (status, body) = s.register(SECRET, "alice", "other", false).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_USER_IN_USE")),
        "{body}"
    );

    // The MAC covers the name as sent; the account is lower-cased afterwards.
    let (status, body) = s.register(SECRET, "Bob", "pw", true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_id"], "@bob:test.example");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(nonce_shape_and_success);

async fn nonces_are_single_use_even_on_failure(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;

    let (_, n) = s.get("/_synapse/admin/v1/register").await;
    let nonce = n["nonce"].as_str().unwrap().to_string();
    // A wrong MAC: 403, and the nonce is gone.
    let (status, body) = s
        .post(
            "/_synapse/admin/v1/register",
            &json!({"nonce": nonce, "username": "carol", "password": "pw", "mac": "00"}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str(), body["error"].as_str()),
        (403, Some("M_UNKNOWN"), Some("HMAC incorrect"))
    );
    let mac = registration_mac(SECRET, &nonce, "carol", "pw", false, None);
    let (status, body) = s
        .post(
            "/_synapse/admin/v1/register",
            &json!({"nonce": nonce, "username": "carol", "password": "pw", "mac": mac}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unrecognised nonce")),
        "{body}"
    );

    // A correct request spends its nonce too.
    let (_, n) = s.get("/_synapse/admin/v1/register").await;
    let nonce = n["nonce"].as_str().unwrap().to_string();
    let mac = registration_mac(SECRET, &nonce, "carol", "pw", false, None);
    let req = json!({"nonce": nonce, "username": "carol", "password": "pw", "mac": mac});
    assert_eq!(s.post("/_synapse/admin/v1/register", &req).await.0, 200);
    let (status, body) = s.post("/_synapse/admin/v1/register", &req).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unrecognised nonce"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(nonces_are_single_use_even_on_failure);

async fn user_type_admin_and_validation(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;

    // user_type is part of the MAC: leaving it out of the MAC is refused.
    let (_, n) = s.get("/_synapse/admin/v1/register").await;
    let nonce = n["nonce"].as_str().unwrap().to_string();
    let mac = registration_mac(SECRET, &nonce, "botty", "pw", false, None);
    let (status, _) = s
        .post("/_synapse/admin/v1/register", &json!({"nonce": nonce, "username": "botty", "password": "pw", "mac": mac, "user_type": "bot"}))
        .await;
    assert_eq!(status, 403);
    let (_, n) = s.get("/_synapse/admin/v1/register").await;
    let nonce = n["nonce"].as_str().unwrap().to_string();
    let mac = registration_mac(SECRET, &nonce, "botty", "pw", false, Some("bot"));
    let (status, body) = s
        .post("/_synapse/admin/v1/register", &json!({"nonce": nonce, "username": "botty", "password": "pw", "mac": mac, "user_type": "bot"}))
        .await;
    assert_eq!(status, 200, "{body}");

    // Admin flag flips the MAC.
    let (_, n) = s.get("/_synapse/admin/v1/register").await;
    let nonce = n["nonce"].as_str().unwrap().to_string();
    let mac = registration_mac(SECRET, &nonce, "eve", "pw", false, None);
    let (status, _) = s
        .post("/_synapse/admin/v1/register", &json!({"nonce": nonce, "username": "eve", "password": "pw", "mac": mac, "admin": true}))
        .await;
    assert_eq!(status, 403);

    // Unknown user types are refused.
    let (_, n) = s.get("/_synapse/admin/v1/register").await;
    let nonce = n["nonce"].as_str().unwrap().to_string();
    let mac = registration_mac(SECRET, &nonce, "x1", "pw", false, Some("wizard"));
    let (status, body) = s
        .post("/_synapse/admin/v1/register", &json!({"nonce": nonce, "username": "x1", "password": "pw", "mac": mac, "user_type": "wizard"}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("Invalid user type"))
    );

    // Names outside the user-id grammar.
    for bad in ["has space", "_reserved", "12345", "snow☃"] {
        let (status, body) = s.register(SECRET, bad, "pw", false).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_INVALID_USERNAME")),
            "{bad}: {body}"
        );
    }

    // Missing fields.
    let (_, n) = s.get("/_synapse/admin/v1/register").await;
    let (status, body) = s
        .post(
            "/_synapse/admin/v1/register",
            &json!({"nonce": n["nonce"], "username": "zed"}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("password must be specified"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(user_type_admin_and_validation);

async fn disabled_without_a_secret(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(
        &home,
        &Options {
            shared_secret: None,
            ..Default::default()
        },
    )
    .await;
    let (status, n) = s.get("/_synapse/admin/v1/register").await;
    assert_eq!(
        status, 200,
        "the GET does not check the secret, as in Synapse"
    );
    let (status, body) = s
        .post(
            "/_synapse/admin/v1/register",
            &json!({"nonce": n["nonce"], "username": "a", "password": "b", "mac": "c"}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("Shared secret registration is not enabled"))
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(disabled_without_a_secret);

async fn secret_from_a_path_file(engine: Engine) {
    let home = Home::new(engine).await;
    let secret_file = home.path().join("reg.secret");
    // A missing file is created by the server on start (mode 0600), as Synapse does.
    let o = Options {
        shared_secret: None,
        extra: format!(
            "registration_shared_secret_path: \"{}\"\n",
            secret_file.display()
        ),
        ..Default::default()
    };
    let s = TestServer::start(&home, &o).await;
    let secret = std::fs::read_to_string(&secret_file)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(secret.len(), 50);
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&secret_file)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let (status, body) = s.register(&secret, "frank", "pw", false).await;
    assert_eq!(status, 200, "{body}");
    s.stop().await;

    // And an existing file is read (and kept).
    let s = TestServer::start(&home, &o).await;
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap().trim(),
        secret
    );
    let (status, _) = s.register(&secret, "grace", "pw", false).await;
    assert_eq!(status, 200);
    s.stop().await;
    home.cleanup().await;
}
both_engines!(secret_from_a_path_file);
