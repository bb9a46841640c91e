#!/usr/bin/env bash
# test.sh: run the whole test suite: unit and integration tests of both crates (SQLite and
# PostgreSQL), the end-to-end flow with the built binaries, and interop with a real Synapse.
# Provides what the tests need first (PostgreSQL on 127.0.0.1:5432, the Synapse venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tests/provision.sh
# Everything is provisioned: a test that finds a tool or PostgreSQL missing fails, never skips.
export MATRIXCTL_TEST_REQUIRE_TOOLS=1
cargo build --workspace --bins
# Element X's library (tests/sdk-client, its own crate and lockfile outside the workspace) into
# the same target dir, where tests/it/sdk_client.rs finds it.
cargo build --locked --manifest-path tests/sdk-client/Cargo.toml --target-dir "${CARGO_TARGET_DIR:-target}"
cargo test --workspace --no-fail-fast "$@"

# The packages of every format, built from one release build and checked (as root: chroots,
# systemd-nspawn). MATRIXCTL_SKIP_PACKAGING=1 leaves them out.
if [ "$(id -u)" = 0 ] && [ "${MATRIXCTL_SKIP_PACKAGING:-0}" != 1 ]; then
    start=$SECONDS
    packaging/build all
    packaging/check all
    echo "test.sh: packaging/build all && packaging/check all took $((SECONDS - start)) s" >&2
fi
