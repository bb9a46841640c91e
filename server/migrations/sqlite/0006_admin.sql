-- The admin API and OpenID: rooms an admin blocked, the outcome of room deletions (the
-- delete_status endpoint), and short-lived OpenID tokens for widgets (stored hashed).
CREATE TABLE blocked_rooms (
    room_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL
);

CREATE TABLE room_delete_tasks (
    delete_id  TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    result     TEXT,
    error      TEXT,
    created_ts INTEGER NOT NULL
);
CREATE INDEX room_delete_tasks_room ON room_delete_tasks (room_id);

CREATE TABLE openid_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    expires_ts INTEGER NOT NULL
);
