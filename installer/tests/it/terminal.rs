//! Persian in a real terminal: the wizard and `doctor` run inside tmux (a pseudo-terminal, as a
//! person would run them), and what the pane shows is kept as golden files
//! (`tests/golden/terminal/*.txt`, refreshed with UPDATE_GOLDEN=1 after reading them). Needs tmux
//! (tests/provision.sh installs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::doctor::{SNAPSHOT_CHECKS, redact, snapshot_material};

fn golden(name: &str, actual: &str) {
    testkit::golden(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/terminal"),
        name,
        actual,
    );
}

/// A private tmux server with one pane running a command (which then waits, so the pane can
/// still be read after it exits); killed on drop.
struct Tmux {
    tmux: PathBuf,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// Runs `argv` in a `width`×`height` pane with the environment `env` (the rest of the
    /// locale cleared) and prints `[exit N]` when it ends.
    fn start(argv: &[&str], env: &[(&str, &str)], width: u16, height: u16) -> Option<Tmux> {
        let tmux = testkit::tool("tmux")?;
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("sock");
        let mut inner = vec!["env", "-u", "LC_ALL", "-u", "LC_MESSAGES", "-u", "LANGUAGE"];
        let pairs: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        inner.extend(pairs.iter().map(String::as_str));
        inner.extend_from_slice(argv);
        let script = r#""$@"; echo "[exit $?]"; sleep 120"#;
        let status = Command::new(&tmux)
            // UTF-8 whatever the test's own locale is.
            .args(["-u", "-f", "/dev/null", "-S"])
            .arg(&socket)
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .args(["sh", "-c", script, "sh"])
            .args(&inner)
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("TMUX")
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        Some(Tmux {
            tmux,
            socket,
            _dir: dir,
        })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new(&self.tmux)
            .args(["-u", "-S"])
            .arg(&self.socket)
            .args(args)
            .env("LANG", "C.UTF-8")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `keys` (tmux key names: "Enter", or literal text).
    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Everything the pane has shown (history included), wrapped lines joined, trailing
    /// blank lines dropped.
    fn screen(&self) -> String {
        let text = self.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", "t"]);
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        let end = lines
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        lines[..end].join("\n") + "\n"
    }

    /// Waits until the pane shows `needle` and has stopped changing (the prompt is drawn and
    /// reads the terminal: a key typed earlier would be echoed by the tty), 20 s at most.
    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        let mut last = String::new();
        loop {
            let s = self.screen();
            if s.contains(needle) && s == last {
                return s;
            }
            last = s.clone();
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the terminal never showed {needle:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

const BIN: &str = env!("CARGO_BIN_EXE_matrixctl");

#[test]
fn persian_doctor_in_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = snapshot_material(dir.path());
    let mut argv = vec![
        BIN,
        "doctor",
        "-c",
        cfg.to_str().unwrap(),
        "--nginx-site",
        "/nonexistent/site.conf",
    ];
    argv.extend_from_slice(SNAPSHOT_CHECKS);
    let Some(t) = Tmux::start(&argv, &[("LANG", "fa_IR.UTF-8")], 200, 50) else {
        return;
    };
    let screen = t.wait_for("[exit 1]");
    assert!(screen.contains("پیکربندی"), "{screen}");
    golden("doctor.fa.txt", &redact(&screen, dir.path()));
}

#[test]
fn persian_wizard_in_a_terminal() {
    let root = tempfile::tempdir().unwrap();
    let argv = [
        BIN,
        "install",
        "--dry-run",
        "--distro",
        "debian",
        "--root",
        root.path().to_str().unwrap(),
    ];
    let Some(t) = Tmux::start(&argv, &[("LANG", "fa_IR.UTF-8")], 160, 50) else {
        return;
    };
    t.wait_for("نام سرور");
    t.send(&["example.org", "Enter"]);
    // Database, reverse proxy, TLS: the defaults.
    for question in ["پایگاه داده", "پراکسی معکوس", "گواهی TLS"] {
        t.wait_for(question);
        t.send(&["Enter"]);
    }
    for question in [
        "نشانی عمومی سرور",
        "فدراسیون",
        "/.well-known/matrix/client",
        "ثبت‌نام (registration)",
    ] {
        t.wait_for(question);
        t.send(&["Enter"]);
    }
    // A yes/no question is a choice between Persian words: Down picks "no".
    t.wait_for("آمار استفاده");
    t.send(&["Down", "Enter"]);
    for question in [
        "سرور SMTP",
        "coturn",
        "نشانی‌های TURN",
        "پوشه‌ی پشتیبان‌های روزانه",
        "پیش‌نمایش پیوندها",
    ] {
        t.wait_for(question);
        t.send(&["Enter"]);
    }
    let screen = t.wait_for("[exit 0]");
    // The questions and the start of the plan (the rest is the plan golden files' business,
    // and names where the test binary was built).
    let upto = screen
        .find("برنامه‌ی نصب")
        .map(|i| i + screen[i..].find('\n').unwrap_or(0) + 1)
        .unwrap_or_else(|| panic!("no plan:\n{screen}"));
    let shown = screen[..upto].replace(root.path().to_str().unwrap(), "[ROOT]");
    assert!(shown.contains("example.org"), "{shown}");
    golden("wizard.fa.txt", &shown);
}
