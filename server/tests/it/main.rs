//! matrixd's integration tests: real HTTP over loopback against a server started in-process,
//! on SQLite and on PostgreSQL (a fresh database per test).

mod support;

mod account;
mod admin_registration_tokens;
mod admin_rooms;
mod admin_users;
mod check_config;
mod concurrency;
mod config;
mod devices;
mod directory;
mod e2ee_backup;
mod e2ee_cross_signing;
mod e2ee_keys;
mod e2ee_to_device;
mod email;
mod federation;
mod federation_join;
mod federation_keys;
mod federation_media;
mod federation_notary;
mod federation_rooms;
mod federation_spaces;
mod fuzz;
mod hostile_input;
mod http_basics;
mod login;
mod media;
mod metrics;
mod openid;
mod presence;
mod push_rules;
mod ratelimit;
mod register;
mod register_uia;
mod reports;
mod rooms;
mod server_keys;
mod sliding_sync;
mod spaces;
mod storage;
mod sync;
mod sync_wakeups;
mod url_preview;
