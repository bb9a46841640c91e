//! The distro data schema: one `distros/<family>.toml` per OS family, embedded in the binary.
//! Owns parsing the data and matching os-release/uname against it; nothing here runs commands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every family file, embedded: (file name, contents).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("debian.toml", include_str!("../../../distros/debian.toml")),
    ("fedora.toml", include_str!("../../../distros/fedora.toml")),
    (
        "opensuse.toml",
        include_str!("../../../distros/opensuse.toml"),
    ),
    ("arch.toml", include_str!("../../../distros/arch.toml")),
    ("alpine.toml", include_str!("../../../distros/alpine.toml")),
    (
        "freebsd.toml",
        include_str!("../../../distros/freebsd.toml"),
    ),
    (
        "openbsd.toml",
        include_str!("../../../distros/openbsd.toml"),
    ),
];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Distro {
    pub id: String,
    pub name: String,
    pub detect: Detect,
    pub packages: Packages,
    pub service: ServiceManager,
    pub paths: Paths,
    pub user: UserData,
    pub nginx: Nginx,
    pub postgresql: Postgresql,
    pub coturn: Coturn,
    /// How `matrixctl renew-certs` runs unattended (`--tls acme`).
    pub renewal: Schedule,
    /// How `matrixctl backup` runs daily (`--backups DIR`).
    pub backup: Schedule,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Detect {
    /// `uname -s`.
    pub uname: String,
    /// os-release `ID` values of this family.
    pub ids: Vec<String>,
    /// os-release `ID_LIKE` tokens that make a derivative part of this family.
    pub id_like: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Packages {
    pub manager: String,
    pub env: BTreeMap<String, String>,
    /// Run once before installing (empty: nothing to refresh).
    pub refresh: Vec<String>,
    /// Followed by the package names.
    pub install: Vec<String>,
    pub remove: Vec<String>,
    /// Succeeds when `{pkg}` is installed (and prints `installed_stdout` first, when set).
    pub is_installed: Vec<String>,
    #[serde(default)]
    pub installed_stdout: Option<String>,
    pub nginx: Vec<String>,
    pub postgresql: Vec<String>,
    pub coturn: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceManager {
    /// Which service-definition template: systemd | openrc | freebsd-rc | openbsd-rc.
    pub kind: String,
    pub unit_path: String,
    pub unit_mode: u32,
    /// A path that exists only while the service manager runs (systemd: /run/systemd/system).
    /// Absent: the manager always runs (BSD rc).
    #[serde(default)]
    pub running_marker: Option<String>,
    pub after_unit_change: Vec<Vec<String>>,
    pub enable: Vec<Vec<String>>,
    pub disable: Vec<Vec<String>>,
    pub start: Vec<String>,
    pub stop: Vec<String>,
    pub restart: Vec<String>,
    pub reload: Vec<String>,
    pub is_active: Vec<String>,
    pub status: Vec<String>,
    /// The name of matrixd's instance `{n}` when several processes serve (`install --workers
    /// N`), from the service name `{svc}`: a name the manager accepts (systemd `{svc}@{n}`,
    /// OpenRC `{svc}.{n}`, the BSDs' rc, whose names are shell variables, `{svc}_{n}`).
    pub instance: String,
    /// One definition every instance runs from (a systemd template unit, `{svc}@.service`);
    /// absent: each instance has its own, at `unit_path` under its instance name.
    #[serde(default)]
    pub instance_unit: Option<String>,
    /// How to start a packaged service (PostgreSQL) when the manager is not running.
    #[serde(default)]
    pub fallback_start: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    pub config_dir: String,
    pub data_dir: String,
    pub log_dir: String,
    pub run_dir: String,
    pub bin: String,
    /// Where the matrixd package puts its marker (facts::package); absent: no package.
    #[serde(default)]
    pub package_marker: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserData {
    pub name: String,
    pub group: String,
    pub home: String,
    pub shell: String,
    /// Run when the group does not exist.
    pub create_group: Vec<Vec<String>>,
    /// Run when the user does not exist.
    pub create_user: Vec<Vec<String>>,
    pub remove_user: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Include {
    pub file: String,
    pub line: String,
}

/// How a job of matrixctl runs unattended (certificate renewal, daily backups): a systemd
/// timer (`systemd-timer`: `service` and `timer` unit files, then `enable`, and `start` when
/// systemd runs), a daily script (`periodic`: `script`, run by the system's periodic(8) or
/// crond), an entry in a daily script the system runs (`daily-local`: a marked block in
/// `script`, OpenBSD's /etc/daily.local), or `none` (a note says what to add to root's
/// crontab).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub kind: String,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub timer: Option<String>,
    #[serde(default)]
    pub enable: Vec<Vec<String>>,
    #[serde(default)]
    pub start: Option<Vec<String>>,
    #[serde(default)]
    pub script: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Nginx {
    pub service: String,
    pub user: String,
    pub site: String,
    #[serde(default)]
    pub enable_link: Option<String>,
    /// A line we add inside nginx.conf's http block when the layout includes nothing.
    #[serde(default)]
    pub include: Option<Include>,
    pub webroot: String,
    /// The webroot as a chrooted nginx sees it (OpenBSD).
    #[serde(default)]
    pub webroot_in_chroot: Option<String>,
    pub pid_file: String,
    /// `listen` (nginx < 1.25.1: `listen 443 ssl http2;`) or `directive` (`http2 on;`), used
    /// when the installed nginx's version is unknown.
    pub http2: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InitCommand {
    pub argv: Vec<String>,
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Postgresql {
    pub service: String,
    pub os_user: String,
    pub superuser: String,
    pub socket_dir: String,
    pub init: Vec<InitCommand>,
    /// init is skipped when this exists.
    #[serde(default)]
    pub init_creates: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Coturn {
    pub service: String,
    pub user: String,
    pub config: String,
    pub direct_start: Vec<String>,
}

/// Parses one family file.
pub fn parse(name: &str, text: &str) -> Result<Distro, String> {
    toml::from_str(text).map_err(|e| format!("distros/{name}: {e}"))
}

/// Every embedded family, in file order.
pub fn all() -> Vec<Distro> {
    EMBEDDED
        .iter()
        .map(|(n, t)| parse(n, t).expect("embedded distro data parses (checked by a test)"))
        .collect()
}

/// The family whose id is `id` (the `--distro` override accepts a family id or any os-release ID).
pub fn by_name(name: &str) -> Option<Distro> {
    all()
        .into_iter()
        .find(|d| d.id == name || d.detect.ids.iter().any(|i| i == name))
}

/// Matches `uname -s` and os-release `ID`/`ID_LIKE` against the families: `ID` first, then each
/// `ID_LIKE` token in order.
pub fn matching(uname: &str, id: Option<&str>, id_like: &[String]) -> Option<Distro> {
    let all = all();
    let same_kernel: Vec<&Distro> = all.iter().filter(|d| d.detect.uname == uname).collect();
    if let Some(id) = id
        && let Some(d) = same_kernel
            .iter()
            .find(|d| d.detect.ids.iter().any(|i| i == id))
    {
        return Some((*d).clone());
    }
    for like in id_like {
        if let Some(d) = same_kernel
            .iter()
            .find(|d| d.detect.id_like.iter().any(|i| i == like))
        {
            return Some((*d).clone());
        }
    }
    // A BSD without os-release: the kernel name decides.
    if id.is_none() && uname != "Linux" && same_kernel.len() == 1 {
        return Some(same_kernel[0].clone());
    }
    None
}

/// Replaces `{name}` placeholders in every argument.
pub fn subst(argv: &[String], vars: &[(&str, &str)]) -> Vec<String> {
    argv.iter()
        .map(|a| {
            let mut s = a.clone();
            for (k, v) in vars {
                s = s.replace(&format!("{{{k}}}"), v);
            }
            s
        })
        .collect()
}
