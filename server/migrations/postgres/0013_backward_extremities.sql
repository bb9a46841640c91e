-- Where a room's history continues before the oldest events we hold of it (Synapse's backward
-- extremities): events our stored events name as prev_events that we do not have. A room
-- joined through another server starts with the prev_events of our join; backfill (asking
-- another server for older events, service/federation/backfill.rs) removes the ones it
-- fetched and adds the prev_events of what it stored that are still missing.
CREATE TABLE backward_extremities (
    room_id  TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (room_id, event_id)
);
