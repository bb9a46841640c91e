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

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on 127.0.0.1:{port}");
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

/// Starts Pebble on `port` (management on `mgmt`), validating HTTP-01 on `http_port` and
/// resolving names through challtestsrv's DNS on `dns`.
fn start_pebble(
    pebble: &Path,
    dir: &Path,
    (port, mgmt, http_port, dns): (u16, u16, u16, u16),
) -> Child {
    let config = dir.join("pebble.json");
    std::fs::write(
        &config,
        serde_json::json!({"pebble": {
            "listenAddress": format!("127.0.0.1:{port}"),
            "managementListenAddress": format!("127.0.0.1:{mgmt}"),
            "certificate": dir.join("listener.pem"),
            "privateKey": dir.join("listener.key"),
            "httpPort": http_port,
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false
        }})
        .to_string(),
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
    wait_for_port(port, "pebble");
    wait_for_port(mgmt, "pebble's management interface");
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
}

impl Ca {
    fn start(pebble: &Path, challtestsrv: &Path, dir: &Path) -> Ca {
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
        let mut children = Kill(Vec::new());
        children.0.push(
            Command::new(challtestsrv)
                .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
                .args(["-dns01", &format!("127.0.0.1:{dns}")])
                .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
                .args(["-management", &format!("127.0.0.1:{}", free_port())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        children
            .0
            .push(start_pebble(pebble, dir, (port, mgmt, http_port, dns)));
        Ca {
            children,
            port,
            http_port,
            roots: pebble_root(mgmt, listener_ca.as_bytes()),
            listener: dir.join("listener.pem"),
        }
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
    let quiet = renew_certs(&[]);
    let (printer, out) = matrixctl::ui::Printer::buffer();
    matrixctl::exec::apply::apply(&only_acme, &opts, &printer)
        .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));
    stop.store(1, Ordering::SeqCst);
    counting.join().unwrap();
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert!(
        stderr(&quiet).contains("the CA was not contacted"),
        "{}",
        stderr(&quiet)
    );
    let said = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    assert!(said.contains("the CA was not contacted"), "{said}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "the CA was contacted"
    );
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
fn matrixd_bin() -> Option<PathBuf> {
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

/// `--tls acme --proxy none`: matrixd serves TLS itself; matrixctl answers HTTP-01 on its own
/// port-80 listener (a free port here: Pebble's HTTP port), and matrixd, sent SIGHUP, serves
/// the new certificate without a restart, for the first certificate and a forced renewal.
#[test]
fn issue_19_acme_with_matrixd_serving_tls_itself_swaps_certificates_without_a_restart() {
    let (Some(pebble), Some(challtestsrv), Some(matrixd)) = (
        testkit::tool("pebble"),
        testkit::tool("pebble-challtestsrv"),
        matrixd_bin(),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ca = Ca::start(&pebble, &challtestsrv, dir);

    let mut facts = crate::install::facts_under(dir, "debian");
    facts.ipv6 = false;
    let given = answers::file::parse(&format!(
        "server_name = \"direct.test\"\ntls = \"acme\"\nproxy = \"none\"\n\
         acme_directory = \"https://localhost:{}/dir\"\nreport_stats = \"no\"\n",
        ca.port
    ))
    .unwrap();
    let a = Answers::from_given(&matrixctl::wizard::complete(&given, false).unwrap()).unwrap();
    assert_eq!(a.public_baseurl.to_string(), "https://direct.test:8448/");
    let fs = matrixctl::plan::existing::Fs { root: "/".into() };
    let built = plan::build(&a, &facts, &fs, &mut matrixd::keys::random_secret).unwrap();
    let (printer, out) = matrixctl::ui::Printer::buffer();
    let files_only = matrixctl::exec::apply::Options {
        root: "/".into(),
        activate: false,
    };
    matrixctl::exec::apply::apply(&built, &files_only, &printer)
        .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));

    // matrixd on free ports, with the stand-in certificate.
    let (http, tls) = (free_port(), free_port());
    let config = built.config_path.clone();
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("port: 8008", &format!("port: {http}"))
        .replace("port: 8448", &format!("port: {tls}"))
        .replace("[\"0.0.0.0\"]", "[\"127.0.0.1\"]");
    assert!(text.contains("tls: true"), "{text}");
    std::fs::write(&config, text).unwrap();
    let mut server = Kill(vec![
        Command::new(&matrixd)
            .arg("--config")
            .arg(&config)
            .stdout(std::fs::File::create(dir.join("matrixd.out")).unwrap())
            .stderr(std::fs::File::create(dir.join("matrixd.err")).unwrap())
            .spawn()
            .unwrap(),
    ]);
    wait_for_port(tls, "matrixd's TLS listener");
    let pid_file = dir.join("run/matrixd/matrixd.pid");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pid_file.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut step = built
        .steps
        .iter()
        .find(|s| matches!(s, Step::Acme { .. }))
        .cloned()
        .unwrap();
    let Step::Acme { acme, .. } = &mut step else {
        unreachable!()
    };
    assert_eq!(acme.http01_listen, ["0.0.0.0:80"]);
    assert_eq!(acme.hup_pid_file.as_deref(), Some(pid_file.as_path()));
    acme.directory_ca = Some(ca.listener.clone());
    acme.http01_listen = vec![format!("127.0.0.1:{}", ca.http_port)];
    let cert_path = acme.cert.clone();
    let only_acme = Plan {
        steps: vec![step],
        ..built.clone()
    };
    let opts = matrixctl::exec::apply::Options {
        root: "/".into(),
        activate: true,
    };
    matrixctl::exec::apply::apply(&only_acme, &opts, &printer)
        .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));
    let said = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    assert!(said.contains("SIGHUP, no restart"), "{said}");

    let serves = |leaf: &[u8]| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = served_leaf(
                "https://direct.test/_matrix/client/versions",
                "direct.test",
                tls,
                &ca.roots,
            );
            if got.as_deref() == Ok(leaf) {
                return;
            }
            assert!(Instant::now() < deadline, "matrixd serves {got:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let first = leaf_der(&std::fs::read(&cert_path).unwrap());
    assert!(
        issuer_cn(&first).contains("Pebble"),
        "{}",
        issuer_cn(&first)
    );
    serves(&first);

    // renew-certs --force, as the timer would (on the test's port): a new certificate, served
    // by the same process.
    let renew = dir.join("etc/matrixd/acme/renew.toml");
    let settings = std::fs::read_to_string(&renew).unwrap();
    assert!(
        settings.contains("http01_listen = [\"0.0.0.0:80\"]"),
        "{settings}"
    );
    let settings = settings
        .replace(
            "http01_listen = [\"0.0.0.0:80\"]",
            &format!("http01_listen = [\"127.0.0.1:{}\"]", ca.http_port),
        )
        .replace(
            "[key_owner]",
            &format!(
                "directory_ca = {:?}\n\n[key_owner]",
                ca.listener.display().to_string()
            ),
        );
    std::fs::write(&renew, settings).unwrap();
    let forced = matrixctl()
        .args(["renew-certs", "--distro", "debian", "--force", "--config"])
        .arg(&renew)
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        stderr(&forced).contains("SIGHUP, no restart"),
        "{}",
        stderr(&forced)
    );
    let second = leaf_der(&std::fs::read(&cert_path).unwrap());
    assert_ne!(second, first);
    serves(&second);
    assert!(
        server.0[0].try_wait().unwrap().is_none(),
        "matrixd kept running: {}",
        std::fs::read_to_string(dir.join("matrixd.err")).unwrap_or_default()
    );
    drop(server);
    drop(ca.children);
}
