-- Accounts, devices and access tokens.
CREATE TABLE users (
    user_id       TEXT PRIMARY KEY,
    localpart     TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    admin         INTEGER NOT NULL DEFAULT 0,
    user_type     TEXT,
    displayname   TEXT,
    deactivated   INTEGER NOT NULL DEFAULT 0,
    created_ts    INTEGER NOT NULL
);

CREATE TABLE devices (
    user_id      TEXT NOT NULL REFERENCES users(user_id),
    device_id    TEXT NOT NULL,
    display_name TEXT,
    created_ts   INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_id)
);

-- Tokens are stored as SHA-256 hex digests, never in the clear.
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(user_id),
    device_id  TEXT NOT NULL,
    created_ts INTEGER NOT NULL
);
CREATE INDEX access_tokens_device ON access_tokens(user_id, device_id);

-- Facts about the server that must never change under a database, such as server_name.
CREATE TABLE server_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
