//! The Synapse admin API for registration tokens (list with `valid`, create, get, update,
//! delete), and a created token working through /register, over real HTTP on both engines.

use reqwest::Method;
use serde_json::json;

use crate::admin_users::{admin_user, call, get};
use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};

const BASE: &str = "/_synapse/admin/v1/registration_tokens";

async fn registration_token_crud(engine: Engine) {
    let home = Home::new(engine).await;
    let o = Options {
        extra: "enable_registration: true\nregistration_requires_token: true\n".into(),
        ..Options::default()
    };
    let s = TestServer::start(&home, &o).await;
    let admin = admin_user(&s, "root").await;
    let bob = s.user("bob").await;
    assert_eq!(get(&bob, BASE).await.0, 403);

    // Create with a given token, and a random one of a given length.
    let (status, v) = call(
        &admin,
        Method::POST,
        &format!("{BASE}/new"),
        Some(json!({"token": "abcd", "uses_allowed": 1})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v,
        json!({"token": "abcd", "uses_allowed": 1, "pending": 0, "completed": 0, "expiry_time": null})
    );
    let (status, v) = call(
        &admin,
        Method::POST,
        &format!("{BASE}/new"),
        Some(json!({"length": 24})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let random = v["token"].as_str().unwrap().to_string();
    assert_eq!(random.len(), 24);
    assert!(
        random
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b)),
        "{random}"
    );
    let (status, v) = call(
        &admin,
        Method::POST,
        &format!("{BASE}/new"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["token"].as_str().unwrap().len(), 16);

    // Validation, as Synapse.
    for body in [
        json!({"token": "abcd"}),
        json!({"token": "has space"}),
        json!({"token": ""}),
        json!({"length": 65}),
        json!({"length": "5"}),
        json!({"uses_allowed": -1}),
        json!({"expiry_time": 1000}),
        json!({"expiry_time": "soon"}),
    ] {
        let (status, v) = call(
            &admin,
            Method::POST,
            &format!("{BASE}/new"),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, v["errcode"].as_str()),
            (400, Some("M_INVALID_PARAM")),
            "{body}: {v}"
        );
    }

    // Get, update, list.
    let (status, v) = get(&admin, &format!("{BASE}/abcd")).await;
    assert_eq!((status, v["uses_allowed"].as_i64()), (200, Some(1)));
    let (status, v) = get(&admin, &format!("{BASE}/nope")).await;
    assert_eq!((status, v["errcode"].as_str()), (404, Some("M_NOT_FOUND")));
    let future = 4_781_243_146_000i64;
    let (status, v) = call(
        &admin,
        Method::PUT,
        &format!("{BASE}/{random}"),
        Some(json!({"uses_allowed": 5, "expiry_time": future})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["uses_allowed"].as_i64(), v["expiry_time"].as_i64()),
        (Some(5), Some(future))
    );
    let (status, v) = call(
        &admin,
        Method::PUT,
        &format!("{BASE}/{random}"),
        Some(json!({"uses_allowed": null})),
    )
    .await;
    assert_eq!((status, v["uses_allowed"].clone()), (200, json!(null)));
    let (status, _) = call(
        &admin,
        Method::PUT,
        &format!("{BASE}/nope"),
        Some(json!({"uses_allowed": 1})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, v) = get(&admin, BASE).await;
    assert_eq!(status, 200);
    assert_eq!(v["registration_tokens"].as_array().unwrap().len(), 3);

    // The token works for registration; once used up it is listed as invalid.
    let (status, v) = s
        .post(
            "/_matrix/client/v3/register",
            &json!({"username": "newbie", "password": "pw"}),
        )
        .await;
    assert_eq!(status, 401, "{v}");
    let session = v["session"].as_str().unwrap().to_string();
    let (status, v) = s
        .post(
            "/_matrix/client/v3/register",
            &json!({"username": "newbie", "password": "pw", "auth": {"type": "m.login.registration_token", "token": "abcd", "session": session}}),
        )
        .await;
    let v = if status == 401 {
        // A further stage (m.login.dummy) may follow.
        let (status, v) = s
            .post("/_matrix/client/v3/register", &json!({"username": "newbie", "password": "pw", "auth": {"type": "m.login.dummy", "session": session}}))
            .await;
        assert_eq!(status, 200, "{v}");
        v
    } else {
        assert_eq!(status, 200, "{v}");
        v
    };
    assert_eq!(v["user_id"], "@newbie:test.example");
    let (_, v) = get(&admin, &format!("{BASE}/abcd")).await;
    assert_eq!(v["completed"], 1);
    let (_, v) = get(&admin, &format!("{BASE}?valid=false")).await;
    let invalid: Vec<&str> = v["registration_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token"].as_str().unwrap())
        .collect();
    assert_eq!(invalid, ["abcd"]);
    let (_, v) = get(&admin, &format!("{BASE}?valid=true")).await;
    assert_eq!(v["registration_tokens"].as_array().unwrap().len(), 2);
    assert_eq!(get(&admin, &format!("{BASE}?valid=perhaps")).await.0, 400);

    // Delete.
    assert_eq!(
        call(&admin, Method::DELETE, &format!("{BASE}/abcd"), None).await,
        (200, json!({}))
    );
    let (status, v) = call(&admin, Method::DELETE, &format!("{BASE}/abcd"), None).await;
    assert_eq!((status, v["errcode"].as_str()), (404, Some("M_NOT_FOUND")));

    s.stop().await;
    home.cleanup().await;
}
both_engines!(registration_token_crud);
