//! What every Slipway binary shares: the exit-code table, the names of the environment
//! variables we read, the printer that owns stdout and stderr, the progress policy, the
//! CodeBuild build context, and one-line usage errors.

pub mod codebuild;
pub mod env;
pub mod exit;
pub mod generate;
pub mod printer;
pub mod progress;
pub mod usage;

pub use exit::ExitCode;
pub use printer::Printer;
pub use progress::ProgressMode;
