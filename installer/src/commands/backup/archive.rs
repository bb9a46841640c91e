//! The backup archive: a gzip-compressed tar whose last entry, `manifest.json`, names every
//! other entry with its original path, mode, owner, size and SHA-256. Reading checks each
//! entry's name (relative, no `..`) and, once all are read, every checksum against the
//! manifest, before anything is put in place.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

pub const MANIFEST: &str = "manifest.json";
pub const FORMAT: u32 = 1;

/// What an entry is, which decides where a restore puts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// homeserver.yaml, conf.d files, the log config.
    Config,
    /// The signing key and secret files.
    Secret,
    /// The SQLite database (a snapshot).
    Database,
    /// A file of the media store.
    Media,
    /// `pg_dump --format=custom` of a PostgreSQL database (restored with pg_restore, never
    /// placed as a file).
    PostgresDump,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The entry's name in the archive.
    pub name: String,
    /// Where it was on the backed-up machine.
    pub path: PathBuf,
    pub role: Role,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub server_name: String,
    pub created_ms: i64,
    /// The main homeserver.yaml.
    pub config: PathBuf,
    /// The media store directory.
    pub media_store: PathBuf,
    pub entries: Vec<Entry>,
}

/// A reader that hashes what passes through it.
pub struct Hashing<R> {
    inner: R,
    hasher: sha2::Sha256,
    pub bytes: u64,
}

impl<R> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: sha2::Sha256::new(),
            bytes: 0,
        }
    }
    pub fn hex(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the archive to `out`: each `(entry without its checksum, file)` in order, then the
/// manifest with every checksum. Returns the manifest.
pub fn write<W: Write>(
    out: W,
    mut manifest: Manifest,
    files: &[(Entry, PathBuf)],
) -> std::io::Result<(Manifest, W)> {
    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (entry, from) in files {
        let file = std::fs::File::open(from)?;
        let size = file.metadata()?.len();
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o600);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        let mut reader = Hashing::new(file.take(size));
        tar.append_data(&mut header, &entry.name, &mut reader)?;
        if reader.bytes != size {
            return Err(std::io::Error::other(format!(
                "{} changed size while it was read",
                from.display()
            )));
        }
        let mut e = entry.clone();
        e.size = size;
        e.sha256 = reader.hex();
        manifest.entries.push(e);
    }
    let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, MANIFEST, json.as_slice())?;
    let gz = tar.into_inner()?;
    let out = gz.finish()?;
    Ok((manifest, out))
}

/// Why an archive cannot be restored.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("entry {0:?} is not a plain relative name")]
    BadName(String),
    #[error("no {MANIFEST} (not an archive written by matrixctl backup, or cut short)")]
    NoManifest,
    #[error("{MANIFEST}: {0}")]
    BadManifest(String),
    #[error("{name}: checksum {found}, the manifest says {expected}")]
    Checksum {
        name: String,
        expected: String,
        found: String,
    },
    #[error("{0} is in the manifest but not in the archive")]
    Missing(String),
    #[error("{0} is in the archive but not in the manifest")]
    Extra(String),
}

/// Unpacks every entry under `staging` and checks it against the manifest.
pub fn read(archive: &Path, staging: &Path) -> Result<Manifest, ReadError> {
    let file = std::fs::File::open(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut seen: Vec<(String, String, u64)> = Vec::new();
    let mut manifest = None;
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().to_string();
        let path = Path::new(&name);
        if name.is_empty()
            || !path.components().all(|c| matches!(c, Component::Normal(_)))
            || entry.header().entry_type() != tar::EntryType::Regular
        {
            return Err(ReadError::BadName(name));
        }
        if name == MANIFEST {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            manifest = Some(
                serde_json::from_str::<Manifest>(&text)
                    .map_err(|e| ReadError::BadManifest(e.to_string()))?,
            );
            continue;
        }
        let dest = staging.join(path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let out = crate::exec::fs::create_private(&dest, 0o600)?;
        let mut w = Hashing::new(std::io::BufWriter::new(out));
        std::io::copy(&mut entry, &mut w)?;
        w.flush()?;
        let bytes = w.bytes;
        seen.push((name, w.hex(), bytes));
    }
    let manifest = manifest.ok_or(ReadError::NoManifest)?;
    if manifest.format != FORMAT {
        return Err(ReadError::BadManifest(format!(
            "format {} (this matrixctl reads {FORMAT})",
            manifest.format
        )));
    }
    for e in &manifest.entries {
        match seen.iter().find(|(n, _, _)| *n == e.name) {
            None => return Err(ReadError::Missing(e.name.clone())),
            Some((_, sha, size)) if *sha != e.sha256 || *size != e.size => {
                return Err(ReadError::Checksum {
                    name: e.name.clone(),
                    expected: e.sha256.clone(),
                    found: sha.clone(),
                });
            }
            Some(_) => {}
        }
    }
    if let Some((n, _, _)) = seen
        .iter()
        .find(|(n, _, _)| !manifest.entries.iter().any(|e| e.name == *n))
    {
        return Err(ReadError::Extra(n.clone()));
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            format: FORMAT,
            server_name: "a.example".into(),
            created_ms: 1,
            config: "/etc/matrixd/homeserver.yaml".into(),
            media_store: "/var/lib/matrixd/media_store".into(),
            entries: Vec::new(),
        }
    }

    fn entry(name: &str, path: &str) -> Entry {
        Entry {
            name: name.into(),
            path: path.into(),
            role: Role::Config,
            mode: 0o640,
            uid: 0,
            gid: 0,
            size: 0,
            sha256: String::new(),
        }
    }

    /// A tar.gz of these entries, as an attacker or a bad disk would make it.
    fn raw(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o600);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, name, *bytes).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn round_trips_and_refuses_changed_missing_extra_or_cut_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"homeserver config").unwrap();
        let (m, bytes) = write(
            Vec::new(),
            manifest(),
            &[(
                entry("config/homeserver.yaml", "/etc/matrixd/homeserver.yaml"),
                a,
            )],
        )
        .unwrap();
        assert_eq!(m.entries[0].size, 17);
        let file = dir.path().join("x.tar.gz");
        std::fs::write(&file, &bytes).unwrap();
        let staging = dir.path().join("s1");
        assert_eq!(read(&file, &staging).unwrap(), m);
        assert_eq!(
            std::fs::read(staging.join("config/homeserver.yaml")).unwrap(),
            b"homeserver config"
        );

        let json = serde_json::to_vec(&m).unwrap();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                raw(&[
                    ("config/homeserver.yaml", b"homeserver confiG"),
                    (MANIFEST, &json),
                ]),
                "checksum",
            ),
            (raw(&[(MANIFEST, &json)]), "not in the archive"),
            (
                raw(&[
                    ("config/homeserver.yaml", b"homeserver config"),
                    ("keys/extra", b"x"),
                    (MANIFEST, &json),
                ]),
                "not in the manifest",
            ),
            (
                raw(&[("config/homeserver.yaml", b"homeserver config")]),
                "no manifest",
            ),
            (bytes[..bytes.len() / 2].to_vec(), ""),
        ];
        for (i, (bytes, says)) in cases.into_iter().enumerate() {
            std::fs::write(&file, &bytes).unwrap();
            let err = read(&file, &dir.path().join(format!("bad{i}")))
                .expect_err("a damaged archive is refused")
                .to_string();
            assert!(err.contains(says), "case {i}: {err}");
        }
    }
}
