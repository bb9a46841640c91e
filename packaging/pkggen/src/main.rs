//! `pkggen`: parse arguments, run one of the library's operations, print or write the result.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use pkggen::manifest::{self, Manifest};

/// Reads packaging/manifest.toml for packaging/build and packaging/check.
#[derive(Parser)]
#[command(name = "pkggen")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write both programs' man pages and bash/zsh/fish completions into OUT.
    Docs { out: PathBuf },
    /// Write FORMAT's tree into DEST: binaries from BINS, docs from DOCS (pkggen docs).
    Stage {
        format: String,
        dest: PathBuf,
        bins: PathBuf,
        docs: PathBuf,
    },
    /// Print what FORMAT installs, one line each: `f|d MODE OWNER GROUP config|- PATH`.
    List { format: String },
    /// Print one rendered file of FORMAT (service, homeserver, log_config, setup, …).
    Render { format: String, name: String },
    /// Print one path variable of FORMAT (bindir, config_dir, …), expanded.
    Var { format: String, name: String },
    /// Print the formats the manifest knows.
    Formats,
    /// Print the manifest's [package] field NAME.
    Package { name: String },
    /// Print the ports' crate data from Cargo.lock: freebsd-crates, freebsd-distinfo,
    /// openbsd-modules, openbsd-distinfo.
    Crates {
        what: String,
        #[arg(long, default_value_t = 0)]
        timestamp: u64,
    },
}

fn run(cli: Cli) -> Result<()> {
    let m = Manifest::of_repo()?;
    match cli.command {
        Command::Docs { out } => pkggen::docs::write(&out)?,
        Command::Stage {
            format,
            dest,
            bins,
            docs,
        } => pkggen::stage::stage(&m, &format, &dest, &bins, &docs)?,
        Command::List { format } => {
            for d in manifest::dirs(&m, &format)? {
                println!("d {:04o} {} {} - {}", d.mode, d.owner, d.group, d.path);
            }
            for i in manifest::items(&m, &format)? {
                let c = if i.config { "config" } else { "-" };
                println!("f {:04o} {} {} {c} {}", i.mode, i.owner, i.group, i.dest);
            }
        }
        Command::Render { format, name } => {
            print!("{}", pkggen::render::render(&m, &format, &name)?)
        }
        Command::Var { format, name } => println!(
            "{}",
            manifest::expand(&format!("{{{name}}}"), &manifest::vars(&m, &format)?)?
        ),
        Command::Formats => {
            for f in m.format.keys() {
                println!("{f}");
            }
        }
        Command::Package { name } => {
            let p = &m.package;
            let v = match name.as_str() {
                "name" => &p.name,
                "summary" => &p.summary,
                "description" => &p.description,
                "homepage" => &p.homepage,
                "license" => &p.license,
                "maintainer" => &p.maintainer,
                other => anyhow::bail!("no package field {other:?}"),
            };
            println!("{v}");
        }
        Command::Crates { what, timestamp } => {
            let crates = pkggen::crates::from_lock(&pkggen::repo_root().join("Cargo.lock"))?;
            let text = match what.as_str() {
                "freebsd-crates" => pkggen::crates::freebsd_crates(&crates),
                "freebsd-distinfo" => pkggen::crates::freebsd_distinfo(&crates, timestamp)?,
                "openbsd-modules" => pkggen::crates::openbsd_modules(&crates),
                "openbsd-distinfo" => pkggen::crates::openbsd_distinfo(&crates)?,
                other => anyhow::bail!("unknown crate list {other:?}"),
            };
            print!("{text}");
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pkggen: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
