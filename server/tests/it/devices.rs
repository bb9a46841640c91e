//! Devices (list, get, rename, delete behind user-interactive auth), logout and logout/all.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User};

pub fn password_auth(user: &str, password: &str, session: &str) -> Value {
    json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": password, "session": session})
}

/// Logs `user` in again (password "password") and returns the new session as a `User`.
pub async fn another_device(
    s: &TestServer,
    user: &User,
    device_id: Option<&str>,
    name: Option<&str>,
) -> (User, String) {
    let mut body = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user.user_id}, "password": "password"});
    if let Some(d) = device_id {
        body["device_id"] = json!(d);
    }
    if let Some(n) = name {
        body["initial_device_display_name"] = json!(n);
    }
    let (status, res) = s.post("/_matrix/client/v3/login", &body).await;
    assert_eq!(status, 200, "{res}");
    let u = User {
        token: res["access_token"].as_str().unwrap().to_string(),
        ..user.clone()
    };
    (u, res["device_id"].as_str().unwrap().to_string())
}

async fn token_works(u: &User) -> bool {
    let (status, body) = u.get("/account/whoami").await;
    match status {
        200 => true,
        401 => {
            assert_eq!(body["errcode"], "M_UNKNOWN_TOKEN", "{body}");
            false
        }
        other => panic!("whoami answered {other}: {body}"),
    }
}

fn device_ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn list_get_rename_and_delete_devices(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let (_, first) = alice.get("/account/whoami").await;
    let first = first["device_id"].as_str().unwrap().to_string();
    let (phone, _) = another_device(&s, &alice, Some("PHONE"), Some("Phone")).await;

    let (status, list) = alice.get("/devices").await;
    assert_eq!(status, 200, "{list}");
    let mut expected = vec![first.clone(), "PHONE".to_string()];
    expected.sort();
    assert_eq!(device_ids(&list), expected);
    let p = list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_id"] == "PHONE")
        .unwrap();
    assert_eq!(p["display_name"], "Phone");
    assert_eq!(p["user_id"], alice.user_id.as_str());

    let (status, d) = alice.get("/_matrix/client/r0/devices/PHONE").await;
    assert_eq!(
        (status, d["device_id"].as_str(), d["display_name"].as_str()),
        (200, Some("PHONE"), Some("Phone"))
    );
    for (who, path) in [(&alice, "/devices/NOPE"), (&bob, "/devices/PHONE")] {
        let (status, body) = who.get(path).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (404, Some("M_NOT_FOUND")),
            "{path}: {body}"
        );
    }

    // Rename.
    let (status, _) = alice
        .put("/devices/PHONE", json!({"display_name": "My phone"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        alice.get("/devices/PHONE").await.1["display_name"],
        "My phone"
    );
    let (status, body) = alice
        .put("/devices/NOPE", json!({"display_name": "x"}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );
    let (status, body) = bob
        .put("/devices/PHONE", json!({"display_name": "mine now"}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND")),
        "another user's device is not found"
    );
    let (status, body) = alice
        .put("/devices/PHONE", json!({"display_name": "x".repeat(101)}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_TOO_LARGE"))
    );
    assert_eq!(
        alice.get("/devices/PHONE").await.1["display_name"],
        "My phone"
    );

    // Delete: user-interactive auth with the password.
    let (status, ch) = alice.call(Method::DELETE, "/devices/PHONE", None).await;
    assert_eq!(status, 401, "{ch}");
    assert_eq!(ch["flows"], json!([{"stages": ["m.login.password"]}]));
    let session = ch["session"].as_str().unwrap().to_string();
    let (status, body) = alice
        .call(
            Method::DELETE,
            "/devices/PHONE",
            Some(&json!({"auth": password_auth("alice", "wrong", &session)})),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str(), body["session"].as_str()),
        (401, Some("M_FORBIDDEN"), Some(session.as_str())),
        "{body}"
    );
    assert!(
        body["flows"].is_array(),
        "a wrong password is a UIA 401, not a plain 403: {body}"
    );
    assert!(token_works(&phone).await);
    // The session is bound to the device it was started for.
    let (status, body) = alice
        .call(
            Method::DELETE,
            &format!("/devices/{first}"),
            Some(&json!({"auth": password_auth("alice", "password", &session)})),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );
    // And to the user: bob cannot finish alice's session, even with his own password.
    let (status, body) = bob
        .call(
            Method::DELETE,
            "/devices/PHONE",
            Some(&json!({"auth": password_auth("bob", "password", &session)})),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );
    let (status, body) = alice
        .call(
            Method::DELETE,
            "/devices/PHONE",
            Some(&json!({"auth": password_auth("alice", "password", &session)})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!token_works(&phone).await);
    assert_eq!(alice.get("/devices/PHONE").await.0, 404);
    assert!(token_works(&alice).await);

    // Bulk delete; unknown ids are ignored. Bob's password does not authenticate alice.
    let (t1, d1) = another_device(&s, &alice, None, None).await;
    let (t2, d2) = another_device(&s, &alice, None, None).await;
    let body = json!({"devices": [d1, d2, "UNKNOWN"]});
    let (status, ch) = alice.post("/delete_devices", body.clone()).await;
    assert_eq!(status, 401, "{ch}");
    let session = ch["session"].as_str().unwrap();
    let mut with_auth = body.clone();
    with_auth["auth"] = password_auth("bob", "password", session);
    let (status, res) = alice.post("/delete_devices", with_auth).await;
    assert_eq!(
        (status, res["errcode"].as_str(), res["error"].as_str()),
        (403, Some("M_FORBIDDEN"), Some("Invalid auth")),
        "{res}"
    );
    let mut with_auth = body.clone();
    with_auth["auth"] = password_auth("@alice:test.example", "password", session);
    let (status, res) = alice.post("/delete_devices", with_auth).await;
    assert_eq!(status, 200, "{res}");
    assert!(!token_works(&t1).await && !token_works(&t2).await);
    assert_eq!(
        device_ids(&alice.get("/devices").await.1),
        vec![first.clone()]
    );
    let (status, res) = alice.post("/delete_devices", json!({})).await;
    assert_eq!(
        (status, res["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM"))
    );

    // Without a token.
    let (status, res) = s.get("/_matrix/client/v3/devices").await;
    assert_eq!(
        (status, res["errcode"].as_str()),
        (401, Some("M_MISSING_TOKEN"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(list_get_rename_and_delete_devices);

async fn logout_and_logout_all(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let (laptop, laptop_id) = another_device(&s, &alice, None, None).await;
    let (tablet, _) = another_device(&s, &alice, None, None).await;

    let (status, body) = laptop.post("/logout", json!({})).await;
    assert_eq!((status, body), (200, json!({})));
    assert!(!token_works(&laptop).await);
    assert!(token_works(&alice).await && token_works(&tablet).await);
    assert!(
        !device_ids(&alice.get("/devices").await.1).contains(&laptop_id),
        "the device went with its token"
    );
    // The old token cannot log out again.
    let (status, body) = laptop.post("/logout", json!({})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_UNKNOWN_TOKEN"))
    );

    let (status, _) = tablet
        .post("/_matrix/client/r0/logout/all", json!({}))
        .await;
    assert_eq!(status, 200);
    assert!(!token_works(&alice).await && !token_works(&tablet).await);
    assert!(token_works(&bob).await, "other users keep their sessions");
    let (again, _) = another_device(&s, &alice, None, None).await;
    assert_eq!(
        again.get("/devices").await.1["devices"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(logout_and_logout_all);

/// Issue 12: the device and account endpoints behind UIA keep their answers with typed
/// requests: no body is `{}` where Synapse takes it so (DELETE /devices/{id}, delete_devices)
/// and M_NOT_JSON elsewhere, as in Synapse; a JSON body that is not an
/// object is M_BAD_JSON (DELETE too), and a bad display name is refused before any change.
async fn issue12_device_endpoints_keep_their_answers(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let (_, phone) = another_device(&s, &alice, Some("PHONE"), Some("Phone")).await;
    assert_eq!(phone, "PHONE");
    let call = |method: Method, path: &str, body: Option<&'static str>| {
        let mut r = alice
            .http
            .request(method, s.u(&format!("/_matrix/client/v3{path}")))
            .bearer_auth(&alice.token);
        if let Some(b) = body {
            r = r.body(b);
        }
        async move {
            let res = r.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // No body: the 401 with the flows for DELETE /devices/{id} (Synapse takes it as `{}`);
    // deactivation's body must be JSON, as in Synapse.
    for body in [None, Some(" ")] {
        let (status, res) = call(Method::DELETE, "/devices/PHONE", body).await;
        assert_eq!(status, 401, "DELETE /devices/PHONE: {res}");
        assert_eq!(res["flows"], json!([{"stages": ["m.login.password"]}]));
        assert!(res["session"].is_string(), "{res}");
        let (status, res) = call(Method::POST, "/account/deactivate", body).await;
        assert_eq!(
            (status, res["errcode"].as_str()),
            (400, Some("M_NOT_JSON")),
            "{res}"
        );
    }
    let (status, res) = call(Method::POST, "/account/deactivate", Some("{}")).await;
    assert_eq!(status, 401, "{res}");
    assert_eq!(res["flows"], json!([{"stages": ["m.login.password"]}]));
    // delete_devices checks `devices` first, also with no body.
    let (status, res) = call(Method::POST, "/delete_devices", None).await;
    assert_eq!(
        (status, res["errcode"].as_str(), res["error"].as_str()),
        (400, Some("M_MISSING_PARAM"), Some("Missing param: devices")),
        "{res}"
    );
    let (status, res) = call(Method::POST, "/delete_devices", Some(r#"{"devices": [1]}"#)).await;
    assert_eq!(
        (status, res["errcode"].as_str(), res["error"].as_str()),
        (
            400,
            Some("M_BAD_JSON"),
            Some("devices must be a list of strings")
        ),
        "{res}"
    );

    // JSON that is not an object, and not JSON.
    for (method, path) in [
        (Method::DELETE, "/devices/PHONE"),
        (Method::POST, "/account/deactivate"),
        (Method::POST, "/delete_devices"),
        (Method::PUT, "/devices/PHONE"),
    ] {
        let (status, res) = call(method.clone(), path, Some("[]")).await;
        assert_eq!(
            (status, res["errcode"].as_str(), res["error"].as_str()),
            (
                400,
                Some("M_BAD_JSON"),
                Some("Content must be a JSON object.")
            ),
            "{method} {path}: {res}"
        );
        let (status, res) = call(method.clone(), path, Some("{nope")).await;
        assert_eq!(
            (status, res["errcode"].as_str()),
            (400, Some("M_NOT_JSON")),
            "{method} {path}: {res}"
        );
    }

    // A display name that is not a string, or too long: refused, the name unchanged.
    let (status, res) = call(
        Method::PUT,
        "/devices/PHONE",
        Some(r#"{"display_name": 5}"#),
    )
    .await;
    assert_eq!(
        (status, res["errcode"].as_str()),
        (400, Some("M_BAD_JSON")),
        "{res}"
    );
    let long = format!(r#"{{"display_name": "{}"}}"#, "x".repeat(101));
    let (status, res) = alice
        .call(
            Method::PUT,
            "/devices/PHONE",
            Some(&serde_json::from_str(&long).unwrap()),
        )
        .await;
    assert_eq!(
        (status, res["errcode"].as_str()),
        (400, Some("M_TOO_LARGE")),
        "{res}"
    );
    let (status, res) = call(Method::PUT, "/devices/PHONE", None).await;
    assert_eq!(
        (status, res["errcode"].as_str()),
        (400, Some("M_NOT_JSON")),
        "{res}"
    );
    let (_, device) = alice.get("/devices/PHONE").await;
    assert_eq!(
        device,
        json!({"user_id": alice.user_id, "device_id": "PHONE", "display_name": "Phone", "last_seen_ip": null, "last_seen_ts": null})
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(issue12_device_endpoints_keep_their_answers);
