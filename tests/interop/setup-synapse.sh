#!/usr/bin/env bash
# setup-synapse.sh: create (once) a Python venv holding Synapse, signedjson, PyNaCl, matrix-nio
# with end-to-end encryption (the [e2e] extra: vodozemac wheels, no libolm needed) for the interop tests,
# aiosmtpd (the loopback SMTP server of matrixd's email tests), and psycopg2 (Synapse on PostgreSQL,
# for the import tests).
# Usage: setup-synapse.sh   -> prints the venv path on its last line.
# Needs python3 (>= 3.10 for current Synapse) with the venv module; on Debian that module
# and ensurepip come from the `python3-venv` package, installed below only if venv creation fails.
set -euo pipefail

VENV="${MATRIXCTL_SYNAPSE_VENV:-$HOME/.cache/matrixctl/synapse-venv}"
PY="${PYTHON:-python3}"

# Idempotent: nothing to do if the venv already imports everything.
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import synapse, signedjson, nacl, nio, vodozemac, aiosmtpd, psycopg2' 2>/dev/null; then
    echo "$VENV"
    exit 0
fi

mkdir -p "$(dirname "$VENV")"
# Serialise concurrent callers (parallel tests each spawning run-synapse.sh), then re-check.
exec 9>"$VENV.lock"
flock 9
if "$VENV/bin/python" -c 'import synapse, signedjson, nacl, nio, vodozemac, aiosmtpd, psycopg2' 2>/dev/null; then echo "$VENV"; exit 0; fi
if [ ! -x "$VENV/bin/python" ]; then
    existed=$([ -e "$VENV" ] && echo 1 || true)
    if ! "$PY" -m venv "$VENV" >&2; then
        # Debian's system python3 ships without ensurepip: install python3-venv (root only) and retry.
        [ -n "$existed" ] || rm -rf "$VENV"   # drop the half-made venv, never a pre-existing dir
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
            "$PY" -m venv "$VENV" >&2
        else
            echo "setup-synapse.sh: '$PY -m venv' failed; install python3-venv (apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
fi

"$VENV/bin/python" -m pip install -q --upgrade pip >&2
"$VENV/bin/python" -m pip install -q matrix-synapse signedjson pynacl "matrix-nio[e2e]" aiosmtpd psycopg2-binary >&2
"$VENV/bin/python" -c 'import synapse, signedjson, nacl, nio, vodozemac, aiosmtpd, psycopg2' >&2
echo "$VENV"
