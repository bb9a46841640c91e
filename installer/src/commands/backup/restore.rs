//! `matrixctl restore`: unpacks an archive `matrixctl backup` wrote into a staging directory,
//! checks every checksum against its manifest, refuses to replace another server's config or
//! database without `--force`, then puts each file in place (where it was, or under the new
//! `--config-path` / `--data-directory`, with homeserver.yaml's paths rewritten to match) with
//! its mode and, as root, its owner.

use std::path::{Path, PathBuf};

use clap::Args;

use super::archive::{self, Entry, Manifest, Role};
use crate::error::{CliError, ExitStatus};
use crate::tr;
use crate::ui::Printer;

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The archive `matrixctl backup` wrote.
    #[arg(value_name = "FILE")]
    pub archive: PathBuf,
    /// Where homeserver.yaml goes [default: where it was]; the keys and secrets go beside it.
    #[arg(long, value_name = "FILE")]
    pub config_path: Option<PathBuf>,
    /// Where the database and the media store go [default: where they were].
    #[arg(long, value_name = "DIR")]
    pub data_directory: Option<PathBuf>,
    /// Replace another server's config or database.
    #[arg(long)]
    pub force: bool,
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Where each entry goes.
struct Places {
    old_config: PathBuf,
    new_config: PathBuf,
    old_data: PathBuf,
    new_data: PathBuf,
    old_media: PathBuf,
    new_media: PathBuf,
}

impl Places {
    fn new(m: &Manifest, args: &RestoreArgs) -> Places {
        let old_data = m
            .entries
            .iter()
            .find(|e| e.role == Role::Database)
            .and_then(|e| e.path.parent())
            .or_else(|| m.media_store.parent())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| m.media_store.clone());
        let new_data = args
            .data_directory
            .as_deref()
            .map(absolute)
            .unwrap_or_else(|| old_data.clone());
        let new_media = match m.media_store.strip_prefix(&old_data) {
            Ok(rel) => new_data.join(rel),
            Err(_) if args.data_directory.is_some() => new_data.join("media_store"),
            Err(_) => m.media_store.clone(),
        };
        Places {
            new_config: args
                .config_path
                .as_deref()
                .map(absolute)
                .unwrap_or_else(|| m.config.clone()),
            old_config: m.config.clone(),
            old_data,
            new_data,
            old_media: m.media_store.clone(),
            new_media,
        }
    }

    fn dir(p: &Path) -> PathBuf {
        p.parent().map(Path::to_path_buf).unwrap_or_default()
    }

    fn of(&self, e: &Entry) -> PathBuf {
        let old_dir = Self::dir(&self.old_config);
        let new_dir = Self::dir(&self.new_config);
        match e.role {
            _ if e.path == self.old_config => self.new_config.clone(),
            Role::Media => match e.path.strip_prefix(&self.old_media) {
                Ok(rel) => self.new_media.join(rel),
                Err(_) => e.path.clone(),
            },
            Role::Database | Role::PostgresDump => match e.path.strip_prefix(&self.old_data) {
                Ok(rel) => self.new_data.join(rel),
                Err(_) => e.path.clone(),
            },
            Role::Config | Role::Secret => match e.path.strip_prefix(&old_dir) {
                Ok(rel) => new_dir.join(rel),
                Err(_) if old_dir != new_dir => {
                    new_dir.join(e.path.file_name().unwrap_or_default())
                }
                Err(_) => e.path.clone(),
            },
        }
    }

    /// Old path → new path for every text a config names: each file, the media store, and
    /// the data directory (pid file, log files), longest first.
    fn renames(&self, m: &Manifest) -> Vec<(String, String)> {
        let mut r: Vec<(String, String)> = m
            .entries
            .iter()
            .filter(|e| e.role != Role::Media && e.role != Role::PostgresDump)
            .map(|e| {
                (
                    e.path.display().to_string(),
                    self.of(e).display().to_string(),
                )
            })
            .collect();
        r.push((
            self.old_media.display().to_string(),
            self.new_media.display().to_string(),
        ));
        r.push((
            format!("{}/", self.old_data.display()),
            format!("{}/", self.new_data.display()),
        ));
        r.retain(|(a, b)| a != b);
        r.sort_by_key(|(a, _)| std::cmp::Reverse(a.len()));
        r
    }
}

/// `text` with every old path replaced in one pass (a new path is never replaced again).
fn rewrite(text: &str, renames: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'outer: while i < text.len() {
        for (a, b) in renames {
            if text[i..].starts_with(a.as_str()) {
                out.push_str(b);
                i += a.len();
                continue 'outer;
            }
        }
        let c = text[i..].chars().next().expect("inside the text");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The server_name a config file or a SQLite database at `path` belongs to, if any.
fn owner_of_config(path: &Path) -> Option<String> {
    let top = matrixd::config::read_top_level(&[path.to_path_buf()]).ok()?;
    top.get("server_name")?.as_str().map(str::to_string)
}

fn owner_of_database(path: &Path) -> Option<String> {
    let src = matrixd::store::copy::Source::open(path).ok()?;
    src.server_name().ok().flatten()
}

pub fn run(args: RestoreArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    if !args.archive.is_file() {
        return Err(CliError::failure(tr!(
            "err-restore-no-archive",
            path = args.archive.display()
        )));
    }
    // Staging beside the data's destination, so most files are renamed into place.
    let staging_parent = args
        .data_directory
        .as_deref()
        .map(absolute)
        .and_then(|d| d.parent().map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir);
    let _ = std::fs::create_dir_all(&staging_parent);
    let staging = tempfile::Builder::new()
        .prefix(".matrixctl-restore-")
        .tempdir_in(&staging_parent)
        .map_err(|e| {
            CliError::failure(tr!("err-restore-staging", path = staging_parent.display())).cause(e)
        })?;
    let manifest = archive::read(&args.archive, staging.path()).map_err(|e| {
        CliError::failure(tr!("err-restore-damaged", path = args.archive.display())).cause(e)
    })?;
    printer.status(
        "Verified",
        tr!(
            "restore-verified",
            files = manifest.entries.len(),
            server = &manifest.server_name
        ),
    );
    let places = Places::new(&manifest, &args);

    // Another server's config or database is replaced only with --force.
    let db_dest = manifest
        .entries
        .iter()
        .find(|e| e.role == Role::Database)
        .map(|e| places.of(e));
    let others = [
        places
            .new_config
            .is_file()
            .then(|| owner_of_config(&places.new_config))
            .flatten()
            .map(|n| (places.new_config.clone(), n)),
        db_dest
            .as_ref()
            .filter(|p| p.is_file())
            .and_then(|p| owner_of_database(p).map(|n| (p.clone(), n))),
    ];
    for (path, name) in others.into_iter().flatten() {
        if name != manifest.server_name && !args.force {
            return Err(CliError::failure(tr!(
                "err-restore-other-server",
                path = path.display(),
                found = name,
                server = &manifest.server_name
            ))
            .hint(tr!(
                "hint-restore-force",
                config = "--config-path",
                data = "--data-directory",
                flag = "--force"
            )));
        }
    }
    // The server, or any of its processes (`install --workers N`: each has its own pid file,
    // in its config file beside homeserver.yaml).
    if places.new_config.is_file() {
        let config_dir = places.new_config.parent().unwrap_or(Path::new("/"));
        let workers = crate::plan::workers::configured(config_dir, "matrixd", Path::exists)
            .into_iter()
            .map(|n| crate::plan::workers::config_file(config_dir, "matrixd", n));
        let configs = std::iter::once(vec![places.new_config.clone()])
            .chain(workers.map(|w| vec![places.new_config.clone(), w]));
        for files in configs {
            if let Ok(c) = super::load_config(&files)
                && let Some(pid) = c
                    .pid_file
                    .as_deref()
                    .and_then(crate::facts::probe::live_pid)
            {
                return Err(CliError::failure(tr!("err-migrate-running-pid", pid = pid))
                    .hint(tr!("hint-migrate-kill", cmd = format!("kill {pid}"))));
            }
        }
    }

    let renames = places.renames(&manifest);
    for e in manifest.entries.iter().filter(|e| e.role == Role::Config) {
        let staged = staging.path().join(&e.name);
        let fail = |err: &dyn std::fmt::Display| {
            CliError::failure(tr!("err-restore-place", path = places.of(e).display())).cause(err)
        };
        let text = std::fs::read_to_string(&staged).map_err(|x| fail(&x))?;
        let new = rewrite(&text, &renames);
        if new != text {
            crate::exec::fs::write_atomic(&staged, new.as_bytes(), 0o600).map_err(|x| fail(&x))?;
        }
    }
    // A PostgreSQL dump goes into the database the restored config names, which must be
    // empty unless --force.
    let pg = match manifest
        .entries
        .iter()
        .find(|e| e.role == Role::PostgresDump)
    {
        None => None,
        Some(dump) => Some((
            dump,
            postgres_target(&manifest, &places, staging.path(), args.force)?,
        )),
    };
    let root = nix::unistd::geteuid().is_root();
    for e in manifest
        .entries
        .iter()
        .filter(|e| e.role != Role::PostgresDump)
    {
        let staged = staging.path().join(&e.name);
        let dest = places.of(e);
        let fail = |err: &dyn std::fmt::Display| {
            CliError::failure(tr!("err-restore-place", path = dest.display())).cause(err)
        };
        if e.role == Role::Database {
            // A log and index of the database being replaced would be replayed onto this one.
            for suffix in ["-wal", "-shm"] {
                let mut side = dest.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(side));
            }
        }
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(e.mode))
                .map_err(|x| fail(&x))?;
        }
        if root {
            std::os::unix::fs::chown(&staged, Some(e.uid), Some(e.gid)).map_err(|x| fail(&x))?;
        }
        crate::exec::fs::place(&staged, &dest).map_err(|x| fail(&x))?;
        if e.role != Role::Media {
            printer.status("Writing", dest.display());
        }
    }
    if let Some((dump, (a, empty))) = pg {
        let staged = staging.path().join(&dump.name);
        let mut extra = vec![
            "--no-owner".to_string(),
            "--exit-on-error".into(),
            "--single-transaction".into(),
        ];
        if !empty {
            extra.extend(["--clean".into(), "--if-exists".into()]);
        }
        extra.push(staged.display().to_string());
        let mut cmd = super::pg_tool("pg_restore", &a, extra);
        // pg_restore takes the dump as its last argument, after --dbname.
        let file = cmd.argv.remove(cmd.argv.len() - 2);
        cmd.argv.push(file);
        super::give_to(staging.path(), &cmd);
        super::give_to(&staged, &cmd);
        crate::exec::system::run_ok(&cmd).map_err(|e| {
            CliError::failure(tr!("err-restore-pg", db = super::pg_name(&a))).cause(e)
        })?;
        printer.status("Writing", super::pg_name(&a));
    }
    let media = manifest
        .entries
        .iter()
        .filter(|e| e.role == Role::Media)
        .count();
    printer.status(
        "Done",
        tr!(
            "restore-done",
            files = manifest.entries.len(),
            media = media,
            path = places.new_config.display()
        ),
    );
    printer.note(tr!(
        "migrate-start-again",
        cmd = format!("matrixd -c {}", places.new_config.display())
    ));
    Ok(ExitStatus::Success)
}

/// The database the restored config names, and whether it is empty; refuses a used one
/// without `force`.
fn postgres_target(
    m: &Manifest,
    places: &Places,
    staging: &Path,
    force: bool,
) -> Result<(matrixd::config::PostgresArgs, bool), CliError> {
    let main = m
        .entries
        .iter()
        .find(|e| e.role == Role::Config && e.path == m.config)
        .ok_or_else(|| CliError::failure(tr!("err-restore-damaged", path = m.config.display())))?;
    let staged = staging.join(&main.name);
    let top = matrixd::config::read_top_level(std::slice::from_ref(&staged)).map_err(|p| {
        CliError::failure(tr!(
            "err-migrate-config-invalid",
            path = places.new_config.display()
        ))
        .cause(crate::i18n::problems::problems(&p).to_string().trim_end())
    })?;
    let (database, problems) = matrixd::config::database_of(&top);
    let Some(matrixd::config::Database::Postgres(a)) = database else {
        let mut err = CliError::failure(tr!(
            "err-migrate-config-invalid",
            path = places.new_config.display()
        ));
        for p in problems.errors() {
            err = err.cause(crate::i18n::problems::problem(p));
        }
        return Err(err);
    };
    let fail = |e: matrixd::store::copy::CopyError| {
        CliError::failure(tr!("err-restore-pg", db = super::pg_name(&a)))
            .cause(e)
            .hint(tr!("hint-migrate-connect"))
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(tr!("err-runtime")).cause(e))?;
    let empty = rt.block_on(async {
        let t = matrixd::store::copy::Target::connect(&a).await?;
        let empty = t.has_no_tables().await;
        t.close().await;
        empty
    });
    let empty = empty.map_err(fail)?;
    if !empty && !force {
        return Err(
            CliError::failure(tr!("err-restore-pg-used", db = super::pg_name(&a)))
                .hint(tr!("hint-restore-pg-used", flag = "--force")),
        );
    }
    Ok((a, empty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_each_path_once_longest_first() {
        let renames = vec![
            (
                "/srv/a/media_store".to_string(),
                "/new/data/media_store".to_string(),
            ),
            ("/srv/a/".to_string(), "/srv/a/new/".to_string()),
        ];
        let mut r = renames.clone();
        r.sort_by_key(|(a, _)| std::cmp::Reverse(a.len()));
        assert_eq!(
            rewrite(
                "m: \"/srv/a/media_store\"\np: \"/srv/a/x.pid\"\nü: /srv/a/",
                &r
            ),
            "m: \"/new/data/media_store\"\np: \"/srv/a/new/x.pid\"\nü: /srv/a/new/"
        );
    }
}
