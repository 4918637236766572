//! The waiting and exit-code logic against an in-process fake of ECS, ECR and CloudWatch
//! Logs, for what moto cannot produce: moto's tasks always exit 0, never fail to start and
//! never hang. Time is tokio's paused clock, so backoff and timeouts cost nothing and no test
//! sleeps.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_ecs::types::{
    Container, ContainerDefinition, Failure, LogConfiguration, LogDriver, Service, Task,
    TaskDefinition, TaskStopCode,
};
use clap::Parser;
use migrate_task::api::{
    ApiError, EcrApi, EcsApi, ImageDetail, LogEvent, LogPage, LogStream, LogsApi, RunTaskOutput,
    ServicesPage,
};
use migrate_task::cli::{Cli, Command};
use migrate_task::image::EcrImage;
use migrate_task::outcome::Status;
use migrate_task::plan::RunTaskRequest;
use migrate_task::{Deps, Error, Report, Settings, Signal, Signals};
use slipway_aws::AwsErrorKind;
use slipway_core::{ExitCode, Printer};
use tokio::sync::Notify;
use tokio::time::Instant;

const CLUSTER: &str = "shop";
const TASK_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:task/shop/0123456789abcdef";
const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop";
const DIGEST: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

/// How the fake task behaves.
#[derive(Clone, Debug)]
enum Script {
    /// RUNNING for `polls` DescribeTasks calls, then STOPPED like this.
    Stops {
        polls: usize,
        exit_code: Option<i32>,
        stop_code: TaskStopCode,
        reason: &'static str,
        container_reason: Option<&'static str>,
    },
    /// RUNNING until StopTask; then STOPPED with exit code 143 (SIGTERM from ECS).
    RunsUntilStopped,
    /// RunTask answers with `failures[]` and no task.
    FailsToStart { reason: &'static str },
}

struct FakeEcs {
    script: Script,
    /// DescribeTasks answers MISSING this many times first.
    missing: usize,
    describes: AtomicUsize,
    describe_times: Mutex<Vec<Instant>>,
    registered: Mutex<Vec<TaskDefinition>>,
    runs: Mutex<Vec<RunTaskRequest>>,
    stops: Mutex<Vec<String>>,
    stopped: AtomicBool,
    first_describe: Notify,
}

impl FakeEcs {
    fn new(script: Script) -> Self {
        Self {
            script,
            missing: 0,
            describes: AtomicUsize::new(0),
            describe_times: Mutex::new(Vec::new()),
            registered: Mutex::new(Vec::new()),
            runs: Mutex::new(Vec::new()),
            stops: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
            first_describe: Notify::new(),
        }
    }

    fn task(&self, status: &str) -> Task {
        Task::builder()
            .task_arn(TASK_ARN)
            .last_status(status)
            .containers(Container::builder().name("web").build())
            .build()
    }
}

fn task_definition() -> TaskDefinition {
    TaskDefinition::builder()
        .task_definition_arn("arn:aws:ecs:us-east-1:123456789012:task-definition/web:4")
        .family("web")
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image(format!("{IMAGE}:v1"))
                .essential(true)
                .log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", "/ecs/shop")
                        .options("awslogs-stream-prefix", "ecs")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
}

impl EcsApi for FakeEcs {
    async fn list_clusters(&self) -> Result<Vec<String>, ApiError> {
        Ok(vec![CLUSTER.into()])
    }

    async fn list_services(&self, _cluster: &str) -> Result<Vec<String>, ApiError> {
        Ok(vec!["web".into()])
    }

    async fn describe_services(
        &self,
        _cluster: &str,
        _services: &[String],
    ) -> Result<ServicesPage, ApiError> {
        Ok(ServicesPage {
            services: vec![
                Service::builder()
                    .service_name("web")
                    .task_definition("arn:aws:ecs:us-east-1:123456789012:task-definition/web:4")
                    .build(),
            ],
            failures: vec![],
        })
    }

    async fn describe_task_definition(&self, _td: &str) -> Result<TaskDefinition, ApiError> {
        Ok(task_definition())
    }

    async fn register_task_definition(
        &self,
        copy: &TaskDefinition,
    ) -> Result<TaskDefinition, ApiError> {
        self.registered.lock().unwrap().push(copy.clone());
        let mut registered = copy.clone();
        registered.task_definition_arn =
            Some("arn:aws:ecs:us-east-1:123456789012:task-definition/web-migrate:1".into());
        Ok(registered)
    }

    async fn run_task(&self, request: &RunTaskRequest) -> Result<RunTaskOutput, ApiError> {
        self.runs.lock().unwrap().push(request.clone());
        match &self.script {
            Script::FailsToStart { reason } => Ok(RunTaskOutput {
                tasks: vec![],
                failures: vec![
                    Failure::builder()
                        .arn("arn:aws:ecs:us-east-1:123456789012:container-instance/x")
                        .reason(*reason)
                        .build(),
                ],
            }),
            _ => Ok(RunTaskOutput {
                tasks: vec![self.task("PROVISIONING")],
                failures: vec![],
            }),
        }
    }

    async fn describe_task(&self, _cluster: &str, arn: &str) -> Result<Option<Task>, ApiError> {
        assert_eq!(arn, TASK_ARN);
        let n = self.describes.fetch_add(1, Ordering::SeqCst) + 1;
        self.describe_times.lock().unwrap().push(Instant::now());
        if n == 1 {
            self.first_describe.notify_one();
        }
        if n <= self.missing {
            return Ok(None);
        }
        let n = n - self.missing;
        let task = match &self.script {
            Script::Stops {
                polls,
                exit_code,
                stop_code,
                reason,
                container_reason,
            } if n > *polls => {
                self.stopped.store(true, Ordering::SeqCst);
                Task::builder()
                    .task_arn(TASK_ARN)
                    .last_status("STOPPED")
                    .stop_code(stop_code.clone())
                    .stopped_reason(*reason)
                    .containers(
                        Container::builder()
                            .name("web")
                            .set_exit_code(*exit_code)
                            .set_reason(container_reason.map(str::to_owned))
                            .build(),
                    )
                    .build()
            }
            Script::RunsUntilStopped if self.stopped.load(Ordering::SeqCst) => Task::builder()
                .task_arn(TASK_ARN)
                .last_status("STOPPED")
                .stop_code(TaskStopCode::UserInitiated)
                .stopped_reason(
                    self.stops
                        .lock()
                        .unwrap()
                        .last()
                        .cloned()
                        .unwrap_or_default(),
                )
                .containers(Container::builder().name("web").exit_code(143).build())
                .build(),
            _ if n == 1 => self.task("PENDING"),
            _ => self.task("RUNNING"),
        };
        Ok(Some(task))
    }

    async fn stop_task(&self, _cluster: &str, arn: &str, reason: &str) -> Result<(), ApiError> {
        assert_eq!(arn, TASK_ARN);
        self.stops.lock().unwrap().push(reason.to_owned());
        self.stopped.store(true, Ordering::SeqCst);
        Ok(())
    }
}

struct FakeEcr;

impl EcrApi for FakeEcr {
    async fn describe_image(&self, image: &EcrImage) -> Result<ImageDetail, ApiError> {
        match image.tag() {
            Some("v2") => Ok(ImageDetail {
                digest: DIGEST.into(),
                tags: vec!["v2".into()],
            }),
            _ => Err(ApiError::new(
                AwsErrorKind::NotFound,
                Some("ImageNotFoundException"),
                "not found",
            )),
        }
    }
}

/// A log stream with `before` events while the task runs and `after` more once it stopped
/// (the last lines reaching CloudWatch late).
struct FakeLogs<'a> {
    ecs: &'a FakeEcs,
    before: usize,
    after: usize,
    streams: Mutex<Vec<LogStream>>,
}

impl LogsApi for FakeLogs<'_> {
    async fn get_log_events(
        &self,
        stream: &LogStream,
        next_token: Option<&str>,
    ) -> Result<LogPage, ApiError> {
        self.streams.lock().unwrap().push(stream.clone());
        let available = if self.ecs.stopped.load(Ordering::SeqCst) {
            self.before + self.after
        } else {
            self.before
        };
        let from: usize = next_token.map_or(0, |t| t.parse().unwrap());
        Ok(LogPage {
            events: (from..available)
                .map(|i| LogEvent {
                    timestamp: Some(i as i64),
                    message: format!("line {i}\n"),
                })
                .collect(),
            next_token: Some(available.max(from).to_string()),
        })
    }
}

fn settings(extra: &[&str]) -> Settings {
    settings_with_tag("v2", extra)
}

fn settings_with_tag(tag: &str, extra: &[&str]) -> Settings {
    let mut argv = vec![
        "migrate-task",
        "run",
        "--cluster",
        CLUSTER,
        "--service",
        "web",
        "--image-tag",
        tag,
        "--progress",
        "never",
    ];
    argv.extend_from_slice(extra);
    argv.extend_from_slice(&["--", "bin/rails", "db:migrate"]);
    let Command::Run(args) = Cli::try_parse_from(argv).unwrap().command;
    Settings::resolve(args, |_| None).unwrap()
}

async fn run_with(
    settings: &Settings,
    ecs: &FakeEcs,
    logs: &FakeLogs<'_>,
    signals: &mut Signals,
) -> Result<Report, Error> {
    let deps = Deps {
        ecs,
        ecr: &FakeEcr,
        logs,
        printer: Printer::new(true),
    };
    migrate_task::run(settings, &deps, signals).await
}

fn logs(ecs: &FakeEcs) -> FakeLogs<'_> {
    FakeLogs {
        ecs,
        before: 0,
        after: 0,
        streams: Mutex::new(Vec::new()),
    }
}

fn outcome(report: Report) -> migrate_task::outcome::Outcome {
    match report {
        Report::Ran(outcome) => *outcome,
        Report::Planned(_) => panic!("expected a run"),
    }
}

fn stops_with(exit_code: Option<i32>, stop_code: TaskStopCode, reason: &'static str) -> Script {
    Script::Stops {
        polls: 3,
        exit_code,
        stop_code,
        reason,
        container_reason: None,
    }
}

#[tokio::test(start_paused = true)]
async fn exit_code_1_passes_through() {
    let ecs = FakeEcs::new(stops_with(
        Some(1),
        TaskStopCode::EssentialContainerExited,
        "Essential container in task exited",
    ));
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.status, Status::CommandFailed);
    assert_eq!((out.exit_status, out.exit_code), (1, Some(1)));
    assert_eq!(out.stop_code.as_deref(), Some("EssentialContainerExited"));
    assert!(ecs.stops.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn exit_code_137_passes_through_with_the_container_reason() {
    let ecs = FakeEcs::new(Script::Stops {
        polls: 2,
        exit_code: Some(137),
        stop_code: TaskStopCode::EssentialContainerExited,
        reason: "Essential container in task exited",
        container_reason: Some("OutOfMemoryError: Container killed due to memory usage"),
    });
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.status, Status::CommandFailed);
    assert_eq!(out.exit_status, 137);
    assert_eq!(out.exit().code(), 137);
    assert_eq!(
        out.container_reason.as_deref(),
        Some("OutOfMemoryError: Container killed due to memory usage")
    );
}

#[tokio::test(start_paused = true)]
async fn a_start_failure_in_failures_is_exit_3_with_the_reason() {
    let ecs = FakeEcs::new(Script::FailsToStart {
        reason: "RESOURCE:MEMORY",
    });
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.status, Status::FailedToStart);
    assert_eq!(out.exit(), ExitCode::FAILED);
    assert_eq!(out.task_arn, None);
    assert!(
        out.failures[0].contains("RESOURCE:MEMORY"),
        "{:?}",
        out.failures
    );
    assert!(out.summary.contains("RESOURCE:MEMORY"), "{}", out.summary);
    assert_eq!(ecs.describes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn stopped_without_an_exit_code_is_exit_3_with_stop_code_and_reason() {
    let ecs = FakeEcs::new(Script::Stops {
        polls: 1,
        exit_code: None,
        stop_code: TaskStopCode::TaskFailedToStart,
        reason: "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
        container_reason: Some("CannotPullContainerError: ref not found"),
    });
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.status, Status::TaskFailed);
    assert_eq!(out.exit(), ExitCode::FAILED);
    assert_eq!(out.exit_code, None);
    assert_eq!(out.stop_code.as_deref(), Some("TaskFailedToStart"));
    assert!(out.summary.contains("TaskFailedToStart"), "{}", out.summary);
    assert!(out.summary.contains("ref not found"), "{}", out.summary);
}

#[tokio::test(start_paused = true)]
async fn the_timeout_stops_the_task_and_fails_with_exit_3() {
    let ecs = FakeEcs::new(Script::RunsUntilStopped);
    let started = Instant::now();
    let out = outcome(
        run_with(
            &settings(&["--timeout", "30m"]),
            &ecs,
            &logs(&ecs),
            &mut Signals::none(),
        )
        .await
        .unwrap(),
    );
    assert_eq!(out.status, Status::TimedOut);
    assert_eq!(out.exit(), ExitCode::FAILED);
    let stops = ecs.stops.lock().unwrap().clone();
    assert_eq!(stops, ["migrate-task: timed out after 30m"]);
    // It waited the full 30 minutes of (paused, virtual) time, and not much more.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1800), "{waited:?}");
    assert!(waited < Duration::from_secs(1800 + 30), "{waited:?}");
    // The task was followed to STOPPED after StopTask.
    assert_eq!(out.stopped_reason.as_deref(), Some(stops[0].as_str()));
}

#[tokio::test(start_paused = true)]
async fn no_timeout_means_no_cap() {
    // Four hours of RUNNING, well past the SDK waiter's 10 minutes, then exit 0.
    let polls = 4 * 3600 / 6;
    let ecs = FakeEcs::new(Script::Stops {
        polls,
        exit_code: Some(0),
        stop_code: TaskStopCode::EssentialContainerExited,
        reason: "Essential container in task exited",
        container_reason: None,
    });
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.status, Status::Succeeded);
    assert!(
        out.timings.wait_seconds > 4.0 * 3600.0 - 60.0,
        "{:?}",
        out.timings
    );
}

#[tokio::test(start_paused = true)]
async fn sigterm_during_the_run_stops_the_task_and_exits_143() {
    let ecs = FakeEcs::new(Script::RunsUntilStopped);
    let logs = logs(&ecs);
    let (tx, mut signals) = Signals::channel();
    let s = settings(&[]);
    let (report, ()) = tokio::join!(run_with(&s, &ecs, &logs, &mut signals), async {
        ecs.first_describe.notified().await;
        tx.send(Signal::Terminate);
    });
    let out = outcome(report.unwrap());
    assert_eq!(out.status, Status::Interrupted);
    assert_eq!(out.exit(), ExitCode::TERMINATED);
    assert_eq!(out.signal, Some("SIGTERM"));
    assert_eq!(
        ecs.stops.lock().unwrap().as_slice(),
        ["migrate-task: SIGTERM received"]
    );
    // It waited for STOPPED after asking: the last description it saw is the stopped task.
    assert_eq!(out.stop_code.as_deref(), Some("UserInitiated"));
    assert_eq!(out.exit_code, Some(143));
}

#[tokio::test(start_paused = true)]
async fn sigint_exits_130() {
    let ecs = FakeEcs::new(Script::RunsUntilStopped);
    let logs = logs(&ecs);
    let (tx, mut signals) = Signals::channel();
    let s = settings(&[]);
    let (report, ()) = tokio::join!(run_with(&s, &ecs, &logs, &mut signals), async {
        ecs.first_describe.notified().await;
        tx.send(Signal::Interrupt);
    });
    assert_eq!(outcome(report.unwrap()).exit(), ExitCode::INTERRUPTED);
}

#[tokio::test(start_paused = true)]
async fn a_signal_before_the_start_runs_nothing() {
    let ecs = FakeEcs::new(Script::RunsUntilStopped);
    let (tx, mut signals) = Signals::channel();
    tx.send(Signal::Terminate);
    let err = run_with(&settings(&[]), &ecs, &logs(&ecs), &mut signals)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), ExitCode::TERMINATED);
    assert!(ecs.registered.lock().unwrap().is_empty());
    assert!(ecs.runs.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn polling_backs_off_from_1s_to_6s() {
    let ecs = FakeEcs::new(Script::Stops {
        polls: 9,
        exit_code: Some(0),
        stop_code: TaskStopCode::EssentialContainerExited,
        reason: "done",
        container_reason: None,
    });
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.status, Status::Succeeded);
    let times = ecs.describe_times.lock().unwrap().clone();
    let gaps: Vec<u128> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    // 5062.5 ms rounds up to tokio's 1 ms timer resolution.
    assert_eq!(gaps, [1000, 1500, 2250, 3375, 5063, 6000, 6000, 6000, 6000]);
}

#[tokio::test(start_paused = true)]
async fn logs_are_streamed_while_running_and_drained_after_the_stop() {
    let ecs = FakeEcs::new(stops_with(
        Some(0),
        TaskStopCode::EssentialContainerExited,
        "done",
    ));
    let logs = FakeLogs {
        ecs: &ecs,
        before: 3,
        after: 2,
        streams: Mutex::new(Vec::new()),
    };
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs, &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.log_events, 5);
    let streams = logs.streams.lock().unwrap().clone();
    assert_eq!(streams[0].group, "/ecs/shop");
    assert_eq!(streams[0].stream, "ecs/web/0123456789abcdef");
}

#[tokio::test(start_paused = true)]
async fn the_run_registers_the_pinned_image_and_sends_the_argv() {
    let ecs = FakeEcs::new(stops_with(
        Some(0),
        TaskStopCode::EssentialContainerExited,
        "done",
    ));
    outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    let registered = ecs.registered.lock().unwrap().clone();
    assert_eq!(registered[0].family(), Some("web-migrate"));
    assert_eq!(
        registered[0].container_definitions()[0].image(),
        Some(format!("{IMAGE}@{DIGEST}").as_str())
    );
    let runs = ecs.runs.lock().unwrap().clone();
    assert_eq!(
        runs[0].task_definition,
        "arn:aws:ecs:us-east-1:123456789012:task-definition/web-migrate:1"
    );
    assert_eq!(
        runs[0].overrides.container_overrides[0].command,
        ["bin/rails", "db:migrate"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_tag_registers_and_runs_nothing() {
    let ecs = FakeEcs::new(Script::RunsUntilStopped);
    let err = run_with(
        &settings_with_tag("v3", &["--container", "web"]),
        &ecs,
        &logs(&ecs),
        &mut Signals::none(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), ExitCode::FAILED);
    assert!(matches!(err, Error::ImageNotFound { .. }), "{err}");
    assert!(ecs.registered.lock().unwrap().is_empty());
    assert!(ecs.runs.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_task_missing_at_first_is_followed_once_ecs_knows_it() {
    let mut ecs = FakeEcs::new(stops_with(
        Some(0),
        TaskStopCode::EssentialContainerExited,
        "done",
    ));
    ecs.missing = 2;
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.status, Status::Succeeded);
}

#[tokio::test(start_paused = true)]
async fn a_task_ecs_never_knows_is_lost_with_exit_3() {
    let mut ecs = FakeEcs::new(Script::RunsUntilStopped);
    ecs.missing = usize::MAX;
    let out = outcome(
        run_with(&settings(&[]), &ecs, &logs(&ecs), &mut Signals::none())
            .await
            .unwrap(),
    );
    assert_eq!(out.status, Status::Lost);
    assert_eq!(out.exit(), ExitCode::FAILED);
    assert!(out.summary.contains("MISSING"), "{}", out.summary);
}
