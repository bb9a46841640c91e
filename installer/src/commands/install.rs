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
            let mut e = CliError::usage(crate::tr!("err-missing-answer", key = key, yes = "--yes"))
                .hint(crate::tr!(
                    "hint-missing-answer",
                    flag = format!("{flag} VALUE"),
                    key = key,
                    opt = "--answers"
                ));
            if !help.is_empty() {
                e = e.cause(help);
            }
            e
        }
        MissingAnswer::Prompt(e) => CliError::failure(crate::tr!("err-cannot-ask"))
            .cause(e)
            .hint(crate::tr!(
                "hint-cannot-ask",
                answers = "--answers FILE",
                yes = "--yes"
            )),
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
        Some(r) => std::path::absolute(r).map_err(|e| {
            CliError::usage(crate::tr!(
                "err-root",
                root = format!("--root {}", r.display())
            ))
            .cause(e)
        })?,
        None => PathBuf::from("/"),
    };
    let activate = root == Path::new("/");
    let mut facts = facts::detect(&root, args.distro.as_deref())?;
    let layout = Layout::of(&facts);
    let interactive = !args.yes && printer.interactive();
    if interactive {
        printer.note(format!(
            "{}\n",
            crate::tr!("install-intro", cmd = "matrixctl install")
        ));
    }
    printer.status(
        &crate::tr!("verb-detected"),
        crate::tr!(
            "install-detected",
            os = facts.os.describe(),
            file = format!("distros/{}.toml", facts.distro.id)
        ),
    );

    // Layers: an earlier install's answers, then the answers file, then flags.
    let mut given = Given::default();
    let saved = existing::under(&root, &layout.answers);
    if saved.exists() {
        let earlier = answers::file::load(&saved).map_err(|e| {
            CliError::failure(crate::tr!("err-earlier-answers"))
                .cause(e)
                .hint(crate::tr!("hint-fix-or-remove", path = saved.display()))
        })?;
        printer.status(
            &crate::tr!("verb-reading"),
            crate::tr!("install-reading-earlier", path = saved.display()),
        );
        given.overlay(&earlier);
    }
    if let Some(f) = &args.answers {
        let file = answers::file::load(f).map_err(|e| {
            CliError::usage(crate::tr!("err-read-answers", path = f.display()))
                .cause(e)
                .hint(crate::tr!(
                    "hint-answers-keys",
                    sep = "'_'",
                    example = "server_name = \"example.org\""
                ))
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
        return Err(CliError::failure(crate::tr!(
            "err-server-name-changed",
            name = format!("{:?}", old.as_str())
        ))
        .hint(crate::tr!(
            "hint-server-name-changed",
            keep = format!("--server-name {old}"),
            purge = "matrixctl uninstall --purge"
        )));
    }

    if given.adopt.is_some_and(|y| y.yes()) {
        let adopted = adopt(&root, &layout, &args.given, &mut given)?;
        facts.adopted = Some(adopted);
    } else if std::fs::read_to_string(existing::under(&root, &layout.config))
        .is_ok_and(|t| t.starts_with(super::import_synapse::IMPORTED_HEAD))
    {
        // Ours would replace it, and its signing key with a new one: the server's identity.
        return Err(CliError::failure(crate::tr!(
            "err-install-imported",
            path = layout.config.display(),
            cmd = "matrixctl import-synapse"
        ))
        .hint(crate::tr!(
            "hint-install-imported",
            cmd = "matrixctl install --adopt"
        )));
    }

    let mut given = wizard::complete(&given, interactive).map_err(missing)?;
    loop {
        let a = Answers::from_given(&given).map_err(CliError::usage)?;
        if a.database == Database::Postgres
            && let Some(db) = sqlite_with_data(&root, &layout)
        {
            // A re-run that switches to PostgreSQL would start the server on an empty database.
            return Err(CliError::failure(crate::tr!(
                "err-install-sqlite-data",
                path = db.display(),
                flag = "--database postgres"
            ))
            .hint(crate::tr!(
                "hint-install-migrate",
                cmd = "matrixctl migrate-db"
            )));
        }
        let plan = make_plan(&a, &facts, &root)?;
        let text = plan::show::render(&plan, !activate);
        if args.dry_run {
            printer.data(format!(
                "{}\n{}",
                crate::tr!("install-plan-dry-run"),
                text.trim_end()
            ));
            return Ok(ExitStatus::Success);
        }
        printer.note(format!(
            "{}\n{}",
            crate::tr!("install-plan"),
            text.trim_end()
        ));
        if !args.yes {
            if !interactive {
                return Err(
                    CliError::failure(crate::tr!("err-no-confirmation")).hint(crate::tr!(
                        "hint-no-confirmation",
                        dry_run = "--dry-run",
                        yes = "--yes"
                    )),
                );
            }
            match wizard::prompt::confirm_plan()
                .map_err(|e| CliError::failure(crate::tr!("err-cannot-confirm")).cause(e))?
            {
                wizard::prompt::Decision::Proceed => {}
                wizard::prompt::Decision::Change => {
                    given = wizard::revise(&given).map_err(missing)?;
                    continue;
                }
                wizard::prompt::Decision::Cancel => {
                    printer.note(crate::tr!("install-cancelled"));
                    return Ok(ExitStatus::Failure);
                }
            }
            let local = PathBuf::from("matrixctl-answers.toml");
            exec::write_atomic(
                &local,
                answers::file::to_toml(&a.to_given()).as_bytes(),
                0o600,
            )
            .map_err(|e| {
                CliError::failure(crate::tr!("err-cannot-save", path = local.display())).cause(e)
            })?;
            printer.note(format!(
                "{}\n  {}",
                crate::tr!("install-answers-saved", path = "./matrixctl-answers.toml"),
                repeat_command(&local, &root, args.distro.as_deref())
            ));
        }
        if activate && !nix::unistd::geteuid().is_root() {
            return Err(
                CliError::failure(crate::tr!("err-install-needs-root", etc = "/etc")).hint(
                    crate::tr!(
                        "hint-install-needs-root",
                        sudo = "sudo",
                        root = "--root DIR"
                    ),
                ),
            );
        }
        return execute(&plan, &a, &facts, &root, activate, &args, printer);
    }
}

/// `--adopt`: reads the existing homeserver.yaml and makes what it says the answers (over an
/// earlier install's and the answers file's); a flag that says otherwise is an error, not
/// silently overruled.
fn adopt(
    root: &Path,
    layout: &Layout,
    flags: &Given,
    given: &mut Given,
) -> Result<facts::adopt::Adopted, CliError> {
    let host = existing::under(root, &layout.config);
    if !host.exists() {
        return Err(CliError::failure(crate::tr!(
            "err-adopt-no-config",
            path = layout.config.display()
        ))
        .hint(crate::tr!(
            "hint-adopt-import",
            cmd = "matrixctl import-synapse"
        )));
    }
    let adopted = facts::adopt::read(&layout.config, &host).map_err(|e| {
        CliError::failure(crate::tr!(
            "err-adopt-config",
            path = layout.config.display()
        ))
        .cause(e)
        .hint(crate::tr!(
            "hint-migrate-doctor",
            cmd = format!("matrixctl doctor -c {}", host.display())
        ))
    })?;
    let from_config = adopted_answers(&adopted).map_err(|e| {
        CliError::failure(crate::tr!(
            "err-adopt-config",
            path = layout.config.display()
        ))
        .cause(e)
    })?;
    for q in answers::QUESTIONS {
        let (config, flag) = ((q.get)(&from_config), (q.get)(flags));
        if !config.is_empty() && !flag.is_empty() && config != flag {
            return Err(CliError::usage(crate::tr!(
                "err-adopt-conflict",
                flag = q.flag(),
                given = flag.join(","),
                config = config.join(",")
            ))
            .hint(crate::tr!(
                "hint-adopt-conflict",
                flag = q.flag(),
                path = layout.config.display()
            )));
        }
    }
    given.overlay(&from_config);
    Ok(adopted)
}

/// The answers an adopted config gives: server name, database, public URL, federation,
/// registration and (when it says) usage statistics.
fn adopted_answers(ad: &facts::adopt::Adopted) -> Result<Given, String> {
    use answers::{Registration, YesNo};
    Ok(Given {
        server_name: Some(ad.server_name.parse()?),
        database: Some(match ad.database {
            matrixd::config::Database::Postgres(_) => Database::Postgres,
            matrixd::config::Database::Sqlite { .. } => Database::Sqlite,
        }),
        public_baseurl: ad.public_baseurl.as_deref().map(str::parse).transpose()?,
        federation: Some(YesNo::from(ad.federation)),
        registration: Some(
            match (ad.enable_registration, ad.registration_requires_token) {
                (false, _) => Registration::Closed,
                (true, true) => Registration::Token,
                (true, false) => Registration::Open,
            },
        ),
        report_stats: ad.report_stats.map(YesNo::from),
        adopt: Some(YesNo::Yes),
        ..Given::default()
    })
}

/// The SQLite database file of an existing install, when it holds data (the server creates it
/// at its first start).
fn sqlite_with_data(root: &Path, layout: &Layout) -> Option<PathBuf> {
    let config = existing::under(root, &layout.config);
    let top = matrixd::config::read_top_level(&[config]).ok()?;
    let (Some(matrixd::config::Database::Sqlite { path }), _) = matrixd::config::database_of(&top)
    else {
        return None;
    };
    let file = existing::under(root, &path);
    std::fs::metadata(&file)
        .is_ok_and(|m| m.is_file() && m.len() > 0)
        .then_some(file)
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
                    &crate::tr!("verb-unchanged"),
                    crate::tr!("install-unchanged"),
                );
            } else {
                printer.status(
                    &crate::tr!("verb-done"),
                    crate::tr!("install-changes", n = report.changed.len()),
                );
            }
            for n in &plan.notes {
                printer.warn(n);
            }
            if activate && a.adopt.is_some_and(|y| y.yes()) {
                adopted_doctor(args, printer);
            }
            if activate {
                printer.note(crate::tr!(
                    "install-next",
                    register = format!(
                        "matrixctl register-user -c {} --admin",
                        layout.config.display()
                    ),
                    status = "matrixctl status",
                    undo = "matrixctl uninstall"
                ));
            } else {
                printer.note(crate::tr!(
                    "install-into-root",
                    path = root.display(),
                    root = "--root"
                ));
            }
            Ok(ExitStatus::Success)
        }
        Err(f) => {
            let done = if f.done.is_empty() {
                crate::tr!("install-done-nothing")
            } else {
                f.done.join("; ")
            };
            Err(
                CliError::failure(crate::tr!("err-install-stopped", step = f.step))
                    .cause(f.cause)
                    .cause(crate::tr!("install-already-done", done = done))
                    .hint(crate::tr!("hint-install-resume", cmd = repeat)),
            )
        }
    }
}

/// After `--adopt` runs the config it did not write: doctor's local checks on it (the network
/// ones are `matrixctl doctor`'s), so what the imported config gets wrong shows now. Its
/// findings do not make the install fail.
fn adopted_doctor(args: &InstallArgs, printer: &Printer) {
    printer.note(crate::tr!("install-adopt-doctor", cmd = "matrixctl doctor"));
    let doctor = super::doctor::DoctorArgs {
        offline: true,
        distro: args.distro.clone(),
        timeout: 20,
        ..Default::default()
    };
    if !matches!(super::doctor::run(doctor, printer), Ok(ExitStatus::Success)) {
        printer.warn(crate::tr!(
            "install-adopt-doctor-failed",
            cmd = "matrixctl doctor"
        ));
    }
}

/// Files install owns outside the config and data directories.
pub fn owned_files(plan: &Plan) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for s in &plan.steps {
        match s {
            Step::File(f) => match &f.content {
                // /etc/daily.local is the operator's: only our block in it is ours
                // (uninstall takes that out).
                Content::Template { id, .. }
                    if !id.starts_with("homeserver")
                        && !id.starts_with("log.")
                        && *id != crate::render::BACKUP_DAILY_LOCAL.0 =>
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
