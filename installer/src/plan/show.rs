//! How a plan reads, for `--dry-run` and before the confirmation: one line per step (create /
//! update / keep / unchanged per file) and each command it may run. Never shows file contents,
//! so secrets never appear.

use std::fmt::Write as _;

use crate::plan::model::*;

fn mode_owner(mode: u32, o: &Owner) -> String {
    format!("{mode:04o} {}:{}", o.user, o.group)
}

fn line(
    out: &mut String,
    verb: &str,
    target: impl std::fmt::Display,
    detail: impl std::fmt::Display,
) {
    let target = target.to_string();
    let detail = detail.to_string();
    if detail.is_empty() {
        let _ = writeln!(out, "  {verb:<10} {target}");
    } else if target.chars().count() <= 44 {
        let _ = writeln!(out, "  {verb:<10} {target:<44} {detail}");
    } else {
        let _ = writeln!(
            out,
            "  {verb:<10} {target}\n  {:<10} {:<44} {detail}",
            "", ""
        );
    }
}

fn command(out: &mut String, prefix: &str, c: &Cmd) {
    let _ = writeln!(out, "  {:<10}   {prefix}{}", "", c.display());
}

/// The plan as text.
pub fn render(plan: &Plan, skip_activation: bool) -> String {
    let mut out = String::new();
    for step in &plan.steps {
        if skip_activation && step.is_activation() {
            continue;
        }
        match step {
            Step::Packages {
                purpose,
                names,
                refresh,
                install,
                ..
            } => {
                line(
                    &mut out,
                    "install",
                    format!("packages for {purpose}: {}", names.join(" ")),
                    "only those not installed yet",
                );
                if let Some(r) = refresh {
                    command(&mut out, "$ ", r);
                }
                command(&mut out, "$ ", install);
            }
            Step::User {
                name,
                group,
                home,
                create_group,
                create_user,
            } => {
                line(
                    &mut out,
                    "user",
                    format!("{name}:{group}"),
                    format!("system user, home {home}, unless it exists"),
                );
                for c in create_group.iter().chain(create_user) {
                    command(&mut out, "$ ", c);
                }
            }
            Step::Run { title, cmd, unless } => {
                line(&mut out, "run", title, "");
                command(&mut out, "$ ", cmd);
                match unless {
                    Some(Guard::Exists(p)) => {
                        let _ = writeln!(out, "  {:<10}   unless {} exists", "", p.display());
                    }
                    Some(Guard::Outputs(c)) => command(&mut out, "unless it exists: ", c),
                    None => {}
                }
            }
            Step::Dir {
                path,
                mode,
                owner,
                change,
            } => {
                line(
                    &mut out,
                    change.verb(),
                    format!("{}/", path.display()),
                    format!("directory {}", mode_owner(*mode, owner)),
                );
            }
            Step::File(f) => {
                let detail = match (&f.content, f.change) {
                    (Content::SigningKey, Change::Keep) => {
                        "exists; a signing key is never overwritten".to_string()
                    }
                    (Content::SigningKey, _) => format!(
                        "new ed25519 signing key, {} (never overwritten)",
                        mode_owner(f.mode, &f.owner)
                    ),
                    (Content::Secret(_), Change::Keep) => {
                        "exists; a secret is never overwritten".to_string()
                    }
                    (Content::Secret(_), _) => format!(
                        "new random secret, {} (never overwritten)",
                        mode_owner(f.mode, &f.owner)
                    ),
                    (Content::Template { id, .. }, _) => {
                        format!("from templates/{id}, {}", mode_owner(f.mode, &f.owner))
                    }
                    (Content::Copy(src), _) => format!(
                        "copy of {}, {}",
                        src.display(),
                        mode_owner(f.mode, &f.owner)
                    ),
                    (Content::Data { what, .. }, _) => {
                        format!("{what}, {}", mode_owner(f.mode, &f.owner))
                    }
                };
                line(&mut out, f.change.verb(), f.path.display(), detail);
            }
            Step::SelfSigned {
                cert,
                key,
                names,
                key_owner,
                change,
                ..
            } => {
                let detail = if *change == Change::Keep {
                    "exist; a certificate and key are never overwritten".to_string()
                } else {
                    format!("self-signed certificate for {} (rcgen)", names.join(", "))
                };
                line(&mut out, change.verb(), cert.display(), detail);
                line(
                    &mut out,
                    change.verb(),
                    key.display(),
                    format!("its private key, {}", mode_owner(0o600, key_owner)),
                );
            }
            Step::Symlink {
                link,
                target,
                change,
            } => {
                line(
                    &mut out,
                    change.verb(),
                    link.display(),
                    format!("symlink to {}", target.display()),
                );
            }
            Step::Include {
                file,
                line: l,
                change,
            } => {
                let verb = if *change == Change::Unchanged {
                    "unchanged"
                } else {
                    "update"
                };
                line(
                    &mut out,
                    verb,
                    file.display(),
                    format!("`{l}` inside the http block (old file kept as a backup)"),
                );
            }
            Step::Service(s) => {
                let what = match s.on_change_of {
                    Affects::Nothing => "start unless running".to_string(),
                    _ if s.reload.is_some() => {
                        "enable and start; reload if its files changed".to_string()
                    }
                    _ => "enable and start; restart only if its files changed".to_string(),
                };
                line(&mut out, "service", &s.name, what);
                if let Some(t) = &s.test {
                    command(&mut out, "$ ", t);
                }
                for c in s.after_unit_change.iter().chain(&s.enable) {
                    command(&mut out, "$ ", c);
                }
                command(&mut out, "$ ", &s.start);
                let _ = match &s.direct {
                    Direct::Spawn { log, user, .. } => writeln!(
                        out,
                        "  {:<10}   (where no service manager runs: matrixctl starts it as {user}, output to {})",
                        "",
                        log.display()
                    ),
                    Direct::Commands { start, .. } => {
                        writeln!(
                            out,
                            "  {:<10}   (where no service manager runs: {})",
                            "",
                            start.display()
                        )
                    }
                    Direct::Fallback { start } => writeln!(
                        out,
                        "  {:<10}   (where no service manager runs: {})",
                        "",
                        start.display()
                    ),
                    Direct::Unavailable => Ok(()),
                };
            }
            Step::Append { file, what, .. } => {
                line(
                    &mut out,
                    "update",
                    file.display(),
                    format!("{what} added at the end"),
                );
            }
            Step::Remove { path, tree, .. } => {
                if *tree {
                    line(
                        &mut out,
                        "remove",
                        format!("{}/", path.display()),
                        "and everything in it",
                    );
                } else {
                    line(&mut out, "remove", path.display(), "");
                }
            }
            Step::Wait { url, connect, .. } => {
                line(
                    &mut out,
                    "wait",
                    url,
                    format!("answers (connecting to {connect})"),
                );
            }
        }
    }
    for n in &plan.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    out
}

/// Whether executing would change any file (activation aside).
pub fn changes_files(plan: &Plan) -> bool {
    plan.steps.iter().any(|s| match s {
        Step::Dir { change, .. }
        | Step::Symlink { change, .. }
        | Step::Include { change, .. }
        | Step::SelfSigned { change, .. } => change.changes(),
        Step::File(f) => f.change.changes(),
        Step::Append { .. } | Step::Remove { .. } => true,
        _ => false,
    })
}
