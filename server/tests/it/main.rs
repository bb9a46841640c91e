//! matrixd's integration tests: real HTTP over loopback against a server started in-process,
//! on SQLite and on PostgreSQL (a fresh database per test).

mod support;

mod check_config;
mod config;
mod directory;
mod http_basics;
mod login;
mod register;
mod rooms;
mod server_keys;
mod storage;
mod sync;
