//! Everything that can go wrong, each with its exit code from the shared table.

use std::path::PathBuf;

use slipway_core::ExitCode;

use crate::diagnostic::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read config {}: {source}", path.display())]
    ReadConfig {
        path: PathBuf,
        source: std::io::Error,
    },

    /// One or more located problems (each printed on its own line by the binary).
    #[error("{}", describe_problems(.0))]
    InvalidConfig(Vec<Problem>),

    #[error("failed to read the Copilot workspace {}: {reason}", path.display())]
    CopilotWorkspace { path: PathBuf, reason: String },

    /// No target matched and the config says `on_no_match = "fail"`.
    #[error("no deploy target matches this build ({context}) and on_no_match is \"fail\"")]
    NoMatch { context: String },

    /// A value that the chosen output format cannot carry safely. The value itself is not
    /// printed: it may be a secret, or hostile.
    #[error(
        "cannot print {key} in this format: its value contains {what}; use --format shell or json"
    )]
    UnsafeValue { key: String, what: &'static str },

    /// Flags that parse but do not make sense together.
    #[error("{0}")]
    Usage(String),

    #[error("{0}")]
    Unexpected(String),
}

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::ReadConfig { .. }
            | Self::InvalidConfig(_)
            | Self::CopilotWorkspace { .. }
            | Self::UnsafeValue { .. }
            | Self::Usage(_) => ExitCode::USAGE,
            Self::NoMatch { .. } => ExitCode::FAILED,
            Self::Unexpected(_) => ExitCode::UNEXPECTED,
        }
    }

    /// The lines to print, one `error:` each.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Self::InvalidConfig(problems) => problems.iter().map(|p| p.to_string()).collect(),
            other => vec![other.to_string()],
        }
    }
}

fn describe_problems(problems: &[Problem]) -> String {
    match problems {
        [] => "invalid config".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more problems)", rest.len()),
    }
}
