//! Matching targets against the context (first match wins, every rule explained), and the
//! provable shadowing of one rule by an earlier one.
//!
//! A build is a branch push, a tag push or a pull request. Targets with `pull_requests` match
//! only pull-request builds and targets without it never do: a pull request whose head
//! branch happens to be called `main` (a fork's, say) must not deploy like a push to `main`.
//! In a pull-request build `branches` matches the head branch.

use serde::Serialize;

use crate::config::{Config, Matchers, Target};
use crate::context::{Context, Sourced};
use crate::diagnostic::Problem;
use crate::pattern::PatternList;

/// One matcher's answer, for `explain`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub matcher: &'static str,
    pub ok: bool,
    pub why: String,
}

/// How one target fared against the context.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub target: String,
    pub matched: bool,
    pub checks: Vec<Check>,
}

/// Every target's verdict, in order, and the index of the first that matched.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub verdicts: Vec<Verdict>,
    pub selected: Option<usize>,
}

impl Evaluation {
    pub fn selected<'c>(&self, config: &'c Config) -> Option<&'c Target> {
        self.selected.map(|i| &config.targets[i])
    }
}

/// Evaluates every target (not only up to the first match, so `explain` can say why the
/// later ones would or would not have matched).
pub fn evaluate(config: &Config, ctx: &Context) -> Evaluation {
    let verdicts: Vec<Verdict> = config.targets.iter().map(|t| verdict(t, ctx)).collect();
    let selected = verdicts.iter().position(|v| v.matched);
    Evaluation { verdicts, selected }
}

fn verdict(target: &Target, ctx: &Context) -> Verdict {
    let m = &target.matchers;
    let mut checks = Vec::new();
    match (&m.pull_requests, &ctx.pull_request) {
        (None, Some(pr)) => checks.push(Check {
            matcher: "pull_requests",
            ok: false,
            why: format!(
                "this is a pull-request build (#{}) and the target has no pull_requests matcher",
                pr.value
            ),
        }),
        (Some(_), None) => checks.push(Check {
            matcher: "pull_requests",
            ok: false,
            why: "not a pull-request build".to_owned(),
        }),
        (Some(prm), Some(pr)) => {
            let mut ok = true;
            let mut why = vec![format!("pull request #{}", pr.value)];
            if let Some(bases) = &prm.base_branches {
                let (base_ok, base_why) = glob_check("base branch", bases, &ctx.base_branch);
                ok &= base_ok;
                why.push(base_why);
            }
            if let Some(events) = &prm.events {
                match &ctx.event {
                    None => {
                        ok = false;
                        why.push("no pull-request event in the context".to_owned());
                    }
                    Some(e) if events.iter().any(|n| n.name == e.value) => {
                        why.push(format!("event {:?} is listed", e.value));
                    }
                    Some(e) => {
                        ok = false;
                        why.push(format!("event {:?} is not listed", e.value));
                    }
                }
            }
            checks.push(Check {
                matcher: "pull_requests",
                ok,
                why: why.join("; "),
            });
        }
        (None, None) => {}
    }
    for (matcher, what, list, value) in [
        ("branches", "branch", &m.branches, &ctx.branch),
        ("tags", "tag", &m.tags, &ctx.tag),
        ("pipelines", "pipeline", &m.pipelines, &ctx.pipeline),
    ] {
        if let Some(list) = list {
            let (ok, why) = glob_check(what, list, value);
            checks.push(Check { matcher, ok, why });
        }
    }
    Verdict {
        target: target.name.clone(),
        matched: checks.iter().all(|c| c.ok),
        checks,
    }
}

fn glob_check(what: &str, list: &PatternList, value: &Option<Sourced>) -> (bool, String) {
    match value {
        None => (false, format!("no {what} in the context")),
        Some(v) => match list.find(&v.value) {
            Some(p) => (
                true,
                format!("{what} {:?} matches {:?}", v.value, p.as_str()),
            ),
            None => (
                false,
                format!("{what} {:?} matches none of {}", v.value, list.describe()),
            ),
        },
    }
}

/// Targets that can never be selected because an earlier target provably matches every
/// build they match. Only what can be proven is reported (see [`PatternList::covers`]).
pub fn shadowed(config: &Config) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, later) in config.targets.iter().enumerate() {
        if let Some(earlier) = config.targets[..i]
            .iter()
            .find(|e| covers(&e.matchers, &later.matchers))
        {
            problems.push(Problem::new(
                &config.path,
                Some(later.at),
                format!(
                    "target {:?} can never be selected: the earlier target {:?} (at {}) \
                     matches every build it matches",
                    later.name, earlier.name, earlier.at
                ),
            ));
        }
    }
    problems
}

/// Provably: every build `b` matches is matched by `a`.
fn covers(a: &Matchers, b: &Matchers) -> bool {
    fn list(a: &Option<PatternList>, b: &Option<PatternList>) -> bool {
        match (a, b) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a.covers(b),
        }
    }
    let prs = match (&a.pull_requests, &b.pull_requests) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            list(&a.base_branches, &b.base_branches)
                && match (&a.events, &b.events) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(ae), Some(be)) => be.iter().all(|e| ae.iter().any(|x| x.name == e.name)),
                }
        }
        _ => false,
    };
    prs && list(&a.branches, &b.branches)
        && list(&a.tags, &b.tags)
        && list(&a.pipelines, &b.pipelines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Source;
    use std::path::Path;

    fn config(text: &str) -> Config {
        Config::parse(Path::new("t.toml"), text).unwrap()
    }

    fn sourced(v: &str) -> Option<Sourced> {
        Some(Sourced::new(v, Source::Flag("--test")))
    }

    const TEAM: &str = r#"
[[target]]
name = "preview"
pull_requests = { base_branches = ["main"], events = ["PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED"] }

[[target]]
name = "staging"
branches = ["staging"]

[[target]]
name = "production"
branches = ["main"]
approval = true

[[target]]
name = "release"
tags = ["v*"]

[[target]]
name = "pipeline-prod"
pipelines = ["shop-*"]
branches = ["main", "release/*"]
"#;

    fn selected(ctx: &Context) -> Option<String> {
        let c = config(TEAM);
        evaluate(&c, ctx).selected(&c).map(|t| t.name.clone())
    }

    #[test]
    fn first_match_wins() {
        let ctx = Context {
            branch: sourced("main"),
            pipeline: sourced("shop-prod"),
            ..Context::default()
        };
        assert_eq!(selected(&ctx).as_deref(), Some("production"));
        let ctx = Context {
            branch: sourced("release/2"),
            pipeline: sourced("shop-prod"),
            ..Context::default()
        };
        assert_eq!(selected(&ctx).as_deref(), Some("pipeline-prod"));
        let ctx = Context {
            tag: sourced("v1.2.0"),
            ..Context::default()
        };
        assert_eq!(selected(&ctx).as_deref(), Some("release"));
    }

    #[test]
    fn all_matcher_kinds_must_match() {
        let ctx = Context {
            branch: sourced("release/2"),
            ..Context::default()
        };
        let c = config(TEAM);
        let ev = evaluate(&c, &ctx);
        assert_eq!(ev.selected, None);
        let v = &ev.verdicts[4];
        assert!(!v.matched);
        assert_eq!(
            v.checks,
            vec![
                Check {
                    matcher: "branches",
                    ok: true,
                    why: "branch \"release/2\" matches \"release/*\"".into()
                },
                Check {
                    matcher: "pipelines",
                    ok: false,
                    why: "no pipeline in the context".into()
                },
            ]
        );
    }

    #[test]
    fn pull_requests_only_match_pull_request_targets() {
        // A pull request from a branch called "main" (a fork's) into main.
        let ctx = Context {
            pull_request: sourced("5"),
            branch: sourced("main"),
            base_branch: sourced("main"),
            event: sourced("PULL_REQUEST_UPDATED"),
            ..Context::default()
        };
        assert_eq!(selected(&ctx).as_deref(), Some("preview"));
        let ctx = Context {
            event: sourced("PULL_REQUEST_MERGED"),
            ..ctx
        };
        assert_eq!(selected(&ctx), None);
        let ctx = Context {
            pull_request: sourced("6"),
            base_branch: sourced("staging"),
            event: sourced("PULL_REQUEST_CREATED"),
            ..Context::default()
        };
        assert_eq!(selected(&ctx), None);
    }

    #[test]
    fn shadowing_is_found_when_provable() {
        let c = config(
            r#"
[[target]]
name = "any-feature"
branches = ["feature/**", "hotfix-*"]

[[target]]
name = "cart"
branches = ["feature/cart"]

[[target]]
name = "top-level"
branches = ["*"]

[[target]]
name = "main"
branches = ["main"]

[[target]]
name = "main-pipeline"
branches = ["main"]
pipelines = ["shop"]

[[target]]
name = "main-or-other"
branches = ["main", "other/x"]

[[target]]
name = "v1"
tags = ["v1*"]

[[target]]
name = "v1.2"
tags = ["v1.2*"]
"#,
        );
        let found: Vec<String> = shadowed(&c).iter().map(|p| p.to_string()).collect();
        assert_eq!(
            found,
            vec![
                "t.toml:7:8: target \"cart\" can never be selected: the earlier target \"any-feature\" (at 3:8) matches every build it matches",
                "t.toml:15:8: target \"main\" can never be selected: the earlier target \"top-level\" (at 11:8) matches every build it matches",
                "t.toml:19:8: target \"main-pipeline\" can never be selected: the earlier target \"top-level\" (at 11:8) matches every build it matches",
            ]
        );
    }

    #[test]
    fn pull_request_rules_shadow_by_base_and_events() {
        let c = config(
            r#"
[[target]]
name = "all-prs"
pull_requests = {}

[[target]]
name = "prs-into-main"
pull_requests = { base_branches = ["main"] }
"#,
        );
        assert_eq!(shadowed(&c).len(), 1);
        let c = config(
            r#"
[[target]]
name = "created"
pull_requests = { events = ["PULL_REQUEST_CREATED"] }

[[target]]
name = "all"
pull_requests = {}
"#,
        );
        assert!(shadowed(&c).is_empty());
    }
}
