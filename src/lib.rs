//! dealer-tck: a protocol conformance test harness for dealership AI-agent endpoints.
//!
//! The flow is `spec` (clause catalogue and schemas) → `generate` (generated cases) → `run` (the
//! runner, which drives a target over `transport` while `observe` watches its side effects) →
//! `check` (verdicts per clause) → `report` (JSON, Markdown, JUnit). `reference` is the embedded
//! conforming dealer server, with injectable defects, that the harness is proven against.

pub mod check;
/// `print!` to a stdout that may be closed early (`dealer-tck clauses | head`): the process
/// ends quietly with the broken-pipe status (141) instead of panicking ([`cli::write_out`]).
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::write_out(format_args!($($t)*)) };
}

/// [`out!`] with a line end.
macro_rules! outln {
    () => { $crate::cli::write_out(format_args!("\n")) };
    ($($t:tt)*) => { $crate::cli::write_out(format_args!("{}\n", format_args!($($t)*))) };
}

pub mod cli;
pub mod error;
pub mod examples;
pub mod generate;
pub mod observe;
pub mod reference;
pub mod report;
pub mod run;
pub mod spec;
pub mod suites;
pub mod transport;
