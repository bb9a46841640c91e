-- Registration tokens (the m.login.registration_token UIA stage), as in Synapse: a token is
-- valid while it has not expired and pending + completed < uses_allowed (NULL: unlimited).
CREATE TABLE registration_tokens (
    token        TEXT PRIMARY KEY,
    uses_allowed INTEGER,
    pending      INTEGER NOT NULL DEFAULT 0,
    completed    INTEGER NOT NULL DEFAULT 0,
    expiry_time  INTEGER
);
