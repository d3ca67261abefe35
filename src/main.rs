//! The `dealer-tck` binary: a thin shell over [`dealer_tck::cli`], on mimalloc.

/// mimalloc instead of the system allocator: a run allocates and frees many small needles,
/// automata and JSON values per case; glibc's malloc spent a fifth of the harness's CPU on
/// them (perf, 10,000 cases) and its per-thread arenas kept a third more memory than the run
/// held (peak RSS 302 MiB with glibc, 243 MiB with mimalloc, same run).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v2's `mi_option_e` (the crate does not name it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Freed pages go back at once instead of after 10 ms: the peak RSS is what the run holds.
    // SAFETY: a plain setter of one of mimalloc's global options.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    dealer_tck::cli::main()
}
