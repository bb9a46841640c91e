//! Changing push rules (the Push Rules API): add or replace a user rule with `before`/`after`,
//! delete it, enable or disable any rule, set its actions. The ruleset is ruma's `Ruleset`
//! (the spec's defaults plus the user's changes, see `service::push`) and every change goes
//! through its own methods, then is stored and announced as `m.push_rules` account data.
//! Validation follows Synapse (`rest/client/push_rule.py`). Never imports axum.

use ruma::push::{
    Action, InsertPushRuleError, NewConditionalPushRule, NewPatternedPushRule, NewPushRule,
    NewSimplePushRule, PushCondition, RemovePushRuleError, RuleKind, Ruleset,
};
use ruma::{OwnedRoomId, OwnedUserId};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::Services;
use super::rooms::RoomError;

#[derive(Debug, thiserror::Error)]
pub enum PushRuleError {
    #[error("Unknown rule")]
    NotFound,
    /// An unknown rule kind or attribute.
    #[error("Unrecognized request")]
    Unrecognized,
    /// A rule or value Synapse would refuse (400).
    #[error("{0}")]
    Invalid(String),
    #[error("Cannot delete a server-default push rule")]
    ServerDefault,
    #[error(transparent)]
    Room(#[from] RoomError),
}

impl From<crate::store::StoreError> for PushRuleError {
    fn from(e: crate::store::StoreError) -> Self {
        PushRuleError::Room(e.into())
    }
}

/// Writes are read-modify-write of one document per user: one at a time (Synapse uses a
/// per-user linearizer; push rule changes are rare enough for one lock).
static WRITE: Mutex<()> = Mutex::const_new(());

/// The five kinds the API serves.
pub const KINDS: [&str; 5] = ["override", "content", "room", "sender", "underride"];

pub fn rule_kind(kind: &str) -> Result<RuleKind, PushRuleError> {
    match kind {
        "override" => Ok(RuleKind::Override),
        "underride" => Ok(RuleKind::Underride),
        "sender" => Ok(RuleKind::Sender),
        "room" => Ok(RuleKind::Room),
        "content" => Ok(RuleKind::Content),
        _ => Err(PushRuleError::Unrecognized),
    }
}

/// A ruleset as JSON with every kind present (ruma leaves empty ones out; Synapse and the
/// spec's examples list all five).
pub fn ruleset_json(rules: &Ruleset) -> Value {
    let mut v = serde_json::to_value(rules).unwrap_or_else(|_| json!({}));
    for kind in KINDS {
        if v.get(kind).is_none() {
            v[kind] = json!([]);
        }
    }
    v
}

/// Synapse's `check_actions`: `notify`, the legacy `dont_notify` and `coalesce`, and tweaks.
fn parse_actions(actions: &Value) -> Result<Vec<Action>, PushRuleError> {
    let Some(list) = actions.as_array() else {
        return Err(PushRuleError::Invalid("No actions found".into()));
    };
    for a in list {
        let ok = matches!(a.as_str(), Some("notify" | "dont_notify" | "coalesce"))
            || a.get("set_tweak").is_some_and(Value::is_string);
        if !ok {
            return Err(PushRuleError::Invalid(format!("Unrecognised action {a}")));
        }
    }
    serde_json::from_value(actions.clone())
        .map_err(|e| PushRuleError::Invalid(format!("Invalid actions: {e}")))
}

/// The rule a `PUT` body describes, as Synapse reads it for each kind.
fn new_rule(kind: &str, rule_id: &str, body: &Value) -> Result<NewPushRule, PushRuleError> {
    let actions = || parse_actions(body.get("actions").unwrap_or(&Value::Null));
    let conditions = || -> Result<Vec<PushCondition>, PushRuleError> {
        let Some(c) = body.get("conditions") else {
            return Err(PushRuleError::Invalid("Missing 'conditions'".into()));
        };
        if c.as_array()
            .is_some_and(|a| a.iter().any(|c| c.get("kind").is_none()))
        {
            return Err(PushRuleError::Invalid("Condition without 'kind'".into()));
        }
        serde_json::from_value(c.clone())
            .map_err(|e| PushRuleError::Invalid(format!("Invalid conditions: {e}")))
    };
    Ok(match kind {
        "override" => NewPushRule::Override(NewConditionalPushRule::new(
            rule_id.into(),
            conditions()?,
            actions()?,
        )),
        "underride" => NewPushRule::Underride(NewConditionalPushRule::new(
            rule_id.into(),
            conditions()?,
            actions()?,
        )),
        "content" => {
            let Some(pattern) = body.get("pattern").and_then(Value::as_str) else {
                return Err(PushRuleError::Invalid(
                    "Content rule missing 'pattern'".into(),
                ));
            };
            NewPushRule::Content(NewPatternedPushRule::new(
                rule_id.into(),
                pattern.into(),
                actions()?,
            ))
        }
        "room" => {
            let room = OwnedRoomId::try_from(rule_id)
                .map_err(|e| PushRuleError::Invalid(format!("rule_id must be a room id: {e}")))?;
            NewPushRule::Room(NewSimplePushRule::new(room, actions()?))
        }
        "sender" => {
            let user = OwnedUserId::try_from(rule_id)
                .map_err(|e| PushRuleError::Invalid(format!("rule_id must be a user id: {e}")))?;
            NewPushRule::Sender(NewSimplePushRule::new(user, actions()?))
        }
        _ => return Err(PushRuleError::Unrecognized),
    })
}

impl Services {
    /// The user's ruleset (defaults plus changes).
    pub async fn ruleset(&self, user_id: &str) -> Result<Ruleset, PushRuleError> {
        let v = self.push_rules_for(user_id).await?;
        serde_json::from_value(v["global"].clone()).map_err(|e| {
            tracing::error!(user_id, error = %e, "stored push rules do not parse");
            PushRuleError::Room(RoomError::BadEvent("stored push rules do not parse".into()))
        })
    }

    async fn change_ruleset(
        &self,
        user_id: &str,
        change: impl FnOnce(&mut Ruleset) -> Result<(), PushRuleError>,
    ) -> Result<(), PushRuleError> {
        let _lock = WRITE.lock().await;
        let mut rules = self.ruleset(user_id).await?;
        change(&mut rules)?;
        self.set_push_rules(user_id, &json!({"global": ruleset_json(&rules)}))
            .await?;
        Ok(())
    }

    /// `PUT /pushrules/global/{kind}/{ruleId}`: adds or replaces a user rule.
    pub async fn put_push_rule(
        &self,
        user_id: &str,
        kind: &str,
        rule_id: &str,
        body: &Value,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<(), PushRuleError> {
        rule_kind(kind)?;
        if rule_id.contains('/') || rule_id.contains('\\') {
            return Err(PushRuleError::Invalid(
                "rule_id may not contain slashes".into(),
            ));
        }
        if rule_id.starts_with('.') {
            return Err(PushRuleError::Invalid(
                "cannot add new rule_ids that start with '.'".into(),
            ));
        }
        let rule = new_rule(kind, rule_id, body)?;
        self.change_ruleset(user_id, |rules| {
            rules.insert(rule, after, before).map_err(|e| match e {
                InsertPushRuleError::UnknownRuleId => PushRuleError::Invalid(format!(
                    "before/after rule not found: {}",
                    before.or(after).unwrap_or_default()
                )),
                other => PushRuleError::Invalid(other.to_string()),
            })
        })
        .await
    }

    /// `DELETE /pushrules/global/{kind}/{ruleId}`: user rules only.
    pub async fn delete_push_rule(
        &self,
        user_id: &str,
        kind: &str,
        rule_id: &str,
    ) -> Result<(), PushRuleError> {
        let kind = rule_kind(kind)?;
        self.change_ruleset(user_id, |rules| {
            rules.remove(kind, rule_id).map_err(|e| match e {
                RemovePushRuleError::ServerDefault => PushRuleError::ServerDefault,
                _ => PushRuleError::NotFound,
            })
        })
        .await
    }

    /// `PUT .../enabled`: `enabled` is the body's field as sent (it must be a boolean; Synapse
    /// checks that before the kind).
    pub async fn set_push_rule_enabled(
        &self,
        user_id: &str,
        kind: &str,
        rule_id: &str,
        enabled: Option<&Value>,
    ) -> Result<(), PushRuleError> {
        let Some(enabled) = enabled.and_then(Value::as_bool) else {
            return Err(PushRuleError::Invalid(
                "Value for 'enabled' must be boolean".into(),
            ));
        };
        let kind = rule_kind(kind)?;
        self.change_ruleset(user_id, |rules| {
            rules
                .set_enabled(kind, rule_id, enabled)
                .map_err(|_| PushRuleError::NotFound)
        })
        .await
    }

    /// `PUT .../actions`: `actions` is the body's field as sent (it must be a list; Synapse
    /// checks that before the kind).
    pub async fn set_push_rule_actions(
        &self,
        user_id: &str,
        kind: &str,
        rule_id: &str,
        actions: Option<&Value>,
    ) -> Result<(), PushRuleError> {
        let Some(actions) = actions.filter(|a| a.is_array()) else {
            return Err(PushRuleError::Invalid(
                "Value for 'actions' must be a list".into(),
            ));
        };
        let kind = rule_kind(kind)?;
        let actions = parse_actions(actions)?;
        self.change_ruleset(user_id, |rules| {
            rules
                .set_actions(kind, rule_id, actions)
                .map_err(|_| PushRuleError::NotFound)
        })
        .await
    }

    /// `GET /pushrules/global/{kind}/`: the rules of one kind as JSON (as Synapse serves it).
    pub async fn push_rules_of_kind(
        &self,
        user_id: &str,
        kind: &str,
    ) -> Result<Value, PushRuleError> {
        rule_kind(kind)?;
        Ok(ruleset_json(&self.ruleset(user_id).await?)[kind].clone())
    }

    /// One rule as JSON, or `NotFound`.
    pub async fn push_rule(
        &self,
        user_id: &str,
        kind: &str,
        rule_id: &str,
    ) -> Result<Value, PushRuleError> {
        let kind_v = rule_kind(kind)?;
        let rules = self.ruleset(user_id).await?;
        if rules.get(kind_v, rule_id).is_none() {
            return Err(PushRuleError::NotFound);
        }
        let all = ruleset_json(&rules);
        all[kind]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["rule_id"] == rule_id))
            .cloned()
            .ok_or(PushRuleError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_follow_synapse() {
        assert!(parse_actions(&json!(["notify", {"set_tweak": "sound", "value": "default"}, "dont_notify", "coalesce"])).is_ok());
        assert!(parse_actions(&json!(["explode"])).is_err());
        assert!(parse_actions(&json!("notify")).is_err());
        assert!(parse_actions(&json!([{"value": 1}])).is_err());
    }

    #[test]
    fn rules_per_kind() {
        assert!(matches!(
            new_rule("room", "!r:x", &json!({"actions": ["notify"]})),
            Ok(NewPushRule::Room(_))
        ));
        assert!(new_rule("room", "not-a-room", &json!({"actions": ["notify"]})).is_err());
        assert!(
            new_rule("content", "c", &json!({"actions": []})).is_err(),
            "pattern is required"
        );
        assert!(
            new_rule("override", "o", &json!({"actions": []})).is_err(),
            "conditions are required"
        );
        assert!(
            new_rule(
                "override",
                "o",
                &json!({"actions": [], "conditions": [{"key": "x"}]})
            )
            .is_err()
        );
        assert!(matches!(
            new_rule("bogus", "o", &json!({})),
            Err(PushRuleError::Unrecognized)
        ));
    }
}
