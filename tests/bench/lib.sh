# lib.sh: what the bench scripts share (sourced; needs $HERE, the directory of tests/bench):
# the Synapse venv's Python for YAML, reading a homeserver.yaml's shared secret, editing one,
# rc_* limits lifted as run-synapse.sh lifts Synapse's, and a fresh UTF8/C PostgreSQL database.
# shellcheck shell=bash
VENV="$("$HERE/../interop/setup-synapse.sh" | tail -n1)"
PY="$VENV/bin/python"
PSQL=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q)

secret() { "$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["registration_shared_secret"])' "$1"; }
fresh_db() {
    "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $1" \
        -c "CREATE DATABASE $1 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
}
# set_yaml FILE PYTHON-STATEMENTS: edit a homeserver.yaml as a dict `c` (comments are dropped).
set_yaml() {
    "$PY" - "$1" "$2" <<'PYEOF'
import sys, yaml
path, code = sys.argv[1], sys.argv[2]
c = yaml.safe_load(open(path))
exec(code)
yaml.safe_dump(c, open(path, "w"), sort_keys=False)
PYEOF
}
# The rc_* lifts run-synapse.sh gives Synapse, for matrixd too, so both run unthrottled.
# shellcheck disable=SC2034
LIFT_LIMITS="f = lambda: {'per_second': 1000, 'burst_count': 1000}
for k in ('rc_message', 'rc_registration'): c[k] = f()
c['rc_login'] = {'address': f(), 'account': f(), 'failed_attempts': f()}
c['rc_joins'] = {'local': f(), 'remote': f()}
c['rc_invites'] = {'per_room': f(), 'per_user': f(), 'per_issuer': f()}"
# pg_db NAME: the statement that points a homeserver.yaml at database NAME.
pg_db() { echo "c['database'] = {'name': 'psycopg2', 'args': {'user': 'postgres', 'dbname': '$1', 'host': '127.0.0.1', 'port': 5432, 'cp_min': 5, 'cp_max': 10}}"; }
