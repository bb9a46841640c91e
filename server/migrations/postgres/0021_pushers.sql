-- Pushers (POST /pushers/set): where a user's notifications are sent, one row per
-- (user, app_id, pushkey). `data` is the pusher's JSON `data` object as the client set it;
-- `device_id` is the device whose access token set it (its deletion removes the pusher, as
-- Synapse does); `pushkey_ts` is when the pushkey was set, in milliseconds.
CREATE TABLE pushers (
    user_id             TEXT NOT NULL,
    app_id              TEXT NOT NULL,
    pushkey             TEXT NOT NULL,
    kind                TEXT NOT NULL,
    app_display_name    TEXT NOT NULL,
    device_display_name TEXT NOT NULL,
    profile_tag         TEXT,
    lang                TEXT NOT NULL,
    data                TEXT NOT NULL,
    device_id           TEXT,
    pushkey_ts          BIGINT NOT NULL,
    PRIMARY KEY (user_id, app_id, pushkey)
);
CREATE INDEX pushers_app_pushkey ON pushers (app_id, pushkey);
