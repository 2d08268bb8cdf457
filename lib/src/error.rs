//! The one error type of the crate: what went wrong, and where.

use std::path::PathBuf;

/// Everything that can go wrong in `mapping`. Messages name the file or the layer and say what
/// was expected, so a learner can act on them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A runtime (`usize`) shape does not fit an operation.
    #[error("{op}: {message}")]
    Shape { op: &'static str, message: String },

    /// The compute device failed (out of memory, a CUDA error, ...).
    #[error("device error: {0}")]
    Device(String),

    /// A dataset file (or a dataset without files) holds something it must not.
    #[error("{}: {message}", path.display())]
    Data { path: PathBuf, message: String },

    /// An I/O failure on a named file.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A setting that cannot work (`what` names the component, e.g. `"SGD"`).
    #[error("{what}: {message}")]
    Config { what: &'static str, message: String },

    /// Training cannot go on: a loss that is NaN or infinite, naming the epoch and step.
    #[error("training stopped: {0}")]
    Training(String),
}

impl Error {
    pub(crate) fn shape(op: &'static str, message: impl Into<String>) -> Self {
        Error::Shape {
            op,
            message: message.into(),
        }
    }

    pub(crate) fn data(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn config(what: &'static str, message: impl Into<String>) -> Self {
        Error::Config {
            what,
            message: message.into(),
        }
    }

    pub(crate) fn device(err: impl std::fmt::Debug) -> Self {
        Error::Device(format!("{err:?}"))
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
