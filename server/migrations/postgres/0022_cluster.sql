-- Several matrixd processes on one database (`worker_name`): the highest stream position any
-- of them has handed out, written by the process that holds the writer's lock (a PostgreSQL
-- advisory lock) when it lets go, so the next holder continues after it; `writing` is 1 while
-- a process holds it (still 1 when the next one takes it: the holder stopped while writing, and
-- the next holder looks at what is stored). One row, written without waiting for the disk
-- (a process whose session is new looks at what is stored too).
CREATE TABLE cluster_stream (
    id        INTEGER PRIMARY KEY,
    allocated BIGINT NOT NULL,
    writing   INTEGER NOT NULL DEFAULT 0
);
