//! Per-user data: global and room account data (ignored users are account data too), room
//! tags (matrixd keeps them as the `m.tag` room account data), push rules (Synapse's rows of
//! user rules, enabled flags and changed actions of default rules, laid over the spec's default
//! ruleset into the one document matrixd keeps per user), filters and pushers.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::source::Val;
use super::target::Target;
use super::{Converted, Ctx, TableStep, int, opt, text};

const ACCOUNT_DATA: Target = Target {
    head: "INSERT INTO account_data (user_id, room_id, type, content, stream_id)",
    cols: 5,
    tail: "ON CONFLICT DO NOTHING",
};

pub(super) static STEPS: &[TableStep] = &[
    TableStep {
        name: "account_data",
        what: "global account data (incl. ignored users, direct chats, secret storage)",
        count: "SELECT COUNT(*) FROM account_data",
        select: "SELECT user_id, '', account_data_type, content FROM account_data \
                 ORDER BY user_id, account_data_type LIMIT $1 OFFSET $2",
        targets: &[ACCOUNT_DATA],
        convert: account_data,
        batch: 1000,
        check: None,
    },
    TableStep {
        name: "room_account_data",
        what: "room account data",
        count: "SELECT COUNT(*) FROM room_account_data",
        select: "SELECT user_id, room_id, account_data_type, content FROM room_account_data \
                 ORDER BY user_id, room_id, account_data_type LIMIT $1 OFFSET $2",
        targets: &[ACCOUNT_DATA],
        convert: account_data,
        batch: 1000,
        check: None,
    },
    TableStep {
        name: "room_tags",
        what: "room tags (favourites, low priority, ...)",
        count: "SELECT COUNT(*) FROM room_tags",
        select: "SELECT user_id, room_id, tag, content FROM room_tags \
                 ORDER BY user_id, room_id, tag LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO account_data (user_id, room_id, type, content, stream_id)",
            cols: 5,
            tail: "ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = excluded.content",
        }],
        convert: tags,
        batch: i64::MAX,
        check: None,
    },
    TableStep {
        name: "push_rules",
        what: "push rules (own rules, disabled and changed default rules)",
        count: "SELECT (SELECT COUNT(*) FROM push_rules) + (SELECT COUNT(*) FROM push_rules_enable)",
        select: "SELECT user_name, rule_id, CAST(priority_class AS BIGINT), CAST(priority AS BIGINT), conditions, actions, \
                 CAST(NULL AS BIGINT) FROM push_rules \
                 UNION ALL SELECT user_name, rule_id, CAST(-2 AS BIGINT), CAST(0 AS BIGINT), CAST(NULL AS TEXT), \
                 CAST(NULL AS TEXT), CAST(enabled AS BIGINT) FROM push_rules_enable \
                 ORDER BY 1, 3 DESC, 4 DESC, 2 LIMIT $1 OFFSET $2",
        targets: &[
            Target {
                head: "INSERT INTO push_rules (user_id, json)",
                cols: 2,
                tail: "ON CONFLICT (user_id) DO UPDATE SET json = excluded.json",
            },
            Target {
                head: "INSERT INTO account_data (user_id, room_id, type, content, stream_id)",
                cols: 5,
                tail: "ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = excluded.content",
            },
        ],
        convert: push_rules,
        batch: i64::MAX,
        check: None,
    },
    TableStep {
        name: "filters",
        what: "sync filters (clients keep their filter ids)",
        count: "SELECT COUNT(*) FROM user_filters",
        select: "SELECT user_id, CAST(filter_id AS BIGINT), filter_json FROM user_filters \
                 ORDER BY user_id, filter_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO filters (user_id, filter_id, json)",
            cols: 3,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: filters,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM filters"),
    },
    TableStep {
        name: "pushers",
        what: "pushers (phones and push gateways keep getting notifications)",
        count: "SELECT COUNT(*) FROM pushers",
        select: "SELECT user_name, app_id, pushkey, kind, app_display_name, device_display_name, \
                 profile_tag, lang, data, device_id, CAST(ts AS BIGINT), \
                 CASE WHEN enabled = FALSE THEN 0 ELSE 1 END FROM pushers \
                 ORDER BY user_name, app_id, pushkey LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO pushers (user_id, app_id, pushkey, kind, app_display_name, \
                   device_display_name, profile_tag, lang, data, device_id, pushkey_ts)",
            cols: 11,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: pushers,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM pushers"),
    },
];

/// Synapse's enabled pushers as they are (a disabled one, which Synapse does not send to, is
/// left out); an empty profile_tag is none.
fn pushers(page: Vec<Vec<Val>>, _: &Ctx) -> Result<Converted, String> {
    let mut skipped = 0;
    let mut rows = Vec::new();
    for r in page {
        if int(&r, 11) == 0 {
            skipped += 1;
            continue;
        }
        let profile_tag = match opt(&r, 6) {
            Val::Text(t) if t.is_empty() => Val::Null,
            v => v,
        };
        let data = match opt(&r, 8) {
            Val::Null => Val::Text("{}".into()),
            v => v,
        };
        rows.push((
            0,
            vec![
                opt(&r, 0),
                opt(&r, 1),
                opt(&r, 2),
                opt(&r, 3),
                opt(&r, 4),
                opt(&r, 5),
                profile_tag,
                Val::Text(text(&r, 7)),
                data,
                opt(&r, 9),
                Val::Int(int(&r, 10)),
            ],
        ));
    }
    Ok((rows, skipped))
}

fn account_data(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let rows = page
        .into_iter()
        .map(|r| {
            (
                0,
                vec![
                    opt(&r, 0),
                    opt(&r, 1),
                    opt(&r, 2),
                    opt(&r, 3),
                    Val::Int(ctx.position),
                ],
            )
        })
        .collect();
    Ok((rows, 0))
}

fn tags(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let mut by_room: BTreeMap<(String, String), serde_json::Map<String, Value>> = BTreeMap::new();
    for r in &page {
        let content: Value = serde_json::from_str(&text(r, 3)).unwrap_or(json!({}));
        by_room
            .entry((text(r, 0), text(r, 1)))
            .or_default()
            .insert(text(r, 2), content);
    }
    let rows = by_room
        .into_iter()
        .map(|((user, room), tags)| {
            (
                0,
                vec![
                    Val::Text(user),
                    Val::Text(room),
                    Val::Text("m.tag".into()),
                    Val::Text(json!({ "tags": tags }).to_string()),
                    Val::Int(ctx.position),
                ],
            )
        })
        .collect();
    Ok((rows, 0))
}

fn filters(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let rows = page
        .into_iter()
        .map(|r| {
            (
                0,
                vec![Val::Text(ctx.user_id(&text(&r, 0))), opt(&r, 1), opt(&r, 2)],
            )
        })
        .collect();
    Ok((rows, 0))
}

/// Synapse's priority classes (`synapse/push/rulekinds.py`).
fn kind_of(class: i64) -> Option<&'static str> {
    Some(match class {
        5 => "override",
        4 => "content",
        3 => "room",
        2 => "sender",
        1 => "underride",
        _ => return None,
    })
}

/// A rule as the client API shows it, from Synapse's row of a user's own rule.
fn user_rule(kind: &str, rule_id: &str, conditions: &str, actions: &str) -> Value {
    let conditions: Value = serde_json::from_str(conditions).unwrap_or(json!([]));
    let actions: Value = serde_json::from_str(actions).unwrap_or(json!([]));
    let mut rule =
        json!({"rule_id": rule_id, "default": false, "enabled": true, "actions": actions});
    match kind {
        "override" | "underride" => rule["conditions"] = conditions,
        "content" => {
            if let Some(p) = conditions
                .get(0)
                .and_then(|c| c.get("pattern"))
                .and_then(Value::as_str)
            {
                rule["pattern"] = json!(p);
            }
        }
        _ => {}
    }
    rule
}

/// `global/override/.m.rule.master` (how Synapse names default rules in its tables) or a plain
/// id → (kind if named, id).
fn split_rule_id(id: &str) -> (Option<&str>, &str) {
    let mut parts = id.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("global"), Some(kind), Some(rest)) => (Some(kind), rest),
        _ => (None, id),
    }
}

fn push_rules(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let mut by_user: BTreeMap<String, Vec<Vec<Val>>> = BTreeMap::new();
    for r in page {
        by_user.entry(text(&r, 0)).or_default().push(r);
    }
    let mut rows = Vec::new();
    for (user, user_rows) in by_user {
        let Ok(uid) = ruma::UserId::parse(user.as_str()) else {
            continue;
        };
        let mut set = serde_json::to_value(ruma::push::Ruleset::server_default(&uid))
            .map_err(|e| e.to_string())?;
        // Own rules, highest priority first, go before the defaults of their kind (after
        // .m.rule.master, which always comes first).
        let mut own: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for r in &user_rows {
            if let Some(kind) = kind_of(int(r, 2)) {
                let full = text(r, 1);
                own.entry(kind).or_default().push(user_rule(
                    kind,
                    split_rule_id(&full).1,
                    &text(r, 4),
                    &text(r, 5),
                ));
            }
        }
        for (kind, mut list) in own {
            // ruma leaves out kinds without default rules (content).
            let defaults = set
                .get(kind)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let (first, rest): (Vec<Value>, Vec<Value>) = defaults
                .into_iter()
                .partition(|r| r["rule_id"] == ".m.rule.master");
            let mut all = first;
            all.append(&mut list);
            all.extend(rest);
            set[kind] = Value::Array(all);
        }
        // Changed actions of default rules (class -1) and enabled flags (-2, from
        // push_rules_enable), applied to the rule of that id wherever it is.
        for r in &user_rows {
            let class = int(r, 2);
            if class != -1 && class != -2 {
                continue;
            }
            let full = text(r, 1);
            let (kind, id) = split_rule_id(&full);
            for (k, list) in set.as_object_mut().into_iter().flatten() {
                if kind.is_some_and(|kind| kind != k) {
                    continue;
                }
                for rule in list.as_array_mut().into_iter().flatten() {
                    if rule["rule_id"] != id {
                        continue;
                    }
                    if class == -1 {
                        rule["actions"] = serde_json::from_str(&text(r, 5)).unwrap_or(json!([]));
                    } else if let Some(on) = r.get(6).and_then(Val::int) {
                        rule["enabled"] = json!(on != 0);
                    }
                }
            }
        }
        let doc = json!({ "global": set }).to_string();
        rows.push((0, vec![Val::Text(user.clone()), Val::Text(doc.clone())]));
        rows.push((
            1,
            vec![
                Val::Text(user),
                Val::Text(String::new()),
                Val::Text("m.push_rules".into()),
                Val::Text(doc),
                Val::Int(ctx.position),
            ],
        ));
    }
    Ok((rows, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx {
            server_name: "example.org".into(),
            position: 7,
            media_from: "/nonexistent".into(),
            media_to: "/nonexistent".into(),
            now_ms: 0,
        }
    }

    fn t(s: &str) -> Val {
        Val::Text(s.into())
    }

    /// Synapse's rows: an own content rule (named `global/content/…` as Synapse stores it), a
    /// default rule switched off, a default rule's actions changed.
    #[test]
    fn push_rules_lay_synapse_rows_over_the_defaults() {
        let page = vec![
            vec![
                t("@a:example.org"),
                t("global/content/cheese"),
                Val::Int(4),
                Val::Int(0),
                t(r#"[{"kind":"event_match","key":"content.body","pattern":"cheese"}]"#),
                t(r#"["notify"]"#),
                Val::Null,
            ],
            vec![
                t("@a:example.org"),
                t("global/override/.m.rule.suppress_notices"),
                Val::Int(-2),
                Val::Int(0),
                Val::Null,
                Val::Null,
                Val::Int(0),
            ],
            vec![
                t("@a:example.org"),
                t("global/underride/.m.rule.message"),
                Val::Int(-1),
                Val::Int(1),
                t("[]"),
                t(r#"["dont_notify"]"#),
                Val::Null,
            ],
        ];
        let (rows, skipped) = push_rules(page, &ctx()).unwrap();
        assert_eq!(skipped, 0);
        assert_eq!(rows.len(), 2, "the rules and their account data");
        let Val::Text(doc) = &rows[0].1[1] else {
            panic!("{rows:?}")
        };
        let doc: Value = serde_json::from_str(doc).unwrap();
        let g = &doc["global"];
        assert_eq!(g["content"][0]["rule_id"], "cheese");
        assert_eq!(g["content"][0]["pattern"], "cheese");
        let find = |kind: &str, id: &str| {
            g[kind]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["rule_id"] == id)
                .cloned()
                .unwrap()
        };
        assert_eq!(
            find("override", ".m.rule.suppress_notices")["enabled"],
            false
        );
        assert_eq!(find("override", ".m.rule.master")["enabled"], false);
        assert_eq!(
            find("underride", ".m.rule.message")["actions"],
            json!(["dont_notify"])
        );
        assert_eq!(rows[1].1[4], Val::Int(7));
    }

    #[test]
    fn pushers_keep_their_fields_and_disabled_ones_are_left_out() {
        let row = |enabled: i64| {
            vec![
                t("@a:x"),
                t("im.vector.app.android"),
                t("key"),
                t("http"),
                t("Element"),
                t("Phone"),
                t(""),
                Val::Null,
                t(r#"{"url":"https://push.example/_matrix/push/v1/notify"}"#),
                t("DEV"),
                Val::Int(1_700_000_000_000),
                Val::Int(enabled),
            ]
        };
        let (rows, skipped) = pushers(vec![row(1), row(0)], &ctx()).unwrap();
        assert_eq!((rows.len(), skipped), (1, 1));
        let r = &rows[0].1;
        assert_eq!(r.len(), 11);
        assert_eq!(r[6], Val::Null, "an empty profile_tag is none");
        assert_eq!(r[7], t(""), "a missing lang is empty");
        assert_eq!(r[9], t("DEV"));
        assert_eq!(r[10], Val::Int(1_700_000_000_000));
    }

    #[test]
    fn tags_of_a_room_become_one_m_tag() {
        let page = vec![
            vec![
                t("@a:x"),
                t("!r:x"),
                t("m.favourite"),
                t(r#"{"order":0.5}"#),
            ],
            vec![t("@a:x"), t("!r:x"), t("u.work"), t("{}")],
        ];
        let (rows, _) = tags(page, &ctx()).unwrap();
        assert_eq!(rows.len(), 1);
        let Val::Text(content) = &rows[0].1[3] else {
            panic!()
        };
        let v: Value = serde_json::from_str(content).unwrap();
        assert_eq!(v["tags"]["m.favourite"]["order"], 0.5);
        assert!(v["tags"]["u.work"].is_object());
    }
}
