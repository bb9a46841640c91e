//! The parts of a sync filter that sync and /messages honour.

use std::collections::HashSet;

use serde_json::Value;

use crate::service::rooms::Pdu;

/// The parts of a filter sync honours.
#[derive(Debug, Clone, Default)]
pub struct SyncFilter {
    pub timeline_limit: Option<usize>,
    pub lazy_load_members: bool,
    pub include_leave: bool,
    pub rooms: Option<HashSet<String>>,
    pub not_rooms: HashSet<String>,
    pub types: Option<Vec<String>>,
    pub not_types: Vec<String>,
    pub senders: Option<HashSet<String>>,
    pub not_senders: HashSet<String>,
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect()
    })
}

/// Whether `kind` matches a filter type pattern (a trailing `*` is a wildcard).
pub fn type_matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => pattern == kind,
    }
}

impl SyncFilter {
    pub fn from_json(v: &Value) -> SyncFilter {
        let room = v.get("room");
        let timeline = room.and_then(|r| r.get("timeline"));
        let state = room.and_then(|r| r.get("state"));
        SyncFilter {
            timeline_limit: timeline
                .and_then(|t| t.get("limit"))
                .and_then(Value::as_u64)
                .map(|l| l.clamp(1, 1000) as usize),
            lazy_load_members: state
                .and_then(|s| s.get("lazy_load_members"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            include_leave: room
                .and_then(|r| r.get("include_leave"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            rooms: strings(room.and_then(|r| r.get("rooms"))).map(|v| v.into_iter().collect()),
            not_rooms: strings(room.and_then(|r| r.get("not_rooms")))
                .unwrap_or_default()
                .into_iter()
                .collect(),
            types: strings(timeline.and_then(|t| t.get("types"))),
            not_types: strings(timeline.and_then(|t| t.get("not_types"))).unwrap_or_default(),
            senders: strings(timeline.and_then(|t| t.get("senders")))
                .map(|v| v.into_iter().collect()),
            not_senders: strings(timeline.and_then(|t| t.get("not_senders")))
                .unwrap_or_default()
                .into_iter()
                .collect(),
        }
    }

    pub(super) fn room_allowed(&self, room_id: &str) -> bool {
        !self.not_rooms.contains(room_id) && self.rooms.as_ref().is_none_or(|r| r.contains(room_id))
    }

    pub fn event_allowed(&self, p: &Pdu) -> bool {
        let kind = p.kind_str();
        if self.not_types.iter().any(|t| type_matches(t, &kind))
            || self.not_senders.contains(p.sender_str())
        {
            return false;
        }
        if let Some(types) = &self.types
            && !types.iter().any(|t| type_matches(t, &kind))
        {
            return false;
        }
        self.senders
            .as_ref()
            .is_none_or(|s| s.contains(p.sender_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_patterns() {
        assert!(type_matches("m.room.*", "m.room.message"));
        assert!(!type_matches("m.room.message", "m.room.member"));
    }
}
