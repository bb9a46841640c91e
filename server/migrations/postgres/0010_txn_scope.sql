-- A transaction id is scoped to the device and the request path (the spec; Synapse keys its
-- cache the same way): the same id sent to another room, another event type or to redact
-- another event is another request. `scope` is the path up to the id, without the version
-- prefix: `send/{room_id}/{event_type}`, `redact/{room_id}/{event_id}`, `sendToDevice/{type}`.

CREATE TABLE event_txns_scoped (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    scope     TEXT NOT NULL,
    txn_id    TEXT NOT NULL,
    event_id  TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, scope, txn_id)
);
INSERT INTO event_txns_scoped (user_id, device_id, scope, txn_id, event_id)
SELECT t.user_id, t.device_id,
       COALESCE(
           CASE WHEN e.type = 'm.room.redaction'
                THEN 'redact/' || e.room_id || '/' ||
                     (SELECT x.event_id FROM events x WHERE x.redacted_by = t.event_id LIMIT 1)
           END,
           'send/' || e.room_id || '/' || e.type,
           ''),
       t.txn_id, t.event_id
FROM event_txns t LEFT JOIN events e ON e.event_id = t.event_id;
DROP TABLE event_txns;
ALTER TABLE event_txns_scoped RENAME TO event_txns;

-- Older rows did not record the event type; they keep the scope ''.
CREATE TABLE to_device_txns_scoped (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    scope     TEXT NOT NULL,
    txn_id    TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, scope, txn_id)
);
INSERT INTO to_device_txns_scoped (user_id, device_id, scope, txn_id)
SELECT user_id, device_id, '', txn_id FROM to_device_txns;
DROP TABLE to_device_txns;
ALTER TABLE to_device_txns_scoped RENAME TO to_device_txns;
