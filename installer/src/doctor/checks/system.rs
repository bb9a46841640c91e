//! System: a supported OS, enough memory, free disk where the data lives, a synchronised clock.
//! Reads /proc-free, portable sources (sysconf, statvfs, ntp_adjtime) where it can.

use std::path::{Path, PathBuf};

use crate::doctor::{Ctx, Outcome};

const GIB: u64 = 1024 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

pub fn os(ctx: &Ctx) -> Outcome {
    let seen = ctx.os.describe();
    match &ctx.distro {
        Some(d) if ctx.opts.distro.is_some() => {
            Outcome::ok(format!("{seen}, using the {} data (--distro)", d.name))
        }
        Some(d) => Outcome::ok(format!("{seen} ({} family)", d.name)).detail("family", &d.id),
        None => Outcome::fail(
            format!("{seen} is not a supported operating system"),
            format!(
                "pass --distro NAME if it is close to one of: {}",
                crate::facts::family_ids().join(", ")
            ),
        )
        .detail("id", ctx.os.id.as_deref().unwrap_or("-"))
        .detail("id_like", ctx.os.id_like.join(" ")),
    }
}

/// Memory below 1 GB is a warning: Synapse's guide asks for it to join large rooms.
pub fn judge_memory(total: u64) -> Outcome {
    let shown = format!("{:.1} GiB of memory", total as f64 / GIB as f64);
    if total + 64 * MIB < GIB {
        Outcome::warn(
            format!("only {shown}"),
            "give the machine at least 1 GB of memory: joining large rooms needs it",
        )
    } else {
        Outcome::ok(shown)
    }
}

pub fn memory(_ctx: &Ctx) -> Outcome {
    // SAFETY: sysconf only reads system constants.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    if pages <= 0 || size <= 0 {
        return Outcome::skip("cannot tell how much memory this machine has");
    }
    judge_memory(pages as u64 * size as u64).detail("bytes", pages as u64 * size as u64)
}

/// Free space: under 100 MiB the server will soon stop (fail); under 2 GiB, warn.
pub fn judge_disk(free: u64, at: &Path) -> Outcome {
    let shown = if free >= GIB {
        format!(
            "{:.1} GiB free on {}",
            free as f64 / GIB as f64,
            at.display()
        )
    } else {
        format!("{} MiB free on {}", free / MIB, at.display())
    };
    if free < 100 * MIB {
        Outcome::fail(
            shown,
            "free disk space there now: the database and media store cannot grow",
        )
    } else if free < 2 * GIB {
        Outcome::warn(
            shown,
            "free disk space there, or move the data directory to a larger disk",
        )
    } else {
        Outcome::ok(shown)
    }
}

/// The directory holding the data: the SQLite file's or the media store's, else the distro's.
fn data_dir(ctx: &Ctx) -> Option<PathBuf> {
    if let Some(c) = &ctx.loaded.config {
        if let matrixd::config::Database::Sqlite { path } = &c.database
            && path.as_os_str() != ":memory:"
        {
            return path.parent().map(Path::to_path_buf);
        }
        return Some(c.media_store_path.clone());
    }
    ctx.distro
        .as_ref()
        .map(|d| PathBuf::from(&d.paths.data_dir))
}

pub fn disk(ctx: &Ctx) -> Outcome {
    let Some(dir) = data_dir(ctx) else {
        return Outcome::skip("skipped (no data directory known: the configuration did not load)");
    };
    // The nearest existing ancestor: a media store not created yet lives on its parent's disk.
    let mut at = dir.as_path();
    while !at.exists() {
        match at.parent() {
            Some(p) => at = p,
            None => break,
        }
    }
    match nix::sys::statvfs::statvfs(at) {
        Ok(s) => {
            let free = s.blocks_available() * s.fragment_size();
            judge_disk(free, &dir)
                .detail("bytes_free", free)
                .detail("measured_at", at.display())
        }
        Err(e) => Outcome::warn(
            format!("cannot measure free space on {}: {e}", at.display()),
            "check the path exists and is readable",
        ),
    }
}

/// `ntp_adjtime`'s answer: TIME_ERROR (5) means the kernel does not consider the clock
/// synchronised.
pub fn judge_clock(state: i32, max_error_us: i64) -> Outcome {
    if state == 5 {
        Outcome::warn(
            "the clock is not synchronised",
            "enable time synchronisation (systemctl enable --now systemd-timesyncd, or chrony/ntpd): other servers reject signatures from a wrong clock",
        )
    } else {
        Outcome::ok(format!(
            "synchronised (estimated error {} ms)",
            max_error_us / 1000
        ))
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn clock(_ctx: &Ctx) -> Outcome {
    // SAFETY: a zeroed timex with modes = 0 asks the kernel to read, never to adjust, the clock.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    let state = unsafe { libc::ntp_adjtime(&mut tx) };
    if state < 0 {
        return Outcome::skip(format!(
            "cannot ask the kernel about the clock: {}",
            std::io::Error::last_os_error()
        ));
    }
    judge_clock(state, tx.maxerror as i64).detail("ntp_state", state)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn clock(_ctx: &Ctx) -> Outcome {
    Outcome::skip("cannot tell on this OS; check ntpd or chronyd runs")
}
