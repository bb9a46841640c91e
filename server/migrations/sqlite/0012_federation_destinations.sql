-- Other servers we send events to: how far the events they should receive were delivered,
-- and the backoff after failures (the outbound queue is the events table itself: every local
-- event after delivered_pos in a room the server is in).
CREATE TABLE federation_destinations (
    destination   TEXT PRIMARY KEY,
    delivered_pos BIGINT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    retry_at      BIGINT NOT NULL DEFAULT 0
);
