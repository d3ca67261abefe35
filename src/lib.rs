//! dealer-tck: a protocol conformance test harness for dealership AI-agent endpoints.
//!
//! The flow is `spec` (clause catalogue and schemas) → `generate` (generated cases) → `run` (the
//! runner, which drives a target over `transport` while `observe` watches its side effects) →
//! `check` (verdicts per clause) → `report` (JSON, Markdown, JUnit). `reference` is the embedded
//! conforming dealer server, with injectable defects, that the harness is proven against.

pub mod check;
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
