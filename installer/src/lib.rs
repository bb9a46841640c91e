//! matrixctl: installs, registers users on, and diagnoses a matrixd (or Synapse) homeserver.
//! Commands live in `commands/`, one module each; `render` owns the templates, `exec` the only
//! code that writes files, `ui` all terminal output, `error` the exit codes and hints.

pub mod cli;
pub mod commands;
pub mod error;
pub mod exec;
pub mod render;
pub mod ui;

pub use error::{CliError, ExitStatus};

/// Runs one parsed command line.
pub fn run(cli: cli::Cli, printer: &ui::Printer) -> Result<ExitStatus, CliError> {
    match cli.command {
        cli::Command::GenerateConfig(args) => commands::generate_config::run(args, printer),
        cli::Command::RegisterUser(args) => commands::register_user::run(args, printer),
    }
}
