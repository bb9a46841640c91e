//! Material for the doctor's tests: homeserver.yaml files in a temp dir, rcgen certificates,
//! a tiny HTTP(S) server and a DNS server on loopback, and running `matrixctl doctor --json`.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::{matrixctl, stderr, stdout};

/// A homeserver.yaml under construction: ordered top-level keys with YAML values.
pub struct Conf {
    pub dir: PathBuf,
    entries: Vec<(String, String)>,
}

impl Conf {
    /// A valid config in `dir`: SQLite, one loopback listener on `port`, a fresh signing key (0600).
    pub fn new(dir: &Path, port: u16) -> Conf {
        let key = matrixd::keys::SigningKey::generate();
        write_mode(
            &dir.join("signing.key"),
            key.to_file_line().as_bytes(),
            0o600,
        );
        let d = dir.display();
        let entries = [
            ("server_name", "\"example.test\"".to_string()),
            ("public_baseurl", "\"https://matrix.example.test/\"".to_string()),
            ("pid_file", format!("\"{d}/homeserver.pid\"")),
            (
                "listeners",
                format!("\n  - port: {port}\n    bind_addresses: [\"127.0.0.1\"]\n    type: http\n    x_forwarded: true\n    resources:\n      - names: [client, federation]"),
            ),
            ("database", format!("\n  name: sqlite3\n  args:\n    database: \"{d}/homeserver.db\"")),
            ("media_store_path", format!("\"{d}/media_store\"")),
            ("signing_key_path", format!("\"{d}/signing.key\"")),
            ("registration_shared_secret", "\"s3cret-for-tests\"".to_string()),
            ("report_stats", "false".to_string()),
            ("enable_registration", "false".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Conf {
            dir: dir.to_path_buf(),
            entries,
        }
    }

    pub fn set(mut self, key: &str, value: &str) -> Conf {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(e) => e.1 = value.to_string(),
            None => self.entries.push((key.to_string(), value.to_string())),
        }
        self
    }

    pub fn unset(mut self, key: &str) -> Conf {
        self.entries.retain(|(k, _)| k != key);
        self
    }

    /// Writes homeserver.yaml and returns its path.
    pub fn write(&self) -> PathBuf {
        let text: String = self
            .entries
            .iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect();
        let p = self.dir.join("homeserver.yaml");
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn key_path(&self) -> PathBuf {
        self.dir.join("signing.key")
    }
}

pub fn write_mode(p: &Path, bytes: &[u8], mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(p, bytes).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub use testkit::free_port;

/// Runs `matrixctl doctor ARGS` (with no nginx site unless ARGS names one); (exit code, stdout, stderr).
pub fn doctor(args: &[&str]) -> (i32, String, String) {
    let mut cmd = matrixctl();
    cmd.arg("doctor").args(args).env("LC_ALL", "C.UTF-8");
    if !args.contains(&"--nginx-site") {
        cmd.args(["--nginx-site", "/nonexistent/matrixd-site.conf"]);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), stdout(&out), stderr(&out))
}

/// `doctor --json -c CONFIG ARGS`, parsed.
pub fn doctor_json(config: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let c = config.to_str().unwrap();
    let mut all = vec!["--json", "-c", c];
    all.extend_from_slice(args);
    let (code, out, err) = doctor(&all);
    let v: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}\nstderr:\n{err}"));
    (code, v)
}

/// (status, summary) of one check in a JSON report.
pub fn result(report: &serde_json::Value, id: &str) -> (String, String) {
    let c = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the report:\n{report:#}"));
    (
        c["status"].as_str().unwrap().to_string(),
        c["summary"].as_str().unwrap().to_string(),
    )
}

/// Runs one check against CONFIG and asserts its status; returns the summary.
#[track_caller]
pub fn expect(config: &Path, id: &str, extra: &[&str], status: &str) -> String {
    let mut args = vec![id];
    args.extend_from_slice(extra);
    let (_, report) = doctor_json(config, &args);
    let (s, summary) = result(&report, id);
    assert_eq!(s, status, "{id}: {summary}\n{report:#}");
    summary
}

// ---------------------------------------------------------------------------------------------
// Certificates

pub struct Pki {
    pub ca_pem: String,
    ca: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Pki {
    pub fn new() -> Pki {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Doctor Test CA");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca = rcgen::CertifiedIssuer::self_signed(params, rcgen::KeyPair::generate().unwrap())
            .unwrap();
        Pki {
            ca_pem: ca.pem(),
            ca,
        }
    }

    /// A leaf for `names`, valid from yesterday for `days` days and a half (negative: expired
    /// that many days ago).
    pub fn leaf(&self, names: &[&str], days: i64) -> Leaf {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, names[0]);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let epoch = rcgen::date_time_ymd(1970, 1, 1);
        let (from, to) = if days >= 0 {
            (now - 86_400, now + days * 86_400 + 43_200)
        } else {
            (now + (days - 30) * 86_400, now + days * 86_400)
        };
        params.not_before = epoch + std::time::Duration::from_secs(from as u64);
        params.not_after = epoch + std::time::Duration::from_secs(to as u64);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    /// The leaf followed by the CA: what fullchain.pem holds.
    pub fn fullchain(&self, leaf: &Leaf) -> String {
        format!("{}{}", leaf.cert_pem, self.ca_pem)
    }
}

/// A self-signed certificate for `names`.
pub fn self_signed(names: &[&str]) -> Leaf {
    let c =
        rcgen::generate_simple_self_signed(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
    Leaf {
        cert_pem: c.cert.pem(),
        key_pem: c.signing_key.serialize_pem(),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP(S) on loopback

/// One canned answer.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(body: &str) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }
    pub fn status(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }
    pub fn redirect(to: &str) -> Reply {
        Reply {
            status: 301,
            headers: vec![("Location".into(), to.into())],
            body: String::new(),
        }
    }
    pub fn cors(mut self) -> Reply {
        self.headers
            .push(("Access-Control-Allow-Origin".into(), "*".into()));
        self
    }
}

/// A loopback HTTP/1.1 server (HTTPS when given a certificate) answering by path.
pub struct Http {
    pub addr: SocketAddr,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
}

impl Http {
    pub fn start(tls: Option<(&str, &str)>) -> Http {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let config = tls.map(|(cert, key)| {
            use rustls::pki_types::pem::PemObject as _;
            let certs = rustls::pki_types::CertificateDer::pem_slice_iter(cert.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
            Arc::new(
                rustls::ServerConfig::builder()
                    .with_no_client_auth()
                    .with_single_cert(certs, key)
                    .unwrap(),
            )
        });
        let r = routes.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let r = r.clone();
                let config = config.clone();
                std::thread::spawn(move || {
                    let _ = match config {
                        Some(c) => {
                            let conn = rustls::ServerConnection::new(c).unwrap();
                            serve(rustls::StreamOwned::new(conn, stream), &r)
                        }
                        None => serve(stream, &r),
                    };
                });
            }
        });
        Http { addr, routes }
    }

    pub fn route(&self, path: &str, reply: Reply) -> &Self {
        self.routes.lock().unwrap().insert(path.to_string(), reply);
        self
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

fn serve<S: std::io::Read + std::io::Write>(
    stream: S,
    routes: &Mutex<HashMap<String, Reply>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
    }
    let reply = routes
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or_else(|| {
            Reply::status(
                404,
                "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}",
            )
        });
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    let s = reader.get_mut();
    s.write_all(out.as_bytes())?;
    s.flush()
}

// ---------------------------------------------------------------------------------------------
// DNS on loopback

/// One record's data.
#[derive(Clone)]
pub enum Rec {
    A([u8; 4]),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Cname(String),
}

impl Rec {
    fn qtype(&self) -> u16 {
        match self {
            Rec::A(_) => 1,
            Rec::Cname(_) => 5,
            Rec::Srv { .. } => 33,
        }
    }
}

fn encode_name(name: &str, out: &mut Vec<u8>) {
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

/// A UDP DNS server on loopback answering from a fixed table (name → records); NXDOMAIN for
/// names it does not know, an empty answer for known names without the asked type.
pub struct Dns {
    pub addr: SocketAddr,
}

impl Dns {
    pub fn start(records: Vec<(&str, Rec)>) -> Dns {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = sock.local_addr().unwrap();
        let table: Vec<(String, Rec)> = records
            .into_iter()
            .map(|(n, r)| (n.trim_end_matches('.').to_ascii_lowercase(), r))
            .collect();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while let Ok((n, peer)) = sock.recv_from(&mut buf) {
                if let Some(reply) = answer(&buf[..n], &table) {
                    let _ = sock.send_to(&reply, peer);
                }
            }
        });
        Dns { addr }
    }
}

fn answer(q: &[u8], table: &[(String, Rec)]) -> Option<Vec<u8>> {
    if q.len() < 12 {
        return None;
    }
    let mut i = 12;
    let mut labels = Vec::new();
    while q.get(i).copied()? != 0 {
        let len = q[i] as usize;
        labels.push(String::from_utf8_lossy(q.get(i + 1..i + 1 + len)?).to_ascii_lowercase());
        i += 1 + len;
    }
    let qend = i + 5;
    let qtype = u16::from_be_bytes([*q.get(i + 1)?, *q.get(i + 2)?]);
    let name = labels.join(".");
    let known = table.iter().any(|(n, _)| *n == name);
    // A CNAME answers every type, as a resolver would see it.
    let hits: Vec<&Rec> = table
        .iter()
        .filter(|(n, r)| *n == name && (r.qtype() == qtype || r.qtype() == 5))
        .map(|(_, r)| r)
        .collect();
    let mut out = Vec::new();
    out.extend_from_slice(&q[0..2]);
    let rcode = if known { 0 } else { 3 };
    out.extend_from_slice(&[0x81, 0x80 | rcode]);
    out.extend_from_slice(&[0, 1]);
    out.extend_from_slice(&(hits.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(q.get(12..qend)?);
    for r in hits {
        out.extend_from_slice(&[0xc0, 0x0c]);
        out.extend_from_slice(&r.qtype().to_be_bytes());
        out.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
        let mut data = Vec::new();
        match r {
            Rec::A(ip) => data.extend_from_slice(ip),
            Rec::Cname(t) => encode_name(t, &mut data),
            Rec::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                data.extend_from_slice(&priority.to_be_bytes());
                data.extend_from_slice(&weight.to_be_bytes());
                data.extend_from_slice(&port.to_be_bytes());
                encode_name(target, &mut data);
            }
        }
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(&data);
    }
    Some(out)
}

/// A fake SMTP server on loopback: greets, answers EHLO with `extensions`, records what it heard.
pub fn smtp_server(extensions: &[&str]) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let heard: Arc<Mutex<Vec<String>>> = Arc::default();
    let h = heard.clone();
    let ext: Vec<String> = extensions.iter().map(|s| s.to_string()).collect();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = smtp_session(stream, &ext, &h);
        }
    });
    (port, heard)
}

fn smtp_session(
    mut s: TcpStream,
    ext: &[String],
    heard: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    s.write_all(b"220 smtp.example.test ESMTP test\r\n")?;
    let mut reader = BufReader::new(s.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        heard.lock().unwrap().push(line.trim_end().to_string());
        let cmd = line.to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            let mut reply = String::from("250-smtp.example.test hello\r\n");
            for (i, e) in ext.iter().enumerate() {
                reply.push_str(&format!(
                    "250{}{e}\r\n",
                    if i + 1 == ext.len() { " " } else { "-" }
                ));
            }
            if ext.is_empty() {
                reply = "250 smtp.example.test hello\r\n".into();
            }
            s.write_all(reply.as_bytes())?;
        } else if cmd.starts_with("QUIT") {
            s.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            s.write_all(b"502 not here\r\n")?;
        }
    }
}
