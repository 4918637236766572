//! How a run ended, the exit code that follows, and the `--json` result.

use aws_sdk_ecs::types::Task;
use aws_smithy_types::date_time::Format;
use serde::Serialize;
use slipway_core::ExitCode;

/// What happened, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The command exited 0.
    Succeeded,
    /// The command ran and exited non-zero; migrate-task exits with that code.
    CommandFailed,
    /// The task stopped without the command's exit code, or another essential container
    /// failed.
    TaskFailed,
    /// RunTask placed no task (`failures[]`).
    FailedToStart,
    /// `--timeout` passed; the task was stopped.
    TimedOut,
    /// SIGINT or SIGTERM; the task was stopped.
    Interrupted,
    /// We could not follow the task to its end (it may still be running).
    Lost,
}

/// The verdict on a STOPPED task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub exit: ExitCode,
    /// The command's container exit code, if it has one.
    pub exit_code: Option<i32>,
    /// The container's own reason (e.g. `CannotPullContainerError: ...`).
    pub container_reason: Option<String>,
    /// Why, in one line, when it is not a plain success.
    pub detail: Option<String>,
}

/// Judges a STOPPED task: the command's exit code when it has one and no other essential
/// container failed; otherwise "task failed" (exit 3) with the stop code and reason.
pub fn evaluate(task: &Task, container: &str, other_essential: &[String]) -> Verdict {
    let ours = task
        .containers()
        .iter()
        .find(|c| c.name() == Some(container));
    let exit_code = ours.and_then(|c| c.exit_code());
    let container_reason = ours
        .and_then(|c| c.reason())
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let failed_others: Vec<String> = task
        .containers()
        .iter()
        .filter(|c| {
            c.name()
                .is_some_and(|n| n != container && other_essential.iter().any(|e| e == n))
        })
        .filter(|c| c.exit_code() != Some(0))
        .map(|c| {
            let code = c
                .exit_code()
                .map_or("no exit code".to_owned(), |x| format!("exit {x}"));
            let reason = c
                .reason()
                .filter(|r| !r.is_empty())
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!("{} ({code}{reason})", c.name().unwrap_or("?"))
        })
        .collect();
    let stop = stop_description(task);
    match exit_code {
        Some(0) => Verdict {
            status: Status::Succeeded,
            exit: ExitCode::SUCCESS,
            exit_code,
            container_reason,
            detail: None,
        },
        Some(code) if failed_others.is_empty() => Verdict {
            status: Status::CommandFailed,
            exit: ExitCode(u8::try_from(code).unwrap_or(1)),
            exit_code,
            container_reason,
            detail: Some(format!("the command exited {code}")),
        },
        Some(code) => Verdict {
            status: Status::TaskFailed,
            exit: ExitCode::FAILED,
            exit_code,
            container_reason,
            detail: Some(format!(
                "the command exited {code} and essential container {} failed; {stop}",
                failed_others.join(", ")
            )),
        },
        None => {
            let why = match (&container_reason, ours) {
                (Some(r), _) => format!("container {container}: {r}; "),
                (None, None) => format!("ECS reports no container {container}; "),
                (None, Some(_)) => String::new(),
            };
            let others = if failed_others.is_empty() {
                String::new()
            } else {
                format!("essential container {} failed; ", failed_others.join(", "))
            };
            Verdict {
                status: Status::TaskFailed,
                exit: ExitCode::FAILED,
                exit_code,
                container_reason,
                detail: Some(format!(
                    "the task stopped without the command's exit code: {why}{others}{stop}"
                )),
            }
        }
    }
}

/// `stop code TaskFailedToStart: <reason>`.
pub fn stop_description(task: &Task) -> String {
    let code = task.stop_code().map_or("(none)", |c| c.as_str());
    match task.stopped_reason().filter(|r| !r.is_empty()) {
        Some(reason) => format!("stop code {code}: {reason}"),
        None => format!("stop code {code}"),
    }
}

/// When things happened (RFC 3339, from ECS) and how long we waited.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    pub created_at: Option<String>,
    pub started_at: Option<String>,
    pub stopped_at: Option<String>,
    /// From the container start to the task stop, per ECS.
    pub run_seconds: Option<f64>,
    /// From RunTask to the end of the wait, by our clock.
    pub wait_seconds: f64,
}

impl Timings {
    pub fn from_task(task: Option<&Task>, wait_seconds: f64) -> Self {
        let fmt =
            |d: Option<&aws_smithy_types::DateTime>| d.and_then(|d| d.fmt(Format::DateTime).ok());
        let run_seconds = task.and_then(|t| match (t.started_at(), t.stopped_at()) {
            (Some(a), Some(b)) => {
                Some(((b.as_secs_f64() - a.as_secs_f64()) * 1000.0).round() / 1000.0)
            }
            _ => None,
        });
        Self {
            created_at: fmt(task.and_then(|t| t.created_at())),
            started_at: fmt(task.and_then(|t| t.started_at())),
            stopped_at: fmt(task.and_then(|t| t.stopped_at())),
            run_seconds,
            wait_seconds: (wait_seconds * 1000.0).round() / 1000.0,
        }
    }
}

/// The result of a run that registered a task definition (the `--json` object).
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub status: Status,
    /// What migrate-task exits with.
    pub exit_status: u8,
    /// The command's container exit code (`null` when it has none).
    pub exit_code: Option<i32>,
    /// The signal that stopped the run, if any.
    pub signal: Option<&'static str>,
    pub cluster: String,
    pub service: String,
    pub container: String,
    pub task_arn: Option<String>,
    pub task_definition_arn: String,
    pub source_task_definition_arn: String,
    pub image: String,
    pub image_digest: Option<String>,
    pub image_tag: Option<String>,
    pub command: Vec<String>,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    pub container_reason: Option<String>,
    /// RunTask's `failures[]`, as `arn: reason (detail)`.
    pub failures: Vec<String>,
    /// Log events printed from the container's stream.
    pub log_events: u64,
    pub timings: Timings,
    /// The one-line summary printed on stderr.
    pub summary: String,
}

impl Outcome {
    pub fn exit(&self) -> ExitCode {
        ExitCode(self.exit_status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::{Container, TaskStopCode};

    fn task(containers: &[(&str, Option<i32>, Option<&str>)], stop: Option<TaskStopCode>) -> Task {
        let mut b = Task::builder()
            .last_status("STOPPED")
            .set_stop_code(stop)
            .stopped_reason("Essential container in task exited");
        for (name, code, reason) in containers {
            b = b.containers(
                Container::builder()
                    .name(*name)
                    .set_exit_code(*code)
                    .set_reason(reason.map(str::to_owned))
                    .build(),
            );
        }
        b.build()
    }

    #[test]
    fn exit_zero_succeeds() {
        let v = evaluate(&task(&[("web", Some(0), None)], None), "web", &[]);
        assert_eq!((v.status, v.exit), (Status::Succeeded, ExitCode::SUCCESS));
    }

    #[test]
    fn the_command_exit_code_passes_through() {
        for code in [1, 2, 3, 137, 255] {
            let v = evaluate(&task(&[("web", Some(code), None)], None), "web", &[]);
            assert_eq!(v.status, Status::CommandFailed);
            assert_eq!(i32::from(v.exit.code()), code);
        }
    }

    #[test]
    fn no_exit_code_is_a_task_failure_with_stop_code_and_reason() {
        let t = task(
            &[(
                "web",
                None,
                Some("CannotPullContainerError: pull access denied"),
            )],
            Some(TaskStopCode::TaskFailedToStart),
        );
        let v = evaluate(&t, "web", &[]);
        assert_eq!((v.status, v.exit), (Status::TaskFailed, ExitCode::FAILED));
        let detail = v.detail.unwrap();
        assert!(detail.contains("TaskFailedToStart"), "{detail}");
        assert!(detail.contains("CannotPullContainerError"), "{detail}");
    }

    #[test]
    fn another_essential_container_failing_fails_the_run() {
        let t = task(
            &[("web", Some(143), None), ("envoy", Some(1), Some("boom"))],
            Some(TaskStopCode::EssentialContainerExited),
        );
        let v = evaluate(&t, "web", &["envoy".into()]);
        assert_eq!((v.status, v.exit), (Status::TaskFailed, ExitCode::FAILED));
        assert!(v.detail.unwrap().contains("envoy (exit 1: boom)"));
        // A non-essential sidecar does not count.
        let v = evaluate(&t, "web", &[]);
        assert_eq!(v.status, Status::CommandFailed);
        // Nor does anything once the command itself succeeded.
        let t = task(&[("web", Some(0), None), ("envoy", Some(137), None)], None);
        assert_eq!(
            evaluate(&t, "web", &["envoy".into()]).status,
            Status::Succeeded
        );
    }
}
