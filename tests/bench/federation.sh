#!/usr/bin/env bash
# federation.sh: issue 13's federation benchmark on this machine, every server on loopback with
# an IP-literal server name, federation over TLS with a throwaway CA all trust (the set-up of the
# federation tests), SQLite each.
# - Pairs: two matrixd federating with each other, then two Synapse; fed-bench drives each
#   pair: send→sync latency and throughput of 10 senders.
# - Join: one matrixd hosts a room it fills with 1,000 members and 10,000 events (through its
#   client API, once), then a fresh Synapse and a fresh matrixd, neither of which ever saw the
#   room, each have a user join that same room: the /join call, and until the joining server
#   lists every member. Each joins when the machine is at rest (fed-bench waits for it), after
#   the one before has left the room and its server was stopped (a Synapse goes on working on a
#   room after its join, on a core the next joiner checks events on). The joining Synapse gets
#   join-synapse.yaml's settings (written below).
# Usage: tests/bench/federation.sh OUT_DIR [fed-bench flags...]  (flags go to every fed-bench
#   run, e.g. --join-members 50 --join-events 500 --messages 10 --per-sender 10)
#   Needs: release binaries in $BIN (default /work/target-bench/release; build with
#     CARGO_TARGET_DIR=/work/target-bench cargo build --release -p matrixd -p matrixctl -p e2e --bin fed-bench)
#   the Synapse venv (tests/interop/setup-synapse.sh) and openssl.
#   PAIRS="matrixd synapse" (default both; empty: none) picks the pairs.
#   JOINERS="synapse matrixd" (default; empty: no join phase) picks the joining servers and
#   their order; a kind named again is one more fresh server of it joining the same room
#   (JOINERS="synapse matrixd synapse matrixd ..." takes several joins of each from one fill,
#   and compare.py reports their medians), at most 9 joiners. matrixd@NAME is a matrixd from the
#   binaries in $BIN_NAME (JOINERS="matrixd@before matrixd matrixd@before matrixd" with
#   BIN_before=DIR compares two builds joining the same room, turn about).
# Writes OUT_DIR/<pair>.json and OUT_DIR/join.json (fed-bench's reports; tests/bench/compare.py
# OUT_DIR summarises them) and the servers' logs beside them.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [fed-bench flags...]" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"; OUT="$(cd "$1" && pwd)"; shift
BIN="${BIN:-/work/target-bench/release}"
VENV="$("$HERE/../interop/setup-synapse.sh" | tail -n1)"
PY="$VENV/bin/python"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# A CA and one certificate for 127.0.0.1 (full chain), as the federation tests make.
PKI="$OUT/pki"; mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=fed-bench CA" -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$PKI/key.pem" -out "$PKI/req.csr" 2>/dev/null
openssl x509 -req -in "$PKI/req.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 2 -extfile <(printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n') \
    -out "$PKI/leaf.pem" 2>/dev/null
cat "$PKI/leaf.pem" "$PKI/ca.pem" > "$PKI/cert.pem"

secret() { "$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["registration_shared_secret"])' "$1"; }
wait_up() {
    for _ in $(seq 1 600); do
        curl -fsS "$1/_matrix/client/versions" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "federation.sh: $1 did not come up" >&2; return 1
}

# matrixd NAME CLIENT_PORT FED_PORT: a federating matrixd in OUT/NAME, started.
matrixd() {
    local dir="$OUT/$1"; rm -rf "$dir"; mkdir -p "$dir"
    "${MATRIXD_BIN:-$BIN}/matrixctl" generate-config --server-name "127.0.0.1:$3" --report-stats=no --http-port "$2" \
        --config-path "$dir/homeserver.yaml" --data-directory "$dir" >/dev/null 2>&1
    "$PY" - "$dir/homeserver.yaml" "$3" "$PKI" <<'PYEOF'
import sys, yaml
path, fed, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = yaml.safe_load(open(path))
c["listeners"].append({"port": fed, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": True,
    "resources": [{"names": ["federation"]}]})
c["tls_certificate_path"], c["tls_private_key_path"] = f"{pki}/cert.pem", f"{pki}/key.pem"
c["federation_custom_ca_list"] = [f"{pki}/ca.pem"]
c["trusted_key_servers"] = []
c["ip_range_whitelist"] = ["127.0.0.0/8"]
f = lambda: {"per_second": 100000, "burst_count": 100000}
for k in ("rc_message", "rc_registration"): c[k] = f()
c["rc_login"] = {"address": f(), "account": f(), "failed_attempts": f()}
c["rc_joins"] = {"local": f(), "remote": f()}
c["rc_invites"] = {"per_room": f(), "per_user": f(), "per_issuer": f()}
c["rc_federation"] = {"window_size": 1000, "sleep_limit": 100000, "sleep_delay": 1,
    "reject_limit": 100000, "concurrent": 1000}
yaml.safe_dump(c, open(path, "w"), sort_keys=False)
PYEOF
    "${MATRIXD_BIN:-$BIN}/matrixd" --config "$dir/homeserver.yaml" > "$dir/matrixd.log" 2>&1 &
    PIDS+=($!)
    wait_up "http://127.0.0.1:$2"
}

# synapse NAME CLIENT_PORT FED_PORT [EXTRA_CONFIG]: a federating Synapse in OUT/NAME, started
# (with EXTRA_CONFIG's settings on top of run-synapse.sh's).
synapse() {
    local dir="$OUT/$1"; rm -rf "$dir"; mkdir -p "$dir"
    SYNAPSE_FEDERATION_PORT="$3" SYNAPSE_TLS_CERT="$PKI/cert.pem" SYNAPSE_TLS_KEY="$PKI/key.pem" \
        SYNAPSE_CA="$PKI/ca.pem" SYNAPSE_BCRYPT_ROUNDS=4 SYNAPSE_EXTRA_CONFIG="${4:-}" \
        "$HERE/../interop/run-synapse.sh" "$dir" "$2" > "$dir/run.log" 2>&1 &
    PIDS+=($!)
    wait_up "http://127.0.0.1:$2"
}

# pair KIND: starts two servers of KIND, runs fed-bench's latency and throughput from the first
# to the second, stops them.
pair() {
    local kind=$1; shift
    "$kind" "$kind-a" 18731 18741; "$kind" "$kind-b" 18732 18742
    echo "== $kind↔$kind (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$BIN/fed-bench" --label "$kind↔$kind" --only latency,throughput \
        --a-url http://127.0.0.1:18731 --a-secret="$(secret "$OUT/$kind-a/homeserver.yaml")" \
        --a-name 127.0.0.1:18741 \
        --b-url http://127.0.0.1:18732 --b-secret="$(secret "$OUT/$kind-b/homeserver.yaml")" \
        "$@" > "$OUT/$kind.json"
    cat "$OUT/$kind.json"
    cleanup; PIDS=()
}

# What the joining Synapse's admin sets so that joining a large remote room works, beyond
# run-synapse.sh's lifted rc_* limits (among them rc_joins.remote, by default 0.01/s with a
# burst of 10 joins of remote rooms per user).
JOIN_SYNAPSE="$OUT/join-synapse.yaml"
cat > "$JOIN_SYNAPSE" <<'EOF'
# Synapse's settings for joining a room of 1,000 members and 10,000 events (fed-bench's join).
federation:
  # Default 60 s per federation request: send_join's answer carries the room's whole state and
  # auth chain (every member event, megabytes), which the host builds and checks before it
  # answers; a slow host must not make the join time out and be retried.
  client_timeout: 600s
# The default, said out loud: when enabled, Synapse refuses to join rooms whose complexity
# (state events / 500) exceeds 1.0, and this room's is about 2.
limit_remote_rooms:
  enabled: false
EOF

# joins ARGS...: a matrixd hosts the room and fills it; each of $JOINERS (matrixd or synapse),
# a fresh server, joins it in turn; one report, fed-bench getting ARGS.
joins() {
    local args=() port=18732 kind secret dir
    local -A seen=()
    matrixd matrixd-host 18731 18741
    for kind in $JOINERS; do
        # A kind named again is another fresh server of it: matrixd-joiner, matrixd-joiner-2...
        seen[$kind]=$(( ${seen[$kind]:-0} + 1 ))
        dir="$kind-joiner"; [ "${seen[$kind]}" = 1 ] || dir="$dir-${seen[$kind]}"
        case "$kind" in
            matrixd) matrixd "$dir" "$port" $((port + 20)) ;;
            # Another build of matrixd, to compare two in one run: its binaries in $BIN_<name>.
            matrixd@*)
                local var="BIN_${kind#matrixd@}"
                [ -n "${!var:-}" ] || { echo "federation.sh: JOINERS: $kind needs \$$var" >&2; return 2; }
                MATRIXD_BIN="${!var}" matrixd "$dir" "$port" $((port + 20)) ;;
            synapse) synapse "$dir" "$port" $((port + 20)) "$JOIN_SYNAPSE" ;;
            *) echo "federation.sh: JOINERS: $kind is neither matrixd nor synapse" >&2; return 2 ;;
        esac
        secret="$(secret "$OUT/$dir/homeserver.yaml")"
        # Its process (the last started), stopped by fed-bench once it has left the room.
        args+=(--joiner "$kind=http://127.0.0.1:$port=$secret" --joiner-pid "${PIDS[-1]}")
        port=$((port + 1))
    done
    echo "== join: matrixd hosts; joining: $JOINERS (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$BIN/fed-bench" --label "join: matrixd hosts" --only join \
        --a-url http://127.0.0.1:18731 --a-secret="$(secret "$OUT/matrixd-host/homeserver.yaml")" \
        --a-name 127.0.0.1:18741 "${args[@]}" "$@" > "$OUT/join.json"
    cat "$OUT/join.json"
    cleanup; PIDS=()
}

for kind in ${PAIRS-matrixd synapse}; do
    pair "$kind" "$@"
done
JOINERS="${JOINERS-synapse matrixd}"
[ -z "$JOINERS" ] || joins "$@"
