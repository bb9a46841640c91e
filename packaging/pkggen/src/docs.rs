//! Man pages and shell completions. matrixctl's come from its clap definitions (clap_mangen:
//! one page per command; clap_complete: bash, zsh, fish). matrixd's CLI is private to its
//! binary (server/src/main.rs), so its page is made from the built binary's clap `--help`.

use std::path::Path;
use std::process::Command as Process;

use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use clap_complete::Shell;

/// The matrixd man page, written from `matrixd --help` (section 8: a daemon).
pub const MATRIXD_PAGE: &str = "man/matrixd.8";

/// Every file `pkggen docs` writes: (path relative to its output, contents). matrixd's page
/// needs the built binary and is not among them.
pub fn matrixctl_files() -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut cmd = matrixctl::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    fn pages(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
        let man = clap_mangen::Man::new(cmd.clone()).manual("matrixctl manual");
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        out.push((format!("man/{}", man.get_filename()), buf));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            pages(sub, out)?;
        }
        Ok(())
    }
    pages(&cmd, &mut out)?;
    for (shell, name) in [
        (Shell::Bash, "completions/matrixctl.bash"),
        (Shell::Zsh, "completions/_matrixctl"),
        (Shell::Fish, "completions/matrixctl.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(
            shell,
            &mut matrixctl::cli::Cli::command(),
            "matrixctl",
            &mut buf,
        );
        out.push((name.to_string(), buf));
    }
    out.sort();
    Ok(out)
}

/// The names `pkggen docs` writes that match `glob` (`dir/*.ext` or an exact name).
pub fn matching(glob: &str) -> Result<Vec<String>> {
    let mut names: Vec<String> = matrixctl_files()?.into_iter().map(|(n, _)| n).collect();
    names.push(MATRIXD_PAGE.into());
    names.sort();
    Ok(match glob.split_once('*') {
        Some((prefix, suffix)) => names
            .into_iter()
            .filter(|n| {
                n.starts_with(prefix) && n.ends_with(suffix) && !n[prefix.len()..].contains('/')
            })
            .collect(),
        None => names.into_iter().filter(|n| n == glob).collect(),
    })
}

/// Writes every page and completion into `out`; matrixd's page from the binary `matrixd`.
pub fn write(out: &Path, matrixd: &Path) -> Result<()> {
    for (name, bytes) in matrixctl_files()? {
        let p = out.join(&name);
        std::fs::create_dir_all(p.parent().expect("has a parent"))?;
        std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    let page = matrixd_page(matrixd)?;
    std::fs::write(out.join(MATRIXD_PAGE), page)?;
    Ok(())
}

fn help(matrixd: &Path, args: &[&str]) -> Result<String> {
    let o = Process::new(matrixd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .with_context(|| format!("running {}", matrixd.display()))?;
    if !o.status.success() {
        bail!("{} {} failed", matrixd.display(), args.join(" "));
    }
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// Escapes text for roff: backslashes, and a leading `.` or `'`.
fn roff(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\e");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// matrixd(8) from `matrixd --version`, `--help` and `check-config --help`.
pub fn matrixd_page(matrixd: &Path) -> Result<String> {
    let version = help(matrixd, &["--version"])?;
    let main = help(matrixd, &["--help"])?;
    let check = help(matrixd, &["check-config", "--help"])?;
    let about = main.lines().next().unwrap_or("Matrix homeserver").trim();
    Ok(format!(
        ".TH MATRIXD 8 \"\" \"{}\" \"matrixd manual\"\n.SH NAME\nmatrixd \\- {}\n.SH SYNOPSIS\n\
         .B matrixd\n[\\fB\\-\\-config\\fR \\fIPATH\\fR]...\n.br\n.B matrixd check-config\n[\\fIPATH\\fR]...\n\
         .SH DESCRIPTION\n.nf\n{}\n.fi\n.SH \"MATRIXD CHECK-CONFIG\"\n.nf\n{}\n.fi\n\
         .SH FILES\n/etc/matrixd/homeserver.yaml (the default \\fB\\-\\-config\\fR)\n\
         .SH \"SEE ALSO\"\n\\fBmatrixctl\\fR(1)\n",
        version.trim(),
        roff(about),
        roff(main.trim_end()),
        roff(check.trim_end()),
    ))
}
