//! Waiting for the task to stop: DescribeTasks with backoff, logs in between, and StopTask
//! when the timeout passes or a signal arrives.

use std::time::Duration;

use aws_sdk_ecs::types::Task;
use slipway_core::Printer;
use tokio::time::Instant;

use crate::api::{EcsApi, LogsApi};
use crate::logs::{LogFollower, task_id};
use crate::settings::PollPolicy;
use crate::signals::{Signal, Signals};

/// How long to keep waiting for STOPPED after StopTask (ECS sends SIGTERM, then SIGKILL after
/// the container's stopTimeout, at most 120 s).
pub const STOP_WAIT: Duration = Duration::from_secs(300);

/// Status lines while a task runs, when progress is on.
pub const HEARTBEAT: Duration = Duration::from_secs(30);

/// Consecutive transient DescribeTasks failures (each already retried by the SDK) or MISSING
/// answers tolerated.
const MAX_POLL_ERRORS: u32 = 5;

/// Why we asked ECS to stop the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopCause {
    Timeout(Duration),
    Signal(Signal),
}

impl StopCause {
    pub fn reason(self) -> String {
        match self {
            StopCause::Timeout(t) => format!(
                "migrate-task: timed out after {:#}",
                jiff::SignedDuration::try_from(t).unwrap_or_default()
            ),
            StopCause::Signal(s) => format!("migrate-task: {} received", s.name()),
        }
    }
}

/// What the wait saw.
#[derive(Debug)]
pub struct Waited {
    /// The last description of the task (STOPPED unless `problem` is set).
    pub task: Option<Task>,
    pub cause: Option<StopCause>,
    /// Set when we stopped following before STOPPED.
    pub problem: Option<String>,
    pub waited: Duration,
}

/// What the loop needs besides the clients.
pub struct WaitOptions<'a> {
    pub cluster: &'a str,
    pub task_arn: &'a str,
    pub poll: PollPolicy,
    pub timeout: Option<Duration>,
    pub heartbeat: bool,
}

/// Polls until the task is STOPPED, following its logs; stops it on timeout or signal.
pub async fn wait_for_stop(
    ecs: &impl EcsApi,
    logs: &impl LogsApi,
    opts: &WaitOptions<'_>,
    follower: &mut LogFollower,
    printer: &Printer,
    signals: &mut Signals,
) -> Waited {
    let start = Instant::now();
    let deadline = opts.timeout.map(|t| start + t);
    let id = task_id(opts.task_arn);
    let mut interval = opts.poll.initial;
    let mut cause: Option<StopCause> = None;
    let mut stop_deadline: Option<Instant> = None;
    let mut last_status = String::new();
    let mut last_task: Option<Task> = None;
    let mut errors = 0;
    let mut next_heartbeat = start + HEARTBEAT;
    let problem = loop {
        match ecs.describe_task(opts.cluster, opts.task_arn).await {
            Ok(Some(task)) => {
                errors = 0;
                let status = task.last_status().unwrap_or("UNKNOWN").to_owned();
                if status != last_status {
                    printer.info(format!("task {id}: {status}"));
                    last_status = status;
                }
                let stopped = last_status == "STOPPED";
                last_task = Some(task);
                if stopped {
                    break None;
                }
            }
            // DescribeTasks is eventually consistent: a task RunTask just started can be
            // MISSING for a moment. Missing for good means we cannot follow it.
            Ok(None) => {
                errors += 1;
                if errors >= MAX_POLL_ERRORS {
                    break Some(format!(
                        "ECS does not know task {} (DescribeTasks: MISSING)",
                        opts.task_arn
                    ));
                }
            }
            Err(e) => {
                errors += 1;
                if !e.kind.is_transient() || errors >= MAX_POLL_ERRORS {
                    break Some(format!(
                        "lost track of task {} ({e}); it may still be running",
                        opts.task_arn
                    ));
                }
                printer.warn(format!("describing task {id} failed ({e}); trying again"));
            }
        }
        follower.poll(logs, printer).await;

        let now = Instant::now();
        if opts.heartbeat && now >= next_heartbeat {
            let elapsed = jiff::SignedDuration::try_from(now - start).unwrap_or_default();
            printer.info(format!(
                "task {id}: {last_status} for {:#}",
                jiff::SignedDuration::from_secs(elapsed.as_secs())
            ));
            next_heartbeat = now + HEARTBEAT;
        }
        if let Some(limit) = stop_deadline
            && now >= limit
        {
            break Some(format!(
                "task {} did not reach STOPPED within {}s of StopTask; it may still be running",
                opts.task_arn,
                STOP_WAIT.as_secs()
            ));
        }

        let timeout_at = if cause.is_none() { deadline } else { None };
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            signal = signals.recv() => {
                if cause.is_some() {
                    printer.warn(format!(
                        "second {}: no longer waiting for task {} to stop",
                        signal.name(),
                        opts.task_arn
                    ));
                    break Some(format!(
                        "task {} was asked to stop but had not stopped yet",
                        opts.task_arn
                    ));
                }
                printer.warn(format!(
                    "{} received: stopping task {id} and waiting for it (send it again to stop waiting)",
                    signal.name()
                ));
                cause = Some(StopCause::Signal(signal));
            }
            () = sleep_until(timeout_at) => {
                let limit = opts.timeout.unwrap_or_default();
                printer.warn(format!(
                    "timeout of {:#} reached: stopping task {id}",
                    jiff::SignedDuration::try_from(limit).unwrap_or_default()
                ));
                cause = Some(StopCause::Timeout(limit));
            }
        }
        if let Some(c) = cause
            && stop_deadline.is_none()
        {
            if let Err(e) = ecs
                .stop_task(opts.cluster, opts.task_arn, &c.reason())
                .await
            {
                printer.warn(format!("StopTask for {} failed: {e}", opts.task_arn));
            }
            stop_deadline = Some(Instant::now() + STOP_WAIT);
            interval = opts.poll.initial;
        } else {
            interval = opts.poll.next(interval);
        }
    };
    Waited {
        task: last_task,
        cause,
        problem,
        waited: start.elapsed(),
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
