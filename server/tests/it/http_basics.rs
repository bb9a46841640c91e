//! Routing, CORS, error bodies and body limits, over real HTTP.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};

async fn versions_cors_and_errors(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;

    let r = s.http.get(s.u("/_matrix/client/versions")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let body: serde_json::Value = r.json().await.unwrap();
    let versions: Vec<&str> = body["versions"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(versions.contains(&"v1.1") && versions.contains(&"r0.6.1"), "{versions:?}");

    // Unknown paths: 404 M_UNRECOGNIZED, with CORS headers too.
    let r = s.http.get(s.u("/_matrix/client/v3/no/such/endpoint")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["errcode"], "M_UNRECOGNIZED");

    // A known path with the wrong method: 405 M_UNRECOGNIZED.
    let r = s.http.delete(s.u("/_matrix/client/versions")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["errcode"], "M_UNRECOGNIZED");

    // Preflight on any path.
    let r = s
        .http
        .request(reqwest::Method::OPTIONS, s.u("/_matrix/client/v3/login"))
        .header("Origin", "https://app.element.io")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().contains("Authorization"));
    assert!(r.headers()["access-control-allow-methods"].to_str().unwrap().contains("PUT"));

    // Federation version.
    let (status, body) = s.get("/_matrix/federation/v1/version").await;
    assert_eq!(status, 200);
    assert_eq!(body["server"]["name"], "matrixd");

    // Health.
    let r = s.http.get(s.u("/health")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "OK");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(versions_cors_and_errors);

async fn json_errors_and_body_limit(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;

    let r = s.http.post(s.u("/_matrix/client/v3/login")).body("{not json").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["errcode"], "M_NOT_JSON");

    let (status, body) = s.post("/_matrix/client/v3/login", &json!({"type": 5})).await;
    assert_eq!((status, body["errcode"].as_str()), (400, Some("M_BAD_JSON")), "{body}");

    let r = s.http.post(s.u("/_synapse/admin/v1/register")).body("[1,2]").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["errcode"], "M_NOT_JSON");

    // Over the 1 MiB JSON limit: refused with 413 M_TOO_LARGE.
    let big = format!("{{\"type\":\"m.login.password\",\"password\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = s.http.post(s.u("/_matrix/client/v3/login")).body(big).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["errcode"], "M_TOO_LARGE");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(json_errors_and_body_limit);

async fn client_well_known(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let (status, body) = s.get("/.well-known/matrix/client").await;
    assert_eq!((status, body["errcode"].as_str()), (404, Some("M_NOT_FOUND")));
    s.stop().await;

    let o = Options { public_baseurl: Some("https://matrix.test.example".into()), ..Default::default() };
    let s = TestServer::start(&home, &o).await;
    let r = s.http.get(s.u("/.well-known/matrix/client")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["m.homeserver"]["base_url"], "https://matrix.test.example/");
    s.stop().await;
    home.cleanup().await;
}
both_engines!(client_well_known);
