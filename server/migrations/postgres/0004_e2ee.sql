-- End-to-end encryption plumbing: the server stores and relays keys and to-device messages,
-- never decrypts. Positions (`stream_id`) are on the one global stream, like every other
-- table a sync reads.

-- A device's identity keys, as uploaded (signatures by cross-signing keys live apart).
CREATE TABLE e2e_device_keys (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    key_json  TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_id)
);

-- One-time keys: each row is handed out once by /keys/claim, which deletes it.
CREATE TABLE e2e_one_time_keys (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    key_json  TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_id, algorithm, key_id)
);

-- One fallback key per device and algorithm; claimed without deleting, `used` set to 1.
CREATE TABLE e2e_fallback_keys (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    key_json  TEXT NOT NULL,
    used      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, device_id, algorithm)
);

-- Cross-signing keys: key_type is master, self_signing or user_signing.
CREATE TABLE e2e_cross_signing_keys (
    user_id   TEXT NOT NULL,
    key_type  TEXT NOT NULL,
    key_json  TEXT NOT NULL,
    stream_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, key_type)
);

-- Signatures uploaded through /keys/signatures/upload: target_key_id is a device id or the
-- unpadded base64 public part of a master key.
CREATE TABLE e2e_signatures (
    target_user_id TEXT NOT NULL,
    target_key_id  TEXT NOT NULL,
    signer_user_id TEXT NOT NULL,
    signer_key_id  TEXT NOT NULL,
    signature      TEXT NOT NULL,
    PRIMARY KEY (target_user_id, target_key_id, signer_user_id, signer_key_id)
);

-- The latest position at which a user's devices or cross-signing keys changed.
CREATE TABLE device_list_changes (
    user_id   TEXT PRIMARY KEY,
    stream_id BIGINT NOT NULL
);
CREATE INDEX device_list_changes_stream ON device_list_changes (stream_id);

-- To-device messages waiting for their device. `delivered` is 1 once a sync returned the
-- message; it is deleted when a later sync's `since` is at or past its position.
CREATE TABLE to_device_messages (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    stream_id BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    sender    TEXT NOT NULL,
    type      TEXT NOT NULL,
    content   TEXT NOT NULL,
    delivered BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, device_id, stream_id, seq)
);
CREATE INDEX to_device_messages_stream ON to_device_messages (stream_id);

-- /sendToDevice transaction ids already handled, per sending device.
CREATE TABLE to_device_txns (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    txn_id    TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, txn_id)
);

-- Room key backup versions; a deleted version keeps its number (never reused).
CREATE TABLE e2e_room_keys_versions (
    user_id   TEXT NOT NULL,
    version   BIGINT NOT NULL,
    algorithm TEXT NOT NULL,
    auth_data TEXT NOT NULL,
    etag      BIGINT NOT NULL DEFAULT 0,
    deleted   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, version)
);

CREATE TABLE e2e_room_keys (
    user_id             TEXT NOT NULL,
    version             BIGINT NOT NULL,
    room_id             TEXT NOT NULL,
    session_id          TEXT NOT NULL,
    first_message_index BIGINT NOT NULL,
    forwarded_count     BIGINT NOT NULL,
    is_verified         BIGINT NOT NULL,
    session_data        TEXT NOT NULL,
    PRIMARY KEY (user_id, version, room_id, session_id)
);
