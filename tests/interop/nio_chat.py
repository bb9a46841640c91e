#!/usr/bin/env python3
"""nio_chat.py: two matrix-nio clients chat on a homeserver, checking every step.

Usage: nio_chat.py BASE_URL SHARED_SECRET

Registers two fresh users through /_synapse/admin/v1/register (the HMAC of Synapse's
register_new_matrix_user), logs both in with nio's password login, and then: A creates a room
and invites B, B joins, they exchange messages, each sees the other's typing notice and read
receipt through nio's sync, B paginates the history backwards in several pages and must see
every message exactly once and in order, B leaves and A sees the leave.

Prints one line per step; exits 0 only if every check passed, otherwise 1 with the failures.
Works against any homeserver with shared-secret registration (matrixd, Synapse).
"""

import asyncio
import functools
import logging
import secrets
import sys

from nio import (
    AsyncClient,
    BadEvent,
    JoinResponse,
    LoginResponse,
    MessageDirection,
    ReceiptEvent,
    RoomCreateResponse,
    RoomInviteResponse,
    RoomLeaveResponse,
    RoomMemberEvent,
    RoomMessagesResponse,
    RoomMessageText,
    RoomReadMarkersResponse,
    RoomSendResponse,
    RoomTypingResponse,
    SyncResponse,
    TypingNoticeEvent,
    UnknownBadEvent,
    UpdateReceiptMarkerResponse,
)

from nio_steps import check, fail, finish, ok, register
from nio_steps import sync_until as sync_until_within

MESSAGES_EACH = 12   # each user sends this many: 24 messages, several pages of 5
PAGE = 5
STEP_TIMEOUT = 20.0  # seconds to wait for something to show up in sync
# Live syncs (nio_steps.LIVE_FILTER) take up to 100 timeline events, so no message falls into a
# gap between two syncs (the default of 10 would leave older ones to back-pagination, checked
# separately below).
sync_until = functools.partial(sync_until_within, timeout=STEP_TIMEOUT)

class NioComplaints(logging.Handler):
    """Collects nio's schema complaints: an event or response nio could not validate is one a
    real client silently drops, so each is a failure."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if "Error validating" in msg:
            self.seen.append(msg)


class Seen:
    """What one client has seen through sync, filled in by nio's callbacks."""

    def __init__(self) -> None:
        self.messages: list[RoomMessageText] = []
        self.members: list[RoomMemberEvent] = []
        self.typing: list[list[str]] = []
        self.receipts: list = []
        self.bad: list = []


def watch(client: AsyncClient) -> Seen:
    seen = Seen()

    async def on_message(room, event):
        seen.messages.append(event)

    async def on_member(room, event):
        seen.members.append(event)

    async def on_bad(room, event):
        seen.bad.append(event)

    async def on_typing(room, event):
        seen.typing.append(list(event.users))

    async def on_receipt(room, event):
        seen.receipts.extend(event.receipts)

    client.add_event_callback(on_message, RoomMessageText)
    client.add_event_callback(on_member, RoomMemberEvent)
    client.add_event_callback(on_bad, (BadEvent, UnknownBadEvent))
    client.add_ephemeral_callback(on_typing, TypingNoticeEvent)
    client.add_ephemeral_callback(on_receipt, ReceiptEvent)
    return seen


async def run(base: str, secret: str) -> None:
    tag = secrets.token_hex(4)
    pw_a, pw_b = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    try:
        id_a = register(base, secret, f"nio_a_{tag}", pw_a)
        id_b = register(base, secret, f"nio_b_{tag}", pw_b)
    except Exception as e:  # noqa: BLE001 - any failure here ends the run
        body = e.read().decode(errors="replace") if hasattr(e, "read") else ""
        fail(f"shared-secret registration: {e} {body}")
        return
    ok(f"registered {id_a} and {id_b} with the shared secret")

    a = AsyncClient(base, id_a)
    b = AsyncClient(base, id_b)
    try:
        await chat(base, a, b, id_a, id_b, pw_a, pw_b)
    finally:
        await a.close()
        await b.close()


async def chat(base: str, a: AsyncClient, b: AsyncClient, id_a: str, id_b: str, pw_a: str, pw_b: str) -> None:
    if not check(await a.login(pw_a, device_name="nio A"), LoginResponse, "A logs in with nio"):
        return
    if not check(await b.login(pw_b, device_name="nio B"), LoginResponse, "B logs in with nio"):
        return
    if a.user_id != id_a or b.user_id != id_b:
        fail(f"login returned user ids {a.user_id}, {b.user_id}; registered {id_a}, {id_b}")
    seen_a, seen_b = watch(a), watch(b)

    # Initial syncs: both start from "now".
    for who, c in (("A", a), ("B", b)):
        check(await c.sync(timeout=0, full_state=True), SyncResponse, f"{who}'s initial sync")

    created = check(await a.room_create(name="nio interop", topic="matrix-nio against the homeserver"),
                    RoomCreateResponse, "A creates a room")
    if not created:
        return
    room_id = created.room_id
    if not check(await a.room_invite(room_id, id_b), RoomInviteResponse, "A invites B"):
        return
    if not await sync_until(b, lambda: room_id in b.invited_rooms, "B sees the invite in sync"):
        return
    if not check(await b.join(room_id), JoinResponse, "B joins"):
        return
    await sync_until(b, lambda: room_id in b.rooms and {id_a, id_b} <= set(b.rooms[room_id].users),
                     "B's sync has the room as joined, with A and B as members")
    room = b.rooms.get(room_id)
    if room and (room.name, room.topic) != ("nio interop", "matrix-nio against the homeserver"):
        fail(f"B's nio sees the room's name and topic as {room.name!r}, {room.topic!r}")
    await sync_until(a, lambda: any(m.state_key == id_b and m.membership == "join" for m in seen_a.members),
                     "A sees B's join")

    # Messages, alternating A and B; each must arrive exactly once at the other.
    sent: list[tuple[str, str, str]] = []  # (sender, event_id, body) in send order
    for i in range(MESSAGES_EACH):
        for who, c, uid in (("A", a, id_a), ("B", b, id_b)):
            body = f"message {i} from {who}"
            resp = await c.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body})
            if not isinstance(resp, RoomSendResponse):
                fail(f"{who} sends {body!r}: {resp}")
                return
            sent.append((uid, resp.event_id, body))
    ok(f"A and B sent {len(sent)} messages")

    def got_all(seen: Seen, other: str) -> bool:
        return {e.event_id for e in seen.messages} >= {eid for s, eid, _ in sent if s == other}

    for who, c, seen, other in (("A", a, seen_a, id_b), ("B", b, seen_b, id_a)):
        if await sync_until(c, lambda: got_all(seen, other), f"{who} receives all of the other's messages"):
            ids = [e.event_id for e in seen.messages if e.sender == other]
            want = [eid for s, eid, _ in sent if s == other]
            if ids != want:
                fail(f"{who} got the other's messages out of order or duplicated: {ids} != {want}")
            bodies = {e.event_id: e.body for e in seen.messages}
            if any(bodies[eid] != body for s, eid, body in sent if s == other):
                fail(f"{who} got a message body changed")

    # Typing, both ways.
    check(await a.room_typing(room_id, True, timeout=30000), RoomTypingResponse, "A starts typing")
    await sync_until(b, lambda: any(id_a in users for users in seen_b.typing), "B sees A typing")
    check(await b.room_typing(room_id, True, timeout=30000), RoomTypingResponse, "B starts typing")
    await sync_until(a, lambda: any(id_b in users for users in seen_a.typing), "A sees B typing")
    check(await a.room_typing(room_id, False), RoomTypingResponse, "A stops typing")
    await sync_until(b, lambda: bool(seen_b.typing) and id_a not in seen_b.typing[-1], "B sees A stop typing")

    # Read receipts, both ways: A with /receipt, B with /read_markers.
    last_b = [eid for s, eid, _ in sent if s == id_b][-1]
    last_a = [eid for s, eid, _ in sent if s == id_a][-1]
    check(await a.update_receipt_marker(room_id, last_b), UpdateReceiptMarkerResponse,
          "A sends a read receipt (POST /receipt/m.read)")
    await sync_until(b, lambda: any(r.user_id == id_a and r.event_id == last_b and r.receipt_type == "m.read"
                                    for r in seen_b.receipts), "B sees A's read receipt")
    check(await b.room_read_markers(room_id, last_a, read_event=last_a), RoomReadMarkersResponse,
          "B sets its read markers (POST /read_markers)")
    await sync_until(a, lambda: any(r.user_id == id_b and r.event_id == last_a and r.receipt_type == "m.read"
                                    for r in seen_a.receipts), "A sees B's read receipt")

    await paginate(base, b, room_id, sent)

    # B leaves; A sees it.
    if check(await b.room_leave(room_id), RoomLeaveResponse, "B leaves"):
        await sync_until(a, lambda: any(m.state_key == id_b and m.membership == "leave" for m in seen_a.members),
                         "A sees B's leave")
        await sync_until(a, lambda: id_b not in a.rooms[room_id].users, "A's room member list drops B")

    for who, seen in (("A", seen_a), ("B", seen_b)):
        if seen.bad:
            fail(f"{who}'s nio could not parse {len(seen.bad)} events: {seen.bad[:3]}")


async def paginate(base: str, b_live: AsyncClient, room_id: str, sent) -> None:
    """B's fresh, limited sync (a second nio client on B's token, as an app opening the room)
    plus backward pages of PAGE events must give every message exactly once, in order, down to
    the room's creation; and so must paginating backwards from the sync's next_batch alone."""
    b = AsyncClient(base, b_live.user_id)
    b.restore_login(b_live.user_id, b_live.device_id, b_live.access_token)
    try:
        await paginate_with(b, room_id, sent)
    finally:
        await b.close()


async def paginate_with(b: AsyncClient, room_id: str, sent) -> None:
    flt = {"room": {"timeline": {"limit": 3}}}
    resp = await b.sync(timeout=0, sync_filter=flt, full_state=True)
    if not isinstance(resp, SyncResponse) or room_id not in resp.rooms.join:
        fail(f"B's fresh limited sync has the room: {resp}")
        return
    tl = resp.rooms.join[room_id].timeline
    if not tl.limited or not tl.prev_batch:
        fail(f"B's fresh sync with timeline limit 3 is limited with a prev_batch: limited={tl.limited} "
             f"prev_batch={tl.prev_batch!r}")
        return
    want = [eid for _, eid, _ in sent]
    for label, events, start in (("sync timeline + /messages from prev_batch", list(tl.events), tl.prev_batch),
                                 ("/messages from next_batch", [], resp.next_batch)):
        pages, token, older = 0, start, []
        while True:
            page = await b.room_messages(room_id, start=token, direction=MessageDirection.back, limit=PAGE)
            if not isinstance(page, RoomMessagesResponse):
                fail(f"{label}: page {pages + 1}: {page}")
                return
            pages += 1
            if len(page.chunk) > PAGE:
                fail(f"{label}: page {pages} has {len(page.chunk)} events, limit was {PAGE}")
            older.extend(page.chunk)
            if not page.chunk or not page.end or pages > 100:
                break
            token = page.end
        events = list(reversed(older)) + events  # oldest first
        ids = [e.event_id for e in events]
        dups = {i for i in ids if ids.count(i) > 1}
        msgs = [e.event_id for e in events if isinstance(e, RoomMessageText)]
        types = [getattr(e, "source", {}).get("type") for e in events]
        if dups:
            fail(f"{label}: events seen twice: {sorted(dups)}")
        elif msgs != want:
            fail(f"{label}: messages {len(msgs)} (wanted {len(want)}) in this order: {msgs} != {want}")
        elif not types or types[0] != "m.room.create":
            fail(f"{label}: history does not start at m.room.create: {types[:3]}")
        elif pages < 3:
            fail(f"{label}: only {pages} pages of {PAGE}")
        else:
            ok(f"B paginates ({label}): {len(events)} events in {pages} pages, "
               f"all {len(want)} messages once, in order, from m.room.create")


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    base, secret = sys.argv[1].rstrip("/"), sys.argv[2]
    complaints = NioComplaints()
    logging.getLogger("nio").addHandler(complaints)
    logging.getLogger("nio").setLevel(logging.WARNING)
    logging.lastResort = None  # our handler reports them; no duplicate stderr noise
    asyncio.run(run(base, secret))
    for msg in complaints.seen:
        fail(f"nio rejected server JSON: {msg}")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
