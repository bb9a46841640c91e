-- State lookups by position (initial sync, /members?at=, /context) scan only state events:
-- a room with 10,000 messages and 10 state events reads 10 index entries, not 10,000.
DROP INDEX events_room_state;
CREATE INDEX events_room_state ON events (room_id, type, state_key, stream_ordering) WHERE state_key IS NOT NULL;
