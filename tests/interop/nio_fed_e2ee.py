#!/usr/bin/env python3
"""nio_fed_e2ee.py: end-to-end encryption between two homeservers, with matrix-nio clients.

Usage: nio_fed_e2ee.py URL_A USER_A URL_B USER_B PASSWORD [--pause-file FILE]

USER_A lives on the server at URL_A, USER_B on the one at URL_B (both registered with
PASSWORD, the two servers federating). Every key, device list and to-device message between
them crosses the federation boundary:

1. A and B log in with nio (encryption on: olm account, keys uploaded). A creates a megolm
   room inviting B; B joins over federation. A's message is decrypted by B, B's answer by A.
2. B logs in a second device (B2). A's server must learn of it (a device-list update from B's
   server, or a fetch of B's list) and tell A's client; A's next message is decrypted by B2.
3. B deletes B2. A's client must learn that too: its server no longer lists B2, nio marks it
   deleted (so no room key goes to it), and B still decrypts A's next message.

With --pause-file FILE, B2 logs in while A's server is down: before step 2 the script writes
"paused" to FILE and waits until the caller (having stopped A's server) writes "go"; once B2
is in it writes "b2" and waits for "go" again (the caller starts A's server). A's user then
types in the room, as someone coming back does: the first request A's server sends B's ends
B's backoff, and what B's server queued meanwhile must arrive.

Prints one line per step; exits 0 only if every check passed.
"""

import asyncio
import functools
import json
import secrets
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from nio import AsyncClient, AsyncClientConfig, JoinResponse, RoomCreateResponse

from nio_steps import check, decrypted_body, fail, finish, login_with_keys, ok, send_encrypted, watch
from nio_steps import sync_until as sync_until_within

STEP_TIMEOUT = 90.0  # seconds to wait for something to show up in sync (federation is slower)
sync_until = functools.partial(sync_until_within, timeout=STEP_TIMEOUT, poll_ms=1000)


def server_lists(base: str, token: str, user: str) -> list[str]:
    """The device ids the homeserver at `base` gives for `user` in /keys/query."""
    body = json.dumps({"device_keys": {user: []}}).encode()
    req = urllib.request.Request(f"{base}/_matrix/client/v3/keys/query", data=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        answer = json.load(r)
    return sorted(answer.get("device_keys", {}).get(user, {}).keys())


def known_devices(c: AsyncClient, user: str) -> set[str]:
    """The devices of `user` nio would share room keys with."""
    return {d.device_id for d in c.device_store.active_user_devices(user)}


async def pause(file: str | None, state: str) -> None:
    if not file:
        return
    with open(file, "w") as f:
        f.write(state)
    print(f"paused ({state}), waiting for 'go' in {file}", flush=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with open(file) as f:
            if f.read().strip() == "go":
                return
        await asyncio.sleep(0.2)
    fail("nobody said go")


async def run(url_a: str, id_a: str, url_b: str, id_b: str, password: str, pause_file: str | None) -> None:
    store = tempfile.mkdtemp(prefix="nio-fed-e2ee-")
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
    a = AsyncClient(url_a, id_a, store_path=f"{store}", config=config)
    b = AsyncClient(url_b, id_b, store_path=f"{store}", config=config)
    b2_store = tempfile.mkdtemp(prefix="nio-fed-e2ee-b2-")
    b2 = AsyncClient(url_b, id_b, store_path=b2_store, config=config)
    try:
        await exchange(a, b, b2, id_a, id_b, password, url_a, pause_file)
    finally:
        for c in (a, b, b2):
            await c.close()
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(b2_store, ignore_errors=True)


async def exchange(a, b, b2, id_a, id_b, password, url_a, pause_file) -> None:
    if not await login_with_keys(a, "A", password, "nio fed A") or \
            not await login_with_keys(b, "B", password, "nio fed B"):
        return
    seen_a, seen_b = watch(a), watch(b)

    encryption = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
    created = check(await a.room_create(name="nio federation e2ee", invite=[id_b], initial_state=[encryption]),
                    RoomCreateResponse, "A creates an encrypted room and invites B (on the other server)")
    if not created:
        return
    room_id = created.room_id
    if not await sync_until(b, lambda: room_id in b.invited_rooms, "B sees the invite"):
        return
    if not check(await b.join(room_id), JoinResponse, "B joins over federation"):
        return
    if not await sync_until(a, lambda: room_id in a.rooms and id_b in a.rooms[room_id].users, "A sees B joined"):
        return
    await sync_until(b, lambda: room_id in b.rooms and b.rooms[room_id].encrypted, "B sees the room as encrypted")

    text = f"secret from A {secrets.token_hex(6)}"
    if not await send_encrypted(a, "A", room_id, text):
        return
    await sync_until(b, lambda: decrypted_body(b, seen_b, text), "B decrypts A's message (keys and room key crossed servers)")
    text = f"secret from B {secrets.token_hex(6)}"
    if not await send_encrypted(b, "B", room_id, text):
        return
    await sync_until(a, lambda: decrypted_body(a, seen_a, text), "A decrypts B's answer")

    # 2. A second device of B's.
    await pause(pause_file, "paused")
    if not await login_with_keys(b2, "B2 (B's second device)", password, "nio fed B2"):
        return
    await pause(pause_file, "b2")
    if pause_file:
        await a.room_typing(room_id, True, timeout=5000)
    seen_b2 = watch(b2)
    if not await sync_until(a, lambda: b2.device_id in known_devices(a, id_b),
                            "A's client learns of B's new device (device list over federation)", others=(b2,)):
        return
    text = f"for every device of B {secrets.token_hex(6)}"
    if not await send_encrypted(a, "A", room_id, text):
        return
    await sync_until(b2, lambda: decrypted_body(b2, seen_b2, text), "B2 decrypts A's message sent after it logged in", others=(a,))
    await sync_until(b, lambda: decrypted_body(b, seen_b, text), "B's first device decrypts it too")

    # 3. B2 deleted.
    gone = b2.device_id
    auth = {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": id_b}, "password": password}
    resp = await b.delete_devices([gone], auth=auth)
    if type(resp).__name__ != "DeleteDevicesResponse":
        fail(f"B deletes B2: {resp}")
        return
    ok("B deletes B2")
    if not await sync_until(a, lambda: gone not in known_devices(a, id_b),
                            "A's client learns B2 is gone"):
        return
    listed = server_lists(url_a, a.access_token, id_b)
    if gone in listed or b.device_id not in listed:
        fail(f"A's server lists B's devices as {listed} (B2 = {gone}, B = {b.device_id})")
    else:
        ok(f"A's server lists only B's remaining device: {listed}")
    text = f"after B2 is gone {secrets.token_hex(6)}"
    if not await send_encrypted(a, "A", room_id, text):
        return
    await sync_until(b, lambda: decrypted_body(b, seen_b, text), "B decrypts A's message after B2 was deleted")
    if gone in known_devices(a, id_b):
        fail("A's client would still give room keys to the deleted device")


def main() -> int:
    args = sys.argv[1:]
    pause_file = None
    if "--pause-file" in args:
        i = args.index("--pause-file")
        pause_file = args[i + 1]
        del args[i:i + 2]
    if len(args) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    url_a, id_a, url_b, id_b, password = args
    asyncio.run(run(url_a.rstrip("/"), id_a, url_b.rstrip("/"), id_b, password, pause_file))
    return finish()


if __name__ == "__main__":
    sys.exit(main())
