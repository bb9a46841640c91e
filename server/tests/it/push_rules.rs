//! The Push Rules API: the spec's default ruleset, user rules with before/after, enabled and
//! actions, deletion, and the change reaching sync as m.push_rules account data.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule_id"].as_str().unwrap().to_string())
        .collect()
}

async fn push_rules_api(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let since = alice.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();

    // The defaults, with every kind present.
    let (status, all) = alice.get("/pushrules/").await;
    assert_eq!(status, 200, "{all}");
    for kind in ["override", "content", "room", "sender", "underride"] {
        assert!(all["global"][kind].is_array(), "{kind}: {all}");
    }
    assert_eq!(all["global"]["override"][0]["rule_id"], ".m.rule.master");
    assert!(ids(&all["global"]["underride"]).contains(&".m.rule.message".to_string()));
    let (status, global) = alice.get("/_matrix/client/r0/pushrules/global/").await;
    assert_eq!((status, &global), (200, &all["global"]));
    let (status, list) = alice.get("/pushrules/global/override/").await;
    assert_eq!((status, &list), (200, &all["global"]["override"]));

    let (status, master) = alice.get("/pushrules/global/override/.m.rule.master").await;
    assert_eq!(status, 200);
    assert_eq!(
        (master["default"].as_bool(), master["enabled"].as_bool()),
        (Some(true), Some(false)),
        "{master}"
    );
    assert_eq!(
        alice
            .get("/pushrules/global/override/.m.rule.master/enabled")
            .await
            .1,
        json!({"enabled": false})
    );
    assert_eq!(
        alice
            .get("/pushrules/global/override/.m.rule.master/actions")
            .await
            .1,
        json!({"actions": []})
    );
    let (status, body) = alice.get("/pushrules/global/override/nope").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );
    let (status, body) = alice.get("/pushrules/global/bogus/x").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_UNRECOGNIZED"))
    );

    // User rules of each kind.
    let (status, body) = alice.put("/pushrules/global/content/cats", json!({"pattern": "cat*", "actions": ["notify", {"set_tweak": "sound", "value": "default"}]})).await;
    assert_eq!((status, body), (200, json!({})));
    let (_, cats) = alice.get("/pushrules/global/content/cats").await;
    assert_eq!(cats["pattern"], "cat*");
    assert_eq!(
        (cats["enabled"].as_bool(), cats["default"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(
        cats["actions"],
        json!(["notify", {"set_tweak": "sound", "value": "default"}])
    );
    let room = "!someroom:test.example";
    let (status, body) = alice
        .put(
            &format!("/pushrules/global/room/{}", enc(room)),
            json!({"actions": ["dont_notify"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        alice
            .get(&format!("/pushrules/global/room/{}/actions", enc(room)))
            .await
            .1,
        json!({"actions": ["dont_notify"]})
    );
    let (status, body) = alice
        .put(
            "/pushrules/global/sender/not-a-user",
            json!({"actions": ["notify"]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // Ordering with before/after: a new override goes right after .m.rule.master.
    let cond = json!({"conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.message"}], "actions": ["notify"]});
    assert_eq!(
        alice
            .put("/pushrules/global/override/a", cond.clone())
            .await
            .0,
        200
    );
    assert_eq!(
        alice
            .put("/pushrules/global/override/b?after=a", cond.clone())
            .await
            .0,
        200
    );
    assert_eq!(
        alice
            .put("/pushrules/global/override/c?before=a", cond.clone())
            .await
            .0,
        200
    );
    let (_, list) = alice.get("/pushrules/global/override/").await;
    assert_eq!(ids(&list)[..4], [".m.rule.master", "c", "a", "b"], "{list}");
    for (path, why) in [
        (
            "/pushrules/global/override/d?before=.m.rule.master",
            "relative to a default rule",
        ),
        ("/pushrules/global/override/d?after=nope", "unknown anchor"),
        (
            "/pushrules/global/override/.mine",
            "dot rule ids are reserved",
        ),
    ] {
        let (status, body) = alice.put(path, cond.clone()).await;
        assert_eq!(status, 400, "{why}: {body}");
        assert!(body["errcode"].is_string());
    }
    let (status, _) = alice
        .put(
            "/pushrules/global/override/d",
            json!({"actions": ["notify"]}),
        )
        .await;
    assert_eq!(status, 400, "override rules need conditions");
    let (status, _) = alice
        .put(
            "/pushrules/global/override/d",
            json!({"conditions": [], "actions": ["explode"]}),
        )
        .await;
    assert_eq!(status, 400, "unknown actions are refused");
    let (status, body) = alice
        .call(Method::PUT, "/pushrules/global/override/d", None)
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_NOT_JSON"))
    );

    // Enabled and actions, on default and user rules.
    assert_eq!(
        alice
            .put(
                "/pushrules/global/override/.m.rule.master/enabled",
                json!({"enabled": true})
            )
            .await
            .0,
        200
    );
    assert_eq!(
        alice
            .get("/pushrules/global/override/.m.rule.master/enabled")
            .await
            .1,
        json!({"enabled": true})
    );
    assert_eq!(
        alice
            .put(
                "/pushrules/global/content/cats/enabled",
                json!({"enabled": false})
            )
            .await
            .0,
        200
    );
    assert_eq!(
        alice.get("/pushrules/global/content/cats").await.1["enabled"],
        false
    );
    let (status, _) = alice
        .put(
            "/pushrules/global/content/cats/enabled",
            json!({"enabled": "yes"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        alice
            .put(
                "/pushrules/global/override/.m.rule.suppress_notices/actions",
                json!({"actions": ["notify"]})
            )
            .await
            .0,
        200
    );
    assert_eq!(
        alice
            .get("/pushrules/global/override/.m.rule.suppress_notices/actions")
            .await
            .1,
        json!({"actions": ["notify"]})
    );
    let (status, _) = alice
        .put(
            "/pushrules/global/override/.m.rule.suppress_notices/actions",
            json!({"actions": ["explode"]}),
        )
        .await;
    assert_eq!(status, 400);
    for path in [
        "/pushrules/global/override/nope/enabled",
        "/pushrules/global/override/nope/actions",
    ] {
        let (status, body) = alice
            .put(path, json!({"enabled": true, "actions": []}))
            .await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (404, Some("M_NOT_FOUND")),
            "{path}"
        );
    }
    // Replacing a rule keeps its place and its enabled flag.
    assert_eq!(
        alice
            .put(
                "/pushrules/global/content/cats",
                json!({"pattern": "kitten*", "actions": ["notify"]})
            )
            .await
            .0,
        200
    );
    let (_, cats) = alice.get("/pushrules/global/content/cats").await;
    assert_eq!(
        (cats["pattern"].as_str(), cats["enabled"].as_bool()),
        (Some("kitten*"), Some(false))
    );

    // Deletion: user rules only.
    assert_eq!(
        alice
            .call(Method::DELETE, "/pushrules/global/override/a", None)
            .await
            .0,
        200
    );
    assert_eq!(alice.get("/pushrules/global/override/a").await.0, 404);
    let (status, body) = alice
        .call(
            Method::DELETE,
            "/pushrules/global/override/.m.rule.master",
            None,
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM")),
        "{body}"
    );
    let (status, body) = alice
        .call(Method::DELETE, "/pushrules/global/override/a", None)
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );

    // Bob's rules are his own.
    assert_eq!(bob.get("/pushrules/global/content/cats").await.0, 404);
    assert_eq!(
        bob.get("/pushrules/global/override/.m.rule.master/enabled")
            .await
            .1,
        json!({"enabled": false})
    );

    // Sync delivers the changed ruleset as account data, incrementally and initially.
    let find = |sync: &Value| -> Value {
        sync["account_data"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "m.push_rules")
            .cloned()
            .unwrap_or(Value::Null)
    };
    let inc = alice.sync(Some(&since), 0).await;
    let rules = find(&inc);
    assert!(
        ids(&rules["content"]["global"]["content"]).contains(&"cats".to_string()),
        "{inc}"
    );
    assert_eq!(rules["content"]["global"]["override"][0]["enabled"], true);
    let initial = alice.sync(None, 0).await;
    assert_eq!(find(&initial)["content"], rules["content"]);
    assert_eq!(
        find(&initial)["content"]["global"],
        alice.get("/pushrules/global/").await.1
    );

    // Without a token.
    let (status, body) = s.get("/_matrix/client/v3/pushrules/").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_MISSING_TOKEN"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(push_rules_api);
