//! Read-only probes of the running system: the kernel (uname), the installed nginx's version,
//! a binary beside matrixctl, users and groups (in a target root's passwd/group), and whether
//! the process in a pid file is alive. Nothing here writes, and nothing here changes anything.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `uname -s`.
pub fn uname() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.sysname().to_string_lossy().into_owned())
        .unwrap_or_else(|_| std::env::consts::OS.to_string())
}

/// The installed nginx's version (`nginx -v`), if there is one.
pub fn nginx_version() -> Option<(u32, u32, u32)> {
    // ALLOWED: `nginx -v` only prints the version.
    let out = Command::new("nginx")
        .arg("-v")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    super::parse_nginx_version(&String::from_utf8_lossy(&out.stderr))
}

/// A binary installed next to the running matrixctl.
pub fn sibling_binary(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.join(name);
    p.is_file().then_some(p)
}

/// A user's uid, gid and home, from `root`'s /etc/passwd.
#[derive(Debug, Clone)]
pub struct Account {
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
}

fn passwd_field(root: &Path, file: &str, name: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(super::under(root, Path::new(file))).ok()?;
    text.lines()
        .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .find(|f| f.first().map(String::as_str) == Some(name))
}

pub fn user(root: &Path, name: &str) -> Option<Account> {
    if root == Path::new("/")
        && let Ok(Some(u)) = nix::unistd::User::from_name(name)
    {
        return Some(Account {
            uid: u.uid.as_raw(),
            gid: u.gid.as_raw(),
            home: u.dir,
        });
    }
    let f = passwd_field(root, "/etc/passwd", name)?;
    Some(Account {
        uid: f.get(2)?.parse().ok()?,
        gid: f.get(3)?.parse().ok()?,
        home: PathBuf::from(f.get(5)?),
    })
}

pub fn group(root: &Path, name: &str) -> Option<u32> {
    if root == Path::new("/")
        && let Ok(Some(g)) = nix::unistd::Group::from_name(name)
    {
        return Some(g.gid.as_raw());
    }
    passwd_field(root, "/etc/group", name).and_then(|f| f.get(2)?.parse().ok())
}

/// The pid in a pid file, if that process is alive.
///
/// A daemon rewrites its pid file in place as it starts (matrixd does, right after
/// `matrixctl start` wrote it): a read between the truncation and the write sees an empty
/// file, so an empty or half-written file is read again for up to a second before it counts
/// as "not running".
pub fn live_pid(pid_file: &Path) -> Option<i32> {
    const TRIES: u32 = 20;
    let mut pid = None;
    for attempt in 1..=TRIES {
        let mut s = String::new();
        std::fs::File::open(pid_file)
            .ok()?
            .read_to_string(&mut s)
            .ok()?;
        // Complete pid files end with a newline; without one, take what parses at the end.
        if s.ends_with('\n') || attempt == TRIES {
            pid = s.trim().parse::<i32>().ok();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = pid?;
    if pid <= 1 {
        return None;
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
        .ok()
        .map(|_| pid)
}

/// The user and group names this process runs as (numeric ids where they have no names).
pub fn current_user() -> (String, String) {
    let uid = nix::unistd::geteuid();
    let gid = nix::unistd::getegid();
    let user = nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| uid.to_string());
    let group = nix::unistd::Group::from_gid(gid)
        .ok()
        .flatten()
        .map(|g| g.name)
        .unwrap_or_else(|| gid.to_string());
    (user, group)
}
