//! The media repository over real HTTP: uploads and downloads byte for byte, safe serving
//! headers, thumbnails (crop and scale, cached), the size limit, /v1/create, and ids that
//! cannot escape the media store.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User};

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

async fn upload(
    u: &User,
    body: Vec<u8>,
    content_type: &str,
    filename: Option<&str>,
) -> (u16, Value) {
    let mut url = format!("{}/_matrix/media/v3/upload", u.base);
    if let Some(f) = filename {
        url.push_str(&format!("?filename={}", crate::support::enc(f)));
    }
    let r = u
        .http
        .post(url)
        .bearer_auth(&u.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The headers every served media byte carries, exactly.
fn assert_serving_headers(h: &reqwest::header::HeaderMap, disposition: &str) {
    for (name, value) in [
        ("content-disposition", disposition),
        ("x-content-type-options", "nosniff"),
        ("cache-control", "public, max-age=86400, immutable"),
        ("cross-origin-resource-policy", "cross-origin"),
        (
            "content-security-policy",
            "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';",
        ),
    ] {
        assert_eq!(h[name], value, "{name}");
    }
}

fn media_path(mxc: &str) -> String {
    mxc.strip_prefix("mxc://").unwrap().to_string()
}

async fn uploads_downloads_and_thumbnails(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(
        &home,
        &Options {
            extra: "max_upload_size: 200K\n".into(),
            ..Default::default()
        },
    )
    .await;
    let alice = s.user("alice").await;

    let original = png(1000, 500);
    let (status, up) = upload(
        &alice,
        original.clone(),
        "image/png",
        Some("sunset picture.png"),
    )
    .await;
    assert_eq!(status, 200, "{up}");
    let mxc = up["content_uri"].as_str().unwrap();
    assert!(mxc.starts_with("mxc://test.example/"));
    let path = media_path(mxc);

    // Authenticated download, byte for byte, with safe headers.
    let r = alice
        .http
        .get(format!("{}/_matrix/client/v1/media/download/{path}", s.url))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        r.headers()["content-disposition"],
        "inline; filename=\"sunset picture.png\""
    );
    assert_serving_headers(r.headers(), "inline; filename=\"sunset picture.png\"");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), original);
    // Without a token the authenticated path refuses; the legacy path serves.
    let r = s
        .http
        .get(format!("{}/_matrix/client/v1/media/download/{path}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = s
        .http
        .get(format!(
            "{}/_matrix/media/v3/download/{path}/other.png",
            s.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-disposition"],
        "inline; filename=\"other.png\""
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), original);

    // Thumbnails: crop to an exact square, scale keeping the aspect ratio; cached.
    for (q, want) in [
        ("width=32&height=32&method=crop", (32, 32)),
        ("width=300&height=200&method=scale", (320, 160)),
    ] {
        let url = format!("{}/_matrix/client/v1/media/thumbnail/{path}?{q}", s.url);
        let r = alice
            .http
            .get(&url)
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{q}");
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_serving_headers(r.headers(), "inline");
        let bytes = r.bytes().await.unwrap().to_vec();
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), want, "{q}");
        // Byte for byte what the same resize of the original gives.
        let src = image::load_from_memory(&original).unwrap();
        let expected = if q.contains("crop") {
            src.resize_to_fill(32, 32, image::imageops::FilterType::Triangle)
        } else {
            src.thumbnail(320, 240)
        };
        let mut enc = std::io::Cursor::new(Vec::new());
        expected
            .write_to(&mut enc, image::ImageFormat::Png)
            .unwrap();
        assert_eq!(bytes, enc.into_inner(), "{q}: thumbnail bytes");
        let again = alice
            .http
            .get(&url)
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        assert_eq!(
            again, bytes,
            "a thumbnail is generated once and served from the cache"
        );
    }
    let thumbs = home.path().join("media/local_thumbnails");
    assert!(
        thumbs.exists(),
        "thumbnails are stored under the media store"
    );
    let r = s
        .http
        .get(format!(
            "{}/_matrix/media/v3/thumbnail/{path}?width=96&height=96&method=crop",
            s.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = alice
        .get(&format!(
            "/_matrix/client/v1/media/thumbnail/{path}?width=32"
        ))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM"))
    );

    // User-uploaded HTML and SVG are never served inline.
    for (ct, body) in [
        ("text/html", b"<script>alert(1)</script>".to_vec()),
        ("image/svg+xml", b"<svg onload='alert(1)'/>".to_vec()),
    ] {
        let (_, up) = upload(&alice, body, ct, Some("x")).await;
        let p = media_path(up["content_uri"].as_str().unwrap());
        let r = alice
            .http
            .get(format!("{}/_matrix/client/v1/media/download/{p}", s.url))
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap();
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"),
            "{ct}"
        );
        let (status, _) = alice
            .get(&format!(
                "/_matrix/client/v1/media/thumbnail/{p}?width=32&height=32"
            ))
            .await;
        assert_eq!(status, 400, "{ct} is not an image to thumbnail");
    }

    // The limit: 200K. Over it, 413 M_TOO_LARGE, with or without a Content-Length. The server
    // answers before reading the rest and closes that connection, so use a client whose pool
    // the later requests do not share.
    let refused = User {
        http: reqwest::Client::new(),
        ..alice.clone()
    };
    let (status, body) = upload(
        &refused,
        vec![7u8; 300 * 1024],
        "application/octet-stream",
        None,
    )
    .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (413, Some("M_TOO_LARGE"))
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..30).map(|_| Ok(vec![1u8; 10 * 1024])).collect();
    let r = reqwest::Client::new()
        .post(format!("{}/_matrix/media/v3/upload", s.url))
        .bearer_auth(&alice.token)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let leftovers = std::fs::read_dir(home.path().join("media/tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 0, "refused uploads leave nothing behind");
    let (_, cfg) = alice.get("/_matrix/client/v1/media/config").await;
    assert_eq!(cfg["m.upload.size"], 200 * 1024);

    // Ids that try to leave the store, unknown ids, and (on the legacy path, which never
    // fetches from other servers) other servers' media: 404. Fetching other servers' media on
    // the authenticated path is federation_media.rs's.
    let r = alice
        .http
        .get(format!(
            "{}/_matrix/media/v3/download/other.example/abcdefgh",
            s.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "legacy path, other server");
    for p in [
        "test.example/..%2F..%2Fhomeserver.yaml",
        "test.example/nope",
        "not a server name/abcdefgh",
    ] {
        let r = alice
            .http
            .get(format!("{}/_matrix/client/v1/media/download/{p}", s.url))
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{p}");
    }

    // /v1/create, then upload into the reserved id once, by its owner only.
    let created = alice
        .ok(Method::POST, "/_matrix/media/v1/create", json!({}))
        .await;
    let p = media_path(created["content_uri"].as_str().unwrap());
    assert!(created["unused_expires_at"].as_i64().unwrap() > 0);
    let bob = s.user("bob").await;
    let put = |u: &User, body: &'static [u8]| {
        let (http, url, token) = (
            u.http.clone(),
            format!("{}/_matrix/media/v3/upload/{p}", s.url),
            u.token.clone(),
        );
        async move {
            http.put(url)
                .bearer_auth(token)
                .header("content-type", "text/plain")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(put(&bob, b"not yours").await, 403);
    assert_eq!(put(&alice, b"hello").await, 200);
    assert_eq!(put(&alice, b"again").await, 409);
    let r = s
        .http
        .get(format!("{}/_matrix/media/v3/download/{p}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(uploads_downloads_and_thumbnails);
