-- Refresh tokens (Synapse's refresh_tokens, MSC2918): stored as SHA-256 hex digests like
-- access tokens. A refresh chain links each token to the one it was exchanged for
-- (next_token_hash); a token stays usable until the access token issued with its successor is
-- first used (access_tokens.used) or its successor is itself exchanged. Only the last two
-- tokens of a chain are kept. Rows are keyed by hash rather than by Synapse's numeric ids, so
-- an import links them without carrying an id sequence.
CREATE TABLE refresh_tokens (
    token_hash                 TEXT PRIMARY KEY,
    user_id                    TEXT NOT NULL,
    device_id                  TEXT NOT NULL,
    next_token_hash            TEXT,
    expiry_ts                  BIGINT,
    ultimate_session_expiry_ts BIGINT,
    created_ts                 BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_device ON refresh_tokens(user_id, device_id);
CREATE INDEX refresh_tokens_next ON refresh_tokens(next_token_hash);

-- An access token may expire (session_lifetime, the refreshable and non-refreshable
-- lifetimes) and may belong to a refresh token; used turns 1 at its first request.
ALTER TABLE access_tokens ADD COLUMN valid_until_ms BIGINT;
ALTER TABLE access_tokens ADD COLUMN refresh_token_hash TEXT;
ALTER TABLE access_tokens ADD COLUMN used INTEGER NOT NULL DEFAULT 0;
CREATE INDEX access_tokens_refresh ON access_tokens(refresh_token_hash);
