//! What `uninstall` removes from the file system, as plans for the executor: the files install
//! recorded outside the config and data directories, and (`--purge`) those directories and the
//! web root, or else only the receipt. Pure: what exists is read through `Existing`.

use std::path::{Path, PathBuf};

use crate::facts::distro::Schedule;
use crate::plan::existing::Existing;
use crate::plan::layout::Layout;
use crate::plan::model::{Change, Content, FileStep, Owner, Plan, Step};

fn plan(l: &Layout, steps: Vec<Step>) -> Plan {
    Plan {
        steps,
        notes: Vec::new(),
        config_path: l.config.clone(),
        service: l.service.clone(),
    }
}

fn remove(path: &Path, tree: bool, quiet: bool) -> Step {
    Step::Remove {
        path: path.to_path_buf(),
        tree,
        quiet,
    }
}

/// The files install wrote outside the config and data directories that still exist (service
/// definition, nginx site and link, .well-known files, coturn config, the matrixd binary).
pub fn installed_files(l: &Layout, files: &[PathBuf], existing: &dyn Existing) -> Plan {
    let steps = files
        .iter()
        .filter(|f| existing.exists(f))
        .map(|f| remove(f, false, false))
        .collect();
    plan(l, steps)
}

/// Whether removing these files changes what nginx serves (its site, or the .well-known files).
pub fn touches_nginx(removals: &Plan) -> bool {
    removals.steps.iter().any(|s| match s {
        Step::Remove { path, .. } => {
            path.starts_with("/etc/nginx")
                || path.starts_with("/usr/local/etc/nginx")
                || path.to_string_lossy().contains(".well-known")
        }
        _ => false,
    })
}

/// The daily backup's block taken out of a shared daily script (`daily-local`: OpenBSD's
/// /etc/daily.local), the operator's lines kept; nothing when the block is not there.
pub fn backup_block(l: &Layout, sched: &Schedule, existing: &dyn Existing) -> Plan {
    let mut steps = Vec::new();
    if sched.kind == "daily-local"
        && let Some(script) = sched.script.as_deref().map(Path::new)
        && let Some(old) = existing.read(script)
    {
        let old = String::from_utf8_lossy(&old);
        let text = crate::plan::steps::backup::without_block(&old);
        if text != old {
            steps.push(Step::File(FileStep {
                path: script.to_path_buf(),
                content: Content::Data {
                    what: "daily.local",
                    text,
                },
                mode: 0o644,
                owner: Owner {
                    user: "root".into(),
                    group: "root".into(),
                },
                change: Change::Update,
                create_only: false,
                affects: crate::plan::model::Affects::Nothing,
            }));
        }
    }
    plan(l, steps)
}

/// `--purge`: the config (keys, secrets), data, log and run directories, and the web root.
pub fn purge(l: &Layout, webroot: &Path, existing: &dyn Existing) -> Plan {
    let mut steps: Vec<Step> = [&l.config_dir, &l.data_dir, &l.log_dir, &l.run_dir]
        .into_iter()
        .filter(|d| existing.exists(d))
        .map(|d| remove(d, true, false))
        .collect();
    steps.push(remove(webroot, true, true));
    plan(l, steps)
}

/// Without `--purge`: only the receipt goes (config, keys and data stay for a re-install).
pub fn forget(l: &Layout) -> Plan {
    plan(l, vec![remove(&l.receipt, false, true)])
}
