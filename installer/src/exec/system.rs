//! Processes, users and probes: running a planned command (as another user when asked), looking
//! up users and groups (in the target root's passwd/group), and the read-only probes facts need
//! (uname, nginx -v). Nothing here decides what to do.

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::plan::model::Cmd;

/// `uname -s`.
pub fn uname() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.sysname().to_string_lossy().into_owned())
        .unwrap_or_else(|_| std::env::consts::OS.to_string())
}

/// The installed nginx's version (`nginx -v`), if there is one.
pub fn nginx_version() -> Option<(u32, u32, u32)> {
    let out = Command::new("nginx")
        .arg("-v")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    crate::facts::parse_nginx_version(&String::from_utf8_lossy(&out.stderr))
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
    let text = std::fs::read_to_string(crate::plan::existing::under(root, Path::new(file))).ok()?;
    text.lines()
        .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .find(|f| f.first().map(String::as_str) == Some(name))
}

pub fn user(root: &Path, name: &str) -> Option<Account> {
    if root == Path::new("/") {
        if let Ok(Some(u)) = nix::unistd::User::from_name(name) {
            return Some(Account {
                uid: u.uid.as_raw(),
                gid: u.gid.as_raw(),
                home: u.dir,
            });
        }
    }
    let f = passwd_field(root, "/etc/passwd", name)?;
    Some(Account {
        uid: f.get(2)?.parse().ok()?,
        gid: f.get(3)?.parse().ok()?,
        home: PathBuf::from(f.get(5)?),
    })
}

pub fn group(root: &Path, name: &str) -> Option<u32> {
    if root == Path::new("/") {
        if let Ok(Some(g)) = nix::unistd::Group::from_name(name) {
            return Some(g.gid.as_raw());
        }
    }
    passwd_field(root, "/etc/group", name).and_then(|f| f.get(2)?.parse().ok())
}

/// What a finished command did.
pub struct Output {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// A std Command for a planned command: environment added, run as its user (uid, gid, HOME,
/// cwd /) when it names one.
pub fn command(c: &Cmd) -> Result<Command, String> {
    let (prog, args) = c.argv.split_first().ok_or("empty command")?;
    let mut cmd = Command::new(prog);
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in &c.env {
        cmd.env(k, v);
    }
    if let Some(name) = &c.user {
        let acct =
            user(Path::new("/"), name).ok_or_else(|| format!("user {name} does not exist"))?;
        cmd.uid(acct.uid)
            .gid(acct.gid)
            .env("HOME", &acct.home)
            .current_dir("/");
    }
    Ok(cmd)
}

/// Runs a planned command to completion, capturing its output.
pub fn run(c: &Cmd) -> Result<Output, String> {
    let mut cmd = command(c)?;
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("{} is not installed (not found in PATH)", c.argv[0])
        } else {
            format!("cannot run {}: {e}", c.argv[0])
        }
    })?;
    Ok(Output {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Runs a command that must succeed; the error carries its exit code and output.
pub fn run_ok(c: &Cmd) -> Result<Output, String> {
    let out = run(c)?;
    if out.ok {
        Ok(out)
    } else {
        let mut msg = format!(
            "`{}` exited with {}",
            c.display(),
            out.code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "a signal".into())
        );
        let text = format!(
            "{}{}",
            out.stderr.trim(),
            if out.stdout.trim().is_empty() {
                ""
            } else {
                "\n"
            }
        );
        let text = format!("{text}{}", out.stdout.trim());
        if !text.trim().is_empty() {
            let tail: Vec<&str> = text.trim().lines().rev().take(15).collect();
            msg.push('\n');
            msg.push_str(&tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
        Err(msg)
    }
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

/// Starts `argv` detached (own process group, stdin closed), as `user`, in `cwd`, appending its
/// output to `log`; writes its pid to `pid_file`. Returns the pid.
pub fn spawn_detached(
    argv: &[String],
    user_name: &str,
    cwd: &Path,
    pid_file: &Path,
    log: &Path,
) -> Result<u32, String> {
    let acct = user(Path::new("/"), user_name)
        .ok_or_else(|| format!("user {user_name} does not exist"))?;
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    let _ = nix::unistd::chown(log, Some(acct.uid.into()), Some(acct.gid.into()));
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let (prog, args) = argv.split_first().ok_or("empty command")?;
    let child = Command::new(prog)
        .args(args)
        .env_clear()
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env("HOME", &acct.home)
        .current_dir(cwd)
        .uid(acct.uid)
        .gid(acct.gid)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {prog}: {e}"))?;
    let pid = child.id();
    crate::exec::fs::write_atomic(pid_file, format!("{pid}\n").as_bytes(), 0o644)
        .map_err(|e| format!("cannot write {}: {e}", pid_file.display()))?;
    let _ = nix::unistd::chown(pid_file, Some(acct.uid.into()), Some(acct.gid.into()));
    // The child outlives matrixctl; init reaps it.
    std::mem::forget(child);
    Ok(pid)
}

/// Sends SIGTERM to `pid` and waits up to `secs` for it to exit (then SIGKILL).
pub fn terminate(pid: i32, secs: u64) -> bool {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    if pid <= 1 {
        return false;
    }
    let p = Pid::from_raw(pid);
    let _ = kill(p, Signal::SIGTERM);
    let gone = |p| {
        // A zombie child of ours still answers kill(0); reap it if it is ours.
        let _ = nix::sys::wait::waitpid(p, Some(nix::sys::wait::WaitPidFlag::WNOHANG));
        kill(p, None).is_err()
    };
    for _ in 0..secs * 10 {
        if gone(p) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = kill(p, Signal::SIGKILL);
    std::thread::sleep(std::time::Duration::from_millis(200));
    gone(p)
}
