//! Helpers shared by the deploy-target integration tests: a scratch directory holding a
//! config, the binary run the way a buildspec runs it, real CodeBuild variable sets, and a
//! shell that `eval`s the output (the shell is the test harness evaluating our output; the
//! product never starts one).

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use slipway_testkit::{Output, SlipwayCommand};

pub const BIN: &str = env!("CARGO_BIN_EXE_deploy-target");

/// A 40-hex commit id as CodeBuild reports it.
pub const SHA: &str = "9c4e2f0b7a1d3c5e8f6a2b4d0c9e1f3a5b7d8c6e";
pub const PREV_SHA: &str = "1b3d5f7a9c0e2a4c6e8b0d2f4a6c8e0b2d4f6a8c";

/// The example config shipped at the repository root (the tests keep it honest).
pub fn example_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy-targets.example.toml")
}

/// A scratch directory with `deploy-targets.toml`, outside any git repository.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("deploy-targets.toml"), config).expect("write config");
        Self { dir }
    }

    /// The example config, copied.
    pub fn example() -> Self {
        Self::new(&std::fs::read_to_string(example_config()).expect("read the example config"))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `deploy-target ARGS` run here, with a scrubbed environment (no CodeBuild variables
    /// from the developer's shell) and git kept from walking above this directory.
    pub fn cmd<I, S>(&self, args: I) -> SlipwayCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        SlipwayCommand::new(BIN)
            .current_dir(self.path())
            .env("GIT_CEILING_DIRECTORIES", ceiling(self.path()))
            .args(args)
    }
}

fn ceiling(dir: &Path) -> PathBuf {
    dir.parent().unwrap_or(dir).to_path_buf()
}

/// Sets every `(name, value)` on `cmd`.
pub fn with_env(mut cmd: SlipwayCommand, vars: &[(&str, String)]) -> SlipwayCommand {
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    cmd
}

fn common_codebuild(initiator: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "CODEBUILD_BUILD_ID",
            "shop-build:6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f".into(),
        ),
        (
            "CODEBUILD_BUILD_ARN",
            "arn:aws:codebuild:ap-northeast-1:123456789012:build/shop-build:6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f".into(),
        ),
        ("CODEBUILD_BUILD_NUMBER", "412".into()),
        ("CODEBUILD_BUILD_SUCCEEDING", "1".into()),
        ("CODEBUILD_CI", "true".into()),
        ("CODEBUILD_INITIATOR", initiator.into()),
        (
            "CODEBUILD_SRC_DIR",
            "/codebuild/output/src512/src/github.com/acme/shop".into(),
        ),
        ("CODEBUILD_START_TIME", "1782547200000".into()),
        ("AWS_DEFAULT_REGION", "ap-northeast-1".into()),
    ]
}

/// A GitHub webhook build for a push to `branch`.
pub fn webhook_push(branch: &str) -> Vec<(&'static str, String)> {
    let mut vars = common_codebuild("GitHub-Hookshot/a1b2c3d");
    vars.extend([
        (
            "CODEBUILD_SOURCE_REPO_URL",
            "https://github.com/acme/shop.git".into(),
        ),
        ("CODEBUILD_SOURCE_VERSION", SHA.into()),
        ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA.into()),
        ("CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID", "4093217".into()),
        ("CODEBUILD_WEBHOOK_EVENT", "PUSH".into()),
        ("CODEBUILD_WEBHOOK_HEAD_REF", format!("refs/heads/{branch}")),
        ("CODEBUILD_WEBHOOK_PREV_COMMIT", PREV_SHA.into()),
        ("CODEBUILD_WEBHOOK_TRIGGER", format!("branch/{branch}")),
    ]);
    vars
}

/// A GitHub webhook build for a pushed tag.
pub fn webhook_tag(tag: &str) -> Vec<(&'static str, String)> {
    let mut vars = common_codebuild("GitHub-Hookshot/a1b2c3d");
    vars.extend([
        (
            "CODEBUILD_SOURCE_REPO_URL",
            "https://github.com/acme/shop.git".into(),
        ),
        ("CODEBUILD_SOURCE_VERSION", SHA.into()),
        ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA.into()),
        ("CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID", "4093217".into()),
        ("CODEBUILD_WEBHOOK_EVENT", "PUSH".into()),
        ("CODEBUILD_WEBHOOK_HEAD_REF", format!("refs/tags/{tag}")),
        (
            "CODEBUILD_WEBHOOK_PREV_COMMIT",
            "0000000000000000000000000000000000000000".into(),
        ),
        ("CODEBUILD_WEBHOOK_TRIGGER", format!("tag/{tag}")),
    ]);
    vars
}

/// A GitHub webhook build for pull request `number` from `head` into `base`.
pub fn webhook_pull_request(
    number: u32,
    head: &str,
    base: &str,
    event: &str,
) -> Vec<(&'static str, String)> {
    let mut vars = common_codebuild("GitHub-Hookshot/a1b2c3d");
    vars.extend([
        (
            "CODEBUILD_SOURCE_REPO_URL",
            "https://github.com/acme/shop.git".into(),
        ),
        ("CODEBUILD_SOURCE_VERSION", format!("pr/{number}")),
        ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA.into()),
        ("CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID", "4093217".into()),
        ("CODEBUILD_WEBHOOK_EVENT", event.into()),
        ("CODEBUILD_WEBHOOK_HEAD_REF", format!("refs/heads/{head}")),
        ("CODEBUILD_WEBHOOK_BASE_REF", format!("refs/heads/{base}")),
        ("CODEBUILD_WEBHOOK_MERGE_COMMIT", PREV_SHA.into()),
        ("CODEBUILD_WEBHOOK_TRIGGER", format!("pr/{number}")),
    ]);
    vars
}

/// A build CodePipeline started: no webhook variables, the source is an S3 artifact, the
/// initiator names the pipeline, and the pipeline's action passes the branch in
/// `SOURCE_BRANCH` (`#{SourceVariables.BranchName}`).
pub fn codepipeline(pipeline: &str, branch: Option<&str>) -> Vec<(&'static str, String)> {
    let mut vars = common_codebuild(&format!("codepipeline/{pipeline}"));
    vars.extend([
        (
            "CODEBUILD_SOURCE_VERSION",
            format!(
                "arn:aws:s3:::codepipeline-ap-northeast-1-123456789012/{pipeline}/SourceArti/x9Yz1Ab"
            ),
        ),
        ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA.into()),
    ]);
    if let Some(branch) = branch {
        vars.push(("SOURCE_BRANCH", branch.into()));
    }
    vars
}

/// Evaluates `exports` (our `--format shell` output) in `shell` and returns the values of
/// `keys` exactly as the shell holds them. Panics if the shell fails.
pub fn eval_in(shell: &str, exports: &str, keys: &[&str]) -> Vec<String> {
    let mut script = String::from("eval \"$(cat)\" || exit 99\n");
    for key in keys {
        assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        script.push_str(&format!("printf '%s\\0' \"${key}\"\n"));
    }
    let out = run_with_stdin(Command::new(shell).arg("-c").arg(&script), exports);
    assert!(
        out.status.success(),
        "{shell} failed: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8 values");
    let mut values: Vec<String> = stdout.split('\0').map(str::to_owned).collect();
    values.pop(); // after the last NUL
    assert_eq!(values.len(), keys.len());
    values
}

/// Evaluates `exports` in bash and returns one value.
pub fn eval_one(exports: &str, key: &str) -> String {
    eval_in("bash", exports, &[key]).remove(0)
}

pub fn run_with_stdin(cmd: &mut Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn shell");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait for shell")
}

/// `KEY=value` lines as a list of pairs (split at the first `=`).
pub fn env_pairs(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').expect("KEY=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

pub fn get<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{key} missing from {pairs:?}"))
}

/// `git ARGS` in `dir` with a fixed identity and no user or system config.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Slipway Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Slipway Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CEILING_DIRECTORIES", ceiling(dir))
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Replaces the scratch directory's path in `text`, for snapshots.
pub fn redact(text: &str, scratch: &Scratch) -> String {
    text.replace(&scratch.path().display().to_string(), "[SCRATCH]")
}

pub fn assert_stdout_empty(out: &Output) {
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty, got:\n{}",
        out.stdout
    );
}
