#!/usr/bin/env bash
# federation.sh: issue 13's federation benchmark on this machine: two matrixd federating with
# each other, then two Synapse, each pair on loopback with IP-literal server names, federation
# over TLS with a throwaway CA both trust (the set-up of the federation tests), SQLite each.
# fed-bench drives each pair: send→sync latency, throughput of 10 senders, and joining a room
# of 1,000 members and 10,000 events.
# Usage: tests/bench/federation.sh OUT_DIR [fed-bench flags...]
#   Needs: release binaries in $BIN (default /work/target-bench/release; build with
#     CARGO_TARGET_DIR=/work/target-bench cargo build --release -p matrixd -p matrixctl -p e2e --bin fed-bench)
#   the Synapse venv (tests/interop/setup-synapse.sh) and openssl.
#   PAIRS="matrixd synapse" (default both) picks the pairs.
# Writes OUT_DIR/<pair>.json (fed-bench's report) and the servers' logs beside it.
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
    "$BIN/matrixctl" generate-config --server-name "127.0.0.1:$3" --report-stats=no --http-port "$2" \
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
    "$BIN/matrixd" --config "$dir/homeserver.yaml" > "$dir/matrixd.log" 2>&1 &
    PIDS+=($!)
    wait_up "http://127.0.0.1:$2"
}

# synapse NAME CLIENT_PORT FED_PORT: a federating Synapse in OUT/NAME, started.
synapse() {
    local dir="$OUT/$1"; rm -rf "$dir"; mkdir -p "$dir"
    SYNAPSE_FEDERATION_PORT="$3" SYNAPSE_TLS_CERT="$PKI/cert.pem" SYNAPSE_TLS_KEY="$PKI/key.pem" \
        SYNAPSE_CA="$PKI/ca.pem" SYNAPSE_BCRYPT_ROUNDS=4 \
        "$HERE/../interop/run-synapse.sh" "$dir" "$2" > "$dir/run.log" 2>&1 &
    PIDS+=($!)
    wait_up "http://127.0.0.1:$2"
}

# pair KIND: starts two servers of KIND, runs fed-bench from the first to the second, stops them.
pair() {
    local kind=$1; shift
    "$kind" "$kind-a" 18731 18741; "$kind" "$kind-b" 18732 18742
    echo "== $kind↔$kind (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$BIN/fed-bench" --label "$kind↔$kind" \
        --a-url http://127.0.0.1:18731 --a-secret "$(secret "$OUT/$kind-a/homeserver.yaml")" \
        --a-name 127.0.0.1:18741 \
        --b-url http://127.0.0.1:18732 --b-secret "$(secret "$OUT/$kind-b/homeserver.yaml")" \
        "$@" > "$OUT/$kind.json"
    cat "$OUT/$kind.json"
    cleanup; PIDS=()
}

for kind in ${PAIRS:-matrixd synapse}; do
    pair "$kind" "$@"
done
