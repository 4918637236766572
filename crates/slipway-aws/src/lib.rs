//! AWS plumbing shared by the Slipway binaries: one place that turns `--region`,
//! `--endpoint-url` and `--path-style` into an `SdkConfig`, builds each service client once
//! with deliberate retry settings, and classifies AWS errors by their service error code.

pub mod args;
pub mod clients;
pub mod error;
pub mod signing;

pub use args::AwsArgs;
pub use clients::{Clients, RetryPolicy, load_config};
pub use error::{AwsErrorKind, classify, describe};
