//! Stored keys and the notary endpoints (issue 13): a restarted matrixd verifies with the keys it
//! stored, without asking their server; the key ring answers key queries from its database and
//! fetches what it lacks (once a minute at most); and a matrixd notarises another matrixd
//! reached over loopback TLS: each document carries the origin's signature and ours, both
//! checked with ruma and, when the interop venv is there, with signedjson.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use matrixd::keys::SigningKey;
use matrixd::service::federation::{KeyError, KeyRing, Wanted, auth, keys};
use ruma::serde::Base64;
use ruma::{CanonicalJsonObject, ServerName};
use serde_json::{Value, json};

use crate::both_engines;
use crate::federation_keys::{
    Clock, DAY, HOUR, World, ca_and_cert, database, key_doc, now_ms, world,
};
use crate::support::{Engine, Home, Options, TestServer};

pub(crate) use testkit::free_port;

/// Config lines for a matrixd that trusts the CA in `ca` for federation, may reach loopback,
/// and has no notary of its own.
pub(crate) fn trusting(ca: &Path) -> String {
    format!(
        "federation_custom_ca_list: [\"{}\"]\nip_range_whitelist: ['127.0.0.0/8']\ntrusted_key_servers: []\n",
        ca.display()
    )
}

/// Starts matrixd on `home` as server `127.0.0.1:<port>`: plain HTTP for the test on an
/// ephemeral port (`url`), and federation over TLS on `port` with the certificate and key in
/// `cert` and `key`.
async fn start_federating(home: &Home, port: u16, cert: &Path, key: &Path) -> TestServer {
    start_federating_with(home, port, cert, key, "").await
}

/// `start_federating` with `extra` config lines.
pub(crate) async fn start_federating_with(
    home: &Home,
    port: u16,
    cert: &Path,
    key: &Path,
    extra: &str,
) -> TestServer {
    let path = home.write_config(&Options {
        server_name: format!("127.0.0.1:{port}"),
        extra: format!(
            "tls_certificate_path: \"{}\"\ntls_private_key_path: \"{}\"\ntrusted_key_servers: []\n{extra}",
            cert.display(),
            key.display()
        ),
        ..Default::default()
    });
    let yaml = std::fs::read_to_string(&path).unwrap();
    let (start, end) = (
        yaml.find("listeners:").unwrap(),
        yaml.find("signing_key_path").unwrap(),
    );
    let listeners = format!(
        "listeners:\n  - port: 0\n    bind_addresses: ['127.0.0.1']\n    type: http\n    resources:\n      - names: [client, federation]\n  - port: {port}\n    bind_addresses: ['127.0.0.1']\n    type: http\n    tls: true\n    resources:\n      - names: [federation]\n"
    );
    std::fs::write(
        &path,
        format!("{}{listeners}{}", &yaml[..start], &yaml[end..]),
    )
    .unwrap();
    TestServer::start_from(path).await.expect("server starts")
}

/// A restarted matrixd verifies a request with the key it stored before the restart, although
/// the key's server no longer answers; what it never stored still needs that server.
async fn a_restarted_server_uses_the_keys_it_stored(engine: Engine) {
    let w = world().await;
    let home = Home::new(engine).await;
    let ca = home.path().join("ca.pem");
    std::fs::write(&ca, &w.ca_pem).unwrap();
    let o = Options {
        extra: trusting(&ca),
        ..Default::default()
    };
    let now = now_ms();
    let origin = w.origin.name.to_string();
    w.set_origin_doc(Some(key_doc(&origin, &w.origin_key, now + DAY, json!({}))));
    let get = http::Method::GET;
    let uri = "/_matrix/federation/v1/version";
    let us = ServerName::parse("test.example").unwrap();
    let header =
        auth::authorization_header(&w.origin_key, &w.origin.name, &us, &get, uri, b"").unwrap();
    let header = header.to_str().unwrap();

    let s = TestServer::start(&home, &o).await;
    let a = s
        .services
        .authenticate_federation_request(Some(header), &get, uri, b"")
        .await
        .unwrap();
    assert_eq!(a.origin, w.origin.name);
    assert_eq!(w.origin_hits(), 1);
    s.stop().await;

    // The origin goes down; the restarted server (nothing in memory) still verifies.
    w.set_origin_doc(None);
    let s = TestServer::start(&home, &o).await;
    let a = s
        .services
        .authenticate_federation_request(Some(header), &get, uri, b"")
        .await
        .unwrap();
    assert_eq!(a.origin, w.origin.name);
    assert_eq!(w.origin_hits(), 1);
    let e = s
        .services
        .server_key(&w.origin.name, "ed25519:never_seen", now)
        .await
        .unwrap_err();
    assert!(matches!(e, KeyError::NotFound { .. }), "{e}");
    assert_eq!(w.origin_hits(), 2);
    s.stop().await;
    home.cleanup().await;
}
both_engines!(a_restarted_server_uses_the_keys_it_stored);

/// What `ring` answers a key query about `server` with, as JSON.
async fn documents(w: &World, ring: &KeyRing, server: &ServerName, wanted: Wanted) -> Vec<Value> {
    ring.documents_for(&w.client, &w.ours, server, &wanted)
        .await
        .into_iter()
        .map(|d| serde_json::to_value(d).unwrap())
        .collect()
}

/// The key ring's side of a key query: stored documents that are valid long enough are
/// answered as they are; otherwise the server itself is asked (at most once a minute) and what
/// it answered is stored and answered.
async fn the_notary_answers_from_the_database_and_fetches_what_it_lacks(engine: Engine) {
    let home = Home::new(engine).await;
    let db = database(&home).await;
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    let kid = w.origin_key.key_id();
    let first = key_doc(&origin, &w.origin_key, now + HOUR, json!({}));
    w.set_origin_doc(Some(first.clone()));
    let clock = Clock::at(now);
    let ring = clock.ring(KeyRing::new(vec![]).with_store(db.clone()));
    let docs = |ring, server, wanted| documents(&w, ring, server, wanted);
    let keys = |ids: &[(&str, Option<i64>)]| {
        Wanted::Keys(
            ids.iter()
                .map(|(id, until)| (id.to_string(), *until))
                .collect(),
        )
    };
    let name = &w.origin.name;

    // Nothing stored: the origin is asked, and its document answered as it served it.
    assert_eq!(
        docs(&ring, name, Wanted::EveryKey(None)).await,
        vec![first.clone()]
    );
    assert_eq!(w.origin_hits(), 1);
    // Stored and valid long enough: answered without asking.
    assert_eq!(
        docs(&ring, name, Wanted::EveryKey(None)).await,
        vec![first.clone()]
    );
    assert_eq!(
        docs(&ring, name, keys(&[(&kid, None)])).await,
        vec![first.clone()]
    );
    assert_eq!(
        docs(&ring, name, keys(&[(&kid, Some(now + HOUR))])).await,
        vec![first.clone()]
    );
    assert_eq!(
        docs(&ring, name, Wanted::EveryKey(Some(now + HOUR))).await,
        vec![first.clone()]
    );
    assert_eq!(w.origin_hits(), 1);

    // Wanted valid longer than the stored document is: not answered with it. The origin was
    // asked less than a minute ago, so it is not asked again yet.
    let second = key_doc(&origin, &w.origin_key, now + 3 * HOUR, json!({}));
    w.set_origin_doc(Some(second.clone()));
    let longer = keys(&[(&kid, Some(now + 2 * HOUR))]);
    assert!(docs(&ring, name, longer.clone()).await.is_empty());
    assert!(
        docs(&ring, name, Wanted::EveryKey(Some(now + 2 * HOUR)))
            .await
            .is_empty()
    );
    assert_eq!(w.origin_hits(), 1);
    // A minute on, it is asked; its new document replaces the old one.
    clock.advance(keys::REFETCH_INTERVAL_MS);
    assert_eq!(
        docs(&ring, name, longer.clone()).await,
        vec![second.clone()]
    );
    assert_eq!(w.origin_hits(), 2);
    assert_eq!(
        docs(&ring, name, Wanted::EveryKey(None)).await,
        vec![second.clone()]
    );
    assert_eq!(w.origin_hits(), 2);

    // A key id the origin does not publish: asked for once a minute, never answered; asked with
    // one it does publish, that one is answered.
    let unknown = keys(&[("ed25519:unknown", None)]);
    assert!(docs(&ring, name, unknown.clone()).await.is_empty());
    assert_eq!(w.origin_hits(), 2);
    clock.advance(keys::REFETCH_INTERVAL_MS);
    assert!(docs(&ring, name, unknown.clone()).await.is_empty());
    assert_eq!(w.origin_hits(), 3);
    assert!(docs(&ring, name, unknown).await.is_empty());
    assert_eq!(
        docs(
            &ring,
            name,
            keys(&[("ed25519:unknown", None), (&kid, None)])
        )
        .await,
        vec![second.clone()]
    );
    assert_eq!(w.origin_hits(), 3);

    // A stored document altered behind the key ring's back is not served.
    sqlx::query(
        "UPDATE server_keys_json SET key_json = REPLACE(key_json, '\"valid_until_ts\":', '\"valid_until_ts\":9') WHERE server_name = $1",
    )
    .bind(&origin)
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(docs(&ring, name, Wanted::EveryKey(None)).await.is_empty());
    assert_eq!(w.origin_hits(), 3);

    // A server that does not answer yields nothing (and is not asked again within the minute).
    let closed = ServerName::parse(format!("127.0.0.1:{}", free_port())).unwrap();
    assert!(
        docs(&ring, &closed, Wanted::EveryKey(None))
            .await
            .is_empty()
    );
    // Without a database the key ring has nothing to serve, and fetches nothing for it.
    let memory_only = KeyRing::new(vec![]);
    assert!(
        docs(&memory_only, name, Wanted::EveryKey(None))
            .await
            .is_empty()
    );
    assert_eq!(w.origin_hits(), 3);

    db.pool.close().await;
    home.cleanup().await;
}
both_engines!(the_notary_answers_from_the_database_and_fetches_what_it_lacks);

/// The ed25519 keys a key document lists under `verify_keys`.
fn verify_keys(doc: &Value) -> BTreeMap<String, Base64> {
    doc["verify_keys"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, k)| {
            (
                id.clone(),
                Base64::parse(k["key"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// Checks, with ruma, that `doc` carries a valid signature of each of `signers` (name, keys).
fn check_signed(doc: &Value, signers: &[(&str, &BTreeMap<String, Base64>)]) -> Result<(), String> {
    let obj: CanonicalJsonObject =
        serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
    let map = signers
        .iter()
        .map(|(name, keys)| (name.to_string(), (*keys).clone()))
        .collect();
    ruma::signatures::verify_json(&map, &obj).map_err(|e| e.to_string())
}

/// Runs tests/interop/verify_notary_response.py (signedjson) on `response`.
fn signedjson_verifies(
    python: &Path,
    response: &Value,
    origin: &str,
    notary: &str,
    notary_keys: &BTreeMap<String, Base64>,
) -> std::process::Output {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/interop/verify_notary_response.py");
    let (key_id, key) = notary_keys.iter().next().unwrap();
    let mut child = Command::new(python)
        .arg(script)
        .args([origin, notary, key_id.as_str(), &key.encode()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(response.to_string().as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// matrixd as the notary for another matrixd, over loopback TLS: the documents it answers are
/// the origin's, with the origin's signature and its counter-signature, both valid;
/// `minimum_valid_until_ts` is honoured; our own name answers our own document; a server that
/// cannot be reached, or a name that is not a server name, yields nothing, and the answer is
/// still 200; once stored, the origin's keys are answered after it stops.
async fn matrixd_notarises_another_matrixd(engine: Engine) {
    let (ca_pem, cert_pem, key_pem) = ca_and_cert();
    let origin_home = Home::new(engine).await;
    let (cert, key) = (
        origin_home.path().join("cert.pem"),
        origin_home.path().join("key.pem"),
    );
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let port = free_port();
    let origin_name = format!("127.0.0.1:{port}");
    let origin = start_federating(&origin_home, port, &cert, &key).await;

    let notary_home = Home::new(engine).await;
    let ca = notary_home.path().join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let notary_name = "notary.test";
    let notary = TestServer::start(
        &notary_home,
        &Options {
            server_name: notary_name.into(),
            extra: trusting(&ca),
            ..Default::default()
        },
    )
    .await;

    let (_, origin_doc) = origin.get("/_matrix/key/v2/server").await;
    let (_, notary_doc) = notary.get("/_matrix/key/v2/server").await;
    let (origin_keys, notary_keys) = (verify_keys(&origin_doc), verify_keys(&notary_doc));
    let kid = origin_keys.keys().next().unwrap().clone();
    let both = [
        (origin_name.as_str(), &origin_keys),
        (notary_name, &notary_keys),
    ];
    let query = |body: Value| {
        let notary = &notary;
        async move {
            let (status, answer) = notary.post("/_matrix/key/v2/query", &body).await;
            assert_eq!(status, 200, "{body}: {answer}");
            answer
        }
    };

    // Every key of the origin, by POST and by GET.
    let answer = query(json!({"server_keys": {origin_name.clone(): {}}})).await;
    let docs = answer["server_keys"].as_array().unwrap();
    assert_eq!(docs.len(), 1, "{answer}");
    let doc = &docs[0];
    assert_eq!(doc["server_name"], origin_name.as_str());
    assert_eq!(doc["verify_keys"], origin_doc["verify_keys"]);
    let signers: Vec<&String> = doc["signatures"].as_object().unwrap().keys().collect();
    assert_eq!(signers.len(), 2, "{doc}");
    check_signed(doc, &both).unwrap();
    // The checks can fail: a changed field, or a counter-signature checked with another key.
    let mut tampered = doc.clone();
    tampered["valid_until_ts"] = json!(doc["valid_until_ts"].as_i64().unwrap() + 1);
    assert!(check_signed(&tampered, &[(origin_name.as_str(), &origin_keys)]).is_err());
    assert!(check_signed(&tampered, &[(notary_name, &notary_keys)]).is_err());
    let stranger = SigningKey::generate();
    let not_the_notary: BTreeMap<String, Base64> = notary_keys
        .keys()
        .map(|id| (id.clone(), Base64::new(stranger.public_key().to_vec())))
        .collect();
    assert!(check_signed(doc, &[(notary_name, &not_the_notary)]).is_err());

    let (status, by_get) = notary
        .get(&format!("/_matrix/key/v2/query/{origin_name}"))
        .await;
    assert_eq!(status, 200, "{by_get}");
    assert_eq!(by_get["server_keys"].as_array().unwrap().len(), 1);
    check_signed(&by_get["server_keys"][0], &both).unwrap();

    // minimum_valid_until_ts: the origin publishes its key for a day.
    let valid_until = doc["valid_until_ts"].as_i64().unwrap();
    let answer = query(json!({"server_keys": {origin_name.clone(): {kid.clone(): {
        "minimum_valid_until_ts": valid_until}}}}))
    .await;
    assert_eq!(answer["server_keys"].as_array().unwrap().len(), 1);
    check_signed(&answer["server_keys"][0], &both).unwrap();
    let longer = valid_until + 2 * DAY;
    let answer = query(json!({"server_keys": {origin_name.clone(): {kid.clone(): {
        "minimum_valid_until_ts": longer}}}}))
    .await;
    assert_eq!(answer, json!({"server_keys": []}));
    let (status, by_get) = notary
        .get(&format!(
            "/_matrix/key/v2/query/{origin_name}?minimum_valid_until_ts={longer}"
        ))
        .await;
    assert_eq!((status, by_get), (200, json!({"server_keys": []})));

    // One batch: the origin, our own name, a server that cannot be reached, a bad name.
    let closed = format!("127.0.0.1:{}", free_port());
    let answer = query(json!({"server_keys": {
        origin_name.clone(): {kid.clone(): {}},
        notary_name: {},
        closed.clone(): {},
        "not a server name!": {},
    }}))
    .await;
    let docs = answer["server_keys"].as_array().unwrap();
    let about = |name: &str| docs.iter().filter(|d| d["server_name"] == name).count();
    assert_eq!(
        (docs.len(), about(&origin_name), about(notary_name)),
        (2, 1, 1),
        "{answer}"
    );
    for d in docs {
        let signer = d["server_name"].as_str().unwrap();
        let keys = if signer == notary_name {
            &notary_keys
        } else {
            &origin_keys
        };
        check_signed(d, &[(signer, keys), (notary_name, &notary_keys)]).unwrap();
    }
    let answer = query(json!({"server_keys": {closed: {}}})).await;
    assert_eq!(answer, json!({"server_keys": []}));
    // A body that is not a query is refused as a whole.
    let (status, _) = notary
        .post(
            "/_matrix/key/v2/query",
            &json!({"server_keys": {origin_name.clone(): 5}}),
        )
        .await;
    assert_eq!(status, 400);

    // An independent verifier (signedjson) agrees, and refuses a tampered document.
    let answer = query(json!({"server_keys": {origin_name.clone(): {}}})).await;
    if let Some(python) = testkit::interop_python() {
        let out = signedjson_verifies(&python, &answer, &origin_name, notary_name, &notary_keys);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "OK 1 documents"
        );
        let mut tampered = answer.clone();
        tampered["server_keys"][0]["valid_until_ts"] =
            json!(answer["server_keys"][0]["valid_until_ts"].as_i64().unwrap() + 1);
        let out = signedjson_verifies(&python, &tampered, &origin_name, notary_name, &notary_keys);
        assert!(!out.status.success());
    }

    // The origin stops: what the notary stored is still answered.
    origin.stop().await;
    let answer = query(json!({"server_keys": {origin_name.clone(): {}}})).await;
    assert_eq!(answer["server_keys"].as_array().unwrap().len(), 1);
    check_signed(&answer["server_keys"][0], &both).unwrap();

    notary.stop().await;
    origin_home.cleanup().await;
    notary_home.cleanup().await;
}
both_engines!(matrixd_notarises_another_matrixd);
