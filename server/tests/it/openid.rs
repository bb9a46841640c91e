//! OpenID tokens for widgets: /user/{id}/openid/request_token, and the federation
//! /openid/userinfo exchange (on the federation and on the openid resource), over real HTTP on
//! both engines.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

async fn request_token_and_userinfo(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;

    let path = format!("/user/{}/openid/request_token", enc(&alice.user_id));
    let (status, v) = alice.post(&path, json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["matrix_server_name"], "test.example");
    assert_eq!(v["expires_in"], 3600);
    let token = v["access_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 24);
    // r0 too.
    let (status, _) = alice
        .post(&format!("/_matrix/client/r0{path}"), json!({}))
        .await;
    assert_eq!(status, 200);

    let (status, v) = bob.post(&path, json!({})).await;
    assert_eq!((status, v["errcode"].as_str()), (403, Some("M_FORBIDDEN")));
    let (status, _) = s
        .post(&format!("/_matrix/client/v3{path}"), &json!({}))
        .await;
    assert_eq!(status, 401);

    let (status, v) = s
        .get(&format!(
            "/_matrix/federation/v1/openid/userinfo?access_token={token}"
        ))
        .await;
    assert_eq!((status, v), (200, json!({"sub": alice.user_id})));
    let (status, v) = s
        .get("/_matrix/federation/v1/openid/userinfo?access_token=bogus")
        .await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (401, Some("M_UNKNOWN_TOKEN"))
    );
    let (status, v) = s.get("/_matrix/federation/v1/openid/userinfo").await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (401, Some("M_MISSING_TOKEN"))
    );
    // The client access token is not an OpenID token.
    let (status, _) = s
        .get(&format!(
            "/_matrix/federation/v1/openid/userinfo?access_token={}",
            alice.token
        ))
        .await;
    assert_eq!(status, 401);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(request_token_and_userinfo);

async fn userinfo_on_an_openid_listener(engine: Engine) {
    let home = Home::new(engine).await;
    // Only the openid resource on a second listener: userinfo answers there, the client API not.
    let extra = "listeners:\n  - port: 0\n    bind_addresses: ['127.0.0.1']\n    type: http\n    resources:\n      - names: [client]\n  - port: 0\n    bind_addresses: ['127.0.0.1']\n    type: http\n    resources:\n      - names: [openid]\n";
    let path = home.write_config(&Options::default());
    let yaml = std::fs::read_to_string(&path).unwrap();
    let start = yaml.find("listeners:").unwrap();
    let end = yaml.find("signing_key_path").unwrap();
    std::fs::write(&path, format!("{}{extra}{}", &yaml[..start], &yaml[end..])).unwrap();
    let config = matrixd::config::load(&[path]).unwrap();
    let server = matrixd::Server::start(config).await.unwrap();
    let addrs = server.local_addrs();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async move {
        let _ = rx.await;
    }));
    let http = reqwest::Client::new();
    let client = format!("http://{}", addrs[0]);
    let openid = format!("http://{}", addrs[1]);

    let (_, n) = (
        0,
        http.get(format!("{client}/_synapse/admin/v1/register"))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap(),
    );
    let nonce = n["nonce"].as_str().unwrap();
    let mac = matrixd::api::admin::register::registration_mac(
        "s3cr3t-for-tests",
        nonce,
        "alice",
        "password",
        false,
        None,
    );
    let reg: serde_json::Value = http
        .post(format!("{client}/_synapse/admin/v1/register"))
        .json(&json!({"nonce": nonce, "username": "alice", "password": "password", "mac": mac}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res: serde_json::Value = http
        .post(format!(
            "{client}/_matrix/client/v3/user/{}/openid/request_token",
            enc("@alice:test.example")
        ))
        .bearer_auth(reg["access_token"].as_str().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = res["access_token"].as_str().unwrap();
    let r = http
        .get(format!(
            "{openid}/_matrix/federation/v1/openid/userinfo?access_token={token}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({"sub": "@alice:test.example"})
    );
    assert_eq!(
        http.get(format!("{openid}/_matrix/client/versions"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        http.get(format!(
            "{client}/_matrix/federation/v1/openid/userinfo?access_token={token}"
        ))
        .send()
        .await
        .unwrap()
        .status(),
        404
    );

    let _ = tx.send(());
    task.await.unwrap().unwrap();
    home.cleanup().await;
}
both_engines!(userinfo_on_an_openid_listener);
