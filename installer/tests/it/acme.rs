//! `install --tls acme` against a real ACME CA on loopback (issue 19): Pebble, Let's Encrypt's
//! test CA, with pebble-challtestsrv as its DNS (every name resolves to 127.0.0.1), and a real
//! nginx serving the generated site. The plan's file steps are applied into a temporary tree,
//! nginx is started on it, then the plan's own ACME step runs (as `install` runs it after the
//! services start); renewals go through the real `matrixctl renew-certs`. Proves: the
//! certificate is obtained for both names through the HTTP-01 challenge nginx serves, nginx
//! serves the full chain (a client trusting only Pebble's root accepts it), a forced renewal
//! replaces it and reloads nginx, a failing challenge names the name, the challenge and what
//! to check and leaves the old certificate, and a run with nothing due opens no connection to
//! the CA. The generated site's ports are moved to free loopback ports (the test's nginx is
//! not the system's); everything else is as generated.

use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use matrixctl::answers::{self, Answers};
use matrixctl::plan::{self, model::*};

use crate::doctor_support::free_port;
use crate::{matrixctl, stderr, stdout};

/// Child processes killed when the test ends, however it ends.
struct Kill(Vec<Child>);

impl Drop for Kill {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// nginx, stopped when the test ends.
struct Nginx {
    bin: PathBuf,
    prefix: PathBuf,
    conf: PathBuf,
}

impl Nginx {
    fn cmd(&self, extra: &[&str]) -> Cmd {
        let mut argv = vec![
            self.bin.display().to_string(),
            "-p".into(),
            self.prefix.display().to_string(),
            "-e".into(),
            self.prefix.join("error.log").display().to_string(),
            "-c".into(),
            self.conf.display().to_string(),
        ];
        argv.extend(extra.iter().map(|s| s.to_string()));
        Cmd::new(argv)
    }
    fn run(&self, extra: &[&str]) {
        let c = self.cmd(extra);
        let out = Command::new(&c.argv[0])
            .args(&c.argv[1..])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}{}",
            c.display(),
            stderr(&out),
            std::fs::read_to_string(self.prefix.join("error.log")).unwrap_or_default()
        );
    }
    fn pid_file(&self) -> PathBuf {
        self.prefix.join("nginx.pid")
    }
    fn stop(&self) {
        if self.pid_file().exists() {
            let _ = Command::new(&self.bin)
                .args(["-p"])
                .arg(&self.prefix)
                .arg("-c")
                .arg(&self.conf)
                .args(["-s", "stop"])
                .output();
            let deadline = Instant::now() + Duration::from_secs(10);
            while self.pid_file().exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits for `what` to listen on `port`; else fails with what `log` returns (its log so far).
fn wait_for_port(port: u16, what: &str, log: impl Fn() -> String) {
    // A minute: the suite runs Synapse, PostgreSQL and other servers beside this test.
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{what} did not listen on 127.0.0.1:{port} within a minute:\n{}",
        log()
    );
}

/// The first certificate of a PEM file, as DER.
fn leaf_der(pem: &[u8]) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject as _;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .next()
        .unwrap()
        .unwrap()
        .to_vec()
}

fn issuer_cn(der: &[u8]) -> String {
    let (_, c) = x509_parser::parse_x509_certificate(der).unwrap();
    c.issuer().to_string()
}

/// GETs `url` with its host resolved to 127.0.0.1:`port`, trusting only `roots`; returns the
/// certificate the server presented.
fn served_leaf(url: &str, host: &str, port: u16, roots: &[u8]) -> Result<Vec<u8>, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let certs = reqwest::Certificate::from_pem_bundle(roots).map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder()
        .resolve(host, ([127, 0, 0, 1], port).into())
        .tls_certs_only(certs)
        .tls_info(true)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let r = client.get(url).send().await.map_err(|e| {
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg = format!("{msg}: {s}");
                src = s.source();
            }
            msg
        })?;
        r.extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|i| i.peer_certificate())
            .map(<[u8]>::to_vec)
            .ok_or_else(|| "no peer certificate".to_string())
    })
}

/// Runs `f` while a listener on `port` (the stopped CA's) only counts connections; their number.
fn connections_to(port: u16, f: impl FnOnce()) -> usize {
    let counter = TcpListener::bind(("127.0.0.1", port)).unwrap();
    counter.set_nonblocking(true).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicUsize::new(0));
    let counting = {
        let (connections, stop) = (connections.clone(), stop.clone());
        std::thread::spawn(move || {
            while stop.load(Ordering::SeqCst) == 0 {
                if let Ok((mut s, _)) = counter.accept() {
                    connections.fetch_add(1, Ordering::SeqCst);
                    let _ = s.read(&mut [0; 16]);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    f();
    stop.store(1, Ordering::SeqCst);
    counting.join().unwrap();
    connections.load(Ordering::SeqCst)
}

/// Pebble's root for the certificates it issues (regenerated at each start), from its
/// management interface, itself served with `listener_ca`.
fn pebble_root(mgmt: u16, listener_ca: &[u8]) -> Vec<u8> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(listener_ca).unwrap()])
        .build()
        .unwrap();
    rt.block_on(async {
        client
            .get(format!("https://localhost:{mgmt}/roots/0"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    })
}

/// How the test's Pebble validates and issues: TLS-ALPN-01 on `tls_port`, certificates valid
/// for `validity` seconds (Pebble's default, five years, when `None`).
#[derive(Clone, Copy, Default)]
struct Issuing {
    tls_port: Option<u16>,
    validity: Option<u64>,
}

/// Starts Pebble on `port` (management on `mgmt`), validating HTTP-01 on `http_port` and
/// resolving names through challtestsrv's DNS on `dns`.
fn start_pebble(
    pebble: &Path,
    dir: &Path,
    (port, mgmt, http_port, dns): (u16, u16, u16, u16),
    issuing: Issuing,
) -> Child {
    let config = dir.join("pebble.json");
    let mut settings = serde_json::json!({
        "listenAddress": format!("127.0.0.1:{port}"),
        "managementListenAddress": format!("127.0.0.1:{mgmt}"),
        "certificate": dir.join("listener.pem"),
        "privateKey": dir.join("listener.key"),
        "httpPort": http_port,
        "tlsPort": issuing.tls_port.unwrap_or_else(free_port),
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false
    });
    if let Some(v) = issuing.validity {
        settings["certificateValidityPeriod"] = v.into();
    }
    std::fs::write(
        &config,
        serde_json::json!({ "pebble": settings }).to_string(),
    )
    .unwrap();
    let child = Command::new(pebble)
        .arg("-config")
        .arg(&config)
        .arg("-dnsserver")
        .arg(format!("127.0.0.1:{dns}"))
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .env("PEBBLE_AUTHZREUSE", "0")
        .stdout(std::fs::File::create(dir.join("pebble.log")).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, "pebble", String::new);
    wait_for_port(mgmt, "pebble's management interface", String::new);
    child
}

/// Pebble and its DNS on loopback: every name resolves to 127.0.0.1, HTTP-01 is validated on
/// `http_port`; `roots` is the root of what it issues, `listener` the certificate of its own
/// HTTPS (what `directory_ca` trusts).
struct Ca {
    children: Kill,
    port: u16,
    http_port: u16,
    roots: Vec<u8>,
    listener: PathBuf,
    /// challtestsrv's management port (to change what names resolve to).
    dns_mgmt: u16,
}

impl Ca {
    fn start(pebble: &Path, challtestsrv: &Path, dir: &Path) -> Ca {
        Ca::start_with(pebble, challtestsrv, dir, Issuing::default())
    }

    fn start_with(pebble: &Path, challtestsrv: &Path, dir: &Path, issuing: Issuing) -> Ca {
        let listener = rcgen::generate_simple_self_signed(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
        ])
        .unwrap();
        let listener_ca = listener.cert.pem();
        std::fs::write(dir.join("listener.pem"), &listener_ca).unwrap();
        std::fs::write(
            dir.join("listener.key"),
            listener.signing_key.serialize_pem(),
        )
        .unwrap();
        let (port, mgmt, http_port, dns) = (free_port(), free_port(), free_port(), free_port());
        let dns_mgmt = free_port();
        let mut children = Kill(Vec::new());
        children.0.push(
            Command::new(challtestsrv)
                .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
                .args(["-dns01", &format!("127.0.0.1:{dns}")])
                .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
                .args(["-management", &format!("127.0.0.1:{dns_mgmt}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_for_port(dns_mgmt, "pebble-challtestsrv", String::new);
        children.0.push(start_pebble(
            pebble,
            dir,
            (port, mgmt, http_port, dns),
            issuing,
        ));
        Ca {
            children,
            port,
            http_port,
            roots: pebble_root(mgmt, listener_ca.as_bytes()),
            listener: dir.join("listener.pem"),
            dns_mgmt,
        }
    }

    /// Every name resolves to `ip` from now on (challtestsrv's management API).
    fn resolve_all_to(&self, ip: &str) {
        use std::io::Write as _;
        let body = format!("{{\"ip\":\"{ip}\"}}");
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.dns_mgmt)).unwrap();
        write!(
            s,
            "POST /set-default-ipv4 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}

#[test]
fn issue_19_acme_certificates_from_pebble_through_nginx_renewed_and_kept_on_failure() {
    let (Some(pebble), Some(challtestsrv), Some(nginx_bin)) = (
        testkit::tool("pebble"),
        testkit::tool("pebble-challtestsrv"),
        testkit::tool("nginx"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    use std::os::unix::fs::PermissionsExt as _;
    // nginx's workers (nobody) read the challenges under it.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ca = Ca::start(&pebble, &challtestsrv, dir);
    let (port, http_port, https_port) = (ca.port, ca.http_port, free_port());
    let pebble_roots = ca.roots.clone();
    let ca_listener = ca.listener.clone();
    let children = ca.children;

    // The plan of `install --tls acme` for a delegated name, every path under `dir`.
    let facts = crate::install::facts_under(dir, "debian");
    let mut facts = facts;
    facts.ipv6 = false;
    let given = answers::file::parse(&format!(
        "server_name = \"acme.test\"\npublic_baseurl = \"https://matrix.acme.test/\"\n\
         tls = \"acme\"\nacme_directory = \"https://localhost:{port}/dir\"\n\
         acme_directory_ca = {:?}\nacme_email = \"admin@acme.test\"\n\
         report_stats = \"no\"\nfederation = \"no\"\n",
        ca_listener.display().to_string()
    ))
    .unwrap();
    let a = Answers::from_given(&matrixctl::wizard::complete(&given, false).unwrap()).unwrap();
    let fs = matrixctl::plan::existing::Fs { root: "/".into() };
    let built = plan::build(&a, &facts, &fs, &mut matrixd::keys::random_secret).unwrap();
    let site = PathBuf::from(&facts.distro.nginx.site);

    // The test's nginx: the generated site on free loopback ports.
    let nginx = Nginx {
        bin: nginx_bin,
        prefix: dir.to_path_buf(),
        conf: dir.join("nginx.conf"),
    };
    let d = dir.display();
    std::fs::write(
        &nginx.conf,
        format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log notice;\nevents {{}}\nhttp {{\n    client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n    fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    scgi_temp_path {d}/scgi;\n    access_log {d}/access.log;\n    include {};\n}}\n",
            site.display()
        ),
    )
    .unwrap();

    // Everything install writes, then (as install does once the services run) its ACME step,
    // reloading the test's nginx.
    let (printer, out) = matrixctl::ui::Printer::buffer();
    let files_only = matrixctl::exec::apply::Options {
        root: "/".into(),
        activate: false,
    };
    matrixctl::exec::apply::apply(&built, &files_only, &printer)
        .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));
    let text = std::fs::read_to_string(&site).unwrap();
    assert!(
        text.contains("location ^~ /.well-known/acme-challenge/"),
        "{text}"
    );
    let moved = text
        .replace("listen 80;", &format!("listen 127.0.0.1:{http_port};"))
        .replace(
            "listen 443 ssl http2;",
            &format!("listen 127.0.0.1:{https_port} ssl;"),
        )
        .replace(
            "listen 443 ssl;",
            &format!("listen 127.0.0.1:{https_port} ssl;"),
        );
    std::fs::write(&site, moved).unwrap();
    nginx.run(&[]);
    let cert_path = dir.join("etc/matrixd/tls/fullchain.pem");
    let stand_in = std::fs::read(&cert_path).unwrap();

    let mut acme_step = built
        .steps
        .iter()
        .find(|s| matches!(s, Step::Acme { .. }))
        .cloned()
        .expect("the plan has an ACME step");
    if let Step::Acme { acme, reload } = &mut acme_step {
        assert_eq!(acme.names, ["matrix.acme.test", "acme.test"]);
        assert_eq!(acme.directory_ca.as_ref(), Some(&ca_listener));
        reload.manager_marker = Some(dir.join("no-service-manager"));
        reload.test = Some(nginx.cmd(&["-t", "-q"]));
        reload.direct = Direct::Commands {
            start: nginx.cmd(&[]),
            reload: Some(nginx.cmd(&["-s", "reload"])),
            pid_file: nginx.pid_file(),
        };
    }
    let only_acme = Plan {
        steps: vec![acme_step.clone()],
        ..built.clone()
    };
    let opts = matrixctl::exec::apply::Options {
        root: "/".into(),
        activate: true,
    };
    matrixctl::exec::apply::apply(&only_acme, &opts, &printer)
        .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));
    let said = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    assert!(
        said.contains("Obtained") && said.contains("Reloading"),
        "{said}"
    );

    // The CA's certificate, a full chain matching its key, private files 0600.
    let first = std::fs::read(&cert_path).unwrap();
    assert_ne!(first, stand_in);
    let key = std::fs::read(dir.join("etc/matrixd/tls/privkey.pem")).unwrap();
    matrixctl::plan::tls::check_pair(&first, &key).unwrap();
    let first_leaf = leaf_der(&first);
    assert!(
        issuer_cn(&first_leaf).contains("Pebble"),
        "{}",
        issuer_cn(&first_leaf)
    );
    let account = dir.join(format!("etc/matrixd/acme/account-localhost_{port}.json"));
    for p in [
        &cert_path,
        &dir.join("etc/matrixd/tls/privkey.pem"),
        &account,
    ] {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    let account_bytes = std::fs::read(&account).unwrap();
    assert!(
        std::fs::read_dir(dir.join("var/www/matrixd/.well-known/acme-challenge"))
            .unwrap()
            .next()
            .is_none(),
        "the challenge answers are removed afterwards"
    );

    // nginx serves it with its chain: a client trusting only Pebble's root accepts it, for
    // both names.
    let serves = |leaf: &[u8]| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = ["matrix.acme.test", "acme.test"].map(|h| {
                served_leaf(
                    &format!("https://{h}:{https_port}/.well-known/matrix/client"),
                    h,
                    https_port,
                    &pebble_roots,
                )
            });
            if got.iter().all(|g| g.as_deref() == Ok(leaf)) {
                return;
            }
            assert!(Instant::now() < deadline, "nginx serves {got:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    serves(&first_leaf);

    // renew-certs, as the timer runs it; the test's nginx reloads instead of the system's.
    let renew = dir.join("etc/matrixd/acme/renew.toml");
    let settings = std::fs::read_to_string(&renew).unwrap().replace(
        "[key_owner]",
        &format!(
            "deploy_hook = [[{}]]\n\n[key_owner]",
            nginx
                .cmd(&["-s", "reload"])
                .argv
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    std::fs::write(&renew, settings).unwrap();
    let renew_certs = |extra: &[&str]| {
        matrixctl()
            .args(["renew-certs", "--distro", "debian", "--config"])
            .arg(&renew)
            .args(extra)
            .output()
            .unwrap()
    };

    // Forced: a new certificate replaces the old one, and nginx serves it after the reload.
    let forced = renew_certs(&["--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        stderr(&forced).contains("renewal forced with --force"),
        "{}",
        stderr(&forced)
    );
    let second = std::fs::read(&cert_path).unwrap();
    let second_leaf = leaf_der(&second);
    assert_ne!(
        second_leaf, first_leaf,
        "a forced renewal replaces the certificate"
    );
    serves(&second_leaf);
    assert_eq!(
        std::fs::read(&account).unwrap(),
        account_bytes,
        "the account is never regenerated"
    );

    // A failing challenge (nothing answers on the HTTP port): the reason, per name and
    // challenge, and the old certificate stays.
    nginx.stop();
    let failed = renew_certs(&["--force"]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let why = stderr(&failed);
    assert!(
        why.contains("failed the http-01 challenge")
            && why.contains("acme.test")
            && why.contains("A/AAAA")
            && why.contains("port 80")
            && why.contains("previous one stays"),
        "{why}"
    );
    assert_eq!(std::fs::read(&cert_path).unwrap(), second);

    // Nothing due: not one connection to the CA (its port now only counts connections).
    drop(children);
    let (printer, out) = matrixctl::ui::Printer::buffer();
    let mut quiet = None;
    let connections = connections_to(port, || {
        quiet = Some(renew_certs(&[]));
        matrixctl::exec::apply::apply(&only_acme, &opts, &printer)
            .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));
    });
    let quiet = quiet.unwrap();
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert!(
        stderr(&quiet).contains("the CA was not contacted"),
        "{}",
        stderr(&quiet)
    );
    let said = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    assert!(said.contains("the CA was not contacted"), "{said}");
    assert_eq!(connections, 0, "the CA was contacted");
    assert_eq!(std::fs::read(&cert_path).unwrap(), second);

    // The doctor sees Pebble's chain as complete and the certificate far from expiry.
    for id in ["tls.chain", "tls.expiry", "tls.key_match", "tls.names"] {
        let out = matrixctl()
            .args(["doctor", "--json", "--offline", "-c"])
            .arg(&built.config_path)
            .arg("--nginx-site")
            .arg(&site)
            .arg(id)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(report["checks"][0]["status"], "ok", "{id}: {report:#}");
    }
}

/// matrixd, built beside matrixctl (`cargo build --workspace --bins`; scripts/test.sh does).
pub(crate) fn matrixd_bin() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_BIN_EXE_matrixctl")).with_file_name("matrixd");
    if path.is_file() {
        return Some(path);
    }
    let msg = format!(
        "{} is missing: run `cargo build --workspace --bins` first",
        path.display()
    );
    assert!(
        std::env::var_os("MATRIXCTL_TEST_REQUIRE_TOOLS").is_none_or(|v| v.is_empty() || v == "0"),
        "{msg}"
    );
    eprintln!("skipping: {msg}");
    None
}

/// The serial number of a DER certificate.
fn serial(der: &[u8]) -> String {
    let (_, c) = x509_parser::parse_x509_certificate(der).unwrap();
    c.raw_serial_as_string()
}

/// Waits until `text()` contains `needle`; the text.
fn wait_for_text(text: impl Fn() -> String, needle: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let t = text();
        if t.contains(needle) {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "no {needle:?} within {secs} s in:\n{t}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `--tls acme --proxy none`: matrixd obtains, serves and renews its certificate itself (the
/// `acme` section install writes), answering Pebble's TLS-ALPN-01 on its own TLS listener.
/// Pebble issues certificates valid for 30 days and 20 seconds, so with the written 30-day
/// threshold each is due 20 s after it is issued: matrixd gets the first (replacing the
/// stand-in), swaps in a renewed one without a restart (same pid, new serial), keeps it when
/// the next challenge fails (every name now resolves where nothing listens) and logs which
/// name failed which challenge and what to check; restarted with a 1-day threshold (nothing
/// due) it serves the same certificate and opens no connection to the CA.
#[test]
fn issue_19_matrixd_obtains_renews_and_swaps_its_own_certificate_with_tls_alpn_01() {
    let (Some(pebble), Some(challtestsrv), Some(matrixd)) = (
        testkit::tool("pebble"),
        testkit::tool("pebble-challtestsrv"),
        matrixd_bin(),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (http, tls, tls_443) = (free_port(), free_port(), free_port());
    let ca = Ca::start_with(
        &pebble,
        &challtestsrv,
        dir,
        Issuing {
            tls_port: Some(tls),
            validity: Some(30 * 86_400 + 20),
        },
    );

    let mut facts = crate::install::facts_under(dir, "debian");
    facts.ipv6 = false;
    let given = answers::file::parse(&format!(
        "server_name = \"direct.test\"\ntls = \"acme\"\nproxy = \"none\"\n\
         acme_directory = \"https://localhost:{}/dir\"\nacme_directory_ca = {:?}\n\
         acme_email = \"admin@direct.test\"\nreport_stats = \"no\"\n",
        ca.port,
        ca.listener.display().to_string()
    ))
    .unwrap();
    let a = Answers::from_given(&matrixctl::wizard::complete(&given, false).unwrap()).unwrap();
    assert_eq!(a.public_baseurl.to_string(), "https://direct.test:8448/");
    let fs = matrixctl::plan::existing::Fs { root: "/".into() };
    let built = plan::build(&a, &facts, &fs, &mut matrixd::keys::random_secret).unwrap();
    // One code path: matrixd's. matrixctl plans no ACME step, renew.toml or timer for it.
    assert!(
        !built.steps.iter().any(|s| matches!(s, Step::Acme { .. })
            || matches!(s, Step::File(f) if f.path.ends_with("renew.toml")
                || f.path.to_string_lossy().contains("renew-certs"))),
        "{:#?}",
        built.steps
    );
    let (printer, _) = matrixctl::ui::Printer::buffer();
    let files_only = matrixctl::exec::apply::Options {
        root: "/".into(),
        activate: false,
    };
    matrixctl::exec::apply::apply(&built, &files_only, &printer)
        .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));
    let tls_dir = dir.join("etc/matrixd/tls");
    let (cert_path, key_path) = (tls_dir.join("fullchain.pem"), tls_dir.join("privkey.pem"));
    let account = tls_dir.join(format!("account-localhost_{}.json", ca.port));
    let stand_in = std::fs::read(&cert_path).unwrap();

    // The written config, on the test's loopback ports (Pebble validates on `tls`).
    let config = built.config_path.clone();
    let written = std::fs::read_to_string(&config).unwrap();
    for want in [
        "acme:\n  enabled: true\n".to_string(),
        format!("  url: \"https://localhost:{}/dir\"\n", ca.port),
        "  domain: [\"direct.test\"]\n".to_string(),
        format!("  account_key_file: \"{}\"\n", account.display()),
        "  reprovision_threshold: 30\n".to_string(),
        "  email: \"admin@direct.test\"\n".to_string(),
        format!("  directory_ca_file: \"{}\"\n", ca.listener.display()),
        "  - port: 443\n".to_string(),
    ] {
        assert!(written.contains(&want), "{want:?} missing from:\n{written}");
    }
    let text = written
        .replace("port: 8008", &format!("port: {http}"))
        .replace("port: 8448", &format!("port: {tls}"))
        .replace("port: 443", &format!("port: {tls_443}"))
        .replace("[\"0.0.0.0\"]", "[\"127.0.0.1\"]");
    std::fs::write(&config, &text).unwrap();
    let log_file = dir.join("var/log/matrixd/homeserver.log");
    let log = || {
        format!(
            "{}{}",
            std::fs::read_to_string(&log_file).unwrap_or_default(),
            std::fs::read_to_string(dir.join("matrixd.err")).unwrap_or_default()
        )
    };
    let start = || {
        Command::new(&matrixd)
            .arg("--config")
            .arg(&config)
            .stdout(std::fs::File::create(dir.join("matrixd.out")).unwrap())
            .stderr(std::fs::File::create(dir.join("matrixd.err")).unwrap())
            .spawn()
            .unwrap()
    };
    let mut server = Kill(vec![start()]);
    wait_for_port(tls, "matrixd's TLS listener", log);
    let served = || {
        served_leaf(
            "https://direct.test/_matrix/client/versions",
            "direct.test",
            tls,
            &ca.roots,
        )
    };
    // Served once obtained (a client trusting only Pebble's root accepts the chain).
    let serves_new = |old: &[u8]| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(leaf) = served()
                && leaf != old
            {
                return leaf;
            }
            assert!(
                Instant::now() < deadline,
                "matrixd serves {:?}; its log:\n{}",
                served(),
                log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let first = serves_new(&leaf_der(&stand_in));
    let pid = server.0[0].id();
    assert!(
        issuer_cn(&first).contains("Pebble"),
        "{}",
        issuer_cn(&first)
    );
    assert_eq!(leaf_der(&std::fs::read(&cert_path).unwrap()), first);
    let key = std::fs::read(&key_path).unwrap();
    matrixctl::plan::tls::check_pair(&std::fs::read(&cert_path).unwrap(), &key).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    for p in [&cert_path, &key_path, &account] {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    let account_bytes = std::fs::read(&account).unwrap();
    assert!(
        log().contains("acme: obtained a new certificate"),
        "{}",
        log()
    );

    // Due 20 s later: renewed and swapped in by the same process.
    let second = serves_new(&first);
    assert_ne!(serial(&second), serial(&first));
    assert!(server.0[0].try_wait().unwrap().is_none(), "{}", log());
    assert_eq!(server.0[0].id(), pid);
    assert_eq!(leaf_der(&std::fs::read(&cert_path).unwrap()), second);
    assert_eq!(std::fs::read(&account).unwrap(), account_bytes);

    // The next renewal's challenge fails (the name now resolves where nothing listens): the
    // reason is logged, the certificate in use and on disk stays.
    ca.resolve_all_to("127.0.0.2");
    let said = wait_for_text(log, "failed the tls-alpn-01 challenge", 60);
    assert!(
        said.contains("direct.test failed the tls-alpn-01 challenge")
            && said.contains("A/AAAA")
            && said.contains("port 443")
            && said.contains("the current certificate stays in use"),
        "{said}"
    );
    assert_eq!(served().as_deref(), Ok(second.as_slice()));
    assert_eq!(leaf_der(&std::fs::read(&cert_path).unwrap()), second);
    assert_eq!(server.0[0].id(), pid);
    assert!(server.0[0].try_wait().unwrap().is_none(), "{}", log());
    drop(server);

    // Restarted with nothing due (a 1-day threshold): the same certificate, and not one
    // connection to the CA (its port now only counts connections).
    std::fs::write(
        &config,
        text.replace("reprovision_threshold: 30", "reprovision_threshold: 1"),
    )
    .unwrap();
    std::fs::write(&log_file, "").unwrap();
    let port = ca.port;
    drop(ca.children);
    let mut server = Kill(Vec::new());
    let connections = connections_to(port, || {
        server.0.push(start());
        wait_for_port(tls, "matrixd's TLS listener", log);
        wait_for_text(log, "the CA was not contacted", 20);
        std::thread::sleep(Duration::from_secs(1));
    });
    assert_eq!(connections, 0, "the CA was contacted: {}", log());
    assert_eq!(served().as_deref(), Ok(second.as_slice()));
    drop(server);

    // The doctor sees Pebble's chain as complete, and that matrixd renews it itself (this
    // Pebble's certificates have fewer than 30 days from the start: a warning).
    for (id, want) in [
        ("tls.chain", "ok"),
        ("tls.expiry", "warn"),
        ("tls.key_match", "ok"),
        ("tls.names", "ok"),
        ("tls.renewal", "ok"),
    ] {
        let (_, report) = crate::doctor_support::doctor_json(&config, &["--offline", id]);
        let (status, summary) = crate::doctor_support::result(&report, id);
        assert_eq!(status, want, "{id}: {report:#}");
        if id == "tls.expiry" {
            let fix = report["checks"][0]["fix"].as_str().unwrap_or_default();
            assert!(fix.contains("matrixd renews it itself"), "{fix}");
        }
        if id == "tls.renewal" {
            assert!(summary.contains("matrixd obtains and renews"), "{summary}");
        }
    }
}
