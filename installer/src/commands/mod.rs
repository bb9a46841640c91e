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

use crate::error::CliError;
use crate::tr;
use crate::ui::Printer;

/// Asks `question` before a command changes anything; `Ok(true)` to go on. Without a terminal
/// nobody can answer, so that is the error `unconfirmed` (the hint: pass --yes); a "no" notes
/// `cancelled` and the command stops with a failure status.
pub(crate) fn confirmed(
    printer: &Printer,
    question: &str,
    unconfirmed: String,
    cancelled: String,
) -> Result<bool, CliError> {
    if !printer.interactive() {
        return Err(CliError::failure(unconfirmed).hint(tr!("hint-purge-yes", flag = "--yes")));
    }
    let yes = crate::wizard::prompt::confirm(question)
        .map_err(|e| CliError::failure(tr!("err-cannot-confirm")).cause(e))?;
    if !yes {
        printer.note(cancelled);
    }
    Ok(yes)
}
