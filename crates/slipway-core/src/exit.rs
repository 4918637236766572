//! The one exit-code table shared by all Slipway binaries.
//!
//! | code | name            | meaning                                                              |
//! |------|-----------------|----------------------------------------------------------------------|
//! | 0    | `SUCCESS`       | everything asked for was done (or, with `--dry-run`, planned)        |
//! | 1    | `UNEXPECTED`    | a bug or an error nobody planned for; please report it               |
//! | 2    | `USAGE`         | bad flags, bad config or bad input; nothing was written              |
//! | 3    | `FAILED`        | the operation was tried and failed (after retries); see stderr       |
//! | 4    | `REFUSED`       | refused for safety (a prune guard, no release record); nothing done  |
//! | 5    | `NOTHING_TO_DO` | nothing matched and the configuration says that is fine              |
//! | 130  | `INTERRUPTED`   | stopped by SIGINT (after cleaning up)                                |
//! | 143  | `TERMINATED`    | stopped by SIGTERM (after cleaning up)                               |
//!
//! `migrate-task run` exits with the container's own exit status once the command has run,
//! so any code can come from the container; its `--json` result says which it was.

use std::fmt;

/// A process exit status from the table above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ExitCode(pub u8);

impl ExitCode {
    pub const SUCCESS: Self = Self(0);
    pub const UNEXPECTED: Self = Self(1);
    pub const USAGE: Self = Self(2);
    pub const FAILED: Self = Self(3);
    pub const REFUSED: Self = Self(4);
    pub const NOTHING_TO_DO: Self = Self(5);
    pub const INTERRUPTED: Self = Self(130);
    pub const TERMINATED: Self = Self(143);

    /// Every named code, in table order (used by docs and tests).
    pub const TABLE: [(Self, &'static str, &'static str); 8] = [
        (
            Self::SUCCESS,
            "SUCCESS",
            "done (or, with --dry-run, planned)",
        ),
        (
            Self::UNEXPECTED,
            "UNEXPECTED",
            "an unexpected error (a bug: please report it)",
        ),
        (
            Self::USAGE,
            "USAGE",
            "bad flags, config or input; nothing was written",
        ),
        (Self::FAILED, "FAILED", "the operation failed after retries"),
        (
            Self::REFUSED,
            "REFUSED",
            "refused for safety; nothing was changed",
        ),
        (
            Self::NOTHING_TO_DO,
            "NOTHING_TO_DO",
            "nothing matched and the config says skip",
        ),
        (
            Self::INTERRUPTED,
            "INTERRUPTED",
            "stopped by SIGINT after cleaning up",
        ),
        (
            Self::TERMINATED,
            "TERMINATED",
            "stopped by SIGTERM after cleaning up",
        ),
    ];

    pub fn code(self) -> u8 {
        self.0
    }

    pub fn is_success(self) -> bool {
        self == Self::SUCCESS
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.0)
    }
}

impl fmt::Display for ExitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The exit-code table as it appears at the end of every binary's `--help`.
pub const HELP_TABLE: &str = "\
Exit codes:
  0    success (or, with --dry-run, planned)
  1    unexpected error (a bug: please report it)
  2    bad flags, config or input; nothing was written
  3    the operation failed after retries
  4    refused for safety; nothing was changed
  5    nothing to do (no match and the config says skip)
  130  interrupted by SIGINT;  143  terminated by SIGTERM";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for (code, _, _) in ExitCode::TABLE {
            assert!(seen.insert(code.0), "duplicate exit code {code}");
        }
    }

    #[test]
    fn help_table_lists_every_code() {
        for (code, _, _) in ExitCode::TABLE {
            assert!(
                HELP_TABLE.contains(&format!("{code} ")),
                "help lacks {code}"
            );
        }
    }
}
