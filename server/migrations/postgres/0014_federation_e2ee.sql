-- EDUs that must reach another server exactly once and in order (device-list updates,
-- cross-signing key updates, to-device messages): kept until a transaction carrying them is
-- accepted (or refused for good). Ordered by the stream position they were written at.
CREATE TABLE federation_outbox (
    destination TEXT NOT NULL,
    stream_id   BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    edu_type    TEXT NOT NULL,
    content     TEXT NOT NULL,
    PRIMARY KEY (destination, stream_id, seq)
);

-- For each other server and each of our users, the stream id of the last device-list update
-- sent to it (the next update's prev_id), or of the list it last fetched from us.
CREATE TABLE device_list_outbound (
    destination TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    stream_id   BIGINT NOT NULL,
    PRIMARY KEY (destination, user_id)
);

-- Other servers' users' device lists, as their servers told us: the stream id the list is at,
-- and whether it may be out of date (a gap, a failed fetch, a room shared again), which makes
-- the next /keys/query fetch it again.
CREATE TABLE remote_device_lists (
    user_id   TEXT PRIMARY KEY,
    stream_id BIGINT NOT NULL,
    stale     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE remote_devices (
    user_id      TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    display_name TEXT,
    keys_json    TEXT,
    PRIMARY KEY (user_id, device_id)
);
