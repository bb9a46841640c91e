#!/usr/bin/env bash
# run-all.sh: the runs behind BENCHMARKS.md, on this machine, one after another:
# matrixd on SQLite, Synapse on SQLite, matrixd on PostgreSQL, Synapse on PostgreSQL.
# Usage: tests/bench/run-all.sh OUT_DIR [extra matrix-bench flags...]
#   Needs: release binaries in $BIN (default /work/target-bench/release; build with
#     CARGO_TARGET_DIR=/work/target-bench cargo build --release -p matrixd -p matrixctl -p e2e --bin matrix-bench)
#   the Synapse venv (tests/interop/setup-synapse.sh), and PostgreSQL on 127.0.0.1:5432 with
#   trust auth for `postgres` (databases bench_matrixd and bench_synapse are dropped and re-created).
#   SERVERS="matrixd-sqlite synapse-pg ..." runs only those (default: all four).
# Writes OUT_DIR/<server>.json (matrix-bench --json) and OUT_DIR/<server>.txt (the table).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [matrix-bench flags...]" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"; OUT="$(cd "$1" && pwd)"; shift
BIN="${BIN:-/work/target-bench/release}"
# shellcheck source=tests/bench/lib.sh
. "$HERE/lib.sh"
"$PY" -c 'import psycopg2' 2>/dev/null || "$PY" -m pip install -q psycopg2-binary >&2

# bench NAME URL CONF START_CMD: a first start creates the database (timed, no load), the second
# start is the measured run.
bench() {
    local name=$1 url=$2 conf=$3 cmd=$4 s
    shift 4
    s="$(secret "$conf")"
    echo "== $name: first start (fresh database)" >&2
    "$BIN/matrix-bench" --url "$url" --shared-secret="$s" --start-cmd "$cmd" --only none --senders 1 \
        --server-log "$OUT/$name.first.log" --json --label "$name (first start)" > "$OUT/$name.first.json"
    echo "== $name: measured run (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$BIN/matrix-bench" --url "$url" --shared-secret="$s" --start-cmd "$cmd" \
        --server-log "$OUT/$name.log" --label "$name" --json "$@" > "$OUT/$name.json"
    "$PY" - "$OUT/$name.json" "$OUT/$name.first.json" <<'EOF' > "$OUT/$name.summary"
import json, sys
r, f = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(json.dumps({"first_start_ms": f.get("start_to_ready_ms"), "start_ms": r.get("start_to_ready_ms")}))
EOF
}

wanted() { [ -z "${SERVERS:-}" ] || [[ " $SERVERS " == *" $1 "* ]]; }

# matrixd, SQLite and PostgreSQL.
for db in sqlite pg; do
    name="matrixd-$db"; dir="$OUT/$name"; port=$([ $db = sqlite ] && echo 18701 || echo 18703)
    if wanted "$name"; then
    rm -rf "$dir"; mkdir -p "$dir"
    "$BIN/matrixctl" generate-config --server-name bench.local --report-stats=no --http-port "$port" \
        --config-path "$dir/homeserver.yaml" --data-directory "$dir" >/dev/null 2>&1
    set_yaml "$dir/homeserver.yaml" "$LIFT_LIMITS"
    if [ $db = pg ]; then fresh_db bench_matrixd; set_yaml "$dir/homeserver.yaml" "$(pg_db bench_matrixd)"; fi
    bench "$name" "http://127.0.0.1:$port" "$dir/homeserver.yaml" "$BIN/matrixd --config $dir/homeserver.yaml" "$@"
    fi

    # Synapse beside it, same database kind; its config comes from run-synapse.sh (rate limits
    # lifted), then it is started directly so its start-up time is Synapse's own.
    name="synapse-$db"; dir="$OUT/$name"; port=$((port + 1))
    wanted "$name" || continue
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && "$PY" -m synapse.app.homeserver --server-name localhost --config-path "$dir/homeserver.yaml" \
        --generate-config --report-stats=no --data-directory "$dir" >/dev/null)
    # run-synapse.sh's overrides (listener, no key servers, rc_* lifted), without starting it.
    overrides="$(sed -n "/<<'PYEOF'$/,/^PYEOF$/p" "$HERE/../interop/run-synapse.sh" | sed '1d;$d')"
    [ -n "$overrides" ] || { echo "run-all.sh: no overrides found in run-synapse.sh" >&2; exit 1; }
    "$PY" - "$dir/homeserver.yaml" "$port" "" "" "" "" "" <<< "$overrides"
    if [ $db = pg ]; then fresh_db bench_synapse; set_yaml "$dir/homeserver.yaml" "$(pg_db bench_synapse)"; fi
    bench "$name" "http://127.0.0.1:$port" "$dir/homeserver.yaml" "$PY -m synapse.app.homeserver -c $dir/homeserver.yaml" "$@"
done

for f in "$OUT"/*.json; do
    case "$f" in *.first.json) continue ;; esac
    "$BIN/matrix-bench" --print "$f" | tee "${f%.json}.txt"
    cat "${f%.json}.summary"
done
