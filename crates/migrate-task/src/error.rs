//! Why a run ended before (or instead of) a task's own exit status, and the exit code each
//! reason maps to.
//!
//! Once a task has run, the outcome is an [`crate::outcome::Outcome`] (with the container's
//! exit code), not an error.

use slipway_core::ExitCode;

use crate::api::ApiError;
use crate::signals::Signal;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags or input, found before anything was written.
    #[error("{0}")]
    Usage(String),

    #[error("service {service:?} not found in cluster {cluster:?} ({reason})")]
    ServiceNotFound {
        cluster: String,
        service: String,
        reason: String,
    },

    #[error(
        "no ECS service is tagged copilot-application={app}, copilot-environment={env}, copilot-service={svc}{scope}"
    )]
    CopilotNotFound {
        app: String,
        env: String,
        svc: String,
        scope: String,
    },

    #[error(
        "Copilot names {names} match {count} services: {candidates}; pass --cluster to pick one"
    )]
    CopilotAmbiguous {
        names: String,
        count: usize,
        candidates: String,
    },

    /// The default container choice found no single answer.
    #[error(
        "task definition {task_definition} has {count} candidate containers ({candidates}); pass --container NAME"
    )]
    AmbiguousContainer {
        task_definition: String,
        count: usize,
        candidates: String,
    },

    #[error("container {name:?} is not in task definition {task_definition}; it has: {available}")]
    NoSuchContainer {
        name: String,
        task_definition: String,
        available: String,
    },

    /// The image (tag or digest) or its repository is not in ECR.
    #[error("image {image} not found in ECR: {detail}; nothing was registered or run")]
    ImageNotFound { image: String, detail: String },

    /// An AWS call failed after retries.
    #[error("failed to {action}: {source}")]
    Aws {
        action: String,
        #[source]
        source: ApiError,
    },

    /// SIGINT or SIGTERM arrived before a task was started; nothing is left running.
    #[error("{} received before the task started; no task was run", .0.name())]
    Interrupted(Signal),
}

impl Error {
    pub fn aws(action: impl Into<String>, source: ApiError) -> Self {
        Self::Aws {
            action: action.into(),
            source,
        }
    }

    /// The documented exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Usage(_)
            | Self::AmbiguousContainer { .. }
            | Self::NoSuchContainer { .. }
            | Self::CopilotAmbiguous { .. } => ExitCode::USAGE,
            Self::ServiceNotFound { .. }
            | Self::CopilotNotFound { .. }
            | Self::ImageNotFound { .. }
            | Self::Aws { .. } => ExitCode::FAILED,
            Self::Interrupted(signal) => signal.exit_code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_aws::AwsErrorKind;

    #[test]
    fn codes_follow_the_table() {
        assert_eq!(Error::Usage("x".into()).exit_code(), ExitCode::USAGE);
        assert_eq!(
            Error::ImageNotFound {
                image: "i".into(),
                detail: "d".into()
            }
            .exit_code(),
            ExitCode::FAILED
        );
        assert_eq!(
            Error::aws(
                "describe",
                ApiError::new(AwsErrorKind::AccessDenied, None, "denied")
            )
            .exit_code(),
            ExitCode::FAILED
        );
        assert_eq!(
            Error::Interrupted(Signal::Terminate).exit_code(),
            ExitCode::TERMINATED
        );
        assert_eq!(
            Error::Interrupted(Signal::Interrupt).exit_code(),
            ExitCode::INTERRUPTED
        );
    }
}
