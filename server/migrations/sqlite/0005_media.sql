-- Local media: metadata here, bytes under media_store_path named after the id.
CREATE TABLE media (
    media_id     TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    content_type TEXT,
    filename     TEXT,
    size         INTEGER,
    created_ts   INTEGER NOT NULL,
    -- 0 while reserved by /v1/create and not uploaded yet.
    uploaded     INTEGER NOT NULL DEFAULT 1,
    expires_ts   INTEGER
);
CREATE INDEX media_user ON media (user_id, created_ts);
