//! The federation foundation (issue 13): server discovery with a fake DNS and a real HTTPS
//! well-known server on loopback (a throwaway CA trusted through the custom CA list), every
//! step of the spec with its Host header and TLS name; X-Matrix signing and verification;
//! the outbound client's IP policy, TLS verification, Host header, size cap and errors.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use matrixd::config::{DEFAULT_IP_RANGE_BLACKLIST, FederationTlsConfig};
use matrixd::keys::SigningKey;
use matrixd::service::federation::discovery::{
    WELL_KNOWN_DEFAULT_CACHE, WELL_KNOWN_INVALID_CACHE, WellKnown,
};
use matrixd::service::federation::{
    Discovery, DiscoveryError, Dns, DnsError, FederationClient, FederationError, SrvRecord, Step,
    auth,
};
use matrixd::service::safe_http::IpPolicy;
use ruma::{OwnedServerName, ServerName};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// A fake DNS.

#[derive(Default)]
struct FakeDns {
    srv: HashMap<String, Vec<SrvRecord>>,
    ips: HashMap<String, Vec<IpAddr>>,
    asked: Mutex<Vec<String>>,
}

impl FakeDns {
    fn a(mut self, host: &str, ips: &[&str]) -> Self {
        self.ips.insert(
            host.to_string(),
            ips.iter().map(|i| i.parse().unwrap()).collect(),
        );
        self
    }
    fn with_srv(mut self, name: &str, records: &[(u16, u16, &str)]) -> Self {
        self.srv.insert(
            name.to_string(),
            records
                .iter()
                .map(|(priority, port, target)| SrvRecord {
                    priority: *priority,
                    weight: 10,
                    port: *port,
                    target: target.to_string(),
                })
                .collect(),
        );
        self
    }
    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl Dns for FakeDns {
    fn srv<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<SrvRecord>, DnsError>> {
        self.asked.lock().unwrap().push(format!("SRV {name}"));
        let r = self.srv.get(name).cloned().unwrap_or_default();
        Box::pin(async move { Ok(r) })
    }
    fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>> {
        self.asked.lock().unwrap().push(format!("A {host}"));
        let r = self.ips.get(host).cloned().unwrap_or_default();
        Box::pin(async move { Ok(r) })
    }
}

// ---------------------------------------------------------------------------------------------
// A real HTTPS server on loopback, answering by Host header.

use testkit::TestPki as Pki;

/// A throwaway CA and a certificate from it for `sans` (names and IP addresses).
fn pki(sans: &[&str]) -> Pki {
    testkit::throwaway_pki("matrixd test CA", sans)
}

/// What one request looked like, as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    host: String,
    path: String,
}

struct TestServer {
    port: u16,
    ca_pem: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Signatures are checked against this key.
    origin_key: Arc<SigningKey>,
}

impl TestServer {
    /// How many times `host` (without port) was asked for its well-known.
    fn well_known_hits(&self, host: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| {
                s.host.split(':').next() == Some(host) && s.path == "/.well-known/matrix/server"
            })
            .count()
    }
}

/// Names the fake DNS points at the test server but its certificate leaves out: `backend.test`
/// (an SRV target, whose name is never the TLS name) and `nocert.test`.
const NOT_IN_CERT: &[&str] = &["backend.test", "nocert.test"];

/// The certificate's names: everything the tests connect to by TLS name — the well-known hosts
/// but those in `NOT_IN_CERT`, the address itself, and `fedsrv.test` (reached through SRV).
fn cert_names() -> Vec<&'static str> {
    let mut names = vec!["127.0.0.1", "fedsrv.test"];
    names.extend(WELL_KNOWN_HOSTS.iter().filter(|h| !NOT_IN_CERT.contains(h)));
    names
}

async fn https_server() -> TestServer {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pki = pki(&cert_names());
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let port = std_listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let origin_key = Arc::new(SigningKey::generate());
    let (s, k) = (seen.clone(), origin_key.clone());
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (seen, key) = (s.clone(), k.clone());
        async move { answer(req, port, &seen, &key).await }
    });
    let cfg = axum_server::tls_rustls::RustlsConfig::from_pem(
        pki.cert_pem.into_bytes(),
        pki.key_pem.into_bytes(),
    )
    .await
    .unwrap();
    let server = axum_server::tls_rustls::from_tcp_rustls(std_listener, cfg).unwrap();
    tokio::spawn(async move { server.serve(app.into_make_service()).await });
    TestServer {
        port,
        ca_pem: pki.ca_pem,
        seen,
        origin_key,
    }
}

fn reply(
    status: u16,
    headers: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
) -> axum::response::Response {
    let mut b = axum::response::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(axum::body::Body::from(body.into())).unwrap()
}

async fn answer(
    req: axum::extract::Request,
    port: u16,
    seen: &Mutex<Vec<Seen>>,
    key: &SigningKey,
) -> axum::response::Response {
    let host = req
        .headers()
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let path = req.uri().path().to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    seen.lock().unwrap().push(Seen {
        host: host.clone(),
        path: path.clone(),
    });
    let method = req.method().clone();
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap();
    let bare = host.split(':').next().unwrap_or("").to_string();
    let ok = |v: Value| reply(200, &[("content-type", "application/json")], v.to_string());
    if path == "/.well-known/matrix/server" {
        return match bare.as_str() {
            "wk-port.test" => ok(json!({"m.server": "delegated.test:9999"})),
            "wk-srv.test" => ok(json!({"m.server": "srvdel.test"})),
            "wk-legacy.test" => ok(json!({"m.server": "legacydel.test"})),
            "wk-default.test" => ok(json!({"m.server": "plaindel.test"})),
            "wk-ip.test" => reply(
                200,
                &[("cache-control", "public, max-age=7200")],
                json!({"m.server": "[2606:4700::1]:445"}).to_string(),
            ),
            "redir.test" => reply(
                302,
                &[(
                    "location",
                    &format!("https://wk-port.test:{port}/.well-known/matrix/server"),
                )],
                "",
            ),
            "redir-private.test" => reply(
                301,
                &[("location", "https://10.0.0.1/.well-known/matrix/server")],
                "",
            ),
            "big.test" => ok(json!({"m.server": "x.test", "pad": "a".repeat(60 * 1024)})),
            "badjson.test" => reply(200, &[], "m.server: x.test"),
            "badname.test" => ok(json!({"m.server": "not a name!"})),
            "wk-fed.test" => ok(json!({"m.server": format!("fed.test:{port}")})),
            "wk-fedsrv.test" => ok(json!({"m.server": "fedsrv.test"})),
            _ => reply(404, &[], "not found"),
        };
    }
    if path.starts_with("/_matrix/federation/") {
        if path == "/_matrix/federation/v1/missing" {
            return reply(
                404,
                &[],
                json!({"errcode": "M_NOT_FOUND", "error": "nothing"}).to_string(),
            );
        }
        if path == "/_matrix/federation/v1/big" {
            return ok(json!({"pad": "b".repeat(4096)}));
        }
        // Verify the X-Matrix signature for the destination the header names.
        let verdict = match authorization.as_deref().map(auth::parse_header) {
            Some(Ok(x)) => {
                let dest = x.destination.clone().unwrap();
                match auth::verify(
                    &x,
                    &dest,
                    &method,
                    &path_and_query,
                    &body,
                    &key.public_key_base64(),
                ) {
                    Ok(a) => json!({"origin": a.origin, "destination": dest, "valid": true}),
                    Err(e) => json!({"valid": false, "error": e.to_string()}),
                }
            }
            other => json!({"valid": false, "error": format!("{other:?}")}),
        };
        if path.starts_with("/_matrix/federation/v1/event/") {
            // get_event's shape, with what the server saw as the PDU.
            return ok(json!({
                "origin": "remote.test",
                "origin_server_ts": 1,
                "pdus": [{"host": host, "auth": verdict, "uri": path_and_query}],
            }));
        }
        let content: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        return ok(
            json!({"host": host, "auth": verdict, "content": content, "uri": path_and_query}),
        );
    }
    reply(404, &[], "")
}

// ---------------------------------------------------------------------------------------------
// Discovery.

fn default_policy() -> IpPolicy {
    IpPolicy {
        layers: vec![(
            DEFAULT_IP_RANGE_BLACKLIST
                .iter()
                .map(|s| s.parse().unwrap())
                .collect(),
            vec![],
        )],
        always_allow: vec![],
    }
}

/// The default blacklist with ip_range_whitelist: [127.0.0.1/32], as the issue's tests run.
fn loopback_policy() -> IpPolicy {
    let mut p = default_policy();
    p.layers[0].1 = vec!["127.0.0.1/32".parse().unwrap()];
    p
}

fn trusting(server: &TestServer) -> FederationTlsConfig {
    FederationTlsConfig {
        custom_ca_pem: vec![server.ca_pem.clone().into_bytes()],
        ..Default::default()
    }
}

const WELL_KNOWN_HOSTS: &[&str] = &[
    "wk-port.test",
    "wk-srv.test",
    "wk-legacy.test",
    "wk-default.test",
    "wk-ip.test",
    "nowk.test",
    "nowk-legacy.test",
    "nowk-plain.test",
    "redir.test",
    "redir-private.test",
    "big.test",
    "badjson.test",
    "badname.test",
    "wk-fed.test",
    "fed.test",
    "wk-fedsrv.test",
    "backend.test",
    "nocert.test",
];

fn dns() -> FakeDns {
    let mut d = FakeDns::default()
        .a("delegated.test", &["1.2.3.4"])
        .with_srv("_matrix-fed._tcp.srvdel.test", &[(10, 7000, "t1.test")])
        .a("t1.test", &["1.2.3.5", "10.0.0.9"])
        .with_srv("_matrix._tcp.legacydel.test", &[(10, 7001, "t2.test")])
        .a("t2.test", &["1.2.3.6"])
        .a("plaindel.test", &["2606:4700::2"])
        .with_srv(
            "_matrix-fed._tcp.nowk.test",
            &[(20, 7003, "t4.test"), (10, 7002, "t3.test")],
        )
        .with_srv("_matrix._tcp.nowk.test", &[(0, 1, "never.test")])
        .a("t3.test", &["1.2.3.7"])
        .a("t4.test", &["1.2.3.8"])
        .with_srv("_matrix._tcp.nowk-legacy.test", &[(0, 7004, "t5.test")])
        .a("t5.test", &["2606:4700::5"])
        .a("private.test", &["10.0.0.5", "192.168.1.1", "::1"])
        .a("mixed.test", &["10.0.0.5", "1.2.3.4"]);
    for h in WELL_KNOWN_HOSTS {
        d = d.a(h, &["127.0.0.1"]);
    }
    d
}

struct Fixture {
    server: TestServer,
    dns: Arc<FakeDns>,
    offset: Arc<AtomicU64>,
    start: Instant,
}

impl Fixture {
    async fn new() -> Self {
        Fixture {
            server: https_server().await,
            dns: Arc::new(dns()),
            offset: Arc::default(),
            start: Instant::now(),
        }
    }
    fn discovery(&self, policy: IpPolicy, tls: FederationTlsConfig) -> Discovery {
        let (start, offset) = (self.start, self.offset.clone());
        let mut d = Discovery::new(self.dns.clone(), Arc::new(policy), tls)
            .with_clock(move || start + Duration::from_secs(offset.load(Ordering::SeqCst)));
        d.well_known_port = self.server.port;
        d.timeout = Duration::from_secs(10);
        d
    }
    fn advance(&self, secs: u64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }
    fn now(&self) -> Instant {
        self.start + Duration::from_secs(self.offset.load(Ordering::SeqCst))
    }
}

fn name(s: &str) -> OwnedServerName {
    ServerName::parse(s).unwrap()
}

fn addrs(list: &[&str]) -> Vec<SocketAddr> {
    list.iter().map(|a| a.parse().unwrap()).collect()
}

#[tokio::test]
async fn ip_literals_are_used_as_they_are() {
    let f = Fixture::new().await;
    let d = f.discovery(default_policy(), FederationTlsConfig::default());
    let r = d.resolve(&name("1.2.3.4:8443")).await.unwrap();
    assert_eq!(r.step, Step::IpLiteral);
    assert_eq!(r.addresses, addrs(&["1.2.3.4:8443"]));
    assert_eq!(r.host_header, "1.2.3.4:8443");
    assert_eq!(r.tls_name, "1.2.3.4");
    let r = d.resolve(&name("[2606:4700::1]")).await.unwrap();
    assert_eq!(r.addresses, addrs(&["[2606:4700::1]:8448"]));
    assert_eq!(r.host_header, "[2606:4700::1]");
    assert_eq!(r.tls_name, "2606:4700::1");
    // Blocked literals are refused by name.
    let e = d.resolve(&name("127.0.0.1:8448")).await.unwrap_err();
    assert!(matches!(e, DiscoveryError::Blocked { .. }), "{e}");
    assert!(
        e.to_string().contains("blocked by ip_range_blacklist"),
        "{e}"
    );
    assert!(d.resolve(&name("[::ffff:10.0.0.1]")).await.is_err());
    // No DNS and no well-known for literals.
    assert!(f.dns.asked().is_empty(), "{:?}", f.dns.asked());
    assert!(f.server.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_explicit_port_skips_well_known_and_srv() {
    let f = Fixture::new().await;
    let d = f.discovery(default_policy(), FederationTlsConfig::default());
    let r = d.resolve(&name("mixed.test:1234")).await.unwrap();
    assert_eq!(r.step, Step::ExplicitPort);
    // 10.0.0.5 is dropped by the blacklist; 1.2.3.4 is kept.
    assert_eq!(r.addresses, addrs(&["1.2.3.4:1234"]));
    assert_eq!(r.host_header, "mixed.test:1234");
    assert_eq!(r.tls_name, "mixed.test");
    assert_eq!(f.dns.asked(), ["A mixed.test"]);
    assert_eq!(f.server.well_known_hits("mixed.test"), 0);
}

#[tokio::test]
async fn a_name_with_only_private_addresses_fails_clearly() {
    let f = Fixture::new().await;
    let d = f.discovery(default_policy(), FederationTlsConfig::default());
    let e = d.resolve(&name("private.test:8448")).await.unwrap_err();
    match &e {
        DiscoveryError::Blocked { host, addresses } => {
            assert_eq!(host, "private.test");
            assert_eq!(addresses.len(), 3);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "every address of private.test is blocked by ip_range_blacklist: 10.0.0.5, 192.168.1.1, ::1"
    );
    let e = d.resolve(&name("unknown.test:8448")).await.unwrap_err();
    assert_eq!(e.to_string(), "unknown.test has no A or AAAA record");
}

#[tokio::test]
async fn well_known_delegation_follows_each_rule() {
    let f = Fixture::new().await;
    let d = f.discovery(loopback_policy(), trusting(&f.server));

    // 3.2: delegated name with a port: A/AAAA of it, Host name:port, TLS name the name.
    let r = d.resolve(&name("wk-port.test")).await.unwrap();
    assert_eq!(r.step, Step::DelegatedExplicitPort);
    assert_eq!(r.addresses, addrs(&["1.2.3.4:9999"]));
    assert_eq!(r.host_header, "delegated.test:9999");
    assert_eq!(r.tls_name, "delegated.test");
    let (wk, until) = d.cached_well_known("wk-port.test").unwrap();
    assert_eq!(wk, WellKnown::Delegated(name("delegated.test:9999")));
    assert_eq!(until - f.now(), WELL_KNOWN_DEFAULT_CACHE);

    // 3.3: SRV _matrix-fed._tcp of the delegated name; Host and TLS name stay the delegated
    // name, the port comes from SRV, and the target's blocked address is dropped.
    let r = d.resolve(&name("wk-srv.test")).await.unwrap();
    assert_eq!(r.step, Step::DelegatedSrv);
    assert_eq!(r.addresses, addrs(&["1.2.3.5:7000"]));
    assert_eq!(r.host_header, "srvdel.test");
    assert_eq!(r.tls_name, "srvdel.test");

    // 3.4: the deprecated _matrix._tcp.
    let r = d.resolve(&name("wk-legacy.test")).await.unwrap();
    assert_eq!(r.step, Step::DelegatedLegacySrv);
    assert_eq!(r.addresses, addrs(&["1.2.3.6:7001"]));
    assert_eq!(r.host_header, "legacydel.test");
    assert_eq!(r.tls_name, "legacydel.test");

    // 3.5: no SRV: the delegated name on 8448.
    let r = d.resolve(&name("wk-default.test")).await.unwrap();
    assert_eq!(r.step, Step::DelegatedDefaultPort);
    assert_eq!(r.addresses, addrs(&["[2606:4700::2]:8448"]));
    assert_eq!(r.host_header, "plaindel.test");
    assert_eq!(r.tls_name, "plaindel.test");

    // 3.1: an IP literal with a port; Host is the literal as given, TLS name the address.
    let r = d.resolve(&name("wk-ip.test")).await.unwrap();
    assert_eq!(r.step, Step::DelegatedIpLiteral);
    assert_eq!(r.addresses, addrs(&["[2606:4700::1]:445"]));
    assert_eq!(r.host_header, "[2606:4700::1]:445");
    assert_eq!(r.tls_name, "2606:4700::1");

    // Redirects are followed, to another host and port.
    let r = d.resolve(&name("redir.test")).await.unwrap();
    assert_eq!(r.step, Step::DelegatedExplicitPort);
    assert_eq!(r.host_header, "delegated.test:9999");
    assert_eq!(f.server.well_known_hits("redir.test"), 1);
    assert_eq!(f.server.well_known_hits("wk-port.test"), 2);
}

#[tokio::test]
async fn without_well_known_srv_then_legacy_srv_then_8448() {
    let f = Fixture::new().await;
    let d = f.discovery(loopback_policy(), trusting(&f.server));

    // 4: _matrix-fed._tcp wins over _matrix._tcp, in priority order; Host and TLS name are
    // the server name, never the SRV target.
    let r = d.resolve(&name("nowk.test")).await.unwrap();
    assert_eq!(r.step, Step::Srv);
    assert_eq!(r.addresses, addrs(&["1.2.3.7:7002", "1.2.3.8:7003"]));
    assert_eq!(r.host_header, "nowk.test");
    assert_eq!(r.tls_name, "nowk.test");
    assert!(
        !f.dns
            .asked()
            .contains(&"SRV _matrix._tcp.nowk.test".to_string())
    );

    // 5: the deprecated _matrix._tcp.
    let r = d.resolve(&name("nowk-legacy.test")).await.unwrap();
    assert_eq!(r.step, Step::LegacySrv);
    assert_eq!(r.addresses, addrs(&["[2606:4700::5]:7004"]));
    assert_eq!(r.host_header, "nowk-legacy.test");
    assert_eq!(r.tls_name, "nowk-legacy.test");

    // 6: the name itself on 8448.
    let r = d.resolve(&name("nowk-plain.test")).await.unwrap();
    assert_eq!(r.step, Step::DefaultPort);
    assert_eq!(r.addresses, addrs(&["127.0.0.1:8448"]));
    assert_eq!(r.host_header, "nowk-plain.test");
    assert_eq!(r.tls_name, "nowk-plain.test");
    let asked = f.dns.asked();
    for q in [
        "SRV _matrix-fed._tcp.nowk-plain.test",
        "SRV _matrix._tcp.nowk-plain.test",
        "A nowk-plain.test",
    ] {
        assert!(asked.contains(&q.to_string()), "{q} not in {asked:?}");
    }
}

#[tokio::test]
async fn invalid_well_known_answers_are_ignored_and_cached_for_an_hour() {
    let f = Fixture::new().await;
    let d = f.discovery(loopback_policy(), trusting(&f.server));
    for (host, why) in [
        ("nowk.test", "404"),
        ("big.test", "over 51200 bytes"),
        ("badjson.test", "not JSON"),
        ("badname.test", "is not a server name"),
        ("redir-private.test", "blocked by ip_range_blacklist"),
    ] {
        let r = d.resolve(&name(host)).await;
        let (wk, until) = d.cached_well_known(host).unwrap();
        match wk {
            WellKnown::Invalid(reason) => assert!(reason.contains(why), "{host}: {reason}"),
            other => panic!("{host}: {other:?}"),
        }
        assert_eq!(until - f.now(), WELL_KNOWN_INVALID_CACHE, "{host}");
        // Falling through to SRV / 8448: these names have no SRV records and resolve to
        // loopback (allowed here), so the result is the name on 8448.
        if host != "nowk.test" {
            let r = r.unwrap();
            assert_eq!(r.step, Step::DefaultPort, "{host}");
            assert_eq!(r.host_header, host);
        }
    }

    // The failure is cached: resolving again (even after dropping the resolution) asks DNS
    // again but not the well-known server, until the hour is over.
    assert_eq!(f.server.well_known_hits("nowk.test"), 1);
    d.resolve(&name("nowk.test")).await.unwrap();
    d.forget(&name("nowk.test"));
    d.resolve(&name("nowk.test")).await.unwrap();
    assert_eq!(f.server.well_known_hits("nowk.test"), 1);
    f.advance(3599);
    d.resolve(&name("nowk.test")).await.unwrap();
    assert_eq!(f.server.well_known_hits("nowk.test"), 1);
    f.advance(2);
    d.resolve(&name("nowk.test")).await.unwrap();
    assert_eq!(f.server.well_known_hits("nowk.test"), 2);
}

#[tokio::test]
async fn valid_answers_are_cached_per_cache_control() {
    let f = Fixture::new().await;
    let d = f.discovery(loopback_policy(), trusting(&f.server));
    d.resolve(&name("wk-ip.test")).await.unwrap();
    let (_, until) = d.cached_well_known("wk-ip.test").unwrap();
    assert_eq!(until - f.now(), Duration::from_secs(7200));
    f.advance(7199);
    d.resolve(&name("wk-ip.test")).await.unwrap();
    assert_eq!(f.server.well_known_hits("wk-ip.test"), 1);
    f.advance(2);
    d.resolve(&name("wk-ip.test")).await.unwrap();
    assert_eq!(f.server.well_known_hits("wk-ip.test"), 2);
}

#[tokio::test]
async fn the_well_known_certificate_is_verified() {
    let f = Fixture::new().await;
    // The system's roots do not know the test CA: the well-known is invalid.
    let d = f.discovery(loopback_policy(), FederationTlsConfig::default());
    d.resolve(&name("wk-port.test")).await.unwrap();
    match d.cached_well_known("wk-port.test").unwrap().0 {
        WellKnown::Invalid(reason) => assert!(reason.contains("certificate"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // federation_verify_certificates: false accepts it.
    let d = f.discovery(
        loopback_policy(),
        FederationTlsConfig {
            verify_certificates: false,
            ..Default::default()
        },
    );
    assert_eq!(
        d.resolve(&name("wk-port.test")).await.unwrap().step,
        Step::DelegatedExplicitPort
    );
}

// ---------------------------------------------------------------------------------------------
// X-Matrix.

fn sn(s: &str) -> &ServerName {
    <&ServerName>::try_from(s).unwrap()
}

#[test]
fn x_matrix_signs_the_canonical_request_object() {
    let key = SigningKey::generate();
    let content = br#"{"pdus":[],"edus":[{"b":1,"a":2}]}"#;
    let x = auth::sign_request(
        &key,
        sn("origin.test"),
        sn("dest.test:8448"),
        &http::Method::PUT,
        "/_matrix/federation/v1/send/1?x=%20y",
        content,
    )
    .unwrap();
    // The spec's object, keys sorted, content canonical, signed directly.
    let canonical = r#"{"content":{"edus":[{"a":2,"b":1}],"pdus":[]},"destination":"dest.test:8448","method":"PUT","origin":"origin.test","uri":"/_matrix/federation/v1/send/1?x=%20y"}"#;
    assert_eq!(x.sig.as_bytes(), key.sign_bytes(canonical.as_bytes()));
    assert_eq!(x.key.as_str(), key.key_id());
    let header = http::HeaderValue::from(&x);
    let text = header.to_str().unwrap();
    assert!(text.starts_with("X-Matrix "), "{text}");
    assert!(text.contains("origin=origin.test"), "{text}");
    assert!(text.contains("destination=\"dest.test:8448\""), "{text}");
    assert!(
        text.contains(&format!("key=\"{}\"", key.key_id())),
        "{text}"
    );
}

#[test]
fn x_matrix_round_trips_and_rejects_tampering() {
    let key = SigningKey::generate();
    let public = key.public_key_base64();
    let (origin, us) = (sn("origin.test"), sn("us.test"));
    let put = http::Method::PUT;
    let uri = "/_matrix/federation/v1/send/abc";
    let content = br#"{"pdus":[]}"#;
    let header = auth::authorization_header(&key, origin, us, &put, uri, content).unwrap();
    let header = header.to_str().unwrap();
    let x = auth::parse_header(header).unwrap();
    let ok = auth::verify(&x, us, &put, uri, content, &public).unwrap();
    assert_eq!(ok.origin.as_str(), "origin.test");
    assert_eq!(ok.key.as_str(), key.key_id());

    let bad = |r: Result<auth::Authenticated, auth::AuthError>| {
        let e = r.unwrap_err();
        assert!(
            matches!(e, auth::AuthError::BadSignature(_)),
            "expected a bad signature, got {e:?}"
        );
    };
    bad(auth::verify(&x, us, &put, uri, br#"{"pdus":[1]}"#, &public));
    bad(auth::verify(&x, us, &put, uri, b"", &public));
    bad(auth::verify(
        &x,
        us,
        &put,
        "/_matrix/federation/v1/send/abd",
        content,
        &public,
    ));
    bad(auth::verify(
        &x,
        us,
        &put,
        &format!("{uri}?a=b"),
        content,
        &public,
    ));
    bad(auth::verify(
        &x,
        us,
        &http::Method::POST,
        uri,
        content,
        &public,
    ));
    let other = SigningKey::generate().public_key_base64();
    bad(auth::verify(&x, us, &put, uri, content, &other));
    assert!(matches!(
        auth::verify(&x, us, &put, uri, b"{not json", &public),
        Err(auth::AuthError::NotJson)
    ));

    // Meant for another server: refused before the signature.
    let e = auth::verify(&x, sn("other.test"), &put, uri, content, &public).unwrap_err();
    assert!(
        matches!(&e, auth::AuthError::WrongDestination { found } if found.as_str() == "us.test"),
        "{e:?}"
    );
    // The destination edited in the header: the header now names us, but the signature was
    // made for us.test.
    let forged = header.replace("us.test", "other.test");
    let fx = auth::parse_header(&forged).unwrap();
    bad(auth::verify(
        &fx,
        sn("other.test"),
        &put,
        uri,
        content,
        &public,
    ));
    // Older servers send no destination: it is taken to be us.
    let mut no_dest = x.clone();
    no_dest.destination = None;
    auth::verify(&no_dest, us, &put, uri, content, &public).unwrap();
    bad(auth::verify(
        &no_dest,
        sn("other.test"),
        &put,
        uri,
        content,
        &public,
    ));
}

#[test]
fn x_matrix_headers_parse_from_the_spec_example() {
    let x = auth::parse_header(
        r#"X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF+/ABCD""#,
    )
    .unwrap();
    assert_eq!(x.origin.as_str(), "origin.hs.example.com");
    assert_eq!(
        x.destination.as_ref().map(|d| d.as_str()),
        Some("destination.hs.example.com")
    );
    assert_eq!(x.key.as_str(), "ed25519:key1");
    assert_eq!(x.sig.encode(), "ABCDEF+/ABCD");
    // Unquoted values, another order, no destination.
    let x = auth::parse_header("X-Matrix key=\"ed25519:a_b\",sig=AAAA,origin=a.test:8448").unwrap();
    assert_eq!(x.origin.as_str(), "a.test:8448");
    assert!(x.destination.is_none());
    // Synapse's looser reading: unquoted values with ':' (not RFC 7235 tokens).
    let x = auth::parse_header(
        "X-Matrix origin=127.0.0.1:8448,destination=[::1]:8448,key=ed25519:k,sig=AAAA",
    )
    .unwrap();
    assert_eq!(x.origin.as_str(), "127.0.0.1:8448");
    assert_eq!(
        x.destination.as_ref().map(|d| d.as_str()),
        Some("[::1]:8448")
    );
    assert_eq!(x.key.as_str(), "ed25519:k");

    for (bad, missing) in [
        ("Bearer abc", true),
        ("", true),
        ("X-Matrix origin=a.test,key=\"ed25519:k\"", false),
        ("X-Matrix origin=a.test,sig=AAAA", false),
        (
            "X-Matrix origin=\"not a name\",key=\"ed25519:k\",sig=AAAA",
            false,
        ),
        (
            "X-Matrix origin=a.test,origin=b.test,key=\"ed25519:k\",sig=AAAA",
            false,
        ),
        (
            "X-Matrix origin=a.test,key=\"ed25519:k\",sig=\"!!!\"",
            false,
        ),
        (
            "X-Matrix origin=a.test:1,origin=b.test:2,key=ed25519:k,sig=AAAA",
            false,
        ),
        ("X-Matrix origin=a.test:1,key=ed25519:k", false),
    ] {
        let e = auth::parse_header(bad).unwrap_err();
        if missing {
            assert!(matches!(e, auth::AuthError::Missing), "{bad}: {e:?}");
        } else {
            assert!(matches!(e, auth::AuthError::Malformed(_)), "{bad}: {e:?}");
        }
    }
}

#[tokio::test]
async fn authenticate_asks_for_the_origins_key() {
    let key = SigningKey::generate();
    let public = key.public_key_base64();
    let (origin, us) = (sn("origin.test"), sn("us.test"));
    let get = http::Method::GET;
    let uri = "/_matrix/federation/v1/version";
    let header = auth::authorization_header(&key, origin, us, &get, uri, b"").unwrap();
    let header = header.to_str().unwrap().to_string();
    let asked = Mutex::new(None);
    let a = auth::authenticate(Some(&header), us, &get, uri, b"", |o, k| {
        *asked.lock().unwrap() = Some((o.to_string(), k.to_string()));
        let p = public.clone();
        async move { Some(p) }
    })
    .await
    .unwrap();
    assert_eq!(a.origin.as_str(), "origin.test");
    assert_eq!(
        asked.lock().unwrap().clone().unwrap(),
        ("origin.test".to_string(), key.key_id())
    );
    let e = auth::authenticate(Some(&header), us, &get, uri, b"", |_, _| async { None })
        .await
        .unwrap_err();
    assert!(matches!(e, auth::AuthError::UnknownKey { .. }), "{e:?}");
    let e = auth::authenticate(None, us, &get, uri, b"", |_, _| async { None })
        .await
        .unwrap_err();
    assert!(matches!(e, auth::AuthError::Missing), "{e:?}");
}

// ---------------------------------------------------------------------------------------------
// The outbound client.

fn client(f: &Fixture, policy: IpPolicy, tls: FederationTlsConfig) -> FederationClient {
    let mut c = FederationClient::new("origin.test", f.discovery(policy, tls));
    c.timeout = Duration::from_secs(10);
    c
}

#[tokio::test]
async fn the_client_refuses_loopback_under_the_default_blacklist() {
    let f = Fixture::new().await;
    let key = &f.server.origin_key;
    let c = client(&f, default_policy(), trusting(&f.server));
    let dest = format!("127.0.0.1:{}", f.server.port);
    for d in [dest.as_str(), "fed.test:8448", "nowk-plain.test"] {
        let e = c
            .get_json(key, &name(d), "/_matrix/federation/v1/version")
            .await
            .unwrap_err();
        assert!(
            matches!(
                &e,
                FederationError::Discovery {
                    source: DiscoveryError::Blocked { .. },
                    ..
                }
            ),
            "{d}: {e:?}"
        );
        assert!(
            e.to_string().contains("blocked by ip_range_blacklist"),
            "{e}"
        );
    }
    // Nothing reached the server (nowk-plain.test's well-known is not fetched either: its
    // name resolves only to a blocked address).
    assert!(
        f.server
            .seen
            .lock()
            .unwrap()
            .iter()
            .all(|s| !s.path.starts_with("/_matrix/federation")),
    );
}

#[tokio::test]
async fn the_client_reaches_a_whitelisted_ip_literal_with_a_signed_request() {
    let f = Fixture::new().await;
    let key = &f.server.origin_key;
    let c = client(&f, loopback_policy(), trusting(&f.server));
    let dest = format!("127.0.0.1:{}", f.server.port);
    let v = c
        .get_json(key, &name(&dest), "/_matrix/federation/v1/version?a=1")
        .await
        .unwrap();
    assert_eq!(v["host"], dest);
    assert_eq!(v["uri"], "/_matrix/federation/v1/version?a=1");
    assert_eq!(v["auth"]["valid"], true, "{v}");
    assert_eq!(v["auth"]["origin"], "origin.test");
    assert_eq!(v["auth"]["destination"], dest);

    // A body is signed as content.
    let body = json!({"pdus": [], "origin": "origin.test"});
    let v = c
        .request_json(
            key,
            http::Method::PUT,
            &name(&dest),
            "/_matrix/federation/v1/send/1",
            Some(&body),
        )
        .await
        .unwrap();
    assert_eq!(v["auth"]["valid"], true, "{v}");
    assert_eq!(v["content"], body);
}

#[tokio::test]
async fn the_client_uses_host_and_tls_name_from_discovery() {
    let f = Fixture::new().await;
    let port = f.server.port;
    let dns = dns()
        .a("fed.test", &["127.0.0.1"])
        .with_srv("_matrix-fed._tcp.fedsrv.test", &[(0, port, "backend.test")]);
    let f = Fixture {
        dns: Arc::new(dns),
        ..f
    };
    let key = &f.server.origin_key;
    let c = client(&f, loopback_policy(), trusting(&f.server));

    // Delegated with a port: Host is the delegated name:port, the certificate is checked for
    // fed.test, and X-Matrix names the server name, not the delegated one.
    let v = c
        .get_json(key, &name("wk-fed.test"), "/_matrix/federation/v1/version")
        .await
        .unwrap();
    assert_eq!(v["host"], format!("fed.test:{port}"));
    assert_eq!(v["auth"]["destination"], "wk-fed.test");
    assert_eq!(v["auth"]["valid"], true, "{v}");

    // Delegated to SRV: the connection goes to the SRV target's address and port, while Host
    // and the certificate's name are the delegated name (the certificate has no backend.test).
    let v = c
        .get_json(
            key,
            &name("wk-fedsrv.test"),
            "/_matrix/federation/v1/version",
        )
        .await
        .unwrap();
    assert_eq!(v["host"], "fedsrv.test");
    assert_eq!(v["auth"]["destination"], "wk-fedsrv.test");

    // A name the certificate does not carry fails verification...
    let nocert = format!("nocert.test:{port}");
    let e = c
        .get_json(key, &name(&nocert), "/_matrix/federation/v1/version")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, FederationError::Connect { message, .. } if message.contains("certificate")),
        "{e:?}"
    );
    // ...unless federation_certificate_verification_whitelist names it.
    let c2 = client(
        &f,
        loopback_policy(),
        FederationTlsConfig {
            certificate_verification_whitelist: vec!["nocert.*".into()],
            ..trusting(&f.server)
        },
    );
    let v = c2
        .get_json(key, &name(&nocert), "/_matrix/federation/v1/version")
        .await
        .unwrap();
    assert_eq!(v["host"], nocert);

    // Without the custom CA the system roots do not trust the test CA.
    let c3 = client(&f, loopback_policy(), FederationTlsConfig::default());
    let e = c3
        .get_json(
            key,
            &name(&format!("127.0.0.1:{port}")),
            "/_matrix/federation/v1/version",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, FederationError::Connect { .. }), "{e:?}");
}

#[tokio::test]
async fn the_client_caps_responses_and_reports_errors() {
    let f = Fixture::new().await;
    let key = &f.server.origin_key;
    let mut c = client(&f, loopback_policy(), trusting(&f.server));
    let dest = name(&format!("127.0.0.1:{}", f.server.port));
    c.max_response_size = 1024;
    let e = c
        .get_json(key, &dest, "/_matrix/federation/v1/big")
        .await
        .unwrap_err();
    assert!(
        matches!(e, FederationError::TooLarge { limit: 1024, .. }),
        "{e:?}"
    );
    c.max_response_size = 1 << 20;
    c.get_json(key, &dest, "/_matrix/federation/v1/big")
        .await
        .unwrap();
    let e = c
        .get_json(key, &dest, "/_matrix/federation/v1/missing")
        .await
        .unwrap_err();
    match e {
        FederationError::Status { status, body, .. } => {
            assert_eq!(status, 404);
            assert_eq!(body["errcode"], "M_NOT_FOUND");
        }
        other => panic!("{other:?}"),
    }
    // Nobody listening: a connection error, not a hang.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let e = c
        .get_json(
            key,
            &name(&format!("127.0.0.1:{port}")),
            "/_matrix/federation/v1/version",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, FederationError::Connect { .. }), "{e:?}");
}

// ---------------------------------------------------------------------------------------------
// The real resolver (hickory) against a DNS server on loopback.

/// One answer record of the loopback DNS server.
#[derive(Clone)]
enum Rr {
    A([u8; 4]),
    Aaaa([u8; 16]),
    Srv(u16, u16, u16, &'static str),
}

fn encode_name(out: &mut Vec<u8>, name: &str) {
    for label in name.trim_end_matches('.').split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

/// A minimal authoritative DNS server over UDP: answers A, AAAA and SRV questions from
/// `zone`; a name with no record of the asked type is NXDOMAIN.
async fn dns_server(zone: HashMap<(String, u16), Vec<Rr>>) -> SocketAddr {
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                return;
            };
            let q = &buf[..n];
            // The question: labels from byte 12, then type and class.
            let mut i = 12;
            let mut labels = Vec::new();
            while i < n && q[i] != 0 {
                let len = q[i] as usize;
                labels.push(String::from_utf8_lossy(&q[i + 1..i + 1 + len]).to_lowercase());
                i += 1 + len;
            }
            let qtype = u16::from_be_bytes([q[i + 1], q[i + 2]]);
            let question_end = i + 5;
            let records = zone
                .get(&(labels.join("."), qtype))
                .cloned()
                .unwrap_or_default();
            let mut out = Vec::new();
            out.extend_from_slice(&q[0..2]);
            let rcode = if records.is_empty() { 3 } else { 0 };
            out.extend_from_slice(&[0x84 | (q[2] & 1), 0x80 | rcode]);
            out.extend_from_slice(&[0, 1]);
            out.extend_from_slice(&(records.len() as u16).to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
            out.extend_from_slice(&q[12..question_end]);
            for r in records {
                out.extend_from_slice(&[0xc0, 12]);
                out.extend_from_slice(&qtype.to_be_bytes());
                out.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
                let mut data = Vec::new();
                match r {
                    Rr::A(a) => data.extend_from_slice(&a),
                    Rr::Aaaa(a) => data.extend_from_slice(&a),
                    Rr::Srv(priority, weight, port, target) => {
                        for v in [priority, weight, port] {
                            data.extend_from_slice(&v.to_be_bytes());
                        }
                        encode_name(&mut data, target);
                    }
                }
                out.extend_from_slice(&(data.len() as u16).to_be_bytes());
                out.extend_from_slice(&data);
            }
            let _ = sock.send_to(&out, peer).await;
        }
    });
    addr
}

#[tokio::test]
async fn hickory_answers_srv_and_addresses_from_a_dns_server() {
    use matrixd::service::federation::SystemDns;
    const A: u16 = 1;
    const AAAA: u16 = 28;
    const SRV: u16 = 33;
    let v6: std::net::Ipv6Addr = "2606:4700::9".parse().unwrap();
    let zone = HashMap::from([
        (
            ("_matrix-fed._tcp.dnssrv.test".to_string(), SRV),
            vec![
                Rr::Srv(20, 0, 9000, "late.dnssrv.test"),
                Rr::Srv(10, 5, 8449, "backend.dnssrv.test."),
            ],
        ),
        (
            ("backend.dnssrv.test".to_string(), A),
            vec![Rr::A([1, 2, 3, 4]), Rr::A([10, 1, 1, 1])],
        ),
        (
            ("backend.dnssrv.test".to_string(), AAAA),
            vec![Rr::Aaaa(v6.octets())],
        ),
        (
            ("late.dnssrv.test".to_string(), A),
            vec![Rr::A([1, 2, 3, 5])],
        ),
        (("dnsplain.test".to_string(), A), vec![Rr::A([1, 2, 3, 10])]),
    ]);
    let server = dns_server(zone).await;
    let dns = Arc::new(SystemDns::with_nameserver(server));

    let srv = dns.srv("_matrix-fed._tcp.dnssrv.test").await.unwrap();
    assert_eq!(srv.len(), 2);
    assert!(srv.contains(&SrvRecord {
        priority: 10,
        weight: 5,
        port: 8449,
        target: "backend.dnssrv.test".into(),
    }));
    assert!(
        dns.srv("_matrix._tcp.dnssrv.test")
            .await
            .unwrap()
            .is_empty()
    );
    let mut ips = dns.ips("backend.dnssrv.test").await.unwrap();
    ips.sort();
    assert_eq!(
        ips,
        ["1.2.3.4", "10.1.1.1", "2606:4700::9"]
            .map(|s| s.parse::<IpAddr>().unwrap())
            .to_vec()
    );
    assert!(dns.ips("nothing.dnssrv.test").await.unwrap().is_empty());

    // Discovery on the real resolver: no well-known (dnssrv.test has no address), so SRV, in
    // priority order, the private address dropped, Host and TLS name the server name.
    let d = Discovery::new(
        dns.clone(),
        Arc::new(default_policy()),
        FederationTlsConfig::default(),
    );
    let r = d.resolve(&name("dnssrv.test")).await.unwrap();
    assert_eq!(r.step, Step::Srv);
    assert_eq!(r.host_header, "dnssrv.test");
    assert_eq!(r.tls_name, "dnssrv.test");
    assert_eq!(r.addresses.len(), 3, "{:?}", r.addresses);
    let mut first: Vec<SocketAddr> = r.addresses[..2].to_vec();
    first.sort();
    assert_eq!(first, addrs(&["1.2.3.4:8449", "[2606:4700::9]:8449"]));
    assert_eq!(r.addresses[2], "1.2.3.5:9000".parse().unwrap());
    let r = d.resolve(&name("dnsplain.test:8448")).await.unwrap();
    assert_eq!(r.addresses, addrs(&["1.2.3.10:8448"]));
}

#[tokio::test]
async fn the_client_sends_typed_ruma_requests() {
    use ruma::api::federation::event::get_event;
    let f = Fixture::new().await;
    let key = &f.server.origin_key;
    let c = client(&f, loopback_policy(), trusting(&f.server));
    let dest = format!("127.0.0.1:{}", f.server.port);
    let event_id = ruma::OwnedEventId::try_from("$abc:remote.test").unwrap();
    let r = c
        .send(
            key,
            &name(&dest),
            get_event::v1::Request::new(event_id.clone()),
        )
        .await
        .unwrap();
    assert_eq!(r.origin.as_str(), "remote.test");
    let pdu: Value = serde_json::from_str(r.pdu.get()).unwrap();
    assert_eq!(pdu["host"], dest);
    assert_eq!(pdu["auth"]["valid"], true, "{pdu}");
    assert_eq!(pdu["auth"]["origin"], "origin.test");
    assert_eq!(pdu["auth"]["destination"], dest);
    assert!(
        pdu["uri"]
            .as_str()
            .unwrap()
            .starts_with("/_matrix/federation/v1/event/"),
        "{pdu}"
    );
    // The same policy applies to typed requests.
    let c = client(&f, default_policy(), trusting(&f.server));
    let e = c
        .send(key, &name(&dest), get_event::v1::Request::new(event_id))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            FederationError::Discovery {
                source: DiscoveryError::Blocked { .. },
                ..
            }
        ),
        "{e:?}"
    );
}
