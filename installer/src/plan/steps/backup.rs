//! `--backups DIR [--backups-keep N]`: a daily `matrixctl backup --to DIR --keep N` of the
//! installed server, scheduled the way the distro data says (`[backup]`): a systemd service
//! and timer, a daily periodic script, or a marked block in OpenBSD's /etc/daily.local (the
//! rest of that file is the operator's and stays as it is). `files` (step group 7c) writes the
//! directory (0700 root: archives hold the signing key and secrets) and the schedule; `enable`
//! (after the services start) enables and starts the timer. Nothing here when the answer is
//! absent.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Builder, Ctx, PlanError};
use crate::plan::model::{Affects, Cmd, Content, FileStep, Guard, Step};

/// The lines around our block in a shared daily script (`daily-local`).
pub const BLOCK_BEGIN: &str = "# BEGIN matrixd backup (matrixctl install --backups)";
pub const BLOCK_END: &str = "# END matrixd backup";

/// How many backups are kept when `--backups-keep` is not given.
pub const DEFAULT_KEEP: u32 = 7;

#[derive(Serialize)]
struct BackupCtx {
    server_name: String,
    dir: String,
    keep: u32,
    /// The whole `matrixctl backup …` command line, quoted for sh and systemd alike.
    command: String,
    begin: &'static str,
    end: &'static str,
}

/// The command the schedule runs: quiet (cron and periodic mail what it prints), the installed
/// config (a packaged install's conf.d too: then matrixctl finds it itself), the directory and
/// how many to keep.
pub fn command(c: &Ctx, dir: &Path, keep: u32) -> Cmd {
    let mut argv = vec![
        super::s(&c.l.matrixctl),
        "backup".to_string(),
        "--quiet".to_string(),
    ];
    if c.facts.packaged.is_none() {
        argv.extend(["--config".to_string(), super::s(&c.l.config)]);
    }
    argv.extend([
        "--to".to_string(),
        super::s(dir),
        "--keep".to_string(),
        keep.to_string(),
    ]);
    Cmd::new(argv)
}

/// The answered directory and count, when backups are asked for.
fn answered(c: &Ctx) -> Option<(PathBuf, u32)> {
    let dir = c.a.backups.as_ref()?.to_path_buf();
    let keep = c.a.backups_keep.map(|k| k.0).unwrap_or(DEFAULT_KEEP);
    Some((dir, keep))
}

pub fn files(c: &Ctx, b: &mut Builder) -> Result<(), PlanError> {
    let Some((dir, keep)) = answered(c) else {
        return Ok(());
    };
    // Inside what the server runs from, an archive would hold the older ones (media) and
    // `uninstall --purge` would delete them with the server.
    for inside in [&c.l.config_dir, &c.l.data_dir] {
        if dir.starts_with(inside) {
            return Err(super::err(
                crate::tr!(
                    "plan-err-backups-inside",
                    dir = dir.display(),
                    inside = inside.display()
                ),
                crate::tr!("plan-err-backups-inside-hint", flag = "--backups"),
            ));
        }
    }
    b.dir(&dir, 0o700, &c.root);
    super::acme::matrixctl_binary(c, b);
    let ctx = BackupCtx {
        server_name: c.a.server_name.to_string(),
        dir: super::s(&dir),
        keep,
        command: command(c, &dir, keep).display(),
        begin: BLOCK_BEGIN,
        end: BLOCK_END,
    };
    let sched = &c.d.backup;
    fn at(p: &Option<String>) -> Option<&Path> {
        p.as_deref().map(Path::new)
    }
    match (
        sched.kind.as_str(),
        at(&sched.service),
        at(&sched.timer),
        at(&sched.script),
    ) {
        ("systemd-timer", Some(service), Some(timer), _) => {
            b.template(
                service,
                crate::render::BACKUP_SERVICE,
                &ctx,
                0o644,
                &c.root,
                Affects::Nothing,
            )?;
            b.template(
                timer,
                crate::render::BACKUP_TIMER,
                &ctx,
                0o644,
                &c.root,
                Affects::Nothing,
            )?;
        }
        ("periodic", _, _, Some(script)) => {
            b.template(
                script,
                crate::render::BACKUP_PERIODIC,
                &ctx,
                0o755,
                &c.root,
                Affects::Nothing,
            )?;
        }
        ("daily-local", _, _, Some(script)) => {
            let block = super::render_text(crate::render::BACKUP_DAILY_LOCAL, &ctx)?;
            let old = b
                .existing
                .read(script)
                .map(|t| String::from_utf8_lossy(&t).into_owned());
            let text = with_block(old.as_deref().unwrap_or(""), &block);
            let change = b.change_for(script, text.as_bytes());
            b.steps.push(Step::File(FileStep {
                path: script.to_path_buf(),
                content: Content::Template {
                    id: crate::render::BACKUP_DAILY_LOCAL.0,
                    text,
                },
                mode: 0o644,
                owner: c.root.clone(),
                change,
                create_only: false,
                affects: Affects::Nothing,
            }));
        }
        _ => b.notes.push(crate::msg!(
            "plan-note-backup-crontab",
            line = format!("30 4 * * * {}", command(c, &dir, keep).display())
        )),
    }
    Ok(())
}

/// `text` without our block (the lines from `BLOCK_BEGIN` to `BLOCK_END`), the rest unchanged.
pub fn without_block(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if !inside && bare == BLOCK_BEGIN {
            inside = true;
        } else if inside {
            inside = bare != BLOCK_END;
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `text` with `block` (ours, rendered) in place of an earlier one, at the end.
pub fn with_block(text: &str, block: &str) -> String {
    let mut out = without_block(text);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(block);
    out
}

/// After the services start: the timer enabled and started (systemd only; the other
/// schedules run from files the system already reads).
pub fn enable(c: &Ctx, b: &mut Builder) {
    if answered(c).is_none() || c.d.backup.kind != "systemd-timer" {
        return;
    }
    let timer = super::timer_name(&c.d.backup);
    // An enabled timer's units rewritten (another --backups-keep): systemd reads them again
    // only after daemon-reload, which enabling does not run then.
    if let Some(marker) = &c.d.service.running_marker {
        let service =
            c.d.backup
                .service
                .as_deref()
                .and_then(|p| Path::new(p).file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
        b.steps.push(Step::Run {
            title: crate::msg!("step-backup-reload", timer = timer.clone()),
            cmd: Cmd::new(vec!["systemctl".into(), "daemon-reload".into()]),
            unless: Some(Guard::Outputs(Cmd::new(vec![
                "sh".into(),
                "-c".into(),
                format!(
                    "if [ -d {marker} ]; then systemctl show -p NeedDaemonReload --value {service} {timer} | grep -q yes || echo current; else echo no-manager; fi"
                ),
            ]))),
        });
    }
    super::enable_timer(
        c,
        b,
        &c.d.backup,
        crate::msg!("step-backup-timer", timer = timer.clone()),
        crate::msg!("step-backup-timer-start", timer = timer),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_replaces_an_earlier_one_and_keeps_the_rest() {
        let block = format!("{BLOCK_BEGIN}\nnew\n{BLOCK_END}\n");
        let first = with_block("echo mine", &block);
        assert_eq!(first, format!("echo mine\n{block}"));
        let old = format!("a\n{BLOCK_BEGIN}\nold\n{BLOCK_END}\nb\n");
        assert_eq!(with_block(&old, &block), format!("a\nb\n{block}"));
        assert_eq!(with_block(&first, &block), first);
        assert_eq!(without_block(&first), "echo mine\n");
        assert_eq!(without_block("x\n"), "x\n");
    }
}
