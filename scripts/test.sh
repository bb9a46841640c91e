#!/usr/bin/env bash
# test.sh: run the whole test suite: unit and integration tests of both crates (SQLite and
# PostgreSQL), the end-to-end flow with the built binaries, and interop with a real Synapse.
# Provides what the tests need first (PostgreSQL on 127.0.0.1:5432, the Synapse venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tests/provision.sh
cargo build --workspace --bins
cargo test --workspace --no-fail-fast "$@"
