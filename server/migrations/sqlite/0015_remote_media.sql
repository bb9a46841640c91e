-- Other servers' media, fetched for our users on first request and kept: the bytes under
-- media_store_path/remote_content/{origin}/ab/cd/rest-of-id, what the origin said of them here.
CREATE TABLE remote_media (
    origin       TEXT NOT NULL,
    media_id     TEXT NOT NULL,
    content_type TEXT,
    upload_name  TEXT,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    created_ts   INTEGER NOT NULL,
    PRIMARY KEY (origin, media_id)
);
