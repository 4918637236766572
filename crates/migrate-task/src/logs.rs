//! Following the container's CloudWatch Logs stream while the task runs, and draining it
//! after the task stopped.
//!
//! The `awslogs` driver writes to `<awslogs-stream-prefix>/<container>/<task-id>` in
//! `awslogs-group` (in `awslogs-region`), so the stream name is known as soon as RunTask
//! returns the task ARN. Logs are best effort: a read that fails is reported once and never
//! changes the run's outcome.

use aws_sdk_ecs::types::{ContainerDefinition, LogDriver};
use serde::Serialize;
use slipway_core::Printer;

use crate::api::{LogStream, LogsApi};

/// Where the container's logs go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "driver", rename_all = "snake_case")]
pub enum LogSource {
    Awslogs {
        region: Option<String>,
        group: String,
        stream_prefix: String,
        container: String,
    },
    /// No stream we can compute; the reason says why.
    Unavailable { reason: String },
}

impl LogSource {
    /// Reads the container's `logConfiguration`.
    pub fn from_container(def: &ContainerDefinition) -> LogSource {
        let container = def.name().unwrap_or_default().to_owned();
        let unavailable = |reason: String| LogSource::Unavailable { reason };
        let Some(config) = def.log_configuration() else {
            return unavailable(format!("container {container} has no logConfiguration"));
        };
        if config.log_driver() != &LogDriver::Awslogs {
            return unavailable(format!(
                "container {container} logs through {}, not awslogs",
                config.log_driver().as_str()
            ));
        }
        let options = config.options();
        let option = |key: &str| {
            options
                .and_then(|o| o.get(key))
                .filter(|v| !v.is_empty())
                .cloned()
        };
        let Some(group) = option("awslogs-group") else {
            return unavailable(format!("container {container} has no awslogs-group"));
        };
        let Some(stream_prefix) = option("awslogs-stream-prefix") else {
            return unavailable(format!(
                "container {container} has no awslogs-stream-prefix, so its stream is named after a container ID ECS does not report"
            ));
        };
        LogSource::Awslogs {
            region: option("awslogs-region"),
            group,
            stream_prefix,
            container,
        }
    }

    /// The stream one task writes to.
    pub fn stream_for(&self, task_arn: &str) -> Option<LogStream> {
        match self {
            LogSource::Awslogs {
                region,
                group,
                stream_prefix,
                container,
            } => Some(LogStream {
                region: region.clone(),
                group: group.clone(),
                stream: format!("{stream_prefix}/{container}/{}", task_id(task_arn)),
            }),
            LogSource::Unavailable { .. } => None,
        }
    }

    /// One line for people.
    pub fn describe(&self, task_arn: Option<&str>) -> String {
        match self {
            LogSource::Awslogs {
                region,
                group,
                stream_prefix,
                container,
            } => {
                let id = task_arn.map_or("<task-id>", task_id);
                let region = region
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                format!("awslogs group {group}, stream {stream_prefix}/{container}/{id}{region}")
            }
            LogSource::Unavailable { reason } => format!("not followed: {reason}"),
        }
    }
}

/// The task ID: the last part of a task ARN (old and new ARN formats).
pub fn task_id(task_arn: &str) -> &str {
    task_arn.rsplit('/').next().unwrap_or(task_arn)
}

/// Pages read per poll at most, so a flood of log lines cannot starve the status checks.
const PAGES_PER_POLL: usize = 50;

/// Reads a stream forward, printing each new event once.
#[derive(Debug)]
pub struct LogFollower {
    stream: Option<LogStream>,
    label: String,
    token: Option<String>,
    events: u64,
    stopped: bool,
    warned_transient: bool,
}

impl LogFollower {
    pub fn new(stream: Option<LogStream>, label: &str) -> Self {
        Self {
            stream,
            label: label.to_owned(),
            token: None,
            events: 0,
            stopped: false,
            warned_transient: false,
        }
    }

    /// Events printed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Prints what arrived since the last call; returns how many events that was.
    pub async fn poll(&mut self, logs: &impl LogsApi, printer: &Printer) -> usize {
        let Some(stream) = self.stream.as_ref() else {
            return 0;
        };
        if self.stopped {
            return 0;
        }
        let mut printed = 0;
        for _ in 0..PAGES_PER_POLL {
            match logs.get_log_events(stream, self.token.as_deref()).await {
                Ok(page) => {
                    for event in &page.events {
                        let message = event.message.trim_end_matches(['\n', '\r']);
                        printer.info(format!("{} | {message}", self.label));
                    }
                    printed += page.events.len();
                    self.events += page.events.len() as u64;
                    let at_end = page.next_token.is_none() || page.next_token == self.token;
                    if page.next_token.is_some() {
                        self.token = page.next_token;
                    }
                    if at_end {
                        break;
                    }
                }
                // The stream appears once the container writes its first line.
                Err(e) if e.is_not_found() => break,
                Err(e) if e.kind.is_transient() => {
                    if !self.warned_transient {
                        printer.warn(format!("reading the task's logs failed ({e}); retrying"));
                        self.warned_transient = true;
                    }
                    break;
                }
                Err(e) => {
                    printer.warn(format!(
                        "cannot read the task's logs ({e}); the task goes on without them"
                    ));
                    self.stopped = true;
                    break;
                }
            }
        }
        printed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::LogConfiguration;

    fn container(driver: LogDriver, options: &[(&str, &str)]) -> ContainerDefinition {
        let mut log = LogConfiguration::builder().log_driver(driver);
        for (k, v) in options {
            log = log.options(*k, *v);
        }
        ContainerDefinition::builder()
            .name("web")
            .log_configuration(log.build().unwrap())
            .build()
    }

    #[test]
    fn awslogs_stream_name_comes_from_the_task_arn() {
        let def = container(
            LogDriver::Awslogs,
            &[
                ("awslogs-group", "/copilot/shop-prod-web"),
                ("awslogs-region", "eu-west-1"),
                ("awslogs-stream-prefix", "copilot"),
            ],
        );
        let source = LogSource::from_container(&def);
        let stream = source
            .stream_for("arn:aws:ecs:eu-west-1:123456789012:task/shop-prod/0123abcd")
            .unwrap();
        assert_eq!(stream.group, "/copilot/shop-prod-web");
        assert_eq!(stream.stream, "copilot/web/0123abcd");
        assert_eq!(stream.region.as_deref(), Some("eu-west-1"));
        // Old-style ARNs without the cluster name.
        assert_eq!(task_id("arn:aws:ecs:us-east-1:1:task/abc"), "abc");
    }

    #[test]
    fn no_prefix_or_other_driver_is_unavailable() {
        let def = container(LogDriver::Awslogs, &[("awslogs-group", "g")]);
        assert!(matches!(
            LogSource::from_container(&def),
            LogSource::Unavailable { .. }
        ));
        let def = container(LogDriver::Awsfirelens, &[]);
        let LogSource::Unavailable { reason } = LogSource::from_container(&def) else {
            panic!("firelens is not followed");
        };
        assert!(reason.contains("awsfirelens"), "{reason}");
    }
}
