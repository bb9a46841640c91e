#!/usr/bin/env bash
# run-local.sh: build matrixd and matrixctl, create a config under ./.matrixd on first use, and run
# the homeserver in the foreground on http://127.0.0.1:8008 with SQLite. Ctrl-C stops it.
# Environment: MATRIXD_SERVER_NAME (default localhost), MATRIXD_HOME (default ./.matrixd).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SERVER_NAME="${MATRIXD_SERVER_NAME:-localhost}"
HOME_DIR="$(pwd)/${MATRIXD_HOME:-.matrixd}"
CONFIG="$HOME_DIR/homeserver.yaml"

cargo build --bins
TARGET="${CARGO_TARGET_DIR:-target}/debug"

if [ ! -f "$CONFIG" ]; then
    "$TARGET/matrixctl" generate-config --server-name "$SERVER_NAME" --report-stats=no \
        --config-path "$CONFIG" --data-directory "$HOME_DIR/data"
    # Log to the terminal rather than to a file while running in the foreground.
    sed -i 's|^log_config:|# log_config:|' "$CONFIG"
fi
"$TARGET/matrixd" check-config -c "$CONFIG"

cat <<MSG

matrixd for server name "$SERVER_NAME" is starting on http://127.0.0.1:8008 (data in $HOME_DIR).
In another terminal, create your first user with:
  $TARGET/matrixctl register-user -c $CONFIG --admin
then point a Matrix client at http://127.0.0.1:8008.

MSG
exec "$TARGET/matrixd" --config "$CONFIG"
