//! The top-level error: every module's error, gathered. The binary maps each variant
//! to an exit code in one function (`2` usage/config, `3` I/O, git or internal).

use std::path::PathBuf;

use crate::config::ConfigError;
use crate::policy::BaselineError;
use crate::rules::RuleError;
use crate::source::paths::PathsError;
use crate::source::GitError;
use crate::verify::VerifyError;

/// Anything that stops a keyhook command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is broken.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A rule is broken.
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// A path named on the command line is missing.
    #[error(transparent)]
    Paths(#[from] PathsError),
    /// A baseline file is unreadable or malformed.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// The command line or its input is unusable.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `--verify` cannot start: a check URL or override is not allowed.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Git state could not be read.
    #[error(transparent)]
    Git(#[from] GitError),
}

impl Error {
    /// The documented exit code: `2` for usage or configuration errors, `3` for I/O,
    /// git and internal errors.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_)
            | Error::Rules(_)
            | Error::Paths(_)
            | Error::Usage(_)
            | Error::Verify(_) => 2,
            Error::Baseline(BaselineError::Format { .. } | BaselineError::Unusable { .. }) => 2,
            // A baseline named that does not exist is a usage error, like a missing path.
            Error::Baseline(BaselineError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                2
            }
            Error::Git(GitError::NotARepository { .. }) => 2,
            Error::Baseline(BaselineError::Io { .. }) | Error::Io { .. } | Error::Git(_) => 3,
        }
    }
}
