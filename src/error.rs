//! The library's error type: every variant names the file, field or value at fault, so that the
//! CLI and the GUI can show one readable line.

use std::path::PathBuf;

/// Everything that can go wrong in the engine that is the user's input or environment, not a bug.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file was read but its contents are not what was expected.
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    /// A configuration field has a value that cannot be used.
    #[error("config field `{field}`: {message}")]
    Config { field: String, message: String },
    /// Points of one dimension were given where another was needed.
    #[error("{what}: expected dimension {expected}, got {got}")]
    Dimension {
        what: String,
        expected: usize,
        got: usize,
    },
    /// Training produced a non-finite number; the last good state is kept.
    #[error(
        "training stopped at iteration {iteration}: {what} is not finite ({value}); the last good state is kept"
    )]
    NonFinite {
        iteration: usize,
        what: String,
        value: f64,
    },
    /// A saved model does not fit the architecture it claims to be.
    #[error("{path}: checkpoint does not match its architecture: {message}")]
    Checkpoint { path: PathBuf, message: String },
    /// An operation was asked of a combination of settings that does not support it.
    #[error("{0}")]
    Unsupported(String),
}

/// Shorthand used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub fn bad_file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::BadFile {
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Config {
            field: field.into(),
            message: message.into(),
        }
    }
}
