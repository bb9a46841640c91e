//! /_matrix/key/v2/server: the published key matches the key file and the self-signature
//! verifies (here with ruma; the e2e suite also checks it with Python's signedjson).

use std::collections::BTreeMap;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};

async fn key_document_is_signed(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let key_file = std::fs::read_to_string(home.path().join("signing.key")).unwrap();
    let key = &matrixd::keys::parse_signing_keys(&key_file).unwrap()[0];

    for path in [
        "/_matrix/key/v2/server",
        &format!("/_matrix/key/v2/server/{}", key.key_id()),
    ] {
        let (status, body) = s.get(path).await;
        assert_eq!(status, 200);
        // Sent in canonical form (sorted keys, no spaces): the bytes the signature covers.
        let text = s
            .http
            .get(s.u(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let canonical: ruma::CanonicalJsonObject = serde_json::from_str(&text).unwrap();
        assert_eq!(text, serde_json::to_string(&canonical).unwrap());
        assert_eq!(body["server_name"], "test.example");
        assert_eq!(
            body["verify_keys"][key.key_id()]["key"],
            key.public_key_base64()
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        assert!(body["valid_until_ts"].as_i64().unwrap() > now);
        assert_eq!(body["old_verify_keys"], serde_json::json!({}));

        let obj: ruma::CanonicalJsonObject = serde_json::from_value(body.clone()).unwrap();
        let mut keys = BTreeMap::new();
        keys.insert(
            key.key_id(),
            ruma::serde::Base64::parse(key.public_key_base64()).unwrap(),
        );
        let mut map = BTreeMap::new();
        map.insert("test.example".to_string(), keys);
        ruma::signatures::verify_json(&map, &obj).expect("self-signature verifies");

        // Any change to a signed field breaks the signature.
        let mut tampered = body.clone();
        tampered["valid_until_ts"] =
            serde_json::json!(body["valid_until_ts"].as_i64().unwrap() + 1);
        let obj: ruma::CanonicalJsonObject = serde_json::from_value(tampered).unwrap();
        assert!(ruma::signatures::verify_json(&map, &obj).is_err());
    }
    s.stop().await;
    home.cleanup().await;
}
both_engines!(key_document_is_signed);
