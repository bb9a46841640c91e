//! Processes: running a planned command (as another user when asked), starting a daemon
//! detached and stopping it. Nothing here decides what to do, and nothing here only looks:
//! read-only probes (users, pid files, uname, nginx -v) are `facts::probe`.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::facts::probe::user;
use crate::plan::model::Cmd;

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
    run_with(c, command(c)?)
}

/// Runs a command that must succeed with its standard output going into `to` (a file the
/// caller opened: the command may run as a user who could not open it itself).
pub fn run_ok_into(c: &Cmd, to: std::fs::File) -> Result<Output, String> {
    let mut cmd = command(c)?;
    cmd.stdout(to);
    checked(c, run_with(c, cmd)?)
}

fn run_with(c: &Cmd, mut cmd: Command) -> Result<Output, String> {
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            crate::tr!("exec-not-installed", cmd = c.argv[0], var = "PATH")
        } else {
            crate::tr!("exec-cannot-run", cmd = c.argv[0], error = e)
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
    checked(c, run(c)?)
}

fn checked(c: &Cmd, out: Output) -> Result<Output, String> {
    if out.ok {
        Ok(out)
    } else {
        let mut msg = match out.code {
            Some(code) => crate::tr!("exec-exited", cmd = c.display(), code = code),
            None => crate::tr!("exec-killed", cmd = c.display()),
        };
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
        .map_err(|e| crate::tr!("exec-cannot-open", path = log.display(), error = e))?;
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
        .map_err(|e| crate::tr!("exec-cannot-start", cmd = prog, error = e))?;
    let pid = child.id();
    crate::exec::fs::write_atomic(pid_file, format!("{pid}\n").as_bytes(), 0o644)
        .map_err(|e| crate::tr!("exec-cannot-write", path = pid_file.display(), error = e))?;
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
