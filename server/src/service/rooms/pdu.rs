//! A stored PDU: the full signed event as canonical JSON plus the fields auth and sync need.
//! Implements ruma's state-res `Event` so the room version's authorization rules run on it,
//! and renders the client format (with `unsigned`) that the client-server API returns.

use ruma::events::TimelineEventType;
use ruma::serde::Raw;
use ruma::{
    EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UInt,
    UserId,
};
use serde::Deserialize;
use serde_json::value::RawValue as RawJsonValue;
use serde_json::{Map, Value, json};

use crate::store::rooms::EventRow;

#[derive(Debug, Clone, Deserialize)]
struct Fields {
    room_id: Option<OwnedRoomId>,
    sender: OwnedUserId,
    origin_server_ts: MilliSecondsSinceUnixEpoch,
    #[serde(rename = "type")]
    kind: TimelineEventType,
    content: Box<RawJsonValue>,
    state_key: Option<String>,
    #[serde(default)]
    prev_events: Vec<OwnedEventId>,
    #[serde(default)]
    auth_events: Vec<OwnedEventId>,
    redacts: Option<OwnedEventId>,
    depth: UInt,
}

/// An event's fields but `unsigned`, serialized in place.
struct WithoutUnsigned<'a>(&'a Map<String, Value>);

impl serde::Serialize for WithoutUnsigned<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(None)?;
        for (k, v) in self.0.iter().filter(|(k, _)| *k != "unsigned") {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone)]
pub struct Pdu {
    pub event_id: OwnedEventId,
    /// Position on the global stream (0 before it is stored).
    pub stream: i64,
    /// The full event as stored (signed PDU plus our `unsigned` additions).
    pub json: Map<String, Value>,
    f: Fields,
    redacts: Option<OwnedEventId>,
    pub redacted_by: Option<String>,
    /// (device_id, txn_id) the sender used, echoed back to that device only.
    pub txn: Option<(String, String)>,
}

/// About how much heap a JSON value holds: its strings, and the nodes of its maps and arrays.
fn json_heap_bytes(v: &Value) -> usize {
    const VALUE: usize = std::mem::size_of::<Value>();
    match v {
        Value::String(s) => s.capacity(),
        Value::Array(a) => a.iter().map(|v| VALUE + json_heap_bytes(v)).sum(),
        Value::Object(m) => map_heap_bytes(m),
        _ => 0,
    }
}

fn map_heap_bytes(m: &Map<String, Value>) -> usize {
    // Each entry: its key, its value, and a share of the map's node.
    const ENTRY: usize = std::mem::size_of::<String>() + std::mem::size_of::<Value>() + 16;
    m.iter()
        .map(|(k, v)| ENTRY + k.capacity() + json_heap_bytes(v))
        .sum()
}

impl Pdu {
    /// About how much memory this event holds (for caches bounded by bytes).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.event_id.as_str().len() + map_heap_bytes(&self.json)
    }

    /// An event checked or built as canonical JSON (signed PDU), read as an event.
    pub fn from_canonical(
        event_id: OwnedEventId,
        event: &ruma::CanonicalJsonObject,
    ) -> Result<Pdu, String> {
        match serde_json::to_value(event) {
            Ok(Value::Object(json)) => Pdu::from_json(event_id, json),
            _ => Err("the event is not an object".into()),
        }
    }

    /// As `from_canonical`, taking the event: its strings move over instead of being copied
    /// through a serializer (a join reads a thousand events this way, backfill a page).
    pub fn from_canonical_owned(
        event_id: OwnedEventId,
        event: ruma::CanonicalJsonObject,
    ) -> Result<Pdu, String> {
        match Value::from(ruma::CanonicalJsonValue::Object(event)) {
            Value::Object(json) => Pdu::from_json(event_id, json),
            _ => Err("the event is not an object".into()),
        }
    }

    pub fn from_json(event_id: OwnedEventId, json: Map<String, Value>) -> Result<Pdu, String> {
        // Read in place: the event is not copied.
        let f = Fields::deserialize(&json).map_err(|e| format!("malformed event: {e}"))?;
        // From room v11 on, `redacts` lives in the content.
        let redacts = f.redacts.clone().or_else(|| {
            if f.kind == TimelineEventType::RoomRedaction {
                json.get("content")
                    .and_then(|c| c.get("redacts"))
                    .and_then(Value::as_str)
                    .and_then(|s| EventId::parse(s).ok())
            } else {
                None
            }
        });
        Ok(Pdu {
            event_id,
            stream: 0,
            json,
            f,
            redacts,
            redacted_by: None,
            txn: None,
        })
    }

    pub fn from_row(row: &EventRow) -> Result<Pdu, String> {
        let json: Map<String, Value> = serde_json::from_str(&row.json)
            .map_err(|e| format!("stored event {}: {e}", row.event_id))?;
        let id = EventId::parse(&row.event_id).map_err(|e| e.to_string())?;
        let mut p = Pdu::from_json(id, json)?;
        p.stream = row.stream_ordering;
        p.redacted_by = row.redacted_by.clone();
        p.txn = row.txn_device_id.clone().zip(row.txn_id.clone());
        Ok(p)
    }

    /// The event as servers exchange it: the signed PDU, without our `unsigned` additions.
    pub fn federation_format(&self) -> Map<String, Value> {
        let mut out = self.json.clone();
        out.remove("unsigned");
        out
    }

    /// `federation_format` as JSON, written straight from the stored event (not copied first).
    pub fn federation_raw(&self) -> serde_json::Result<Box<RawJsonValue>> {
        serde_json::value::to_raw_value(&WithoutUnsigned(&self.json))
    }
    pub fn room_id_str(&self) -> Option<&str> {
        self.f.room_id.as_ref().map(|r| r.as_str())
    }
    pub fn prev_event_ids(&self) -> &[OwnedEventId] {
        &self.f.prev_events
    }
    pub fn auth_event_ids(&self) -> &[OwnedEventId] {
        &self.f.auth_events
    }
    pub fn sender_str(&self) -> &str {
        self.f.sender.as_str()
    }
    pub fn kind_str(&self) -> String {
        self.f.kind.to_string()
    }
    pub fn state_key_str(&self) -> Option<&str> {
        self.f.state_key.as_deref()
    }
    pub fn depth(&self) -> i64 {
        u64::from(self.f.depth) as i64
    }
    pub fn ts(&self) -> i64 {
        i64::from(self.f.origin_server_ts.0)
    }
    pub fn content_value(&self) -> Value {
        self.json
            .get("content")
            .cloned()
            .unwrap_or_else(|| json!({}))
    }
    pub fn redacts_str(&self) -> Option<&str> {
        self.redacts.as_ref().map(|e| e.as_str())
    }
    /// `content.membership` of a member event.
    pub fn membership(&self) -> Option<String> {
        self.json
            .get("content")?
            .get("membership")?
            .as_str()
            .map(str::to_string)
    }

    /// The client-server format. `viewer_device` gets `unsigned.transaction_id` when it sent
    /// the event; `redaction` is the redacting event, when there is one.
    pub fn client_format(
        &self,
        room_id: Option<&str>,
        viewer: Option<(&str, &str)>,
        redaction: Option<(&Pdu, &ruma::room_version_rules::RedactionRules)>,
    ) -> Value {
        let mut out = Map::new();
        let content = match redaction.and_then(|(_, rules)| self.redacted_content(rules)) {
            Some(c) => c,
            None => self.content_value(),
        };
        out.insert("content".into(), content);
        out.insert("event_id".into(), json!(self.event_id.as_str()));
        out.insert("origin_server_ts".into(), json!(self.ts()));
        if let Some(r) = room_id.or(self.room_id_str()) {
            out.insert("room_id".into(), json!(r));
        }
        out.insert("sender".into(), json!(self.sender_str()));
        out.insert("type".into(), json!(self.kind_str()));
        if let Some(sk) = self.state_key_str() {
            out.insert("state_key".into(), json!(sk));
        }
        if let Some(r) = self.redacts_str() {
            out.insert("redacts".into(), json!(r));
        }
        let mut unsigned = self
            .json
            .get("unsigned")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let age = crate::store::now_ms() - self.ts();
        unsigned.insert("age".into(), json!(age.max(0)));
        if let (Some((user, device)), Some((txn_device, txn_id))) = (viewer, &self.txn)
            && user == self.sender_str()
            && device == txn_device
        {
            unsigned.insert("transaction_id".into(), json!(txn_id));
        }
        if let Some((r, _)) = redaction {
            unsigned.insert("redacted_because".into(), r.client_format(None, None, None));
        }
        out.insert("unsigned".into(), Value::Object(unsigned));
        Value::Object(out)
    }

    /// The content left after redaction under this room version's rules.
    fn redacted_content(&self, rules: &ruma::room_version_rules::RedactionRules) -> Option<Value> {
        let obj: ruma::CanonicalJsonObject =
            serde_json::from_value(Value::Object(self.json.clone())).ok()?;
        let redacted = ruma::canonical_json::redact(obj, rules, None).ok()?;
        serde_json::to_value(redacted.get("content")?).ok()
    }

    /// The event as ruma's raw type, for code that wants typed access.
    pub fn raw(&self) -> Raw<Value> {
        Raw::new(&Value::Object(self.json.clone())).expect("JSON object")
    }
}

impl ruma::state_res::Event for Pdu {
    type Id = OwnedEventId;

    fn event_id(&self) -> &Self::Id {
        &self.event_id
    }
    fn room_id(&self) -> Option<&RoomId> {
        self.f.room_id.as_deref()
    }
    fn sender(&self) -> &UserId {
        &self.f.sender
    }
    fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch {
        self.f.origin_server_ts
    }
    fn event_type(&self) -> &TimelineEventType {
        &self.f.kind
    }
    fn content(&self) -> &RawJsonValue {
        &self.f.content
    }
    fn state_key(&self) -> Option<&str> {
        self.f.state_key.as_deref()
    }
    fn prev_events(&self) -> Box<dyn DoubleEndedIterator<Item = &Self::Id> + '_> {
        Box::new(self.f.prev_events.iter())
    }
    fn auth_events(&self) -> Box<dyn DoubleEndedIterator<Item = &Self::Id> + '_> {
        Box::new(self.f.auth_events.iter())
    }
    fn redacts(&self) -> Option<&Self::Id> {
        self.redacts.as_ref()
    }
    fn rejected(&self) -> bool {
        false
    }
}
