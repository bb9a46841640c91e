-- Reports users file about content (POST /rooms/{roomId}/report/{eventId}), rooms (POST
-- /rooms/{roomId}/report) and users (POST /users/{userId}/report), kept for the server's
-- administrators (Synapse's admin API reads event reports). Ids are numbered here, one after
-- the highest so far.
CREATE TABLE event_reports (
    id          BIGINT NOT NULL PRIMARY KEY,
    received_ts BIGINT NOT NULL,
    room_id     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    reason      TEXT,
    content     TEXT NOT NULL
);
CREATE TABLE room_reports (
    id          BIGINT NOT NULL PRIMARY KEY,
    received_ts BIGINT NOT NULL,
    room_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE TABLE user_reports (
    id             BIGINT NOT NULL PRIMARY KEY,
    received_ts    BIGINT NOT NULL,
    target_user_id TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    reason         TEXT NOT NULL
);
