//! The Synapse admin API for users (list, get, create/modify, deactivate, admin flag, password
//! reset), the server version and /admin/whois, over real HTTP on both engines.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User, enc};

/// Registers `name` as a server admin and returns the logged-in user.
pub async fn admin_user(s: &TestServer, name: &str) -> User {
    let (status, body) = s.register("s3cr3t-for-tests", name, "password", true).await;
    assert_eq!(status, 200, "register {name}: {body}");
    User {
        user_id: body["user_id"].as_str().unwrap().to_string(),
        token: body["access_token"].as_str().unwrap().to_string(),
        base: s.url.clone(),
        http: s.http.clone(),
    }
}

/// A request as `u`; paths under /_synapse and /_matrix are taken as they are, others are
/// client paths under /_matrix/client/v3.
pub async fn call(u: &User, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    if !path.starts_with("/_synapse") {
        return u.call(method, path, body.as_ref()).await;
    }
    let mut r = u
        .http
        .request(method, format!("{}{path}", u.base))
        .bearer_auth(&u.token);
    if let Some(b) = &body {
        r = r.json(b);
    }
    let res = r.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// GET as `u` (see [`call`]).
pub async fn get(u: &User, path: &str) -> (u16, Value) {
    call(u, Method::GET, path, None).await
}

async fn admin_access_rules(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let admin = admin_user(&s, "root").await;
    let bob = s.user("bob").await;

    // server_version needs no token, as in Synapse.
    let (status, v) = s.get("/_synapse/admin/v1/server_version").await;
    assert_eq!(status, 200);
    assert!(v["server_version"].is_string(), "{v}");

    for path in [
        "/_synapse/admin/v2/users",
        &format!("/_synapse/admin/v2/users/{}", enc(&bob.user_id)),
    ] {
        let (status, v) = s.get(path).await;
        assert_eq!(status, 401, "{path}: {v}");
        assert_eq!(v["errcode"], "M_MISSING_TOKEN");
        let (status, v) = get(&bob, path).await;
        assert_eq!(status, 403, "{path}: {v}");
        assert_eq!(v["errcode"], "M_FORBIDDEN");
        assert_eq!(v["error"], "You are not a server admin");
        assert_eq!(get(&admin, path).await.0, 200, "{path}");
    }
    let (status, v) = call(
        &bob,
        Method::PUT,
        &format!("/_synapse/admin/v1/users/{}/admin", enc(&bob.user_id)),
        Some(json!({"admin": true})),
    )
    .await;
    assert_eq!((status, v["errcode"].as_str()), (403, Some("M_FORBIDDEN")));

    s.stop().await;
    home.cleanup().await;
}
both_engines!(admin_access_rules);

async fn list_users_paginates_and_filters(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let admin = admin_user(&s, "root").await;
    for n in ["anna", "bert", "carl", "dora"] {
        s.user(n).await;
    }
    let (status, v) = get(&admin, "/_synapse/admin/v2/users?limit=2").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["total"], 5);
    let names: Vec<&str> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["@anna:test.example", "@bert:test.example"]);
    assert_eq!(v["next_token"], "2");
    let u = &v["users"][0];
    for key in [
        "user_type",
        "is_guest",
        "admin",
        "deactivated",
        "shadow_banned",
        "displayname",
        "avatar_url",
        "creation_ts",
        "erased",
        "locked",
    ] {
        assert!(u.get(key).is_some(), "missing {key} in {u}");
    }
    let (_, v) = get(&admin, "/_synapse/admin/v2/users?from=4&limit=2").await;
    assert_eq!(v["users"].as_array().unwrap().len(), 1);
    assert!(v.get("next_token").is_none(), "{v}");

    let (_, v) = get(&admin, "/_synapse/admin/v2/users?name=ar").await;
    let names: Vec<&str> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["@carl:test.example"]);
    assert_eq!(v["total"], 1);

    let (_, v) = get(&admin, "/_synapse/admin/v2/users?dir=b&limit=1").await;
    assert_eq!(v["users"][0]["name"], "@root:test.example");

    // Deactivated users only show with deactivated=true.
    let (status, v) = call(
        &admin,
        Method::POST,
        "/_synapse/admin/v1/deactivate/@dora:test.example",
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["id_server_unbind_result"], "success");
    let (_, v) = get(&admin, "/_synapse/admin/v2/users").await;
    assert_eq!(v["total"], 4);
    let (_, v) = get(&admin, "/_synapse/admin/v2/users?deactivated=true").await;
    assert_eq!(v["total"], 5);
    let (status, v) = get(&admin, "/_synapse/admin/v2/users?deactivated=maybe").await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );
    let (status, v) = get(&admin, "/_synapse/admin/v2/users?limit=-1").await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );
    let (status, v) = get(&admin, "/_synapse/admin/v2/users?order_by=shoe_size").await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(list_users_paginates_and_filters);

async fn create_modify_and_deactivate(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let admin = admin_user(&s, "root").await;

    // Create: 201 with the new user's details; the password works.
    let path = "/_synapse/admin/v2/users/@frank:test.example";
    let (status, v) = call(&admin, Method::PUT, path, Some(json!({"password": "pw1", "displayname": "Frank", "user_type": "bot", "avatar_url": "mxc://test.example/abc"}))).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["name"], "@frank:test.example");
    assert_eq!(v["displayname"], "Frank");
    assert_eq!(v["avatar_url"], "mxc://test.example/abc");
    assert_eq!(v["user_type"], "bot");
    assert_eq!(v["admin"], false);
    assert_eq!(v["threepids"], json!([]));
    let (status, login) = s.login("frank", "pw1").await;
    assert_eq!(status, 200, "{login}");
    let token = login["access_token"].as_str().unwrap().to_string();

    // Modify: 200; a new password logs out every device by default.
    let (status, v) = call(
        &admin,
        Method::PUT,
        path,
        Some(json!({"displayname": "Franky", "admin": true, "password": "pw2", "user_type": null})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["displayname"], "Franky");
    assert_eq!(v["admin"], true);
    assert_eq!(v["user_type"], Value::Null);
    assert_eq!(
        s.get_auth("/_matrix/client/v3/account/whoami", &token)
            .await
            .0,
        401
    );
    assert_eq!(s.login("frank", "pw1").await.0, 403);
    assert_eq!(s.login("frank", "pw2").await.0, 200);
    let (_, v) = get(&admin, path).await;
    assert_eq!(v["admin"], true);

    // Bad fields.
    let (status, v) = call(&admin, Method::PUT, path, Some(json!({"admin": "yes"}))).await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (400, Some("M_BAD_JSON")),
        "{v}"
    );
    let (status, _) = call(
        &admin,
        Method::PUT,
        path,
        Some(json!({"user_type": "wizard"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, v) = get(&admin, "/_synapse/admin/v2/users/@nobody:test.example").await;
    assert_eq!((status, v["errcode"].as_str()), (404, Some("M_NOT_FOUND")));
    let (status, _) = get(
        &admin,
        "/_synapse/admin/v2/users/@someone:elsewhere.example",
    )
    .await;
    assert_eq!(status, 400);

    // Deactivation through PUT: tokens revoked, rooms left.
    let (_, login) = s.login("frank", "pw2").await;
    let frank = User {
        user_id: "@frank:test.example".into(),
        token: login["access_token"].as_str().unwrap().into(),
        base: s.url.clone(),
        http: s.http.clone(),
    };
    let room = admin.create_room(json!({"preset": "public_chat"})).await;
    assert_eq!(
        frank
            .post(&format!("/join/{}", enc(&room)), json!({}))
            .await
            .0,
        200
    );
    let (status, v) = call(
        &admin,
        Method::PUT,
        path,
        Some(json!({"deactivated": true})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["deactivated"], true);
    assert_eq!(frank.get("/account/whoami").await.0, 401);
    let (_, members) = get(&admin, &format!("/rooms/{}/joined_members", enc(&room))).await;
    assert!(
        members["joined"].get("@frank:test.example").is_none(),
        "{members}"
    );
    // Reactivation with a password.
    let (status, v) = call(
        &admin,
        Method::PUT,
        path,
        Some(json!({"deactivated": false, "password": "pw3"})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["deactivated"], false);
    assert_eq!(s.login("frank", "pw3").await.0, 200);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(create_modify_and_deactivate);

async fn admin_flag_reset_password_and_whois(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let admin = admin_user(&s, "root").await;
    let bob = s.user("bob").await;
    let flag = format!("/_synapse/admin/v1/users/{}/admin", enc(&bob.user_id));

    let (status, v) = get(&admin, &flag).await;
    assert_eq!((status, v), (200, json!({"admin": false})));
    assert_eq!(
        call(&admin, Method::PUT, &flag, Some(json!({"admin": true}))).await,
        (200, json!({}))
    );
    assert_eq!(get(&bob, &flag).await, (200, json!({"admin": true})));
    let (status, v) = call(&admin, Method::PUT, &flag, Some(json!({}))).await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM"))
    );
    let own = format!("/_synapse/admin/v1/users/{}/admin", enc(&admin.user_id));
    let (status, v) = call(&admin, Method::PUT, &own, Some(json!({"admin": false}))).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["error"], "You may not demote yourself.");

    // Reset password: logs out by default; logout_devices=false keeps the sessions.
    let reset = format!("/_synapse/admin/v1/reset_password/{}", enc(&bob.user_id));
    assert_eq!(
        call(
            &admin,
            Method::POST,
            &reset,
            Some(json!({"new_password": "new1", "logout_devices": false}))
        )
        .await,
        (200, json!({}))
    );
    assert_eq!(get(&bob, "/account/whoami").await.0, 200);
    assert_eq!(s.login("bob", "new1").await.0, 200);
    assert_eq!(
        call(
            &admin,
            Method::POST,
            &reset,
            Some(json!({"new_password": "new2"}))
        )
        .await
        .0,
        200
    );
    assert_eq!(get(&bob, "/account/whoami").await.0, 401);
    assert_eq!(s.login("bob", "new2").await.0, 200);
    let (status, v) = call(&admin, Method::POST, &reset, Some(json!({}))).await;
    assert_eq!(
        (status, v["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM"))
    );

    // whois: admins see anyone, users themselves; devices → sessions → connections.
    let (_, login) = s.login("bob", "new2").await;
    let bob = User {
        token: login["access_token"].as_str().unwrap().into(),
        ..bob
    };
    let device = login["device_id"].as_str().unwrap();
    let (status, v) = get(&admin, &format!("/admin/whois/{}", enc(&bob.user_id))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["user_id"], bob.user_id);
    assert!(
        v["devices"][device]["sessions"][0]["connections"].is_array(),
        "{v}"
    );
    assert_eq!(
        get(&bob, &format!("/admin/whois/{}", enc(&bob.user_id)))
            .await
            .0,
        200
    );
    assert_eq!(
        get(
            &bob,
            &format!("/_synapse/admin/v1/whois/{}", enc(&bob.user_id))
        )
        .await
        .0,
        200
    );
    let carol = s.user("carol").await;
    let (status, v) = get(&carol, &format!("/admin/whois/{}", enc(&bob.user_id))).await;
    assert_eq!((status, v["errcode"].as_str()), (403, Some("M_FORBIDDEN")));

    s.stop().await;
    home.cleanup().await;
}
both_engines!(admin_flag_reset_password_and_whois);
