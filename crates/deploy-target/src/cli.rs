//! The command line (clap derive: the doc comments are the `--help`) and its resolution into
//! one typed [`Settings`].

use std::ffi::OsString;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use slipway_core::env;
use slipway_core::exit::HELP_TABLE;

use crate::config::PULL_REQUEST_EVENTS;
use crate::context::{Overrides, Source, Sourced};
use crate::error::Error;
use crate::output::Format;

/// Decide from the build context where this build deploys, and hand it to the buildspec.
///
/// Reads an ordered list of targets from deploy-targets.toml and picks the first whose
/// conditions match this build: the branch, tag or pull request (from flags, CodeBuild's
/// webhook variables, the configured branch variable under CodePipeline, or local git), and the
/// CodePipeline that started it. Prints the target's environment, approval, services, jobs,
/// release and variables for the buildspec.
#[derive(Debug, Parser)]
#[command(
    name = "deploy-target",
    version,
    after_help = help_footer(),
    max_term_width = 100,
    propagate_version = true
)]
pub struct Cli {
    /// The targets file.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = env::DEPLOY_TARGET_CONFIG,
        default_value = "deploy-targets.toml"
    )]
    pub config: PathBuf,

    /// Print only warnings and errors on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Print the matching target's variables for the buildspec.
    ///
    /// Prints DEPLOY_TARGET, DEPLOY_ENVIRONMENT, DEPLOY_APPROVAL (true/false), DEPLOY_SERVICES
    /// and DEPLOY_JOBS (space-separated), DEPLOY_RELEASE (the commit), DEPLOY_BRANCH,
    /// DEPLOY_TAG, DEPLOY_PR, DEPLOY_PIPELINE, then the target's own variables. When nothing
    /// matches: with on_no_match = "skip" an empty DEPLOY_TARGET and exit 5; with "fail" the
    /// context and every rule on stderr and exit 3.
    #[command(after_help = help_footer())]
    Select(SelectArgs),

    /// Show the build context, where each value came from, and why each rule matched or not.
    ///
    /// Exits as `select` would: 0 when a target matches, 5 or 3 when none does.
    #[command(after_help = help_footer())]
    Explain(ExplainArgs),

    /// Validate the config: unknown keys, empty matchers, shadowed rules, duplicate names.
    ///
    /// When a Copilot workspace exists (copilot/*/manifest.yml beside the config or in the
    /// current directory), every service and job named must be a workload there of that kind.
    #[command(after_help = help_footer())]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Output format.
    #[arg(long, value_enum, env = env::DEPLOY_TARGET_FORMAT, default_value_t = Format::Shell)]
    pub format: Format,

    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The Copilot workspace folder (default: copilot/ beside the config, else ./copilot).
    #[arg(long, value_name = "DIR", env = env::DEPLOY_TARGET_COPILOT_DIR)]
    pub copilot_dir: Option<PathBuf>,
}

/// Context values that override CodeBuild's variables and git.
#[derive(Debug, Args)]
#[command(next_help_heading = "Build context (overrides CodeBuild variables and git)")]
pub struct ContextArgs {
    /// The branch pushed (or, with --pr, the pull request's head branch).
    #[arg(long, value_name = "NAME", env = env::DEPLOY_TARGET_BRANCH)]
    pub branch: Option<String>,

    /// The tag pushed.
    #[arg(long, value_name = "NAME", env = env::DEPLOY_TARGET_TAG, conflicts_with = "pr")]
    pub tag: Option<String>,

    /// The pull-request number.
    #[arg(long, value_name = "NUMBER", env = env::DEPLOY_TARGET_PR)]
    pub pr: Option<String>,

    /// The branch the pull request goes into.
    #[arg(long, value_name = "NAME", env = env::DEPLOY_TARGET_BASE_BRANCH, requires = "pr")]
    pub base_branch: Option<String>,

    /// The pull-request event.
    #[arg(
        long,
        value_name = "EVENT",
        env = env::DEPLOY_TARGET_EVENT,
        requires = "pr",
        value_parser = clap::builder::PossibleValuesParser::new(PULL_REQUEST_EVENTS)
    )]
    pub event: Option<String>,

    /// The CodePipeline name (as in CODEBUILD_INITIATOR=codepipeline/NAME).
    #[arg(long, value_name = "NAME", env = env::DEPLOY_TARGET_PIPELINE)]
    pub pipeline: Option<String>,

    /// The commit, exported as DEPLOY_RELEASE.
    #[arg(long, value_name = "SHA", env = env::DEPLOY_TARGET_COMMIT)]
    pub commit: Option<String>,
}

/// The shared exit-code table, and what the codes mean for deploy-target.
fn help_footer() -> String {
    format!(
        "{HELP_TABLE}\n\n\
         For deploy-target: 3 = no target matches and on_no_match = \"fail\"; 5 = no target \
         matches and on_no_match = \"skip\"; 2 also covers every problem `check` finds and a \
         value that --format env cannot carry."
    )
}

/// Everything a run needs, resolved from flags and their env twins.
#[derive(Clone, Debug)]
pub struct Settings {
    pub config: PathBuf,
    pub quiet: bool,
    pub command: Command,
}

#[derive(Clone, Debug)]
pub enum Command {
    Select {
        format: Format,
        overrides: Overrides,
    },
    Explain {
        json: bool,
        overrides: Overrides,
    },
    Check {
        copilot_dir: Option<PathBuf>,
    },
}

impl Settings {
    /// Parses `args` (the program name first); `Err` is clap's (help, version, usage).
    pub fn parse_from<I, T>(args: I) -> Result<Result<Self, Error>, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args)?;
        let cli = Cli::from_arg_matches(&matches)?;
        Ok(Self::resolve(cli, &matches))
    }

    fn resolve(cli: Cli, matches: &ArgMatches) -> Result<Self, Error> {
        let sub = matches.subcommand().map(|(_, m)| m);
        let command = match cli.command {
            CliCommand::Select(a) => Command::Select {
                format: a.format,
                overrides: overrides(a.context, sub)?,
            },
            CliCommand::Explain(a) => Command::Explain {
                json: a.json,
                overrides: overrides(a.context, sub)?,
            },
            CliCommand::Check(a) => Command::Check {
                copilot_dir: a.copilot_dir,
            },
        };
        Ok(Self {
            config: cli.config,
            quiet: cli.quiet,
            command,
        })
    }
}

/// The context flags, each remembering whether it came from the flag or its env twin. Empty
/// values count as not given.
fn overrides(args: ContextArgs, sub: Option<&ArgMatches>) -> Result<Overrides, Error> {
    let sourced = |id: &str, flag: &'static str, twin: &'static str, value: Option<String>| {
        value.filter(|v| !v.is_empty()).map(|v| {
            let source = match sub.and_then(|m| m.value_source(id)) {
                Some(ValueSource::EnvVariable) => Source::EnvTwin(twin),
                _ => Source::Flag(flag),
            };
            Sourced::new(v, source)
        })
    };
    let o = Overrides {
        branch: sourced("branch", "--branch", env::DEPLOY_TARGET_BRANCH, args.branch),
        tag: sourced("tag", "--tag", env::DEPLOY_TARGET_TAG, args.tag),
        pull_request: sourced("pr", "--pr", env::DEPLOY_TARGET_PR, args.pr),
        base_branch: sourced(
            "base_branch",
            "--base-branch",
            env::DEPLOY_TARGET_BASE_BRANCH,
            args.base_branch,
        ),
        event: sourced("event", "--event", env::DEPLOY_TARGET_EVENT, args.event),
        pipeline: sourced(
            "pipeline",
            "--pipeline",
            env::DEPLOY_TARGET_PIPELINE,
            args.pipeline,
        ),
        commit: sourced("commit", "--commit", env::DEPLOY_TARGET_COMMIT, args.commit),
    };
    if let Some(pr) = o
        .pull_request
        .as_ref()
        .filter(|pr| !pr.value.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::Usage(format!(
            "{}: the pull-request number must be digits, not {:?}",
            pr.source, pr.value
        )));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_remember_their_source() {
        let s = Settings::parse_from(["deploy-target", "select", "--branch", "main", "--pr", "7"])
            .unwrap()
            .unwrap();
        let Command::Select { overrides, format } = s.command else {
            panic!("not select")
        };
        assert_eq!(format, Format::Shell);
        assert_eq!(overrides.branch.unwrap().source, Source::Flag("--branch"));
        assert_eq!(overrides.pull_request.unwrap().value, "7");
    }

    #[test]
    fn pr_numbers_are_digits() {
        let err = Settings::parse_from(["deploy-target", "select", "--pr", "x"])
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("must be digits"));
    }

    #[test]
    fn tag_and_pr_conflict() {
        assert!(
            Settings::parse_from(["deploy-target", "select", "--pr", "1", "--tag", "v1"]).is_err()
        );
        assert!(
            Settings::parse_from(["deploy-target", "select", "--base-branch", "main"]).is_err()
        );
    }
}
