//! The `dealer-tck` binary: a thin shell over [`dealer_tck::cli`].

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    dealer_tck::cli::main()
}

/// At most two glibc malloc arenas. glibc gives every thread that allocates while another holds
/// its arena an arena of its own, up to eight per core, and memory freed in one arena is
/// never reused by another: with the runtime's workers, the SMTP sessions, the CRM mock and the
/// scan threads all allocating, a 10,424-case run peaked at 302 MiB with arenas that mostly held
/// freed memory, 221 MiB with two (about as fast). (mimalloc peaked at 243 MiB there, and
/// doubled the default run's 64 MiB.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only sets an allocator parameter; M_ARENA_MAX takes effect for arenas
    // created after the call, and this runs before the program starts any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
