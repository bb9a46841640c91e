//! Logging setup with tracing. Honours Synapse's `log_config` as far as it maps: the root
//! level and the first file handler's `filename`; otherwise logs go to stderr (and so to the
//! journal under systemd). `RUST_LOG` overrides the level.

use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Level and file read from a Python logging config; defaults to INFO on stderr.
pub fn read_log_config(path: Option<&Path>) -> (String, Option<std::path::PathBuf>) {
    let mut level = "info".to_string();
    let mut file = None;
    if let Some(text) = path.and_then(|p| std::fs::read_to_string(p).ok())
        && let Ok(v) = yaml_serde::from_str::<yaml_serde::Value>(&text)
    {
        if let Some(l) = v
            .get("root")
            .and_then(|r| r.get("level"))
            .and_then(|l| l.as_str())
        {
            level = match l.to_ascii_uppercase().as_str() {
                "CRITICAL" | "ERROR" => "error",
                "WARNING" | "WARN" => "warn",
                "DEBUG" => "debug",
                _ => "info",
            }
            .to_string();
        }
        if let Some(handlers) = v.get("handlers").and_then(|h| h.as_mapping()) {
            file = handlers.values().find_map(|h| {
                h.get("filename")
                    .and_then(|f| f.as_str())
                    .map(std::path::PathBuf::from)
            });
        }
    }
    (level, file)
}

/// Installs the global subscriber. Safe to call once per process.
pub fn init(log_config: Option<&Path>) -> anyhow::Result<()> {
    let (level, file) = read_log_config(log_config);
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},sqlx=warn,ruma_state_res=warn")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match file {
        Some(path) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| {
                    anyhow::anyhow!("log_config: cannot open log file {}: {e}", path.display())
                })?;
            builder
                .with_ansi(false)
                .with_writer(Mutex::new(f))
                .try_init()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        None => builder
            .with_writer(std::io::stderr)
            .try_init()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    }
    Ok(())
}
