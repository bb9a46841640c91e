#!/usr/bin/env bash
# migrate-db.sh: how fast `matrixctl migrate-db` moves a SQLite server to PostgreSQL (issue 17),
# in events per second, on this machine.
# Usage: tests/bench/migrate-db.sh OUT_DIR [EVENTS]   (EVENTS: messages sent first, default 20000)
#   Needs: binaries in $BIN (default /work/target-bench/release; build with
#     CARGO_TARGET_DIR=/work/target-bench cargo build --release -p matrixd -p matrixctl),
#   curl, and PostgreSQL on 127.0.0.1:5432 with trust auth for `postgres` (database
#   bench_migrate is dropped and re-created).
# A matrixd on SQLite gets EVENTS messages over the client API (8 senders), is stopped, and
# migrate-db copies it; OUT_DIR/migrate-db.json holds the events, the seconds of the whole command
# (copy, verification and config rewrite) and the rate; OUT_DIR/migrate-db.log its output.
# Then the same for Synapse (SYNAPSE=0 skips it): a Synapse on SQLite (the venv of
# tests/interop/setup-synapse.sh) gets the same messages, is stopped, and its own
# `synapse_port_db` copies it into database bench_port_synapse; OUT_DIR/synapse-port-db.json
# and .log likewise.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/bench/fill-room.sh
. "$HERE/fill-room.sh"
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [EVENTS]" >&2; exit 2; }
mkdir -p "$1"; OUT="$(cd "$1" && pwd)"
EVENTS="${2:-20000}"
BIN="${BIN:-/work/target-bench/release}"
PORT=18711
DIR="$OUT/migrate-db"
PSQL=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q)

rm -rf "$DIR"; mkdir -p "$DIR"
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS bench_migrate" \
    -c "CREATE DATABASE bench_migrate ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
"$BIN/matrixctl" generate-config --server-name bench.local --report-stats=no --http-port "$PORT" \
    --config-path "$DIR/homeserver.yaml" --data-directory "$DIR" >/dev/null
printf '\nrc_message: {per_second: 100000, burst_count: 100000}\nrc_login: {address: {per_second: 1000, burst_count: 1000}, account: {per_second: 1000, burst_count: 1000}, failed_attempts: {per_second: 1000, burst_count: 1000}}\n' \
    >> "$DIR/homeserver.yaml"
"$BIN/matrixd" --config "$DIR/homeserver.yaml" > "$DIR/matrixd.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 300); do curl -sf "$URL/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
fill_room "$URL" "$DIR/homeserver.yaml" "$EVENTS"
kill "$PID"; wait "$PID" 2>/dev/null || true
trap - EXIT

echo "== migrate-db" >&2
start=$(date +%s.%N)
"$BIN/matrixctl" --lang en migrate-db -c "$DIR/homeserver.yaml" --pg-host 127.0.0.1 --pg-port 5432 \
    --pg-user postgres --pg-database bench_migrate --yes > "$OUT/migrate-db.log" 2>&1
end=$(date +%s.%N)
events="$("${PSQL[@]}" -d bench_migrate -tAc 'SELECT COUNT(*) FROM events')"
copy_rate="$(sed -n 's/.*(\([0-9]*\) events\/s).*/\1/p' "$OUT/migrate-db.log")"
awk -v e="$events" -v s="$start" -v t="$end" -v c="$copy_rate" 'BEGIN {
    printf "{\"events\": %d, \"seconds\": %.2f, \"events_per_s\": %.0f, \"copy_events_per_s\": %s}\n", e, t - s, e / (t - s), c
}' | tee "$OUT/migrate-db.json"

[ "${SYNAPSE:-1}" = 1 ] || exit 0
# shellcheck source=tests/bench/lib.sh
. "$HERE/lib.sh"
"$PY" -c 'import psycopg2' 2>/dev/null || "$PY" -m pip install -q psycopg2-binary >&2
SDIR="$OUT/synapse-port-db"; SPORT=18712
rm -rf "$SDIR"; mkdir -p "$SDIR"
(cd "$SDIR" && "$PY" -m synapse.app.homeserver --server-name bench.local --config-path "$SDIR/homeserver.yaml" \
    --generate-config --report-stats=no --data-directory "$SDIR" >/dev/null)
# run-synapse.sh's overrides (loopback listener, no key servers, rc_* lifted), without starting it.
overrides="$(sed -n "/<<'PYEOF'$/,/^PYEOF$/p" "$HERE/../interop/run-synapse.sh" | sed '1d;$d')"
[ -n "$overrides" ] || { echo "migrate-db.sh: no overrides found in run-synapse.sh" >&2; exit 1; }
"$PY" - "$SDIR/homeserver.yaml" "$SPORT" "" "" "" "" "" <<< "$overrides"
"$PY" -m synapse.app.homeserver -c "$SDIR/homeserver.yaml" > "$SDIR/synapse.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
SURL="http://127.0.0.1:$SPORT"
for _ in $(seq 600); do curl -sf "$SURL/_matrix/client/versions" >/dev/null && break; sleep 0.2; done
fill_room "$SURL" "$SDIR/homeserver.yaml" "$EVENTS"
kill "$PID"; wait "$PID" 2>/dev/null || true
trap - EXIT
fresh_db bench_port_synapse
# synapse_port_db reads a whole homeserver.yaml whose database is the target.
cp "$SDIR/homeserver.yaml" "$SDIR/postgres.yaml"
set_yaml "$SDIR/postgres.yaml" "$(pg_db bench_port_synapse)"
sqlite_db="$("$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["database"]["args"]["database"])' "$SDIR/homeserver.yaml")"
echo "== synapse_port_db" >&2
start=$(date +%s.%N)
"$VENV/bin/synapse_port_db" --sqlite-database "$sqlite_db" --postgres-config "$SDIR/postgres.yaml" \
    > "$OUT/synapse-port-db.log" 2>&1
end=$(date +%s.%N)
events="$("${PSQL[@]}" -d bench_port_synapse -tAc 'SELECT COUNT(*) FROM events')"
awk -v e="$events" -v s="$start" -v t="$end" 'BEGIN {
    printf "{\"events\": %d, \"seconds\": %.2f, \"events_per_s\": %.0f}\n", e, t - s, e / (t - s)
}' | tee "$OUT/synapse-port-db.json"
