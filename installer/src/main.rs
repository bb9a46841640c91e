//! `matrixctl`: parse arguments, run the subcommand, map the result to an exit code. All logic
//! lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    // The language is chosen before parsing, so that clap's help and errors use it too.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let flag = matrixctl::cli::lang_flag(&args);
    // ALLOWED: the locale variables are how a terminal program learns its user's language.
    let lang = matrixctl::i18n::Lang::choose(flag.as_deref(), |k| std::env::var(k).ok());
    matrixctl::i18n::init(lang);
    let cli = matrixctl::cli::parse(args);
    let printer = matrixctl::ui::Printer::stderr(cli.quiet);
    match matrixctl::run(cli, &printer) {
        Ok(status) => status.into(),
        Err(e) => {
            printer.error(&e);
            e.exit.into()
        }
    }
}
