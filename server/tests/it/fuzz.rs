//! Issue 11, point 2: no request body, path or query may panic a handler or get a 5xx. A
//! property test sends generated requests to every route the router registers (read from
//! its source and from the router's list of ruma endpoints, so a new route is fuzzed without
//! editing this file), with every method, over
//! real HTTP: JSON of any shape with the field names Matrix bodies use, strings that are
//! almost ids, bodies that are not JSON, odd path segments and query parameters. Each answer
//! must be a 4xx with a Matrix error body or a success; a failing case is shrunk by proptest.
//! A panic anywhere in the server fails the test too, even one caught before it became a 500.
//! Bounded: `MATRIXD_FUZZ_CASES` cases per route (default 40) and 150 s in all.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use crate::support::{Engine, Home, Options, TestServer, User, enc};

/// Field names Matrix request bodies use, so generated objects reach past the first check.
const KEYS: &[&str] = &[
    "type",
    "user",
    "identifier",
    "password",
    "content",
    "messages",
    "room_id",
    "state_key",
    "limit",
    "filter",
    "since",
    "timeout",
    "body",
    "msgtype",
    "device_keys",
    "one_time_keys",
    "fallback_keys",
    "auth",
    "session",
    "initial_state",
    "invite",
    "preset",
    "visibility",
    "room_version",
    "creation_content",
    "power_level_content_override",
    "name",
    "topic",
    "room_alias_name",
    "is_direct",
    "user_id",
    "reason",
    "displayname",
    "avatar_url",
    "presence",
    "status_msg",
    "typing",
    "m.fully_read",
    "m.read",
    "m.read.private",
    "rooms",
    "sessions",
    "algorithm",
    "auth_data",
    "version",
    "etag",
    "count",
    "actions",
    "conditions",
    "pattern",
    "enabled",
    "kind",
    "key",
    "threepid",
    "client_secret",
    "sid",
    "email",
    "token",
    "new_password",
    "logout_devices",
    "device_id",
    "initial_device_display_name",
    "keys",
    "signatures",
    "master_key",
    "self_signing_key",
    "user_signing_key",
    "usage",
    "event_id",
    "rel_type",
    "m.relates_to",
    "m.mentions",
    "user_ids",
    "generic_search_term",
    "search_term",
    "server",
    "include_all_networks",
    "third_party_instance_id",
    "admin",
    "deactivated",
    "erase",
    "uses_allowed",
    "expiry_time",
    "length",
    "block",
    "purge",
    "new_room_user_id",
    "nonce",
    "mac",
    "username",
    "send_attempt",
    "next_link",
    "id_server",
    "address",
    "medium",
    "first_message_index",
    "forwarded_count",
    "is_verified",
    "session_data",
    "one_time_key",
    "inhibit_login",
    "refresh_token",
    "avatar",
    "devices",
    "events",
    "not_senders",
    "lazy_load_members",
    "room",
    "timeline",
    "state",
    "ephemeral",
    "account_data",
    "event_fields",
    "event_format",
    "contains_url",
    "unread_thread_notifications",
];

/// Strings that are almost what a field wants.
const STRINGS: &[&str] = &[
    "",
    " ",
    "m.login.password",
    "m.login.dummy",
    "m.login.token",
    "m.id.user",
    "m.id.thirdparty",
    "m.room.message",
    "m.room.member",
    "m.room.create",
    "m.room.power_levels",
    "m.text",
    "join",
    "invite",
    "leave",
    "ban",
    "knock",
    "public_chat",
    "private_chat",
    "trusted_private_chat",
    "public",
    "private",
    "12",
    "1",
    "99",
    "-1",
    "0",
    "1e400",
    "NaN",
    "true",
    "null",
    "@fuzz:test.example",
    "@victim:test.example",
    "@:test.example",
    "@x",
    "!room:test.example",
    "!",
    "$event",
    "$",
    "#alias:test.example",
    "#",
    "test.example",
    "test.example:99999",
    "mxc://test.example/abc",
    "mxc://",
    "signed_curve25519",
    "curve25519",
    "ed25519:DEVICE",
    "signed_curve25519:AAAAAA",
    "m.megolm_backup.v1.curve25519-aes-sha2",
    "highlight",
    "notify",
    "dont_notify",
    "override",
    "underride",
    "sender",
    "content",
    "global",
    "b",
    "f",
    "s0_0",
    "t1_2",
    "\u{0}",
    "\u{202e}",
    "é",
    "😀",
    "%",
    "%2F",
    "../..",
    "a\nb",
];

fn string() -> BoxedStrategy<String> {
    prop_oneof![
        4 => proptest::sample::select(STRINGS).prop_map(String::from),
        2 => any::<String>(),
        1 => (1usize..600).prop_map(|n| "€".repeat(n)),
        1 => "[a-z]{1,8}:[a-z.]{1,12}".prop_map(|s| format!("@{s}")),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        6 => proptest::sample::select(KEYS).prop_map(String::from),
        1 => string(),
    ]
    .boxed()
}

fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![Just(0u64), Just(u64::MAX), Just(1u64 << 53)].prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        string().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..8)
                .prop_map(|m: BTreeMap<String, Value>| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A request body: mostly a JSON object, sometimes other JSON, sometimes not JSON at all.
fn body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => prop::collection::btree_map(key(), json_value(), 0..10).prop_map(|m| {
            serde_json::to_vec(&Value::Object(m.into_iter().collect())).unwrap()
        }),
        2 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => Just(Vec::new()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(b"{\"type\": \"m.login.password\", ".to_vec()),
    ]
    .boxed()
}

const QUERY_KEYS: &[&str] = &[
    "limit",
    "from",
    "to",
    "dir",
    "filter",
    "since",
    "timeout",
    "full_state",
    "at",
    "membership",
    "not_membership",
    "only",
    "kind",
    "width",
    "height",
    "method",
    "url",
    "ts",
    "allow_redirect",
    "allow_remote",
    "timeout_ms",
    "version",
    "user_id",
    "name",
    "order_by",
    "search_term",
    "guests",
    "deactivated",
    "valid",
    "filename",
    "token",
    "username",
    "server",
    "via",
    "server_name",
    "set_presence",
    "recurse",
    "dir",
    "animated",
];

fn query() -> BoxedStrategy<Vec<(String, String)>> {
    prop::collection::vec(
        (
            proptest::sample::select(QUERY_KEYS).prop_map(String::from),
            prop_oneof![
                3 => string(),
                2 => any::<i64>().prop_map(|n| n.to_string()),
                1 => Just("{\"room\":{\"timeline\":{\"limit\":-1}}}".to_string()),
                1 => Just("99999999999999999999999".to_string()),
            ],
        ),
        0..4,
    )
    .boxed()
}

/// Every route path the router registers: the literals in router.rs and the paths of the ruma
/// endpoints, from ruma's metadata.
fn routes() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name != "router.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for literal in text.split('"').skip(1).step_by(2) {
            if !literal.starts_with('/') || literal.contains("{path}") || literal.contains(' ') {
                continue;
            }
            let full = if ["/_matrix", "/_synapse", "/.well-known", "/health"]
                .iter()
                .any(|p| literal.starts_with(p))
            {
                literal.to_string()
            } else {
                format!("/_matrix/client/v3{literal}")
            };
            paths.push(full);
        }
    }
    paths.extend(
        matrixd::api::router::ruma_route_paths()
            .into_iter()
            .map(String::from),
    );
    paths.sort();
    paths.dedup();
    paths
}

/// Values for a path parameter: real ones of the test server and odd ones.
fn segment(name: &str, real: &Real, admin: bool) -> BoxedStrategy<String> {
    let own: Vec<String> = match name {
        "room_id" | "room" | "room_id_or_alias" => {
            vec![real.room.clone(), "#fuzzroom:test.example".into()]
        }
        "event_id" => vec![real.event.clone()],
        // The admin's routes never name the fuzzing user: a deactivation would end the run.
        "user_id" if admin => vec!["@victim:test.example".into()],
        "user_id" => vec![real.user.clone()],
        "device_id" => vec![real.device.clone()],
        "server_name" => vec!["test.example".into()],
        "media_id" => vec![real.media.clone()],
        "kind" => vec!["override".into(), "m.direct".into()],
        "rule_id" => vec![".m.rule.master".into(), "mine".into()],
        "field" => vec!["displayname".into(), "avatar_url".into()],
        "receipt_type" => vec!["m.read".into(), "m.fully_read".into()],
        "event_type" => vec!["m.room.message".into(), "m.room.topic".into()],
        _ => vec!["x".into()],
    };
    let own = proptest::sample::select(own);
    let odd = if admin {
        string()
            .prop_filter("not the fuzzing user", |s| !s.contains("fuzz"))
            .boxed()
    } else {
        string()
    };
    prop_oneof![2 => own, 3 => odd].boxed()
}

struct Real {
    user: String,
    device: String,
    room: String,
    event: String,
    media: String,
}

#[derive(Debug, Clone)]
struct Case {
    method: reqwest::Method,
    path: String,
    query: Vec<(String, String)>,
    body: Vec<u8>,
}

fn case(route: &str, real: &Real) -> BoxedStrategy<Case> {
    let admin = route.starts_with("/_synapse/admin");
    let names: Vec<String> = route
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(String::from)
        .collect();
    let segments: Vec<BoxedStrategy<String>> =
        names.iter().map(|n| segment(n, real, admin)).collect();
    let route = route.to_string();
    (
        proptest::sample::select(vec![
            reqwest::Method::GET,
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
        ]),
        segments,
        query(),
        body(),
    )
        .prop_map(move |(method, values, query, body)| {
            let mut path = String::new();
            let mut values = values.into_iter();
            for part in route.split('/').skip(1) {
                path.push('/');
                if part.starts_with('{') {
                    path.push_str(&enc(&values.next().unwrap()));
                } else {
                    path.push_str(part);
                }
            }
            Case {
                method,
                path,
                query,
                body,
            }
        })
        .boxed()
}

async fn send(u: &User, c: &Case) -> Result<(u16, Value), String> {
    let mut url =
        reqwest::Url::parse(&format!("{}{}", u.base, c.path)).map_err(|e| e.to_string())?;
    if !c.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&c.query);
    }
    let res = u
        .http
        .request(c.method.clone(), url)
        .bearer_auth(&u.token)
        .header("content-type", "application/json")
        .body(c.body.clone())
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = res.status().as_u16();
    let bytes = res
        .bytes()
        .await
        .map_err(|e| format!("body cut off: {e}"))?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

#[test]
fn generated_requests_never_panic_or_5xx() {
    let cases: u32 = std::env::var("MATRIXD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    // Count every panic outside the tests themselves: a caught one is still a bug.
    static PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .location()
            .is_some_and(|l| !l.file().contains("tests/it/"))
        {
            PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        previous(info);
    }));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (home, s, fuzz, admin, real) = rt.block_on(async {
        let home = Home::new(Engine::Sqlite).await;
        // The fuzzed server talks to no other server: what it would ask another server (a
        // remote profile, alias) fails at once with 502, as in Synapse, instead of resolving
        // generated names.
        let options = Options {
            extra: "federation_domain_whitelist: []\n".into(),
            ..Options::default()
        };
        let s = TestServer::start(&home, &options).await;
        let fuzz = s.user("fuzz").await;
        let (status, v) = s
            .register("s3cr3t-for-tests", "fuzzadmin", "password", true)
            .await;
        assert_eq!(status, 200, "{v}");
        let admin = User {
            user_id: v["user_id"].as_str().unwrap().into(),
            token: v["access_token"].as_str().unwrap().into(),
            base: s.url.clone(),
            http: s.http.clone(),
        };
        s.user("victim").await;
        let room = fuzz
            .create_room(json!({"room_alias_name": "fuzzroom", "preset": "public_chat"}))
            .await;
        let event = fuzz.send_text(&room, "t0", "hello").await;
        let device = fuzz.get("/account/whoami").await.1["device_id"]
            .as_str()
            .unwrap()
            .to_string();
        let media = fuzz
            .http
            .post(format!("{}/_matrix/media/v3/upload", s.url))
            .bearer_auth(&fuzz.token)
            .header("content-type", "text/plain")
            .body("media")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["content_uri"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let real = Real {
            user: fuzz.user_id.clone(),
            device,
            room,
            event,
            media,
        };
        (home, s, fuzz, admin, real)
    });

    let routes = routes();
    assert!(
        routes.len() > 100,
        "the router's routes were found: {routes:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(150);
    let sent = std::cell::Cell::new(0u32);
    for route in &routes {
        // Logging out ends the fuzzing user's session; the logout tests cover these.
        if route.ends_with("/logout") || route.ends_with("/logout/all") {
            continue;
        }
        if Instant::now() > deadline {
            eprintln!(
                "fuzz: time is up after {} requests; later routes not fuzzed this run",
                sent.get()
            );
            break;
        }
        let user = if route.starts_with("/_synapse/admin") {
            &admin
        } else {
            &fuzz
        };
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 200,
            ..Config::default()
        });
        let result = runner.run(&case(route, &real), |c| {
            sent.set(sent.get() + 1);
            let (status, v) = rt
                .block_on(send(user, &c))
                .map_err(|e| TestCaseError::fail(format!("{c:?}: {e}")))?;
            // 502 is the one 5xx allowed: another server could not be asked (see above).
            prop_assert!(
                status < 500 || status == 502,
                "{c:?} answered {status}: {v}"
            );
            // (A 401 of user-interactive auth lists the flows instead.)
            if status >= 400 && !(status == 401 && v["flows"].is_array()) {
                prop_assert!(
                    v["errcode"].is_string(),
                    "{c:?} answered {status} without a Matrix error: {v}"
                );
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{route}: {e}");
        }
        // Whatever the requests did, the fuzzing user is still logged in.
        let (status, _) = rt.block_on(fuzz.get("/account/whoami"));
        assert_eq!(status, 200, "after {route}");
    }
    eprintln!("fuzz: {} requests over {} routes", sent.get(), routes.len());
    assert_eq!(
        PANICS.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the server panicked (see the messages above)"
    );
    rt.block_on(async {
        assert_eq!(s.get("/_matrix/client/versions").await.0, 200);
        s.stop().await;
        home.cleanup().await;
    });
}
