//! The doctor's network checks against loopback servers standing in for the public ones:
//! HTTPS servers with rcgen certificates (a test CA passed with the hidden --ca-file), a DNS
//! server for SRV and A records (--dns), --connect-to for port 443, a fake SMTP server, and a
//! client API handing out TURN credentials.

use std::path::{Path, PathBuf};

use crate::doctor_support::{
    Conf, Dns, Http, Pki, Rec, Reply, doctor_json, expect, free_port, result, smtp_server,
};

const NAME: &str = "example.test";

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A signed `/_matrix/key/v2/server` document.
fn key_document(key: &matrixd::keys::SigningKey, server_name: &str, valid_until: u64) -> String {
    let doc = serde_json::json!({
        "server_name": server_name,
        "valid_until_ts": valid_until,
        "verify_keys": { key.key_id(): { "key": key.public_key_base64() } },
        "old_verify_keys": {},
    });
    let mut obj: ruma::CanonicalJsonObject = serde_json::from_value(doc).unwrap();
    key.sign_json(server_name, &mut obj).unwrap();
    serde_json::to_string(&obj).unwrap()
}

/// Everything a remote server would meet: the well-known on example.test:443 (really a loopback
/// port), SRV `_matrix-fed._tcp.matrix.example.test` -> fed.example.test:<port>, and the
/// federation API there.
struct Federation {
    _dir: tempfile::TempDir,
    conf: Conf,
    pki: Pki,
    ca: PathBuf,
    wk: Http,
    fed: Http,
    dns: Dns,
}

impl Federation {
    fn new(srv: Vec<(&str, Rec)>) -> Federation {
        let dir = tempfile::tempdir().unwrap();
        let conf = Conf::new(dir.path(), free_port());
        let pki = Pki::new();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &pki.ca_pem).unwrap();
        let leaf = pki.leaf(&[NAME, "matrix.example.test"], 90);
        let wk = Http::start(Some((&pki.fullchain(&leaf), &leaf.key_pem)));
        let fed = Http::start(Some((&pki.fullchain(&leaf), &leaf.key_pem)));
        wk.route(
            "/.well-known/matrix/server",
            Reply::json(r#"{"m.server": "matrix.example.test"}"#),
        );
        fed.route(
            "/_matrix/federation/v1/version",
            Reply::json(r#"{"server":{"name":"matrixd","version":"0.1.0"}}"#),
        );
        let key = matrixd::keys::read_signing_key(&conf.key_path()).unwrap();
        fed.route(
            "/_matrix/key/v2/server",
            Reply::json(&key_document(&key, NAME, now_ms() + 86_400_000)),
        );
        let mut records = vec![("fed.example.test", Rec::A([127, 0, 0, 1]))];
        if srv.is_empty() {
            records.push((
                "_matrix-fed._tcp.matrix.example.test",
                Rec::Srv {
                    priority: 10,
                    weight: 5,
                    port: fed.port(),
                    target: "fed.example.test".into(),
                },
            ));
        } else {
            records.extend(srv);
        }
        let dns = Dns::start(records);
        Federation {
            _dir: dir,
            conf,
            pki,
            ca,
            wk,
            fed,
            dns,
        }
    }

    fn args(&self) -> Vec<String> {
        vec![
            "--dns".into(),
            self.dns.addr.to_string(),
            "--connect-to".into(),
            format!("{NAME}:443:127.0.0.1:{}", self.wk.port()),
            "--ca-file".into(),
            self.ca.display().to_string(),
        ]
    }

    fn expect(&self, id: &str, status: &str) -> String {
        self.expect_with(id, status, &[])
    }

    fn expect_with(&self, id: &str, status: &str, more: &[&str]) -> String {
        let cfg = self.conf.write();
        let args = self.args();
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend_from_slice(more);
        expect(&cfg, id, &a, status)
    }
}

#[test]
fn federation_passes_through_well_known_and_srv_to_a_signed_key() {
    let f = Federation::new(vec![]);
    let s = f.expect("federation.well_known", "ok");
    assert!(s.ends_with("-> matrix.example.test"), "{s}");
    let s = f.expect("federation.srv", "ok");
    assert_eq!(
        s,
        format!(
            "_matrix-fed._tcp.matrix.example.test -> fed.example.test:{}",
            f.fed.port()
        )
    );
    let s = f.expect("federation.version", "ok");
    assert!(s.contains("matrixd 0.1.0"), "{s}");
    let s = f.expect("federation.keys", "ok");
    assert!(s.contains("the local key among them"), "{s}");
    f.expect("federation.certificate", "ok");
}

#[test]
fn federation_well_known_fails_on_bad_json_and_is_ok_when_absent() {
    let f = Federation::new(vec![]);
    f.wk.route("/.well-known/matrix/server", Reply::json("{\"m.server\": "));
    let s = f.expect("federation.well_known", "fail");
    assert!(s.contains("not valid JSON"), "{s}");
    f.wk.route(
        "/.well-known/matrix/server",
        Reply::json(r#"{"m.homeserver": "x"}"#),
    );
    f.expect("federation.well_known", "fail");
    f.wk.route("/.well-known/matrix/server", Reply::status(404, "{}"));
    let s = f.expect("federation.well_known", "ok");
    assert!(s.contains("no delegation"), "{s}");
}

#[test]
fn federation_srv_prefers_matrix_fed_warns_on_legacy_and_fails_on_cname() {
    let legacy = |port: u16| {
        vec![
            ("fed.example.test", Rec::A([127, 0, 0, 1])),
            (
                "_matrix._tcp.matrix.example.test",
                Rec::Srv {
                    priority: 10,
                    weight: 5,
                    port,
                    target: "fed.example.test".into(),
                },
            ),
        ]
    };
    let probe = Federation::new(vec![]);
    let f = Federation::new(legacy(probe.fed.port()));
    let s = f.expect("federation.srv", "warn");
    assert!(
        s.contains("deprecated _matrix._tcp.matrix.example.test"),
        "{s}"
    );
    let f = Federation::new(vec![
        ("fed.example.test", Rec::A([127, 0, 0, 1])),
        ("alias.example.test", Rec::Cname("fed.example.test".into())),
        (
            "_matrix-fed._tcp.matrix.example.test",
            Rec::Srv {
                priority: 1,
                weight: 1,
                port: probe.fed.port(),
                target: "alias.example.test".into(),
            },
        ),
    ]);
    let s = f.expect("federation.srv", "fail");
    assert!(s.contains("CNAME"), "{s}");
    // No SRV at all: port 8448 of matrix.example.test, which has no address here.
    let f = Federation::new(vec![("unrelated.example.test", Rec::A([127, 0, 0, 1]))]);
    let s = f.expect("federation.srv", "ok");
    assert!(s.contains("no SRV records"), "{s}");
    f.expect("federation.version", "fail");
}

#[test]
fn federation_version_fails_when_unreachable_and_when_answering_although_disabled() {
    let dead = free_port();
    let f = Federation::new(vec![
        ("fed.example.test", Rec::A([127, 0, 0, 1])),
        (
            "_matrix-fed._tcp.matrix.example.test",
            Rec::Srv {
                priority: 1,
                weight: 1,
                port: dead,
                target: "fed.example.test".into(),
            },
        ),
    ]);
    let s = f.expect("federation.version", "fail");
    assert!(s.contains("unreachable"), "{s}");
    f.expect("federation.keys", "fail");
    f.expect("federation.certificate", "fail");
    // Federation disabled, yet it answers: a failure; disabled and silent: fine.
    let mut f = Federation::new(vec![]);
    f.conf = f.conf.set("federation_domain_whitelist", "[]");
    let s = f.expect("federation.version", "fail");
    assert!(s.contains("federation is disabled but"), "{s}");
    f.expect("federation.keys", "skip");
    f.fed
        .route("/_matrix/federation/v1/version", Reply::status(404, "{}"));
    f.expect("federation.version", "ok");
}

#[test]
fn federation_keys_fail_for_another_key_name_expiry_or_signature() {
    let f = Federation::new(vec![]);
    let other = matrixd::keys::SigningKey::generate();
    f.fed.route(
        "/_matrix/key/v2/server",
        Reply::json(&key_document(&other, NAME, now_ms() + 86_400_000)),
    );
    let s = f.expect("federation.keys", "fail");
    assert!(
        s.contains("is not published") || s.contains("another public key"),
        "{s}"
    );
    let ours = matrixd::keys::read_signing_key(&f.conf.key_path()).unwrap();
    f.fed.route(
        "/_matrix/key/v2/server",
        Reply::json(&key_document(&ours, "other.test", now_ms() + 86_400_000)),
    );
    let s = f.expect("federation.keys", "fail");
    assert!(s.contains("not for \"example.test\""), "{s}");
    f.fed.route(
        "/_matrix/key/v2/server",
        Reply::json(&key_document(&ours, NAME, now_ms() - 1000)),
    );
    let s = f.expect("federation.keys", "fail");
    assert!(s.contains("valid_until_ts is in the past"), "{s}");
    let tampered = key_document(&ours, NAME, now_ms() + 86_400_000).replace(
        "\"old_verify_keys\":{}",
        "\"old_verify_keys\":{\"ed25519:x\":{\"key\":\"AAAA\",\"expired_ts\":1}}",
    );
    f.fed
        .route("/_matrix/key/v2/server", Reply::json(&tampered));
    let s = f.expect("federation.keys", "fail");
    assert!(s.contains("does not verify"), "{s}");
}

#[test]
fn federation_certificate_fails_for_an_untrusted_or_misnamed_certificate() {
    let f = Federation::new(vec![]);
    // Another CA is trusted: the chain does not verify.
    let other = Pki::new();
    std::fs::write(&f.ca, &other.ca_pem).unwrap();
    let s = f.expect("federation.certificate", "fail");
    assert!(s.contains("does not verify"), "{s}");
    // Trusted CA, wrong name.
    let f2 = Federation::new(vec![]);
    let wrong = f2.pki.leaf(&["elsewhere.test"], 90);
    let fed = Http::start(Some((&f2.pki.fullchain(&wrong), &wrong.key_pem)));
    fed.route(
        "/_matrix/federation/v1/version",
        Reply::json(r#"{"server":{"name":"matrixd","version":"0.1.0"}}"#),
    );
    let dns = Dns::start(vec![
        ("fed.example.test", Rec::A([127, 0, 0, 1])),
        (
            "_matrix-fed._tcp.matrix.example.test",
            Rec::Srv {
                priority: 1,
                weight: 1,
                port: fed.port(),
                target: "fed.example.test".into(),
            },
        ),
    ]);
    let cfg = f2.conf.write();
    let (dns_s, ct, ca) = (
        dns.addr.to_string(),
        format!("{NAME}:443:127.0.0.1:{}", f2.wk.port()),
        f2.ca.display().to_string(),
    );
    expect(
        &cfg,
        "federation.version",
        &["--dns", &dns_s, "--connect-to", &ct, "--ca-file", &ca],
        "ok",
    );
    expect(
        &cfg,
        "federation.certificate",
        &["--dns", &dns_s, "--connect-to", &ct, "--ca-file", &ca],
        "fail",
    );
}

/// The client side: the well-known on example.test:443 and the client API on
/// matrix.example.test:443, both loopback HTTPS servers.
struct Clients {
    _dir: tempfile::TempDir,
    cfg: PathBuf,
    ca: PathBuf,
    wk: Http,
    api: Http,
}

impl Clients {
    fn new() -> Clients {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Conf::new(dir.path(), free_port()).write();
        let pki = Pki::new();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &pki.ca_pem).unwrap();
        let leaf = pki.leaf(&[NAME, "matrix.example.test"], 90);
        let wk = Http::start(Some((&pki.fullchain(&leaf), &leaf.key_pem)));
        let api = Http::start(Some((&pki.fullchain(&leaf), &leaf.key_pem)));
        wk.route(
            "/.well-known/matrix/client",
            Reply::json(r#"{"m.homeserver": {"base_url": "https://matrix.example.test"}}"#).cors(),
        );
        api.route(
            "/_matrix/client/versions",
            Reply::json(r#"{"versions":["v1.12"]}"#).cors(),
        );
        Clients {
            _dir: dir,
            cfg,
            ca,
            wk,
            api,
        }
    }

    fn expect(&self, id: &str, status: &str) -> String {
        let (a, b, c) = (
            format!("{NAME}:443:127.0.0.1:{}", self.wk.port()),
            format!("matrix.example.test:443:127.0.0.1:{}", self.api.port()),
            self.ca.display().to_string(),
        );
        expect(
            &self.cfg,
            id,
            &["--connect-to", &a, "--connect-to", &b, "--ca-file", &c],
            status,
        )
    }
}

#[test]
fn client_discovery_passes_with_cors_and_a_live_base_url() {
    let c = Clients::new();
    let s = c.expect("client.well_known", "ok");
    assert!(s.ends_with("-> https://matrix.example.test"), "{s}");
    c.expect("client.cors", "ok");
    let s = c.expect("client.base_url", "ok");
    assert!(s.contains("answers /_matrix/client/versions"), "{s}");
}

#[test]
fn client_well_known_fails_on_bad_json_and_warns_when_missing() {
    let c = Clients::new();
    c.wk.route("/.well-known/matrix/client", Reply::json("not json").cors());
    c.expect("client.well_known", "fail");
    c.wk.route(
        "/.well-known/matrix/client",
        Reply::json(r#"{"m.homeserver": {}}"#).cors(),
    );
    let s = c.expect("client.well_known", "fail");
    assert!(s.contains("no m.homeserver.base_url"), "{s}");
    c.wk.route("/.well-known/matrix/client", Reply::status(404, "{}"));
    c.expect("client.well_known", "warn");
    c.expect("client.cors", "skip");
}

#[test]
fn client_cors_fails_without_the_header_and_through_a_redirect_that_drops_it() {
    let c = Clients::new();
    c.wk.route(
        "/.well-known/matrix/client",
        Reply::json(r#"{"m.homeserver": {"base_url": "https://matrix.example.test"}}"#),
    );
    let s = c.expect("client.cors", "fail");
    assert!(s.contains("has no Access-Control-Allow-Origin"), "{s}");
    // Redirected to matrix.example.test, which serves it with CORS, but the redirect has none.
    c.wk.route(
        "/.well-known/matrix/client",
        Reply::redirect("https://matrix.example.test/.well-known/matrix/client"),
    );
    c.api.route(
        "/.well-known/matrix/client",
        Reply::json(r#"{"m.homeserver": {"base_url": "https://matrix.example.test"}}"#).cors(),
    );
    let s = c.expect("client.well_known", "ok");
    assert!(s.contains("after 1 redirect"), "{s}");
    let s = c.expect("client.cors", "fail");
    assert!(
        s.contains("the redirect at https://example.test/.well-known/matrix/client (HTTP 301)"),
        "{s}"
    );
    c.wk.route(
        "/.well-known/matrix/client",
        Reply::redirect("https://matrix.example.test/.well-known/matrix/client").cors(),
    );
    let s = c.expect("client.cors", "ok");
    assert!(s.contains("on every redirect too"), "{s}");
}

#[test]
fn client_base_url_fails_when_dead_and_warns_when_not_public_baseurl() {
    let c = Clients::new();
    c.api.route(
        "/_matrix/client/versions",
        Reply::status(502, "bad gateway"),
    );
    let s = c.expect("client.base_url", "fail");
    assert!(s.contains("HTTP 502"), "{s}");
    c.api.route(
        "/_matrix/client/versions",
        Reply::json(r#"{"versions":["v1.12"]}"#).cors(),
    );
    c.wk.route(
        "/.well-known/matrix/client",
        Reply::json(r#"{"m.homeserver": {"base_url": "https://matrix.example.test/other"}}"#)
            .cors(),
    );
    c.api.route(
        "/other/_matrix/client/versions",
        Reply::json(r#"{"versions":["v1.12"]}"#).cors(),
    );
    let s = c.expect("client.base_url", "warn");
    assert!(s.contains("differs from public_baseurl"), "{s}");
}

fn email_conf(dir: &Path, port: u16, require_tls: bool) -> PathBuf {
    Conf::new(dir, free_port())
        .set(
            "email",
            &format!("\n  smtp_host: \"smtp.example.test\"\n  smtp_port: {port}\n  require_transport_security: {require_tls}\n  notif_from: \"Matrix <noreply@example.test>\""),
        )
        .write()
}

#[test]
fn email_smtp_answers_ehlo_without_sending_mail() {
    let (port, heard) = smtp_server(&["8BITMIME", "STARTTLS"]);
    let dns = Dns::start(vec![("smtp.example.test", Rec::A([127, 0, 0, 1]))]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = email_conf(dir.path(), port, true);
    let d = dns.addr.to_string();
    let s = expect(&cfg, "email.smtp", &["--dns", &d], "ok");
    assert!(s.contains("STARTTLS offered"), "{s}");
    let said = heard.lock().unwrap().clone();
    assert!(said[0].starts_with("EHLO "), "{said:?}");
    assert_eq!(said.last().map(String::as_str), Some("QUIT"));
    assert!(
        !said
            .iter()
            .any(|l| l.starts_with("MAIL") || l.starts_with("RCPT") || l.starts_with("DATA")),
        "{said:?}"
    );
    expect(
        &dir.path().join("homeserver.yaml"),
        "email.smtp",
        &["--dns", &d, "--offline"],
        "skip",
    );
    let none = Conf::new(dir.path(), free_port()).write();
    expect(&none, "email.smtp", &[], "skip");
}

#[test]
fn email_smtp_fails_unreachable_unresolvable_or_without_required_starttls() {
    let (port, _) = smtp_server(&["8BITMIME"]);
    let dns = Dns::start(vec![("smtp.example.test", Rec::A([127, 0, 0, 1]))]);
    let dir = tempfile::tempdir().unwrap();
    let d = dns.addr.to_string();
    let s = expect(
        &email_conf(dir.path(), port, true),
        "email.smtp",
        &["--dns", &d],
        "fail",
    );
    assert!(s.contains("offers no STARTTLS"), "{s}");
    expect(
        &email_conf(dir.path(), port, false),
        "email.smtp",
        &["--dns", &d],
        "ok",
    );
    expect(
        &email_conf(dir.path(), free_port(), false),
        "email.smtp",
        &["--dns", &d],
        "fail",
    );
    let empty = Dns::start(vec![("other.example.test", Rec::A([127, 0, 0, 1]))]);
    let s = expect(
        &email_conf(dir.path(), port, false),
        "email.smtp",
        &["--dns", &empty.addr.to_string()],
        "fail",
    );
    assert!(s.contains("does not resolve"), "{s}");
}

fn turn_conf(dir: &Path, port: u16) -> PathBuf {
    Conf::new(dir, port)
        .set(
            "turn_uris",
            "[\"turn:turn.example.test:3478?transport=udp\"]",
        )
        .set("turn_shared_secret", "\"coturn-static-auth-secret\"")
        .write()
}

#[test]
fn turn_credentials_match_the_shared_secret_or_fail() {
    use matrixctl::doctor::checks::turn::turn_password;
    let api = Http::start(None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = turn_conf(dir.path(), api.port());
    let token = dir.path().join("token");
    std::fs::write(&token, "syt_test_token\n").unwrap();
    let t = token.to_str().unwrap();
    let user = "1767225600:@doctor:example.test";
    let good = serde_json::json!({"username": user, "password": turn_password("coturn-static-auth-secret", user), "ttl": 3600, "uris": ["turn:turn.example.test:3478?transport=udp"]});
    api.route(
        "/_matrix/client/v3/voip/turnServer",
        Reply::json(&good.to_string()),
    );
    let s = expect(&cfg, "turn.credentials", &["--access-token-file", t], "ok");
    assert!(s.contains("matches turn_shared_secret"), "{s}");
    let bad = serde_json::json!({"username": user, "password": turn_password("another-secret", user), "ttl": 3600, "uris": []});
    api.route(
        "/_matrix/client/v3/voip/turnServer",
        Reply::json(&bad.to_string()),
    );
    let s = expect(
        &cfg,
        "turn.credentials",
        &["--access-token-file", t],
        "fail",
    );
    assert!(s.contains("does not match"), "{s}");
    api.route(
        "/_matrix/client/v3/voip/turnServer",
        Reply::status(401, r#"{"errcode":"M_MISSING_TOKEN"}"#),
    );
    expect(&cfg, "turn.credentials", &[], "skip");
    api.route(
        "/_matrix/client/v3/voip/turnServer",
        Reply::status(404, r#"{"errcode":"M_UNRECOGNIZED"}"#),
    );
    let s = expect(
        &cfg,
        "turn.credentials",
        &["--access-token-file", t],
        "warn",
    );
    assert!(s.contains("does not serve /voip/turnServer"), "{s}");
    let (_, report) = doctor_json(&cfg, &["turn"]);
    assert_eq!(result(&report, "turn.credentials").0, "warn");
    // The padded base64 coturn computes (28 characters for a SHA-1 MAC).
    assert_eq!(turn_password("secret", "1:@a:b").len(), 28);
    let none = Conf::new(dir.path(), api.port()).write();
    expect(&none, "turn.credentials", &[], "skip");
}
