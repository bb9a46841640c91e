//! matrixd's command line, declared once: the binary parses it, and packaging/pkggen makes the
//! man pages and shell completions from it (as from matrixctl's).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The config read when no `--config` is given (a macro: the help text names it too).
macro_rules! default_config {
    () => {
        "/etc/matrixd/homeserver.yaml"
    };
}
pub const DEFAULT_CONFIG: &str = default_config!();

#[derive(Parser, Debug)]
#[command(
    name = "matrixd",
    version,
    about = "A Matrix homeserver that reads Synapse's homeserver.yaml",
    after_long_help = concat!(
        "Without --config (or MATRIXD_CONFIG, a comma-separated list of the same), matrixd reads ",
        default_config!(),
        "."
    )
)]
pub struct Cli {
    /// Config file, or a directory whose *.yaml files are merged in name order. May be given
    /// several times; later files win.
    #[arg(
        short = 'c',
        long = "config",
        global = true,
        env = "MATRIXD_CONFIG",
        value_delimiter = ',',
        value_name = "PATH"
    )]
    pub config: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate the configuration and list every problem, without starting the server.
    CheckConfig {
        /// Files or directories to check (in addition to --config).
        paths: Vec<PathBuf>,
    },
}

impl Cli {
    /// The config paths to read: those given (for check-config, also its own), else the default.
    pub fn config_paths(&self) -> Vec<PathBuf> {
        let mut paths = self.config.clone();
        if let Some(Command::CheckConfig { paths: extra }) = &self.command {
            paths.extend(extra.iter().cloned());
        }
        if paths.is_empty() {
            paths.push(DEFAULT_CONFIG.into());
        }
        paths
    }
}
