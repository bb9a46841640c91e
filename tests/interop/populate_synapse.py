#!/usr/bin/env python3
"""populate_synapse.py: fill a running Synapse through its client API for the import tests.

Usage: populate_synapse.py URL SHARED_SECRET N_MESSAGES > facts.json

Registers users with passwords (one admin) through the shared-secret admin API, logs in a
second device, creates rooms (one public with an alias), sends N_MESSAGES messages plus edits,
reactions, redactions, replies and state changes (topic, name, power levels), uploads media,
sets account data, room tags, a push rule and a display name, uploads device and one-time
keys, cross-signing keys (real ed25519 signatures, made with signedjson) and a signature of a
device, a key backup, a registration token and an e-mail address, and reads a receipt. Logs in
one more device with a refresh token (Synapse must have refresh tokens enabled, its default)
and refreshes once, using the new access token, so the first refresh token is spent. Prints
what the test checks afterwards, as JSON: users (password, access tokens, devices), rooms,
media (mxc URI and SHA-256 of the bytes), cross-signing keys, the backup. Run it with the
Synapse venv's Python (signedjson).
"""
import hashlib
import hmac
import json
import sys
import urllib.parse
import urllib.error
import urllib.request

import signedjson.key
import signedjson.sign

URL, SECRET, N = sys.argv[1], sys.argv[2], int(sys.argv[3])


def call(method, path, body=None, token=None, raw=None, ctype="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(URL + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


def register(name, password, admin=False):
    nonce = call("GET", "/_synapse/admin/v1/register")["nonce"]
    mac = hmac.new(SECRET.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([nonce.encode(), name.encode(), password.encode(),
                             b"admin" if admin else b"notadmin"]))
    r = call("POST", "/_synapse/admin/v1/register", {
        "nonce": nonce, "username": name, "password": password, "admin": admin,
        "mac": mac.hexdigest()})
    return r


def login(name, password, device):
    return call("POST", "/_matrix/client/v3/login", {
        "type": "m.login.password", "identifier": {"type": "m.id.user", "user": name},
        "password": password, "device_id": device, "initial_device_display_name": device})


txn = [0]


def send(token, room, kind, content):
    txn[0] += 1
    q = urllib.parse.quote
    return call("PUT", f"/_matrix/client/v3/rooms/{q(room)}/send/{q(kind)}/t{txn[0]}", content,
                token)["event_id"]


def state(token, room, kind, key, content):
    q = urllib.parse.quote
    return call("PUT", f"/_matrix/client/v3/rooms/{q(room)}/state/{q(kind)}/{q(key)}", content,
                token)["event_id"]


users = {}
# Passwords with non-ASCII (normalised with NFKC before bcrypt) and one longer than 72 bytes.
for name, password, admin in [("alice", "alice-pässword", True), ("bob", "bob-password", False),
                              ("carol", "c" * 80, False)]:
    r = register(name, password, admin)
    second = login(name, password, "SECOND")
    users[name] = {"user_id": r["user_id"], "password": password,
                   "tokens": {r["device_id"]: r["access_token"],
                              "SECOND": second["access_token"]}}

# Dave is locked by an admin (Synapse's admin API): he keeps no way in after the move.
register("dave", "dave-password")
dave_token = login("dave", "dave-password", "DAVE")["access_token"]
call("PUT", "/_synapse/admin/v2/users/@dave:localhost", {"locked": True},
     users["alice"]["tokens"]["SECOND"])

# A client that asked for a refresh token: one refresh on Synapse, its new access token used
# (which spends the first refresh token), and the current pair kept for after the move.
first = call("POST", "/_matrix/client/v3/login", {
    "type": "m.login.password", "identifier": {"type": "m.id.user", "user": "bob"},
    "password": "bob-password", "device_id": "REFRESH", "refresh_token": True})
refreshed = call("POST", "/_matrix/client/v3/refresh", {"refresh_token": first["refresh_token"]})
call("GET", "/_matrix/client/v3/account/whoami", token=refreshed["access_token"])
refresh = {"user_id": first["user_id"], "device_id": "REFRESH",
           "access_token": refreshed["access_token"], "refresh_token": refreshed["refresh_token"],
           "spent_refresh_token": first["refresh_token"]}

a = users["alice"]["tokens"]["SECOND"]
b = users["bob"]["tokens"]["SECOND"]
c = users["carol"]["tokens"]["SECOND"]
q = urllib.parse.quote

call("PUT", f"/_matrix/client/v3/profile/{q(users['alice']['user_id'])}/displayname",
     {"displayname": "Alice Liddell"}, a)

pub = call("POST", "/_matrix/client/v3/createRoom",
           {"preset": "public_chat", "name": "Tea party", "room_alias_name": "tea",
            "visibility": "public", "topic": "first topic"}, a)["room_id"]
priv = call("POST", "/_matrix/client/v3/createRoom",
            {"preset": "private_chat", "invite": [users["bob"]["user_id"]]}, a)["room_id"]
call("POST", f"/_matrix/client/v3/join/{q(pub)}", {}, b)
call("POST", f"/_matrix/client/v3/join/{q(pub)}", {}, c)
call("POST", f"/_matrix/client/v3/join/{q(priv)}", {}, b)

ids = []
for i in range(N):
    tok = [a, b, c][i % 3]
    ids.append(send(tok, pub, "m.room.message", {"msgtype": "m.text", "body": f"message {i}"}))
    if i % 10 == 3:
        # An edit of the message just sent, a reaction and a reply.
        send(tok, pub, "m.room.message", {
            "msgtype": "m.text", "body": f"* message {i} (edited)",
            "m.new_content": {"msgtype": "m.text", "body": f"message {i} (edited)"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": ids[-1]}})
        send(b, pub, "m.reaction", {"m.relates_to": {
            "rel_type": "m.annotation", "event_id": ids[-1], "key": "👍"}})
        send(c, pub, "m.room.message", {"msgtype": "m.text", "body": "a reply",
                                         "m.relates_to": {"m.in_reply_to": {"event_id": ids[-1]}}})
    if i % 25 == 7:
        call("PUT", f"/_matrix/client/v3/rooms/{q(pub)}/redact/{q(ids[-1])}/r{i}",
             {"reason": "oops"}, tok)
    if i % 50 == 20:
        state(a, pub, "m.room.topic", "", {"topic": f"topic {i}"})
for i in range(20):
    send([a, b][i % 2], priv, "m.room.message", {"msgtype": "m.text", "body": f"secret {i}"})
state(a, priv, "m.room.name", "", {"name": "Private"})

# A room Carol leaves and forgets.
gone = call("POST", "/_matrix/client/v3/createRoom", {"preset": "private_chat"}, c)["room_id"]
call("POST", f"/_matrix/client/v3/rooms/{q(gone)}/leave", {}, c)
call("POST", f"/_matrix/client/v3/rooms/{q(gone)}/forget", {}, c)

# A receipt, account data, a room tag, a push rule, a pusher.
call("POST", f"/_matrix/client/v3/rooms/{q(pub)}/receipt/m.read/{q(ids[-1])}", {}, b)
call("PUT", f"/_matrix/client/v3/user/{q(users['alice']['user_id'])}/account_data/org.example.test",
     {"answer": 42}, a)
call("PUT", f"/_matrix/client/v3/user/{q(users['alice']['user_id'])}/rooms/{q(pub)}/tags/m.favourite",
     {"order": 0.5}, a)
call("PUT", f"/_matrix/client/v3/user/{q(users['alice']['user_id'])}/rooms/{q(priv)}/account_data/org.example.room",
     {"x": 1}, a)
call("PUT", "/_matrix/client/v3/pushrules/global/content/cheese",
     {"pattern": "cheese", "actions": ["notify"]}, a)
call("PUT", "/_matrix/client/v3/pushrules/global/override/.m.rule.suppress_notices/enabled",
     {"enabled": False}, a)
# A phone's pusher (Synapse accepts any gateway URL when it is set).
call("POST", "/_matrix/client/v3/pushers/set",
     {"kind": "http", "app_id": "org.example.pushtest", "pushkey": "alice-phone",
      "app_display_name": "Push Test", "device_display_name": "Alice's phone", "lang": "en",
      "data": {"url": "https://push.example.invalid/_matrix/push/v1/notify",
               "format": "event_id_only"}}, a)

# Device and one-time keys (opaque to the server).
call("POST", "/_matrix/client/v3/keys/upload", {
    "device_keys": {"user_id": users["alice"]["user_id"], "device_id": "SECOND",
                    "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
                    "keys": {"curve25519:SECOND": "curvekeyA", "ed25519:SECOND": "edkeyA"},
                    "signatures": {users["alice"]["user_id"]: {"ed25519:SECOND": "sigA"}}},
    "one_time_keys": {f"signed_curve25519:AAAA{i}": {"key": f"otk{i}", "signatures": {
        users["alice"]["user_id"]: {"ed25519:SECOND": f"s{i}"}}} for i in range(5)}}, a)

# Cross-signing: a master key signing a self-signing and a user-signing key, and the
# self-signing key signing Alice's device.
alice_id = users["alice"]["user_id"]
device_keys = {"user_id": alice_id, "device_id": "SECOND",
               "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
               "keys": {"curve25519:SECOND": "curvekeyA", "ed25519:SECOND": "edkeyA"},
               "signatures": {alice_id: {"ed25519:SECOND": "sigA"}}}


def cross_key(usage):
    key = signedjson.key.generate_signing_key("x")
    pub = signedjson.key.encode_verify_key_base64(signedjson.key.get_verify_key(key))
    key.version = pub
    return key, {"user_id": alice_id, "usage": [usage], "keys": {f"ed25519:{pub}": pub}}


master, master_json = cross_key("master")
self_signing, self_json = cross_key("self_signing")
user_signing, user_json = cross_key("user_signing")
signedjson.sign.sign_json(self_json, alice_id, master)
signedjson.sign.sign_json(user_json, alice_id, master)
upload = {"master_key": master_json, "self_signing_key": self_json, "user_signing_key": user_json}
try:
    call("POST", "/_matrix/client/v3/keys/device_signing/upload", upload, a)
except urllib.error.HTTPError as e:
    session = json.loads(e.read()).get("session")
    upload["auth"] = {"type": "m.login.password", "session": session, "password": users["alice"]["password"],
                      "identifier": {"type": "m.id.user", "user": "alice"}}
    call("POST", "/_matrix/client/v3/keys/device_signing/upload", upload, a)
signed_device = json.loads(json.dumps(device_keys))
signedjson.sign.sign_json(signed_device, alice_id, self_signing)
r = call("POST", "/_matrix/client/v3/keys/signatures/upload", {alice_id: {"SECOND": signed_device}}, a)
assert not r.get("failures"), r

# A key backup with one session, a registration token, an e-mail address.
version = call("POST", "/_matrix/client/v3/room_keys/version", {
    "algorithm": "m.megolm_backup.v1.curve25519-aes-sha2", "auth_data": {"public_key": "backupkey"}}, a)["version"]
call("PUT", f"/_matrix/client/v3/room_keys/keys/{q(pub)}/session1?version={version}", {
    "first_message_index": 1, "forwarded_count": 0, "is_verified": False,
    "session_data": {"ephemeral": "e", "ciphertext": "c", "mac": "m"}}, a)
call("POST", "/_synapse/admin/v1/registration_tokens/new", {"token": "invite-me", "uses_allowed": 5}, a)
call("PUT", f"/_synapse/admin/v2/users/{q(users['bob']['user_id'])}",
     {"threepids": [{"medium": "email", "address": "bob@example.org"}]}, a)

# A to-device message Bob's device has not fetched yet.
call("PUT", "/_matrix/client/v3/sendToDevice/org.example.ping/td1",
     {"messages": {users["bob"]["user_id"]: {"SECOND": {"hello": "bob"}}}}, a)

media = []
for i, (ctype, body) in enumerate([("text/plain", b"hello from synapse\n"),
                                   ("application/octet-stream", bytes(range(256)) * 40)]):
    r = call("POST", f"/_matrix/media/v3/upload?filename=f{i}", raw=body, token=a, ctype=ctype)
    media.append({"mxc": r["content_uri"], "sha256": hashlib.sha256(body).hexdigest(),
                  "content_type": ctype})

json.dump({"users": users, "refresh": refresh, "locked": {"user": "dave", "password": "dave-password", "token": dave_token}, "rooms": {"public": pub, "private": priv}, "media": media,
           "cross_signing": {"master": master.version, "self_signing": self_signing.version,
                             "user_signing": user_signing.version},
           "backup": {"version": version, "room": pub, "session": "session1"}}, sys.stdout)
