//! The matrixd package, when one is installed: its marker file (written by the package from
//! templates/package/package.toml.tera, at the distro's `paths.package_marker`) says where the
//! packaged binary, service definition, config and data are and which user runs matrixd.
//! Reading only.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// What the installed matrixd package provides.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Packaged {
    /// deb, rpm, arch, apk, freebsd, openbsd.
    pub format: String,
    pub bin: PathBuf,
    pub matrixctl: PathBuf,
    pub service_definition: PathBuf,
    pub config_dir: PathBuf,
    /// Merged after homeserver.yaml by the packaged service (server_name.yaml, …).
    pub conf_d: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    pub user: String,
    pub group: String,
    pub setup: PathBuf,
}

/// Reads the marker at `marker` (a path on the target) under `root`; None when absent or
/// unreadable.
pub fn detect(root: &Path, marker: &str) -> Option<Packaged> {
    let text = std::fs::read_to_string(super::under(root, Path::new(marker))).ok()?;
    toml::from_str(&text).ok()
}

/// The `server_name` in a package's `conf.d/server_name.yaml` text (`server_name: "NAME"`).
pub fn server_name_of(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let v = l.strip_prefix("server_name:")?.trim();
        let v = v.trim_matches('"').trim_matches('\'');
        (!v.is_empty()).then(|| v.to_string())
    })
}
