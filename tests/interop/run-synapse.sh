#!/usr/bin/env bash
# run-synapse.sh: run a throwaway, loopback-only Synapse (server_name "localhost") in the foreground for interop tests.
# Usage: run-synapse.sh DIR PORT
#   DIR  data directory (created if missing); config, sqlite db, logs (DIR/homeserver.log) and
#        signing key (DIR/localhost.signing.key) all live there.
#   PORT listens on http://127.0.0.1:PORT only (client + federation + key APIs).
# The config is generated once; the overrides below are re-applied on every start.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 DIR PORT" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"   # absolute: Synapse writes the paths it is given into the config
PORT="$2"
CONF="$DIR/homeserver.yaml"

# The venv (installed on first use; fast no-op afterwards). Its last line of output is the path.
VENV="$("$HERE/setup-synapse.sh" | tail -n1)"
PY="$VENV/bin/python"

if [ ! -f "$CONF" ]; then
    # Writes homeserver.yaml, localhost.log.config (logs to DIR/homeserver.log) and localhost.signing.key.
    (cd "$DIR" && "$PY" -m synapse.app.homeserver --server-name localhost --config-path "$CONF" \
        --generate-config --report-stats=no --data-directory "$DIR" >&2)
fi

# Override listener and network-facing settings (PyYAML comes with Synapse; comments are dropped).
"$PY" - "$CONF" "$PORT" <<'PYEOF'
import sys, yaml
path, port = sys.argv[1], int(sys.argv[2])
with open(path) as f:
    conf = yaml.safe_load(f)
conf["listeners"] = [{
    "port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
    "x_forwarded": False, "resources": [{"names": ["client", "federation"], "compress": False}],
}]
conf["trusted_key_servers"] = []          # never fetch keys from matrix.org
conf["suppress_key_server_warning"] = True
conf["report_stats"] = False
conf["enable_metrics"] = False
conf["url_preview_enabled"] = False
assert conf.get("registration_shared_secret"), "registration_shared_secret missing"
# Tests register and log in many users quickly: lift the default rate limits.
fast = lambda: {"per_second": 1000, "burst_count": 1000}  # fresh dicts: no YAML anchors
for k in ("rc_message", "rc_registration", "rc_joins_per_room", "rc_room_creation", "rc_admin_redaction"):
    conf[k] = fast()
conf["rc_login"] = {"address": fast(), "account": fast(), "failed_attempts": fast()}
conf["rc_joins"] = {"local": fast(), "remote": fast()}
conf["rc_invites"] = {"per_room": fast(), "per_user": fast(), "per_issuer": fast()}
with open(path, "w") as f:
    yaml.safe_dump(conf, f, sort_keys=False)
PYEOF

cd "$DIR"
exec "$PY" -m synapse.app.homeserver -c "$CONF"
