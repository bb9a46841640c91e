//! `matrixctl`: parse arguments, run the subcommand, map the result to an exit code. All logic
//! lives in the library.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = matrixctl::cli::Cli::parse();
    let printer = matrixctl::ui::Printer::stderr(cli.quiet);
    match matrixctl::run(cli, &printer) {
        Ok(status) => status.into(),
        Err(e) => {
            printer.error(&e);
            e.exit.into()
        }
    }
}
