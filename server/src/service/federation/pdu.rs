//! Checking a PDU received from another server, as the spec requires before anything else is
//! done with it (https://spec.matrix.org/v1.16/server-server-api/#checks-performed-on-receipt-of-a-pdu):
//! its format for the room version, its event id (the reference hash from room v3 on), the
//! signatures of every server that must have signed it (its sender's, and the authorising
//! user's for restricted joins), each key fetched through the key ring and valid when the
//! event was sent, and its content hash: an event whose hash does not match is kept only in
//! its redacted form, as the spec says.

use std::collections::BTreeMap;

use ruma::room_version_rules::{EventIdFormatVersion, RoomVersionRules};
use ruma::signatures::{PublicKeyMap, Verified};
use ruma::{CanonicalJsonObject, CanonicalJsonValue, OwnedEventId};

use crate::service::Services;
use crate::service::rooms::MAX_PDU_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum PduError {
    /// Not an event of this room version's format.
    #[error("invalid event: {0}")]
    Format(String),
    /// A signature that must be there is missing, cannot be checked, or is wrong.
    #[error("invalid signature: {0}")]
    Signature(String),
}

/// A PDU refused as the API answers it: bad format 400 (M_BAD_JSON), a signature that does
/// not hold 403.
impl From<PduError> for crate::service::rooms::RoomError {
    fn from(e: PduError) -> Self {
        match e {
            PduError::Format(m) => Self::BadEvent(m),
            PduError::Signature(m) => Self::Forbidden(m),
        }
    }
}

/// A PDU that passed the checks: its event id, and the event as it may be kept (redacted when
/// its content hash did not match).
#[derive(Debug, Clone)]
pub struct CheckedPdu {
    pub event_id: OwnedEventId,
    pub event: CanonicalJsonObject,
    /// The content hash did not match: `event` is the redacted form.
    pub redacted: bool,
}

/// The event id of `event` in a room of `rules`: its `event_id` field in room versions 1 and
/// 2, its reference hash from version 3 on.
pub fn event_id_of(
    event: &CanonicalJsonObject,
    rules: &RoomVersionRules,
) -> Result<OwnedEventId, PduError> {
    let id = match rules.event_id_format {
        EventIdFormatVersion::V1 => match event.get("event_id") {
            Some(CanonicalJsonValue::String(s)) => s.clone(),
            _ => return Err(PduError::Format("no event_id".into())),
        },
        _ => {
            let hash = ruma::signatures::reference_hash(event, rules)
                .map_err(|e| PduError::Format(e.to_string()))?;
            format!("${hash}")
        }
    };
    OwnedEventId::try_from(id).map_err(|e| PduError::Format(e.to_string()))
}

/// Parses a PDU as received (JSON) into canonical JSON, refusing one over the spec's size.
pub fn parse_pdu(raw: &serde_json::value::RawValue) -> Result<CanonicalJsonObject, PduError> {
    if raw.get().len() > MAX_PDU_BYTES {
        return Err(PduError::Format(format!(
            "the event is larger than {MAX_PDU_BYTES} bytes"
        )));
    }
    serde_json::from_str(raw.get()).map_err(|e| PduError::Format(e.to_string()))
}

impl Services {
    /// Checks a PDU received from another server (see the module comment).
    pub async fn check_pdu(
        &self,
        mut event: CanonicalJsonObject,
        rules: &RoomVersionRules,
    ) -> Result<CheckedPdu, PduError> {
        // Fields a server may not have set for us, and the ones every PDU has.
        event.remove("unsigned");
        for field in ["type", "sender", "room_id", "origin_server_ts", "depth"] {
            if !event.contains_key(field) {
                // v12 create events carry no room_id.
                if field == "room_id"
                    && matches!(event.get("type"), Some(CanonicalJsonValue::String(t)) if t == "m.room.create")
                {
                    continue;
                }
                return Err(PduError::Format(format!("no {field}")));
            }
        }
        let event_id = event_id_of(&event, rules)?;
        if !rules.event_format.require_event_id {
            event.remove("event_id");
        }
        let ts = match event.get("origin_server_ts") {
            Some(CanonicalJsonValue::Integer(t)) => i64::from(*t),
            _ => {
                return Err(PduError::Format(
                    "origin_server_ts is not an integer".into(),
                ));
            }
        };

        let servers =
            ruma::signatures::required_server_signatures_to_verify_event(&event, &rules.signatures)
                .map_err(|e| PduError::Format(e.to_string()))?;
        let signatures = match event.get("signatures") {
            Some(CanonicalJsonValue::Object(s)) => s,
            _ => return Err(PduError::Signature("no signatures".into())),
        };
        let mut keys: PublicKeyMap = BTreeMap::new();
        for server in &servers {
            let Some(CanonicalJsonValue::Object(by_key)) = signatures.get(server.as_str()) else {
                return Err(PduError::Signature(format!("not signed by {server}")));
            };
            let mut set = BTreeMap::new();
            for key_id in by_key.keys().filter(|k| k.starts_with("ed25519:")) {
                let at = if rules.enforce_key_validity { ts } else { 0 };
                if let Ok(key) = self.server_key(server, key_id, at).await {
                    set.insert(key_id.clone(), key);
                }
            }
            if set.is_empty() {
                return Err(PduError::Signature(format!(
                    "no key of {server} that signed the event could be found"
                )));
            }
            keys.insert(server.to_string(), set);
        }
        match ruma::signatures::verify_event(&keys, &event, rules) {
            Ok(Verified::All) => Ok(CheckedPdu {
                event_id,
                event,
                redacted: false,
            }),
            Ok(Verified::Signatures) => {
                let redacted = ruma::canonical_json::redact(event, &rules.redaction, None)
                    .map_err(|e| PduError::Format(e.to_string()))?;
                Ok(CheckedPdu {
                    event_id,
                    event: redacted,
                    redacted: true,
                })
            }
            Err(e) => Err(PduError::Signature(e.to_string())),
        }
    }
}
