-- The state of a room after each event, so an event another server built on an older event
-- (or on several, after a network partition) is authorised against the state it was built
-- on, and forks are merged by state resolution (service/rooms/state_res.rs).
--
-- A state group is one state of a room: a delta (`state_group_entries`) on the group
-- `prev_id`, or, with no `prev_id`, every entry itself (a snapshot). `chain` is how many
-- deltas lie above the nearest snapshot, kept short so a group is read in one query. A group's
-- id is four times the stream position of the event whose storing made it, plus which of its
-- groups it is (0: the state after that state event; 1: the state before it, when made there;
-- 2: the room's resolved state after it), so ids need no allocator of their own.
-- `events.state_group` is the state after the event; NULL for events stored before this
-- migration, by a join or an invite, or by backfill, whose state is read from the stream.
ALTER TABLE events ADD COLUMN state_group INTEGER;

CREATE TABLE state_groups (
    id      INTEGER PRIMARY KEY,
    room_id TEXT NOT NULL,
    prev_id INTEGER,
    chain   INTEGER NOT NULL
);

CREATE TABLE state_group_entries (
    group_id  INTEGER NOT NULL,
    type      TEXT NOT NULL,
    state_key TEXT NOT NULL,
    event_id  TEXT NOT NULL,
    PRIMARY KEY (group_id, type, state_key)
);

-- Events that passed the auth checks against the state they were built on but not against the
-- room's current state (soft-failed, as the spec says): kept, but not in the timeline, not a
-- forward extremity, and not part of the room's state.
CREATE TABLE soft_failed_events (
    event_id    TEXT PRIMARY KEY,
    room_id     TEXT NOT NULL,
    json        TEXT NOT NULL,
    received_ts INTEGER NOT NULL
);
