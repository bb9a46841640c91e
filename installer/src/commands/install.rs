//! `matrixctl install`: answers (flags < answers file < earlier install, then prompts) → plan →
//! `--dry-run` print, or confirmation and execution, then a receipt for `uninstall`.
//! Orchestration only: asking is `wizard`, deciding `plan`, changing the system `exec`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::answers::{self, Answers, Database, Given};
use crate::cli::InstallArgs;
use crate::error::{CliError, ExitStatus};
use crate::exec;
use crate::facts::{self, Facts};
use crate::plan::{self, Layout, Plan, existing, model::*};
use crate::ui::Printer;
use crate::wizard::{self, MissingAnswer};

/// What an install left behind, for `uninstall` (`matrixctl-install.toml` in the config dir).
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Receipt {
    pub distro: String,
    pub service: String,
    /// The `database` answer.
    pub database: Option<Database>,
    /// Packages install added (uninstall removes them).
    pub packages_added: Vec<String>,
    /// Files install wrote outside the config and data directories (service definition, nginx
    /// site and link, .well-known files, coturn config, the matrixd binary).
    pub files: Vec<PathBuf>,
    /// Services that run outside the service manager.
    pub started_directly: Vec<String>,
}

impl Receipt {
    pub fn load(path: &Path) -> Option<Receipt> {
        toml::from_str(&std::fs::read_to_string(path).ok()?).ok()
    }
}

fn missing(m: MissingAnswer) -> CliError {
    match m {
        MissingAnswer::Required { key, flag, help } => {
            let mut e = CliError::usage(format!(
                "missing answer: {key} (no terminal to ask on, or --yes given)"
            ))
            .hint(format!(
                "pass {flag} VALUE, or set {key} in the --answers file"
            ));
            if !help.is_empty() {
                e = e.cause(help);
            }
            e
        }
        MissingAnswer::Prompt(e) => CliError::failure("cannot ask the install questions")
            .cause(e)
            .hint("answer with flags or --answers FILE, and --yes"),
        MissingAnswer::Invalid(e) => CliError::usage(e),
    }
}

/// The `matrixctl install …` line that repeats an install from its answers file.
pub fn repeat_command(answers: &Path, root: &Path, distro: Option<&str>) -> String {
    let mut s = format!("matrixctl install --answers {} --yes", answers.display());
    if root != Path::new("/") {
        s.push_str(&format!(" --root {}", root.display()));
    }
    if let Some(d) = distro {
        s.push_str(&format!(" --distro {d}"));
    }
    s
}

/// Plans from complete answers; the errors say which answer to change.
pub fn make_plan(a: &Answers, facts: &Facts, root: &Path) -> Result<Plan, CliError> {
    let fs = existing::Fs {
        root: root.to_path_buf(),
    };
    plan::build(a, facts, &fs, &mut matrixd::keys::random_secret)
        .map_err(|e| CliError::failure(e.message).hint(e.hint))
}

pub fn run(args: InstallArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let root = match &args.root {
        Some(r) => std::path::absolute(r)
            .map_err(|e| CliError::usage(format!("--root {}", r.display())).cause(e))?,
        None => PathBuf::from("/"),
    };
    let activate = root == Path::new("/");
    let facts = facts::detect(&root, args.distro.as_deref())?;
    let layout = Layout::of(&facts);
    let interactive = !args.yes && printer.interactive();
    if interactive {
        printer.note("matrixctl install — nothing is changed until you confirm.\n");
    }
    printer.status(
        "Detected",
        format!("{} → distros/{}.toml", facts.os.describe(), facts.distro.id),
    );

    // Layers: an earlier install's answers, then the answers file, then flags.
    let mut given = Given::default();
    let saved = existing::under(&root, &layout.answers);
    if saved.exists() {
        let earlier = answers::file::load(&saved).map_err(|e| {
            CliError::failure("the answers of the earlier install cannot be read")
                .cause(e)
                .hint(format!("fix or remove {}", saved.display()))
        })?;
        printer.status(
            "Reading",
            format!(
                "{} (the earlier install's answers are the defaults)",
                saved.display()
            ),
        );
        given.overlay(&earlier);
    }
    if let Some(f) = &args.answers {
        let file = answers::file::load(f).map_err(|e| {
            CliError::usage(format!("invalid answers file {}", f.display()))
                .cause(e)
                .hint("keys are the flags' names with '_' (server_name = \"example.org\")")
        })?;
        given.overlay(&file);
    }
    given.overlay(&args.given);
    if let (Some(old), Some(new)) = (
        saved
            .exists()
            .then(|| answers::file::load(&saved).ok())
            .flatten()
            .and_then(|g| g.server_name),
        &given.server_name,
    ) && old != *new
    {
        return Err(CliError::failure(format!(
            "this machine already serves {:?}; the server name can never change",
            old.as_str()
        ))
        .hint(format!(
            "keep --server-name {old}, or `matrixctl uninstall --purge` first to start over"
        )));
    }

    let mut given = wizard::complete(&given, interactive).map_err(missing)?;
    loop {
        let a = Answers::from_given(&given).map_err(CliError::usage)?;
        let plan = make_plan(&a, &facts, &root)?;
        let text = plan::show::render(&plan, !activate);
        if args.dry_run {
            printer.data(format!(
                "Plan (dry run: nothing is changed):\n{}",
                text.trim_end()
            ));
            return Ok(ExitStatus::Success);
        }
        printer.note(format!("Plan:\n{}", text.trim_end()));
        if !args.yes {
            if !interactive {
                return Err(CliError::failure(
                    "refusing to change the system without confirmation (no terminal to ask on)",
                )
                .hint("review the plan with --dry-run, then pass --yes"));
            }
            match wizard::prompt::confirm_plan()
                .map_err(|e| CliError::failure("cannot ask for confirmation").cause(e))?
            {
                wizard::prompt::Decision::Proceed => {}
                wizard::prompt::Decision::Change => {
                    given = wizard::revise(&given).map_err(missing)?;
                    continue;
                }
                wizard::prompt::Decision::Cancel => {
                    printer.note("Cancelled; nothing was changed.");
                    return Ok(ExitStatus::Failure);
                }
            }
            let local = PathBuf::from("matrixctl-answers.toml");
            exec::write_atomic(
                &local,
                answers::file::to_toml(&a.to_given()).as_bytes(),
                0o600,
            )
            .map_err(|e| CliError::failure(format!("cannot save {}", local.display())).cause(e))?;
            printer.note(format!(
                "Answers saved to ./matrixctl-answers.toml. Repeat with:\n  {}",
                repeat_command(&local, &root, args.distro.as_deref())
            ));
        }
        if activate && !nix::unistd::geteuid().is_root() {
            return Err(
                CliError::failure("installing needs root (packages, a system user, /etc)")
                    .hint("run it with sudo, or pass --root DIR to install into a directory tree"),
            );
        }
        return execute(&plan, &a, &facts, &root, activate, &args, printer);
    }
}

fn execute(
    plan: &Plan,
    a: &Answers,
    facts: &Facts,
    root: &Path,
    activate: bool,
    args: &InstallArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let layout = Layout::of(facts);
    let receipt_path = existing::under(root, &layout.receipt);
    let mut receipt = Receipt::load(&receipt_path).unwrap_or_default();
    let repeat = repeat_command(&layout.answers, root, args.distro.as_deref());
    let result = exec::apply::apply(
        plan,
        &exec::apply::Options {
            root: root.to_path_buf(),
            activate,
        },
        printer,
    );
    let report = match &result {
        Ok(r) => r,
        Err(f) => &f.report,
    };
    // The receipt records what this and earlier runs added, even when a step failed.
    receipt.distro = facts.distro.id.clone();
    receipt.service = plan.service.clone();
    receipt.database = Some(a.database);
    for p in &report.packages_added {
        if !receipt.packages_added.contains(p) {
            receipt.packages_added.push(p.clone());
        }
    }
    for f in owned_files(plan) {
        if !receipt.files.contains(&f) {
            receipt.files.push(f);
        }
    }
    for s in &report.started_directly {
        if !receipt.started_directly.contains(s) {
            receipt.started_directly.push(s.clone());
        }
    }
    let text = toml::to_string(&receipt).unwrap_or_default();
    if std::fs::read_to_string(&receipt_path).ok().as_deref() != Some(text.as_str())
        && receipt_path.parent().is_some_and(Path::exists)
    {
        let _ = exec::write_atomic(&receipt_path, text.as_bytes(), 0o600);
    }
    match result {
        Ok(report) => {
            if report.changed.is_empty() {
                printer.status(
                    "Unchanged",
                    "the installation already matches these answers; nothing was changed",
                );
            } else {
                printer.status("Done", format!("{} change(s)", report.changed.len()));
            }
            for n in &plan.notes {
                printer.warn(n);
            }
            if activate {
                printer.note(format!(
                    "Next: matrixctl register-user -c {} --admin     Status: matrixctl status     Undo: matrixctl uninstall",
                    layout.config.display()
                ));
            } else {
                printer.note(format!(
                    "Installed into {} (nothing was started: --root skips activation).",
                    root.display()
                ));
            }
            Ok(ExitStatus::Success)
        }
        Err(f) => {
            let done = if f.done.is_empty() {
                "nothing".to_string()
            } else {
                f.done.join("; ")
            };
            Err(CliError::failure(format!("install stopped: cannot {}", f.step))
                .cause(f.cause)
                .cause(format!("already done: {done}"))
                .hint(format!("fix the cause, then resume with `{repeat}` (finished steps are detected and skipped)")))
        }
    }
}

/// Files install owns outside the config and data directories.
pub fn owned_files(plan: &Plan) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for s in &plan.steps {
        match s {
            Step::File(f) => match &f.content {
                Content::Template { id, .. }
                    if !id.starts_with("homeserver") && !id.starts_with("log.") =>
                {
                    out.push(f.path.clone())
                }
                Content::Copy(_) => out.push(f.path.clone()),
                _ => {}
            },
            Step::Symlink { link, .. } => out.push(link.clone()),
            _ => {}
        }
    }
    out
}
