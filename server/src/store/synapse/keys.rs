//! Other servers' signing keys Synapse fetched and verified, so that their events' signatures
//! check without fetching the keys again (and old keys gone from their servers still verify).

use super::target::Target;
use super::{TableStep, as_is};

pub(super) static STEPS: &[TableStep] = &[TableStep {
    name: "server_keys",
    what: "other servers' signing keys",
    count: "SELECT COUNT(*) FROM server_keys_json",
    select: "SELECT server_name, key_id, from_server, CAST(ts_added_ms AS BIGINT), CAST(ts_valid_until_ms AS BIGINT), \
             key_json FROM server_keys_json ORDER BY server_name, key_id, from_server LIMIT $1 OFFSET $2",
    targets: &[Target {
        head: "INSERT INTO server_keys_json (server_name, key_id, from_server, ts_added_ms, ts_valid_until_ms, key_json)",
        cols: 6,
        tail: "ON CONFLICT DO NOTHING",
    }],
    convert: as_is,
    batch: 1000,
    check: Some("SELECT COUNT(*) FROM server_keys_json"),
}];
