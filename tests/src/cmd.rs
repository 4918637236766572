//! Running a Slipway binary the way a buildspec would: a clean environment (no AWS, CI or
//! CodeBuild variables leak in from the developer's shell), test credentials, and captured
//! output.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{ACCESS_KEY, REGION, SECRET_KEY};

/// A command under construction.
pub struct SlipwayCommand {
    cmd: Command,
}

/// What a finished command did.
#[derive(Debug)]
pub struct Output {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The parsed JSON on stdout; panics with the output if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics with the full output unless the exit code is `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless the command exited 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        self.assert_code(0)
    }

    /// Non-empty stderr lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

impl SlipwayCommand {
    /// `program` with a scrubbed environment and the test servers' credentials.
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            let scrub = k.starts_with("AWS_")
                || k.starts_with("CODEBUILD_")
                || k.starts_with("ASSET_SYNC_")
                || k.starts_with("FOG_")
                || k.starts_with("DEPLOY_")
                || k.starts_with("MIGRATE_TASK_")
                || k.starts_with("SLIPWAY_")
                || k.starts_with("GIT_")
                || k == "CI";
            if scrub {
                cmd.env_remove(&key);
            }
        }
        cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", REGION)
            // Never reach for a real profile or instance metadata from a test.
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // clap wraps --help to $COLUMNS when no terminal is attached: pin it so help
            // snapshots do not depend on the caller's terminal.
            .env("COLUMNS", "100")
            .stdin(Stdio::null());
        Self { cmd }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.cmd.env_remove(key);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// The underlying command, for callers that need to spawn and signal it themselves.
    pub fn into_command(self) -> Command {
        self.cmd
    }

    /// Runs to completion and captures the output.
    pub fn run(mut self) -> Output {
        let out = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("run the binary under test");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
