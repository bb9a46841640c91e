//! Room key backup over real HTTP: versions (create, latest, by number, update, delete) and
//! keys (PUT/GET/DELETE for all rooms, one room, one session) with etag and count; uploads
//! only to the current version (M_WRONG_ROOM_KEYS_VERSION), better keys replace worse ones,
//! M_NOT_FOUND for what does not exist — as Synapse answers.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

fn key(first: i64, forwarded: i64, verified: bool, data: &str) -> Value {
    json!({"first_message_index": first, "forwarded_count": forwarded, "is_verified": verified, "session_data": {"ciphertext": data}})
}

async fn backup_crud(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let alg = "m.megolm_backup.v1.curve25519-aes-sha2";

    let (st, e) = alice.get("/room_keys/version").await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (404, Some("M_NOT_FOUND")),
        "{e}"
    );
    let v1 = alice
        .ok(
            Method::POST,
            "/room_keys/version",
            json!({"algorithm": alg, "auth_data": {"public_key": "pk1"}}),
        )
        .await;
    assert_eq!(v1, json!({"version": "1"}));
    let info = alice.get("/room_keys/version").await.1;
    assert_eq!(
        info,
        json!({"version": "1", "algorithm": alg, "auth_data": {"public_key": "pk1"}, "etag": "0", "count": 0})
    );
    assert_eq!(
        bob.get("/room_keys/version").await.0,
        404,
        "backups are per user"
    );

    let room = "!room:test.example";
    let r = enc(room);
    // PUT one session, one room, all rooms.
    let res = alice
        .ok(
            Method::PUT,
            &format!("/room_keys/keys/{r}/s1?version=1"),
            key(5, 1, false, "one"),
        )
        .await;
    assert_eq!(res, json!({"etag": "1", "count": 1}));
    let res = alice
        .ok(
            Method::PUT,
            &format!("/room_keys/keys/{r}?version=1"),
            json!({"sessions": {"s2": key(0, 0, false, "two")}}),
        )
        .await;
    assert_eq!(res["count"], 2);
    let res = alice
        .ok(Method::PUT, "/room_keys/keys?version=1", json!({"rooms": {"!other:test.example": {"sessions": {"s3": key(0, 0, true, "three")}}}}))
        .await;
    assert_eq!(res, json!({"etag": "3", "count": 3}));

    // A worse key does not replace (etag unchanged); a better one does.
    let res = alice
        .ok(
            Method::PUT,
            &format!("/room_keys/keys/{r}/s1?version=1"),
            key(9, 3, false, "worse"),
        )
        .await;
    assert_eq!(res, json!({"etag": "3", "count": 3}));
    let res = alice
        .ok(
            Method::PUT,
            &format!("/room_keys/keys/{r}/s1?version=1"),
            key(2, 1, false, "better"),
        )
        .await;
    assert_eq!(res["etag"], "4");
    let one = alice
        .get(&format!("/room_keys/keys/{r}/s1?version=1"))
        .await
        .1;
    assert_eq!(one, key(2, 1, false, "better"));
    let (st, e) = alice.put(&format!("/room_keys/keys/{r}/s1?version=1"), json!({"first_message_index": 0, "forwarded_count": 0, "is_verified": "yes", "session_data": {}})).await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM")),
        "{e}"
    );

    // GET: all, one room, unknown room, unknown session, missing version, unknown version.
    let all = alice.get("/room_keys/keys?version=1").await.1;
    assert_eq!(
        all["rooms"][room]["sessions"].as_object().unwrap().len(),
        2,
        "{all}"
    );
    assert_eq!(
        all["rooms"]["!other:test.example"]["sessions"]["s3"],
        key(0, 0, true, "three")
    );
    let one_room = alice.get(&format!("/room_keys/keys/{r}?version=1")).await.1;
    assert_eq!(one_room["sessions"]["s2"], key(0, 0, false, "two"));
    assert_eq!(
        alice
            .get(&format!(
                "/room_keys/keys/{}?version=1",
                enc("!none:test.example")
            ))
            .await
            .1,
        json!({"sessions": {}})
    );
    let (st, e) = alice
        .get(&format!("/room_keys/keys/{r}/nope?version=1"))
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (404, Some("M_NOT_FOUND")),
        "{e}"
    );
    let (st, e) = alice.get("/room_keys/keys").await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM")),
        "{e}"
    );
    let (st, e) = alice.get("/room_keys/keys?version=7").await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (404, Some("M_NOT_FOUND")),
        "{e}"
    );

    // A new version: uploads to the old one are refused with the current version.
    let v2 = alice
        .ok(
            Method::POST,
            "/room_keys/version",
            json!({"algorithm": alg, "auth_data": {"public_key": "pk2"}}),
        )
        .await;
    assert_eq!(v2["version"], "2");
    let (st, e) = alice
        .put(
            &format!("/room_keys/keys/{r}/s9?version=1"),
            key(0, 0, false, "late"),
        )
        .await;
    assert_eq!(
        (st, e["errcode"].as_str(), e["current_version"].as_str()),
        (403, Some("M_WRONG_ROOM_KEYS_VERSION"), Some("2")),
        "{e}"
    );
    let (st, e) = alice
        .put(
            &format!("/room_keys/keys/{r}/s9?version=9"),
            key(0, 0, false, "late"),
        )
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (404, Some("M_NOT_FOUND")),
        "{e}"
    );
    assert_eq!(
        alice.get("/room_keys/version/1").await.1["count"],
        3,
        "the old version stays readable"
    );
    assert_eq!(alice.get("/room_keys/version").await.1["version"], "2");

    // Update auth_data; the version in the body must match; the algorithm too.
    alice
        .ok(
            Method::PUT,
            "/room_keys/version/2",
            json!({"algorithm": alg, "auth_data": {"public_key": "pk2b"}, "version": "2"}),
        )
        .await;
    assert_eq!(
        alice.get("/room_keys/version/2").await.1["auth_data"],
        json!({"public_key": "pk2b"})
    );
    let (st, e) = alice
        .put(
            "/room_keys/version/2",
            json!({"algorithm": alg, "auth_data": {}, "version": "3"}),
        )
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM")),
        "{e}"
    );
    let (st, e) = alice
        .put(
            "/room_keys/version/5",
            json!({"algorithm": alg, "auth_data": {}}),
        )
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (404, Some("M_NOT_FOUND")),
        "{e}"
    );

    // DELETE keys: one session, one room, all; the etag moves and the count follows.
    let res = alice
        .call(
            Method::DELETE,
            &format!("/room_keys/keys/{r}/s1?version=1"),
            None,
        )
        .await
        .1;
    assert_eq!(res["count"], 2, "{res}");
    let res = alice
        .call(
            Method::DELETE,
            &format!("/room_keys/keys/{r}?version=1"),
            None,
        )
        .await
        .1;
    assert_eq!(res["count"], 1);
    let res = alice
        .call(Method::DELETE, "/room_keys/keys?version=1", None)
        .await
        .1;
    assert_eq!(res["count"], 0);
    assert!(res["etag"].as_str().unwrap().parse::<i64>().unwrap() > 4);

    // DELETE versions: the latest falls back to the previous; unknown is 404; numbers are not reused.
    assert_eq!(
        alice
            .call(Method::DELETE, "/room_keys/version/2", None)
            .await
            .0,
        200
    );
    assert_eq!(alice.get("/room_keys/version").await.1["version"], "1");
    let (st, e) = alice
        .call(Method::DELETE, "/room_keys/version/2", None)
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (404, Some("M_NOT_FOUND")),
        "{e}"
    );
    assert_eq!(alice.get("/room_keys/version/2").await.0, 404);
    assert_eq!(alice.get("/room_keys/version/abc").await.0, 404);
    let v3 = alice
        .ok(
            Method::POST,
            "/room_keys/version",
            json!({"algorithm": alg, "auth_data": {}}),
        )
        .await;
    assert_eq!(v3["version"], "3");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(backup_crud);
