//! Running a Slipway binary the way a buildspec would: a clean environment (no AWS, CI or
//! CodeBuild variables leak in from the developer's shell), test credentials, and captured
//! output.

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

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

    /// Panics unless this is a usage error as every binary reports one: exit 2, nothing on
    /// stdout, and on stderr exactly `line` (an `error: ...` line) and a newline.
    #[track_caller]
    pub fn assert_usage_error(&self, line: &str) -> &Self {
        assert!(line.starts_with("error: "), "not an error line: {line}");
        self.assert_code(2);
        assert_eq!(self.stdout, "", "stdout of a usage error");
        assert_eq!(self.stderr, format!("{line}\n"));
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

    /// Starts it in the background, capturing its output; see [`Running`].
    pub fn spawn(mut self) -> Running {
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the binary under test");
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                String::from_utf8_lossy(&bytes).into_owned()
            })
        };
        let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
        let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
        Running {
            child,
            output: Some((stdout, stderr)),
        }
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

/// A binary running in the background, its output read as it comes (so a full pipe never
/// blocks it). Killed with SIGKILL if dropped while still running.
pub struct Running {
    child: Child,
    output: Option<(JoinHandle<String>, JoinHandle<String>)>,
}

impl Running {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL, which the process cannot catch or clean up after, and returns what it
    /// printed until then (`code` is `None`; if it had already exited, its code).
    pub fn sigkill(mut self) -> Output {
        // std's Child::kill is SIGKILL on Unix; it fails only if the child was reaped.
        let _ = self.child.kill();
        self.finish()
    }

    /// Waits for it to exit and returns its output.
    pub fn wait(mut self) -> Output {
        self.finish()
    }

    fn finish(&mut self) -> Output {
        let status = self.child.wait().expect("wait for the binary under test");
        let (stdout, stderr) = self.output.take().expect("output collected once");
        Output {
            code: status.code(),
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.output.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
