//! Media across servers (issue 14), with a real Synapse and matrixd servers on loopback (the
//! set-up of `fed.rs`): an image uploaded on one server is downloaded byte for byte, and
//! thumbnailed, by a client of the other, through the authenticated client media paths, in
//! each direction and between two matrixd; a remote file over matrixd's max_upload_size is
//! refused with 502 M_TOO_LARGE and nothing is kept.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::fed::*;
use crate::support::*;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 99])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

impl Server {
    /// Uploads `bytes` as a PNG named `name`; the `server/id` of its mxc URI.
    async fn upload(&self, token: &str, bytes: Vec<u8>, name: &str) -> String {
        let r = reqwest::Client::new()
            .post(format!(
                "{}/_matrix/media/v3/upload?filename={name}",
                self.url
            ))
            .bearer_auth(token)
            .header("content-type", "image/png")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or_default();
        assert_eq!(status, 200, "{} upload: {body}", self.name);
        body["content_uri"]
            .as_str()
            .unwrap()
            .strip_prefix("mxc://")
            .unwrap()
            .to_string()
    }

    /// GET `path` with `token`: (status, content type, body).
    async fn get_bytes(&self, token: &str, path: &str) -> (u16, String, Vec<u8>) {
        let r = reqwest::Client::new()
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .timeout(Duration::from_secs(90))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, ct, r.bytes().await.unwrap().to_vec())
    }
}

/// `reader` (a user of `server`) downloads `mxc` (another server's image, `original`) byte for
/// byte and gets a 32×32 crop thumbnail of it, both on the authenticated client paths.
async fn download_and_thumbnail(server: &Server, reader: &str, mxc: &str, original: &[u8]) {
    let (status, ct, body) = server
        .get_bytes(reader, &format!("/_matrix/client/v1/media/download/{mxc}"))
        .await;
    assert_eq!(
        status,
        200,
        "{} downloading {mxc}: {}",
        server.name,
        String::from_utf8_lossy(&body)
    );
    assert_eq!(ct, "image/png");
    assert!(
        body == original,
        "{} served {mxc} changed ({} bytes, not {})",
        server.name,
        body.len(),
        original.len()
    );
    let (status, _, thumb) = server
        .get_bytes(
            reader,
            &format!("/_matrix/client/v1/media/thumbnail/{mxc}?width=32&height=32&method=crop"),
        )
        .await;
    assert_eq!(
        status,
        200,
        "{} thumbnailing {mxc}: {}",
        server.name,
        String::from_utf8_lossy(&thumb)
    );
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (32, 32),
        "{}'s thumbnail of {mxc}",
        server.name
    );
}

/// Sets `key` to `value` (YAML) in a homeserver.yaml, with the venv's YAML.
fn set_key(config: &Path, key: &str, value: &str) {
    let edit = "import sys, yaml\npath, key, value = sys.argv[1:4]\nconf = yaml.safe_load(open(path))\nconf[key] = yaml.safe_load(value)\nyaml.safe_dump(conf, open(path, 'w'), sort_keys=False)\n";
    let out = Command::new(synapse_venv().join("bin/python"))
        .args(["-c", edit])
        .arg(config)
        .args([key, value])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Files under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
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

/// Synapse's image reaches a client of matrixd, and matrixd's a client of Synapse (Synapse
/// fetching it on matrixd's federation media endpoint), byte for byte and thumbnailed; a file
/// over matrixd's max_upload_size is refused with 502 M_TOO_LARGE, and nothing is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_cross_between_synapse_and_matrixd() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (syn, mut md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let alice = md.user("alice").await;
    let bob = syn.user("bob").await;

    let from_synapse = png(320, 200);
    let mxc = syn
        .upload(&bob, from_synapse.clone(), "from-synapse.png")
        .await;
    download_and_thumbnail(&md, &alice, &mxc, &from_synapse).await;

    let from_matrixd = png(200, 150);
    let mxc = md
        .upload(&alice, from_matrixd.clone(), "from-matrixd.png")
        .await;
    download_and_thumbnail(&syn, &bob, &mxc, &from_matrixd).await;

    // matrixd with a 100 KiB limit: Synapse's 300 KiB file is refused while it streams in.
    md.stop_matrixd();
    set_key(&md.config, "max_upload_size", "100K");
    md.start_matrixd().await;
    let alice = login(&md.url, "alice", "federation-pass-1").await.1["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let big: Vec<u8> = (0..300 * 1024).map(|i| (i * 31 % 251) as u8).collect();
    let mxc = syn.upload(&bob, big, "big.bin").await;
    let (status, _, body) = md
        .get_bytes(&alice, &format!("/_matrix/client/v1/media/download/{mxc}"))
        .await;
    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(
        (status, v["errcode"].as_str()),
        (502, Some("M_TOO_LARGE")),
        "{v}"
    );
    let store = md_dir.join("media_store");
    let kept = files_under(&store.join("remote_content"));
    assert_eq!(kept.len(), 1, "only the first image is kept: {kept:?}");
    assert!(files_under(&store.join("tmp")).is_empty());
}

/// Between two matrixd: an image of one is downloaded and thumbnailed by a client of the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_cross_between_two_matrixd() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (one_dir, two_dir) = (dir.path().join("one"), dir.path().join("two"));
    let (one, two) = tokio::join!(matrixd(&one_dir, &pki), matrixd(&two_dir, &pki));
    let alice = one.user("alice").await;
    let carol = two.user("carol").await;
    let image = png(256, 256);
    let mxc = one.upload(&alice, image.clone(), "square.png").await;
    download_and_thumbnail(&two, &carol, &mxc, &image).await;
    let image = png(90, 60);
    let mxc = two.upload(&carol, image.clone(), "small.png").await;
    download_and_thumbnail(&one, &alice, &mxc, &image).await;
}
