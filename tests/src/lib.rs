//! Slipway's shared test kit.
//!
//! - [`servers`]: real S3-compatible servers (`rclone serve s3`) and `moto_server` (S3, ECR,
//!   ECS, CloudWatch Logs, ELBv2) started on free loopback ports, one per test binary, each
//!   stopped by its PID when the test process exits (and killed by the kernel if the test
//!   process dies first).
//! - [`proxy`]: a fault-injecting HTTP proxy that sits between a binary and a real server.
//! - [`tree`]: deterministic Rails-like precompiled asset trees.
//! - [`cmd`]: run a Slipway binary the way a buildspec would, with a clean AWS environment.
//! - [`docs`]: the committed man pages and shell completions match what the binaries generate.
//! - [`secrets`]: planted secret values, and the check that no output shows them.
//! - [`catalogue`]: the bad-input catalogue, `docs/bad-input.md`, as data the tests assert.

pub mod catalogue;
pub mod cmd;
pub mod docs;
pub mod process;
pub mod proxy;
pub mod s3;
pub mod secrets;
pub mod servers;
pub mod tools;
pub mod tree;

pub use cmd::{Output, Running, SlipwayCommand};
pub use proxy::{Fault, FaultProxy, RequestKind, Rule};
pub use s3::S3Probe;
pub use servers::{MotoServer, RcloneS3};

/// Access key and secret every test server accepts (rclone rejects keys shorter than 3).
pub const ACCESS_KEY: &str = "slipwaytest";
pub const SECRET_KEY: &str = "slipwaytestsecret";
pub const REGION: &str = "us-east-1";
