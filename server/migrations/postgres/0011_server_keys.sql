-- Other servers' signing keys as the key ring verified them (service/federation/keys.rs), so
-- they survive a restart and are shared by every process on this database, and the documents
-- the notary endpoints serve again. One row per (server, key id, who gave us the document: the
-- server itself or a notary). `key_json` is the server's own signed key document as received
-- (canonical JSON, every signature kept); `ts_valid_until_ms` is the key's validity as that
-- document states it (`valid_until_ts` for a current key, `expired_ts` for an old one), not
-- capped; `ts_added_ms` is when it was fetched.
CREATE TABLE server_keys_json (
    server_name       TEXT NOT NULL,
    key_id            TEXT NOT NULL,
    from_server       TEXT NOT NULL,
    ts_added_ms       BIGINT NOT NULL,
    ts_valid_until_ms BIGINT NOT NULL,
    key_json          TEXT NOT NULL,
    PRIMARY KEY (server_name, key_id, from_server)
);
