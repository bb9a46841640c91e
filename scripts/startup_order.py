#!/usr/bin/env python3
"""Writes server/startup-order.txt: the functions matrixd runs from start until idle, from a
callgrind profile of a release binary and the linker map of that same build (see
scripts/startup-order.sh, which runs both). One symbol per line, in the order the linker
placed them, so start-up code keeps its neighbours but lands in as few pages as possible.

Usage: startup_order.py MAP BINARY OUT PROFILE...
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


def sections(map_path):
    """Input sections of .text from an lld map: (start, size, first symbol)."""
    out = []
    in_text = False
    current = None
    with open(map_path) as f:
        next(f)
        for line in f:
            parts = line.split(None, 4)
            if len(parts) < 5:
                continue
            vma, _lma, size, _align, rest = parts
            depth = len(line) - len(line.lstrip(" "))
            if not rest.startswith(" ") and depth <= 20 and not ":(" in rest and not rest.startswith("_"):
                pass
            name = rest.strip()
            # Output sections: one column of indentation; input sections: ':(' in the name;
            # symbols: indented further, no ':('.
            if ":(" not in name and line[line.index(rest):].startswith(name) and re.match(r"^\.\S+$", name):
                in_text = name == ".text"
                current = None
                continue
            if not in_text:
                continue
            if ":(" in name:
                current = [int(vma, 16), int(size, 16), None]
                out.append(current)
            elif current is not None and current[2] is None:
                current[2] = name
    return [s for s in out if s[2] and s[1] > 0]


def main():
    map_path, binary, out_path, *profiles = sys.argv[1:]
    secs = sections(map_path)
    secs.sort()
    starts = [s[0] for s in secs]
    hit = {}
    for p in profiles:
        for addr in executed(p, binary):
            i = bisect_right(starts, addr) - 1
            if i >= 0 and addr < secs[i][0] + secs[i][1]:
                hit[i] = True
    chosen = [secs[i] for i in sorted(hit)]
    if not chosen:
        sys.exit("no executed function of %s found in the map: wrong map or binary?" % binary)
    with open(out_path, "w") as f:
        for _, _, sym in chosen:
            f.write(sym + "\n")
    total = sum(s[1] for s in chosen)
    print("%d functions, %d KiB of code, of %d in .text" % (len(chosen), total // 1024, len(secs)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
