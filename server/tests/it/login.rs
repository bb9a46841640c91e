//! Password login and access tokens.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};

async fn login_and_whoami(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    assert_eq!(
        s.register("s3cr3t-for-tests", "alice", "correct horse", false)
            .await
            .0,
        200
    );

    let (status, body) = s.get("/_matrix/client/v3/login").await;
    assert_eq!(status, 200);
    assert_eq!(body["flows"], json!([{"type": "m.login.password"}]));

    // By localpart, by full user id, with different case, and on the r0 path.
    for user in ["alice", "@alice:test.example", "Alice"] {
        let (status, body) = s.login(user, "correct horse").await;
        assert_eq!(status, 200, "{user}: {body}");
        assert_eq!(body["user_id"], "@alice:test.example");
        assert_eq!(body["home_server"], "test.example");
        let token = body["access_token"].as_str().unwrap();
        let (status, who) = s.get_auth("/_matrix/client/r0/account/whoami", token).await;
        assert_eq!(status, 200);
        assert_eq!(who["user_id"], "@alice:test.example");
        assert_eq!(who["device_id"], body["device_id"]);
    }

    // The deprecated top-level `user` and a chosen device id.
    let (status, body) = s
        .post("/_matrix/client/v3/login", &json!({"type": "m.login.password", "user": "alice", "password": "correct horse", "device_id": "MYPHONE"}))
        .await;
    assert_eq!(
        (status, body["device_id"].as_str()),
        (200, Some("MYPHONE")),
        "{body}"
    );
    // The token also works as a query parameter.
    let token = body["access_token"].as_str().unwrap();
    let (status, who) = s
        .get(&format!(
            "/_matrix/client/v3/account/whoami?access_token={token}"
        ))
        .await;
    assert_eq!((status, who["device_id"].as_str()), (200, Some("MYPHONE")));

    // Wrong password, unknown user, another server's user: all 403 M_FORBIDDEN.
    for (user, pw) in [
        ("alice", "wrong"),
        ("nobody", "x"),
        ("@alice:elsewhere.example", "correct horse"),
    ] {
        let (status, body) = s.login(user, pw).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_FORBIDDEN")),
            "{user}"
        );
    }

    // Unknown login type.
    let (status, body) = s
        .post(
            "/_matrix/client/v3/login",
            &json!({"type": "m.login.magic"}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_UNKNOWN")),
        "{body}"
    );

    // whoami without, and with a bad, token.
    let (status, body) = s.get("/_matrix/client/v3/account/whoami").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_MISSING_TOKEN"))
    );
    let (status, body) = s
        .get_auth("/_matrix/client/v3/account/whoami", "mdt_not_a_token")
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_UNKNOWN_TOKEN"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(login_and_whoami);
