//! Local media: the metadata rows, and the files copied from Synapse's media store into
//! matrixd's (both use `local_content/ab/cd/rest`); thumbnails are copied under the names
//! matrixd looks for (`{w}-{h}-{crop|scale}.{jpg|png}`), so they need not be made again.
//! Synapse's files are only read. A file missing from Synapse's store leaves its row out.

use std::path::{Path, PathBuf};

use super::source::{SynapseDb, Val};
use super::target::Target;
use super::{Check, Converted, Ctx, TableStep, int, opt, text};
use crate::store::StoreError;

pub(super) static STEPS: &[TableStep] = &[
    TableStep {
        name: "media",
        what: "local media (metadata and files)",
        count: "SELECT COUNT(*) FROM local_media_repository WHERE media_length IS NOT NULL",
        select: "SELECT media_id, COALESCE(user_id, ''), media_type, upload_name, CAST(media_length AS BIGINT), \
                 CAST(COALESCE(created_ts, 0) AS BIGINT) FROM local_media_repository \
                 WHERE media_length IS NOT NULL ORDER BY media_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO media (media_id, user_id, content_type, filename, size, created_ts, uploaded)",
            cols: 7,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: media,
        batch: 200,
        check: Some("SELECT COUNT(*) FROM media"),
    },
    TableStep {
        name: "thumbnails",
        what: "thumbnails of local media (files only)",
        count: "SELECT COUNT(*) FROM local_media_repository_thumbnails",
        select: "SELECT media_id, CAST(thumbnail_width AS BIGINT), CAST(thumbnail_height AS BIGINT), thumbnail_type, \
                 thumbnail_method FROM local_media_repository_thumbnails \
                 ORDER BY media_id, thumbnail_width, thumbnail_height, thumbnail_type, thumbnail_method LIMIT $1 OFFSET $2",
        targets: &[],
        convert: thumbnails,
        batch: 500,
        check: None,
    },
];

/// `base/ab/cd/rest` (Synapse's and matrixd's layout).
fn sharded(base: &Path, id: &str) -> Option<PathBuf> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    Some(if id.len() > 4 {
        base.join(&id[..2]).join(&id[2..4]).join(&id[4..])
    } else {
        base.join(id)
    })
}

/// Copies `from` to `to` (directories made as needed); false when `from` does not exist.
fn copy_file(from: &Path, to: &Path) -> Result<bool, String> {
    if !from.is_file() {
        return Ok(false);
    }
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::copy(from, to).map_err(|e| format!("{} → {}: {e}", from.display(), to.display()))?;
    Ok(true)
}

fn media(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let mut rows = Vec::new();
    let mut skipped = 0;
    for r in page {
        let id = text(&r, 0);
        let (Some(from), Some(to)) = (
            sharded(&ctx.media_from.join("local_content"), &id),
            sharded(&ctx.media_to.join("local_content"), &id),
        ) else {
            skipped += 1;
            continue;
        };
        if !copy_file(&from, &to)? {
            skipped += 1;
            continue;
        }
        rows.push((
            0,
            vec![
                Val::Text(id),
                opt(&r, 1),
                opt(&r, 2),
                opt(&r, 3),
                opt(&r, 4),
                Val::Int(int(&r, 5)),
                Val::Int(1),
            ],
        ));
    }
    Ok((rows, skipped))
}

fn thumbnails(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let mut skipped = 0;
    for r in page {
        let id = text(&r, 0);
        let (w, h, mime, method) = (int(&r, 1), int(&r, 2), text(&r, 3), text(&r, 4));
        let ext = match mime.as_str() {
            "image/jpeg" => "jpg",
            "image/png" => "png",
            _ => {
                skipped += 1;
                continue;
            }
        };
        let (Some(from_dir), Some(to_dir)) = (
            sharded(&ctx.media_from.join("local_thumbnails"), &id),
            sharded(&ctx.media_to.join("local_thumbnails"), &id),
        ) else {
            skipped += 1;
            continue;
        };
        let (top, sub) = mime.split_once('/').unwrap_or((&mime, ""));
        let from = from_dir.join(format!("{w}-{h}-{top}-{sub}-{method}"));
        let to = to_dir.join(format!(
            "{w}-{h}-{}.{ext}",
            if method == "crop" { "crop" } else { "scale" }
        ));
        if !copy_file(&from, &to)? {
            skipped += 1;
        }
    }
    Ok((Vec::new(), skipped))
}

fn sha256_file(path: &Path) -> Option<String> {
    use sha2::Digest as _;
    let bytes = std::fs::read(path).ok()?;
    Some(hex::encode(sha2::Sha256::digest(&bytes)))
}

/// Up to 20 media files compared byte for byte (by SHA-256).
pub(super) async fn sample_media(src: &SynapseDb, ctx: &Ctx) -> Result<Vec<Check>, StoreError> {
    let rows = src
        .all(
            "SELECT media_id FROM local_media_repository WHERE media_length IS NOT NULL \
             ORDER BY media_id LIMIT 20",
        )
        .await?;
    let mut compared = 0;
    let mut same = 0;
    for r in &rows {
        let id = text(r, 0);
        let (Some(from), Some(to)) = (
            sharded(&ctx.media_from.join("local_content"), &id),
            sharded(&ctx.media_to.join("local_content"), &id),
        ) else {
            continue;
        };
        let Some(theirs) = sha256_file(&from) else {
            continue;
        };
        compared += 1;
        if sha256_file(&to).as_deref() == Some(theirs.as_str()) {
            same += 1;
        }
    }
    Ok(vec![Check {
        what: "media sampled: same bytes (SHA-256)".into(),
        source: compared,
        target: same,
        ok: same == compared,
    }])
}
