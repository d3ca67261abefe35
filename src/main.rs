//! The `dealer-tck` binary: a thin shell over [`dealer_tck::cli`].

fn main() -> std::process::ExitCode {
    tune_malloc();
    dealer_tck::cli::main()
}

/// glibc malloc tuned for a run's peak memory.
///
/// At most two arenas. glibc gives every thread that allocates while another holds
/// its arena an arena of its own, up to eight per core, and memory freed in one arena is
/// never reused by another: with the runtime's workers, the SMTP sessions, the CRM mock and the
/// scan threads all allocating, a 10,424-case run peaked at 302 MiB with arenas that mostly held
/// freed memory, 221 MiB with two (about as fast). (mimalloc peaked at 243 MiB there, and
/// doubled the default run's 64 MiB.)
///
/// Blocks of 128 KiB and more mapped apart and returned when freed. glibc's default threshold
/// starts there but rises with every large block freed, up to 32 MiB, after which the scans'
/// megabyte buffers and automata come from the heap and stay resident after their free
/// (a 10,424-case run: 162 MiB peak, 138 MiB with the threshold fixed; as fast).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    // SAFETY: mallopt only sets allocator parameters; M_ARENA_MAX takes effect for arenas
    // created after the call, and this runs before the program starts any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
