//! `migrate-task run`: plan, then (unless dry run) register, run, wait, judge.

use std::io::IsTerminal;

use slipway_core::progress::{Display, decide};
use slipway_core::{ExitCode, Printer};
use tokio::time::Instant;

use crate::api::{EcrApi, EcsApi, LogsApi};
use crate::error::Error;
use crate::logs::{LogFollower, task_id};
use crate::outcome::{self, Outcome, Status, Timings};
use crate::plan::{self, Plan, show_argv};
use crate::settings::Settings;
use crate::signals::Signals;
use crate::wait::{StopCause, WaitOptions, wait_for_stop};

/// The clients a run uses (real or fake) and the printer.
pub struct Deps<'a, E, R, L> {
    pub ecs: &'a E,
    pub ecr: &'a R,
    pub logs: &'a L,
    pub printer: Printer,
}

/// What a run did.
#[derive(Debug)]
pub enum Report {
    /// `--dry-run`: the plan, printed; nothing written.
    Planned(Box<Plan>),
    /// A task definition was registered (and, unless RunTask failed, a task run).
    Ran(Box<Outcome>),
}

impl Report {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Report::Planned(_) => ExitCode::SUCCESS,
            Report::Ran(outcome) => outcome.exit(),
        }
    }
}

/// Runs `settings` against the given clients. Prints progress, the container's logs and
/// a final summary on stderr, and the JSON result on stdout with `--json`.
pub async fn run<E: EcsApi, R: EcrApi, L: LogsApi>(
    settings: &Settings,
    deps: &Deps<'_, E, R, L>,
    signals: &mut Signals,
) -> Result<Report, Error> {
    let printer = deps.printer;
    // Planning only reads, so a signal during it just ends the run.
    let plan = tokio::select! {
        plan = plan::build(settings, deps.ecs, deps.ecr, &printer) => plan?,
        signal = signals.recv() => return Err(Error::Interrupted(signal)),
    };

    if settings.dry_run {
        if settings.json {
            printer.data(plan.to_json().to_string());
        } else {
            printer.info("plan (dry run):");
            for line in plan.human_lines() {
                printer.info(format!("  {line}"));
            }
            printer.info("RunTask request:");
            let request = serde_json::to_string_pretty(&plan.request).unwrap_or_default();
            for line in request.lines() {
                printer.info(format!("  {line}"));
            }
        }
        printer.info(format!(
            "dry run: would register a revision of {} and run {} in container {} on cluster {}; nothing was written",
            plan.changes.family.to,
            show_argv(Some(&settings.command)),
            plan.container,
            plan.cluster
        ));
        return Ok(Report::Planned(Box::new(plan)));
    }

    if let Some(signal) = signals.try_recv() {
        return Err(Error::Interrupted(signal));
    }
    let outcome = execute(settings, &plan, deps, signals).await?;
    if settings.json {
        printer.data(serde_json::to_string(&outcome).unwrap_or_default());
    }
    if outcome.status == Status::Succeeded {
        printer.info(&outcome.summary);
    } else {
        printer.error(&outcome.summary);
    }
    Ok(Report::Ran(Box::new(outcome)))
}

async fn execute<E: EcsApi, R: EcrApi, L: LogsApi>(
    settings: &Settings,
    plan: &Plan,
    deps: &Deps<'_, E, R, L>,
    signals: &mut Signals,
) -> Result<Outcome, Error> {
    let printer = deps.printer;
    let family = &plan.changes.family.to;
    if let (true, Some(tag)) = (plan.image.checked, &plan.image.tag) {
        printer.info(format!("image tag {tag} is {}", plan.image.reference));
    }
    let registered = deps
        .ecs
        .register_task_definition(&plan.copy)
        .await
        .map_err(|e| Error::aws(format!("register a task definition in family {family}"), e))?;
    let td_arn = registered
        .task_definition_arn()
        .unwrap_or(family)
        .to_owned();
    printer.info(format!("registered task definition {td_arn}"));
    if let Some(signal) = signals.try_recv() {
        return Err(Error::Interrupted(signal));
    }

    let mut request = plan.request.clone();
    request.task_definition = td_arn.clone();
    let started = Instant::now();
    let output = deps
        .ecs
        .run_task(&request)
        .await
        .map_err(|e| Error::aws(format!("run a task on cluster {}", plan.cluster), e))?;

    let mut result = Outcome {
        status: Status::FailedToStart,
        exit_status: ExitCode::FAILED.code(),
        exit_code: None,
        signal: None,
        cluster: plan.cluster.clone(),
        service: plan.service_name.clone(),
        container: plan.container.clone(),
        task_arn: None,
        task_definition_arn: td_arn,
        source_task_definition_arn: plan.source_task_definition_arn.clone(),
        image: plan.image.reference.clone(),
        image_digest: plan.image.digest.clone(),
        image_tag: plan.image.tag.clone(),
        command: settings.command.clone(),
        stop_code: None,
        stopped_reason: None,
        container_reason: None,
        failures: output
            .failures
            .iter()
            .map(|f| {
                let detail = f.detail().map(|d| format!(" ({d})")).unwrap_or_default();
                format!(
                    "{}: {}{detail}",
                    f.arn().unwrap_or("?"),
                    f.reason().unwrap_or("no reason given")
                )
            })
            .collect(),
        log_events: 0,
        timings: Timings::default(),
        summary: String::new(),
    };

    let Some(task_arn) = output
        .tasks
        .first()
        .and_then(|t| t.task_arn())
        .map(str::to_owned)
    else {
        result.summary = if result.failures.is_empty() {
            "RunTask started no task and reported no failure".to_owned()
        } else {
            format!("the task failed to start: {}", result.failures.join("; "))
        };
        return Ok(result);
    };
    result.task_arn = Some(task_arn.clone());
    printer.info(format!("started task {task_arn}"));
    printer.info(format!("logs: {}", plan.logs.describe(Some(&task_arn))));

    let mut follower = LogFollower::new(plan.logs.stream_for(&task_arn), &plan.container);
    let heartbeat = decide(
        settings.progress,
        std::io::stderr().is_terminal(),
        slipway_core::codebuild::is_ci(|name| std::env::var(name).ok()),
    ) != Display::Nothing;
    let opts = WaitOptions {
        cluster: &plan.cluster,
        task_arn: &task_arn,
        poll: settings.poll,
        timeout: settings.timeout,
        heartbeat,
    };
    let waited = wait_for_stop(deps.ecs, deps.logs, &opts, &mut follower, &printer, signals).await;

    // Drain: what the container wrote last may reach CloudWatch after the task stopped.
    if waited.problem.is_none() {
        follower.poll(deps.logs, &printer).await;
        tokio::time::sleep(settings.poll.initial).await;
        follower.poll(deps.logs, &printer).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    result.log_events = follower.events();
    result.timings = Timings::from_task(waited.task.as_ref(), elapsed);
    if let Some(task) = &waited.task {
        result.stop_code = task.stop_code().map(|c| c.as_str().to_owned());
        result.stopped_reason = task
            .stopped_reason()
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
    }
    let stopped = waited
        .task
        .as_ref()
        .is_some_and(|t| t.last_status() == Some("STOPPED"));
    let verdict = waited
        .task
        .as_ref()
        .filter(|_| stopped)
        .map(|t| outcome::evaluate(t, &plan.container, &plan.other_essential));
    if let Some(v) = &verdict {
        result.exit_code = v.exit_code;
        result.container_reason = v.container_reason.clone();
    }
    let id = task_id(&task_arn);
    let took = jiff::SignedDuration::from_secs(elapsed.round() as i64);
    let command = show_argv(Some(&settings.command));
    let (status, exit, summary) = match (waited.cause, &waited.problem, &verdict) {
        (Some(StopCause::Signal(signal)), _, _) => {
            result.signal = Some(signal.name());
            let state = match &waited.problem {
                Some(p) => p.clone(),
                None => format!("task {id} stopped"),
            };
            (
                Status::Interrupted,
                signal.exit_code(),
                format!(
                    "{} received: {state}; {command} did not finish",
                    signal.name()
                ),
            )
        }
        (Some(StopCause::Timeout(limit)), _, _) => {
            let state = match &waited.problem {
                Some(p) => p.clone(),
                None => format!("task {id} stopped"),
            };
            (
                Status::TimedOut,
                ExitCode::FAILED,
                format!(
                    "{command} timed out after {:#}: {state}",
                    jiff::SignedDuration::try_from(limit).unwrap_or_default()
                ),
            )
        }
        (None, Some(problem), _) => (Status::Lost, ExitCode::FAILED, problem.clone()),
        (None, None, Some(v)) => {
            let summary = match v.status {
                Status::Succeeded => {
                    format!("{command} succeeded in task {id} (exit 0, {took:#})")
                }
                _ => format!(
                    "{command} failed in task {id}: {}",
                    v.detail.clone().unwrap_or_default()
                ),
            };
            (v.status, v.exit, summary)
        }
        (None, None, None) => (
            Status::Lost,
            ExitCode::FAILED,
            format!("task {task_arn} ended without a STOPPED status"),
        ),
    };
    result.status = status;
    result.exit_status = exit.code();
    result.summary = summary;
    Ok(result)
}
