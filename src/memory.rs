//! Process-wide allocator settings.

/// Large blocks go straight to the OS and back. glibc otherwise raises its
/// mmap threshold after the first large free and then serves blocks like
/// argon2's 19 MiB from its heaps, where fragmentation keeps hundreds of
/// MiB after a burst of logins (measured: 450 MiB after 120 logins one at
/// a time, against 21 MiB idle). Fixing the threshold stops that.
pub fn return_large_blocks_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// Blocks from 1 MiB up are mapped on their own.
        const THRESHOLD: libc::c_int = 1 << 20;
        // SAFETY: mallopt only sets an allocator parameter; it is called
        // first thing in main, before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        }
    }
}
