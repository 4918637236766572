//! The seam between migrate-task and AWS: the few ECS, ECR and CloudWatch Logs calls a run
//! makes, as traits.
//!
//! [`crate::sdk::SdkApi`] implements them over the real SDK clients; tests implement them
//! in-process for what no local server can produce (a container exiting 137, a task that
//! never starts). The data types are the SDK's own model types, so both sides speak the same
//! shapes and nothing is translated twice.

use std::future::Future;

use aws_sdk_ecs::types::{Failure, Service, Task, TaskDefinition};
use slipway_aws::AwsErrorKind;

use crate::image::EcrImage;
use crate::plan::RunTaskRequest;

/// An AWS call that failed (after the SDK's retries), classified by its error code.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub kind: AwsErrorKind,
    /// The service's error code (`ImageNotFoundException`, `AccessDeniedException`, ...).
    pub code: Option<String>,
    /// One line naming what was asked for and what went wrong.
    pub message: String,
}

impl ApiError {
    pub fn new(kind: AwsErrorKind, code: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: code.map(str::to_owned),
            message: message.into(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == AwsErrorKind::NotFound
    }
}

/// DescribeServices' answer: the services found and what was not.
#[derive(Clone, Debug, Default)]
pub struct ServicesPage {
    pub services: Vec<Service>,
    pub failures: Vec<Failure>,
}

/// RunTask's answer: the tasks started and the placements that failed.
#[derive(Clone, Debug, Default)]
pub struct RunTaskOutput {
    pub tasks: Vec<Task>,
    pub failures: Vec<Failure>,
}

/// The ECS calls a run makes.
pub trait EcsApi: Sync {
    /// Every cluster ARN in the account and region.
    fn list_clusters(&self) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send;

    /// Every service ARN in `cluster`.
    fn list_services(
        &self,
        cluster: &str,
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send;

    /// Up to 10 services of `cluster`, with their tags.
    fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> impl Future<Output = Result<ServicesPage, ApiError>> + Send;

    fn describe_task_definition(
        &self,
        task_definition: &str,
    ) -> impl Future<Output = Result<TaskDefinition, ApiError>> + Send;

    /// Registers `copy` (its family, roles, containers, volumes, ...) as a new revision and
    /// returns the registered task definition.
    fn register_task_definition(
        &self,
        copy: &TaskDefinition,
    ) -> impl Future<Output = Result<TaskDefinition, ApiError>> + Send;

    fn run_task(
        &self,
        request: &RunTaskRequest,
    ) -> impl Future<Output = Result<RunTaskOutput, ApiError>> + Send;

    /// The task, or `None` when ECS no longer knows it (DescribeTasks `MISSING`).
    fn describe_task(
        &self,
        cluster: &str,
        task_arn: &str,
    ) -> impl Future<Output = Result<Option<Task>, ApiError>> + Send;

    fn stop_task(
        &self,
        cluster: &str,
        task_arn: &str,
        reason: &str,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// What ECR says about one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageDetail {
    pub digest: String,
    pub tags: Vec<String>,
}

/// The ECR call a run makes.
pub trait EcrApi: Sync {
    /// DescribeImages for one tag or digest, in the image's own registry and region.
    fn describe_image(
        &self,
        image: &EcrImage,
    ) -> impl Future<Output = Result<ImageDetail, ApiError>> + Send;
}

/// One CloudWatch Logs stream, possibly in another region than the clients'.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogStream {
    pub region: Option<String>,
    pub group: String,
    pub stream: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
    pub message: String,
}

/// One GetLogEvents page read forward from the head of the stream.
#[derive(Clone, Debug, Default)]
pub struct LogPage {
    pub events: Vec<LogEvent>,
    /// The token for the next read; equal to the one sent when the stream has nothing new.
    pub next_token: Option<String>,
}

/// The CloudWatch Logs call a run makes.
pub trait LogsApi: Sync {
    fn get_log_events(
        &self,
        stream: &LogStream,
        next_token: Option<&str>,
    ) -> impl Future<Output = Result<LogPage, ApiError>> + Send;
}
