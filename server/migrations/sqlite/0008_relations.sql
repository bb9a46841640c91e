-- Relations (edits, reactions, threads, references): the related event and the relation type
-- of each event, indexed for /relations. Filled for events stored before this migration too.
ALTER TABLE events ADD COLUMN relates_to TEXT;
ALTER TABLE events ADD COLUMN rel_type TEXT;
UPDATE events SET
    relates_to = json_extract(json, '$.content."m.relates_to".event_id'),
    rel_type = json_extract(json, '$.content."m.relates_to".rel_type')
WHERE json_extract(json, '$.content."m.relates_to".rel_type') IS NOT NULL;
CREATE INDEX events_relations ON events (relates_to, rel_type, stream_ordering);
