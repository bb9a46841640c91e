//! Reporting events, rooms and users (v1.13, v1.14), and the Synapse admin API's event reports:
//! what a reporter may not see is 404 and stored nowhere, a user report about a stranger is
//! accepted and dropped, rc_reports applies, and an admin lists, filters, reads and deletes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_users::admin_user;
use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

async fn reports_reach_the_admins(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let root = admin_user(&s, "root").await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice
        .create_room(json!({"preset": "private_chat", "name": "Den"}))
        .await;
    let event = alice.send_text(&room, "t1", "something rude").await;
    let report_path = format!("/rooms/{}/report/{}", enc(&room), enc(&event));

    // Bob cannot see the event: 404, nothing kept.
    let (status, err) = bob.post(&report_path, json!({"reason": "rude"})).await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (404, Some("M_NOT_FOUND")),
        "{err}"
    );
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{}/invite", enc(&room)),
            json!({"user_id": bob.user_id}),
        )
        .await;
    bob.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
        .await;
    bob.ok(Method::POST, &report_path, json!({"reason": "rude"}))
        .await;
    // Rooms and users.
    bob.ok(
        Method::POST,
        &format!("/rooms/{}/report", enc(&room)),
        json!({"reason": "a den of rudeness"}),
    )
    .await;
    let (status, _) = bob
        .post(
            &format!("/rooms/{}/report", enc("!nope:test.example")),
            json!({"reason": "?"}),
        )
        .await;
    assert_eq!(status, 404);
    for target in [
        alice.user_id.as_str(),
        "@ghost:test.example",
        "@x:elsewhere.example",
    ] {
        bob.ok(
            Method::POST,
            &format!("/users/{}/report", enc(target)),
            json!({"reason": "spam"}),
        )
        .await;
    }
    let (status, err) = alice
        .post(
            &format!("/users/{}/report", enc(&bob.user_id)),
            json!({"reason": "x".repeat(1001)}),
        )
        .await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (400, Some("M_BAD_JSON")),
        "{err}"
    );

    // Admins read them; others may not.
    let (status, _) = bob.get("/_synapse/admin/v1/event_reports").await;
    assert_eq!(status, 403);
    let (status, list) = root.get("/_synapse/admin/v1/event_reports").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    let r = &list["event_reports"][0];
    assert_eq!(
        (
            r["event_id"].as_str(),
            r["user_id"].as_str(),
            r["sender"].as_str()
        ),
        (
            Some(event.as_str()),
            Some(bob.user_id.as_str()),
            Some(alice.user_id.as_str())
        )
    );
    assert_eq!(
        (r["reason"].as_str(), r["name"].as_str()),
        (Some("rude"), Some("Den"))
    );
    let (_, none) = root
        .get(&format!(
            "/_synapse/admin/v1/event_reports?event_sender_user_id={}",
            enc(&bob.user_id)
        ))
        .await;
    assert_eq!(none["total"], 0, "{none}");
    let id = r["id"].as_i64().unwrap();
    let (status, one) = root
        .get(&format!("/_synapse/admin/v1/event_reports/{id}"))
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["event_json"]["content"]["body"], "something rude");
    let (status, _) = root
        .call(
            Method::DELETE,
            &format!("/_synapse/admin/v1/event_reports/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = root
        .get(&format!("/_synapse/admin/v1/event_reports/{id}"))
        .await;
    assert_eq!(status, 404);
    let (status, err) = root.get("/_synapse/admin/v1/event_reports/x").await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );

    // rc_reports: five at once, then a wait.
    let carol = s.user("carol").await;
    let mut last = Value::Null;
    for _ in 0..6 {
        last = carol
            .post(
                &format!("/users/{}/report", enc(&alice.user_id)),
                json!({"reason": "again"}),
            )
            .await
            .1;
    }
    assert_eq!(last["errcode"], "M_LIMIT_EXCEEDED", "{last}");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(reports_reach_the_admins);
