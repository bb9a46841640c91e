//! The two-server set-up the federation tests share: a throwaway CA, Synapse and matrixd on
//! loopback with IP-literal server names, and the helpers that drive them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

/// The CA and the one certificate (for 127.0.0.1) both servers present.
pub(crate) struct Pki {
    pub(crate) ca: PathBuf,
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
}

pub(crate) fn pki(dir: &Path) -> Pki {
    let made = testkit::throwaway_pki("federation test CA", &["127.0.0.1"]);
    let out = Pki {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&out.ca, &made.ca_pem).unwrap();
    // The full chain, as both servers expect.
    std::fs::write(&out.cert, format!("{}{}", made.cert_pem, made.ca_pem)).unwrap();
    std::fs::write(&out.key, made.key_pem).unwrap();
    out
}

/// One homeserver of the test: its processes, client URL, server name and config.
pub(crate) struct Server {
    pub(crate) _proc: Option<Proc>,
    pub(crate) url: String,
    pub(crate) name: String,
    pub(crate) config: PathBuf,
}

pub(crate) async fn synapse(dir: &Path, pki: &Pki) -> Server {
    let _ = synapse_venv();
    let (port, fed) = (free_port(), free_port());
    let proc = spawn_synapse(dir, pki, port, fed, dir.with_extension("synapse.log")).await;
    Server {
        _proc: Some(proc),
        url: format!("http://127.0.0.1:{port}"),
        name: format!("127.0.0.1:{fed}"),
        config: dir.join("homeserver.yaml"),
    }
}

/// Starts Synapse on `dir` (client API on `port`, federation on `fed`) and waits until it
/// answers.
pub(crate) async fn spawn_synapse(
    dir: &Path,
    pki: &Pki,
    port: u16,
    fed: u16,
    log: PathBuf,
) -> Proc {
    let mut proc = Proc::spawn(
        Command::new(repo_root().join("tests/interop/run-synapse.sh"))
            .arg(dir)
            .arg(port.to_string())
            .env("SYNAPSE_FEDERATION_PORT", fed.to_string())
            .env("SYNAPSE_TLS_CERT", &pki.cert)
            .env("SYNAPSE_TLS_KEY", &pki.key)
            .env("SYNAPSE_CA", &pki.ca),
        log,
    );
    wait_for(
        &format!("http://127.0.0.1:{port}/_matrix/client/versions"),
        &mut proc,
        Duration::from_secs(120),
    )
    .await;
    proc
}

pub(crate) async fn matrixd(dir: &Path, pki: &Pki) -> Server {
    std::fs::create_dir_all(dir).unwrap();
    let (port, fed) = (free_port(), free_port());
    let name = format!("127.0.0.1:{fed}");
    let config = dir.join("homeserver.yaml");
    generate_config(&name, port, &config, dir);
    relax_limits(&config);
    // The federation listener, TLS and the network policy, edited with the venv's YAML.
    let edit = r#"
import sys, yaml
path, fed, cert, key, ca = sys.argv[1:6]
conf = yaml.safe_load(open(path))
conf["listeners"].append({"port": int(fed), "bind_addresses": ["127.0.0.1"], "type": "http",
    "tls": True, "resources": [{"names": ["federation"]}]})
conf["tls_certificate_path"] = cert
conf["tls_private_key_path"] = key
conf["federation_custom_ca_list"] = [ca]
conf["trusted_key_servers"] = []
conf["allow_public_rooms_over_federation"] = True
conf["ip_range_blacklist"] = [r for r in conf.get("ip_range_blacklist") or [
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
    "192.0.0.0/24", "169.254.0.0/16", "192.88.99.0/24", "198.18.0.0/15", "192.0.2.0/24",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "::1/128", "fe80::/10", "fc00::/7",
    "2001:db8::/32", "ff00::/8", "fec0::/10"] if r != "127.0.0.0/8"]
yaml.safe_dump(conf, open(path, "w"), sort_keys=False)
"#;
    let out = Command::new(synapse_venv().join("bin/python"))
        .args(["-c", edit])
        .arg(&config)
        .arg(fed.to_string())
        .args([&pki.cert, &pki.key, &pki.ca])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut server = Server {
        _proc: None,
        url: format!("http://127.0.0.1:{port}"),
        name,
        config,
    };
    server.start_matrixd().await;
    server
}

/// Starts matrixd on `config` and waits until it answers at `url`.
pub(crate) async fn spawn_matrixd(config: &Path, url: &str, log: PathBuf) -> Proc {
    let mut proc = Proc::spawn(Command::new(bin("matrixd")).arg("-c").arg(config), log);
    wait_for(
        &format!("{url}/_matrix/client/versions"),
        &mut proc,
        Duration::from_secs(30),
    )
    .await;
    proc
}

impl Server {
    /// Starts (again) the matrixd of this config, and waits until it answers.
    pub(crate) async fn start_matrixd(&mut self) {
        let log = self
            .config
            .with_file_name(format!("matrixd.{}.out", rand_suffix()));
        self._proc = Some(spawn_matrixd(&self.config, &self.url, log).await);
    }

    /// Kills the server's process (as a crash or a cut cable would stop it).
    pub(crate) fn stop(&mut self) {
        self._proc = None;
    }

    /// Stops this matrixd (SIGTERM, as systemd would) and waits for it to exit.
    pub(crate) fn stop_matrixd(&mut self) {
        let mut proc = self._proc.take().expect("running");
        proc.signal(libc::SIGTERM);
        assert!(
            proc.wait_timeout(Duration::from_secs(30)).is_some(),
            "{} did not stop",
            self.name
        );
    }

    /// Restarts this Synapse on its directory and ports.
    pub(crate) async fn restart_synapse(&mut self, pki: &Pki) {
        let port: u16 = self.url.rsplit(':').next().unwrap().parse().unwrap();
        let fed: u16 = self.name.rsplit(':').next().unwrap().parse().unwrap();
        let dir = self.config.parent().unwrap().to_path_buf();
        // Dropping the process kills it (and its process group).
        self._proc = None;
        let log = dir.with_extension("synapse-again.log");
        self._proc = Some(spawn_synapse(&dir, pki, port, fed, log).await);
    }

    /// Registers `user` with the shared secret and logs in; the access token.
    pub(crate) async fn user(&self, user: &str) -> String {
        let out = Command::new(bin("matrixctl"))
            .args(["register-user", "-c"])
            .arg(&self.config)
            .args([
                "-u",
                user,
                "-p",
                "federation-pass-1",
                "--no-admin",
                &self.url,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "register {user}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (status, body) = login(&self.url, user, "federation-pass-1").await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    pub(crate) fn user_id(&self, user: &str) -> String {
        format!("@{user}:{}", self.name)
    }

    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let client = reqwest::Client::new();
        let url = format!("{}{path}", self.url);
        let mut req = client
            .request(method.parse().unwrap(), url)
            .bearer_auth(token)
            .timeout(Duration::from_secs(60));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

pub(crate) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Server {
    /// Polls `path` until `done` holds for the answer (or fails the test after 30 s).
    pub(crate) async fn until(
        &self,
        path: &str,
        token: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = std::time::Instant::now();
        loop {
            let (status, body) = self.call("GET", path, token, None).await;
            if status == 200 && done(&body) {
                return body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{}: {what} did not happen; last answer {status}: {body}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    pub(crate) async fn send_text(&self, token: &str, room_id: &str, text: &str) -> String {
        let txn = format!("t{}", rand_suffix());
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/m.room.message/{txn}",
            enc(room_id)
        );
        let (status, body) = self
            .call(
                "PUT",
                &path,
                token,
                Some(json!({"msgtype": "m.text", "body": text})),
            )
            .await;
        assert_eq!(status, 200, "{} sending {text:?}: {body}", self.name);
        body["event_id"].as_str().unwrap().to_string()
    }
}

pub(crate) fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The texts of the `m.room.message` events /messages returns (newest first).
pub(crate) fn texts(messages: &Value) -> Vec<String> {
    messages["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == "m.room.message")
        .filter_map(|e| e["content"]["body"].as_str().map(String::from))
        .collect()
}

/// `joiner` (a user of `visitor`) joins a public room `host`'s `owner` creates, by alias;
/// then messages cross both ways.
pub(crate) async fn join_and_talk(
    host: &Server,
    owner: &str,
    visitor: &Server,
    joiner: &str,
    alias: &str,
) -> String {
    let (status, body) = host
        .call(
            "POST",
            "/_matrix/client/v3/createRoom",
            owner,
            Some(json!({"room_alias_name": alias, "preset": "public_chat", "name": "Hosted"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let room_id = body["room_id"].as_str().unwrap().to_string();
    host.send_text(owner, &room_id, "history before the join")
        .await;

    let full_alias = enc(&format!("#{alias}:{}", host.name));
    let (status, body) = visitor
        .call(
            "POST",
            &format!("/_matrix/client/v3/join/{full_alias}"),
            joiner,
            Some(json!({})),
        )
        .await;
    assert_eq!(
        status, 200,
        "{} joining a room on {}: {body}",
        visitor.name, host.name
    );
    assert_eq!(body["room_id"], room_id.as_str());
    let rid = enc(&room_id);
    let (status, body) = visitor
        .call(
            "GET",
            &format!("/_matrix/client/v3/rooms/{rid}/state/m.room.name/"),
            joiner,
            None,
        )
        .await;
    assert_eq!(
        status, 200,
        "the joined room's state on {}: {body}",
        visitor.name
    );
    assert_eq!(body["name"], "Hosted");

    // What was said before the join: the visitor's server fetches it from the host when the
    // joiner pages back (backfill), older than the join.
    let messages = format!("/_matrix/client/v3/rooms/{rid}/messages?dir=b&limit=30");
    let page = visitor
        .until(&messages, joiner, "the history before the join", |b| {
            texts(b).contains(&"history before the join".to_string())
        })
        .await;
    let chunk = page["chunk"].as_array().unwrap();
    let at = |f: &dyn Fn(&Value) -> bool| chunk.iter().position(f).unwrap();
    let joined = at(&|e| {
        e["type"] == "m.room.member"
            && e["content"]["membership"] == "join"
            && e["sender"]
                .as_str()
                .is_some_and(|s| s.ends_with(&format!(":{}", visitor.name)))
    });
    let history = at(&|e| e["content"]["body"] == "history before the join");
    assert!(
        joined < history,
        "the history comes before the join: {page}"
    );
    host.send_text(owner, &room_id, "host speaks").await;
    visitor
        .until(&messages, joiner, "the host's message", |b| {
            texts(b).contains(&"host speaks".to_string())
        })
        .await;
    visitor.send_text(joiner, &room_id, "visitor speaks").await;
    host.until(&messages, owner, "the visitor's message", |b| {
        texts(b).contains(&"visitor speaks".to_string())
    })
    .await;
    room_id
}

/// Two matrixd servers on one throwaway CA, alice on one and carol on two, sharing a public
/// room of one's (alias `alias`) where both have spoken.
/// (Destructure it binding `_dir`, or the servers' files go with the statement's end.)
pub(crate) struct Pair {
    pub(crate) pki: Pki,
    pub(crate) one: Server,
    pub(crate) two: Server,
    pub(crate) two_dir: PathBuf,
    pub(crate) alice: String,
    pub(crate) carol: String,
    pub(crate) room_id: String,
    pub(crate) _dir: tempfile::TempDir,
}

pub(crate) async fn pair_sharing_a_room(alias: &str) -> Pair {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (one_dir, two_dir) = (dir.path().join("one"), dir.path().join("two"));
    let (one, two) = tokio::join!(matrixd(&one_dir, &pki), matrixd(&two_dir, &pki));
    let alice = one.user("alice").await;
    let carol = two.user("carol").await;
    let room_id = join_and_talk(&one, &alice, &two, &carol, alias).await;
    Pair {
        pki,
        one,
        two,
        two_dir,
        alice,
        carol,
        room_id,
        _dir: dir,
    }
}
