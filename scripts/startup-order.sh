#!/usr/bin/env bash
# startup-order.sh: regenerate server/startup-order.txt, the functions a restarted matrixd runs
# until it is idle (ready + 3 s, as the benchmark measures), which release builds link side by
# side (server/build.rs). Run it after a toolchain or dependency update, or a large change to
# start-up; the file names functions as this toolchain mangles them, and names that no longer
# exist are skipped by the linker, so a stale file costs memory, never correctness.
#
# It builds the release binaries with the linker map, starts matrixd twice on SQLite (and on
# PostgreSQL when one answers on 127.0.0.1:5432 with trust auth for postgres) — a first start
# that creates the database, then the restart that is profiled under callgrind — and maps the
# executed addresses to functions through the map (scripts/startup_order.py).
# Needs valgrind (callgrind_control) and python3 with PyYAML. Takes about as long as a release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
T="${CARGO_TARGET_DIR:-$ROOT/target}"
MAP="$T/matrixd.map"
BIN="$T/release"
command -v callgrind_control >/dev/null || { echo "startup-order: install valgrind" >&2; exit 1; }

MATRIXD_LINK_MAP="$MAP" CARGO_TARGET_DIR="$T" cargo build --release --workspace --bins

work="$(mktemp -d)"
trap 'pkill -KILL -f "callgrind-out-file=$work" 2>/dev/null || true; rm -rf "$work"' EXIT

port=18861
wait_ready() {
    for _ in $(seq 1 300); do
        curl -sf "http://127.0.0.1:$port/_matrix/client/versions" >/dev/null && return 0
        sleep 0.2
    done
    echo "startup-order: matrixd did not answer on port $port" >&2
    return 1
}

# profile NAME [DATABASE-YAML]: one first start, then the profiled restart.
profile() {
    local name=$1 db=${2:-} dir="$work/$1" pid
    "$BIN/matrixctl" generate-config --server-name bench.local --report-stats=no \
        --http-port "$port" --config-path "$dir/homeserver.yaml" --data-directory "$dir" >/dev/null 2>&1
    [ -z "$db" ] || python3 - "$dir/homeserver.yaml" "$db" <<'EOF'
import sys, yaml
path, db = sys.argv[1], sys.argv[2]
conf = yaml.safe_load(open(path))
conf["database"] = yaml.safe_load(db)["database"]
yaml.safe_dump(conf, open(path, "w"), sort_keys=False)
EOF
    "$BIN/matrixd" --config "$dir/homeserver.yaml" > "$dir/first.log" 2>&1 &
    pid=$!
    wait_ready
    kill -TERM "$pid"
    wait "$pid" || true
    valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no \
        --callgrind-out-file="$work/$name.cg" \
        "$BIN/matrixd" --config "$dir/homeserver.yaml" > "$dir/profiled.log" 2>&1 &
    pid=$!
    wait_ready
    sleep 3
    callgrind_control --dump="$name idle" "$pid" >/dev/null
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    port=$((port + 1))
}

profile sqlite
if psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS startup_order' \
        -c "CREATE DATABASE startup_order ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    profile pg "database: {name: psycopg2, args: {user: postgres, dbname: startup_order, host: 127.0.0.1, port: 5432}}"
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS startup_order'
fi

python3 scripts/startup_order.py "$MAP" "$BIN/matrixd" server/startup-order.txt "$work"/*.cg.*
echo "startup-order: wrote server/startup-order.txt; rebuild the release binaries to use it" >&2
