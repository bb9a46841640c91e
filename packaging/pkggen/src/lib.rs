//! pkggen: the install manifest (packaging/manifest.toml) made usable by every package format.
//! `manifest` reads it and expands each format's paths, `render` renders the packaged files
//! from templates/, `stage` writes a format's tree, `docs` generates man pages and completions
//! from matrixctl's clap definitions, `crates` turns Cargo.lock into the ports' crate lists.
//! It only reads the repository and writes under the directory it is given.

pub mod crates;
pub mod docs;
pub mod manifest;
pub mod render;
pub mod stage;

use std::path::{Path, PathBuf};

/// The repository root (pkggen lives in packaging/pkggen).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository exists")
}
