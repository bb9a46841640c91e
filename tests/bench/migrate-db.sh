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
set -euo pipefail
# shellcheck source=tests/bench/fill-room.sh
. "$(dirname "${BASH_SOURCE[0]}")/fill-room.sh"
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
