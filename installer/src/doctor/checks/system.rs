//! System: a supported OS, enough memory, free disk where the data lives, a synchronised clock.
//! Reads /proc-free, portable sources (sysconf, statvfs, ntp_adjtime) where it can.

use std::path::{Path, PathBuf};

use crate::doctor::{Ctx, Outcome};
use crate::msg;

const GIB: u64 = 1024 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

pub fn os(ctx: &Ctx) -> Outcome {
    let seen = ctx.os.describe();
    match &ctx.distro {
        Some(d) if ctx.opts.distro.is_some() => Outcome::ok(msg!(
            "sys-os-override",
            os = seen,
            family = d.name,
            flag = "--distro"
        )),
        Some(d) => {
            Outcome::ok(msg!("sys-os-family", os = seen, family = d.name)).detail("family", &d.id)
        }
        None => Outcome::fail(
            msg!("sys-os-unsupported", os = seen),
            msg!(
                "sys-os-unsupported-fix",
                flag = "--distro NAME",
                names = crate::facts::family_ids().join(", ")
            ),
        )
        .detail("id", ctx.os.id.as_deref().unwrap_or("-"))
        .detail("id_like", ctx.os.id_like.join(" ")),
    }
}

/// Memory below 1 GB is a warning: Synapse's guide asks for it to join large rooms.
pub fn judge_memory(total: u64) -> Outcome {
    let gib = format!("{:.1}", total as f64 / GIB as f64);
    if total + 64 * MIB < GIB {
        Outcome::warn(
            msg!("sys-memory-low", gib = gib),
            msg!("sys-memory-low-fix"),
        )
    } else {
        Outcome::ok(msg!("sys-memory", gib = gib))
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
        return Outcome::skip(msg!("sys-memory-unknown"));
    }
    judge_memory(pages as u64 * size as u64).detail("bytes", pages as u64 * size as u64)
}

/// Free space: under 100 MiB the server will soon stop (fail); under 2 GiB, warn.
pub fn judge_disk(free: u64, at: &Path) -> Outcome {
    let shown = if free >= GIB {
        msg!(
            "sys-disk-free",
            size = format!("{:.1} GiB", free as f64 / GIB as f64),
            path = at.display()
        )
    } else {
        msg!(
            "sys-disk-free",
            size = format!("{} MiB", free / MIB),
            path = at.display()
        )
    };
    if free < 100 * MIB {
        Outcome::fail(shown, msg!("sys-disk-full-fix"))
    } else if free < 2 * GIB {
        Outcome::warn(shown, msg!("sys-disk-low-fix"))
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
        return Outcome::skip(msg!("sys-disk-no-dir"));
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
            msg!("sys-disk-error", path = at.display(), error = e),
            msg!("sys-disk-error-fix"),
        ),
    }
}

/// `ntp_adjtime`'s answer: TIME_ERROR (5) means the kernel does not consider the clock
/// synchronised.
pub fn judge_clock(state: i32, max_error_us: i64) -> Outcome {
    if state == 5 {
        Outcome::warn(
            msg!("sys-clock-unsynced"),
            msg!(
                "sys-clock-unsynced-fix",
                cmd = "systemctl enable --now systemd-timesyncd",
                alt = "chrony/ntpd"
            ),
        )
    } else {
        Outcome::ok(msg!("sys-clock-ok", ms = max_error_us / 1000))
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn clock(_ctx: &Ctx) -> Outcome {
    // SAFETY: a zeroed timex with modes = 0 asks the kernel to read, never to adjust, the clock.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    let state = unsafe { libc::ntp_adjtime(&mut tx) };
    if state < 0 {
        return Outcome::skip(msg!(
            "sys-clock-error",
            error = std::io::Error::last_os_error()
        ));
    }
    judge_clock(state, tx.maxerror as i64).detail("ntp_state", state)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn clock(_ctx: &Ctx) -> Outcome {
    Outcome::skip(msg!("sys-clock-other-os"))
}
