//! Refresh tokens as Synapse serves them (MSC2918, spec v1.16 `/refresh`): issued at login and
//! registration with `refresh_token: true`; the exchange chain (an old refresh token works
//! until the new access token is first used, only the last two of a chain are kept); expired
//! access tokens as soft logouts; logout, logout/all and deactivation end the chain; and
//! nothing of it when `refreshable_access_token_lifetime` is null.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};

const LOGIN: &str = "/_matrix/client/v3/login";
const REFRESH: &str = "/_matrix/client/v3/refresh";

fn login_body(device: &str, refresh: bool) -> Value {
    json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "alice"},
           "password": "correct horse", "device_id": device, "refresh_token": refresh})
}

async fn refresh(s: &TestServer, token: &str) -> (u16, Value) {
    s.post(REFRESH, &json!({ "refresh_token": token })).await
}

fn errcode(body: &Value) -> Option<&str> {
    body["errcode"].as_str()
}

fn text(body: &Value, key: &str) -> String {
    body[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {body}"))
        .to_string()
}

async fn whoami(s: &TestServer, token: &str) -> (u16, Value) {
    s.get_auth("/_matrix/client/v3/account/whoami", token).await
}

async fn issue_18_refresh_tokens_rotate_as_synapse_rotates_them(engine: Engine) {
    let home = Home::new(engine).await;
    let o = Options {
        extra: "refreshable_access_token_lifetime: 1500\nrefresh_token_lifetime: 1d\n\
                enable_registration: true\nenable_registration_without_verification: true\n"
            .into(),
        ..Options::default()
    };
    let s = TestServer::start(&home, &o).await;
    assert_eq!(
        s.register("s3cr3t-for-tests", "alice", "correct horse", false)
            .await
            .0,
        200
    );

    // Asked for: a refresh token and the access token's lifetime. Not asked for: neither.
    let (status, first) = s.post(LOGIN, &login_body("PHONE", true)).await;
    assert_eq!(status, 200, "{first}");
    let expires = first["expires_in_ms"].as_u64().expect("expires_in_ms");
    assert!(expires > 0 && expires <= 1500, "{first}");
    let (a0, r0) = (text(&first, "access_token"), text(&first, "refresh_token"));
    let (status, plain) = s.post(LOGIN, &login_body("LAPTOP", false)).await;
    assert_eq!(status, 200, "{plain}");
    assert!(plain.get("refresh_token").is_none() && plain.get("expires_in_ms").is_none());
    // Synapse's check of the flag's type.
    let mut bad = login_body("X", true);
    bad["refresh_token"] = json!("yes");
    assert_eq!(s.post(LOGIN, &bad).await.0, 400);

    // Registration too.
    let (status, reg) = s
        .post(
            "/_matrix/client/v3/register",
            &json!({"username": "bob", "password": "pw", "refresh_token": true,
                    "auth": {"type": "m.login.dummy"}}),
        )
        .await;
    assert_eq!(status, 200, "{reg}");
    assert!(
        reg["refresh_token"].is_string() && reg["expires_in_ms"].is_u64(),
        "{reg}"
    );
    assert_eq!(refresh(&s, &text(&reg, "refresh_token")).await.0, 200);

    // And the shared-secret registration (Synapse's admin API).
    let (_, nonce) = s.get("/_synapse/admin/v1/register").await;
    let nonce = text(&nonce, "nonce");
    let mac = matrixd::api::admin::register::registration_mac(
        "s3cr3t-for-tests",
        &nonce,
        "carol",
        "pw",
        false,
        None,
    );
    let (status, admin_reg) = s
        .post(
            "/_synapse/admin/v1/register",
            &json!({"nonce": nonce, "username": "carol", "password": "pw", "admin": false,
                    "mac": mac, "refresh_token": true}),
        )
        .await;
    assert_eq!(status, 200, "{admin_reg}");
    assert!(
        admin_reg["refresh_token"].is_string() && admin_reg["expires_in_ms"].is_u64(),
        "{admin_reg}"
    );

    // An exchange: a new pair; the old access token still works.
    let (status, one) = refresh(&s, &r0).await;
    assert_eq!(status, 200, "{one}");
    assert!(one["expires_in_ms"].as_u64().unwrap() <= 1500, "{one}");
    let (a1, r1) = (text(&one, "access_token"), text(&one, "refresh_token"));
    assert_ne!((&a1, &r1), (&a0, &r0));
    assert_eq!(whoami(&s, &a0).await.0, 200);
    // The answer was lost: the same refresh token again, as long as the new access token was
    // never used. The lost pair is gone.
    let (status, two) = refresh(&s, &r0).await;
    assert_eq!(status, 200, "{two}");
    let (a2, r2) = (text(&two, "access_token"), text(&two, "refresh_token"));
    let (status, body) = whoami(&s, &a1).await;
    assert_eq!((status, errcode(&body)), (401, Some("M_UNKNOWN_TOKEN")));
    assert_eq!(refresh(&s, &r1).await.0, 401);
    // Using the new access token spends the old refresh token (Synapse: 403).
    let (status, who) = whoami(&s, &a2).await;
    assert_eq!((status, who["device_id"].as_str()), (200, Some("PHONE")));
    let (status, body) = refresh(&s, &r0).await;
    assert_eq!(
        (status, errcode(&body)),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );
    // The next exchange drops the first of the chain with its access token.
    let (status, three) = refresh(&s, &r2).await;
    assert_eq!(status, 200, "{three}");
    let (status, body) = whoami(&s, &a0).await;
    assert_eq!((status, errcode(&body)), (401, Some("M_UNKNOWN_TOKEN")));
    // Synapse's other paths.
    let (status, four) = s
        .post(
            "/_matrix/client/r0/refresh",
            &json!({"refresh_token": text(&three, "refresh_token")}),
        )
        .await;
    assert_eq!(status, 200, "{four}");
    let (status, five) = s
        .post(
            "/_matrix/client/unstable/refresh",
            &json!({"refresh_token": text(&four, "refresh_token")}),
        )
        .await;
    assert_eq!(status, 200, "{five}");
    let (a5, r5) = (text(&five, "access_token"), text(&five, "refresh_token"));

    // Unknown: 401 M_UNKNOWN_TOKEN, without soft_logout (a plain SynapseError there).
    let (status, body) = refresh(&s, "mdr_nope").await;
    assert_eq!(
        (status, errcode(&body)),
        (401, Some("M_UNKNOWN_TOKEN")),
        "{body}"
    );
    assert!(body.get("soft_logout").is_none(), "{body}");
    assert_eq!(s.post(REFRESH, &json!({})).await.0, 400);

    // Expired: a soft logout; the refresh token still refreshes.
    assert_eq!(whoami(&s, &a5).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let (status, body) = whoami(&s, &a5).await;
    assert_eq!(
        (status, errcode(&body)),
        (401, Some("M_UNKNOWN_TOKEN")),
        "{body}"
    );
    assert_eq!(body["soft_logout"], json!(true), "{body}");
    // The plain token never expires.
    assert_eq!(whoami(&s, &text(&plain, "access_token")).await.0, 200);
    let (status, six) = refresh(&s, &r5).await;
    assert_eq!(status, 200, "{six}");
    assert_eq!(whoami(&s, &text(&six, "access_token")).await.0, 200);
    let r6 = text(&six, "refresh_token");

    // An expired access token may still log out (as Synapse), which ends the chain.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let r = s
        .http
        .post(s.u("/_matrix/client/v3/logout"))
        .bearer_auth(text(&six, "access_token"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, body) = refresh(&s, &r6).await;
    assert_eq!(
        (status, errcode(&body)),
        (401, Some("M_UNKNOWN_TOKEN")),
        "{body}"
    );

    // logout/all ends every chain; so does deactivation.
    let (_, tab) = s.post(LOGIN, &login_body("TABLET", true)).await;
    let (_, other) = s.post(LOGIN, &login_body("OTHER", false)).await;
    let r = s
        .http
        .post(s.u("/_matrix/client/v3/logout/all"))
        .bearer_auth(text(&other, "access_token"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(refresh(&s, &text(&tab, "refresh_token")).await.0, 401);
    let (_, tab) = s.post(LOGIN, &login_body("TABLET", true)).await;
    let r = s
        .http
        .post(s.u("/_matrix/client/v3/account/deactivate"))
        .bearer_auth(text(&tab, "access_token"))
        .json(&json!({"auth": {"type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": "alice"}, "password": "correct horse"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(refresh(&s, &text(&tab, "refresh_token")).await.0, 401);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(issue_18_refresh_tokens_rotate_as_synapse_rotates_them);

async fn issue_18_token_lifetimes_end_with_the_session(engine: Engine) {
    let home = Home::new(engine).await;
    let o = Options {
        extra: "session_lifetime: 60000\nrefreshable_access_token_lifetime: 20000\n\
                refresh_token_lifetime: 1000\nnonrefreshable_access_token_lifetime: 30000\n"
            .into(),
        ..Options::default()
    };
    let s = TestServer::start(&home, &o).await;
    s.register("s3cr3t-for-tests", "alice", "correct horse", false)
        .await;
    // A plain token lives the non-refreshable lifetime.
    let (_, plain) = s.post(LOGIN, &login_body("A", false)).await;
    let ms = plain["expires_in_ms"].as_u64().expect("expires_in_ms");
    assert!(ms > 25_000 && ms <= 30_000, "{plain}");
    assert!(plain.get("refresh_token").is_none());
    // A refresh token not used within refresh_token_lifetime has expired (Synapse: 403).
    let (_, first) = s.post(LOGIN, &login_body("B", true)).await;
    let ms = first["expires_in_ms"].as_u64().unwrap();
    assert!(ms > 15_000 && ms <= 20_000, "{first}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (status, body) = refresh(&s, &text(&first, "refresh_token")).await;
    assert_eq!(
        (status, errcode(&body)),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );
    assert_eq!(body["error"], "The supplied refresh token has expired");
    s.stop().await;
    home.cleanup().await;
}
both_engines!(issue_18_token_lifetimes_end_with_the_session);

async fn issue_18_without_refreshable_lifetime_no_refresh_tokens(engine: Engine) {
    let home = Home::new(engine).await;
    let o = Options {
        extra: "refreshable_access_token_lifetime: null\n".into(),
        ..Options::default()
    };
    let s = TestServer::start(&home, &o).await;
    s.register("s3cr3t-for-tests", "alice", "correct horse", false)
        .await;
    let (status, body) = s.post(LOGIN, &login_body("A", true)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none() && body.get("expires_in_ms").is_none());
    let (status, body) = refresh(&s, "mdr_x").await;
    assert_eq!(
        (status, errcode(&body)),
        (404, Some("M_UNRECOGNIZED")),
        "{body}"
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(issue_18_without_refreshable_lifetime_no_refresh_tokens);
