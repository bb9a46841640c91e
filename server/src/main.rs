//! `matrixd`: parse arguments, load the config, then serve or check it. Logic lives in the
//! library; this file only wires it together and maps results to exit codes
//! (0 ok, 1 invalid config or failed start, 2 usage).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use matrixd::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let paths = cli.config_paths();
    match cli.command {
        Some(Command::CheckConfig { .. }) => check_config(&paths),
        None => serve(&paths),
    }
}

fn check_config(paths: &[PathBuf]) -> ExitCode {
    let (config, problems) = matrixd::config::load_files(paths);
    print!("{problems}");
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let errors = problems.errors().count();
    let warnings = problems.warnings().count();
    match config {
        Some(c) if errors == 0 => {
            println!(
                "ok: {} is valid for server_name {} ({warnings} warning{})",
                names.join(", "),
                c.server_name,
                if warnings == 1 { "" } else { "s" }
            );
            ExitCode::SUCCESS
        }
        _ => {
            println!(
                "{errors} error{} in {}",
                if errors == 1 { "" } else { "s" },
                names.join(", ")
            );
            ExitCode::from(1)
        }
    }
}

fn serve(paths: &[PathBuf]) -> ExitCode {
    matrixd::memory::at_start();
    let config = match matrixd::config::load(paths) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}", e.problems());
            eprintln!(
                "matrixd: the configuration is invalid; nothing was started (check it with `matrixd check-config`)"
            );
            return ExitCode::from(1);
        }
    };
    if let Err(e) = matrixd::logging::init(config.log_config.as_deref()) {
        eprintln!("matrixd: {e:#}");
        return ExitCode::from(1);
    }
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("matrixd: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let pid_file = config.pid_file.clone();
    let pid_for_start = pid_file.clone();
    let result = rt.block_on(async move {
        let server = matrixd::Server::start(config).await?;
        matrixd::memory::after_start();
        if let Some(p) = &pid_for_start {
            std::fs::write(p, format!("{}\n", std::process::id()))
                .map_err(|e| anyhow::anyhow!("cannot write pid_file {}: {e}", p.display()))?;
        }
        server.serve(matrixd::shutdown_signal()).await
    });
    if let Some(p) = &pid_file {
        let _ = std::fs::remove_file(p);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("matrixd: {e:#}");
            ExitCode::from(1)
        }
    }
}
