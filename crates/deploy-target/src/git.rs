//! The local git checkout's branch, HEAD commit and tags at HEAD, for dry runs on a laptop.
//!
//! `git` runs with an argv (never through a shell), in the current directory, with its output
//! in the C locale. A missing `git`, a directory that is not a repository or a detached HEAD
//! simply leave values unknown; the reason is kept for `explain`.

use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

/// What local git says about HEAD.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitInfo {
    /// The checked-out branch; `None` on a detached HEAD.
    pub branch: Option<String>,
    pub commit: Option<String>,
    /// Tags pointing at HEAD, highest version first.
    pub tags: Vec<String>,
    /// Why git could not tell (not installed, not a repository, ...).
    pub problem: Option<String>,
}

/// Reads the repository containing `dir`.
pub fn read(dir: &Path) -> GitInfo {
    let commit = match run(dir, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]) {
        Ok(Ok(out)) => out,
        Ok(Err(stderr)) => {
            let problem = if stderr.is_empty() {
                "HEAD has no commit yet".to_owned()
            } else {
                stderr
            };
            return GitInfo {
                problem: Some(problem),
                ..GitInfo::default()
            };
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return GitInfo {
                problem: Some("git is not installed".to_owned()),
                ..GitInfo::default()
            };
        }
        Err(e) => {
            return GitInfo {
                problem: Some(format!("failed to run git: {e}")),
                ..GitInfo::default()
            };
        }
    };
    let branch = run(dir, &["symbolic-ref", "--quiet", "--short", "HEAD"])
        .ok()
        .and_then(Result::ok)
        .filter(|b| !b.is_empty());
    let tags = run(
        dir,
        &["tag", "--points-at", "HEAD", "--sort=-version:refname"],
    )
    .ok()
    .and_then(Result::ok)
    .map(|out| {
        out.lines()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default();
    GitInfo {
        branch,
        commit: Some(commit).filter(|c| !c.is_empty()),
        tags,
        problem: None,
    }
}

/// Runs `git ARGS` in `dir`: `Ok(Ok(stdout))` on success, `Ok(Err(first stderr line))` when
/// git said no, `Err` when git could not be started.
fn run(dir: &Path, args: &[&str]) -> io::Result<Result<String, String>> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .output()?;
    if out.status.success() {
        Ok(Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .trim_start_matches("fatal: ")
            .to_owned();
        Ok(Err(line))
    }
}
