//! How a plan reads, for `--dry-run` and before the confirmation: one line per step (create /
//! update / keep / unchanged per file) and each command it may run. Never shows file contents,
//! so secrets never appear.

use std::fmt::Write as _;

use crate::i18n::{pad, width};
use crate::plan::model::*;
use crate::tr;

/// A change's verb in the current language.
fn verb(v: &str) -> String {
    match v {
        "create" => tr!("plan-verb-create"),
        "update" => tr!("plan-verb-update"),
        "keep" => tr!("plan-verb-keep"),
        "unchanged" => tr!("plan-verb-unchanged"),
        "install" => tr!("plan-verb-install"),
        "user" => tr!("plan-verb-user"),
        "run" => tr!("plan-verb-run"),
        "service" => tr!("plan-verb-service"),
        "remove" => tr!("plan-verb-remove"),
        "wait" => tr!("plan-verb-wait"),
        "stop" => tr!("plan-verb-stop"),
        other => other.to_string(),
    }
}

fn mode_owner(mode: u32, o: &Owner) -> String {
    format!("{mode:04o} {}:{}", o.user, o.group)
}

fn line(
    out: &mut String,
    verb: &str,
    target: impl std::fmt::Display,
    detail: impl std::fmt::Display,
) {
    // Columns by display width: a Persian verb's chars are not its columns.
    let verb = pad(&self::verb(verb), 10);
    let target = target.to_string();
    let detail = detail.to_string();
    if detail.is_empty() {
        let _ = writeln!(out, "  {verb} {target}");
    } else if width(&target) <= 44 {
        let _ = writeln!(out, "  {verb} {} {detail}", pad(&target, 44));
    } else {
        let _ = writeln!(out, "  {verb} {target}\n  {:<10} {:<44} {detail}", "", "");
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
                    tr!("plan-packages", purpose = purpose, names = names.join(" ")),
                    tr!("plan-packages-detail"),
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
                    tr!("plan-user-detail", home = home),
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
                        let _ = writeln!(
                            out,
                            "  {:<10}   {}",
                            "",
                            tr!("plan-unless-exists", path = p.display())
                        );
                    }
                    Some(Guard::Outputs(c)) => command(&mut out, &tr!("plan-unless-it-exists"), c),
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
                    tr!("plan-directory", mode = mode_owner(*mode, owner)),
                );
            }
            Step::File(f) => {
                let detail = match (&f.content, f.change) {
                    (Content::SigningKey, Change::Keep) => tr!("plan-signing-key-keep"),
                    (Content::SigningKey, _) => tr!(
                        "plan-signing-key-new",
                        kind = "ed25519",
                        mode = mode_owner(f.mode, &f.owner)
                    ),
                    (Content::Secret(_), Change::Keep) => tr!("plan-secret-keep"),
                    (Content::Secret(_), _) => {
                        tr!("plan-secret-new", mode = mode_owner(f.mode, &f.owner))
                    }
                    (Content::Template { id, .. }, _) => tr!(
                        "plan-from-template",
                        template = format!("templates/{id}"),
                        mode = mode_owner(f.mode, &f.owner)
                    ),
                    (Content::Copy(src), _) => tr!(
                        "plan-copy-of",
                        src = src.display(),
                        mode = mode_owner(f.mode, &f.owner)
                    ),
                    (Content::Data { what, .. }, _) => tr!(
                        "plan-data",
                        what = data_what(what),
                        mode = mode_owner(f.mode, &f.owner)
                    ),
                };
                line(&mut out, f.change.verb(), f.path.display(), detail);
            }
            Step::SelfSigned {
                cert,
                key,
                names,
                key_owner,
                change,
                stand_in,
                ..
            } => {
                let days = crate::plan::tls::RENEW_DAYS;
                let detail = if *stand_in {
                    tr!("plan-cert-stand-in", names = names.join(", "))
                } else if *change == Change::Keep {
                    tr!("plan-cert-keep", days = days)
                } else if *change == Change::Update {
                    tr!("plan-cert-renew", names = names.join(", "), days = days)
                } else {
                    tr!("plan-cert-new", names = names.join(", "), tool = "rcgen")
                };
                line(&mut out, change.verb(), cert.display(), detail);
                line(
                    &mut out,
                    change.verb(),
                    key.display(),
                    tr!("plan-cert-key", mode = mode_owner(0o600, key_owner)),
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
                    tr!("plan-symlink", target = target.display()),
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
                    tr!("plan-include", line = l, block = "http"),
                );
            }
            Step::Service(s) => {
                let what = match s.on_change_of {
                    Affects::Nothing => tr!("plan-service-start"),
                    _ if s.reload.is_some() => tr!("plan-service-reload"),
                    _ => tr!("plan-service-restart"),
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
                        "  {:<10}   {}",
                        "",
                        tr!(
                            "plan-direct-spawn",
                            cmd = "matrixctl",
                            user = user,
                            log = log.display()
                        )
                    ),
                    Direct::Commands { start, .. } => writeln!(
                        out,
                        "  {:<10}   {}",
                        "",
                        tr!("plan-direct", cmd = start.display())
                    ),
                    Direct::Fallback { start } => writeln!(
                        out,
                        "  {:<10}   {}",
                        "",
                        tr!("plan-direct", cmd = start.display())
                    ),
                    Direct::Unavailable => Ok(()),
                };
            }
            Step::Retire(r) => {
                line(&mut out, "stop", &r.service.name, tr!("plan-retire"));
                for c in std::iter::once(&r.stop).chain(&r.disable) {
                    command(&mut out, "$ ", c);
                }
            }
            Step::Append { file, what, .. } => {
                line(
                    &mut out,
                    "update",
                    file.display(),
                    tr!("plan-append", what = what),
                );
            }
            Step::Remove { path, tree, .. } => {
                if *tree {
                    line(
                        &mut out,
                        "remove",
                        format!("{}/", path.display()),
                        tr!("plan-remove-tree"),
                    );
                } else {
                    line(&mut out, "remove", path.display(), "");
                }
            }
            Step::Wait { url, connect, .. } => {
                line(&mut out, "wait", url, tr!("plan-wait", connect = connect));
            }
            Step::Acme { acme, reload } => {
                line(
                    &mut out,
                    "acme",
                    acme.cert.display(),
                    tr!(
                        "plan-acme",
                        names = acme.names.join(", "),
                        directory = acme.directory,
                        challenge = "HTTP-01",
                        dir = acme.challenge_dir.display().to_string(),
                        days = crate::plan::tls::RENEW_DAYS,
                        service = reload.name
                    ),
                );
            }
        }
    }
    for n in &plan.notes {
        let _ = writeln!(out, "  {}", tr!("plan-note", note = n));
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

/// The description of generated data, in the current language.
fn data_what(what: &str) -> String {
    match what {
        "these answers, for re-runs" => tr!("plan-data-answers"),
        crate::plan::steps::adopt::ADOPTED => tr!("plan-data-adopted"),
        other => other.to_string(),
    }
}
