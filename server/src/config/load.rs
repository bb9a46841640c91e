//! Reading homeserver.yaml: expands `--config` arguments (files and `conf.d`-style directories),
//! parses each file, and merges top-level keys in order, later files winning, as Synapse does.
//! Owns file access and YAML syntax; what the keys mean is `check.rs`'s.

use std::path::PathBuf;

use yaml_serde::{Mapping, Value};

use super::problem::{Fix, Kind, Problem, Problems};
use super::{Config, check};

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(Problems),
}

impl ConfigError {
    pub fn problems(&self) -> &Problems {
        match self {
            ConfigError::Invalid(p) => p,
        }
    }
}

/// Expands each `--config` argument: a file stays as it is; a directory contributes its
/// `*.yaml` files in name order (hidden files skipped).
pub fn expand_config_paths(args: &[PathBuf], problems: &mut Problems) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for arg in args {
        if arg.is_dir() {
            match std::fs::read_dir(arg) {
                Ok(entries) => {
                    let mut files: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| {
                            p.is_file()
                                && p.extension().is_some_and(|e| e == "yaml")
                                && !p
                                    .file_name()
                                    .and_then(|n| n.to_str())
                                    .is_some_and(|n| n.starts_with('.'))
                        })
                        .collect();
                    files.sort();
                    out.extend(files);
                }
                Err(e) => problems.push(
                    Problem::error(
                        "",
                        Kind::CannotReadDir {
                            path: arg.display().to_string(),
                            error: e.to_string(),
                        },
                    )
                    .fix(Fix::CheckDirectory),
                ),
            }
        } else {
            out.push(arg.clone());
        }
    }
    out
}

/// Parses and merges the given files into one top-level mapping.
pub(super) fn read_merged(files: &[PathBuf], problems: &mut Problems) -> Mapping {
    let mut merged = Mapping::new();
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                let fix = if e.kind() == std::io::ErrorKind::NotFound {
                    Fix::GenerateConfig
                } else {
                    Fix::FileReadable
                };
                problems.push(
                    Problem::error(
                        "",
                        Kind::CannotRead {
                            path: file.display().to_string(),
                            error: e.to_string(),
                        },
                    )
                    .fix(fix),
                );
                continue;
            }
        };
        match yaml_serde::from_str::<Value>(&text) {
            Ok(Value::Mapping(m)) => {
                for (k, v) in m {
                    merged.insert(k, v);
                }
            }
            Ok(Value::Null) => problems.push(Problem::warning(
                "",
                Kind::FileIgnoredEmpty {
                    path: file.display().to_string(),
                },
            )),
            Ok(other) => problems.push(
                Problem::error(
                    "",
                    Kind::TopNotMapping {
                        path: file.display().to_string(),
                        found: super::reader::describe(&other),
                    },
                )
                .fix(Fix::KeyValueLines),
            ),
            Err(e) => {
                let path = file.display().to_string();
                let error = e.to_string();
                let kind = match e.location() {
                    Some(l) => Kind::YamlSyntaxAt {
                        path,
                        line: l.line(),
                        column: l.column(),
                        error,
                    },
                    None => Kind::YamlSyntax { path, error },
                };
                problems.push(Problem::error("", kind).fix(Fix::YamlSyntax));
            }
        }
    }
    merged
}

/// Parses and merges the files without validating keys (for tools that only look at a few).
pub fn read_top_level(config_args: &[PathBuf]) -> Result<Mapping, Problems> {
    let mut problems = Problems::default();
    let files = expand_config_paths(config_args, &mut problems);
    let merged = read_merged(&files, &mut problems);
    if problems.has_errors() {
        Err(problems)
    } else {
        Ok(merged)
    }
}

/// Loads, merges and validates. Returns the config (when there are no errors) and every
/// problem found, warnings included.
pub fn load_files(config_args: &[PathBuf]) -> (Option<Config>, Problems) {
    let mut problems = Problems::default();
    if config_args.is_empty() {
        problems.push(Problem::error("", Kind::NoConfigFile).fix(Fix::PassConfig));
        return (None, problems);
    }
    let files = expand_config_paths(config_args, &mut problems);
    if files.is_empty() && !problems.has_errors() {
        problems.push(Problem::error("", Kind::NoYamlFiles).fix(Fix::AddHomeserverYaml));
    }
    let merged = read_merged(&files, &mut problems);
    if problems.has_errors() {
        return (None, problems);
    }
    let (config, more) = check::build(&merged);
    problems.0.extend(more.0);
    if problems.has_errors() {
        (None, problems)
    } else {
        (config, problems)
    }
}

/// Loads a configuration for running: any error is fatal; warnings are kept in the config.
pub fn load(config_args: &[PathBuf]) -> Result<Config, ConfigError> {
    let (config, problems) = load_files(config_args);
    match config {
        Some(mut c) if !problems.has_errors() => {
            c.warnings = problems.warnings().cloned().collect();
            Ok(c)
        }
        _ => Err(ConfigError::Invalid(problems)),
    }
}
