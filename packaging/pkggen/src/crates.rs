//! The ports' crate lists from Cargo.lock: FreeBSD's CARGO_CRATES and distinfo, OpenBSD's
//! modules.inc and distinfo. Sizes and hashes are read from the crate files cargo downloaded
//! (its registry cache), and each hash must equal the checksum Cargo.lock records.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

#[derive(Deserialize)]
struct Lock {
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    checksum: Option<String>,
}

/// A crate from crates.io.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crate {
    pub name: String,
    pub version: String,
    /// SHA-256 in hex, as Cargo.lock has it.
    pub checksum: String,
}

/// Every crates.io package in `lock`, sorted by name and version.
pub fn from_lock(lock: &Path) -> Result<Vec<Crate>> {
    let text =
        std::fs::read_to_string(lock).with_context(|| format!("reading {}", lock.display()))?;
    let lock: Lock = toml::from_str(&text)?;
    let mut out = Vec::new();
    for p in lock.package {
        match p.source.as_deref() {
            Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => {
                let checksum = p
                    .checksum
                    .with_context(|| format!("{} {} has no checksum", p.name, p.version))?;
                out.push(Crate {
                    name: p.name,
                    version: p.version,
                    checksum,
                });
            }
            Some(other) => bail!("{} {}: source {other} is not crates.io", p.name, p.version),
            None => {}
        }
    }
    out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    Ok(out)
}

/// The crate file cargo downloaded, in `$CARGO_HOME/registry/cache/*/`.
fn cached(c: &Crate) -> Result<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let cache = home.join("registry/cache");
    let file = format!("{}-{}.crate", c.name, c.version);
    for e in std::fs::read_dir(&cache).with_context(|| format!("reading {}", cache.display()))? {
        let p = e?.path().join(&file);
        if p.exists() {
            return Ok(p);
        }
    }
    bail!("{file} is not in {} (run cargo fetch)", cache.display())
}

/// (size, sha256) of the downloaded crate, checked against Cargo.lock.
fn measure(c: &Crate) -> Result<(u64, [u8; 32])> {
    let bytes = std::fs::read(cached(c)?)?;
    let hash: [u8; 32] = Sha256::digest(&bytes).into();
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    if hex != c.checksum {
        bail!(
            "{}-{}.crate: sha256 {hex} differs from Cargo.lock's {}",
            c.name,
            c.version,
            c.checksum
        );
    }
    Ok((bytes.len() as u64, hash))
}

/// FreeBSD's `CARGO_CRATES=` block (ports' Makefile.crates).
pub fn freebsd_crates(crates: &[Crate]) -> String {
    let mut s = String::from("CARGO_CRATES=\t");
    for (i, c) in crates.iter().enumerate() {
        if i > 0 {
            s.push_str("\t\t");
        }
        s.push_str(&format!("{}-{}", c.name, c.version));
        s.push_str(if i + 1 < crates.len() { " \\\n" } else { "\n" });
    }
    s
}

/// FreeBSD's distinfo for the crates (the source tarball itself is added by the port build).
pub fn freebsd_distinfo(crates: &[Crate], timestamp: u64) -> Result<String> {
    let mut s = format!("TIMESTAMP = {timestamp}\n");
    for c in crates {
        let (size, _) = measure(c)?;
        let f = format!("rust/crates/{}-{}.crate", c.name, c.version);
        s.push_str(&format!(
            "SHA256 ({f}) = {}\nSIZE ({f}) = {size}\n",
            c.checksum
        ));
    }
    Ok(s)
}

/// OpenBSD's modules.inc (`MODCARGO_CRATES += name version`).
pub fn openbsd_modules(crates: &[Crate]) -> String {
    let mut s = String::from("MODCARGO_CRATES +=\t");
    let lines: Vec<String> = crates
        .iter()
        .map(|c| format!("{}\t{}", c.name, c.version))
        .collect();
    s.push_str(&lines.join("\nMODCARGO_CRATES +=\t"));
    s.push('\n');
    s
}

/// OpenBSD's distinfo for the crates (SHA256 in base64, as OpenBSD writes it).
pub fn openbsd_distinfo(crates: &[Crate]) -> Result<String> {
    let mut s = String::new();
    for c in crates {
        let (_, hash) = measure(c)?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(hash);
        s.push_str(&format!(
            "SHA256 (cargo/{}-{}.tar.gz) = {b64}\n",
            c.name, c.version
        ));
    }
    for c in crates {
        let (size, _) = measure(c)?;
        s.push_str(&format!(
            "SIZE (cargo/{}-{}.tar.gz) = {size}\n",
            c.name, c.version
        ));
    }
    Ok(s)
}
