-- Local media: metadata here, bytes under media_store_path named after the id.
CREATE TABLE media (
    media_id     TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    content_type TEXT,
    filename     TEXT,
    size         BIGINT,
    created_ts   BIGINT NOT NULL,
    -- 0 while reserved by /v1/create and not uploaded yet.
    uploaded     BIGINT NOT NULL DEFAULT 1,
    expires_ts   BIGINT
);
CREATE INDEX media_user ON media (user_id, created_ts);
