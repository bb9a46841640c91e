//! Open registration (POST /register) behind user-interactive auth: dummy and registration-token
//! flows, username checks, /register/available and the token validity endpoint.

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};

const REG: &str = "/_matrix/client/v3/register";

pub fn open_registration() -> Options {
    Options {
        extra: "enable_registration: true\nenable_registration_without_verification: true\n".into(),
        ..Options::default()
    }
}

fn token_registration() -> Options {
    Options {
        extra: "enable_registration: true\nregistration_requires_token: true\n".into(),
        ..Options::default()
    }
}

/// The server's database, opened beside it (as the admin API will).
async fn db(home: &Home) -> matrixd::store::Db {
    let config = matrixd::config::load(&[home.config_path()]).expect("config loads");
    matrixd::store::Db::connect(&config.database)
        .await
        .expect("database opens")
}

fn errcode(body: &Value) -> Option<&str> {
    body["errcode"].as_str()
}

async fn registration_disabled_by_default(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    for path in [REG, "/_matrix/client/r0/register"] {
        let (status, body) = s
            .post(path, &json!({"username": "carol", "password": "pw"}))
            .await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        assert_eq!(body["error"], "Registration has been disabled");
    }
    let (status, body) = s
        .get("/_matrix/client/v3/register/available?username=carol")
        .await;
    assert_eq!((status, errcode(&body)), (403, Some("M_FORBIDDEN")));
    let (status, body) = s
        .get("/_matrix/client/v1/register/m.login.registration_token/validity?token=x")
        .await;
    assert_eq!((status, errcode(&body)), (403, Some("M_FORBIDDEN")));
    s.stop().await;
    home.cleanup().await;
}
both_engines!(registration_disabled_by_default);

async fn dummy_flow_registers_and_logs_in(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &open_registration()).await;

    // First call: the flows, no errcode.
    let (status, body) = s.post(REG, &json!({"username": "Carol", "password": "correct horse", "initial_device_display_name": "Carol's phone"})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["flows"], json!([{"stages": ["m.login.dummy"]}]));
    assert_eq!(body["params"], json!({}));
    assert!(body.get("errcode").is_none(), "{body}");
    assert!(body.get("completed").is_none(), "{body}");
    let session = body["session"].as_str().expect("session").to_string();

    // Second call with only `auth`: the first call's username and password are used.
    let (status, body) = s
        .post(
            REG,
            &json!({"auth": {"type": "m.login.dummy", "session": session}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_id"], "@carol:test.example");
    assert_eq!(body["home_server"], "test.example");
    let token = body["access_token"].as_str().expect("access_token");
    let device = body["device_id"].as_str().expect("device_id").to_string();
    let (status, who) = s.get_auth("/_matrix/client/v3/account/whoami", token).await;
    assert_eq!(
        (status, who["user_id"].as_str(), who["device_id"].as_str()),
        (200, Some("@carol:test.example"), Some(device.as_str()))
    );
    let (status, dev) = s
        .get_auth(&format!("/_matrix/client/v3/devices/{device}"), token)
        .await;
    assert_eq!(
        (status, dev["display_name"].as_str()),
        (200, Some("Carol's phone")),
        "{dev}"
    );
    // The password was stored: login works, the wrong one does not.
    assert_eq!(s.login("carol", "correct horse").await.0, 200);
    assert_eq!(s.login("carol", "wrong").await.0, 403);

    // Retrying the completed session logs in again instead of registering twice.
    let (status, again) = s
        .post(
            REG,
            &json!({"auth": {"type": "m.login.dummy", "session": session}}),
        )
        .await;
    assert_eq!(
        (status, again["user_id"].as_str()),
        (200, Some("@carol:test.example")),
        "{again}"
    );
    assert_ne!(again["access_token"], body["access_token"]);

    // Taken and invalid names are refused before any stage.
    for (name, code) in [
        ("carol", "M_USER_IN_USE"),
        ("CAROL", "M_USER_IN_USE"),
        ("bad name", "M_INVALID_USERNAME"),
        ("12345", "M_INVALID_USERNAME"),
        ("_bridge", "M_INVALID_USERNAME"),
    ] {
        let (status, body) = s
            .post(
                "/_matrix/client/r0/register",
                &json!({"username": name, "password": "pw", "auth": {"type": "m.login.dummy"}}),
            )
            .await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some(code)),
            "{name}: {body}"
        );
    }

    // One call with the dummy stage and no session; a chosen device id; no username gets a
    // random lower-case localpart that is not numeric.
    let (status, body) = s
        .post(
            REG,
            &json!({"password": "pw", "device_id": "MYPHONE", "auth": {"type": "m.login.dummy"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["device_id"], "MYPHONE");
    let uid = body["user_id"].as_str().unwrap();
    let local = uid
        .strip_prefix('@')
        .and_then(|u| u.strip_suffix(":test.example"))
        .expect("local user id");
    assert!(
        local.len() >= 8
            && local
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{local}"
    );
    assert!(!local.chars().all(|c| c.is_ascii_digit()), "{local}");

    // inhibit_login: an account, no device or token.
    let (status, body) = s.post(REG, &json!({"username": "dave", "password": "pw", "inhibit_login": true, "auth": {"type": "m.login.dummy"}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_id"], "@dave:test.example");
    assert!(
        body.get("access_token").is_none() && body.get("device_id").is_none(),
        "{body}"
    );
    assert_eq!(s.login("dave", "pw").await.0, 200);

    // No password.
    let (status, body) = s
        .post(
            REG,
            &json!({"username": "erin", "auth": {"type": "m.login.dummy"}}),
        )
        .await;
    assert_eq!(
        (status, errcode(&body)),
        (400, Some("M_MISSING_PARAM")),
        "{body}"
    );

    // Guests are not supported; other kinds are not understood.
    let (status, body) = s.post(&format!("{REG}?kind=guest"), &json!({})).await;
    assert_eq!(
        (status, errcode(&body)),
        (403, Some("M_GUEST_ACCESS_FORBIDDEN")),
        "{body}"
    );
    let (status, body) = s.post(&format!("{REG}?kind=robot"), &json!({})).await;
    assert_eq!(
        (status, errcode(&body)),
        (400, Some("M_UNRECOGNIZED")),
        "{body}"
    );

    // Unknown session, unknown stage, an access token on /register.
    let (status, body) = s.post(REG, &json!({"username": "frank", "password": "pw", "auth": {"type": "m.login.dummy", "session": "nope"}})).await;
    assert_eq!((status, errcode(&body)), (400, Some("M_UNKNOWN")), "{body}");
    let (status, body) = s
        .post(
            REG,
            &json!({"username": "frank", "password": "pw", "auth": {"type": "m.login.magic"}}),
        )
        .await;
    assert_eq!((status, errcode(&body)), (400, Some("M_UNKNOWN")), "{body}");
    let r = s
        .http
        .post(s.u(REG))
        .bearer_auth("mdt_x")
        .json(&json!({"username": "frank", "password": "pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    // Not JSON.
    let r = s.http.post(s.u(REG)).body("{nope").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["errcode"], "M_NOT_JSON");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(dummy_flow_registers_and_logs_in);

async fn username_availability(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &open_registration()).await;
    s.user("alice").await;
    let (status, body) = s
        .get("/_matrix/client/v3/register/available?username=newbie")
        .await;
    assert_eq!((status, body), (200, json!({"available": true})));
    let (status, body) = s
        .get("/_matrix/client/r0/register/available?username=Alice")
        .await;
    assert_eq!(
        (status, errcode(&body)),
        (400, Some("M_USER_IN_USE")),
        "{body}"
    );
    for bad in ["bad%20name", "_x", "1234"] {
        let (status, body) = s
            .get(&format!(
                "/_matrix/client/v3/register/available?username={bad}"
            ))
            .await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some("M_INVALID_USERNAME")),
            "{bad}: {body}"
        );
    }
    let (status, body) = s.get("/_matrix/client/v3/register/available").await;
    assert_eq!(
        (status, errcode(&body)),
        (400, Some("M_MISSING_PARAM")),
        "{body}"
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(username_availability);

async fn registration_tokens_limit_sign_ups(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &token_registration()).await;
    let db = db(&home).await;
    use matrixd::store::registration_tokens as tokens;
    assert!(
        tokens::insert(&db, "once-only", Some(1), None)
            .await
            .unwrap()
    );
    assert!(
        tokens::insert(&db, "expired", None, Some(matrixd::store::now_ms() - 1000))
            .await
            .unwrap()
    );
    assert!(tokens::insert(&db, "unlimited", None, None).await.unwrap());

    let validity = |t: &str| {
        format!("/_matrix/client/v1/register/m.login.registration_token/validity?token={t}")
    };
    for (t, valid) in [
        ("once-only", true),
        ("unlimited", true),
        ("expired", false),
        ("unknown", false),
    ] {
        let (status, body) = s.get(&validity(t)).await;
        assert_eq!((status, body), (200, json!({"valid": valid})), "{t}");
    }
    let (status, body) = s
        .get("/_matrix/client/v1/register/m.login.registration_token/validity")
        .await;
    assert_eq!((status, errcode(&body)), (400, Some("M_MISSING_PARAM")));

    // Synapse's flow: the token stage, then dummy.
    let (status, body) = s
        .post(REG, &json!({"username": "gina", "password": "pw"}))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["flows"],
        json!([{"stages": ["m.login.registration_token", "m.login.dummy"]}])
    );
    let session = body["session"].as_str().unwrap().to_string();

    // Dummy alone does not complete the flow.
    let (status, body) = s
        .post(
            REG,
            &json!({"auth": {"type": "m.login.dummy", "session": session}}),
        )
        .await;
    assert_eq!(
        (status, body["completed"].clone()),
        (401, json!(["m.login.dummy"])),
        "{body}"
    );

    // Missing, wrong and expired tokens fail inside the 401.
    let (status, body) = s
        .post(
            REG,
            &json!({"auth": {"type": "m.login.registration_token", "session": session}}),
        )
        .await;
    assert_eq!(
        (status, errcode(&body)),
        (401, Some("M_MISSING_PARAM")),
        "{body}"
    );
    for bad in ["wrong", "expired"] {
        let (status, body) = s.post(REG, &json!({"auth": {"type": "m.login.registration_token", "token": bad, "session": session}})).await;
        assert_eq!(
            (status, errcode(&body)),
            (401, Some("M_UNAUTHORIZED")),
            "{bad}: {body}"
        );
        assert_eq!(body["session"], session.as_str());
        assert!(body["flows"].is_array());
    }

    // The good token completes the flow (dummy was already done) and uses the token up.
    let (status, body) = s.post(REG, &json!({"auth": {"type": "m.login.registration_token", "token": "once-only", "session": session}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_id"], "@gina:test.example");
    assert_eq!(
        tokens::get(&db, "once-only").await.unwrap(),
        Some((Some(1), 0, 1, None))
    );
    let (_, body) = s.get(&validity("once-only")).await;
    assert_eq!(body, json!({"valid": false}));

    // A used-up token is refused to the next person.
    let (_, first) = s
        .post(REG, &json!({"username": "hank", "password": "pw"}))
        .await;
    let session2 = first["session"].as_str().unwrap();
    let (status, body) = s.post(REG, &json!({"auth": {"type": "m.login.registration_token", "token": "once-only", "session": session2}})).await;
    assert_eq!(
        (status, errcode(&body)),
        (401, Some("M_UNAUTHORIZED")),
        "{body}"
    );
    // An unlimited one works, in stages; the reservation is pending until registration.
    let (status, body) = s.post(REG, &json!({"auth": {"type": "m.login.registration_token", "token": "unlimited", "session": session2}})).await;
    assert_eq!(
        (status, body["completed"].clone()),
        (401, json!(["m.login.registration_token"])),
        "{body}"
    );
    assert_eq!(
        tokens::get(&db, "unlimited").await.unwrap(),
        Some((None, 1, 0, None))
    );
    let (status, body) = s
        .post(
            REG,
            &json!({"auth": {"type": "m.login.dummy", "session": session2}}),
        )
        .await;
    assert_eq!(
        (status, body["user_id"].as_str()),
        (200, Some("@hank:test.example")),
        "{body}"
    );
    assert_eq!(
        tokens::get(&db, "unlimited").await.unwrap(),
        Some((None, 0, 1, None))
    );

    db.pool.close().await;
    s.stop().await;
    home.cleanup().await;
}
both_engines!(registration_tokens_limit_sign_ups);

/// Issue 12: /register with its own typed request answers as Synapse: no body is M_NOT_JSON,
/// `{}` the first call of a session (401 with the flows); the token validity endpoint is
/// served under v1 only.
async fn issue12_register_keeps_its_answers(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &open_registration()).await;
    // No body is not JSON, as in Synapse (parse_json_object_from_request); `{}` is the first
    // call of a session.
    for body in ["", " "] {
        let r = s.http.post(s.u(REG)).body(body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(r.json::<Value>().await.unwrap()["errcode"], "M_NOT_JSON");
    }
    let r = s.http.post(s.u(REG)).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["flows"], json!([{"stages": ["m.login.dummy"]}]), "{v}");
    assert!(v["session"].is_string(), "{v}");
    let r = s.http.post(s.u(REG)).body("[]").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["errcode"], "M_BAD_JSON");
    let (status, body) = s.post(&format!("{REG}?kind=guest"), &json!({})).await;
    assert_eq!(
        (status, errcode(&body)),
        (403, Some("M_GUEST_ACCESS_FORBIDDEN"))
    );
    let (status, body) = s.post(&format!("{REG}?access_token=abc"), &json!({})).await;
    assert_eq!((status, errcode(&body)), (400, Some("M_UNKNOWN")), "{body}");

    let (status, body) = s
        .get("/_matrix/client/v1/register/m.login.registration_token/validity?token=x")
        .await;
    assert_eq!((status, body), (200, json!({"valid": false})));
    let (status, body) = s
        .get("/_matrix/client/v1/register/m.login.registration_token/validity")
        .await;
    assert_eq!((status, errcode(&body)), (400, Some("M_MISSING_PARAM")));
    for path in [
        "/_matrix/client/v3/register/m.login.registration_token/validity?token=x",
        "/_matrix/client/unstable/org.matrix.msc3231/register/org.matrix.msc3231.login.registration_token/validity?token=x",
    ] {
        let (status, body) = s.get(path).await;
        assert_eq!(
            (status, errcode(&body)),
            (404, Some("M_UNRECOGNIZED")),
            "{path}"
        );
    }
    s.stop().await;
    home.cleanup().await;
}
both_engines!(issue12_register_keeps_its_answers);
