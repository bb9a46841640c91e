//! Other servers reading a room they share with us, and the same reads used for our users
//! (issue 13): matrixd servers on loopback TLS share a room; the visitor's server fetches the
//! history from before its user joined (backfill), stored behind the timeline without moving
//! the room's state or showing in sync; each read endpoint answers a server in the room, with
//! history it may not see redacted, and refuses a server that is not (403); a PDU that builds
//! on events its receiver missed has the gap filled from its sender (get_missing_events).

use std::path::PathBuf;

use matrixd::service::federation::FederationError;
use ruma::api::federation::authorization::get_event_authorization;
use ruma::api::federation::backfill::get_backfill;
use ruma::api::federation::event::{
    get_event, get_missing_events, get_room_state, get_room_state_ids,
};
use ruma::{OwnedEventId, OwnedRoomId, OwnedServerName, UInt};
use serde_json::{Value, json};

use crate::both_engines;
use crate::federation_keys::ca_and_cert;
use crate::federation_notary::{free_port, start_federating_with};
use crate::support::{Engine, Home, TestServer, User, enc};

/// The certificate every server presents (for 127.0.0.1) and the CA each trusts.
pub(crate) struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

pub(crate) fn pki() -> Pki {
    let (ca_pem, cert_pem, key_pem) = ca_and_cert();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, pem: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    let (ca, cert, key) = (
        write("ca.pem", &ca_pem),
        write("cert.pem", &cert_pem),
        write("key.pem", &key_pem),
    );
    Pki {
        _dir: dir,
        ca,
        cert,
        key,
    }
}

/// One matrixd of the test, federating on its own port.
pub(crate) struct Node {
    pub(crate) home: Home,
    pub(crate) port: u16,
    pub(crate) server: TestServer,
}

impl Node {
    pub(crate) async fn start(engine: Engine, pki: &Pki) -> Node {
        let home = Home::new(engine).await;
        let port = free_port();
        let server = federating(&home, port, pki).await;
        Node { home, port, server }
    }

    pub(crate) fn name(&self) -> OwnedServerName {
        OwnedServerName::try_from(format!("127.0.0.1:{}", self.port)).unwrap()
    }
}

async fn federating(home: &Home, port: u16, pki: &Pki) -> TestServer {
    let trust = format!(
        "federation_custom_ca_list: [\"{}\"]\nip_range_whitelist: ['127.0.0.0/8']\n",
        pki.ca.display()
    );
    start_federating_with(home, port, &pki.cert, &pki.key, &trust).await
}

fn room(id: &str) -> OwnedRoomId {
    OwnedRoomId::try_from(id).unwrap()
}

fn event(id: &str) -> OwnedEventId {
    OwnedEventId::try_from(id).unwrap()
}

/// The texts of the `m.room.message` events in `events`, in order.
fn texts(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] == "m.room.message")
        .map(|e| e["content"]["body"].as_str().unwrap_or("").to_string())
        .collect()
}

fn parse(raw: &[Box<serde_json::value::RawValue>]) -> Vec<Value> {
    raw.iter()
        .map(|r| serde_json::from_str(r.get()).unwrap())
        .collect()
}

/// The status and errcode another server answered a federation request with.
fn refusal<T: std::fmt::Debug>(r: Result<T, FederationError>) -> (u16, String) {
    match r {
        Err(FederationError::Status { status, body, .. }) => (
            status,
            body["errcode"].as_str().unwrap_or_default().to_string(),
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The event id of the current state event (`kind`, `key`) of a room, as `user` sees it.
async fn state_id(user: &User, room_id: &str, kind: &str, key: &str) -> String {
    let (status, state) = user.get(&format!("/rooms/{}/state", enc(room_id))).await;
    assert_eq!(status, 200, "{state}");
    state
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == kind && e["state_key"] == key)
        .unwrap_or_else(|| panic!("no {kind} {key} in {state}"))["event_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `user` joins `room_id` through `via`.
pub(crate) async fn join_via(user: &User, room_id: &str, via: &OwnedServerName) {
    let (status, body) = user
        .post(
            &format!("/join/{}?via={}", enc(room_id), enc(via.as_str())),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "joining {room_id} through {via}: {body}");
}

/// /messages going back from now, `limit` events.
async fn messages(user: &User, room_id: &str, limit: u32) -> Value {
    let (status, page) = user
        .get(&format!(
            "/rooms/{}/messages?dir=b&limit={limit}",
            enc(room_id)
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    page
}

/// A room on `one` shared with a user of `two`: history from before the join is fetched by
/// `two` on its user's first page back, as history; every read endpoint of `one` answers
/// `two` (a server in the room) and refuses `three` (not in it).
async fn a_server_in_the_room_reads_it_and_others_are_refused(engine: Engine) {
    let pki = pki();
    let (one, two, three) = tokio::join!(
        Node::start(engine, &pki),
        Node::start(engine, &pki),
        Node::start(engine, &pki)
    );
    let alice = one.server.user("alice").await;
    let carol = two.server.user("carol").await;
    let room_id = alice
        .create_room(json!({"preset": "public_chat", "name": "Shared"}))
        .await;
    let first = alice.send_text(&room_id, "t1", "one").await;
    let second = alice.send_text(&room_id, "t2", "two").await;

    join_via(&carol, &room_id, &one.name()).await;
    let carol_join = state_id(&carol, &room_id, "m.room.member", &carol.user_id).await;
    let create = state_id(&alice, &room_id, "m.room.create", "").await;
    let alice_member = state_id(&alice, &room_id, "m.room.member", &alice.user_id).await;
    let third = alice.send_text(&room_id, "t3", "three").await;

    // Carol's server fetches the history before her join on her first page back.
    let since = carol.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    let page = messages(&carol, &room_id, 50).await;
    let chunk = page["chunk"].as_array().unwrap();
    let shown = texts(chunk);
    assert!(
        shown.ends_with(&["two".to_string(), "one".to_string()]),
        "{shown:?}"
    );
    let position = |id: &str| chunk.iter().position(|e| e["event_id"] == id).unwrap();
    assert!(position(&carol_join) < position(&second), "{page}");
    // It is history: not new in sync, and the room's state is as it was.
    let later = carol.sync(Some(&since), 0).await;
    let timeline = later["rooms"]["join"][&room_id]["timeline"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        texts(&timeline).iter().all(|t| t != "one" && t != "two"),
        "{later}"
    );
    let (status, name) = carol
        .get(&format!("/rooms/{}/state/m.room.name/", enc(&room_id)))
        .await;
    assert_eq!((status, name), (200, json!({"name": "Shared"})));
    assert_eq!(
        state_id(&carol, &room_id, "m.room.member", &carol.user_id).await,
        carol_join
    );
    // Nothing more before the create event: a further page adds nothing and ends.
    let end = page["end"].as_str().map(String::from);
    if let Some(end) = end {
        let (status, rest) = carol
            .get(&format!(
                "/rooms/{}/messages?dir=b&limit=50&from={end}",
                enc(&room_id)
            ))
            .await;
        assert_eq!(status, 200, "{rest}");
        assert!(
            texts(rest["chunk"].as_array().unwrap()).is_empty(),
            "{rest}"
        );
    }

    // The read endpoints, asked by carol's server (in the room).
    let asks = &two.server.services;
    let to = one.name();
    let got = asks
        .federation_send(&to, get_event::v1::Request::new(event(&second)))
        .await
        .unwrap();
    assert_eq!(got.origin, to);
    let pdu: Value = serde_json::from_str(got.pdu.get()).unwrap();
    assert_eq!(pdu["content"]["body"], "two", "{pdu}");
    assert!(pdu.get("unsigned").is_none(), "{pdu}");

    let ids = asks
        .federation_send(
            &to,
            get_room_state_ids::v1::Request::new(event(&second), room(&room_id)),
        )
        .await
        .unwrap();
    let has = |list: &[OwnedEventId], id: &str| list.iter().any(|e| e.as_str() == id);
    assert!(has(&ids.pdu_ids, &create) && has(&ids.pdu_ids, &alice_member));
    assert!(!has(&ids.pdu_ids, &carol_join), "carol joined after 'two'");
    assert!(has(&ids.auth_chain_ids, &create));
    // The state before carol's join leaves her join out; at 'three' it is in.
    let before_join = asks
        .federation_send(
            &to,
            get_room_state::v1::Request::new(event(&carol_join), room(&room_id)),
        )
        .await
        .unwrap();
    let members: Vec<Value> = parse(&before_join.pdus)
        .into_iter()
        .filter(|e| e["type"] == "m.room.member")
        .collect();
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0]["state_key"], alice.user_id.as_str());
    assert!(!before_join.auth_chain.is_empty());
    let at_third = asks
        .federation_send(
            &to,
            get_room_state_ids::v1::Request::new(event(&third), room(&room_id)),
        )
        .await
        .unwrap();
    assert!(has(&at_third.pdu_ids, &carol_join));

    let auth = asks
        .federation_send(
            &to,
            get_event_authorization::v1::Request::new(room(&room_id), event(&second)),
        )
        .await
        .unwrap();
    let auth_types: Vec<Value> = parse(&auth.auth_chain)
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    for kind in ["m.room.create", "m.room.member", "m.room.power_levels"] {
        assert!(auth_types.contains(&json!(kind)), "{auth_types:?}");
    }

    let back = asks
        .federation_send(
            &to,
            get_backfill::v1::Request::new(room(&room_id), vec![event(&second)], UInt::from(2u8)),
        )
        .await
        .unwrap();
    assert_eq!(texts(&parse(&back.pdus)), ["two", "one"]);

    // Between 'one' and 'three': 'two' and carol's join, oldest first; with a limit of one,
    // the one next to 'three'.
    let missing = asks
        .federation_send(
            &to,
            get_missing_events::v1::Request::new(
                room(&room_id),
                vec![event(&first)],
                vec![event(&third)],
            ),
        )
        .await
        .unwrap();
    let missing = parse(&missing.events);
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert_eq!(missing[0]["content"]["body"], "two");
    assert_eq!(missing[1]["state_key"], carol.user_id.as_str());
    let mut one_only = get_missing_events::v1::Request::new(
        room(&room_id),
        vec![event(&first)],
        vec![event(&third)],
    );
    one_only.limit = UInt::from(1u8);
    let one_only = asks.federation_send(&to, one_only).await.unwrap();
    let one_only = parse(&one_only.events);
    assert_eq!(one_only.len(), 1);
    assert_eq!(one_only[0]["state_key"], carol.user_id.as_str());

    // What we do not have is 404.
    let unknown = asks
        .federation_send(&to, get_event::v1::Request::new(event("$nosuchevent")))
        .await;
    assert_eq!(refusal(unknown), (404, "M_NOT_FOUND".into()));
    let no_room = asks
        .federation_send(
            &to,
            get_room_state_ids::v1::Request::new(event(&second), room("!nosuchroom:elsewhere")),
        )
        .await;
    assert_eq!(refusal(no_room), (404, "M_NOT_FOUND".into()));

    // A server with no user in the room is refused, whatever it asks.
    let stranger = &three.server.services;
    let forbidden = (403, "M_FORBIDDEN".to_string());
    assert_eq!(
        refusal(
            stranger
                .federation_send(&to, get_event::v1::Request::new(event(&second)))
                .await
        ),
        forbidden
    );
    assert_eq!(
        refusal(
            stranger
                .federation_send(
                    &to,
                    get_room_state_ids::v1::Request::new(event(&second), room(&room_id))
                )
                .await
        ),
        forbidden
    );
    assert_eq!(
        refusal(
            stranger
                .federation_send(
                    &to,
                    get_room_state::v1::Request::new(event(&second), room(&room_id))
                )
                .await
        ),
        forbidden
    );
    assert_eq!(
        refusal(
            stranger
                .federation_send(
                    &to,
                    get_event_authorization::v1::Request::new(room(&room_id), event(&second))
                )
                .await
        ),
        forbidden
    );
    assert_eq!(
        refusal(
            stranger
                .federation_send(
                    &to,
                    get_backfill::v1::Request::new(
                        room(&room_id),
                        vec![event(&second)],
                        UInt::from(10u8)
                    )
                )
                .await
        ),
        forbidden
    );
    assert_eq!(
        refusal(
            stranger
                .federation_send(
                    &to,
                    get_missing_events::v1::Request::new(
                        room(&room_id),
                        vec![event(&first)],
                        vec![event(&third)]
                    )
                )
                .await
        ),
        forbidden
    );

    for node in [one, two, three] {
        node.server.stop().await;
        node.home.cleanup().await;
    }
}
both_engines!(a_server_in_the_room_reads_it_and_others_are_refused);

/// In a room whose history is visible to joined members only, what was said before a server's
/// first user joined reaches that server redacted; its user's own join, and what follows,
/// whole.
async fn history_a_server_may_not_see_is_redacted(engine: Engine) {
    let pki = pki();
    let (one, two) = tokio::join!(Node::start(engine, &pki), Node::start(engine, &pki));
    let alice = one.server.user("alice").await;
    let carol = two.server.user("carol").await;
    let room_id = alice
        .create_room(json!({"preset": "public_chat", "initial_state": [{
            "type": "m.room.history_visibility", "state_key": "",
            "content": {"history_visibility": "joined"}}]}))
        .await;
    let secret = alice.send_text(&room_id, "t1", "before carol").await;
    join_via(&carol, &room_id, &one.name()).await;
    let after = alice.send_text(&room_id, "t2", "after carol").await;

    let back = two
        .server
        .services
        .federation_send(
            &one.name(),
            get_backfill::v1::Request::new(room(&room_id), vec![event(&after)], UInt::from(10u8)),
        )
        .await
        .unwrap();
    let events = parse(&back.pdus);
    let by_body = texts(&events);
    assert!(by_body.contains(&"after carol".to_string()), "{events:?}");
    assert!(!by_body.contains(&"before carol".to_string()), "{events:?}");
    let redacted = events
        .iter()
        .find(|e| e["type"] == "m.room.message" && e["content"].get("body").is_none())
        .unwrap_or_else(|| panic!("the earlier message, redacted: {events:?}"));
    assert_eq!(redacted["content"], json!({}));
    let carol_join = events
        .iter()
        .find(|e| e["type"] == "m.room.member" && e["state_key"] == carol.user_id.as_str())
        .unwrap();
    assert_eq!(carol_join["content"]["membership"], "join");
    let single = two
        .server
        .services
        .federation_send(&one.name(), get_event::v1::Request::new(event(&secret)))
        .await
        .unwrap();
    let single: Value = serde_json::from_str(single.pdu.get()).unwrap();
    assert_eq!(single["content"], json!({}), "{single}");

    for node in [one, two] {
        node.server.stop().await;
        node.home.cleanup().await;
    }
}
both_engines!(history_a_server_may_not_see_is_redacted);

/// A server that was down missed events; the next PDU it receives builds on them, so it asks
/// the sender for what lies between (get_missing_events) and stores those first, in order.
async fn a_gap_is_filled_from_the_sender(engine: Engine) {
    let pki = pki();
    let (one, two) = tokio::join!(Node::start(engine, &pki), Node::start(engine, &pki));
    let alice = one.server.user("alice").await;
    let carol = two.server.user("carol").await;
    let room_id = alice.create_room(json!({"preset": "public_chat"})).await;
    join_via(&carol, &room_id, &one.name()).await;

    // Carol's server goes down; alice says three things it does not receive (her server
    // fails to reach it and backs off for minutes).
    let Node { home, port, server } = two;
    server.stop().await;
    let g1 = alice.send_text(&room_id, "g1", "gap one").await;
    let g2 = alice.send_text(&room_id, "g2", "gap two").await;
    let g3 = alice.send_text(&room_id, "g3", "gap three").await;
    let server = federating(&home, port, &pki).await;
    let two = Node { home, port, server };
    let carol = User {
        base: two.server.url.clone(),
        ..carol
    };

    // Only the last one reaches it, as a Synapse catching up sends it.
    let last = one
        .server
        .services
        .event_by_id(&g3)
        .await
        .unwrap()
        .unwrap()
        .federation_format();
    let raw = serde_json::value::to_raw_value(&last).unwrap();
    let results = two
        .server
        .services
        .receive_transaction(&one.name(), "catch-up", &[raw], &[])
        .await;
    assert_eq!(results.get(&event(&g3)), Some(&Ok(())), "{results:?}");
    // The events between were fetched and stored first (this transaction held the origin's
    // lock throughout, so nothing else delivered them), in order.
    let page = messages(&carol, &room_id, 10).await;
    let chunk = page["chunk"].as_array().unwrap();
    assert!(
        texts(chunk).starts_with(&["gap three".into(), "gap two".into(), "gap one".into()]),
        "{page}"
    );
    for id in [&g1, &g2] {
        let (status, e) = carol
            .get(&format!("/rooms/{}/event/{}", enc(&room_id), enc(id)))
            .await;
        assert_eq!(status, 200, "{e}");
    }

    for node in [one, two] {
        node.server.stop().await;
        node.home.cleanup().await;
    }
}
both_engines!(a_gap_is_filled_from_the_sender);

/// Events another server built before a change it had not seen: carol's server builds two
/// messages on the room as it was while she was joined (neither sent yet); alice speaks, then
/// bans carol. The first message, delivered before the ban, builds on an older event than the
/// room's latest: authorised against the state it was built on and shown. The second,
/// delivered after the ban, passes against the state it was built on but not against the
/// current state: soft-failed, so accepted in the /send answer but kept out of the timeline,
/// sync and the room's state.
async fn a_pdu_the_current_state_forbids_is_soft_failed(engine: Engine) {
    use matrixd::service::rooms::NewEvent;
    let pki = pki();
    let (one, two) = tokio::join!(Node::start(engine, &pki), Node::start(engine, &pki));
    let alice = one.server.user("alice").await;
    let carol = two.server.user("carol").await;
    let room_id = alice.create_room(json!({"preset": "public_chat"})).await;
    join_via(&carol, &room_id, &one.name()).await;
    let carol_id = format!("@carol:{}", two.name());
    let built = |text: &str| {
        NewEvent::message("m.room.message", json!({"msgtype": "m.text", "body": text}))
    };
    let (fork_id, fork) = two
        .server
        .services
        .build_event(&room_id, &carol_id, built("built before alice spoke"))
        .await
        .unwrap();
    let (late_id, late) = two
        .server
        .services
        .build_event(&room_id, &carol_id, built("built before the ban"))
        .await
        .unwrap();
    let deliver = |txn: &'static str, pdu: ruma::CanonicalJsonObject| {
        let services = one.server.services.clone();
        let origin = two.name();
        async move {
            let raw = serde_json::value::to_raw_value(&pdu).unwrap();
            services
                .receive_transaction(&origin, txn, &[raw], &[])
                .await
        }
    };

    alice.send_text(&room_id, "a1", "alice speaks").await;
    let results = deliver("fork", fork).await;
    assert_eq!(results.get(&fork_id), Some(&Ok(())), "{results:?}");
    let page = messages(&alice, &room_id, 10).await;
    let shown = texts(page["chunk"].as_array().unwrap());
    assert!(
        shown.contains(&"built before alice spoke".to_string()),
        "{page}"
    );

    let since = alice.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = alice
        .post(
            &format!("/rooms/{}/ban", enc(&room_id)),
            json!({"user_id": carol_id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let results = deliver("late", late).await;
    assert_eq!(results.get(&late_id), Some(&Ok(())), "{results:?}");

    let page = messages(&alice, &room_id, 20).await;
    let shown = texts(page["chunk"].as_array().unwrap());
    assert!(
        !shown.contains(&"built before the ban".to_string()),
        "{page}"
    );
    let (status, e) = alice
        .get(&format!(
            "/rooms/{}/event/{}",
            enc(&room_id),
            enc(late_id.as_str())
        ))
        .await;
    assert_eq!(status, 404, "a soft-failed event is not served: {e}");
    let synced = alice.sync(Some(&since), 0).await;
    let timeline = &synced["rooms"]["join"][&room_id]["timeline"]["events"];
    assert!(
        !timeline.to_string().contains("built before the ban"),
        "{synced}"
    );
    assert!(timeline.to_string().contains("\"ban\""), "{synced}");
    // Carol is still banned: the soft-failed event changed nothing.
    let member = state_id(&alice, &room_id, "m.room.member", &carol_id).await;
    assert_ne!(member, late_id.to_string());
    let (status, m) = alice
        .get(&format!(
            "/rooms/{}/state/m.room.member/{}",
            enc(&room_id),
            enc(&carol_id)
        ))
        .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["membership"], "ban");

    for node in [one, two] {
        node.server.stop().await;
        node.home.cleanup().await;
    }
}
both_engines!(a_pdu_the_current_state_forbids_is_soft_failed);

/// A fork in the room's state: carol's server builds a rename on the room as it was; alice
/// renames the room meanwhile; carol's rename arrives after alice's. It is stored (it was
/// allowed where it was built) and the room's name is what state resolution picks between
/// the two forks: alice's, the later of two renames authorised by the same power levels —
/// not the one that arrived last.
async fn a_fork_in_the_room_state_is_resolved(engine: Engine) {
    use matrixd::service::rooms::NewEvent;
    let pki = pki();
    let (one, two) = tokio::join!(Node::start(engine, &pki), Node::start(engine, &pki));
    let alice = one.server.user("alice").await;
    let carol = two.server.user("carol").await;
    let room_id = alice.create_room(json!({"preset": "public_chat"})).await;
    join_via(&carol, &room_id, &one.name()).await;
    let carol_id = format!("@carol:{}", two.name());
    let (status, body) = alice
        .put(
            &format!("/rooms/{}/state/m.room.power_levels/", enc(&room_id)),
            json!({"users": {carol_id.clone(): 100}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let levels = format!("/rooms/{}/state/m.room.power_levels/", enc(&room_id));
    let start = std::time::Instant::now();
    while carol.get(&levels).await.1["users"][&carol_id] != 100 {
        assert!(
            start.elapsed().as_secs() < 30,
            "carol's power never reached two"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let (carols_id, carols) = two
        .server
        .services
        .build_event(
            &room_id,
            &carol_id,
            NewEvent::state("m.room.name", "", json!({"name": "carol's name"})),
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (status, body) = alice
        .put(
            &format!("/rooms/{}/state/m.room.name/", enc(&room_id)),
            json!({"name": "alice's name"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let raw = serde_json::value::to_raw_value(&carols).unwrap();
    let results = one
        .server
        .services
        .receive_transaction(&two.name(), "fork", &[raw], &[])
        .await;
    assert_eq!(results.get(&carols_id), Some(&Ok(())), "{results:?}");

    let (status, e) = alice
        .get(&format!(
            "/rooms/{}/event/{}",
            enc(&room_id),
            enc(carols_id.as_str())
        ))
        .await;
    assert_eq!(status, 200, "carol's rename is stored: {e}");
    let (status, name) = alice
        .get(&format!("/rooms/{}/state/m.room.name/", enc(&room_id)))
        .await;
    assert_eq!(status, 200, "{name}");
    assert_eq!(name["name"], "alice's name");
    // A restart in between: the forks are on record, so alice's next event still builds on
    // both, and the name stays resolved.
    let Node { home, port, server } = one;
    server.stop().await;
    let server = TestServer::start_from(home.config_path())
        .await
        .expect("one starts again");
    let alice = User {
        base: server.url.clone(),
        ..alice
    };
    let one = Node { home, port, server };
    let merge = alice.send_text(&room_id, "m1", "after the merge").await;
    let (status, merge) = alice
        .get(&format!("/rooms/{}/event/{}", enc(&room_id), enc(&merge)))
        .await;
    assert_eq!(status, 200, "{merge}");
    let stored = one
        .server
        .services
        .event_by_id(merge["event_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let prev: Vec<String> = stored
        .prev_event_ids()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        prev.len() == 2 && prev.contains(&carols_id.to_string()),
        "the merge builds on both forks: {prev:?}"
    );
    let (_, name) = alice
        .get(&format!("/rooms/{}/state/m.room.name/", enc(&room_id)))
        .await;
    assert_eq!(name["name"], "alice's name");

    for node in [one, two] {
        node.server.stop().await;
        node.home.cleanup().await;
    }
}
both_engines!(a_fork_in_the_room_state_is_resolved);
