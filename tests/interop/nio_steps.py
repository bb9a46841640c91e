"""nio_steps.py: the steps the matrix-nio interop scripts share (imported, not run).

Every check prints one line (`ok    …` or `FAIL  …`); failures are collected in `failures`, and a
script ends with `finish()`, which exits 0 only if none failed.
"""

import hashlib
import hmac
import json
import time
import urllib.request

from nio import (
    AsyncClient,
    KeysUploadResponse,
    LoginResponse,
    MegolmEvent,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

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


def finish() -> int:
    if failures:
        print(f"{len(failures)} check(s) failed:", *failures, sep="\n  ", flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0


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


async def sync_until(client: AsyncClient, cond, what: str, timeout: float, others=(),
                     poll_ms: int = 2000) -> bool:
    """Long-polls sync until cond() holds, keeping `others` syncing too; every client uploads
    and queries keys whenever nio wants to. A failure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if cond():
            ok(what)
            return True
        if time.monotonic() > deadline:
            fail(f"{what}: not seen within {timeout:.0f} s of syncing")
            return False
        for c in (client, *others):
            resp = await c.sync(timeout=poll_ms, sync_filter=LIVE_FILTER)
            if not isinstance(resp, SyncResponse):
                fail(f"{what}: sync failed: {resp}")
                return False
            if c.should_upload_keys:
                await c.keys_upload()
            if c.should_query_keys:
                await c.keys_query()


async def login_with_keys(c: AsyncClient, who: str, password: str, device_name: str):
    """Logs in with encryption, uploads device and one-time keys, and does the initial sync;
    the key upload's response, or None after a failure."""
    if not check(await c.login(password, device_name=device_name), LoginResponse, f"{who} logs in with nio"):
        return None
    if c.olm is None:
        fail(f"{who}: nio has no olm account (is matrix-nio[e2e] installed?)")
        return None
    up = check(await c.keys_upload(), KeysUploadResponse, f"{who} uploads device keys and one-time keys")
    if not up:
        return None
    if check(await c.sync(timeout=0, full_state=True), SyncResponse, f"{who}'s initial sync") is None:
        return None
    return up


async def send_encrypted(c: AsyncClient, who: str, room_id: str, body: str):
    try:
        resp = await c.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body},
                                 ignore_unverified_devices=True)
    except Exception as e:  # noqa: BLE001 - nio raises on missing keys and the like
        fail(f"{who} sends an encrypted message: {type(e).__name__}: {e}")
        return None
    return check(resp, RoomSendResponse, f"{who} sends an encrypted message")
