#!/usr/bin/env python3
"""Writes server/startup-order.txt: the functions matrixd runs from start until idle, from
profiles of a release binary and the linker map of that same build (scripts/startup-order.sh
runs them). One symbol per line: first the ones of --keep (an earlier list, in its order),
then the new ones in the order the linker placed them, so start-up code keeps its neighbours
but lands in as few pages as possible.

Profiles: --callgrind FILE (every instruction executed, under valgrind), and --perf FILE
MARKER (`perf script -F time,ip,addr --show-mmap-events` of a native run recording
page-faults: the code pages touched before MARKER, a CLOCK_MONOTONIC time, which catches the
code paths a CPU picks natively that valgrind's CPU does not offer).

Usage: startup_order.py MAP BINARY OUT [--keep FILE] [--callgrind FILE]... [--perf FILE MARKER]...
"""
import re
import sys
from bisect import bisect_right


def executed(profile, binary):
    """Instruction addresses callgrind saw executed in `binary` (link-time addresses)."""
    seen = set()
    ob = None
    names = {}
    with open(profile, errors="replace") as f:
        for line in f:
            if line.startswith("ob="):
                m = re.match(r"ob=(?:\((\d+)\))?\s*(.*)", line.rstrip("\n"))
                ident, name = m.group(1), m.group(2)
                if ident and name:
                    names[ident] = name
                ob = name or names.get(ident)
            elif line.startswith("0x") and ob == binary:
                seen.add(int(line.split()[0], 16))
    return seen


def faulted(perf_text, binary, marker):
    """Link-time addresses of the page faults in `binary` before `marker`."""
    base = None
    seen = set()
    with open(perf_text, errors="replace") as f:
        for line in f:
            if "PERF_RECORD_MMAP" in line:
                m = re.search(r"\[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (0x[0-9a-f]+|0) .*\s(\S+)$", line.strip())
                if m and m.group(4) == binary and int(m.group(3), 16) == 0 and base is None:
                    base = int(m.group(1), 16)
                continue
            parts = line.split()
            if len(parts) < 3 or base is None:
                continue
            try:
                t = float(parts[0].rstrip(":"))
            except ValueError:
                continue
            if t > marker:
                break
            for value in parts[1:3]:
                try:
                    seen.add(int(value, 16) - base)
                except ValueError:
                    pass
    return seen


def sections(map_path):
    """The input sections of .text in an lld map: [start, size, first symbol in it]. Output
    sections, input sections and symbols are told apart by their indentation (0, 8, 16)."""
    row = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ ( *)(\S.*)$")
    out, in_text, current = [], False, None
    with open(map_path) as f:
        for line in f:
            m = row.match(line.rstrip("\n"))
            if not m:
                continue
            vma, size, indent, name = int(m.group(1), 16), int(m.group(2), 16), len(m.group(3)), m.group(4)
            if indent == 0:
                in_text, current = name == ".text", None
            elif indent == 8:
                current = [vma, size, None] if in_text else None
                if current:
                    out.append(current)
            elif current is not None and current[2] is None:
                current[2] = name
    return [s for s in out if s[2] and s[1] > 0]


def main():
    map_path, binary, out_path, *rest = sys.argv[1:]
    keep, addresses = [], set()
    while rest:
        flag = rest.pop(0)
        if flag == "--keep":
            with open(rest.pop(0)) as f:
                keep = [line.strip() for line in f if line.strip()]
        elif flag == "--callgrind":
            addresses |= executed(rest.pop(0), binary)
        elif flag == "--perf":
            path, marker = rest.pop(0), float(rest.pop(0))
            addresses |= faulted(path, binary, marker)
        else:
            sys.exit("unknown argument " + flag)
    secs = sections(map_path)
    secs.sort()
    starts = [s[0] for s in secs]
    hit = set()
    for addr in addresses:
        i = bisect_right(starts, addr) - 1
        if i >= 0 and addr < secs[i][0] + secs[i][1]:
            hit.add(i)
    chosen = [secs[i] for i in sorted(hit)]
    if not chosen:
        sys.exit("no executed function of %s found in the map: wrong map or binary?" % binary)
    kept = set(keep)
    new = [s for s in chosen if s[2] not in kept]
    with open(out_path, "w") as f:
        for sym in keep + [s[2] for s in new]:
            f.write(sym + "\n")
    total = sum(s[1] for s in chosen)
    print("%d functions touched (%d KiB of code, %d not listed before), of %d in .text"
          % (len(chosen), total // 1024, len(new), len(secs)), file=sys.stderr)


if __name__ == "__main__":
    main()
