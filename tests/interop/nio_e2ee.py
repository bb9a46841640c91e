#!/usr/bin/env python3
"""nio_e2ee.py: two matrix-nio clients with end-to-end encryption exchange encrypted messages.

Usage: nio_e2ee.py BASE_URL SHARED_SECRET

Registers two fresh users through /_synapse/admin/v1/register (the HMAC of Synapse's
register_new_matrix_user), logs both in with nio (encryption enabled, its own olm account and
store), uploads device and one-time keys, then: A creates a room with m.room.encryption
(megolm) in its initial state and invites B, B joins, A sends a message — nio queries B's
device keys, claims a one-time key, shares the megolm session through a to-device olm message
and sends m.room.encrypted — B decrypts it; B answers the same way and A decrypts the answer;
and the homeserver only ever held ciphertext (checked through /rooms/{id}/event/{id}).

Prints one line per step; exits 0 only if every check passed, otherwise 1 with the failures.
Works against any homeserver with shared-secret registration (matrixd, Synapse).
"""

import asyncio
import hashlib
import hmac
import json
import secrets
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    KeysUploadResponse,
    LoginResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

STEP_TIMEOUT = 30.0  # seconds to wait for something to show up in sync
LIVE_FILTER = {"room": {"timeline": {"limit": 100}}}

failures: list[str] = []


def ok(what: str) -> None:
    print(f"ok    {what}", flush=True)


def fail(what: str) -> None:
    failures.append(what)
    print(f"FAIL  {what}", flush=True)


def check(resp, cls, what: str):
    if isinstance(resp, cls):
        ok(what)
        return resp
    fail(f"{what}: {resp}")
    return None


def register(base: str, secret: str, localpart: str, password: str) -> str:
    """Shared-secret registration exactly as Synapse's register_new_matrix_user does it."""
    url = f"{base}/_synapse/admin/v1/register"
    with urllib.request.urlopen(url, timeout=30) as r:
        nonce = json.load(r)["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    for part in (nonce, localpart, password):
        mac.update(part.encode())
        mac.update(b"\x00")
    mac.update(b"notadmin")
    body = json.dumps({
        "nonce": nonce, "username": localpart, "password": password,
        "admin": False, "mac": mac.hexdigest(),
    }).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["user_id"]


def raw_event(base: str, token: str, room_id: str, event_id: str) -> dict:
    """The event as the homeserver stores it, without nio in between."""
    q = urllib.parse.quote
    url = f"{base}/_matrix/client/v3/rooms/{q(room_id, safe='')}/event/{q(event_id, safe='')}"
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


class Seen:
    """Room messages one client got through sync: decrypted ones and undecryptable ones."""

    def __init__(self) -> None:
        self.texts: list[RoomMessageText] = []
        self.undecrypted: list[MegolmEvent] = []


def watch(client: AsyncClient) -> Seen:
    seen = Seen()

    async def on_text(room, event):
        seen.texts.append(event)

    async def on_megolm(room, event):
        seen.undecrypted.append(event)

    client.add_event_callback(on_text, RoomMessageText)
    client.add_event_callback(on_megolm, MegolmEvent)
    return seen


def decrypted_body(client: AsyncClient, seen: Seen, body: str) -> bool:
    """Whether `body` arrived decrypted; retries events that came before their room key."""
    for ev in list(seen.undecrypted):
        try:
            dec = client.decrypt_event(ev)
        except Exception:  # noqa: BLE001 - the key may still be on its way
            continue
        if isinstance(dec, RoomMessageText):
            seen.undecrypted.remove(ev)
            seen.texts.append(dec)
    return any(e.body == body and e.decrypted for e in seen.texts)


async def sync_until(client: AsyncClient, cond, what: str) -> bool:
    """Long-polls sync until cond() holds, uploading keys when nio wants to; a failure on timeout."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        if cond():
            ok(what)
            return True
        if time.monotonic() > deadline:
            fail(f"{what}: not seen within {STEP_TIMEOUT:.0f} s of syncing")
            return False
        resp = await client.sync(timeout=2000, sync_filter=LIVE_FILTER)
        if not isinstance(resp, SyncResponse):
            fail(f"{what}: sync failed: {resp}")
            return False
        if client.should_upload_keys:
            await client.keys_upload()


async def login_with_keys(c: AsyncClient, who: str, password: str) -> bool:
    if not check(await c.login(password, device_name=f"nio e2ee {who}"), LoginResponse, f"{who} logs in with nio"):
        return False
    if c.olm is None:
        fail(f"{who}: nio has no olm account (is matrix-nio[e2e] installed?)")
        return False
    up = check(await c.keys_upload(), KeysUploadResponse, f"{who} uploads device keys and one-time keys")
    if not up:
        return False
    counts = up.signed_curve25519_count
    if counts and counts > 0:
        ok(f"{who}: the server counts {counts} signed_curve25519 one-time keys")
    else:
        fail(f"{who}: one_time_key_counts after upload: {up.signed_curve25519_count}")
    return check(await c.sync(timeout=0, full_state=True), SyncResponse, f"{who}'s initial sync") is not None


async def send_encrypted(c: AsyncClient, who: str, room_id: str, body: str):
    try:
        resp = await c.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body},
                                 ignore_unverified_devices=True)
    except Exception as e:  # noqa: BLE001 - nio raises on missing keys and the like
        fail(f"{who} sends an encrypted message: {type(e).__name__}: {e}")
        return None
    return check(resp, RoomSendResponse, f"{who} sends an encrypted message")


async def run(base: str, secret: str) -> None:
    tag = secrets.token_hex(4)
    pw_a, pw_b = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    try:
        id_a = register(base, secret, f"e2ee_a_{tag}", pw_a)
        id_b = register(base, secret, f"e2ee_b_{tag}", pw_b)
    except Exception as e:  # noqa: BLE001 - any failure here ends the run
        body = e.read().decode(errors="replace") if hasattr(e, "read") else ""
        fail(f"shared-secret registration: {e} {body}")
        return
    ok(f"registered {id_a} and {id_b} with the shared secret")

    store = tempfile.mkdtemp(prefix="nio-e2ee-")
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
    a = AsyncClient(base, id_a, store_path=f"{store}", config=config)
    b = AsyncClient(base, id_b, store_path=f"{store}", config=config)
    try:
        await exchange(base, a, b, id_b, pw_a, pw_b)
    finally:
        await a.close()
        await b.close()
        shutil.rmtree(store, ignore_errors=True)


async def exchange(base: str, a: AsyncClient, b: AsyncClient, id_b: str, pw_a: str, pw_b: str) -> None:
    if not await login_with_keys(a, "A", pw_a) or not await login_with_keys(b, "B", pw_b):
        return
    seen_a, seen_b = watch(a), watch(b)

    encryption = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
    created = check(await a.room_create(name="nio e2ee", invite=[id_b], initial_state=[encryption]),
                    RoomCreateResponse, "A creates an encrypted room and invites B")
    if not created:
        return
    room_id = created.room_id
    if not await sync_until(b, lambda: room_id in b.invited_rooms, "B sees the invite"):
        return
    if not check(await b.join(room_id), JoinResponse, "B joins"):
        return
    if not await sync_until(a, lambda: room_id in a.rooms and id_b in a.rooms[room_id].users, "A sees B joined"):
        return
    if not a.rooms[room_id].encrypted:
        fail("A's nio does not consider the room encrypted")
        return
    ok("the room is encrypted (m.room.encryption, megolm)")
    await sync_until(b, lambda: room_id in b.rooms and b.rooms[room_id].encrypted, "B sees the room as encrypted")

    text_a = f"secret from A {secrets.token_hex(6)}"
    sent = await send_encrypted(a, "A", room_id, text_a)
    if not sent:
        return
    stored = raw_event(base, a.access_token, room_id, sent.event_id)
    if stored.get("type") == "m.room.encrypted" and text_a not in json.dumps(stored) \
            and stored.get("content", {}).get("algorithm") == "m.megolm.v1.aes-sha2":
        ok("the homeserver holds only megolm ciphertext for A's message")
    else:
        fail(f"the stored event is not megolm ciphertext: {stored}")
    await sync_until(b, lambda: decrypted_body(b, seen_b, text_a), "B decrypts A's message")

    text_b = f"secret from B {secrets.token_hex(6)}"
    if not await send_encrypted(b, "B", room_id, text_b):
        return
    await sync_until(a, lambda: decrypted_body(a, seen_a, text_b), "A decrypts B's answer")
    await sync_until(a, lambda: decrypted_body(a, seen_a, text_a), "A decrypts its own message from the timeline")


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    asyncio.run(run(sys.argv[1].rstrip("/"), sys.argv[2]))
    if failures:
        print(f"{len(failures)} check(s) failed:", *failures, sep="\n  ", flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
