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
import functools
import json
import secrets
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request

from nio import AsyncClient, AsyncClientConfig, JoinResponse, RoomCreateResponse

from nio_steps import check, decrypted_body, fail, finish, login_with_keys, ok, register, send_encrypted, watch
from nio_steps import sync_until as sync_until_within

STEP_TIMEOUT = 30.0  # seconds to wait for something to show up in sync
sync_until = functools.partial(sync_until_within, timeout=STEP_TIMEOUT)


def raw_event(base: str, token: str, room_id: str, event_id: str) -> dict:
    """The event as the homeserver stores it, without nio in between."""
    q = urllib.parse.quote
    url = f"{base}/_matrix/client/v3/rooms/{q(room_id, safe='')}/event/{q(event_id, safe='')}"
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


async def login_counting_keys(c: AsyncClient, who: str, password: str) -> bool:
    up = await login_with_keys(c, who, password, f"nio e2ee {who}")
    if not up:
        return False
    counts = up.signed_curve25519_count
    if counts and counts > 0:
        ok(f"{who}: the server counts {counts} signed_curve25519 one-time keys")
    else:
        fail(f"{who}: one_time_key_counts after upload: {up.signed_curve25519_count}")
    return True


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
    if not await login_counting_keys(a, "A", pw_a) or not await login_counting_keys(b, "B", pw_b):
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
    return finish()


if __name__ == "__main__":
    sys.exit(main())
