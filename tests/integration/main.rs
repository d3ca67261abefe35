//! The integration tests: one test binary (`cargo test --test integration`), one module per
//! concern, every module sharing [`support`]. The conformance suite, one libtest-mimic trial
//! per clause × transport, is its own binary (`tests/conformance.rs`, `harness = false`).
//!
//! The modules' tests run in parallel threads of one process: none changes the process
//! environment or the current directory, and every listener binds port 0.

mod support;

mod adf_xmllint;
mod ci_step;
mod cli;
mod defect_table;
mod examples;
mod hostile;
mod html_chromium;
mod independent_server;
mod mcp_eras;
mod observe_smtp_crm;
mod progress;
mod reference_aap;
mod reference_defects;
mod reference_server;
mod replay;
mod sdk_interop;
mod sdk_interop_modern;
mod selftest;
mod selftest_aap;
mod targets;
mod transport_a2a;
mod transport_mcp;
mod variant_table;
