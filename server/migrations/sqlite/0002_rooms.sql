-- Rooms, events (full PDUs), current state, memberships, and the per-user data sync serves.
-- Every row a sync can return carries a position on the one global stream (`stream_ordering`
-- for events, `stream_id` elsewhere), allocated in commit order by the server.

ALTER TABLE users ADD COLUMN avatar_url TEXT;

CREATE TABLE rooms (
    room_id      TEXT PRIMARY KEY,
    room_version TEXT NOT NULL,
    creator      TEXT NOT NULL,
    is_public    INTEGER NOT NULL DEFAULT 0,
    created_ts   INTEGER NOT NULL
);

CREATE TABLE events (
    stream_ordering  INTEGER PRIMARY KEY,
    event_id         TEXT NOT NULL UNIQUE,
    room_id          TEXT NOT NULL,
    sender           TEXT NOT NULL,
    type             TEXT NOT NULL,
    state_key        TEXT,
    depth            INTEGER NOT NULL,
    origin_server_ts INTEGER NOT NULL,
    json             TEXT NOT NULL,
    redacted_by      TEXT,
    txn_device_id    TEXT,
    txn_id           TEXT
);
CREATE INDEX events_room_stream ON events (room_id, stream_ordering);
CREATE INDEX events_room_state ON events (room_id, type, state_key, stream_ordering);

CREATE TABLE current_state (
    room_id         TEXT NOT NULL,
    type            TEXT NOT NULL,
    state_key       TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    stream_ordering INTEGER NOT NULL,
    PRIMARY KEY (room_id, type, state_key)
);

-- The latest membership of each user in each room.
CREATE TABLE room_memberships (
    user_id         TEXT NOT NULL,
    room_id         TEXT NOT NULL,
    membership      TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    stream_ordering INTEGER NOT NULL,
    forgotten       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, room_id)
);
CREATE INDEX room_memberships_room ON room_memberships (room_id, membership);
CREATE INDEX room_memberships_user_stream ON room_memberships (user_id, stream_ordering);

CREATE TABLE event_txns (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    txn_id    TEXT NOT NULL,
    event_id  TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, txn_id)
);

CREATE TABLE room_aliases (
    alias   TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    creator TEXT NOT NULL
);
CREATE INDEX room_aliases_room ON room_aliases (room_id);

-- room_id is '' for global account data.
CREATE TABLE account_data (
    user_id   TEXT NOT NULL,
    room_id   TEXT NOT NULL,
    type      TEXT NOT NULL,
    content   TEXT NOT NULL,
    stream_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id, type)
);
CREATE INDEX account_data_stream ON account_data (user_id, stream_id);

CREATE TABLE receipts (
    room_id      TEXT NOT NULL,
    receipt_type TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    thread_id    TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    ts           INTEGER NOT NULL,
    stream_id    INTEGER NOT NULL,
    PRIMARY KEY (room_id, receipt_type, user_id, thread_id)
);
CREATE INDEX receipts_stream ON receipts (room_id, stream_id);

CREATE TABLE filters (
    user_id   TEXT NOT NULL,
    filter_id INTEGER NOT NULL,
    json      TEXT NOT NULL,
    PRIMARY KEY (user_id, filter_id)
);

CREATE TABLE presence (
    user_id        TEXT PRIMARY KEY,
    state          TEXT NOT NULL,
    status_msg     TEXT,
    last_active_ts INTEGER NOT NULL,
    stream_id      INTEGER NOT NULL
);

-- A user's changes to the default push rules, as one JSON document.
CREATE TABLE push_rules (
    user_id TEXT PRIMARY KEY,
    json    TEXT NOT NULL
);
