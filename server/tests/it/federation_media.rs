//! Media across servers (issue 14): our media served to other servers on the federation media
//! endpoints (X-Matrix, multipart/mixed) and on the legacy download paths of a federation-only
//! listener; other servers' media fetched for our users on the authenticated client paths (from
//! another matrixd over loopback TLS, and from a scripted origin: one download for concurrent
//! requests, the legacy fallback for old servers, a `Location` part, files over
//! max_upload_size refused with 502 M_TOO_LARGE and nothing kept, broken answers 502), cached,
//! thumbnailed here, and never fetched on the legacy unauthenticated paths.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ruma::api::federation::authenticated_media::{
    FileOrLocation, get_content, get_content_thumbnail,
};
use ruma::{OwnedServerName, UInt};
use serde_json::{Value, json};

use crate::both_engines;
use crate::federation_keys::ca_and_cert;
use crate::federation_notary::{free_port, start_federating_with, trusting};
use crate::support::{Engine, Home, Options, TestServer, User};

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 77])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// Uploads `body` as `user`; the `server/id` part of its mxc URI.
async fn upload(user: &User, body: Vec<u8>, content_type: &str, filename: &str) -> String {
    let r = user
        .http
        .post(format!(
            "{}/_matrix/media/v3/upload?filename={}",
            user.base,
            crate::support::enc(filename)
        ))
        .bearer_auth(&user.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["content_uri"]
        .as_str()
        .unwrap()
        .strip_prefix("mxc://")
        .unwrap()
        .to_string()
}

/// GET `path` on the user's server with their token: (status, headers, body).
async fn fetch(user: &User, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = user
        .http
        .get(format!("{}{path}", user.base))
        .bearer_auth(&user.token)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn errcode(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body).unwrap_or(Value::Null)["errcode"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Files under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The certificate every server presents (for 127.0.0.1) and the CA each trusts.
struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    cert_pem: String,
    key_pem: String,
}

fn pki() -> Pki {
    let (ca_pem, cert_pem, key_pem) = ca_and_cert();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, pem: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    let (ca, cert, key) = (
        write("ca.pem", &ca_pem),
        write("cert.pem", &cert_pem),
        write("key.pem", &key_pem),
    );
    Pki {
        _dir: dir,
        ca,
        cert,
        key,
        cert_pem,
        key_pem,
    }
}

/// One matrixd of the test, federating on its own port.
struct Node {
    home: Home,
    port: u16,
    server: TestServer,
}

impl Node {
    async fn start(engine: Engine, pki: &Pki) -> Node {
        let home = Home::new(engine).await;
        let port = free_port();
        // start_federating_with already sets trusted_key_servers.
        let trust = format!(
            "federation_custom_ca_list: [\"{}\"]\nip_range_whitelist: ['127.0.0.0/8']\n",
            pki.ca.display()
        );
        let server = start_federating_with(&home, port, &pki.cert, &pki.key, &trust).await;
        Node { home, port, server }
    }

    fn name(&self) -> OwnedServerName {
        OwnedServerName::try_from(format!("127.0.0.1:{}", self.port)).unwrap()
    }
}

/// An image on one matrixd, seen by a user of another: downloaded byte for byte with its type
/// and name, thumbnailed, cached (the origin's file can go and it is still served), never on
/// the legacy path; the federation endpoints answer ruma's client (and refuse a request with
/// no X-Matrix), and the legacy download is served on the federation-only listener.
async fn media_crosses_between_two_matrixd(engine: Engine) {
    let pki = pki();
    let (one, two) = tokio::join!(Node::start(engine, &pki), Node::start(engine, &pki));
    let alice = one.server.user("alice").await;
    let carol = two.server.user("carol").await;
    let image = png(300, 200);
    let mxc = upload(&alice, image.clone(), "image/png", "sunset.png").await;
    let (origin, id) = mxc.split_once('/').unwrap();
    assert_eq!(origin, one.name().as_str());

    // The legacy path never fetches from another server.
    let (status, _, body) = fetch(&carol, &format!("/_matrix/media/v3/download/{mxc}")).await;
    assert_eq!((status, errcode(&body).as_str()), (404, "M_NOT_FOUND"));

    let (status, headers, body) =
        fetch(&carol, &format!("/_matrix/client/v1/media/download/{mxc}")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body == image, "the file crosses byte for byte");
    assert_eq!(headers["content-type"], "image/png");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("sunset.png"),
        "{headers:?}"
    );
    let (status, headers, thumb) = fetch(
        &carol,
        &format!("/_matrix/client/v1/media/thumbnail/{mxc}?width=32&height=32&method=crop"),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&thumb));
    assert_eq!(headers["content-type"], "image/png");
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (32, 32));
    let (status, _, thumb) = fetch(
        &carol,
        &format!("/_matrix/client/v1/media/thumbnail/{mxc}?width=200&height=200&method=scale"),
    )
    .await;
    assert_eq!(status, 200);
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (300, 200));

    // Kept: with the origin's copy gone, carol's server still serves it, from one download.
    let started = two
        .server
        .services
        .remote_media_fetches
        .started
        .load(Ordering::SeqCst);
    assert_eq!(started, 1);
    let cached = files_under(&two.home.path().join("media/remote_content"));
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert_eq!(std::fs::read(&cached[0]).unwrap(), image);
    for f in files_under(&one.home.path().join("media/local_content")) {
        std::fs::remove_file(f).unwrap();
    }
    let (status, _, body) = fetch(
        &carol,
        &format!("/_matrix/client/v1/media/download/{mxc}/other.png"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body == image);
    // Still never on the legacy path, cached or not.
    let (status, _, _) = fetch(&carol, &format!("/_matrix/media/v3/download/{mxc}")).await;
    assert_eq!(status, 404);

    // What the origin does not have: 404 M_NOT_FOUND, as it said.
    let (status, _, body) = fetch(
        &carol,
        &format!("/_matrix/client/v1/media/download/{origin}/NoSuchMediaHere"),
    )
    .await;
    assert_eq!((status, errcode(&body).as_str()), (404, "M_NOT_FOUND"));

    // The federation endpoints, asked by the other server with ruma's types.
    let fresh = png(64, 48);
    let mxc2 = upload(&alice, fresh.clone(), "image/png", "fresh.png").await;
    let id2 = mxc2.split_once('/').unwrap().1.to_string();
    let services = &two.server.services;
    let got = services
        .federation_send(&one.name(), get_content::v1::Request::new(id2.clone()))
        .await
        .unwrap();
    let FileOrLocation::File(content) = got.content else {
        panic!("a file")
    };
    assert!(content.file == fresh);
    assert_eq!(content.content_type.as_deref(), Some("image/png"));
    assert_eq!(
        content
            .content_disposition
            .and_then(|d| d.filename)
            .as_deref(),
        Some("fresh.png")
    );
    let got = services
        .federation_send(
            &one.name(),
            get_content_thumbnail::v1::Request::new(
                id2.clone(),
                UInt::from(32u32),
                UInt::from(32u32),
            ),
        )
        .await
        .unwrap();
    let FileOrLocation::File(content) = got.content else {
        panic!("a file")
    };
    let decoded = image::load_from_memory(&content.file).unwrap();
    assert!(decoded.width() <= 64 && decoded.height() <= 48);
    let missing = services
        .federation_send(
            &one.name(),
            get_content::v1::Request::new(id.to_string() + "x"),
        )
        .await;
    assert!(
        matches!(
            missing,
            Err(matrixd::service::federation::FederationError::Status { status: 404, .. })
        ),
        "{missing:?}"
    );

    // On the federation-only TLS listener: no X-Matrix, no media; the legacy path for old
    // servers serves ours.
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&pki.ca).unwrap()).unwrap();
    let tls = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let base = format!("https://127.0.0.1:{}", one.port);
    let r = tls
        .get(format!("{base}/_matrix/federation/v1/media/download/{id2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = tls
        .get(format!("{base}/_matrix/media/v3/download/{mxc2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap() == fresh);

    one.server.stop().await;
    two.server.stop().await;
    one.home.cleanup().await;
    two.home.cleanup().await;
}
both_engines!(media_crosses_between_two_matrixd);

/// How the scripted origin answers for one media id.
struct Script {
    /// Requests of the federation endpoint, and of the legacy one.
    federation_hits: AtomicUsize,
    legacy_hits: AtomicUsize,
    file: Vec<u8>,
    /// The port of the plain-HTTP server that serves `/moved` (a `Location` target).
    plain_port: u16,
}

fn multipart(boundary: &str, part_headers: &str, file: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "--{boundary}\r\nContent-Type: application/json\r\n\r\n{{}}\r\n--{boundary}\r\n{part_headers}\r\n"
    )
    .into_bytes();
    out.extend_from_slice(file);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

fn answer(status: u16, content_type: &str, body: Vec<u8>) -> axum::response::Response {
    axum::response::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(axum::body::Body::from(body))
        .unwrap()
}

/// An origin on 127.0.0.1 over TLS whose answers depend on the media id: `slow` (a second's
/// wait), `old` (no federation endpoint: M_UNRECOGNIZED, then the legacy download), `moved` (a
/// `Location` part), `big` and `justover` (files over the limit, no length given), `missing`
/// (M_NOT_FOUND), `broken` (not multipart).
async fn scripted_origin(pki: &Pki, file: Vec<u8>) -> (OwnedServerName, Arc<Script>) {
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_port = plain.local_addr().unwrap().port();
    let script = Arc::new(Script {
        federation_hits: AtomicUsize::new(0),
        legacy_hits: AtomicUsize::new(0),
        file,
        plain_port,
    });
    let s = script.clone();
    let moved = axum::Router::new().route(
        "/moved",
        axum::routing::get(move || {
            let s = s.clone();
            async move { answer(200, "image/png", s.file.clone()) }
        }),
    );
    tokio::spawn(async move { axum::serve(plain, moved).await });

    let s = script.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let s = s.clone();
        async move {
            let path = req.uri().path().to_string();
            let query = req.uri().query().unwrap_or_default().to_string();
            assert!(
                req.headers()
                    .get("authorization")
                    .is_some_and(|v| v.to_str().unwrap().starts_with("X-Matrix ")),
                "requests are signed"
            );
            if let Some(id) = path.strip_prefix("/_matrix/federation/v1/media/download/") {
                s.federation_hits.fetch_add(1, Ordering::SeqCst);
                let b = "b0undary";
                let ct = format!("multipart/mixed; boundary={b}");
                let file_part = "Content-Type: image/png\r\nContent-Disposition: inline; filename=\"scripted.png\"\r\n";
                return match id {
                    "slow" => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        answer(200, &ct, multipart(b, file_part, &s.file))
                    }
                    "old" => answer(404, "application/json", json!({"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}).to_string().into_bytes()),
                    "moved" => {
                        let loc = format!("Location: http://127.0.0.1:{}/moved\r\n", s.plain_port);
                        answer(200, &ct, multipart(b, &loc, b""))
                    }
                    "big" | "justover" => {
                        // Streamed with no length: refused while it comes in (`big`), or
                        // once read (`justover`, within the multipart framing's allowance).
                        let size = if id == "big" { 300 * 1024 } else { 100 * 1024 + 1 };
                        let body = multipart(b, file_part, &vec![7u8; size]);
                        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                            body.chunks(8192).map(|c| Ok(c.to_vec())).collect();
                        axum::response::Response::builder()
                            .header("content-type", ct)
                            .body(axum::body::Body::from_stream(futures_util::stream::iter(chunks)))
                            .unwrap()
                    }
                    // Not multipart at all (the parser's panics are the unit tests').
                    "broken" => answer(200, "text/plain", b"surprise".to_vec()),
                    _ => answer(404, "application/json", json!({"errcode": "M_NOT_FOUND", "error": "Not found"}).to_string().into_bytes()),
                };
            }
            if let Some(rest) = path.strip_prefix("/_matrix/media/v3/download/") {
                s.legacy_hits.fetch_add(1, Ordering::SeqCst);
                assert!(query.contains("allow_remote=false"), "{query}");
                if rest.ends_with("/old") {
                    return axum::response::Response::builder()
                        .header("content-type", "image/png")
                        .header("content-disposition", "inline; filename=\"legacy.png\"")
                        .body(axum::body::Body::from(s.file.clone()))
                        .unwrap();
                }
            }
            answer(404, "application/json", json!({"errcode": "M_NOT_FOUND"}).to_string().into_bytes())
        }
    });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let cfg = axum_server::tls_rustls::RustlsConfig::from_pem(
        pki.cert_pem.as_bytes().to_vec(),
        pki.key_pem.as_bytes().to_vec(),
    )
    .await
    .unwrap();
    let server = axum_server::tls_rustls::from_tcp_rustls(listener, cfg).unwrap();
    tokio::spawn(async move { server.serve(app.into_make_service()).await });
    (
        OwnedServerName::try_from(format!("127.0.0.1:{port}")).unwrap(),
        script,
    )
}

/// Fetching from a scripted origin: concurrent requests share one download; an old server is
/// read on its legacy path; a `Location` is followed; a file over max_upload_size is 502
/// M_TOO_LARGE and leaves nothing behind; unknown media is 404; a broken answer and an origin
/// that does not answer are 502, and the server carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetching_from_other_servers() {
    let pki = pki();
    let image = png(40, 30);
    let (origin, script) = scripted_origin(&pki, image.clone()).await;
    let home = Home::new(Engine::Sqlite).await;
    let s = TestServer::start(
        &home,
        &Options {
            extra: format!("{}max_upload_size: 100K\n", trusting(&pki.ca)),
            ..Default::default()
        },
    )
    .await;
    let carol = s.user("carol").await;
    let download = |id: &str| format!("/_matrix/client/v1/media/download/{origin}/{id}");

    // Five at once: one download, five identical answers.
    let slow = download("slow");
    let answers = futures_util::future::join_all((0..5).map(|_| fetch(&carol, &slow))).await;
    for (status, headers, body) in &answers {
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        assert!(*body == image);
        assert_eq!(headers["content-type"], "image/png");
    }
    assert_eq!(
        script.federation_hits.load(Ordering::SeqCst),
        1,
        "one download"
    );
    let (status, _, _) = fetch(&carol, &download("slow")).await;
    assert_eq!(status, 200);
    assert_eq!(
        script.federation_hits.load(Ordering::SeqCst),
        1,
        "then the cache"
    );

    // An old server: the federation endpoint is unknown there, the legacy one serves it.
    let (status, headers, body) = fetch(&carol, &download("old")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body == image);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("legacy.png")
    );
    assert_eq!(script.legacy_hits.load(Ordering::SeqCst), 1);

    // A Location part: the file is where it says.
    let (status, _, body) = fetch(&carol, &download("moved")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body == image);
    let (status, _, thumb) = fetch(
        &carol,
        &format!(
            "/_matrix/client/v1/media/thumbnail/{origin}/moved?width=32&height=32&method=crop"
        ),
    )
    .await;
    assert_eq!(status, 200);
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (32, 32));

    // Over max_upload_size: refused while streaming, nothing kept.
    let before = files_under(&home.path().join("media/remote_content")).len();
    for id in ["big", "justover"] {
        let (status, _, body) = fetch(&carol, &download(id)).await;
        assert_eq!(
            (status, errcode(&body).as_str()),
            (502, "M_TOO_LARGE"),
            "{id}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    assert_eq!(
        files_under(&home.path().join("media/remote_content")).len(),
        before
    );
    assert!(files_under(&home.path().join("media/tmp")).is_empty());

    let (status, _, body) = fetch(&carol, &download("missing")).await;
    assert_eq!((status, errcode(&body).as_str()), (404, "M_NOT_FOUND"));
    let (status, _, body) = fetch(&carol, &download("broken")).await;
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    // Nothing listens on port 1.
    let (status, _, _) = fetch(
        &carol,
        "/_matrix/client/v1/media/download/127.0.0.1:1/abcdefgh",
    )
    .await;
    assert_eq!(status, 502);
    // The server carries on.
    let (status, _, body) = fetch(&carol, &download("slow")).await;
    assert_eq!(status, 200);
    assert!(body == image);

    s.stop().await;
    home.cleanup().await;
}
