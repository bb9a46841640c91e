#!/usr/bin/env python3
"""nio_e2ee_move.py: an encrypted conversation that goes on after its homeserver moved.

Usage: nio_e2ee_move.py before BASE_URL SHARED_SECRET STATE_DIR
       nio_e2ee_move.py after BASE_URL STATE_DIR

`before` (against Synapse): registers A and B, logs both in with matrix-nio (encryption on, its
olm account and sessions kept in STATE_DIR), creates a megolm-encrypted room and exchanges one
message each way, each decrypted by the other; saves the sessions (user, device, access token)
in STATE_DIR/sessions.json.
`after` (against the server the data moved to, at the same URL): the same clients, restored from
STATE_DIR with their old access tokens (no new login, no new device, no new keys), sync again,
decrypt the old messages from the timeline, and exchange one more message each way with the
same olm and megolm sessions.

Prints one line per step; exits 0 only if every check passed, otherwise 1 with the failures.
"""

import asyncio
import functools
import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nio import AsyncClient, AsyncClientConfig, JoinResponse, RoomCreateResponse, SyncResponse  # noqa: E402

from nio_steps import (  # noqa: E402
    check, decrypted_body, fail, finish, login_with_keys, ok, register, send_encrypted, watch,
)
from nio_steps import sync_until as sync_until_within  # noqa: E402

sync_until = functools.partial(sync_until_within, timeout=30.0)

CONFIG = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)


async def before(url: str, secret: str, state: str) -> None:
    tag = secrets.token_hex(4)
    pw_a, pw_b = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    id_a = register(url, secret, f"move_a_{tag}", pw_a)
    id_b = register(url, secret, f"move_b_{tag}", pw_b)
    a = AsyncClient(url, id_a, store_path=state, config=CONFIG)
    b = AsyncClient(url, id_b, store_path=state, config=CONFIG)
    try:
        if not await login_with_keys(a, "A", pw_a, "nio A") or not await login_with_keys(b, "B", pw_b, "nio B"):
            return
        seen_a, seen_b = watch(a), watch(b)
        encryption = {"type": "m.room.encryption", "state_key": "",
                      "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
        created = check(await a.room_create(name="moving", invite=[id_b], initial_state=[encryption]),
                        RoomCreateResponse, "A creates an encrypted room and invites B")
        if not created:
            return
        room = created.room_id
        if not await sync_until(b, lambda: room in b.invited_rooms, "B sees the invite"):
            return
        if not check(await b.join(room), JoinResponse, "B joins"):
            return
        await sync_until(a, lambda: room in a.rooms and id_b in a.rooms[room].users, "A sees B joined")
        await sync_until(b, lambda: room in b.rooms and b.rooms[room].encrypted, "B sees the room as encrypted")
        text_a, text_b = "before the move, from A", "before the move, from B"
        if not await send_encrypted(a, "A", room, text_a):
            return
        await sync_until(b, lambda: decrypted_body(b, seen_b, text_a), "B decrypts A's message")
        if not await send_encrypted(b, "B", room, text_b):
            return
        await sync_until(a, lambda: decrypted_body(a, seen_a, text_b), "A decrypts B's answer")
        sessions = {
            "room": room,
            "a": {"user_id": id_a, "device_id": a.device_id, "access_token": a.access_token},
            "b": {"user_id": id_b, "device_id": b.device_id, "access_token": b.access_token},
        }
        with open(os.path.join(state, "sessions.json"), "w") as f:
            json.dump(sessions, f)
        ok("sessions saved")
    finally:
        await a.close()
        await b.close()


def restore(url: str, state: str, who: dict) -> AsyncClient:
    c = AsyncClient(url, who["user_id"], device_id=who["device_id"], store_path=state, config=CONFIG)
    c.restore_login(who["user_id"], who["device_id"], who["access_token"])
    return c


async def after(url: str, state: str) -> None:
    with open(os.path.join(state, "sessions.json")) as f:
        sessions = json.load(f)
    room = sessions["room"]
    a, b = restore(url, state, sessions["a"]), restore(url, state, sessions["b"])
    try:
        if a.olm is None or b.olm is None:
            fail("nio did not load the olm accounts from the store")
            return
        ok("A and B restored with their old access tokens and olm accounts")
        seen_a, seen_b = watch(a), watch(b)
        for c, who in ((a, "A"), (b, "B")):
            check(await c.sync(timeout=0, full_state=True), SyncResponse, f"{who} syncs with the moved server")
        await sync_until(a, lambda: decrypted_body(a, seen_a, "before the move, from B"),
                         "A decrypts B's old message from the moved history")
        await sync_until(b, lambda: decrypted_body(b, seen_b, "before the move, from A"),
                         "B decrypts A's old message from the moved history")
        text_a = f"after the move, from A {secrets.token_hex(4)}"
        if not await send_encrypted(a, "A", room, text_a):
            return
        await sync_until(b, lambda: decrypted_body(b, seen_b, text_a), "B decrypts A's new message")
        text_b = f"after the move, from B {secrets.token_hex(4)}"
        if not await send_encrypted(b, "B", room, text_b):
            return
        await sync_until(a, lambda: decrypted_body(a, seen_a, text_b), "A decrypts B's new answer")
    finally:
        await a.close()
        await b.close()


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "before":
        asyncio.run(before(sys.argv[2].rstrip("/"), sys.argv[3], sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "after":
        asyncio.run(after(sys.argv[2].rstrip("/"), sys.argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return finish()


if __name__ == "__main__":
    sys.exit(main())
