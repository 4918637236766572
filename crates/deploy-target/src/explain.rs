//! The human report of `explain` (and of a failed `select`): the context and where each
//! value came from, then every rule and why it matched or not.
//!
//! Values are printed `{:?}`-escaped, so a hostile branch name cannot move the cursor or
//! fake a line in a terminal or a CodeBuild log.

use serde::Serialize;

use crate::config::{Config, OnNoMatch, Target};
use crate::context::{Context, Sourced};
use crate::rules::{Evaluation, Verdict};

/// `explain --json`.
#[derive(Serialize)]
pub struct Report<'a> {
    pub config: String,
    pub on_no_match: OnNoMatch,
    pub branch_variable: Option<&'a str>,
    pub context: &'a Context,
    pub rules: &'a [Verdict],
    pub selected: Option<&'a str>,
}

impl<'a> Report<'a> {
    pub fn new(config: &'a Config, ctx: &'a Context, ev: &'a Evaluation) -> Self {
        Self {
            config: config.path.display().to_string(),
            on_no_match: config.on_no_match,
            branch_variable: config.branch_variable.as_deref(),
            context: ctx,
            rules: &ev.verdicts,
            selected: ev.selected(config).map(|t| t.name.as_str()),
        }
    }
}

/// The context block: one line per value, with its source.
pub fn context_lines(ctx: &Context) -> Vec<String> {
    let rows: [(&str, &Option<Sourced>); 7] = [
        ("branch", &ctx.branch),
        ("tag", &ctx.tag),
        ("pull request", &ctx.pull_request),
        ("base branch", &ctx.base_branch),
        ("event", &ctx.event),
        ("pipeline", &ctx.pipeline),
        ("commit", &ctx.commit),
    ];
    let mut lines = vec!["context:".to_owned()];
    for (what, value) in rows {
        lines.push(match value {
            Some(v) => format!("  {what:<13} {:?}  from {}", v.value, v.source),
            None => format!("  {what:<13} -"),
        });
    }
    for note in &ctx.notes {
        lines.push(format!("  note: {note}"));
    }
    lines
}

/// The rules block: each target, whether it matched, and each matcher's reason.
pub fn rule_lines(config: &Config, ev: &Evaluation) -> Vec<String> {
    let mut lines = vec!["rules (first match wins):".to_owned()];
    for (i, (target, verdict)) in config.targets.iter().zip(&ev.verdicts).enumerate() {
        let status = match (verdict.matched, ev.selected) {
            (true, Some(s)) if s == i => "MATCH (selected)".to_owned(),
            (true, Some(s)) => format!("would match, but {:?} comes first", config.targets[s].name),
            (true, None) => "MATCH".to_owned(),
            (false, _) => "no match".to_owned(),
        };
        lines.push(format!(
            "  {}. {:?} (line {}): {status}",
            i + 1,
            target.name,
            target.at.line
        ));
        for check in &verdict.checks {
            let mark = if check.ok { '+' } else { '-' };
            lines.push(format!("       {mark} {}: {}", check.matcher, check.why));
        }
    }
    lines
}

/// `environment "production", approval required, services: web worker, jobs: none`.
pub fn describe_target(target: &Target) -> String {
    let list = |names: &[crate::config::Named]| {
        if names.is_empty() {
            "none".to_owned()
        } else {
            names
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    format!(
        "environment {:?}, {}, services: {}, jobs: {}",
        target.environment,
        if target.approval {
            "approval required"
        } else {
            "no approval"
        },
        list(&target.services),
        list(&target.jobs)
    )
}

/// The whole text report of `explain`.
pub fn report_lines(config: &Config, ctx: &Context, ev: &Evaluation) -> Vec<String> {
    let mut lines = vec![format!(
        "config: {} ({} target{}, on_no_match = \"{}\", branch_variable = {})",
        config.path.display(),
        config.targets.len(),
        if config.targets.len() == 1 { "" } else { "s" },
        config.on_no_match,
        config.branch_variable.as_deref().unwrap_or("none"),
    )];
    lines.push(String::new());
    lines.extend(context_lines(ctx));
    lines.push(String::new());
    lines.extend(rule_lines(config, ev));
    lines.push(String::new());
    lines.push(match ev.selected(config) {
        Some(t) => format!("result: {:?}: {}", t.name, describe_target(t)),
        None => match config.on_no_match {
            OnNoMatch::Skip => {
                "result: no target matches; on_no_match = \"skip\": select prints an empty \
                 DEPLOY_TARGET and exits 5 (nothing to do)"
                    .to_owned()
            }
            OnNoMatch::Fail => {
                "result: no target matches; on_no_match = \"fail\": select fails with exit 3"
                    .to_owned()
            }
        },
    });
    lines
}
