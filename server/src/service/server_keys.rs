//! The server's published key document (`/_matrix/key/v2/server`): built as canonical JSON
//! and signed with the signing key through ruma.

use ruma::CanonicalJsonObject;
use serde_json::json;

use crate::keys::SigningKey;

/// How long other servers may cache our key (Synapse publishes for one day).
pub const KEY_VALIDITY_MS: i64 = 24 * 60 * 60 * 1000;

pub fn signed_key_document(
    server_name: &str,
    key: &SigningKey,
    now_ms: i64,
) -> anyhow::Result<CanonicalJsonObject> {
    let doc = json!({
        "server_name": server_name,
        "valid_until_ts": now_ms + KEY_VALIDITY_MS,
        "verify_keys": { key.key_id(): { "key": key.public_key_base64() } },
        "old_verify_keys": {},
    });
    let mut obj: CanonicalJsonObject = serde_json::from_value(doc)?;
    key.sign_json(server_name, &mut obj)?;
    Ok(obj)
}
