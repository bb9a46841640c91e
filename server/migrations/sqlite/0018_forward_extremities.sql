-- A room's forward extremities (the events nothing builds on yet) while it is forked: two or
-- more rows, replaced with each event stored in the room and deleted when an event merges the
-- forks. A room with no rows has one extremity, its newest event. Kept so that our next event
-- after a restart still builds on every fork.
CREATE TABLE forward_extremities (
    room_id  TEXT NOT NULL,
    event_id TEXT NOT NULL,
    depth    BIGINT NOT NULL,
    PRIMARY KEY (room_id, event_id)
);
