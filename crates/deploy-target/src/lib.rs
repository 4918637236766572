//! `deploy-target`: decide from the build context where this build deploys, and hand it to
//! the buildspec.
//!
//! - [`config`]: `deploy-targets.toml`, parsed strictly and validated with locations.
//! - [`context`]: branch, tag, pull request, pipeline and commit, each with its source.
//! - [`rules`]: first-match evaluation with reasons, and provable shadowing.
//! - [`output`]: the `shell` / `env` / `json` renderings of a selection.
//! - [`explain`]: the human report; [`copilot`]: the workspace cross-check.
//!
//! The binary (`main.rs`) parses flags into [`cli::Settings`] and calls [`run`].

pub mod cli;
pub mod config;
pub mod context;
pub mod copilot;
pub mod diagnostic;
pub mod error;
pub mod explain;
pub mod git;
pub mod output;
pub mod pattern;
pub mod rules;

use slipway_core::codebuild::CodeBuildContext;
use slipway_core::{ExitCode, Printer};

use crate::cli::{Command, Settings};
use crate::config::{Config, OnNoMatch};
use crate::context::{Context, Inputs, Overrides};
use crate::copilot::{Kind, Workspace};
use crate::error::Error;
use crate::git::GitInfo;
use crate::output::{Format, Selection};
use crate::rules::Evaluation;

/// What the outside world supplies: environment variables and local git. The binary passes
/// the real ones; the seam keeps the library free of global state.
pub struct World<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub git: &'a dyn Fn() -> GitInfo,
}

/// Runs the command `settings` describes; the exit code on success (0, or 5 for "nothing
/// to do"), the error otherwise.
pub fn run(settings: &Settings, world: &World<'_>, printer: Printer) -> Result<ExitCode, Error> {
    match &settings.command {
        Command::Select { format, overrides } => {
            select(settings, *format, overrides, world, printer)
        }
        Command::Explain { json, overrides } => explain(settings, *json, overrides, world, printer),
        Command::Check { copilot_dir } => check(settings, copilot_dir.as_deref(), printer),
    }
}

/// Loads the config, resolves the context and evaluates every rule.
fn decide(
    settings: &Settings,
    overrides: &Overrides,
    world: &World<'_>,
    printer: Printer,
) -> Result<(Config, Context, Evaluation), Error> {
    let config = Config::load(&settings.config)?;
    for problem in rules::shadowed(&config) {
        printer.warn(problem.to_string());
    }
    let codebuild = CodeBuildContext::from_lookup(world.var);
    let branch_variable = config
        .branch_variable
        .as_deref()
        .map(|name| (name, (world.var)(name)));
    let ctx = Context::resolve(&Inputs {
        overrides,
        codebuild: &codebuild,
        branch_variable,
        git: world.git,
    });
    let ev = rules::evaluate(&config, &ctx);
    Ok((config, ctx, ev))
}

fn select(
    settings: &Settings,
    format: Format,
    overrides: &Overrides,
    world: &World<'_>,
    printer: Printer,
) -> Result<ExitCode, Error> {
    let (config, ctx, ev) = decide(settings, overrides, world, printer)?;
    let target = ev.selected(&config);
    if target.is_none() && config.on_no_match == OnNoMatch::Fail {
        for line in explain::context_lines(&ctx)
            .into_iter()
            .chain(explain::rule_lines(&config, &ev))
        {
            printer.info(line);
        }
        return Err(Error::NoMatch {
            context: ctx.describe(),
        });
    }
    // Render everything before printing anything: a value the format cannot carry must
    // leave stdout empty, not half-written.
    let text = Selection::new(target, &ctx).render(format)?;
    printer.data(text.trim_end_matches('\n'));
    match target {
        Some(t) => {
            if ctx.commit.is_none() {
                printer.warn("no commit is known (no --commit, CodeBuild variable or git); DEPLOY_RELEASE is empty");
            }
            printer.info(format!(
                "deploy-target: selected {:?} ({}) for {}",
                t.name,
                explain::describe_target(t),
                ctx.describe()
            ));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            printer.info(format!(
                "deploy-target: no target matches {}; on_no_match = \"skip\": nothing to deploy (exit 5)",
                ctx.describe()
            ));
            Ok(ExitCode::NOTHING_TO_DO)
        }
    }
}

fn explain(
    settings: &Settings,
    json: bool,
    overrides: &Overrides,
    world: &World<'_>,
    printer: Printer,
) -> Result<ExitCode, Error> {
    let (config, ctx, ev) = decide(settings, overrides, world, printer)?;
    if json {
        let report = explain::Report::new(&config, &ctx, &ev);
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::Unexpected(format!("failed to write JSON: {e}")))?;
        printer.data(text);
    } else {
        for line in explain::report_lines(&config, &ctx, &ev) {
            printer.data(line);
        }
    }
    let code = match (ev.selected(&config), config.on_no_match) {
        (Some(t), _) => {
            printer.info(format!(
                "deploy-target explain: select would choose {:?}",
                t.name
            ));
            ExitCode::SUCCESS
        }
        (None, OnNoMatch::Skip) => {
            printer.info("deploy-target explain: no target matches; select would exit 5 (skip)");
            ExitCode::NOTHING_TO_DO
        }
        (None, OnNoMatch::Fail) => {
            printer.info("deploy-target explain: no target matches; select would fail (exit 3)");
            ExitCode::FAILED
        }
    };
    Ok(code)
}

/// Reports every problem (one `error:` line each), then a one-line summary; exits 2 when
/// there is any problem.
fn check(
    settings: &Settings,
    copilot_dir: Option<&std::path::Path>,
    printer: Printer,
) -> Result<ExitCode, Error> {
    let path = settings.config.display();
    let config = match Config::load(&settings.config) {
        Ok(c) => c,
        Err(Error::InvalidConfig(problems)) => {
            for p in &problems {
                printer.error(p.to_string());
            }
            printer.info(summary(
                &path,
                problems.len(),
                "shadowing and Copilot names are checked once these are fixed",
            ));
            return Ok(ExitCode::USAGE);
        }
        Err(e) => return Err(e),
    };
    let mut problems = rules::shadowed(&config);
    for target in &config.targets {
        for (key, value) in &target.variables {
            if value.chars().any(char::is_control) {
                printer.warn(format!(
                    "{}:{}: target {:?}: variable {key} holds a control character (a newline?); \
                     select --format env will refuse it (shell and json carry it)",
                    config.path.display(),
                    target.at,
                    target.name
                ));
            }
        }
    }
    let workspace_dir = match copilot_dir {
        Some(dir) => Some(dir.to_owned()),
        None => Workspace::find(&settings.config),
    };
    let workspace = workspace_dir.map(|dir| Workspace::read(&dir)).transpose()?;
    let copilot = match &workspace {
        Some(ws) => {
            problems.extend(ws.problems.iter().cloned());
            problems.extend(ws.check(&config));
            format!(
                "{}; service and job names checked against the Copilot workspace {} \
                 ({} services, {} jobs)",
                plural(config.targets.len(), "target"),
                ws.dir.display(),
                ws.count(Kind::Service),
                ws.count(Kind::Job)
            )
        }
        None => format!(
            "{}; no Copilot workspace found, service and job names not checked",
            plural(config.targets.len(), "target")
        ),
    };
    for p in &problems {
        printer.error(p.to_string());
    }
    printer.info(summary(&path, problems.len(), &copilot));
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::USAGE
    })
}

fn summary(path: &impl std::fmt::Display, problems: usize, detail: &str) -> String {
    match problems {
        0 => format!("deploy-target check: {path} is valid: {detail}"),
        n => format!(
            "deploy-target check: {path} has {}: {detail}",
            plural(n, "problem")
        ),
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
