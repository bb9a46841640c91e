-- Third-party identifiers bound to accounts (email), addresses canonicalised as Synapse does
-- (local part casefolded, domain lowercased). One account per address.
CREATE TABLE user_threepids (
    user_id      TEXT NOT NULL,
    medium       TEXT NOT NULL,
    address      TEXT NOT NULL,
    validated_at BIGINT NOT NULL,
    added_at     BIGINT NOT NULL,
    PRIMARY KEY (medium, address)
);
CREATE INDEX user_threepids_user ON user_threepids (user_id);

-- Validation sessions of /requestToken: who asked (client_secret) to prove which address.
CREATE TABLE threepid_validation_session (
    session_id        TEXT PRIMARY KEY,
    medium            TEXT NOT NULL,
    address           TEXT NOT NULL,
    client_secret     TEXT NOT NULL,
    last_send_attempt BIGINT NOT NULL,
    validated_at      BIGINT,
    created_ts        BIGINT NOT NULL
);
CREATE INDEX threepid_validation_session_secret ON threepid_validation_session (client_secret, medium, address);

-- The tokens mailed for a session (a resend adds one); each expires.
CREATE TABLE threepid_validation_token (
    token      TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    next_link  TEXT,
    expires_ts BIGINT NOT NULL
);
CREATE INDEX threepid_validation_token_session ON threepid_validation_token (session_id);
