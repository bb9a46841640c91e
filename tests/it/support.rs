//! Helpers: the built binaries, free ports, child processes that are always killed, waiting
//! for a server to answer, and the Synapse venv.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `target/debug/<name>` next to this test binary.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

pub use testkit::free_port;

/// A child process in its own process group, killed (group and all) when dropped.
pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    pub fn spawn(cmd: &mut Command, log: PathBuf) -> Proc {
        use std::os::unix::process::CommandExt as _;
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = cmd
            .stdout(out)
            .stderr(err)
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("spawn");
        Proc { child, log }
    }

    /// Sends `sig` to the process itself (not its group).
    pub fn signal(&self, sig: libc::c_int) {
        let pid = self.child.id() as libc::pid_t;
        assert!(pid > 1, "refusing to signal pid {pid}");
        // SAFETY: kill(2) with a positive pid of our own child has no memory effects.
        unsafe { libc::kill(pid, sig) };
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for exit; `None` on timeout.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let pgid = self.child.id() as libc::pid_t;
            // The child leads its own process group (process_group(0)), so -pgid reaches it and
            // whatever it started (Synapse under run-synapse.sh), and nothing else.
            if pgid > 1 {
                // SAFETY: kill(2) on our child's own process group has no memory effects.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
            }
            let _ = self.child.wait();
        }
    }
}

/// Polls `url` until it answers 200, or panics with the process log.
pub async fn wait_for(url: &str, proc: &mut Proc, timeout: Duration) {
    let client = reqwest::Client::new();
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Ok(Some(status)) = proc.child.try_wait() {
            panic!(
                "the server exited ({status}) before answering {url}:\n{}",
                proc.log_text()
            );
        }
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{url} did not answer within {timeout:?}:\n{}",
        proc.log_text()
    );
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The Synapse venv, created on first use by interop/setup-synapse.sh.
pub fn synapse_venv() -> PathBuf {
    static VENV: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    VENV.get_or_init(|| {
        let out = Command::new(repo_root().join("tests/interop/setup-synapse.sh"))
            .output()
            .expect("run setup-synapse.sh");
        assert!(
            out.status.success(),
            "setup-synapse.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        PathBuf::from(stdout.lines().last().expect("venv path").trim())
    })
    .clone()
}

/// A running Synapse (server_name "localhost") in `dir`.
pub async fn start_synapse(dir: &Path) -> (Proc, String) {
    start_synapse_with(dir, &[]).await
}

/// [`start_synapse`] with environment variables for run-synapse.sh (`SYNAPSE_PG_*`, …).
pub async fn start_synapse_with(dir: &Path, env: &[(&str, String)]) -> (Proc, String) {
    let _ = synapse_venv();
    let port = free_port();
    let mut cmd = Command::new(repo_root().join("tests/interop/run-synapse.sh"));
    cmd.arg(dir).arg(port.to_string());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut proc = Proc::spawn(&mut cmd, dir.with_extension("synapse.log"));
    let url = format!("http://127.0.0.1:{port}");
    wait_for(
        &format!("{url}/_matrix/client/versions"),
        &mut proc,
        Duration::from_secs(120),
    )
    .await;
    (proc, url)
}

/// Runs `matrixctl generate-config` for `server_name` with its HTTP listener on `port`, the
/// config at `config` and the data in `data`; fails the test with matrixctl's stderr.
pub fn generate_config(server_name: &str, port: u16, config: &Path, data: &Path) {
    let out = Command::new(bin("matrixctl"))
        .args([
            "generate-config",
            "--server-name",
            server_name,
            "--report-stats=no",
            "--http-port",
            &port.to_string(),
        ])
        .arg("--config-path")
        .arg(config)
        .arg("--data-directory")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "generate-config: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts matrixd from a generated config; returns (process, url, config path).
pub async fn start_matrixd(dir: &std::path::Path) -> (Proc, String, std::path::PathBuf) {
    let port = free_port();
    let config = dir.join("homeserver.yaml");
    generate_config("interop.example", port, &config, dir);
    relax_limits(&config);
    let url = format!("http://127.0.0.1:{port}");
    let proc = run_matrixd(&config, dir.join("matrixd.out"), &url).await;
    (proc, url, config)
}

/// Starts matrixd on `config` (its output in `log`) and waits until it answers at `url`.
pub async fn run_matrixd(config: &Path, log: PathBuf, url: &str) -> Proc {
    let mut p = Proc::spawn(Command::new(bin("matrixd")).arg("-c").arg(config), log);
    wait_for(
        &format!("{url}/_matrix/client/versions"),
        &mut p,
        Duration::from_secs(60),
    )
    .await;
    p
}

/// The `registration_shared_secret` of a homeserver.yaml (matrixd's or Synapse's), read with
/// the venv's YAML parser so any quoting style works.
pub fn shared_secret(config: &Path) -> String {
    let out = Command::new(synapse_venv().join("bin/python"))
        .args(["-c", "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['registration_shared_secret'])"])
        .arg(config)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end_matches('\n')
        .to_string()
}

pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Logs in with a password; returns (status, body).
pub async fn login(url: &str, user: &str, password: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{url}/_matrix/client/v3/login"))
        .json(&serde_json::json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

/// `matrixctl register-user -c CONFIG -u USER -p PASSWORD --no-admin` (fails the test with its
/// stderr).
pub fn register_user(config: &Path, user: &str, password: &str) {
    let out = Command::new(bin("matrixctl"))
        .args(["register-user", "-c"])
        .arg(config)
        .args(["-u", user, "-p", password, "--no-admin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "register-user {user}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Creates a room with `body` as the user of `token`; its id (fails the test otherwise).
pub async fn create_room(url: &str, token: &str, body: &serde_json::Value) -> String {
    let r = reqwest::Client::new()
        .post(format!("{url}/_matrix/client/v3/createRoom"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    assert!(status.is_success(), "createRoom: {status} {v}");
    v["room_id"].as_str().expect("room_id").to_string()
}

pub async fn whoami(url: &str, token: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .get(format!("{url}/_matrix/client/v3/account/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

/// rc_* settings far above anything a test does (as Synapse's own test configs and
/// run-synapse.sh lift Synapse's), for tests that drive many requests quickly.
pub const RELAXED_LIMITS: &str = "\nrc_message: {per_second: 10000, burst_count: 10000}\nrc_registration: {per_second: 10000, burst_count: 10000}\nrc_login: {address: {per_second: 10000, burst_count: 10000}, account: {per_second: 10000, burst_count: 10000}, failed_attempts: {per_second: 10000, burst_count: 10000}}\nrc_joins: {local: {per_second: 10000, burst_count: 10000}, remote: {per_second: 10000, burst_count: 10000}}\nrc_invites: {per_room: {per_second: 10000, burst_count: 10000}, per_user: {per_second: 10000, burst_count: 10000}, per_issuer: {per_second: 10000, burst_count: 10000}}\n";

/// Appends RELAXED_LIMITS to a homeserver.yaml.
pub fn relax_limits(config: &Path) {
    let text = std::fs::read_to_string(config).unwrap();
    std::fs::write(config, format!("{text}{RELAXED_LIMITS}")).unwrap();
}
