#!/usr/bin/env bash
# startup-order.sh: regenerate server/startup-order.txt, the functions a restarted matrixd runs
# until it is idle (ready + 3 s, as the benchmark measures), which release builds link side by
# side (server/build.rs). Run it after a toolchain or dependency update, or a large change to
# start-up; the file names functions as this toolchain mangles them, and names that no longer
# exist are skipped by the linker, so a stale file costs memory, never correctness.
#
# It builds the release binaries with the linker map and starts matrixd on SQLite (and on
# PostgreSQL when one answers on 127.0.0.1:5432 with trust auth for postgres): a first start
# creates the database, then restarts are profiled, under callgrind (every function run) and
# natively under perf (the code pages touched: native CPU features pick code valgrind's CPU
# does not). The executed addresses become functions through the map
# (scripts/startup_order.py). A second build laid out with that list is profiled natively
# again, and what still lies outside the list is added.
# Needs valgrind (callgrind_control), perf and python3 with PyYAML. Takes about three release
# links.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
T="${CARGO_TARGET_DIR:-$ROOT/target}"
MAP="$T/matrixd.map"
BIN="$T/release"
for tool in callgrind_control perf python3; do
    command -v "$tool" >/dev/null || { echo "startup-order: $tool is missing" >&2; exit 1; }
done

build() { MATRIXD_LINK_MAP="$MAP" CARGO_TARGET_DIR="$T" cargo build --release --workspace --bins; }

work="$(mktemp -d)"
trap 'pkill -KILL -f "$work/" 2>/dev/null || true; rm -rf "$work"' EXIT

port=18861
wait_ready() {
    for _ in $(seq 1 300); do
        curl -sf "http://127.0.0.1:$port/_matrix/client/versions" >/dev/null && return 0
        sleep 0.1
    done
    echo "startup-order: matrixd did not answer on port $port" >&2
    return 1
}

# setup NAME [DATABASE-YAML]: a config, and a database made by a first start.
setup() {
    local dir="$work/$1" db=${2:-} pid
    port=$((port + 1))
    "$BIN/matrixctl" generate-config --server-name bench.local --report-stats=no \
        --http-port "$port" --config-path "$dir/homeserver.yaml" --data-directory "$dir" >/dev/null 2>&1
    if [ -n "$db" ]; then
        python3 -c '
import sys, yaml
path, db = sys.argv[1], sys.argv[2]
conf = yaml.safe_load(open(path))
conf["database"] = yaml.safe_load(db)["database"]
yaml.safe_dump(conf, open(path, "w"), sort_keys=False)
' "$dir/homeserver.yaml" "$db"
    fi
    "$BIN/matrixd" --config "$dir/homeserver.yaml" > "$dir/first.log" 2>&1 &
    pid=$!
    wait_ready
    kill -TERM "$pid"
    wait "$pid" || true
    echo "$port" > "$dir/port"
}

# callgrind NAME: a restart under callgrind, dumped at ready + 3 s.
callgrind() {
    local dir="$work/$1" pid
    port=$(cat "$dir/port")
    valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no \
        --callgrind-out-file="$work/$1.cg" \
        "$BIN/matrixd" --config "$dir/homeserver.yaml" > "$dir/callgrind.log" 2>&1 &
    pid=$!
    wait_ready
    sleep 3
    callgrind_control --dump="$1 idle" "$pid" >/dev/null
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    PROFILES+=(--callgrind "$work/$1.cg.1")
}

# faults NAME ROUND: a native restart recording page faults, up to ready + 3 s.
faults() {
    local dir="$work/$1" pid marker
    port=$(cat "$dir/port")
    perf record -q -k mono -e page-faults -c 1 -d -o "$work/$1.$2.perf" -- \
        "$BIN/matrixd" --config "$dir/homeserver.yaml" > "$dir/perf.log" 2>&1 &
    pid=$!
    wait_ready
    sleep 3
    marker=$(python3 -c 'import time; print(time.monotonic())')
    kill -INT "$pid"
    wait "$pid" 2>/dev/null || true
    perf script -i "$work/$1.$2.perf" -F time,ip,addr --show-mmap-events > "$work/$1.$2.txt" 2>/dev/null
    PROFILES+=(--perf "$work/$1.$2.txt" "$marker")
}

DATABASES=(sqlite)
build
setup sqlite
if psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS startup_order' \
        -c "CREATE DATABASE startup_order ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    setup pg "database: {name: psycopg2, args: {user: postgres, dbname: startup_order, host: 127.0.0.1, port: 5432}}"
    DATABASES+=(pg)
fi

PROFILES=()
for d in "${DATABASES[@]}"; do callgrind "$d"; faults "$d" 1; done
python3 scripts/startup_order.py "$MAP" "$BIN/matrixd" server/startup-order.txt "${PROFILES[@]}"

# Laid out with that list, what is still touched outside it is added.
build
PROFILES=()
for d in "${DATABASES[@]}"; do faults "$d" 2; done
cp server/startup-order.txt "$work/first-round.txt"
python3 scripts/startup_order.py "$MAP" "$BIN/matrixd" server/startup-order.txt \
    --keep "$work/first-round.txt" "${PROFILES[@]}"

if [ "${#DATABASES[@]}" -gt 1 ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS startup_order'
fi
echo "startup-order: wrote server/startup-order.txt; rebuild the release binaries to use it" >&2
