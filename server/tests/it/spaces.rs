//! Spaces, room summaries and knocking on one server (issue 13; the federated halves are in
//! federation_spaces.rs): a space's hierarchy depth first in its children's order, with the
//! rooms a user may not see left out, depth and suggested-only limits, pages that continue
//! where the last ended; room summaries with and without an access token; knocking on a knock
//! room, seen in sync, answered by an invite or a kick, withdrawn by the knocker.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User, enc};

const SERVER: &str = "test.example";

/// The room ids of a hierarchy page, in order.
fn ids(page: &Value) -> Vec<String> {
    page["rooms"]
        .as_array()
        .unwrap_or_else(|| panic!("no rooms in {page}"))
        .iter()
        .map(|r| r["room_id"].as_str().unwrap().to_string())
        .collect()
}

async fn hierarchy(user: &User, space: &str, query: &str) -> (u16, Value) {
    user.get(&format!(
        "/_matrix/client/v1/rooms/{}/hierarchy{query}",
        enc(space)
    ))
    .await
}

async fn add_child(user: &User, space: &str, child: &str, content: Value) {
    user.ok(
        Method::PUT,
        &format!("/rooms/{}/state/m.space.child/{}", enc(space), enc(child)),
        content,
    )
    .await;
}

async fn a_space_hierarchy_is_walked_in_order_with_pages_and_access_rules(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;

    let space = alice
        .create_room(json!({"preset": "public_chat", "name": "Club",
            "creation_content": {"type": "m.space"}}))
        .await;
    let a = alice
        .create_room(json!({"preset": "public_chat", "name": "a"}))
        .await;
    let b = alice
        .create_room(json!({"preset": "private_chat", "name": "b"}))
        .await;
    let c = alice
        .create_room(
            json!({"preset": "private_chat", "name": "c", "room_version": "10",
            "initial_state": [{"type": "m.room.join_rules", "state_key": "",
                "content": {"join_rule": "restricted",
                    "allow": [{"type": "m.room_membership", "room_id": space}]}}]}),
        )
        .await;
    let d = alice
        .create_room(json!({"preset": "public_chat", "name": "d",
            "creation_content": {"type": "m.space"}}))
        .await;
    let e = alice
        .create_room(json!({"preset": "public_chat", "name": "e", "topic": "deep"}))
        .await;
    let via = json!([SERVER]);
    add_child(&alice, &space, &a, json!({"via": via, "order": "b"})).await;
    add_child(&alice, &space, &b, json!({"via": via, "order": "a"})).await;
    add_child(&alice, &space, &c, json!({"via": via})).await;
    add_child(
        &alice,
        &space,
        &d,
        json!({"via": via, "order": "c", "suggested": true}),
    )
    .await;
    // No servers named: a removed child, left out.
    add_child(&alice, &space, &format!("!gone:{SERVER}"), json!({})).await;
    add_child(&alice, &d, &e, json!({"via": via})).await;
    let (status, body) = bob.post(&format!("/join/{}", enc(&space)), json!({})).await;
    assert_eq!(status, 200, "{body}");

    // Bob may not see b (invite only); c lets members of the space in.
    let (status, page) = hierarchy(&bob, &space, "").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        ids(&page),
        [
            space.as_str(),
            a.as_str(),
            d.as_str(),
            e.as_str(),
            c.as_str()
        ],
        "{page}"
    );
    assert!(page.get("next_batch").is_none(), "{page}");
    let root = &page["rooms"][0];
    assert_eq!(root["room_type"], "m.space");
    assert_eq!(root["name"], "Club");
    assert_eq!(root["num_joined_members"], 2);
    // Public is the spec's default, left out.
    assert_eq!(root.get("join_rule"), None);
    let children: Vec<&str> = root["children_state"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["state_key"].as_str().unwrap())
        .collect();
    assert_eq!(children, [&b, &a, &d, &c], "children in order: {root}");
    assert!(root["children_state"][0]["origin_server_ts"].is_u64());
    assert_eq!(root["children_state"][0]["type"], "m.space.child");
    assert_eq!(page["rooms"][3]["topic"], "deep");
    assert_eq!(page["rooms"][4]["join_rule"], "restricted");
    assert_eq!(page["rooms"][4]["room_version"], "10");

    // Alice is in b.
    let (_, page) = hierarchy(&alice, &space, "").await;
    assert_eq!(
        ids(&page),
        [
            space.as_str(),
            b.as_str(),
            a.as_str(),
            d.as_str(),
            e.as_str(),
            c.as_str()
        ]
    );

    // Depth and suggested-only.
    let (_, page) = hierarchy(&bob, &space, "?max_depth=1").await;
    assert_eq!(
        ids(&page),
        [space.as_str(), a.as_str(), d.as_str(), c.as_str()]
    );
    let (_, page) = hierarchy(&bob, &space, "?suggested_only=true").await;
    assert_eq!(ids(&page), [space.as_str(), d.as_str()]);
    assert_eq!(
        page["rooms"][0]["children_state"].as_array().unwrap().len(),
        1
    );

    // Pages continue where the last one ended.
    let (_, first) = hierarchy(&bob, &space, "?limit=2").await;
    assert_eq!(ids(&first), [space.as_str(), a.as_str()]);
    let token = first["next_batch"]
        .as_str()
        .expect("a next page")
        .to_string();
    let (status, second) = hierarchy(&bob, &space, &format!("?limit=2&from={}", enc(&token))).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(ids(&second), [d.as_str(), e.as_str()]);
    let token2 = second["next_batch"].as_str().unwrap().to_string();
    // A token is for the question it answered.
    let (status, err) = hierarchy(
        &bob,
        &space,
        &format!("?limit=2&suggested_only=true&from={}", enc(&token2)),
    )
    .await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );
    let (status, err) = hierarchy(&bob, &space, "?from=nonsense").await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );
    let (status, err) = hierarchy(&bob, &space, "?limit=0").await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );

    // A public space is visible to anyone on the server; a private one is not.
    let (status, page) = hierarchy(&carol, &space, "?max_depth=0").await;
    assert_eq!((status, ids(&page)), (200, vec![space.clone()]));
    let private = alice
        .create_room(json!({"preset": "private_chat", "creation_content": {"type": "m.space"}}))
        .await;
    let (status, err) = hierarchy(&carol, &private, "").await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (403, Some("M_FORBIDDEN"))
    );
    let (status, _) = hierarchy(&carol, &format!("!unknown:{SERVER}"), "").await;
    assert_eq!(status, 403);

    // Room summaries: membership for a user, none without a token; hidden rooms are 404.
    alice
        .ok(
            Method::PUT,
            &format!("/directory/room/{}", enc(&format!("#a:{SERVER}"))),
            json!({"room_id": a}),
        )
        .await;
    let summary =
        |who: &str, room: &str| format!("/_matrix/client/v1/room_summary/{}", enc(room)) + who;
    let (status, sum) = bob.get(&summary("", &format!("#a:{SERVER}"))).await;
    assert_eq!(status, 200, "{sum}");
    assert_eq!(
        (
            sum["room_id"].as_str(),
            sum["name"].as_str(),
            sum["membership"].as_str()
        ),
        (Some(a.as_str()), Some("a"), Some("leave"))
    );
    assert_eq!(
        sum["canonical_alias"],
        Value::Null,
        "no canonical alias was set"
    );
    let (_, sum) = bob.get(&summary("", &space)).await;
    assert_eq!(
        (sum["room_type"].as_str(), sum["membership"].as_str()),
        (Some("m.space"), Some("join"))
    );
    let (status, err) = bob.get(&summary("", &b)).await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );
    let anonymous = reqwest::Client::new();
    let get = |room: &str| anonymous.get(s.u(&summary("", room))).send();
    let res = get(&a).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"], "a");
    assert!(body.get("membership").is_none(), "{body}");
    assert_eq!(get(&b).await.unwrap().status(), 404);
    let bad_token = anonymous
        .get(s.u(&summary("", &a)))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_token.status(), 401);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(a_space_hierarchy_is_walked_in_order_with_pages_and_access_rules);

/// Bob's membership in `room` as alice sees it.
async fn membership_of(alice: &User, room: &str, user: &User) -> Value {
    let (status, m) = alice
        .get(&format!(
            "/rooms/{}/state/m.room.member/{}",
            enc(room),
            enc(&user.user_id)
        ))
        .await;
    assert_eq!(status, 200, "{m}");
    m
}

async fn knocking_asks_to_be_let_in(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let room = alice
        .create_room(json!({"name": "knock here", "room_version": "10",
            "initial_state": [{"type": "m.room.join_rules", "state_key": "",
                "content": {"join_rule": "knock"}}]}))
        .await;
    let invite_only = alice.create_room(json!({"preset": "private_chat"})).await;
    let since = bob.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, body) = bob
        .post(
            &format!("/knock/{}", enc(&room)),
            json!({"reason": "let me in"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["room_id"], room);
    let sync = bob.sync(Some(&since), 0).await;
    let state = &sync["rooms"]["knock"][&room]["knock_state"]["events"];
    let events = state
        .as_array()
        .unwrap_or_else(|| panic!("no knock in {sync}"));
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "knock here"),
        "{state}"
    );
    let knock = events.last().unwrap();
    assert_eq!(
        (
            knock["type"].as_str(),
            knock["content"]["membership"].as_str()
        ),
        (Some("m.room.member"), Some("knock"))
    );
    assert_eq!(knock["content"]["reason"], "let me in");
    assert_eq!(
        membership_of(&alice, &room, &bob).await["membership"],
        "knock"
    );
    // A room that takes no knocks refuses one.
    let (status, err) = bob
        .post(&format!("/knock/{}", enc(&invite_only)), json!({}))
        .await;
    assert_eq!(
        (status, err["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{err}"
    );

    // Let in: an invite, then a join.
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{}/invite", enc(&room)),
            json!({"user_id": bob.user_id}),
        )
        .await;
    let sync = bob.sync(Some(&since), 0).await;
    assert!(sync["rooms"]["invite"].get(&room).is_some(), "{sync}");
    let (status, body) = bob.post(&format!("/join/{}", enc(&room)), json!({})).await;
    assert_eq!(status, 200, "{body}");

    // Turned away: a kick ends the knock.
    carol
        .ok(Method::POST, &format!("/knock/{}", enc(&room)), json!({}))
        .await;
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{}/kick", enc(&room)),
            json!({"user_id": carol.user_id, "reason": "not today"}),
        )
        .await;
    assert_eq!(
        membership_of(&alice, &room, &carol).await["membership"],
        "leave"
    );

    // Withdrawn by the knocker.
    dave.ok(Method::POST, &format!("/knock/{}", enc(&room)), json!({}))
        .await;
    dave.ok(
        Method::POST,
        &format!("/rooms/{}/leave", enc(&room)),
        json!({}),
    )
    .await;
    assert_eq!(
        membership_of(&alice, &room, &dave).await["membership"],
        "leave"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(knocking_asks_to_be_let_in);
