//! Room aliases and the public room directory.

use reqwest::Method;
use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

async fn aliases_and_public_rooms(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat", "name": "Garden club", "topic": "roses", "visibility": "public"})).await;
    let private = alice.create_room(json!({"name": "Secret"})).await;

    // Aliases: create, resolve, conflict, list, delete.
    let a = enc("#garden:test.example");
    alice
        .ok(
            Method::PUT,
            &format!("/directory/room/{a}"),
            json!({"room_id": room}),
        )
        .await;
    let (status, got) = bob.get(&format!("/directory/room/{a}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["room_id"], room);
    assert_eq!(got["servers"], json!(["test.example"]));
    let (status, body) = alice
        .put(&format!("/directory/room/{a}"), json!({"room_id": room}))
        .await;
    assert_eq!((status, body["errcode"].as_str()), (409, Some("M_UNKNOWN")));
    let (status, body) = alice
        .put(
            &format!("/directory/room/{}", enc("#x:elsewhere.example")),
            json!({"room_id": room}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );
    let (status, _) = bob
        .put(
            &format!("/directory/room/{}", enc("#bobs:test.example")),
            json!({"room_id": room}),
        )
        .await;
    assert_eq!(status, 403, "bob is not in the room");
    let (_, aliases) = alice.get(&format!("/rooms/{}/aliases", enc(&room))).await;
    assert_eq!(aliases["aliases"], json!(["#garden:test.example"]));
    let (status, _) = bob
        .call(Method::DELETE, &format!("/directory/room/{a}"), None)
        .await;
    assert_eq!(status, 403, "neither creator nor moderator");
    let (status, _) = alice
        .call(Method::DELETE, &format!("/directory/room/{a}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = bob.get(&format!("/directory/room/{a}")).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );

    // The public list: only the public room, with its details; search and paging.
    let (_, list) = bob.get("/publicRooms").await;
    assert_eq!(list["total_room_count_estimate"], 1);
    let e = &list["chunk"][0];
    assert_eq!(
        (
            e["room_id"].as_str(),
            e["name"].as_str(),
            e["topic"].as_str()
        ),
        (Some(room.as_str()), Some("Garden club"), Some("roses"))
    );
    assert_eq!(
        (e["num_joined_members"].as_u64(), e["join_rule"].as_str()),
        (Some(1), Some("public"))
    );
    let (_, vis) = bob
        .get(&format!("/directory/list/room/{}", enc(&private)))
        .await;
    assert_eq!(vis["visibility"], "private");
    let (status, _) = bob
        .put(
            &format!("/directory/list/room/{}", enc(&private)),
            json!({"visibility": "public"}),
        )
        .await;
    assert_eq!(status, 403);
    alice
        .ok(
            Method::PUT,
            &format!("/directory/list/room/{}", enc(&private)),
            json!({"visibility": "public"}),
        )
        .await;
    let (_, list) = bob
        .post(
            "/publicRooms",
            json!({"filter": {"generic_search_term": "secret"}}),
        )
        .await;
    assert_eq!(list["chunk"].as_array().unwrap().len(), 1);
    assert_eq!(list["chunk"][0]["room_id"], private);
    let (_, page) = bob.get("/publicRooms?limit=1").await;
    assert_eq!(page["chunk"].as_array().unwrap().len(), 1);
    let next = page["next_batch"].as_str().unwrap();
    let (_, page2) = bob.get(&format!("/publicRooms?limit=1&since={next}")).await;
    assert_eq!(page2["chunk"].as_array().unwrap().len(), 1);
    assert_ne!(page2["chunk"][0]["room_id"], page["chunk"][0]["room_id"]);
    // The spec's default visibility is public: a body without it lists the room.
    alice
        .ok(
            Method::PUT,
            &format!("/directory/list/room/{}", enc(&private)),
            json!({"visibility": "private"}),
        )
        .await;
    alice
        .ok(
            Method::PUT,
            &format!("/directory/list/room/{}", enc(&private)),
            json!({}),
        )
        .await;
    let (_, vis) = bob
        .get(&format!("/directory/list/room/{}", enc(&private)))
        .await;
    assert_eq!(vis["visibility"], "public");
    let (status, _) = s.get("/_matrix/client/v3/publicRooms").await;
    assert_eq!(
        status, 401,
        "allow_public_rooms_without_auth is off by default, as in Synapse"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(aliases_and_public_rooms);
