//! Man pages and shell completions from the clap definitions of both programs (clap_mangen:
//! one page per command; clap_complete: bash, zsh, fish). matrixctl's pages are in section 1,
//! matrixd's in section 8 (a daemon).

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;

/// A program whose docs `pkggen docs` writes: its clap command, man section and manual name.
struct Program {
    name: &'static str,
    command: fn() -> clap::Command,
    section: &'static str,
    manual: &'static str,
}

const PROGRAMS: [Program; 2] = [
    Program {
        name: "matrixctl",
        command: matrixctl::cli::Cli::command,
        section: "1",
        manual: "matrixctl manual",
    },
    Program {
        name: "matrixd",
        command: matrixd::cli::Cli::command,
        section: "8",
        manual: "matrixd manual",
    },
];

/// Every file `pkggen docs` writes: (path relative to its output, contents), sorted.
pub fn files() -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for p in &PROGRAMS {
        let mut cmd = (p.command)().disable_help_subcommand(true);
        cmd.build();
        pages(&cmd, p, &mut out)?;
        for (shell, name) in [
            (Shell::Bash, format!("completions/{}.bash", p.name)),
            (Shell::Zsh, format!("completions/_{}", p.name)),
            (Shell::Fish, format!("completions/{}.fish", p.name)),
        ] {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut (p.command)(), p.name, &mut buf);
            out.push((name, buf));
        }
    }
    out.sort();
    Ok(out)
}

/// The page of `cmd` and of each of its visible subcommands, recursively.
fn pages(cmd: &clap::Command, p: &Program, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let man = clap_mangen::Man::new(cmd.clone())
        .section(p.section)
        .manual(p.manual);
    let mut buf = Vec::new();
    man.render(&mut buf)?;
    out.push((format!("man/{}", man.get_filename()), buf));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages(sub, p, out)?;
    }
    Ok(())
}

/// The names `pkggen docs` writes that match `glob` (`dir/*.ext` or an exact name).
pub fn matching(glob: &str) -> Result<Vec<String>> {
    let names = files()?.into_iter().map(|(n, _)| n);
    Ok(match glob.split_once('*') {
        Some((prefix, suffix)) => names
            .filter(|n| {
                n.starts_with(prefix) && n.ends_with(suffix) && !n[prefix.len()..].contains('/')
            })
            .collect(),
        None => names.filter(|n| n == glob).collect(),
    })
}

/// Writes every page and completion into `out`.
pub fn write(out: &Path) -> Result<()> {
    for (name, bytes) in files()? {
        let p = out.join(&name);
        std::fs::create_dir_all(p.parent().expect("has a parent"))?;
        std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}
