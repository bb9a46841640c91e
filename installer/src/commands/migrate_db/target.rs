//! Where a PostgreSQL target comes from, for `migrate-db` and `import-synapse` alike: another
//! server named by `--pg-host`, `--pg-port` or `--pg-password-file` (used as it is), or, as
//! root on a known OS family, this machine's PostgreSQL over its socket, whose role and
//! database (`--pg-user` / `--pg-database`, else the service user and `matrixd`) are created
//! as its superuser, UTF8 with C collation, unless they exist.
//!
//! `migrate-db` then connects over the socket as the service user (peer authentication).
//! `import-synapse` cannot switch users (it reads Synapse's files as root), so its local target
//! is reached over TCP on 127.0.0.1 with a password instead (`with_password`): generated once
//! into a secret file beside the config (0600, the service user's, never overwritten), given to
//! the role as a SCRAM-SHA-256 verifier (the password itself never leaves this process), and
//! written into the new config's database section, which is how matrixd connects afterwards.

use std::path::{Path, PathBuf};

use matrixd::config::{PostgresArgs, Secret};

use super::PgFlags;
use crate::error::CliError;
use crate::exec::system;
use crate::facts::Facts;
use crate::plan::steps::postgres;
use crate::tr;
use crate::ui::Printer;

/// Where the target comes from.
pub(crate) enum Dest {
    /// From the `--pg-*` flags.
    Flags(PostgresArgs),
    /// This machine's PostgreSQL, role and database created as its superuser (root only).
    Local(PostgresArgs),
    /// As `Local`, reached over TCP on 127.0.0.1 with the role's password, kept in `file`
    /// (`exists`: read from it; else generated and written by `create`).
    LocalPassword {
        args: PostgresArgs,
        file: PathBuf,
        exists: bool,
    },
}

impl Dest {
    pub(crate) fn args(&self) -> &PostgresArgs {
        match self {
            Dest::Flags(a) | Dest::Local(a) | Dest::LocalPassword { args: a, .. } => a,
        }
    }
}

/// Where `import-synapse` keeps the password of its local PostgreSQL role: the installed
/// layout's secrets directory beside the config.
pub(crate) fn password_file(config: &Path) -> PathBuf {
    config.with_file_name("secrets").join("postgres_password")
}

/// A local target reached over TCP with a password (see the module's doc); other targets as
/// they are. The password is read from `file` when it exists, else generated (written only by
/// `create`, so a dry run changes nothing).
pub(crate) fn with_password(dest: Dest, file: PathBuf) -> Result<Dest, CliError> {
    let Dest::Local(args) = dest else {
        return Ok(dest);
    };
    let fail = || tr!("err-import-pg-password", path = file.display());
    let (password, exists) = match std::fs::read_to_string(&file) {
        Ok(text) if text.trim().is_empty() => {
            return Err(CliError::failure(fail())
                .hint(tr!("hint-import-pg-password-empty", path = file.display())));
        }
        Ok(text) => (text.trim().to_string(), true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (new_password(), false),
        Err(e) => return Err(CliError::failure(fail()).cause(e)),
    };
    Ok(Dest::LocalPassword {
        args: PostgresArgs {
            host: Some("127.0.0.1".into()),
            password: Some(Secret(password)),
            ..args
        },
        file,
        exists,
    })
}

/// 40 letters and digits: nothing to quote in a connection URL, YAML or SASLprep.
fn new_password() -> String {
    use rand::RngExt as _;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..40)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677, as
/// libpq's `PQencryptPasswordConn` makes it): `ALTER ROLE … PASSWORD` given this sets the
/// password without the password itself reaching the server, its logs or a command line.
/// `password` must be what SASLprep leaves unchanged (ours is ASCII letters and digits).
fn scram_verifier(password: &str, salt: &[u8], iterations: u32) -> String {
    use base64::Engine as _;
    use hmac::{KeyInit as _, Mac as _};
    use sha2::Digest as _;
    type HmacSha256 = hmac::Hmac<sha2::Sha256>;
    let hmac = |key: &[u8], data: &[u8]| -> [u8; 32] {
        let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        m.update(data);
        m.finalize().into_bytes().into()
    };
    // PBKDF2-HMAC-SHA-256, one block (its output is one hash long).
    let mut u = hmac(password.as_bytes(), &[salt, &1u32.to_be_bytes()].concat());
    let mut salted = u;
    for _ in 1..iterations {
        u = hmac(password.as_bytes(), &u);
        for (s, x) in salted.iter_mut().zip(u) {
            *s ^= x;
        }
    }
    let client_key = hmac(&salted, b"Client Key");
    let stored_key = sha2::Sha256::digest(client_key);
    let server_key = hmac(&salted, b"Server Key");
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        b64(salt),
        b64(&stored_key),
        b64(&server_key)
    )
}

impl PgFlags {
    /// The flags name another server (or a password): nothing is created there.
    fn remote(&self) -> bool {
        self.pg_host.is_some() || self.pg_port.is_some() || self.pg_password_file.is_some()
    }
}

/// The target: another server when the flags name one; else, as root with this machine's OS
/// family known (`local`), this machine's PostgreSQL; else what the flags say, if anything.
pub(crate) fn choose(
    pg: &PgFlags,
    local: Option<&Facts>,
    base: PostgresArgs,
) -> Result<Option<Dest>, CliError> {
    if pg.remote() {
        return Ok(Some(Dest::Flags(pg.postgres_args(base)?)));
    }
    match local {
        Some(f) if nix::unistd::geteuid().is_root() => Ok(Some(Dest::Local(PostgresArgs {
            user: Some(
                pg.pg_user
                    .clone()
                    .unwrap_or_else(|| f.distro.user.name.clone()),
            ),
            dbname: Some(pg.pg_database.clone().unwrap_or_else(|| "matrixd".into())),
            host: Some(f.distro.postgresql.socket_dir.clone()),
            ..base
        }))),
        _ if pg.given() => Ok(Some(Dest::Flags(pg.postgres_args(base)?))),
        _ => Ok(None),
    }
}

/// The plan's line for a local target (what `create` will make).
pub(crate) fn plan_line(dest: &Dest) -> Option<String> {
    match dest {
        Dest::Local(a) | Dest::LocalPassword { args: a, .. } => Some(tr!(
            "migrate-plan-create",
            role = a.user.as_deref().unwrap_or(""),
            db = a.dbname.as_deref().unwrap_or("")
        )),
        Dest::Flags(_) => None,
    }
}

/// The plan's line for the password of a local target reached over TCP.
pub(crate) fn password_plan_line(dest: &Dest) -> Option<String> {
    match dest {
        Dest::LocalPassword { args, file, exists } => {
            let role = args.user.as_deref().unwrap_or("");
            Some(if *exists {
                tr!(
                    "import-plan-pg-password-keep",
                    path = file.display(),
                    role = role
                )
            } else {
                tr!(
                    "import-plan-pg-password",
                    path = file.display(),
                    role = role
                )
            })
        }
        _ => None,
    }
}

/// Creates the role and the database (UTF8, C collation) of a local target on this machine's
/// PostgreSQL as its superuser, unless they exist; nothing for a target from the flags. For a
/// target reached with a password, writes the password file when it is new (0600, the service
/// user's) and gives the role that password.
pub(crate) fn create(dest: &Dest, f: &Facts, printer: &Printer) -> Result<(), CliError> {
    let a = match dest {
        Dest::Flags(_) => return Ok(()),
        Dest::Local(a) | Dest::LocalPassword { args: a, .. } => a,
    };
    let pg = &f.distro.postgresql;
    let role = a.user.clone().unwrap_or_default();
    let db = a.dbname.clone().unwrap_or_default();
    let psql = |sql: String| postgres::superuser_sql(pg, sql);
    let fail = |e: String| CliError::failure(tr!("err-migrate-create-db", db = &db)).cause(e);
    let exists = |sql: String| system::run_ok(&psql(sql)).map(|o| o.stdout.trim() == "1");
    let quoted = |s: &str| s.replace('\'', "''");
    if !exists(format!(
        "SELECT 1 FROM pg_roles WHERE rolname = '{}'",
        quoted(&role)
    ))
    .map_err(fail)?
    {
        printer.status("Creating", tr!("migrate-creating-role", role = &role));
        system::run_ok(&postgres::create_role(pg, &role)).map_err(fail)?;
    }
    if !exists(format!(
        "SELECT 1 FROM pg_database WHERE datname = '{}'",
        quoted(&db)
    ))
    .map_err(fail)?
    {
        printer.status("Creating", tr!("migrate-creating-db", db = &db));
        system::run_ok(&postgres::create_database(pg, &role, &db)).map_err(fail)?;
    }
    if let Dest::LocalPassword { args, file, exists } = dest {
        let password = args.password.as_ref().map(Secret::expose).unwrap_or("");
        if !exists {
            write_password_file(file, password, &f.distro.user.name)?;
            printer.status("Writing", file.display());
        }
        let salt: [u8; 16] = rand::random();
        let sql = format!(
            "ALTER ROLE \"{}\" PASSWORD '{}'",
            role.replace('"', "\"\""),
            scram_verifier(password, &salt, 4096)
        );
        printer.status("Updating", tr!("import-pg-password-set", role = &role));
        system::run_ok(&psql(sql)).map_err(fail)?;
    }
    Ok(())
}

/// The password file, 0600 in a 0700 directory, both the service user's when it exists.
fn write_password_file(file: &Path, password: &str, service_user: &str) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt as _;
    let fail = |e: std::io::Error| {
        CliError::failure(tr!("err-import-write", path = file.display())).cause(e)
    };
    let owner = crate::facts::probe::user(Path::new("/"), service_user);
    if let Some(dir) = file.parent()
        && !dir.exists()
    {
        std::fs::create_dir_all(dir).map_err(fail)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
        if let Some(o) = &owner {
            std::os::unix::fs::chown(dir, Some(o.uid), Some(o.gid)).map_err(fail)?;
        }
    }
    crate::exec::fs::write_atomic(file, format!("{password}\n").as_bytes(), 0o600).map_err(fail)?;
    if let Some(o) = &owner {
        std::os::unix::fs::chown(file, Some(o.uid), Some(o.gid)).map_err(fail)?;
    }
    Ok(())
}

/// This machine's OS family, for a local target (`None`: unknown, so no local target).
pub(crate) fn local_facts(distro: Option<&str>) -> Option<Facts> {
    crate::facts::detect(Path::new("/"), distro).ok()
}

#[cfg(test)]
mod tests {
    use super::scram_verifier;

    /// What PostgreSQL's own code makes of the same password and salt (computed with Python's
    /// hashlib.pbkdf2_hmac and hmac as RFC 7677 says; PostgreSQL accepts the result).
    #[test]
    fn scram_verifier_as_postgresql_makes_it() {
        assert_eq!(
            scram_verifier("pencil", b"0123456789abcdef", 4096),
            SCRAM_PENCIL
        );
        assert_ne!(
            scram_verifier("pencil", b"0123456789abcdef", 4096),
            scram_verifier("pencil", b"0123456789abcdeF", 4096)
        );
    }

    const SCRAM_PENCIL: &str = "SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$nQpbZ77WudtqufPwikHXGRt6g2QJ4zns8bZLw273DRM=:jn2amWP1q1h+jgjy0YTO14S6/F02SV7taipOeB7ef20=";
}
