//! Server ACLs (`m.room.server_acl`, https://spec.matrix.org/v1.16/client-server-api/#server-access-control-lists-acls-for-rooms):
//! which servers a room takes part of its traffic from. Checked on what another server sends
//! about a room: its PDUs and EDUs, and its joins, leaves and invites.

use ruma::ServerName;
use serde_json::Value;

use crate::config::glob_matches;
use crate::service::Services;
use crate::service::rooms::RoomError;

/// Whether an ACL's `content` lets `server` take part: its host (the port is not compared)
/// must not be an IP literal when `allow_ip_literals` is false, must match no `deny` glob and
/// some `allow` glob.
pub fn acl_allows(content: &Value, server: &ServerName) -> bool {
    let host = server.host();
    let globs = |key: &str| -> Vec<String> {
        content[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    };
    let is_ip = server.is_ip_literal();
    if is_ip && content["allow_ip_literals"].as_bool() == Some(false) {
        return false;
    }
    if globs("deny").iter().any(|g| glob_matches(g, host)) {
        return false;
    }
    globs("allow").iter().any(|g| glob_matches(g, host))
}

impl Services {
    /// Refuses (403) `server` when `room_id`'s server ACL does not let it take part.
    pub async fn check_server_acl(
        &self,
        room_id: &str,
        server: &ServerName,
    ) -> Result<(), RoomError> {
        let Some(acl) = self
            .current_state_event(room_id, "m.room.server_acl", "")
            .await?
        else {
            return Ok(());
        };
        if acl_allows(&acl.content_value(), server) {
            Ok(())
        } else {
            Err(RoomError::Forbidden("Server is banned from room".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::acl_allows;
    use serde_json::json;

    fn name(s: &str) -> &ruma::ServerName {
        <&ruma::ServerName>::try_from(s).unwrap()
    }

    #[test]
    fn acls_match_hosts_as_the_spec_says() {
        let acl = json!({"allow": ["*"], "deny": ["evil.example", "*.bad.example"], "allow_ip_literals": false});
        assert!(acl_allows(&acl, name("good.example")));
        assert!(
            acl_allows(&acl, name("good.example:8448")),
            "ports are not compared"
        );
        assert!(!acl_allows(&acl, name("evil.example:8448")));
        assert!(!acl_allows(&acl, name("x.bad.example")));
        assert!(
            !acl_allows(&acl, name("127.0.0.1:8448")),
            "IP literals refused"
        );
        assert!(!acl_allows(&acl, name("[::1]:8448")));
        // IP literals are allowed unless said otherwise; nothing allowed is nothing allowed.
        assert!(acl_allows(&json!({"allow": ["*"]}), name("127.0.0.1")));
        assert!(!acl_allows(&json!({"allow": []}), name("good.example")));
        assert!(!acl_allows(&json!({}), name("good.example")));
        assert!(acl_allows(
            &json!({"allow": ["GOOD.example"]}),
            name("good.EXAMPLE")
        ));
    }
}
