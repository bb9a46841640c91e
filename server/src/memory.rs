//! How the process holds memory: allocator tuning at start, and giving back what start-up
//! used and no longer needs. Linux with glibc only; elsewhere these do nothing.

/// Before anything else runs: keep large blocks mapped. glibc raises its mmap threshold to the
/// size of any large block freed, after which the argon2 buffers (19 MiB per password hash)
/// come from the heap and stay resident once freed.
pub fn at_start() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Once started (config read, migrations run, caches warmed): return the heap that start-up
/// freed to the kernel, so an idle server holds only what it uses.
pub fn after_start() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// After a large answer was built and serialised (an initial sync of a user in hundreds of
/// rooms builds tens of MiB of small objects): return the heap it freed to the kernel, so the
/// process holds what it uses rather than what its largest request once needed.
pub fn after_large_response() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
