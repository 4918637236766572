//! What can go wrong, each with its exit code.

use std::path::PathBuf;

use slipway_aws::AwsErrorKind;
use slipway_core::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags or settings.
    #[error("{0}")]
    Usage(String),

    /// The asset directory cannot be used as it is.
    #[error("{}: {problem}", one_line(path))]
    BadInput { path: PathBuf, problem: String },

    /// Reading a local file failed.
    #[error("failed to read {}: {source}", one_line(path))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// A manifest names files that are not in the directory.
    #[error("{manifest} names {count} file(s) missing from {dir}: {list}", count = missing.len(), list = crate::error::short_list(missing))]
    MissingFiles {
        manifest: String,
        dir: PathBuf,
        missing: Vec<String>,
    },

    /// A manifest that cannot be read.
    #[error("failed to parse manifest {}: {problem}", one_line(path))]
    BadManifest { path: PathBuf, problem: String },

    /// An AWS call failed (after retries).
    #[error("{message}")]
    Aws { kind: AwsErrorKind, message: String },

    /// A release record that cannot be read or understood.
    #[error("failed to read release record s3://{bucket}/{key}: {problem}")]
    BadRecord {
        bucket: String,
        key: String,
        problem: String,
    },

    /// A bug: a worker thread panicked or was cancelled.
    #[error("internal error: {0}")]
    Internal(String),

    /// A safety rule forbids the operation; nothing was changed.
    #[error("{0}")]
    Refused(String),

    /// Some objects could not be uploaded; nothing that points at them was written.
    #[error("{} object(s) failed to upload after retries; no manifest or release record was written: {}", failed.len(), crate::error::short_list(failed))]
    UploadFailed { failed: Vec<String> },
}

impl Error {
    /// The documented exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_)
            | Error::BadInput { .. }
            | Error::MissingFiles { .. }
            | Error::BadManifest { .. }
            | Error::Io { .. } => ExitCode::USAGE,
            Error::Aws { kind, .. } => match kind {
                // A bucket that does not exist is a wrong flag, found before any write.
                AwsErrorKind::NoSuchBucket | AwsErrorKind::WrongRegion => ExitCode::USAGE,
                _ => ExitCode::FAILED,
            },
            Error::UploadFailed { .. } | Error::BadRecord { .. } => ExitCode::FAILED,
            Error::Refused(_) => ExitCode::REFUSED,
            Error::Internal(_) => ExitCode::UNEXPECTED,
        }
    }

    pub(crate) fn aws<E>(
        err: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
        what: &str,
    ) -> Self
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        Error::Aws {
            kind: slipway_aws::classify(err),
            message: slipway_aws::describe(err, what),
        }
    }
}

/// A path as one line of a message: as it is, or quoted with escapes when it holds a control
/// character (a file named `app\n.js` must not split an error across two lines).
pub(crate) fn one_line(path: &std::path::Path) -> String {
    let shown = path.display().to_string();
    if shown.chars().any(char::is_control) {
        format!("{shown:?}")
    } else {
        shown
    }
}

/// `a, b, c and 7 more`.
pub(crate) fn short_list(items: &[String]) -> String {
    const SHOW: usize = 5;
    let mut s = items
        .iter()
        .take(SHOW)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOW {
        s.push_str(&format!(" and {} more", items.len() - SHOW));
    }
    s
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
