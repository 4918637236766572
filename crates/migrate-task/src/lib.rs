//! `migrate-task`: run a one-off command (typically `bin/rails db:migrate`) as an ECS task
//! from a new, not yet deployed image, with the running service's roles, env vars, secrets
//! and network, and exit with the command's own exit status.
//!
//! The flow, module by module:
//! 1. [`settings`]: flags and env twins, checked before any AWS call.
//! 2. [`target`]: the service, by name or by Copilot's tags.
//! 3. [`plan`]: its current task definition (from DescribeServices), the container
//!    ([`container`]), the image checked in ECR and pinned to its digest ([`image`]), the copy
//!    to register and the RunTask request. `--dry-run` prints this and stops.
//! 4. [`run`]: register the copy, RunTask, then [`wait`] for STOPPED while [`logs`] follows
//!    the container's CloudWatch stream; SIGINT/SIGTERM ([`signals`]) and `--timeout` stop the
//!    task first.
//! 5. [`outcome`]: the container's exit code, or "task failed" with the stop code and reason.
//!
//! All AWS calls go through the traits in [`api`]; [`sdk`] implements them with the SDK.

pub mod api;
pub mod cli;
pub mod container;
pub mod error;
pub mod image;
pub mod logs;
pub mod outcome;
pub mod plan;
pub mod redact;
mod run;
pub mod sdk;
pub mod settings;
pub mod signals;
pub mod target;
pub mod wait;

pub use error::Error;
pub use run::{Deps, Report, run};
pub use settings::Settings;
pub use signals::{Signal, Signals};
