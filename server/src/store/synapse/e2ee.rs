//! End-to-end encryption keys as the clients uploaded them: device keys, one-time and fallback
//! keys, cross-signing keys (the newest of each kind) and signatures, room key backups, and the
//! to-device messages still waiting for their device (room keys sent to a device that was
//! offline). The server never decrypts any of them; carrying them over is what lets the same
//! client sessions go on decrypting.

use super::source::Val;
use super::target::Target;
use super::{Converted, Ctx, TableStep, as_is, opt, text};

pub(super) static STEPS: &[TableStep] = &[
    TableStep {
        name: "e2e_device_keys",
        what: "device identity keys",
        count: "SELECT COUNT(*) FROM e2e_device_keys_json",
        select: "SELECT user_id, device_id, key_json, CAST(ts_added_ms AS BIGINT) FROM e2e_device_keys_json \
                 ORDER BY user_id, device_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO e2e_device_keys (user_id, device_id, key_json, ts)",
            cols: 4,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM e2e_device_keys"),
    },
    TableStep {
        name: "e2e_one_time_keys",
        what: "one-time keys not yet claimed",
        count: "SELECT COUNT(*) FROM e2e_one_time_keys_json",
        select: "SELECT user_id, device_id, algorithm, key_id, key_json, CAST(ts_added_ms AS BIGINT) \
                 FROM e2e_one_time_keys_json ORDER BY user_id, device_id, algorithm, key_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO e2e_one_time_keys (user_id, device_id, algorithm, key_id, key_json, ts)",
            cols: 6,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 2000,
        check: Some("SELECT COUNT(*) FROM e2e_one_time_keys"),
    },
    TableStep {
        name: "e2e_fallback_keys",
        what: "fallback keys",
        count: "SELECT COUNT(*) FROM e2e_fallback_keys_json",
        select: "SELECT user_id, device_id, algorithm, key_id, key_json, CASE WHEN used THEN 1 ELSE 0 END \
                 FROM e2e_fallback_keys_json ORDER BY user_id, device_id, algorithm LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO e2e_fallback_keys (user_id, device_id, algorithm, key_id, key_json, used)",
            cols: 6,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM e2e_fallback_keys"),
    },
    TableStep {
        name: "e2e_cross_signing_keys",
        what: "cross-signing keys (the newest master, self-signing and user-signing key of each user)",
        count: "SELECT COUNT(*) FROM e2e_cross_signing_keys k WHERE k.stream_id = \
                (SELECT MAX(n.stream_id) FROM e2e_cross_signing_keys n WHERE n.user_id = k.user_id AND n.keytype = k.keytype)",
        select: "SELECT k.user_id, k.keytype, k.keydata FROM e2e_cross_signing_keys k WHERE k.stream_id = \
                 (SELECT MAX(n.stream_id) FROM e2e_cross_signing_keys n WHERE n.user_id = k.user_id AND n.keytype = k.keytype) \
                 ORDER BY k.user_id, k.keytype LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO e2e_cross_signing_keys (user_id, key_type, key_json, stream_id)",
            cols: 4,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: cross_signing_keys,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM e2e_cross_signing_keys"),
    },
    TableStep {
        name: "e2e_signatures",
        what: "cross-signing signatures of devices and keys",
        count: "SELECT COUNT(*) FROM e2e_cross_signing_signatures",
        select: "SELECT target_user_id, target_device_id, user_id, key_id, signature FROM e2e_cross_signing_signatures \
                 ORDER BY target_user_id, target_device_id, user_id, key_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO e2e_signatures (target_user_id, target_key_id, signer_user_id, signer_key_id, signature)",
            cols: 5,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: None,
    },
    TableStep {
        name: "e2e_room_keys_versions",
        what: "room key backup versions",
        count: "SELECT COUNT(*) FROM e2e_room_keys_versions",
        select: "SELECT user_id, CAST(version AS BIGINT), algorithm, auth_data, CAST(COALESCE(etag, 0) AS BIGINT), \
                 CAST(deleted AS BIGINT) FROM e2e_room_keys_versions ORDER BY user_id, version LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO e2e_room_keys_versions (user_id, version, algorithm, auth_data, etag, deleted)",
            cols: 6,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM e2e_room_keys_versions"),
    },
    TableStep {
        name: "e2e_room_keys",
        what: "backed-up room keys",
        count: "SELECT COUNT(*) FROM e2e_room_keys",
        select: "SELECT user_id, CAST(version AS BIGINT), room_id, session_id, CAST(COALESCE(first_message_index, 0) AS BIGINT), \
                 CAST(COALESCE(forwarded_count, 0) AS BIGINT), CASE WHEN is_verified THEN 1 ELSE 0 END, session_data \
                 FROM e2e_room_keys ORDER BY user_id, version, room_id, session_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO e2e_room_keys (user_id, version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data)",
            cols: 8,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM e2e_room_keys"),
    },
    TableStep {
        name: "to_device",
        what: "to-device messages waiting for their device (room keys for devices that were offline)",
        count: "SELECT COUNT(*) FROM device_inbox",
        select: "SELECT user_id, device_id, CAST(stream_id AS BIGINT), message_json FROM device_inbox \
                 ORDER BY user_id, device_id, stream_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO to_device_messages (user_id, device_id, stream_id, seq, sender, type, content)",
            cols: 7,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: to_device,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM to_device_messages"),
    },
];

/// Each waiting message at the import's position, in Synapse's order (its stream id as the
/// sequence number), so the device's next sync brings them all.
fn to_device(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let mut rows = Vec::new();
    let mut skipped = 0;
    for r in page {
        let message: serde_json::Value =
            serde_json::from_str(&text(&r, 3)).unwrap_or(serde_json::Value::Null);
        let (Some(sender), Some(kind)) = (message["sender"].as_str(), message["type"].as_str())
        else {
            skipped += 1;
            continue;
        };
        rows.push((
            0,
            vec![
                opt(&r, 0),
                opt(&r, 1),
                Val::Int(ctx.position),
                opt(&r, 2),
                Val::Text(sender.to_string()),
                Val::Text(kind.to_string()),
                Val::Text(message["content"].to_string()),
            ],
        ));
    }
    Ok((rows, skipped))
}

fn cross_signing_keys(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let rows = page
        .into_iter()
        .map(|r| {
            (
                0,
                vec![opt(&r, 0), opt(&r, 1), opt(&r, 2), Val::Int(ctx.position)],
            )
        })
        .collect();
    Ok((rows, 0))
}
