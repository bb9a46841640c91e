#!/usr/bin/env python3
"""compare.py OUT_DIR: a Markdown table of matrixd beside Synapse from run-all.sh's JSON reports,
and from federation.sh's (matrixd.json, synapse.json: the pairs; join.json: one matrixd-hosted
room joined by a Synapse and by a matrixd), with the issues' targets marked met / not met.
Plain Python 3, no dependencies."""

import json
import os
import statistics
import sys


def load(out, name):
    path = os.path.join(out, f"{name}.json")
    if not os.path.exists(path):
        return None
    r = json.load(open(path))
    first = os.path.join(out, f"{name}.first.json")
    r["first_start_ms"] = json.load(open(first)).get("start_to_ready_ms") if os.path.exists(first) else None
    return r


def g(r, *path):
    for p in path:
        if r is None:
            return None
        r = r.get(p) if isinstance(r, dict) else None
    return r


# (label, path, unit, better, target) — target: ("ratio", k) means matrixd must be k× better
# than Synapse; ("abs", v) means matrixd at most v.
ROWS = [
    ("send throughput, 10 senders, one room", ("send", "msgs_per_s"), "msgs/s", "higher", ("ratio", 20)),
    ("send latency p50", ("send", "latency", "p50_ms"), "ms", "lower", None),
    ("send latency p99", ("send", "latency", "p99_ms"), "ms", "lower", None),
    ("send→sync delivery p50", ("delivery", "delivery", "p50_ms"), "ms", "lower", None),
    ("send→sync delivery p99", ("delivery", "delivery", "p99_ms"), "ms", "lower", ("ratio", 10)),
    ("initial sync, 10,000-event room (median of 3)", ("initial_sync", "median_ms"), "ms", "lower", ("ratio", 10)),
    ("initial sync, first (cold)", ("initial_sync", "first_ms"), "ms", "lower", None),
    ("initial sync response size", ("initial_sync", "bytes"), "bytes", "lower", None),
    ("fill rate of the 10,000-event room", ("initial_sync", "fill", "msgs_per_s"), "msgs/s", "higher", None),
    ("createRoom, 10 creators", ("create_room", "rooms_per_s"), "rooms/s", "higher", ("ratio", 20)),
    ("createRoom latency p50", ("create_room", "latency", "p50_ms"), "ms", "lower", None),
    ("idle RSS (ready + 3 s, before load)", ("rss", "idle", "rss_mib"), "MiB", "lower", ("ratio", 8)),
    ("RSS after registering the 10 senders", ("rss", "after_register", "rss_mib"), "MiB", "lower", None),
    ("peak RSS (VmHWM) at the end", ("rss", "end", "hwm_mib"), "MiB", "lower", None),
    ("start to ready (existing database)", ("start_to_ready_ms",), "ms", "lower", ("abs", 100)),
    ("start to ready (fresh database)", ("first_start_ms",), "ms", "lower", None),
    ("server CPU during the send phase", ("send", "cpu", "server_cpu_pct"), "% of a core", None, None),
    ("bench CPU during the send phase", ("send", "cpu", "bench_cpu_pct"), "% of a core", None, None),
]


def many_rows(m, s):
    """Rows of the many-rooms phase (issue 20), one group per room count both reports have."""
    sizes = lambda r: {x["rooms"]: x for x in (g(r, "many_rooms", "sizes") or [])}
    ms, ss = sizes(m), sizes(s)
    rows = []
    for n in sorted(set(ms) & set(ss)):
        rows += [
            (f"user in {n:,} rooms: initial sync, no filter", ("initial_ms",), "ms", "lower",
             ("ratio", 25) if n == 1000 else None, ms[n], ss[n]),
            (f"user in {n:,} rooms: initial sync, Element Web's filter", ("initial_element_filter_ms",),
             "ms", "lower", None, ms[n], ss[n]),
            (f"user in {n:,} rooms: empty incremental sync", ("empty_incremental_ms",), "ms", "lower",
             ("abs", 2), ms[n], ss[n]),
            (f"user in {n:,} rooms: incremental sync, one new message", ("one_message_incremental_ms",),
             "ms", "lower", ("abs", 3) if n == 1000 else None, ms[n], ss[n]),
            (f"user in {n:,} rooms: RSS after the syncs", ("rss_mib",), "MiB", "lower",
             ("ratio", 4) if n == 1000 else None, ms[n], ss[n]),
        ]
        # Issue 16: Element X's room-list request, goal 10x Synapse on each at 300 rooms.
        goal = ("ratio", 10) if n == 300 else None
        rows += [
            (f"user in {n:,} rooms: sliding sync, first answer", ("sliding_sync", "first_ms"),
             "ms", "lower", goal, ms[n], ss[n]),
            (f"user in {n:,} rooms: sliding sync, nothing new", ("sliding_sync", "empty_ms"),
             "ms", "lower", ("abs", 2) if n == 1000 else None, ms[n], ss[n]),
            (f"user in {n:,} rooms: sliding sync after one new message",
             ("sliding_sync", "one_message_ms"), "ms", "lower",
             ("abs", 3) if n == 1000 else goal, ms[n], ss[n]),
            (f"user in {n:,} rooms: send → sliding sync delivery p99",
             ("sliding_sync", "delivery_p99_ms"), "ms", "lower", goal, ms[n], ss[n]),
        ]
    return rows


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.1f}" if v < 1000 else f"{v:,.0f}"
    return f"{v:,}"


# Federation (issue 13): federation.sh's pairs, matrixd↔matrixd beside Synapse↔Synapse.
FED_ROWS = [
    ("send→sync latency p50", ("latency", "p50_ms"), "ms", "lower", ("ratio", 10)),
    ("send→sync latency p99", ("latency", "p99_ms"), "ms", "lower", None),
    ("10 senders: messages arrived at B", ("throughput", "arrived"), "messages", None, None),
    ("10 senders: delivered per second", ("throughput", "delivered_per_s"), "msgs/s", "higher",
     ("ratio", 20)),
]

# The join: the same room of a matrixd, joined by a fresh matrixd and by a fresh Synapse.
JOIN_ROWS = [
    ("/join call", ("join_call_ms",), "ms", "lower", ("ratio", 10)),
    ("… until the joining server lists every member", ("all_members_ms",), "ms", "lower",
     ("ratio", 10)),
]


def table(m, s, db, rows=None, heads=("matrixd", "Synapse 1.163")):
    print(f"| {db} | {heads[0]} | {heads[1]} | matrixd vs Synapse | target | |")
    print("|---|---:|---:|---:|---|---|")
    if rows is None:
        rows = [(label, path, unit, better, target, m, s) for label, path, unit, better, target in ROWS]
        rows += many_rows(m, s)
    else:
        rows = [(label, path, unit, better, target, m, s) for label, path, unit, better, target in rows]
    for label, path, unit, better, target, mr, sr in rows:
        a, b = g(mr, *path), g(sr, *path)
        ratio = ""
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a and b and better:
            x = a / b if better == "higher" else b / a
            ratio = f"{x:,.1f}× {'better' if x >= 1 else 'worse'}"
        tgt, verdict = "", ""
        if target and target[0] == "ratio":
            tgt = f"≥ {target[1]}× better"
            if ratio:
                x = a / b if better == "higher" else b / a
                verdict = "met" if x >= target[1] else "**not met**"
        elif target and target[0] == "abs":
            tgt = f"≤ {target[1]} {unit}"
            if a is not None:
                verdict = "met" if a <= target[1] else "**not met**"
        print(f"| {label} ({unit}) | {fmt(a)} | {fmt(b)} | {ratio} | {tgt} | {verdict} |")


def federation(out):
    """federation.sh's reports, if OUT has them."""
    def read(name):
        path = os.path.join(out, f"{name}.json")
        return json.load(open(path)) if os.path.exists(path) else None

    m, s = read("matrixd"), read("synapse")
    if (m and "latency" in m) or (s and "latency" in s):
        table(m, s, "Federation, pairs", FED_ROWS, ("matrixd↔matrixd", "Synapse↔Synapse"))
        print()
    j = g(read("join"), "join")
    if j and j.get("joins"):
        # Several joins of one kind (JOINERS naming it again): their medians, and each below.
        kinds = {}
        for x in j["joins"]:
            kinds.setdefault(x["joiner"], []).append(x)
        by = {}
        for kind, xs in kinds.items():
            by[kind] = {k: statistics.median(x[k] for x in xs)
                        for k in ("join_call_ms", "all_members_ms")}
        order = " then ".join(x["joiner"] for x in j["joins"])
        title = (f"Joining a matrixd's room of {j['members']:,} members, {j['events']:,} events"
                 f" (joined by {order}; filled in {j['fill_s']} s)")
        many = any(len(xs) > 1 for xs in kinds.values())
        heads = ("matrixd joins (median)", "Synapse joins (median)") if many else \
            ("matrixd joins", "Synapse joins")
        table(by.get("matrixd"), by.get("synapse"), title, JOIN_ROWS, heads)
        if many:
            for kind, xs in kinds.items():
                calls = ", ".join(fmt(x["join_call_ms"]) for x in xs)
                print(f"\n{kind}'s joins, /join call (ms): {calls}")
            if "matrixd" in kinds and "synapse" in kinds:
                pairs = zip(kinds["matrixd"], kinds["synapse"])
                ratios = ", ".join(f"{s['join_call_ms'] / m['join_call_ms']:.1f}×" for m, s in pairs)
                print(f"\nSynapse / matrixd, join by join in order: {ratios}")
        for x in j["joins"]:
            if x.get("quiet") is False:
                print(f"\n(the machine did not come to rest before {x['joiner']}'s join: "
                      f"waited {x['quiet_wait_s']} s in vain)")
        print()


def main():
    out = sys.argv[1]
    federation(out)
    for db, title in (("sqlite", "SQLite"), ("pg", "PostgreSQL")):
        m, s = load(out, f"matrixd-{db}"), load(out, f"synapse-{db}")
        if m is None and s is None:
            continue
        table(m, s, title)
        print()


if __name__ == "__main__":
    main()
