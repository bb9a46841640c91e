//! One module per subcommand, each exposing `run(args, &Printer) -> Result<ExitStatus, CliError>`.

pub mod backup;
pub mod doctor;
pub mod generate_config;
pub mod import_synapse;
pub mod install;
pub mod migrate_db;
pub mod register_user;
pub mod renew_certs;
pub mod service;
pub mod uninstall;
