#!/usr/bin/env bash
# run-synapse.sh: run a throwaway, loopback-only Synapse (server_name "localhost") in the foreground for interop tests.
# Usage: run-synapse.sh DIR PORT
#   DIR  data directory (created if missing); config, sqlite db, logs (DIR/homeserver.log) and
#        signing key (DIR/localhost.signing.key) all live there.
#   PORT listens on http://127.0.0.1:PORT only (client + federation + key APIs).
# With SYNAPSE_FEDERATION_PORT set (and SYNAPSE_TLS_CERT, SYNAPSE_TLS_KEY, SYNAPSE_CA: PEM files),
# it federates: server_name "127.0.0.1:FEDERATION_PORT", federation over TLS on that port with
# that certificate, other servers' certificates checked against SYNAPSE_CA only
# (federation_custom_ca_list), and ip_range_blacklist Synapse's default minus 127.0.0.0/8 so
# servers on loopback can be reached. The client API stays on plain http://127.0.0.1:PORT.
# With SYNAPSE_PG_DATABASE set, Synapse keeps its data in that PostgreSQL database (UTF8, C
# collation; SYNAPSE_PG_HOST, SYNAPSE_PG_PORT, SYNAPSE_PG_USER: default 127.0.0.1, 5432, postgres).
# With SYNAPSE_PASSWORD_PEPPER set, password_config.pepper is that value.
# With SYNAPSE_BCRYPT_ROUNDS set, bcrypt_rounds is that (benchmarks that register many users).
# With SYNAPSE_EXTRA_CONFIG set (a YAML file of top-level settings), those settings replace the
# config's, after every override above (what an admin would add to homeserver.yaml).
# The config is generated once; the overrides below are re-applied on every start.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 DIR PORT" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"   # absolute: Synapse writes the paths it is given into the config
PORT="$2"
CONF="$DIR/homeserver.yaml"
FED_PORT="${SYNAPSE_FEDERATION_PORT:-}"
SERVER_NAME=localhost
[ -z "$FED_PORT" ] || SERVER_NAME="127.0.0.1:$FED_PORT"

# The venv (installed on first use; fast no-op afterwards). Its last line of output is the path.
VENV="$("$HERE/setup-synapse.sh" | tail -n1)"
PY="$VENV/bin/python"

if [ ! -f "$CONF" ]; then
    # Writes homeserver.yaml, localhost.log.config (logs to DIR/homeserver.log) and localhost.signing.key.
    (cd "$DIR" && "$PY" -m synapse.app.homeserver --server-name "$SERVER_NAME" --config-path "$CONF" \
        --generate-config --report-stats=no --data-directory "$DIR" >&2)
fi

# Override listener and network-facing settings (PyYAML comes with Synapse; comments are dropped).
"$PY" - "$CONF" "$PORT" "$FED_PORT" "${SYNAPSE_TLS_CERT:-}" "${SYNAPSE_TLS_KEY:-}" "${SYNAPSE_CA:-}" \
    "${SYNAPSE_EXTRA_CONFIG:-}" <<'PYEOF'
import os, sys, yaml
path, port = sys.argv[1], int(sys.argv[2])
fed_port, cert, key, ca, extra = sys.argv[3:8]
with open(path) as f:
    conf = yaml.safe_load(f)
conf["listeners"] = [{
    "port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
    "x_forwarded": False, "resources": [{"names": ["client", "federation"], "compress": False}],
}]
if fed_port:
    conf["listeners"][0]["resources"][0]["names"] = ["client"]
    conf["listeners"].append({
        "port": int(fed_port), "bind_addresses": ["127.0.0.1"], "type": "http", "tls": True,
        "x_forwarded": False, "resources": [{"names": ["federation"], "compress": False}],
    })
    conf["tls_certificate_path"] = cert
    conf["tls_private_key_path"] = key
    conf["federation_custom_ca_list"] = [ca]
    conf["allow_public_rooms_over_federation"] = True
    conf["room_list_publication_rules"] = [{"action": "allow"}]   # Synapse's default denies users
    conf["ip_range_blacklist"] = [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "192.0.0.0/24",
        "169.254.0.0/16", "192.88.99.0/24", "198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "::1/128", "fe80::/10", "fc00::/7", "2001:db8::/32",
        "ff00::/8", "fec0::/10",
    ]
    conf["rc_federation"] = {"window_size": 1000, "sleep_limit": 1000, "sleep_delay": 1,
                             "reject_limit": 1000, "concurrent": 100}
if os.environ.get("SYNAPSE_PG_DATABASE"):
    conf["database"] = {"name": "psycopg2", "args": {
        "user": os.environ.get("SYNAPSE_PG_USER", "postgres"),
        "host": os.environ.get("SYNAPSE_PG_HOST", "127.0.0.1"),
        "port": int(os.environ.get("SYNAPSE_PG_PORT", "5432")),
        "database": os.environ["SYNAPSE_PG_DATABASE"], "cp_min": 1, "cp_max": 5}}
if os.environ.get("SYNAPSE_PASSWORD_PEPPER"):
    conf["password_config"] = {"pepper": os.environ["SYNAPSE_PASSWORD_PEPPER"]}
if os.environ.get("SYNAPSE_BCRYPT_ROUNDS"):
    conf["bcrypt_rounds"] = int(os.environ["SYNAPSE_BCRYPT_ROUNDS"])
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
if extra:
    with open(extra) as f:
        conf.update(yaml.safe_load(f) or {})
with open(path, "w") as f:
    yaml.safe_dump(conf, f, sort_keys=False)
PYEOF

cd "$DIR"
exec "$PY" -m synapse.app.homeserver -c "$CONF"
