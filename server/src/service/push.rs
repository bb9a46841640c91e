//! Push rules: the spec's default ruleset (from ruma) with the user's changes, stored as one
//! JSON document per user and announced through the m.push_rules account data.

use std::sync::Arc;

use ruma::UserId;
use ruma::push::Ruleset;
use serde_json::{Value, json};

use super::Services;
use super::rooms::RoomError;
use crate::store::userdata;

/// Users whose parsed rulesets are kept at most.
const PUSH_RULE_CACHE_MAX: usize = 10_000;

impl Services {
    /// `{"global": <ruleset>}` for the user.
    pub async fn push_rules_for(&self, user_id: &str) -> Result<Value, RoomError> {
        if let Some(text) = userdata::get_push_rules(&self.db, user_id).await?
            && let Ok(v) = serde_json::from_str::<Value>(&text)
        {
            return Ok(v);
        }
        let uid = UserId::parse(user_id).map_err(|e| RoomError::InvalidParam(e.to_string()))?;
        Ok(json!({"global": Ruleset::server_default(&uid)}))
    }

    /// The user's global ruleset, parsed, from memory when it has not changed.
    pub async fn parsed_push_rules(&self, user_id: &str) -> Result<Arc<Ruleset>, RoomError> {
        let generation = {
            let g = self.push_rule_cache.lock().expect("push rule cache");
            if let Some(r) = g.1.get(user_id) {
                return Ok(r.clone());
            }
            g.0
        };
        let rules = self.push_rules_for(user_id).await?;
        let ruleset: Arc<Ruleset> = Arc::new(
            serde_json::from_value(rules["global"].clone())
                .map_err(|e| RoomError::BadEvent(e.to_string()))?,
        );
        let mut g = self.push_rule_cache.lock().expect("push rule cache");
        if g.0 == generation {
            if g.1.len() >= PUSH_RULE_CACHE_MAX {
                g.1.clear();
            }
            g.1.insert(user_id.to_string(), ruleset.clone());
        }
        Ok(ruleset)
    }

    /// Drops the parsed rules of `user_id` (of everyone with `None`) and the unread counts
    /// computed with them; a read that began before does not store what it read.
    pub(crate) fn forget_push_rules(&self, user_id: Option<&str>) {
        {
            let mut g = self.push_rule_cache.lock().expect("push rule cache");
            g.0 += 1;
            match user_id {
                Some(u) => {
                    g.1.remove(u);
                }
                None => g.1.clear(),
            }
        }
        let mut unread = self.unread_cache.lock().expect("unread cache");
        match user_id {
            Some(user) => unread.retain(|(_, u), _| u != user),
            None => unread.clear(),
        }
    }

    /// Stores the user's ruleset and announces it in account data.
    pub async fn set_push_rules(&self, user_id: &str, rules: &Value) -> Result<(), RoomError> {
        let text = rules.to_string();
        userdata::set_push_rules(&self.db, user_id, &text).await?;
        self.forget_push_rules(Some(user_id));
        self.set_account_data(user_id, "", "m.push_rules", rules)
            .await
    }
}
