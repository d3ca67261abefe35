//! Library-wide error type [`TckError`] and the process exit codes it maps to.

/// Exit code: the target conforms (every MUST clause passed or was not applicable).
pub const EXIT_CONFORMANT: u8 = 0;
/// Exit code: the target broke at least one MUST clause (or the run could not tell).
pub const EXIT_NOT_CONFORMANT: u8 = 1;
/// Exit code: bad usage or configuration.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the target could not be reached or launched.
pub const EXIT_UNREACHABLE: u8 = 3;

/// Everything that can stop the harness before it reaches a verdict.
#[derive(Debug, thiserror::Error)]
pub enum TckError {
    /// Bad command-line usage or configuration.
    #[error("configuration error: {0}")]
    Config(String),
    /// The target could not be reached, launched, or stopped answering.
    #[error("target unreachable: {0}")]
    Unreachable(String),
    /// The target answered, but not in a way the suites can test (a card that is not JSON, a
    /// 401 or a redirect where the card should be, no transport offering the operation).
    #[error("target answered but cannot be tested: {0}")]
    Unusable(String),
    /// A local I/O failure (writing a report, binding a port).
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// Anything else internal to the harness.
    #[error("internal error: {0}")]
    Internal(String),
}

impl TckError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            TckError::Config(_) => EXIT_USAGE,
            TckError::Unreachable(_) | TckError::Unusable(_) => EXIT_UNREACHABLE,
            TckError::Io(_) | TckError::Internal(_) => EXIT_USAGE,
        }
    }
}
