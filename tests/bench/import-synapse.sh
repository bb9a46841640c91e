#!/usr/bin/env bash
# import-synapse.sh: how fast `matrixctl import-synapse` moves a Synapse to matrixd (issue 18), in
# events per second, on this machine.
# Usage: tests/bench/import-synapse.sh OUT_DIR [EVENTS]   (EVENTS: messages sent first, default 20000)
#   Needs: binaries in $BIN (default /work/target-bench/release; build with
#     CARGO_TARGET_DIR=/work/target-bench cargo build --release -p matrixd -p matrixctl),
#   curl, and the Synapse venv (tests/interop/setup-synapse.sh).
# A Synapse on SQLite (tests/interop/run-synapse.sh) gets EVENTS messages over the client API
# (8 senders), is stopped, and import-synapse copies it into a new directory; OUT_DIR/import-synapse.json
# holds the events, the seconds of the whole command (plan, copy, verification, config) and the
# rate; OUT_DIR/import-synapse.log its output.
set -euo pipefail
# shellcheck source=tests/bench/fill-room.sh
. "$(dirname "${BASH_SOURCE[0]}")/fill-room.sh"
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [EVENTS]" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"; OUT="$(cd "$1" && pwd)"
EVENTS="${2:-20000}"
BIN="${BIN:-/work/target-bench/release}"
PORT=18712
DIR="$OUT/import-synapse"
"$HERE/../interop/setup-synapse.sh" >/dev/null

rm -rf "$DIR"; mkdir -p "$DIR"
"$HERE/../interop/run-synapse.sh" "$DIR/synapse" "$PORT" > "$DIR/synapse.out" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1200); do curl -sf "$URL/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
fill_room "$URL" "$DIR/synapse/homeserver.yaml" "$EVENTS"
# run-synapse.sh execs Synapse, so $PID is Synapse itself: SIGTERM stops it cleanly.
kill "$PID"; wait "$PID" 2>/dev/null || true
trap - EXIT

echo "== import-synapse" >&2
start=$(date +%s.%N)
"$BIN/matrixctl" --lang en import-synapse --synapse-config "$DIR/synapse/homeserver.yaml" \
    --config-path "$DIR/matrixd/homeserver.yaml" --data-directory "$DIR/matrixd" --yes \
    > "$OUT/import-synapse.log" 2>&1
end=$(date +%s.%N)
events="$(sed -n 's/.*events: rows stored *\([0-9]*\) → \([0-9]*\).*/\2/p' "$OUT/import-synapse.log")"
copy_rate="$(sed -n 's/.*(\([0-9]*\) events\/s).*/\1/p' "$OUT/import-synapse.log")"
awk -v e="$events" -v s="$start" -v t="$end" -v c="$copy_rate" 'BEGIN {
    printf "{\"events\": %d, \"seconds\": %.2f, \"events_per_s\": %.0f, \"copy_events_per_s\": %s}\n", e, t - s, e / (t - s), c
}' | tee "$OUT/import-synapse.json"
