//! Writes one format's tree under a directory: every manifest file with its mode (owners are
//! the package recipe's business: the tree is built unprivileged), every owned directory.

use std::path::Path;

use anyhow::{Context, Result};

use crate::manifest::{Manifest, Source, dirs, items};
use crate::render::render;

/// Stages `format` into `dest`. Binaries come from `bins`, docs from `docs` (pkggen docs).
pub fn stage(m: &Manifest, format: &str, dest: &Path, bins: &Path, docs: &Path) -> Result<()> {
    let root = crate::repo_root();
    for d in dirs(m, format)? {
        let p = under(dest, &d.path);
        std::fs::create_dir_all(&p).with_context(|| format!("creating {}", p.display()))?;
        set_mode(&p, d.mode)?;
    }
    for item in items(m, format)? {
        let p = under(dest, &item.dest);
        std::fs::create_dir_all(p.parent().expect("absolute paths have parents"))?;
        match &item.source {
            Source::Build(name) => copy(&bins.join(name), &p)?,
            Source::Generated(name) => copy(&docs.join(name), &p)?,
            Source::Repo(rel) => copy(&root.join(rel), &p)?,
            Source::Render(name) => std::fs::write(&p, render(m, format, name)?)
                .with_context(|| format!("writing {}", p.display()))?,
        }
        set_mode(&p, item.mode)?;
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn set_mode(p: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod {mode:o} {}", p.display()))
}

/// An absolute package path under the staging directory.
pub fn under(dest: &Path, path: &str) -> std::path::PathBuf {
    dest.join(path.trim_start_matches('/'))
}
