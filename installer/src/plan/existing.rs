//! The read-only view planning has of the target system: what exists at a path (under `--root`).
//! Planning may read; it never writes. Tests use `Memory` to plan for any machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub trait Existing {
    /// The bytes at a target path (e.g. `/etc/matrixd/homeserver.yaml`), if it is a file.
    fn read(&self, path: &Path) -> Option<Vec<u8>>;
    fn exists(&self, path: &Path) -> bool;
    fn link_target(&self, path: &Path) -> Option<PathBuf>;
    /// Whether the target file has exactly the bytes of `source` (a path on this machine).
    fn same_as(&self, source: &Path, path: &Path) -> bool;
}

/// The real file system, with target paths under `root`.
pub struct Fs {
    pub root: PathBuf,
}

impl Fs {
    pub fn host(&self, path: &Path) -> PathBuf {
        under(&self.root, path)
    }
}

pub use crate::facts::under;

impl Existing for Fs {
    fn read(&self, path: &Path) -> Option<Vec<u8>> {
        std::fs::read(self.host(path)).ok()
    }
    fn exists(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(self.host(path)).is_ok()
    }
    fn link_target(&self, path: &Path) -> Option<PathBuf> {
        std::fs::read_link(self.host(path)).ok()
    }
    fn same_as(&self, source: &Path, path: &Path) -> bool {
        let target = self.host(path);
        match (std::fs::metadata(source), std::fs::metadata(&target)) {
            (Ok(a), Ok(b)) if a.len() == b.len() => {
                std::fs::read(source).ok() == std::fs::read(&target).ok()
            }
            _ => false,
        }
    }
}

/// An in-memory system for tests: files by path.
#[derive(Default)]
pub struct Memory {
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Existing for Memory {
    fn read(&self, path: &Path) -> Option<Vec<u8>> {
        self.files.get(path).cloned()
    }
    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
    fn link_target(&self, _: &Path) -> Option<PathBuf> {
        None
    }
    fn same_as(&self, _: &Path, _: &Path) -> bool {
        false
    }
}
