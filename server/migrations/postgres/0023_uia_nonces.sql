-- User-interactive auth sessions and shared-secret registration nonces, kept in the database
-- (they were in memory) so that any of several processes sharing it (`worker_name`) can
-- continue what another began, and a session survives a restart, as Synapse's do.
CREATE TABLE uia_sessions (
    session_id TEXT PRIMARY KEY,
    -- Method and path template the session was started for, e.g. 'POST /register'.
    endpoint   TEXT NOT NULL,
    user_id    TEXT,
    created_ms BIGINT NOT NULL,
    -- The request's parameters (JSON), from its first call or the last that gave any.
    params     TEXT NOT NULL
);
CREATE INDEX uia_sessions_created ON uia_sessions (created_ms);
-- Stages completed, in the order they were.
CREATE TABLE uia_session_stages (
    session_id TEXT NOT NULL REFERENCES uia_sessions (session_id) ON DELETE CASCADE,
    stage      TEXT NOT NULL,
    done_ms    BIGINT NOT NULL,
    PRIMARY KEY (session_id, stage)
);
-- What a flow carries between calls (a password hash, the registration token reserved, ...).
CREATE TABLE uia_session_data (
    session_id TEXT NOT NULL REFERENCES uia_sessions (session_id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (session_id, key)
);
-- Nonces for /_synapse/admin/v1/register, each usable once within 60 seconds.
CREATE TABLE registration_nonces (
    nonce      TEXT PRIMARY KEY,
    created_ms BIGINT NOT NULL
);
CREATE INDEX registration_nonces_created ON registration_nonces (created_ms);
