//! The Synapse admin API for rooms: list (pagination, order, search), details, members, and
//! deletion (v1 answering at once, v2 with a delete id and its status), over real HTTP on
//! both engines.

use reqwest::Method;
use serde_json::json;

use crate::admin_users::{admin_user, call, get};
use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

async fn list_details_and_members(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let admin = admin_user(&s, "root").await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;

    let a = alice.create_room(json!({"name": "Apples", "topic": "fruit", "preset": "public_chat", "visibility": "public", "room_alias_name": "apples"})).await;
    let b = alice.create_room(json!({"name": "Bananas"})).await;
    let c = bob
        .create_room(json!({"name": "Cherries", "preset": "public_chat"}))
        .await;
    assert_eq!(
        bob.post(&format!("/join/{}", enc(&a)), json!({})).await.0,
        200
    );

    assert_eq!(get(&alice, "/_synapse/admin/v1/rooms").await.0, 403);
    let (status, v) = get(&admin, "/_synapse/admin/v1/rooms").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["total_rooms"], 3);
    assert_eq!(v["offset"], 0);
    assert!(v.get("next_batch").is_none());
    let names: Vec<&str> = v["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Apples", "Bananas", "Cherries"]);
    let apples = &v["rooms"][0];
    assert_eq!(apples["room_id"], a.as_str());
    assert_eq!(apples["canonical_alias"], "#apples:test.example");
    assert_eq!(apples["joined_members"], 2);
    assert_eq!(apples["joined_local_members"], 2);
    assert_eq!(apples["creator"], alice.user_id.as_str());
    assert_eq!(apples["join_rules"], "public");
    assert_eq!(apples["federatable"], true);
    assert!(
        apples["version"].is_string() && apples["state_events"].as_i64().unwrap() > 3,
        "{apples}"
    );

    let (_, v) = get(&admin, "/_synapse/admin/v1/rooms?limit=1&from=1").await;
    assert_eq!(v["rooms"][0]["name"], "Bananas");
    assert_eq!(
        (v["next_batch"].as_i64(), v["prev_batch"].as_i64()),
        (Some(2), Some(0))
    );
    let (_, v) = get(&admin, "/_synapse/admin/v1/rooms?dir=b").await;
    assert_eq!(v["rooms"][0]["name"], "Cherries");
    let (_, v) = get(&admin, "/_synapse/admin/v1/rooms?order_by=joined_members").await;
    assert_eq!(v["rooms"][0]["room_id"], a.as_str());
    let (_, v) = get(&admin, "/_synapse/admin/v1/rooms?search_term=NAN").await;
    assert_eq!(
        (v["total_rooms"].as_i64(), v["rooms"][0]["room_id"].as_str()),
        (Some(1), Some(b.as_str()))
    );
    let (status, v) = get(&admin, "/_synapse/admin/v1/rooms?search_term=").await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );
    let (status, _) = get(&admin, "/_synapse/admin/v1/rooms?order_by=colour").await;
    assert_eq!(status, 400);

    let (status, v) = get(&admin, &format!("/_synapse/admin/v1/rooms/{}", enc(&a))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["name"], "Apples");
    assert_eq!(v["topic"], "fruit");
    assert_eq!(v["public"], true);
    assert_eq!(v["joined_local_devices"], 2);
    assert_eq!(v["forgotten"], false);
    let (status, v) = get(&admin, "/_synapse/admin/v1/rooms/!nope:test.example").await;
    assert_eq!((status, v["errcode"].as_str()), (404, Some("M_NOT_FOUND")));

    let (status, v) = get(
        &admin,
        &format!("/_synapse/admin/v1/rooms/{}/members", enc(&a)),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["total"], 2);
    let mut members: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    members.sort();
    assert_eq!(members, [alice.user_id.as_str(), bob.user_id.as_str()]);
    assert_eq!(
        get(
            &admin,
            "/_synapse/admin/v1/rooms/!nope:test.example/members"
        )
        .await
        .0,
        404
    );
    let _ = c;

    s.stop().await;
    home.cleanup().await;
}
both_engines!(list_details_and_members);

async fn delete_rooms(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let admin = admin_user(&s, "root").await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;

    // v1: everyone leaves, the room is purged and blocked.
    let a = alice
        .create_room(
            json!({"name": "Doomed", "preset": "public_chat", "room_alias_name": "doomed"}),
        )
        .await;
    assert_eq!(
        bob.post(&format!("/join/{}", enc(&a)), json!({})).await.0,
        200
    );
    alice.send_text(&a, "t1", "hello").await;
    let path = format!("/_synapse/admin/v1/rooms/{}", enc(&a));
    assert_eq!(
        call(&alice, Method::DELETE, &path, Some(json!({}))).await.0,
        403
    );
    let (status, v) = call(&admin, Method::DELETE, &path, Some(json!({"block": "yes"}))).await;
    assert_eq!((status, v["errcode"].as_str()), (400, Some("M_BAD_JSON")));
    let (status, v) = call(&admin, Method::DELETE, &path, Some(json!({"block": true}))).await;
    assert_eq!(status, 200, "{v}");
    let mut kicked: Vec<&str> = v["kicked_users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    kicked.sort();
    assert_eq!(kicked, [alice.user_id.as_str(), bob.user_id.as_str()]);
    assert_eq!(v["failed_to_kick_users"], json!([]));
    assert_eq!(v["local_aliases"], json!(["#doomed:test.example"]));
    assert_eq!(v["new_room_id"], json!(null));
    let (_, joined) = alice.get("/joined_rooms").await;
    assert_eq!(joined["joined_rooms"], json!([]));
    assert_eq!(get(&admin, &path).await.0, 404);
    let (_, v) = get(&admin, "/_synapse/admin/v1/rooms").await;
    assert_eq!(v["total_rooms"], 0);
    let (status, v) = bob.post(&format!("/join/{}", enc(&a)), json!({})).await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{v}"
    );
    assert_eq!(
        alice.get("/directory/room/%23doomed:test.example").await.0,
        404
    );
    // Unknown room without block: 404.
    let (status, _) = call(
        &admin,
        Method::DELETE,
        "/_synapse/admin/v1/rooms/!nope:test.example",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);

    // v2 without purge: members leave, the room stays; the status is recorded.
    let b = alice
        .create_room(json!({"name": "Kept", "preset": "public_chat"}))
        .await;
    assert_eq!(
        bob.post(&format!("/join/{}", enc(&b)), json!({})).await.0,
        200
    );
    let (status, v) = call(
        &admin,
        Method::DELETE,
        &format!("/_synapse/admin/v2/rooms/{}", enc(&b)),
        Some(json!({"purge": false})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let delete_id = v["delete_id"].as_str().unwrap().to_string();
    let (status, v) = get(
        &admin,
        &format!("/_synapse/admin/v2/rooms/delete_status/{delete_id}"),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "complete");
    assert_eq!(v["room_id"], b.as_str());
    assert_eq!(
        v["shutdown_room"]["kicked_users"].as_array().unwrap().len(),
        2
    );
    let (status, v) = get(
        &admin,
        &format!("/_synapse/admin/v2/rooms/{}/delete_status", enc(&b)),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["results"][0]["delete_id"], delete_id.as_str());
    let (status, v) = get(&admin, &format!("/_synapse/admin/v1/rooms/{}", enc(&b))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["joined_members"], 0);
    assert_eq!(
        get(&admin, "/_synapse/admin/v2/rooms/delete_status/nope")
            .await
            .0,
        404
    );
    assert_eq!(
        get(
            &admin,
            "/_synapse/admin/v2/rooms/!nope:test.example/delete_status"
        )
        .await
        .0,
        404
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(delete_rooms);
