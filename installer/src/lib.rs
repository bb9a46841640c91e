//! matrixctl: installs, registers users on, and diagnoses a matrixd (or Synapse) homeserver.
//! Commands live in `commands/`, one module each; `answers` declares every install question
//! once, `wizard` asks them, `facts` detects the OS from `distros/`, `plan` decides (purely),
//! `exec` is the only code that changes the system, `render` owns the templates, `ui` all
//! terminal output, `error` the exit codes and hints, `i18n` the language and the catalogues
//! every human-facing string comes from.

pub mod answers;
pub mod cli;
pub mod commands;
pub mod doctor;
pub mod error;
pub mod exec;
pub mod facts;
pub mod i18n;
pub mod plan;
pub mod render;
pub mod ui;
pub mod wizard;

pub use error::{CliError, ExitStatus};

/// Runs one parsed command line.
pub fn run(cli: cli::Cli, printer: &ui::Printer) -> Result<ExitStatus, CliError> {
    match cli.command {
        cli::Command::GenerateConfig(args) => commands::generate_config::run(args, printer),
        cli::Command::RegisterUser(args) => commands::register_user::run(args, printer),
        cli::Command::Install(args) => commands::install::run(args, printer),
        cli::Command::Start(args) => {
            commands::service::run(commands::service::Action::Start, args, printer)
        }
        cli::Command::Stop(args) => {
            commands::service::run(commands::service::Action::Stop, args, printer)
        }
        cli::Command::Restart(args) => {
            commands::service::run(commands::service::Action::Restart, args, printer)
        }
        cli::Command::Status(args) => {
            commands::service::run(commands::service::Action::Status, args, printer)
        }
        cli::Command::Uninstall(args) => commands::uninstall::run(args, printer),
        cli::Command::Doctor(args) => commands::doctor::run(args, printer),
        cli::Command::MigrateDb(args) => commands::migrate_db::run(args, printer),
        cli::Command::ImportSynapse(args) => commands::import_synapse::run(args, printer),
        cli::Command::Backup(args) => commands::backup::run(args, printer),
        cli::Command::Restore(args) => commands::backup::restore::run(args, printer),
        cli::Command::RenewCerts(args) => commands::renew_certs::run(args, printer),
    }
}
