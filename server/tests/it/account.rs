//! Password change and account deactivation, both behind user-interactive password auth.

use serde_json::json;

use crate::both_engines;
use crate::devices::{another_device, password_auth};
use crate::support::{Engine, Home, Options, TestServer, User, enc};

async fn whoami_status(u: &User) -> u16 {
    u.get("/account/whoami").await.0
}

async fn change_password(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let (other, _) = another_device(&s, &alice, None, None).await;

    // First call: the flows; the new password is kept (hashed) in the session.
    let (status, ch) = alice
        .post("/account/password", json!({"new_password": "new secret"}))
        .await;
    assert_eq!(status, 401, "{ch}");
    assert_eq!(ch["flows"], json!([{"stages": ["m.login.password"]}]));
    assert!(ch.get("errcode").is_none());
    let session = ch["session"].as_str().unwrap().to_string();

    // A wrong password: 401 with M_FORBIDDEN inside the UIA body, as Synapse answers.
    let (status, body) = alice
        .post(
            "/account/password",
            json!({"auth": password_auth("alice", "wrong", &session)}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str(), body["error"].as_str()),
        (
            401,
            Some("M_FORBIDDEN"),
            Some("Invalid username or password")
        ),
        "{body}"
    );
    assert_eq!(body["session"], session.as_str());
    assert!(body["flows"].is_array());
    assert_eq!(
        s.login("alice", "password").await.0,
        200,
        "nothing changed yet"
    );

    // The session cannot be used for another endpoint, nor by another user.
    let (status, body) = alice
        .post(
            "/account/deactivate",
            json!({"auth": password_auth("alice", "password", &session)}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );
    let (status, body) = bob
        .post(
            "/account/password",
            json!({"new_password": "x", "auth": password_auth("bob", "password", &session)}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );

    // The right password, with only `auth` (the new password came on the first call).
    let (status, body) = alice
        .post(
            "/account/password",
            json!({"auth": password_auth("alice", "password", &session)}),
        )
        .await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(s.login("alice", "password").await.0, 403);
    // logout_devices defaults to true: the other device is signed out, this one stays.
    assert_eq!(whoami_status(&alice).await, 200);
    assert_eq!(whoami_status(&other).await, 401);
    assert_eq!(
        alice.get("/devices").await.1["devices"]
            .as_array()
            .unwrap()
            .len(),
        2 - 1
    );

    // logout_devices: false keeps the other devices; everything in one call on r0.
    let (status, new_login) = s.login("alice", "new secret").await;
    assert_eq!(status, 200, "{new_login}");
    let kept = User {
        token: new_login["access_token"].as_str().unwrap().to_string(),
        ..alice.clone()
    };
    let (_, ch) = alice
        .post(
            "/_matrix/client/r0/account/password",
            json!({"new_password": "third", "logout_devices": false}),
        )
        .await;
    let session = ch["session"].as_str().unwrap();
    let (status, body) = alice
        .post(
            "/_matrix/client/r0/account/password",
            json!({"new_password": "third", "logout_devices": false, "auth": password_auth("@alice:test.example", "new secret", session)}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(whoami_status(&kept).await, 200);
    assert_eq!(s.login("alice", "third").await.0, 200);

    // No token at all.
    let (status, body) = s
        .post(
            "/_matrix/client/v3/account/password",
            &json!({"new_password": "x"}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_MISSING_TOKEN"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(change_password);

async fn deactivate_account(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let (other, _) = another_device(&s, &alice, None, None).await;
    let joined = alice
        .create_room(json!({"preset": "public_chat", "name": "Club"}))
        .await;
    bob.ok(
        reqwest::Method::POST,
        &format!("/join/{}", enc(&joined)),
        json!({}),
    )
    .await;
    let invited = bob
        .create_room(json!({"preset": "private_chat", "invite": [alice.user_id]}))
        .await;

    let (status, ch) = alice.post("/account/deactivate", json!({})).await;
    assert_eq!(status, 401, "{ch}");
    assert_eq!(ch["flows"], json!([{"stages": ["m.login.password"]}]));
    let session = ch["session"].as_str().unwrap().to_string();
    let (status, body) = alice
        .post(
            "/account/deactivate",
            json!({"auth": password_auth("alice", "wrong", &session)}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_FORBIDDEN")),
        "{body}"
    );
    assert_eq!(whoami_status(&alice).await, 200);

    let (status, body) = alice
        .post(
            "/account/deactivate",
            json!({"auth": password_auth("alice", "password", &session)}),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"id_server_unbind_result": "no-support"}))
    );

    // Every token is gone and login says why.
    assert_eq!(whoami_status(&alice).await, 401);
    assert_eq!(whoami_status(&other).await, 401);
    let (status, body) = s.login("alice", "password").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_USER_DEACTIVATED")),
        "{body}"
    );

    // Alice left the room she had joined and rejected the invite.
    for room in [&joined, &invited] {
        let (status, member) = bob
            .get(&format!(
                "/rooms/{}/state/m.room.member/{}",
                enc(room),
                enc(&alice.user_id)
            ))
            .await;
        assert_eq!(
            (status, member["membership"].as_str()),
            (200, Some("leave")),
            "{room}: {member}"
        );
    }
    let (_, members) = bob
        .get(&format!("/rooms/{}/joined_members", enc(&joined)))
        .await;
    assert!(members["joined"].get(&alice.user_id).is_none(), "{members}");
    assert!(members["joined"].get(&bob.user_id).is_some(), "{members}");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(deactivate_account);
