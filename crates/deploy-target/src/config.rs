//! `deploy-targets.toml`: parsed strictly (unknown keys are errors), then validated into a
//! [`Config`] whose every part remembers where it was written.
//!
//! ```toml
//! branch_variable = "SOURCE_BRANCH"   # optional: the branch under CodePipeline
//! on_no_match = "fail"                # or "skip"; default "fail"
//!
//! [[target]]
//! name = "production"
//! branches = ["main"]                 # matchers: branches, tags, pipelines, pull_requests
//! approval = true
//! services = ["web", "worker"]
//! jobs = ["report-mailer"]
//! variables = { RAILS_ENV = "production" }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Location, Problem};
use crate::error::Error;
use crate::output;
use crate::pattern::{Pattern, PatternList};

/// The pull-request events CodeBuild reports in `CODEBUILD_WEBHOOK_EVENT`.
pub const PULL_REQUEST_EVENTS: [&str; 5] = [
    "PULL_REQUEST_CREATED",
    "PULL_REQUEST_UPDATED",
    "PULL_REQUEST_REOPENED",
    "PULL_REQUEST_MERGED",
    "PULL_REQUEST_CLOSED",
];

/// Variable names a target may not set: they change how the shell that `eval`s our output
/// (or the build after it) behaves, or they are CodeBuild's or our own inputs.
const SHELL_VARIABLES: [&str; 16] = [
    "PATH",
    "IFS",
    "ENV",
    "BASH_ENV",
    "CDPATH",
    "HOME",
    "SHELL",
    "SHELLOPTS",
    "BASHOPTS",
    "PS1",
    "PS2",
    "PS4",
    "PROMPT_COMMAND",
    "PWD",
    "OLDPWD",
    "LD_PRELOAD",
];
const RESERVED_PREFIXES: [&str; 4] = ["DEPLOY_TARGET_", "CODEBUILD_", "BASH_", "LD_"];

/// What `select` does when no target matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnNoMatch {
    /// An error (exit 3) that lists the context and every rule.
    #[default]
    Fail,
    /// Print `DEPLOY_TARGET=` (empty) and exit 5, "nothing to do".
    Skip,
}

impl fmt::Display for OnNoMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fail => "fail",
            Self::Skip => "skip",
        })
    }
}

/// A validated config.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file as the user named it (used in every message).
    pub path: PathBuf,
    pub branch_variable: Option<String>,
    pub on_no_match: OnNoMatch,
    pub targets: Vec<Target>,
}

/// One `[[target]]`, in file order.
#[derive(Clone, Debug)]
pub struct Target {
    pub name: String,
    /// Where the target's `name` is written.
    pub at: Location,
    pub environment: String,
    pub approval: bool,
    pub services: Vec<Named>,
    pub jobs: Vec<Named>,
    /// `variables`, sorted by name.
    pub variables: Vec<(String, String)>,
    pub matchers: Matchers,
}

/// A name with where it is written.
#[derive(Clone, Debug)]
pub struct Named {
    pub name: String,
    pub at: Location,
}

/// The match conditions of a target. Each present matcher must match (all kinds); within one
/// matcher, any of its entries may match.
#[derive(Clone, Debug, Default)]
pub struct Matchers {
    pub branches: Option<PatternList>,
    pub tags: Option<PatternList>,
    pub pipelines: Option<PatternList>,
    pub pull_requests: Option<PullRequests>,
}

/// `pull_requests = { base_branches = [...], events = [...] }`; either may be left out to
/// mean "any".
#[derive(Clone, Debug)]
pub struct PullRequests {
    pub at: Location,
    pub base_branches: Option<PatternList>,
    pub events: Option<Vec<Named>>,
}

impl Config {
    /// Reads and validates the config at `path`.
    pub fn load(path: &Path) -> Result<Self, Error> {
        // std::fs, not fs_err: the error names the file already, once.
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text).map_err(Error::InvalidConfig)
    }

    /// Parses and validates `text`; every problem found, located, or the config.
    pub fn parse(path: &Path, text: &str) -> Result<Self, Vec<Problem>> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| Location::of_span(text, &s));
            vec![Problem::new(path, at, e.message().trim_end())]
        })?;
        Validator {
            path,
            text,
            problems: Vec::new(),
        }
        .validate(raw)
    }

    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name)
    }
}

// ---- the file as written ---------------------------------------------------------------

type Strings = Spanned<Vec<Spanned<String>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    branch_variable: Option<Spanned<String>>,
    on_no_match: Option<OnNoMatch>,
    #[serde(default)]
    target: Vec<RawTarget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Spanned<String>,
    environment: Option<Spanned<String>>,
    #[serde(default)]
    approval: bool,
    services: Option<Strings>,
    jobs: Option<Strings>,
    #[serde(default)]
    variables: BTreeMap<Spanned<String>, VarValue>,
    branches: Option<Strings>,
    tags: Option<Strings>,
    pipelines: Option<Strings>,
    pull_requests: Option<Spanned<RawPullRequests>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPullRequests {
    base_branches: Option<Strings>,
    events: Option<Strings>,
}

/// A variable's value: a string, or an integer or boolean written without quotes.
struct VarValue(String);

impl<'de> Deserialize<'de> for VarValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = VarValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, integer or boolean")
            }
            fn visit_str<E>(self, v: &str) -> Result<VarValue, E> {
                Ok(VarValue(v.to_owned()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<VarValue, E> {
                Ok(VarValue(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<VarValue, E> {
                Ok(VarValue(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<VarValue, E> {
                Ok(VarValue(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

// ---- validation -------------------------------------------------------------------------

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn at<T>(&self, s: &Spanned<T>) -> Location {
        Location::of_span(self.text, &s.span())
    }

    fn problem(&mut self, at: Location, message: impl Into<String>) {
        self.problems
            .push(Problem::new(self.path, Some(at), message.into()));
    }

    fn validate(mut self, raw: RawConfig) -> Result<Config, Vec<Problem>> {
        let branch_variable = raw.branch_variable.map(|v| {
            if !output::is_shell_identifier(v.get_ref()) {
                let at = self.at(&v);
                self.problem(
                    at,
                    format!(
                        "branch_variable {:?} is not an environment variable name \
                         (letters, digits and _, not starting with a digit)",
                        v.get_ref()
                    ),
                );
            }
            v.into_inner()
        });
        if raw.target.is_empty() {
            self.problem(
                Location { line: 1, column: 1 },
                "no targets: add at least one [[target]] table",
            );
        }
        let mut targets: Vec<Target> = Vec::new();
        let mut first_at: HashMap<String, Location> = HashMap::new();
        for raw_target in raw.target {
            let target = self.target(raw_target);
            if let Some(first) = first_at.get(&target.name) {
                let message = format!(
                    "duplicate target name {:?} (first defined at {first})",
                    target.name
                );
                self.problem(target.at, message);
            } else {
                first_at.insert(target.name.clone(), target.at);
            }
            targets.push(target);
        }
        if self.problems.is_empty() {
            Ok(Config {
                path: self.path.to_owned(),
                branch_variable,
                on_no_match: raw.on_no_match.unwrap_or_default(),
                targets,
            })
        } else {
            self.problems.sort_by_key(|p| p.at);
            Err(self.problems)
        }
    }

    fn target(&mut self, raw: RawTarget) -> Target {
        let at = self.at(&raw.name);
        let name = raw.name.get_ref().clone();
        self.check_name(at, "target name", &name);
        let label = format!("target {name:?}");

        let environment = match raw.environment {
            Some(env) => {
                let env_at = self.at(&env);
                self.check_name(env_at, &format!("{label}: environment"), env.get_ref());
                env.into_inner()
            }
            None => name.clone(),
        };

        let services = self.names(&label, "services", raw.services);
        let jobs = self.names(&label, "jobs", raw.jobs);
        for job in &jobs {
            if services.iter().any(|s| s.name == job.name) {
                let message = format!(
                    "{label}: {:?} is listed both as a service and as a job",
                    job.name
                );
                self.problem(job.at, message);
            }
        }

        let mut variables = Vec::new();
        for (key, value) in raw.variables {
            let key_at = self.at(&key);
            let key = key.into_inner();
            if let Some(why) = variable_name_problem(&key) {
                self.problem(key_at, format!("{label}: variable {key:?} {why}"));
            }
            variables.push((key, value.0));
        }

        let pull_requests = raw.pull_requests.map(|pr| {
            let pr_at = self.at(&pr);
            let pr = pr.into_inner();
            let base_branches =
                self.patterns(&label, "pull_requests.base_branches", pr.base_branches);
            let events = pr.events.map(|events| {
                let events = self.list(&label, "pull_requests.events", events);
                for event in &events {
                    if !PULL_REQUEST_EVENTS.contains(&event.name.as_str()) {
                        let message = format!(
                            "{label}: unknown pull-request event {:?}; expected one of {}",
                            event.name,
                            PULL_REQUEST_EVENTS.join(", ")
                        );
                        self.problem(event.at, message);
                    }
                }
                events
            });
            PullRequests {
                at: pr_at,
                base_branches,
                events,
            }
        });
        let matchers = Matchers {
            branches: self.patterns(&label, "branches", raw.branches),
            tags: self.patterns(&label, "tags", raw.tags),
            pipelines: self.patterns(&label, "pipelines", raw.pipelines),
            pull_requests,
        };
        if matchers.branches.is_none()
            && matchers.tags.is_none()
            && matchers.pipelines.is_none()
            && matchers.pull_requests.is_none()
        {
            self.problem(
                at,
                format!(
                    "{label} has no match conditions (branches, tags, pipelines or \
                     pull_requests); to match every branch write branches = [\"**\"]"
                ),
            );
        }
        if let (Some(tags), Some(_)) = (
            matchers.tags.as_ref().filter(|t| !t.patterns.is_empty()),
            &matchers.pull_requests,
        ) {
            self.problem(
                tags.at,
                format!("{label} can never match: a pull-request build has no tag"),
            );
        }

        Target {
            name,
            at,
            environment,
            approval: raw.approval,
            services,
            jobs,
            variables,
            matchers,
        }
    }

    /// A non-empty list of strings, none empty or repeated.
    fn list(&mut self, label: &str, key: &str, raw: Strings) -> Vec<Named> {
        let list_at = self.at(&raw);
        let items = raw.into_inner();
        if items.is_empty() {
            self.problem(
                list_at,
                format!("{label}: {key} is an empty list, which matches nothing; remove it or list at least one entry"),
            );
        }
        let mut seen: Vec<Named> = Vec::new();
        for item in items {
            let at = self.at(&item);
            let name = item.into_inner();
            if name.is_empty() {
                self.problem(at, format!("{label}: {key} has an empty entry"));
            } else if let Some(first) = seen.iter().find(|n| n.name == name) {
                let message = format!(
                    "{label}: {key} lists {name:?} twice (first at {})",
                    first.at
                );
                self.problem(at, message);
            }
            seen.push(Named { name, at });
        }
        seen
    }

    fn patterns(&mut self, label: &str, key: &str, raw: Option<Strings>) -> Option<PatternList> {
        let raw = raw?;
        let list_at = self.at(&raw);
        let entries = self.list(label, key, raw);
        let mut patterns = Vec::new();
        for entry in entries {
            match Pattern::new(&entry.name, entry.at) {
                Ok(p) => patterns.push(p),
                Err(why) if !entry.name.is_empty() => {
                    self.problem(
                        entry.at,
                        format!("{label}: {key}: invalid glob {:?}: {why}", entry.name),
                    );
                }
                Err(_) => {}
            }
        }
        Some(PatternList {
            patterns,
            at: list_at,
        })
    }

    /// Service or job names: ECS/Copilot names, which also keeps the space-separated
    /// `DEPLOY_SERVICES`/`DEPLOY_JOBS` lists unambiguous.
    fn names(&mut self, label: &str, key: &str, raw: Option<Strings>) -> Vec<Named> {
        let Some(raw) = raw else {
            return Vec::new();
        };
        let names = raw
            .into_inner()
            .into_iter()
            .map(|s| Named {
                at: self.at(&s),
                name: s.into_inner(),
            })
            .collect::<Vec<_>>();
        let mut seen: Vec<&Named> = Vec::new();
        let mut problems = Vec::new();
        for named in &names {
            if let Some(why) = name_problem(&named.name) {
                problems.push((named.at, format!("{label}: {key}: {:?} {why}", named.name)));
            } else if let Some(first) = seen.iter().find(|n| n.name == named.name) {
                problems.push((
                    named.at,
                    format!(
                        "{label}: {key} lists {:?} twice (first at {})",
                        named.name, first.at
                    ),
                ));
            }
            seen.push(named);
        }
        for (at, message) in problems {
            self.problem(at, message);
        }
        names
    }

    fn check_name(&mut self, at: Location, what: &str, name: &str) {
        if let Some(why) = name_problem(name) {
            self.problem(at, format!("{what} {name:?} {why}"));
        }
    }
}

/// Target, environment, service and job names: `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 255.
fn name_problem(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    match chars.next() {
        None => Some("is empty"),
        Some(c) if !c.is_ascii_alphanumeric() => Some("must start with a letter or digit"),
        _ if name.len() > 255 => Some("is longer than 255 characters"),
        _ if !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) => {
            Some("may only contain letters, digits, '.', '_' and '-'")
        }
        _ => None,
    }
}

/// Why a target may not set variable `key`, if it may not.
fn variable_name_problem(key: &str) -> Option<String> {
    if !output::is_shell_identifier(key) {
        return Some(
            "is not a shell variable name (letters, digits and _, not starting with a digit)"
                .to_owned(),
        );
    }
    if output::OUTPUT_KEYS.contains(&key) {
        return Some(format!(
            "would override the {key} that deploy-target itself sets"
        ));
    }
    if SHELL_VARIABLES.contains(&key) {
        return Some("would change how the shell running the buildspec behaves".to_owned());
    }
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| key.starts_with(**p)) {
        return Some(format!("uses the reserved prefix {prefix}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<String>> {
        Config::parse(Path::new("t.toml"), text)
            .map_err(|ps| ps.into_iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn a_full_config_parses() {
        let config = parse(
            r#"
branch_variable = "SOURCE_BRANCH"
on_no_match = "skip"

[[target]]
name = "preview"
pull_requests = { base_branches = ["main"], events = ["PULL_REQUEST_CREATED"] }

[[target]]
name = "production"
environment = "prod"
branches = ["main"]
approval = true
services = ["web", "worker"]
jobs = ["report-mailer"]
variables = { RAILS_ENV = "production", WORKERS = 4, MAINTENANCE = false }
"#,
        )
        .unwrap();
        assert_eq!(config.branch_variable.as_deref(), Some("SOURCE_BRANCH"));
        assert_eq!(config.on_no_match, OnNoMatch::Skip);
        let preview = config.target("preview").unwrap();
        assert_eq!(preview.environment, "preview");
        assert!(!preview.approval);
        assert!(preview.services.is_empty());
        let prod = config.target("production").unwrap();
        assert_eq!(prod.environment, "prod");
        assert_eq!(
            prod.at,
            Location {
                line: 10,
                column: 8
            }
        );
        assert_eq!(
            prod.variables,
            vec![
                ("MAINTENANCE".to_owned(), "false".to_owned()),
                ("RAILS_ENV".to_owned(), "production".to_owned()),
                ("WORKERS".to_owned(), "4".to_owned()),
            ]
        );
    }

    #[test]
    fn unknown_keys_are_located() {
        let errs = parse("[[target]]\nname = \"x\"\nbranch = [\"main\"]\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].starts_with("t.toml:3:1: unknown field `branch`"),
            "{errs:?}"
        );
    }

    #[test]
    fn every_validation_problem_is_reported_at_once() {
        let errs = parse(
            r#"
[[target]]
name = "a"
branches = []

[[target]]
name = "a"
tags = ["v*"]
variables = { DEPLOY_TARGET = "x", "bad-name" = "y", PATH = "/tmp" }
"#,
        )
        .unwrap_err();
        assert_eq!(errs.len(), 5, "{errs:#?}");
        assert!(errs[0].starts_with("t.toml:4:12: target \"a\": branches is an empty list"));
        assert!(
            errs[1].starts_with("t.toml:7:8: duplicate target name \"a\" (first defined at 3:8)")
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("would override the DEPLOY_TARGET"))
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("\"bad-name\" is not a shell variable name"))
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("\"PATH\" would change how the shell"))
        );
    }

    #[test]
    fn names_are_plain() {
        assert_eq!(name_problem("web-1.api_x"), None);
        assert!(name_problem("").is_some());
        assert!(name_problem("-web").is_some());
        assert!(name_problem("web api").is_some());
        assert!(name_problem("web;rm").is_some());
    }

    #[test]
    fn variable_names_are_guarded() {
        assert_eq!(variable_name_problem("RAILS_ENV"), None);
        assert_eq!(variable_name_problem("AWS_REGION"), None);
        assert!(variable_name_problem("DEPLOY_SERVICES").is_some());
        assert!(variable_name_problem("DEPLOY_TARGET_CONFIG").is_some());
        assert!(variable_name_problem("CODEBUILD_BUILD_ID").is_some());
        assert!(variable_name_problem("IFS").is_some());
        assert!(variable_name_problem("1X").is_some());
    }
}
