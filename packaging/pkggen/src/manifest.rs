//! packaging/manifest.toml: the formats, the files and the directories, with every `{var}`
//! expanded for one format from its `dirs` table and its distros/*.toml data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub package: Package,
    pub format: BTreeMap<String, Format>,
    pub file: Vec<FileEntry>,
    pub dir: Vec<DirEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub homepage: String,
    pub license: String,
    pub maintainer: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Format {
    pub distro: String,
    pub service: String,
    pub dirs: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub dest: String,
    pub mode: String,
    #[serde(default)]
    pub build: Option<String>,
    #[serde(default)]
    pub generated: Option<String>,
    #[serde(default)]
    pub tree: Option<String>,
    #[serde(default)]
    pub glob: Option<String>,
    #[serde(default)]
    pub render: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub config: bool,
    #[serde(default)]
    pub only: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct DirEntry {
    pub path: String,
    pub mode: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
}

/// Where one file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The release binary of this name.
    Build(String),
    /// A file `pkggen docs` writes, relative to its output directory.
    Generated(String),
    /// A checked-in file, relative to the repository.
    Repo(PathBuf),
    /// A template rendered for the format.
    Render(String),
}

/// One file of one format, every variable expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub dest: String,
    pub source: Source,
    pub mode: u32,
    pub owner: String,
    pub group: String,
    pub config: bool,
}

/// One directory of one format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dir {
    pub path: String,
    pub mode: u32,
    pub owner: String,
    pub group: String,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// The manifest of this repository.
    pub fn of_repo() -> Result<Manifest> {
        Manifest::load(&crate::repo_root().join("packaging/manifest.toml"))
    }

    pub fn format(&self, name: &str) -> Result<&Format> {
        self.format.get(name).with_context(|| {
            format!(
                "unknown format {name:?}; the manifest has: {}",
                self.format.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }
}

/// The variables of one format: its dirs, then what its distro data says.
pub fn vars(m: &Manifest, format: &str) -> Result<BTreeMap<String, String>> {
    let f = m.format(format)?;
    let d = matrixctl::facts::distro::by_name(&f.distro)
        .with_context(|| format!("format {format}: no distros/{}.toml", f.distro))?;
    let mut v = f.dirs.clone();
    v.insert("format".into(), format.into());
    v.insert("config_dir".into(), d.paths.config_dir.clone());
    v.insert("conf_d".into(), format!("{}/conf.d", d.paths.config_dir));
    v.insert("data_dir".into(), d.paths.data_dir.clone());
    v.insert("log_dir".into(), d.paths.log_dir.clone());
    v.insert("run_dir".into(), d.paths.run_dir.clone());
    v.insert("user".into(), d.user.name.clone());
    v.insert("group".into(), d.user.group.clone());
    v.insert("nologin".into(), d.user.shell.clone());
    v.insert("root_group".into(), root_group(&f.distro).into());
    Ok(v)
}

/// The group of root: `wheel` on the BSDs.
fn root_group(distro: &str) -> &'static str {
    match distro {
        "freebsd" | "openbsd" => "wheel",
        _ => "root",
    }
}

/// Replaces every `{name}` in `s`; an unknown name is an error.
pub fn expand(s: &str, vars: &BTreeMap<String, String>) -> Result<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .with_context(|| format!("unclosed {{ in {s:?}"))?;
        let name = &rest[start + 1..start + end];
        match vars.get(name) {
            Some(v) => out.push_str(v),
            None => bail!("unknown variable {{{name}}} in {s:?}"),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn mode(s: &str) -> Result<u32> {
    u32::from_str_radix(s, 8).with_context(|| format!("mode {s:?} is not octal"))
}

/// Every file of `format`, in manifest order, globs expanded (sorted), for the docs in `gen`
/// (the output of `pkggen docs`; its names are also known without running it, see `docs`).
pub fn items(m: &Manifest, format: &str) -> Result<Vec<Item>> {
    let v = vars(m, format)?;
    let root = crate::repo_root();
    let mut out = Vec::new();
    for f in &m.file {
        if let Some(only) = &f.only
            && !only.iter().any(|o| o == format)
        {
            continue;
        }
        let dest = expand(&f.dest, &v)?;
        let owner = expand(f.owner.as_deref().unwrap_or("root"), &v)?;
        let group = expand(f.group.as_deref().unwrap_or("{root_group}"), &v)?;
        let item = |dest: String, source: Source| -> Result<Item> {
            Ok(Item {
                dest,
                source,
                mode: mode(&f.mode)?,
                owner: owner.clone(),
                group: group.clone(),
                config: f.config,
            })
        };
        let sources = [
            f.build.is_some(),
            f.generated.is_some(),
            f.tree.is_some(),
            f.render.is_some(),
            f.file.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() != 1 {
            bail!("manifest file {}: give exactly one source", f.dest);
        }
        if let Some(b) = &f.build {
            out.push(item(dest, Source::Build(b.clone()))?);
        } else if let Some(r) = &f.render {
            out.push(item(dest, Source::Render(r.clone()))?);
        } else if let Some(p) = &f.file {
            out.push(item(dest, Source::Repo(PathBuf::from(p)))?);
        } else if let Some(g) = &f.generated {
            let names = crate::docs::matching(g)?;
            if names.is_empty() {
                bail!(
                    "manifest file {}: {g} matches nothing pkggen docs writes",
                    f.dest
                );
            }
            for name in names {
                let d = if dest.ends_with('/') {
                    format!("{dest}{}", name.rsplit('/').next().unwrap_or(&name))
                } else {
                    dest.clone()
                };
                out.push(item(d, Source::Generated(name))?);
            }
        } else if let Some(t) = &f.tree {
            let glob = f.glob.as_deref().unwrap_or("*");
            let files = walk(&root.join(t), glob == "**")?;
            let suffix = glob.strip_prefix('*').unwrap_or("");
            for rel in files {
                if glob != "**" && !rel.ends_with(suffix) {
                    continue;
                }
                out.push(item(
                    format!("{dest}{rel}"),
                    Source::Repo(Path::new(t).join(&rel)),
                )?);
            }
        }
    }
    Ok(out)
}

/// Every directory the package owns.
pub fn dirs(m: &Manifest, format: &str) -> Result<Vec<Dir>> {
    let v = vars(m, format)?;
    m.dir
        .iter()
        .map(|d| {
            Ok(Dir {
                path: expand(&d.path, &v)?,
                mode: mode(&d.mode)?,
                owner: expand(d.owner.as_deref().unwrap_or("root"), &v)?,
                group: expand(d.group.as_deref().unwrap_or("{root_group}"), &v)?,
            })
        })
        .collect()
}

/// Files under `dir` (relative, sorted); into subdirectories only when `deep`.
fn walk(dir: &Path, deep: bool) -> Result<Vec<String>> {
    fn go(base: &Path, dir: &Path, deep: bool, out: &mut Vec<String>) -> Result<()> {
        for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let p = e?.path();
            if p.is_dir() {
                if deep {
                    go(base, &p, deep, out)?;
                }
            } else {
                out.push(p.strip_prefix(base)?.to_string_lossy().into_owned());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    go(dir, dir, deep, &mut out)?;
    out.sort();
    Ok(out)
}
