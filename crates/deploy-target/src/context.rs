//! The build context: which branch, tag or pull request this build is for, the CodePipeline
//! that started it and the commit, each value with where it came from.
//!
//! Sources, first wins:
//! 1. flags (`--branch`, `--tag`, `--pr`, `--base-branch`, `--event`, `--pipeline`,
//!    `--commit`) or their `DEPLOY_TARGET_*` twins;
//! 2. CodeBuild's variables (`CODEBUILD_WEBHOOK_*`, `CODEBUILD_SOURCE_VERSION`,
//!    `CODEBUILD_RESOLVED_SOURCE_VERSION`, `CODEBUILD_INITIATOR`);
//! 3. the variable the config names in `branch_variable` (CodePipeline passes the branch so);
//! 4. local git (branch, tag at HEAD, HEAD commit), for dry runs on a laptop.
//!
//! The *ref* (branch, tag, pull request with its base branch and event) is taken whole from
//! the first source that names one, so a flag never mixes with a webhook's pull request or
//! a tag that git happens to see at HEAD. The commit and the pipeline are resolved on their
//! own, by the same order.

use std::fmt;

use serde::Serialize;
use slipway_core::codebuild::CodeBuildContext;
use slipway_core::env;

use crate::git::GitInfo;

/// Where a context value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, e.g. `--branch`.
    Flag(&'static str),
    /// A flag's environment twin, e.g. `DEPLOY_TARGET_BRANCH`.
    EnvTwin(&'static str),
    /// A CodeBuild variable, with its raw value when that differs from what we took.
    CodeBuild {
        variable: &'static str,
        raw: Option<String>,
    },
    /// The variable named by the config's `branch_variable`.
    BranchVariable(String),
    /// A git command run in the current directory.
    Git(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "flag {flag}"),
            Self::EnvTwin(name) => write!(f, "{name}"),
            Self::CodeBuild {
                variable,
                raw: None,
            } => write!(f, "{variable}"),
            Self::CodeBuild {
                variable,
                raw: Some(raw),
            } => write!(f, "{variable}={raw:?}"),
            Self::BranchVariable(name) => write!(f, "{name} (branch_variable)"),
            Self::Git(command) => write!(f, "{command}"),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A value and its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sourced {
    pub value: String,
    pub source: Source,
}

impl Sourced {
    pub fn new(value: impl Into<String>, source: Source) -> Self {
        Self {
            value: value.into(),
            source,
        }
    }

    fn codebuild(value: impl Into<String>, variable: &'static str, raw: Option<&str>) -> Self {
        let value = value.into();
        let raw = raw.filter(|r| *r != value).map(str::to_owned);
        Self::new(value, Source::CodeBuild { variable, raw })
    }
}

/// Context values given on the command line (or by their env twins).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub branch: Option<Sourced>,
    pub tag: Option<Sourced>,
    pub pull_request: Option<Sourced>,
    pub base_branch: Option<Sourced>,
    pub event: Option<Sourced>,
    pub pipeline: Option<Sourced>,
    pub commit: Option<Sourced>,
}

/// Everything the context is resolved from.
pub struct Inputs<'a> {
    pub overrides: &'a Overrides,
    pub codebuild: &'a CodeBuildContext,
    /// The config's `branch_variable` and that variable's value.
    pub branch_variable: Option<(&'a str, Option<String>)>,
    /// Reads local git; called only when a value is still missing.
    pub git: &'a dyn Fn() -> GitInfo,
}

/// The resolved build context.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Context {
    pub branch: Option<Sourced>,
    pub tag: Option<Sourced>,
    pub pull_request: Option<Sourced>,
    pub base_branch: Option<Sourced>,
    pub event: Option<Sourced>,
    pub pipeline: Option<Sourced>,
    pub commit: Option<Sourced>,
    /// What was seen but not used, and why (shown by `explain`).
    pub notes: Vec<String>,
}

/// The ref part of the context, taken whole from one source.
#[derive(Default)]
struct Ref {
    branch: Option<Sourced>,
    tag: Option<Sourced>,
    pull_request: Option<Sourced>,
    base_branch: Option<Sourced>,
    event: Option<Sourced>,
}

impl Ref {
    fn is_some(&self) -> bool {
        self.branch.is_some() || self.tag.is_some() || self.pull_request.is_some()
    }
}

impl Context {
    pub fn resolve(inputs: &Inputs<'_>) -> Self {
        let mut notes = Vec::new();
        let cb = inputs.codebuild;
        let flags = inputs.overrides;
        let mut git = LazyGit {
            read: inputs.git,
            info: None,
        };

        // ---- the ref
        let mut r = Ref {
            branch: flags.branch.clone(),
            tag: flags.tag.clone(),
            pull_request: flags.pull_request.clone(),
            base_branch: flags.base_branch.clone(),
            event: flags.event.clone(),
        };
        if !r.is_some() {
            r = codebuild_ref(cb, &mut notes);
        }
        if let (false, Some((name, value))) = (r.is_some(), &inputs.branch_variable) {
            match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                Some(v) => {
                    let branch = v.strip_prefix("refs/heads/").unwrap_or(v);
                    r.branch = Some(Sourced::new(
                        branch,
                        Source::BranchVariable((*name).to_owned()),
                    ));
                }
                None => notes.push(format!("{name} (branch_variable) is not set")),
            }
        }
        if !r.is_some() {
            let info = git.get().clone();
            r.branch = info
                .branch
                .map(|b| Sourced::new(b, Source::Git("git symbolic-ref --short HEAD")));
            let mut tags = info.tags.into_iter();
            r.tag = tags
                .next()
                .map(|t| Sourced::new(t, Source::Git("git tag --points-at HEAD")));
            let others: Vec<String> = tags.collect();
            if !others.is_empty() {
                notes.push(format!(
                    "git: HEAD also has the tags {}; the highest version was taken",
                    others.join(", ")
                ));
            }
        }

        // ---- the pipeline
        let pipeline = flags.pipeline.clone().or_else(|| {
            cb.pipeline().map(|name| {
                Sourced::codebuild(name, env::CODEBUILD_INITIATOR, cb.initiator.as_deref())
            })
        });

        // ---- the commit
        let commit = flags
            .commit
            .clone()
            .or_else(|| {
                cb.resolved_source_version
                    .as_ref()
                    .map(|v| Sourced::codebuild(v, env::CODEBUILD_RESOLVED_SOURCE_VERSION, None))
            })
            .or_else(|| {
                cb.source_version
                    .as_deref()
                    .filter(|v| is_commit_id(v))
                    .map(|v| Sourced::codebuild(v, env::CODEBUILD_SOURCE_VERSION, None))
            })
            .or_else(|| {
                git.get()
                    .commit
                    .clone()
                    .map(|c| Sourced::new(c, Source::Git("git rev-parse HEAD")))
            });

        if let Some(problem) = git.info.and_then(|info| info.problem) {
            notes.push(format!("git: {problem}"));
        }

        Self {
            branch: r.branch,
            tag: r.tag,
            pull_request: r.pull_request,
            base_branch: r.base_branch,
            event: r.event,
            pipeline,
            commit,
            notes,
        }
    }

    /// `branch "main" (CODEBUILD_WEBHOOK_TRIGGER="branch/main")`-style one-line summary.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |what: &str, v: &Option<Sourced>| {
            if let Some(v) = v {
                parts.push(format!("{what} {:?} from {}", v.value, v.source));
            }
        };
        add("pull request", &self.pull_request);
        add("branch", &self.branch);
        add("base branch", &self.base_branch);
        add("event", &self.event);
        add("tag", &self.tag);
        add("pipeline", &self.pipeline);
        if parts.is_empty() {
            "no branch, tag, pull request or pipeline".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Local git, read at most once and only when a value is still missing.
struct LazyGit<'a> {
    read: &'a dyn Fn() -> GitInfo,
    info: Option<GitInfo>,
}

impl LazyGit<'_> {
    fn get(&mut self) -> &GitInfo {
        self.info.get_or_insert_with(self.read)
    }
}

/// The ref CodeBuild gives: the webhook's trigger (and head/base refs), else a
/// `CODEBUILD_SOURCE_VERSION` that names a ref (`refs/heads/x`, `refs/tags/x`, `pr/N`).
fn codebuild_ref(cb: &CodeBuildContext, notes: &mut Vec<String>) -> Ref {
    let mut r = Ref::default();
    let head = cb.webhook_head_ref.as_deref();
    let event = || {
        cb.webhook_event
            .as_deref()
            .map(|e| Sourced::codebuild(e, env::CODEBUILD_WEBHOOK_EVENT, None))
    };
    let trigger = cb.webhook_trigger.as_deref();
    match trigger.map(parse_trigger) {
        Some(Some(Trigger::Branch(b))) => {
            r.branch = Some(Sourced::codebuild(
                b,
                env::CODEBUILD_WEBHOOK_TRIGGER,
                trigger,
            ));
            r.event = event();
        }
        Some(Some(Trigger::Tag(t))) => {
            r.tag = Some(Sourced::codebuild(
                t,
                env::CODEBUILD_WEBHOOK_TRIGGER,
                trigger,
            ));
            r.event = event();
        }
        Some(Some(Trigger::PullRequest(n))) => {
            r.pull_request = Some(Sourced::codebuild(
                n,
                env::CODEBUILD_WEBHOOK_TRIGGER,
                trigger,
            ));
            r.branch = head.and_then(|h| {
                h.strip_prefix("refs/heads/")
                    .map(|b| Sourced::codebuild(b, env::CODEBUILD_WEBHOOK_HEAD_REF, head))
            });
            r.base_branch = cb.webhook_base_ref.as_deref().map(|base| {
                let b = base.strip_prefix("refs/heads/").unwrap_or(base);
                Sourced::codebuild(b, env::CODEBUILD_WEBHOOK_BASE_REF, Some(base))
            });
            r.event = event();
        }
        Some(None) => notes.push(format!(
            "{}={:?} is not branch/NAME, tag/NAME or pr/NUMBER; ignored",
            env::CODEBUILD_WEBHOOK_TRIGGER,
            trigger.unwrap_or_default()
        )),
        None => {}
    }
    if r.is_some() {
        return r;
    }
    // A webhook build without a trigger (older webhooks): the head ref alone.
    if let Some(h) = head {
        if let Some(b) = h.strip_prefix("refs/heads/") {
            r.branch = Some(Sourced::codebuild(b, env::CODEBUILD_WEBHOOK_HEAD_REF, head));
        } else if let Some(t) = h.strip_prefix("refs/tags/") {
            r.tag = Some(Sourced::codebuild(t, env::CODEBUILD_WEBHOOK_HEAD_REF, head));
        }
        if r.is_some() {
            r.event = event();
            return r;
        }
    }
    // A build started by hand (or by the API) for a ref.
    if let Some(v) = cb.source_version.as_deref() {
        let sv = env::CODEBUILD_SOURCE_VERSION;
        if let Some(b) = v.strip_prefix("refs/heads/") {
            r.branch = Some(Sourced::codebuild(b, sv, Some(v)));
        } else if let Some(t) = v.strip_prefix("refs/tags/") {
            r.tag = Some(Sourced::codebuild(t, sv, Some(v)));
        } else if let Some(n) = v.strip_prefix("pr/").filter(|n| is_number(n)) {
            r.pull_request = Some(Sourced::codebuild(n, sv, Some(v)));
            r.base_branch = cb.webhook_base_ref.as_deref().map(|base| {
                let b = base.strip_prefix("refs/heads/").unwrap_or(base);
                Sourced::codebuild(b, env::CODEBUILD_WEBHOOK_BASE_REF, Some(base))
            });
            r.event = event();
        } else if !is_commit_id(v) && !v.starts_with("arn:") && !v.contains("://") {
            notes.push(format!(
                "{sv}={v:?} may be a branch or a tag name; not guessed (pass --branch or --tag)"
            ));
        }
    }
    r
}

enum Trigger<'a> {
    Branch(&'a str),
    Tag(&'a str),
    PullRequest(&'a str),
}

/// `branch/NAME`, `tag/NAME` or `pr/NUMBER` (a branch name may itself contain `/`).
fn parse_trigger(trigger: &str) -> Option<Trigger<'_>> {
    let (kind, rest) = trigger.split_once('/')?;
    if rest.is_empty() {
        return None;
    }
    match kind {
        "branch" => Some(Trigger::Branch(rest)),
        "tag" => Some(Trigger::Tag(rest)),
        "pr" if is_number(rest) => Some(Trigger::PullRequest(rest)),
        _ => None,
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A full SHA-1 or SHA-256 commit id.
pub fn is_commit_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;

    const SHA: &str = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";

    fn cb(vars: &[(&str, &str)]) -> CodeBuildContext {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CodeBuildContext::from_lookup(move |n| map.get(n).cloned())
    }

    fn no_git() -> GitInfo {
        GitInfo {
            problem: Some("not a git repository".into()),
            ..GitInfo::default()
        }
    }

    fn resolve(overrides: &Overrides, cb: &CodeBuildContext, git: &dyn Fn() -> GitInfo) -> Context {
        Context::resolve(&Inputs {
            overrides,
            codebuild: cb,
            branch_variable: None,
            git,
        })
    }

    fn value(v: &Option<Sourced>) -> Option<&str> {
        v.as_ref().map(|s| s.value.as_str())
    }

    #[test]
    fn webhook_push_to_a_branch() {
        let calls = Cell::new(0);
        let git = || {
            calls.set(calls.get() + 1);
            no_git()
        };
        let ctx = resolve(
            &Overrides::default(),
            &cb(&[
                ("CODEBUILD_WEBHOOK_TRIGGER", "branch/feature/cart"),
                ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/feature/cart"),
                ("CODEBUILD_WEBHOOK_EVENT", "PUSH"),
                ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA),
            ]),
            &git,
        );
        assert_eq!(value(&ctx.branch), Some("feature/cart"));
        assert_eq!(value(&ctx.event), Some("PUSH"));
        assert_eq!(value(&ctx.commit), Some(SHA));
        assert_eq!(
            ctx.branch.unwrap().source.to_string(),
            "CODEBUILD_WEBHOOK_TRIGGER=\"branch/feature/cart\""
        );
        assert_eq!(
            calls.get(),
            0,
            "git must not run when CodeBuild said everything"
        );
        assert!(ctx.notes.is_empty());
    }

    #[test]
    fn webhook_pull_request() {
        let ctx = resolve(
            &Overrides::default(),
            &cb(&[
                ("CODEBUILD_WEBHOOK_TRIGGER", "pr/17"),
                ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/feature/cart"),
                ("CODEBUILD_WEBHOOK_BASE_REF", "refs/heads/main"),
                ("CODEBUILD_WEBHOOK_EVENT", "PULL_REQUEST_CREATED"),
                ("CODEBUILD_SOURCE_VERSION", "pr/17"),
                ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA),
            ]),
            &no_git,
        );
        assert_eq!(value(&ctx.pull_request), Some("17"));
        assert_eq!(value(&ctx.branch), Some("feature/cart"));
        assert_eq!(value(&ctx.base_branch), Some("main"));
        assert_eq!(value(&ctx.event), Some("PULL_REQUEST_CREATED"));
    }

    #[test]
    fn flags_replace_the_whole_ref() {
        let overrides = Overrides {
            branch: Some(Sourced::new("staging", Source::Flag("--branch"))),
            ..Overrides::default()
        };
        let ctx = resolve(
            &overrides,
            &cb(&[
                ("CODEBUILD_WEBHOOK_TRIGGER", "pr/17"),
                ("CODEBUILD_WEBHOOK_BASE_REF", "refs/heads/main"),
                ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA),
            ]),
            &no_git,
        );
        assert_eq!(value(&ctx.branch), Some("staging"));
        assert_eq!(ctx.pull_request, None);
        assert_eq!(ctx.base_branch, None);
        assert_eq!(value(&ctx.commit), Some(SHA));
    }

    #[test]
    fn pipeline_builds_take_the_branch_variable() {
        let cb = cb(&[
            ("CODEBUILD_INITIATOR", "codepipeline/shop-production"),
            (
                "CODEBUILD_SOURCE_VERSION",
                "arn:aws:s3:::codepipeline-bucket/shop-production/SourceArti/Ab1.zip",
            ),
            ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA),
        ]);
        let ctx = Context::resolve(&Inputs {
            overrides: &Overrides::default(),
            codebuild: &cb,
            branch_variable: Some(("SOURCE_BRANCH", Some("main".into()))),
            git: &no_git,
        });
        assert_eq!(value(&ctx.branch), Some("main"));
        assert_eq!(
            ctx.branch.unwrap().source,
            Source::BranchVariable("SOURCE_BRANCH".into())
        );
        assert_eq!(value(&ctx.pipeline), Some("shop-production"));
        assert_eq!(value(&ctx.commit), Some(SHA));
        assert!(ctx.notes.is_empty(), "{:?}", ctx.notes);
    }

    #[test]
    fn local_git_fills_the_gaps() {
        let git = || GitInfo {
            branch: Some("main".into()),
            commit: Some(SHA.into()),
            tags: vec!["v1.10.0".into(), "v1.9.0".into()],
            problem: None,
        };
        let ctx = resolve(&Overrides::default(), &cb(&[]), &git);
        assert_eq!(value(&ctx.branch), Some("main"));
        assert_eq!(value(&ctx.tag), Some("v1.10.0"));
        assert_eq!(value(&ctx.commit), Some(SHA));
        assert_eq!(ctx.notes.len(), 1);
    }

    #[test]
    fn hand_started_builds_name_refs_in_the_source_version() {
        let ctx = resolve(
            &Overrides::default(),
            &cb(&[("CODEBUILD_SOURCE_VERSION", "refs/tags/v2.0.0")]),
            &no_git,
        );
        assert_eq!(value(&ctx.tag), Some("v2.0.0"));
        let ctx = resolve(
            &Overrides::default(),
            &cb(&[("CODEBUILD_SOURCE_VERSION", "staging")]),
            &no_git,
        );
        assert_eq!(ctx.branch, None);
        assert!(ctx.notes.iter().any(|n| n.contains("not guessed")));
        assert!(ctx.notes.iter().any(|n| n.contains("not a git repository")));
        let ctx = resolve(
            &Overrides::default(),
            &cb(&[("CODEBUILD_SOURCE_VERSION", SHA)]),
            &no_git,
        );
        assert_eq!(value(&ctx.commit), Some(SHA));
    }

    #[test]
    fn odd_triggers_are_noted_not_guessed() {
        let ctx = resolve(
            &Overrides::default(),
            &cb(&[("CODEBUILD_WEBHOOK_TRIGGER", "pr/abc")]),
            &no_git,
        );
        assert_eq!(ctx.pull_request, None);
        assert!(ctx.notes[0].contains("is not branch/NAME"));
    }
}
