//! The command line. Doc comments here are the `--help` text (snapshot-tested).

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand};
use slipway_aws::AwsArgs;
use slipway_core::{ProgressMode, env, exit::HELP_TABLE};

/// Run a one-off command (e.g. `bin/rails db:migrate`) as an ECS task from a new image, with
/// the running service's roles, env vars, secrets and network, and exit with its status.
#[derive(Debug, Parser)]
#[command(name = "migrate-task", version, after_help = HELP_TABLE)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy the service's current task definition with the new image, run COMMAND in it on
    /// the service's network, stream its logs, and exit with the container's exit code.
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
}

const RUN_AFTER_HELP: &str = "\
Once the task has run, migrate-task exits with the container's own exit code (0-255).
Before that, and when the task never ran its command:
  0    success (or, with --dry-run, planned)
  1    unexpected error (a bug: please report it)
  2    bad flags or input, ambiguous container or Copilot names; nothing was written
  3    not found (service, image tag), AWS failure, task failed to start, stopped without
       an exit code, another essential container failed, or --timeout reached
  130  interrupted by SIGINT;  143  terminated by SIGTERM (the task is stopped first)

Example:
  migrate-task run --cluster shop-prod --service web \\
    --image-tag \"$CODEBUILD_RESOLVED_SOURCE_VERSION\" -- bin/rails db:migrate";

/// `migrate-task run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The ECS cluster of the service (name or ARN).
    #[arg(long, env = env::MIGRATE_TASK_CLUSTER, value_name = "CLUSTER", help_heading = "Target")]
    pub cluster: Option<String>,

    /// The ECS service whose current task definition, network and launch type the task uses.
    #[arg(long, env = env::MIGRATE_TASK_SERVICE, value_name = "SERVICE", help_heading = "Target")]
    pub service: Option<String>,

    /// Find the service by Copilot's tags (copilot-application, copilot-environment,
    /// copilot-service) instead of --service; --cluster narrows the search.
    #[arg(long, env = env::MIGRATE_TASK_COPILOT, value_name = "APP/ENV/SVC", help_heading = "Target")]
    pub copilot: Option<String>,

    /// The container to run the command in [default: the only essential container, else the
    /// one named like the service].
    #[arg(long, env = env::MIGRATE_TASK_CONTAINER, value_name = "NAME", help_heading = "Target")]
    pub container: Option<String>,

    /// The image to run, as a full URI. ECR images are checked and pinned to their digest;
    /// others are used as given.
    #[arg(long, env = env::MIGRATE_TASK_IMAGE, value_name = "URI", help_heading = "Image")]
    pub image: Option<String>,

    /// A tag in the ECR repository of the container's current image (e.g. the commit SHA).
    #[arg(long, env = env::MIGRATE_TASK_IMAGE_TAG, value_name = "TAG", help_heading = "Image")]
    pub image_tag: Option<String>,

    /// Stop the task and fail (exit 3) after this long, e.g. 45m, 2h, 90s [default: no limit].
    #[arg(long, env = env::MIGRATE_TASK_TIMEOUT, value_name = "DURATION", help_heading = "Task")]
    pub timeout: Option<String>,

    /// Task-level CPU units for the copy (e.g. 1024) [default: the service's].
    #[arg(long, env = env::MIGRATE_TASK_CPU, value_name = "UNITS", help_heading = "Task")]
    pub cpu: Option<String>,

    /// Task-level memory in MiB for the copy (e.g. 2048) [default: the service's].
    #[arg(long, env = env::MIGRATE_TASK_MEMORY, value_name = "MIB", help_heading = "Task")]
    pub memory: Option<String>,

    /// Add or replace an environment variable in the container (repeatable). Without any
    /// --env, MIGRATE_TASK_ENV is read: one KEY=VALUE per line.
    #[arg(long = "env", value_name = "KEY=VALUE", help_heading = "Task")]
    pub env: Vec<String>,

    /// Read everything, write nothing: print the task definition changes, the network
    /// configuration and the exact RunTask request.
    #[arg(
        long,
        env = env::MIGRATE_TASK_DRY_RUN,
        value_parser = BoolishValueParser::new(),
        action = ArgAction::SetTrue,
        help_heading = "Output"
    )]
    pub dry_run: bool,

    /// Print one JSON object on stdout: the result (task ARN, task definition ARN, image
    /// digest, exit code, stop code and reason, timings) or, with --dry-run, the plan.
    #[arg(
        long,
        env = env::MIGRATE_TASK_JSON,
        value_parser = BoolishValueParser::new(),
        action = ArgAction::SetTrue,
        help_heading = "Output"
    )]
    pub json: bool,

    /// Status lines while the task runs: auto and always print the task's state every 30 s
    /// as well as when it changes; never prints only the changes. No bar is drawn: the
    /// container's log lines stream on stderr [possible values: auto, always, never].
    #[arg(
        long,
        env = env::PROGRESS,
        value_enum,
        default_value_t = ProgressMode::Auto,
        hide_possible_values = true,
        value_name = "WHEN",
        help_heading = "Output"
    )]
    pub progress: ProgressMode,

    /// First DescribeTasks poll interval in milliseconds (tests only).
    #[arg(long, env = env::MIGRATE_TASK_POLL_INTERVAL_MS, hide = true)]
    pub poll_interval_ms: Option<u64>,

    #[command(flatten)]
    pub aws: AwsArgs,

    /// The command and its arguments, passed to the container as an argv array (never
    /// through a shell; write `sh -c '...'` yourself if you want one).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}
