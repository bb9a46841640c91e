//! End-to-end: the built binaries, as a newcomer runs them, and interop with a real Synapse in
//! both directions. Needs `cargo build --workspace --bins` first (the README's test command
//! does it, and builds tests/sdk-client into the same target dir for `sdk_client`),
//! PostgreSQL on 127.0.0.1:5432, and Python with PyPI for the Synapse venv.

mod support;

mod backup;
mod doctor;
mod doctor_peer;
mod durability;
mod fed;
mod federation;
mod federation_e2ee;
mod federation_media;
mod federation_partition;
mod federation_spaces;
mod import_synapse;
mod install;
mod install_wizard;
mod interop;
mod migrate_db;
mod newcomer;
mod nio;
mod nio_e2ee;
mod prompts;
mod sdk_client;
mod workers;
