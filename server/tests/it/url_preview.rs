//! URL previews over real HTTP: the SSRF battery (a loopback listener that must never be
//! reached, counted at TCP accept), OpenGraph with the image stored as media, the URL
//! blacklist, the size cap, the cache, and the config rules (off by default, blacklist required).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

/// A listener on 127.0.0.1 that counts every connection it accepts.
async fn forbidden_listener() -> (u16, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            use tokio::io::AsyncWriteExt as _;
            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 44\r\n\r\n<title>internal secret</title><p>secret</p>").await;
        }
    });
    (port, hits)
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The "allowed" site on 127.0.0.2 (whitelisted in the test config).
async fn allowed_site(forbidden_port: u16) -> (SocketAddr, Arc<AtomicUsize>) {
    let page_hits = Arc::new(AtomicUsize::new(0));
    let ph = page_hits.clone();
    let app = axum::Router::new()
        .route(
            "/page",
            get(move || {
                let ph = ph.clone();
                async move {
                    ph.fetch_add(1, Ordering::SeqCst);
                    (
                        [("content-type", "text/html; charset=utf-8")],
                        "<html><head><title>Fallback</title><meta property=\"og:title\" content=\"Hello &amp; welcome\"><meta property=\"og:description\" content=\"A page about things\"><meta property=\"og:image\" content=\"/img.png\"></head><body>x</body></html>",
                    )
                }
            }),
        )
        .route("/plain", get(|| async { ([("content-type", "text/html")], "<title>Just a title</title><meta name=description content='Meta description'>") }))
        .route("/img.png", get(|| async { ([("content-type", "image/png")], png()).into_response() }))
        .route("/big", get(|| async { ([("content-type", "text/html")], "x".repeat(100 * 1024)) }))
        .route("/blocked-page", get(|| async { ([("content-type", "text/html")], "<title>should not be fetched</title>") }))
        .route("/json", get(|| async { ([("content-type", "application/octet-stream")], "binary") }))
        .route("/redirect-ip", get(move || async move { Redirect::temporary(&format!("http://127.0.0.1:{forbidden_port}/")) }))
        .route("/redirect-name", get(move || async move { Redirect::temporary(&format!("http://localhost:{forbidden_port}/")) }))
        .route("/redirect-mapped", get(move || async move { Redirect::temporary(&format!("http://[::ffff:7f00:1]:{forbidden_port}/")) }))
        .route("/redirect-ok", get(|| async { Redirect::temporary("/plain") }))
        .route("/redirect-loop", get(|| async { Redirect::temporary("/redirect-loop") }))
        .route("/bad-image", get(move || async move {
            ([("content-type", "text/html")], format!("<meta property=og:title content=T><meta property=og:image content='http://127.0.0.1:{forbidden_port}/x.png'>"))
        }));
    let l = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (addr, page_hits)
}

const PREVIEW_CONFIG: &str = "url_preview_enabled: true\nurl_preview_ip_range_blacklist: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '::1/128', 'fe80::/10', 'fc00::/7']\nurl_preview_ip_range_whitelist: ['127.0.0.2/32']\nurl_preview_url_blacklist:\n  - path: '/blocked*'\nmax_spider_size: 64K\n";

async fn previews(engine: Engine) {
    let (forbidden_port, forbidden_hits) = forbidden_listener().await;
    let (site, page_hits) = allowed_site(forbidden_port).await;
    let home = Home::new(engine).await;
    let server = TestServer::start(
        &home,
        &Options {
            extra: PREVIEW_CONFIG.into(),
            ..Default::default()
        },
    )
    .await;
    let alice = server.user("alice").await;
    let preview = |u: String| {
        let alice = alice.clone();
        async move {
            alice
                .get(&format!(
                    "/_matrix/client/v1/media/preview_url?url={}&ts=1",
                    enc(&u)
                ))
                .await
        }
    };

    // The SSRF battery: every one fails, and the forbidden listener is never reached.
    let p = forbidden_port;
    for (url, status) in [
        (format!("http://127.0.0.1:{p}/"), 403),
        (format!("http://localhost:{p}/"), 502),
        (format!("http://[::ffff:127.0.0.1]:{p}/"), 403),
        (format!("http://2130706433:{p}/"), 403),
        (format!("http://0x7f.1:{p}/"), 403),
        (format!("http://0177.0.0.1:{p}/"), 403),
        (format!("http://127.1:{p}/"), 403),
        (format!("http://[::1]:{p}/"), 403),
        (format!("http://{site}/redirect-ip"), 403),
        (format!("http://{site}/redirect-name"), 502),
        (format!("http://{site}/redirect-mapped"), 403),
    ] {
        let (status_got, body) = preview(url.clone()).await;
        assert_eq!(status_got, status, "{url}: {body}");
        assert!(body["errcode"].is_string(), "{url}: {body}");
    }
    assert_eq!(
        forbidden_hits.load(Ordering::SeqCst),
        0,
        "the forbidden listener was reached"
    );

    // OpenGraph from an allowed page; the image is fetched and stored as media.
    let (status, og) = preview(format!("http://{site}/page")).await;
    assert_eq!(status, 200, "{og}");
    assert_eq!(og["og:title"], "Hello & welcome");
    assert_eq!(og["og:description"], "A page about things");
    let mxc = og["og:image"].as_str().expect("og:image");
    assert!(mxc.starts_with("mxc://test.example/"), "{og}");
    assert_eq!(og["og:image:width"], 40);
    assert_eq!(og["og:image:height"], 30);
    assert_eq!(og["og:image:type"], "image/png");
    assert_eq!(og["matrix:image:size"], png().len());
    let media_id = mxc.rsplit('/').next().unwrap();
    let bytes = alice
        .http
        .get(format!(
            "{}/_matrix/client/v1/media/download/test.example/{media_id}",
            server.url
        ))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        bytes.as_ref(),
        png().as_slice(),
        "the stored image is the fetched one, byte for byte"
    );

    // Cached: a second preview does not fetch the page again. The legacy path answers the same.
    let (status, again) = alice
        .get(&format!(
            "/_matrix/media/v3/preview_url?url={}",
            enc(&format!("http://{site}/page"))
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again, og);
    assert_eq!(page_hits.load(Ordering::SeqCst), 1, "served from the cache");

    // <title> and meta description as fallbacks, also after an allowed redirect.
    let (status, og) = preview(format!("http://{site}/redirect-ok")).await;
    assert_eq!(status, 200, "{og}");
    assert_eq!(og["og:title"], "Just a title");
    assert_eq!(og["og:description"], "Meta description");

    // An og:image on a forbidden address is dropped, the preview still answers.
    let (status, og) = preview(format!("http://{site}/bad-image")).await;
    assert_eq!(status, 200, "{og}");
    assert_eq!(og["og:title"], "T");
    assert!(og.get("og:image").is_none(), "{og}");
    assert_eq!(forbidden_hits.load(Ordering::SeqCst), 0);

    // Size cap, URL blacklist, redirect loop, non-previewable type.
    let (status, body) = preview(format!("http://{site}/big")).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (502, Some("M_TOO_LARGE")),
        "{body}"
    );
    let (status, body) = preview(format!("http://{site}/blocked-page")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "URL blocked by url pattern blocklist entry");
    let (status, _) = preview(format!("http://{site}/redirect-loop")).await;
    assert_eq!(status, 502);
    let (status, _) = preview(format!("http://{site}/json")).await;
    assert_eq!(status, 502);
    let (status, body) = alice.get("/_matrix/client/v1/media/preview_url").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM"))
    );

    // Authentication is required.
    let (status, body) = server
        .get(&format!(
            "/_matrix/client/v1/media/preview_url?url={}",
            enc(&format!("http://{site}/page"))
        ))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_MISSING_TOKEN"))
    );

    assert_eq!(forbidden_hits.load(Ordering::SeqCst), 0);
    server.stop().await;
    home.cleanup().await;
}
both_engines!(previews);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_by_default_and_blacklist_required() {
    let home = Home::new(Engine::Sqlite).await;
    let server = TestServer::start(&home, &Options::default()).await;
    let alice = server.user("alice").await;
    for path in [
        "/_matrix/client/v1/media/preview_url?url=http%3A%2F%2Fexample.org%2F",
        "/_matrix/media/v3/preview_url?url=http%3A%2F%2Fexample.org%2F",
    ] {
        let (status, body) = alice.get(path).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (404, Some("M_UNRECOGNIZED")),
            "{path}: {body}"
        );
    }
    server.stop().await;

    let err = TestServer::try_start(
        &home,
        &Options {
            extra: "url_preview_enabled: true\n".into(),
            ..Default::default()
        },
    )
    .await
    .err()
    .expect("refuses to start");
    let msg = format!("{err:#}");
    assert!(msg.contains("url_preview_ip_range_blacklist"), "{msg}");

    let err = TestServer::try_start(
        &home,
        &Options {
            extra: "url_preview_enabled: true\nurl_preview_ip_range_blacklist: ['not-an-ip']\n"
                .into(),
            ..Default::default()
        },
    )
    .await
    .err()
    .expect("refuses a bad range");
    assert!(
        format!("{err:#}").contains("url_preview_ip_range_blacklist[0]"),
        "{err:#}"
    );
    home.cleanup().await;
}
