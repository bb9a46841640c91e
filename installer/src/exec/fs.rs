//! The only code that writes to the system. Writes are atomic (temporary file, fsync, rename),
//! secrets get mode 0600, and an existing file is never replaced unless the caller asks.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

/// Writes `contents` to `path` atomically with `mode`, replacing any existing file.
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.matrixctl-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Creates `path` with `contents` only if it does not exist; `Ok(false)` when it already did.
pub fn create_new(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    match matrixd::keys::write_private_file(path, contents) {
        Ok(()) => {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
            Ok(true)
        }
        Err(_) if path.exists() => Ok(false),
        Err(e) => Err(std::io::Error::other(format!("{e:#}"))),
    }
}

/// Appends `text` to an existing file, keeping its mode.
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Creates `path` (which must not exist) for writing with `mode`, whatever the umask.
pub fn create_private(path: &Path, mode: u32) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
}

/// Moves `from` to `to` atomically, replacing `to`: a rename, or across file systems a copy
/// beside `to`, synced, then renamed. Creates `to`'s directory when missing.
pub fn place(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let tmp = to.with_file_name(format!(
        ".{}.matrixctl-{}",
        to.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        std::fs::copy(from, &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, to)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
