-- Most events relate to no other: the relations index holds only those that do, so storing a
-- message or a joined room's state writes no entry into it (a lookup names the related event,
-- which implies it is not null, so it still uses the index).
DROP INDEX events_relations;
CREATE INDEX events_relations ON events (relates_to, rel_type, stream_ordering) WHERE relates_to IS NOT NULL;
