//! The `dealer-tck` binary: a thin shell over [`dealer_tck::cli`].

fn main() -> std::process::ExitCode {
    dealer_tck::cli::main()
}
