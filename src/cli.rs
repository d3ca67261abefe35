//! Command-line interface: parses arguments with clap and dispatches to the library.

/// Entry point used by `main.rs`.
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
