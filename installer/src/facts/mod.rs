//! What the installer knows about this machine: the OS family (from `/etc/os-release` and
//! `uname`, matched against `distros/*.toml`), the installed nginx version, whether the service
//! manager runs, and where the matrixd binary to install is. Detection reads; it never writes.
//! The probes themselves (also users, groups and pid files, for the executor) are `probe`.

pub mod adopt;
pub mod distro;
pub mod package;
pub mod probe;

use std::path::{Path, PathBuf};

pub use distro::Distro;

use crate::error::CliError;

/// The detected operating system, as os-release and uname describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsInfo {
    pub uname: String,
    pub id: Option<String>,
    pub id_like: Vec<String>,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
}

impl OsInfo {
    pub fn describe(&self) -> String {
        match (&self.pretty_name, &self.id) {
            (Some(p), _) => format!("{p} ({})", self.uname),
            (None, Some(id)) => format!(
                "{id} {} ({})",
                self.version_id.as_deref().unwrap_or(""),
                self.uname
            ),
            (None, None) => self.uname.clone(),
        }
    }
}

/// Everything planning needs to know about the target system.
#[derive(Debug, Clone)]
pub struct Facts {
    pub os: OsInfo,
    pub distro: Distro,
    /// `nginx -v` of the installed nginx, when there is one.
    pub nginx_version: Option<(u32, u32, u32)>,
    /// The matrixd binary to install (next to matrixctl), when found.
    pub matrixd_source: Option<PathBuf>,
    /// This matrixctl binary (copied beside matrixd for the certificate renewal timer).
    pub matrixctl_source: Option<PathBuf>,
    /// Whether this host has IPv6 (nginx refuses `listen [::]:80` without it).
    pub ipv6: bool,
    /// The installed matrixd package, whose binary, service and user install then uses.
    pub packaged: Option<package::Packaged>,
    /// `install --adopt`: what the existing homeserver.yaml says (read by the install command
    /// only when adopting; `None` otherwise).
    pub adopted: Option<adopt::Adopted>,
}

/// Parses os-release text (`KEY=value`, values optionally quoted).
pub fn parse_os_release(text: &str) -> OsInfo {
    let mut os = OsInfo::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"').trim_matches('\'').to_string();
        match k.trim() {
            "ID" => os.id = Some(v.to_lowercase()),
            "ID_LIKE" => os.id_like = v.split_whitespace().map(str::to_lowercase).collect(),
            "VERSION_ID" => os.version_id = Some(v),
            "PRETTY_NAME" => os.pretty_name = Some(v),
            _ => {}
        }
    }
    os
}

/// Parses `nginx version: nginx/1.22.1` (nginx -v prints it on stderr).
pub fn parse_nginx_version(text: &str) -> Option<(u32, u32, u32)> {
    let v = text.split("nginx/").nth(1)?.split_whitespace().next()?;
    let mut parts = v.split('.').map(|p| {
        p.trim_matches(|c: char| !c.is_ascii_digit())
            .parse::<u32>()
            .ok()
    });
    Some((
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    ))
}

/// `path` (absolute, on the target) as a path on this machine under `root` (`--root`).
pub fn under(root: &Path, path: &Path) -> PathBuf {
    if root == Path::new("/") {
        path.to_path_buf()
    } else {
        root.join(path.strip_prefix("/").unwrap_or(path))
    }
}

/// Reads os-release and uname of the system under `root` (uname is the running kernel's).
pub fn detect_os(root: &Path) -> OsInfo {
    let uname = probe::uname();
    let rel = |p: &str| root.join(p.trim_start_matches('/'));
    let text = std::fs::read_to_string(rel("/etc/os-release"))
        .or_else(|_| std::fs::read_to_string(rel("/usr/lib/os-release")))
        .or_else(|_| std::fs::read_to_string(rel("/var/run/os-release")))
        .unwrap_or_default();
    let mut os = parse_os_release(&text);
    os.uname = uname;
    os
}

/// Detects the family (or takes `--distro`), refusing an unsupported OS with what was seen.
pub fn detect(root: &Path, distro_override: Option<&str>) -> Result<Facts, CliError> {
    let os = detect_os(root);
    let distro = match distro_override {
        Some(name) => distro::by_name(name).ok_or_else(|| {
            CliError::usage(crate::tr!(
                "err-unknown-distro",
                flag = format!("--distro {name:?}")
            ))
            .hint(crate::tr!(
                "hint-use-one-of",
                names = family_ids().join(", ")
            ))
        })?,
        None => distro::matching(&os.uname, os.id.as_deref(), &os.id_like).ok_or_else(|| {
            CliError::failure(crate::tr!("err-unsupported-os", os = os.describe()))
                .cause(crate::tr!(
                    "err-unsupported-os-detected",
                    seen = format!(
                        "uname {:?}, ID {:?}, ID_LIKE {:?}",
                        os.uname,
                        os.id.as_deref().unwrap_or("-"),
                        os.id_like.join(" ")
                    ),
                    files = "distros/*.toml"
                ))
                .hint(crate::tr!(
                    "hint-unsupported-os",
                    flag = "--distro NAME",
                    names = family_ids().join(", ")
                ))
        })?,
    };
    let nginx_version = probe::nginx_version();
    let matrixd_source = probe::sibling_binary("matrixd");
    let ipv6 = os.uname != "Linux" || Path::new("/proc/net/if_inet6").exists();
    let packaged = distro
        .paths
        .package_marker
        .as_deref()
        .and_then(|m| package::detect(root, m));
    Ok(Facts {
        os,
        distro,
        nginx_version,
        matrixd_source,
        matrixctl_source: std::env::current_exe().ok(),
        ipv6,
        packaged,
        adopted: None,
    })
}

pub fn family_ids() -> Vec<String> {
    distro::all().into_iter().map(|d| d.id).collect()
}
