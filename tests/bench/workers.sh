#!/usr/bin/env bash
# workers.sh: matrixd as several processes on one PostgreSQL database (issue 17, `worker_name`),
# beside the same matrixd as one process: send throughput with the senders spread over 1, 2 and
# 3 processes, and send→sync delivery from a send on the first process to a sync on the last
# ($DELIVERY_SAMPLES, default 1,000, so its p99 is the tenth slowest, not the second of 200).
# Usage: tests/bench/workers.sh OUT_DIR [extra matrix-bench flags...]
#   Needs: release binaries in $BIN (default /work/target-bench/release; build with
#     CARGO_TARGET_DIR=/work/target-bench cargo build --release -p matrixd -p matrixctl -p e2e --bin matrix-bench),
#   the Synapse venv's Python for YAML (tests/interop/setup-synapse.sh), and PostgreSQL on
#   127.0.0.1:5432 with trust auth for `postgres` (database bench_workers is dropped and re-created).
# RUNS="single workers-2" runs only those. Runs: `single` (no worker_name: one process as matrixd runs alone), then `workers-1`,
# `workers-2`, `workers-3` (that many processes, each with its own worker_name and port), each on
# a fresh database. Writes OUT_DIR/<run>.json (matrix-bench --json) and OUT_DIR/<run>.txt; CPU
# and RSS figures there are the first process's only.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [matrix-bench flags...]" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"; OUT="$(cd "$1" && pwd)"; shift
BIN="${BIN:-/work/target-bench/release}"
BASE=18721
# shellcheck source=tests/bench/lib.sh
. "$HERE/lib.sh"
ONE_DB="$LIFT_LIMITS
$(pg_db bench_workers)
c.pop('log_config', None)"

PIDS=()
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done; PIDS=(); }
trap stop_all EXIT

# run NAME N: N processes (0: one without worker_name) on a fresh database, then matrix-bench.
run() {
    local name=$1 n=$2 dir="$OUT/$1" urls=() count
    shift 2
    rm -rf "$dir"; mkdir -p "$dir"
    fresh_db bench_workers
    "$BIN/matrixctl" generate-config --server-name bench.local --report-stats=no --http-port "$BASE" \
        --config-path "$dir/homeserver.yaml" --data-directory "$dir" >/dev/null 2>&1
    set_yaml "$dir/homeserver.yaml" "$ONE_DB"
    count=$(( n == 0 ? 1 : n ))
    for i in $(seq 1 "$count"); do
        local port=$((BASE + i - 1)) args=(--config "$dir/homeserver.yaml")
        if [ "$n" -gt 0 ]; then
            printf 'worker_name: w%d\nlisteners:\n  - port: %d\n    bind_addresses: [127.0.0.1]\n    type: http\n    resources:\n      - names: [client, federation]\n' \
                "$i" "$port" > "$dir/w$i.yaml"
            args+=(--config "$dir/w$i.yaml")
        fi
        "$BIN/matrixd" "${args[@]}" > "$dir/w$i.log" 2>&1 &
        PIDS+=($!)
        urls+=("http://127.0.0.1:$port")
        for _ in $(seq 600); do curl -sf "${urls[-1]}/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
    done
    local others
    others="$(IFS=,; echo "${urls[*]:1}")"
    echo "== $name: $count process(es) (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$BIN/matrix-bench" --url "${urls[0]}" ${others:+--worker-urls "$others"} \
        --shared-secret="$(secret "$dir/homeserver.yaml")" --pid "${PIDS[0]}" \
        --only send,delivery --delivery-samples "${DELIVERY_SAMPLES:-1000}" --label "$name" --json "$@" > "$OUT/$name.json"
    stop_all
    "$BIN/matrix-bench" --print "$OUT/$name.json" | tee "$OUT/$name.txt"
}

for r in ${RUNS:-single workers-1 workers-2 workers-3}; do
    case "$r" in
        single) run single 0 "$@" ;;
        workers-*) run "$r" "${r#workers-}" "$@" ;;
        *) echo "workers.sh: unknown run $r" >&2; exit 2 ;;
    esac
done
