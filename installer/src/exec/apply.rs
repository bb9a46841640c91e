//! Runs a plan, step by step, idempotently: files are compared before they are written (same
//! bytes: nothing happens), replaced atomically with the old file kept as a backup, keys and
//! secrets are created only when absent; services restart only when something they read
//! changed. The first failure stops the run with what failed, why and what was already done.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use crate::exec::{fs, service, system};
use crate::facts::{probe, under};
use crate::plan::model::*;
use crate::tr;
use crate::ui::Printer;

pub struct Options {
    /// Install into this tree instead of / (no activation).
    pub root: PathBuf,
    /// Run activation steps (packages, users, commands, services, the final wait).
    pub activate: bool,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Report {
    /// One line per change made.
    pub changed: Vec<String>,
    /// Packages this run installed.
    pub packages_added: Vec<String>,
    /// Services started outside the service manager.
    pub started_directly: Vec<String>,
    /// Notes for the operator.
    pub notes: Vec<String>,
}

/// A failed step: which, why, and what was done before it.
#[derive(Debug)]
pub struct Failure {
    pub step: String,
    pub cause: String,
    pub done: Vec<String>,
    pub report: Report,
}

fn describe(step: &Step) -> String {
    match step {
        Step::Packages { names, .. } => tr!("step-packages", names = names.join(" ")),
        Step::User { name, .. } => tr!("step-user", name = name),
        Step::Run { title, .. } => title.to_string(),
        Step::Dir { path, .. } => tr!("step-dir", path = path.display()),
        Step::File(f) => tr!("step-file", path = f.path.display()),
        Step::SelfSigned { cert, .. } => tr!("step-self-signed", path = cert.display()),
        Step::Symlink { link, .. } => tr!("step-symlink", path = link.display()),
        Step::Include { file, .. } => tr!("step-include", path = file.display()),
        Step::Service(s) => tr!("step-service", name = s.name),
        Step::Retire(r) => tr!("step-retire", name = r.service.name),
        Step::Wait { url, .. } => tr!("step-wait", url = url),
        Step::Acme { acme, .. } => tr!("step-acme", names = acme.names.join(", ")),
        Step::Append { file, what, .. } => {
            tr!("step-append", what = what, path = file.display())
        }
        Step::Remove { path, .. } => tr!("step-remove", path = path.display()),
    }
}

struct Run<'a> {
    opts: &'a Options,
    printer: &'a Printer,
    bar: indicatif::ProgressBar,
    report: Report,
    affected: BTreeSet<Affects>,
    unit_changed: bool,
    stamp: String,
}

impl Run<'_> {
    fn host(&self, p: &Path) -> PathBuf {
        under(&self.opts.root, p)
    }
    fn status(&self, verb: &str, msg: impl std::fmt::Display) {
        self.bar.suspend(|| self.printer.status(verb, msg));
    }
    fn changed(&mut self, verb: &str, what: String, affects: Affects) {
        self.status(verb, &what);
        self.report.changed.push(format!("{verb} {what}"));
        self.affected.insert(affects);
    }

    /// uid/gid for an owner, looked up in the target's passwd/group. Unknown names are an
    /// error when activating; with --root they are skipped (the user may not exist there yet).
    fn ids(&self, o: &Owner) -> Result<Option<(u32, u32)>, String> {
        let uid = probe::user(&self.opts.root, &o.user)
            .map(|a| a.uid)
            .or((o.user == "root").then_some(0));
        let gid = probe::group(&self.opts.root, &o.group).or((o.group == "root").then_some(0));
        match (uid, gid) {
            (Some(u), Some(g)) => Ok(Some((u, g))),
            _ if !self.opts.activate => Ok(None),
            _ => Err(tr!("exec-no-owner", user = o.user, group = o.group)),
        }
    }

    fn set_owner_mode(&self, path: &Path, mode: u32, owner: &Owner) -> Result<(), String> {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| tr!("exec-cannot-chmod", path = path.display(), error = e))?;
        if nix::unistd::geteuid().is_root()
            && let Some((u, g)) = self.ids(owner)?
        {
            nix::unistd::chown(path, Some(u.into()), Some(g.into()))
                .map_err(|e| tr!("exec-cannot-chown", path = path.display(), error = e))?;
        }
        Ok(())
    }

    fn backup(&self, path: &Path) -> Result<PathBuf, String> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let backup = path.with_file_name(format!("{name}.{}.bak", self.stamp));
        std::fs::copy(path, &backup).map_err(|e| {
            tr!(
                "exec-cannot-back-up",
                path = path.display(),
                backup = backup.display(),
                error = e
            )
        })?;
        Ok(backup)
    }

    fn ensure_parent(&self, path: &Path) -> Result<(), String> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| tr!("exec-cannot-create", path = parent.display(), error = e))?;
        }
        Ok(())
    }

    /// Writes `bytes` unless the file already holds them; backs up a file it replaces.
    fn write(&mut self, f: &FileStep, bytes: &[u8]) -> Result<(), String> {
        let host = self.host(&f.path);
        self.ensure_parent(&host)?;
        match std::fs::read(&host) {
            Ok(old) if old == bytes => {
                self.set_owner_mode(&host, f.mode, &f.owner)?;
            }
            Ok(_) => {
                let backup = self.backup(&host)?;
                fs::write_atomic(&host, bytes, f.mode)
                    .map_err(|e| tr!("exec-cannot-write", path = host.display(), error = e))?;
                self.set_owner_mode(&host, f.mode, &f.owner)?;
                self.changed(
                    "Updating",
                    tr!(
                        "exec-updated",
                        path = f.path.display(),
                        backup = backup.display()
                    ),
                    f.affects,
                );
            }
            Err(_) => {
                fs::write_atomic(&host, bytes, f.mode)
                    .map_err(|e| tr!("exec-cannot-write", path = host.display(), error = e))?;
                self.set_owner_mode(&host, f.mode, &f.owner)?;
                self.changed("Writing", f.path.display().to_string(), f.affects);
            }
        }
        Ok(())
    }

    /// Creates the file only if absent (keys and secrets).
    fn create_only(&mut self, f: &FileStep, bytes: &[u8], what: &str) -> Result<(), String> {
        let host = self.host(&f.path);
        self.ensure_parent(&host)?;
        if std::fs::symlink_metadata(&host).is_ok() {
            self.status(
                "Keeping",
                if what == "a secret" {
                    tr!("exec-keep-secret", path = f.path.display())
                } else {
                    tr!("exec-keep-key", path = f.path.display())
                },
            );
            return Ok(());
        }
        if !fs::create_new(&host, bytes, f.mode)
            .map_err(|e| tr!("exec-cannot-write", path = host.display(), error = e))?
        {
            self.status("Keeping", tr!("exec-exists", path = f.path.display()));
            return Ok(());
        }
        self.set_owner_mode(&host, f.mode, &f.owner)?;
        let mode = format!("{:04o}", f.mode);
        self.changed(
            "Generating",
            if what == "a secret" {
                tr!("exec-new-secret", path = f.path.display(), mode = mode)
            } else {
                tr!("exec-new-key", path = f.path.display(), mode = mode)
            },
            f.affects,
        );
        Ok(())
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Packages {
                names,
                refresh,
                install,
                is_installed,
                installed_stdout,
                ..
            } => {
                let mut missing = Vec::new();
                for n in names {
                    let check = Cmd::new(crate::facts::distro::subst(
                        &is_installed.argv,
                        &[("pkg", n)],
                    ));
                    let installed = system::run(&check)
                        .map(|o| {
                            o.ok && installed_stdout
                                .as_ref()
                                .is_none_or(|p| o.stdout.trim_start().starts_with(p.as_str()))
                        })
                        .unwrap_or(false);
                    if !installed {
                        missing.push(n.clone());
                    }
                }
                if missing.is_empty() {
                    self.status(
                        "Keeping",
                        tr!("exec-packages-installed", names = names.join(" ")),
                    );
                    return Ok(());
                }
                if let Some(r) = refresh {
                    self.status("Refreshing", tr!("exec-package-lists", cmd = r.display()));
                    system::run_ok(r)?;
                }
                let base = &install.argv[..install.argv.len() - names.len()];
                let mut c = install.clone();
                c.argv = base
                    .iter()
                    .cloned()
                    .chain(missing.iter().cloned())
                    .collect();
                self.status(
                    "Installing",
                    format!("{} (`{}`)", missing.join(" "), c.display()),
                );
                system::run_ok(&c)?;
                self.report.packages_added.extend(missing.iter().cloned());
                self.report
                    .changed
                    .push(format!("installed {}", missing.join(" ")));
            }
            Step::User {
                name,
                group,
                create_group,
                create_user,
                ..
            } => {
                if probe::group(Path::new("/"), group).is_none() {
                    for c in create_group {
                        system::run_ok(c)?;
                    }
                }
                if probe::user(Path::new("/"), name).is_none() {
                    for c in create_user {
                        system::run_ok(c)?;
                    }
                    self.changed(
                        "Creating",
                        tr!("uninstall-system-user", name = name),
                        Affects::Nothing,
                    );
                } else {
                    self.status("Keeping", tr!("exec-user-exists", name = name));
                }
            }
            Step::Run { title, cmd, unless } => {
                let done = match unless {
                    Some(Guard::Exists(p)) => p.exists(),
                    Some(Guard::Outputs(c)) => system::run(c)
                        .map(|o| o.ok && !o.stdout.trim().is_empty())
                        .unwrap_or(false),
                    None => false,
                };
                if done {
                    self.status("Keeping", tr!("exec-already-done", title = title));
                } else {
                    self.status("Running", format!("{title} (`{}`)", cmd.display()));
                    system::run_ok(cmd)?;
                    self.report.changed.push(title.to_string());
                }
            }
            Step::Dir {
                path, mode, owner, ..
            } => {
                let host = self.host(path);
                let existed = host.is_dir();
                std::fs::create_dir_all(&host)
                    .map_err(|e| tr!("exec-cannot-create", path = host.display(), error = e))?;
                if !existed {
                    self.set_owner_mode(&host, *mode, owner)?;
                    self.changed("Creating", format!("{}/", path.display()), Affects::Nothing);
                }
            }
            Step::File(f) => match &f.content {
                Content::Template { .. } | Content::Data { .. }
                    if f.create_only && std::fs::symlink_metadata(self.host(&f.path)).is_ok() =>
                {
                    self.status("Keeping", tr!("exec-exists", path = f.path.display()));
                }
                Content::Template { text, .. } | Content::Data { text, .. } => {
                    let is_unit = matches!(&f.content, Content::Template { id, .. } if id.starts_with("service/"));
                    let before = self.report.changed.len();
                    self.write(f, text.as_bytes())?;
                    if is_unit && self.report.changed.len() > before {
                        self.unit_changed = true;
                    }
                }
                Content::Secret(value) => {
                    self.create_only(f, format!("{value}\n").as_bytes(), "a secret")?
                }
                Content::SigningKey => {
                    let key = matrixd::keys::SigningKey::generate();
                    self.create_only(f, key.to_file_line().as_bytes(), "a signing key")?;
                }
                Content::Copy(src) => {
                    let host = self.host(&f.path);
                    let same = std::fs::metadata(src).ok().map(|m| m.len())
                        == std::fs::metadata(&host).ok().map(|m| m.len())
                        && std::fs::read(src).ok() == std::fs::read(&host).ok();
                    if !same {
                        self.ensure_parent(&host)?;
                        let tmp = host.with_file_name(format!(
                            ".{}.matrixctl-new",
                            f.path.file_name().unwrap_or_default().to_string_lossy()
                        ));
                        std::fs::copy(src, &tmp).map_err(|e| {
                            tr!(
                                "exec-cannot-copy",
                                src = src.display(),
                                dst = tmp.display(),
                                error = e
                            )
                        })?;
                        std::fs::rename(&tmp, &host).map_err(|e| {
                            tr!("exec-cannot-replace", path = host.display(), error = e)
                        })?;
                        self.set_owner_mode(&host, f.mode, &f.owner)?;
                        self.changed(
                            "Installing",
                            tr!("exec-from", path = f.path.display(), src = src.display()),
                            f.affects,
                        );
                    }
                }
            },
            Step::SelfSigned {
                cert,
                key,
                names,
                key_owner,
                affects,
                stand_in,
                ..
            } => {
                let (hc, hk) = (self.host(cert), self.host(key));
                let now = crate::plan::tls::now();
                let renew = match std::fs::read(&hc) {
                    Ok(pem) if hk.exists() => {
                        if *stand_in || !crate::plan::tls::due(&pem, now) {
                            self.status(
                                "Keeping",
                                tr!(
                                    "exec-cert-kept",
                                    path = cert.display(),
                                    days = crate::plan::tls::RENEW_DAYS
                                ),
                            );
                            return Ok(());
                        }
                        true
                    }
                    _ => false,
                };
                let ck = self_signed(names, now)
                    .map_err(|e| tr!("exec-cannot-generate-cert", error = e))?;
                for p in [&hc, &hk] {
                    if p.exists() {
                        let b = self.backup(p)?;
                        self.status(
                            "Backing up",
                            if renew {
                                tr!(
                                    "exec-cert-backup-due",
                                    path = p.display(),
                                    backup = b.display(),
                                    days = crate::plan::tls::RENEW_DAYS
                                )
                            } else {
                                tr!(
                                    "exec-cert-backup-unpaired",
                                    path = p.display(),
                                    backup = b.display()
                                )
                            },
                        );
                    }
                }
                self.ensure_parent(&hk)?;
                fs::write_atomic(&hk, ck.signing_key.serialize_pem().as_bytes(), 0o600)
                    .map_err(|e| tr!("exec-cannot-write", path = hk.display(), error = e))?;
                self.set_owner_mode(&hk, 0o600, key_owner)?;
                fs::write_atomic(&hc, ck.cert.pem().as_bytes(), 0o644)
                    .map_err(|e| tr!("exec-cannot-write", path = hc.display(), error = e))?;
                self.set_owner_mode(
                    &hc,
                    0o644,
                    &Owner {
                        user: "root".into(),
                        group: "root".into(),
                    },
                )?;
                self.changed(
                    "Generating",
                    tr!(
                        "exec-cert-new",
                        cert = cert.display(),
                        names = names.join(", "),
                        key = key.display()
                    ),
                    *affects,
                );
            }
            Step::Symlink { link, target, .. } => {
                let host = self.host(link);
                if std::fs::read_link(&host).ok().as_deref() == Some(target.as_path()) {
                    return Ok(());
                }
                self.ensure_parent(&host)?;
                if std::fs::symlink_metadata(&host).is_ok() {
                    let b = self.backup(&host)?;
                    std::fs::remove_file(&host).map_err(|e| {
                        tr!("exec-cannot-replace", path = host.display(), error = e)
                    })?;
                    self.status(
                        "Backing up",
                        format!("{} to {}", link.display(), b.display()),
                    );
                }
                std::os::unix::fs::symlink(target, &host)
                    .map_err(|e| tr!("exec-cannot-link", path = host.display(), error = e))?;
                self.changed(
                    "Linking",
                    format!("{} -> {}", link.display(), target.display()),
                    Affects::Nginx,
                );
            }
            Step::Include { file, line, .. } => {
                let host = self.host(file);
                let text = std::fs::read_to_string(&host)
                    .map_err(|e| tr!("exec-cannot-read-nginx", path = host.display(), error = e))?;
                if text.lines().any(|l| l.trim() == line) {
                    return Ok(());
                }
                let mut out = String::new();
                let mut done = false;
                for l in text.lines() {
                    out.push_str(l);
                    out.push('\n');
                    let t = l.trim();
                    if !done
                        && t.starts_with("http")
                        && t.ends_with('{')
                        && t[4..t.len() - 1].trim().is_empty()
                    {
                        out.push_str(&format!("    {line}  # added by matrixctl install\n"));
                        done = true;
                    }
                }
                if !done {
                    return Err(tr!(
                        "exec-no-http-block",
                        block = "http {",
                        path = file.display(),
                        line = line
                    ));
                }
                let mode = std::fs::metadata(&host)
                    .map(|m| m.permissions().mode() & 0o7777)
                    .unwrap_or(0o644);
                let b = self.backup(&host)?;
                fs::write_atomic(&host, out.as_bytes(), mode)
                    .map_err(|e| tr!("exec-cannot-write", path = host.display(), error = e))?;
                self.changed(
                    "Updating",
                    tr!(
                        "exec-include-added",
                        path = file.display(),
                        backup = b.display()
                    ),
                    Affects::Nginx,
                );
            }
            Step::Service(s) => {
                let changed =
                    s.on_change_of != Affects::Nothing && self.affected.contains(&s.on_change_of);
                let unit_changed = self.unit_changed && s.on_change_of == Affects::Homeserver;
                let outcome = service::ensure(s, changed, unit_changed)?;
                let direct = !service::manager_running(s);
                match outcome {
                    service::Outcome::AlreadyRunning => {
                        self.status("Unchanged", tr!("exec-not-restarting", name = s.name))
                    }
                    service::Outcome::Started(how) => {
                        self.status("Starting", format!("{}: {how}", s.name));
                        self.report.changed.push(format!("started {}", s.name));
                        if direct {
                            self.report.started_directly.push(s.name.clone());
                        }
                    }
                    service::Outcome::Restarted(how) => {
                        self.status("Restarting", format!("{}: {how}", s.name));
                        self.report.changed.push(format!("restarted {}", s.name));
                        if direct {
                            self.report.started_directly.push(s.name.clone());
                        }
                    }
                    service::Outcome::Reloaded(how) => {
                        self.status("Reloading", format!("{}: {how}", s.name));
                        self.report.changed.push(format!("reloaded {}", s.name));
                    }
                }
            }
            Step::Retire(r) => {
                if service::stop(&r.service, &r.stop)? {
                    self.changed("Stopped", r.service.name.clone(), Affects::Nothing);
                }
                if service::manager_running(&r.service) {
                    for c in &r.disable {
                        // Not enabled (or never installed) is as good as disabled.
                        let _ = system::run(c);
                    }
                }
            }
            Step::Append { file, text, what } => {
                let host = self.host(file);
                let mut new = std::fs::read_to_string(&host)
                    .map_err(|e| tr!("doc-cannot-read", path = host.display(), error = e))?;
                if !new.is_empty() && !new.ends_with('\n') {
                    new.push('\n');
                }
                new.push_str(text);
                let mode = std::fs::metadata(&host)
                    .map(|m| m.permissions().mode() & 0o7777)
                    .unwrap_or(0o600);
                fs::write_atomic(&host, new.as_bytes(), mode)
                    .map_err(|e| tr!("exec-cannot-write", path = host.display(), error = e))?;
                self.changed(
                    "Adding",
                    tr!("exec-added-to", what = what, path = file.display()),
                    Affects::Nothing,
                );
            }
            Step::Remove { path, tree, quiet } => {
                let host = self.host(path);
                if std::fs::symlink_metadata(&host).is_err() {
                    return Ok(());
                }
                let removed = if *tree {
                    std::fs::remove_dir_all(&host)
                } else {
                    std::fs::remove_file(&host)
                };
                match removed {
                    Ok(()) if !quiet => {
                        let shown = if *tree {
                            format!("{}/", path.display())
                        } else {
                            path.display().to_string()
                        };
                        self.changed("Removing", shown, Affects::Nothing);
                    }
                    Ok(()) => {}
                    Err(_) if *quiet => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
            Step::Acme { acme, reload } => {
                match crate::exec::acme::ensure(acme, &self.opts.root, false)? {
                    crate::exec::acme::Outcome::NotDue { days, not_after } => self.status(
                        "Keeping",
                        tr!(
                            "acme-not-due",
                            path = acme.cert.display(),
                            date = not_after,
                            n = days,
                            limit = crate::plan::tls::RENEW_DAYS
                        ),
                    ),
                    crate::exec::acme::Outcome::Obtained {
                        why,
                        not_after,
                        issuer,
                    } => {
                        self.changed(
                            "Obtained",
                            tr!(
                                "acme-obtained",
                                path = acme.cert.display(),
                                issuer = issuer,
                                date = not_after,
                                why = crate::exec::acme::describe(&why)
                            ),
                            Affects::Nginx,
                        );
                        if let service::Outcome::Reloaded(how)
                        | service::Outcome::Restarted(how)
                        | service::Outcome::Started(how) = service::ensure(reload, true, false)?
                        {
                            self.status("Reloading", format!("{}: {how}", reload.name));
                            self.report
                                .changed
                                .push(format!("reloaded {}", reload.name));
                        }
                    }
                }
            }
            Step::Wait { url, connect, ca } => {
                let ms = wait_for(url, connect, ca.as_deref().map(|p| self.host(p)).as_deref())?;
                self.status("Ready", tr!("exec-ready", url = url, ms = ms));
            }
        }
        Ok(())
    }
}

/// Polls `url` (its host resolved to `connect`, trusting only `ca` when given) until it
/// answers 200; returns the last response time.
pub fn wait_for(url: &str, connect: &str, ca: Option<&Path>) -> Result<u128, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let host = url::Url::parse(url)
        .map_err(|e| e.to_string())?
        .host_str()
        .unwrap_or("localhost")
        .to_string();
    let addr: std::net::SocketAddr = connect.parse().map_err(|e| format!("{connect}: {e}"))?;
    let mut builder = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .resolve(&host, addr);
    if let Some(ca) = ca {
        let pem = std::fs::read(ca)
            .map_err(|e| tr!("doc-cannot-read", path = ca.display(), error = e))?;
        let cert =
            reqwest::Certificate::from_pem(&pem).map_err(|e| format!("{}: {e}", ca.display()))?;
        builder = builder.tls_certs_only([cert]);
    }
    let client = builder
        .build()
        .map_err(|e| tr!("exec-http-client", error = e))?;
    rt.block_on(async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut last = String::new();
        while std::time::Instant::now() < deadline {
            let t = std::time::Instant::now();
            match client.get(url).send().await {
                Ok(r) if r.status().is_success() => return Ok(t.elapsed().as_millis()),
                Ok(r) => last = tr!("exec-it-answered", status = r.status()),
                Err(e) => {
                    let mut msg = e.to_string();
                    let mut src = std::error::Error::source(&e);
                    while let Some(s) = src {
                        msg = format!("{msg}: {s}");
                        src = s.source();
                    }
                    last = msg;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        Err(tr!("exec-no-answer", url = url, seconds = 60, last = last))
    })
}

/// Executes `plan`. Activation steps run only with `opts.activate`.
pub fn apply(plan: &Plan, opts: &Options, printer: &Printer) -> Result<Report, Failure> {
    let steps: Vec<&Step> = plan
        .steps
        .iter()
        .filter(|s| opts.activate || !s.is_activation())
        .collect();
    let bar = printer.progress(steps.len() as u64);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string();
    let mut run = Run {
        opts,
        printer,
        bar,
        report: Report::default(),
        affected: BTreeSet::new(),
        unit_changed: false,
        stamp,
    };
    let mut done = Vec::new();
    for step in steps {
        run.bar.set_message(describe(step));
        if let Err(cause) = run.step(step) {
            run.bar.finish_and_clear();
            return Err(Failure {
                step: describe(step),
                cause,
                done,
                report: run.report,
            });
        }
        done.push(describe(step));
        run.bar.inc(1);
    }
    run.bar.finish_and_clear();
    Ok(run.report)
}

/// Self-signed certificates are valid from this many seconds before they are made (clocks
/// that run a little behind still accept them).
const CLOCK_MARGIN: i64 = 300;
/// ... for a year.
const SELF_SIGNED_DAYS: i64 = 365;

/// A self-signed certificate for `names`, valid from `now` (less `CLOCK_MARGIN`) for
/// `SELF_SIGNED_DAYS` days (rcgen's default is 1975 to 4096), its subject the first name
/// (rcgen's default subject, "rcgen self signed cert", is what `doctor` and browsers would
/// otherwise show).
pub fn self_signed(
    names: &[String],
    now: i64,
) -> Result<rcgen::CertifiedKey<rcgen::KeyPair>, rcgen::Error> {
    let mut params = rcgen::CertificateParams::new(names.to_vec())?;
    let at = |t: i64| time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(t);
    params.not_before = at(now - CLOCK_MARGIN);
    params.not_after = at(now + SELF_SIGNED_DAYS * 86_400);
    let mut dn = rcgen::DistinguishedName::new();
    if let Some(first) = names.first() {
        dn.push(rcgen::DnType::CommonName, first.clone());
    }
    params.distinguished_name = dn;
    let signing_key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&signing_key)?;
    Ok(rcgen::CertifiedKey { cert, signing_key })
}
