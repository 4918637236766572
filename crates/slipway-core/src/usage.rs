//! Command-line usage errors, one line each.
//!
//! clap renders a usage error over several lines: the error, a blank line, its tips, the
//! usage line, `For more information, try '--help'.`. Slipway's rule is one `error:` line per
//! failure, so [`report`] prints the same error as
//!
//! ```text
//! error: unexpected argument '--buckt' found (tip: a similar argument exists: '--bucket'); see 'asset-sync upload --help'
//! ```
//!
//! keeping clap's words for the error and its tips (a similar argument, value or subcommand;
//! the possible values; every missing argument, comma-separated), dropping the usage and
//! "For more information" lines, and naming the `--help` that documents the argument at
//! fault: the subcommand's when the error is in a subcommand. `--help` and `--version` print
//! as clap prints them, on stdout, exit 0; every error exits 2 (`USAGE`).
//!
//! clap's structured API gives the error's kind and context (what the user typed, the
//! subcommands it lists), and its parser, run again with errors ignored, the subcommand the
//! error arose in; it does not give clap's sentences, so those are read from the rendered
//! text, without colour, in [`fold`] alone. The line is plain text, whatever stderr is, and a
//! control character in what the user typed is shown escaped (`\n`, `\u{1b}`), so the error
//! stays one line and writes nothing to the terminal.

use std::ffi::OsString;

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Command, Parser};

use crate::{ExitCode, Printer, printer};

/// Prints what clap answered to `args` (the program name first) when parsed with `cmd`:
/// `--help` and `--version` as clap prints them (exit 0), any error as one line (exit 2).
pub fn report(err: clap::Error, cmd: &Command, args: &[OsString], printer: Printer) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // A closed stdout is the reader's choice, as in `Printer`.
            let _ = err.print();
            ExitCode::SUCCESS
        }
        _ => {
            printer.error(one_line(err, cmd, args));
            ExitCode::USAGE
        }
    }
}

/// Parses `args` (the program name first) into `T`, or prints clap's answer as [`report`]
/// does and returns its exit code.
pub fn parse_from<T: Parser>(args: &[OsString], printer: Printer) -> Result<T, ExitCode> {
    T::try_parse_from(args).map_err(|e| report(e, &T::command(), args, printer))
}

/// The one line [`report`] prints for a usage error, without its `error: ` prefix.
pub fn one_line(mut err: clap::Error, cmd: &Command, args: &[OsString]) -> String {
    if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // clap answers a bare `asset-sync` with the whole help, on stderr, exit 2: ask for the
        // error it gives when it does not do that ("requires a subcommand ...").
        match strict(cmd.clone()).try_get_matches_from(args) {
            Err(e) if e.kind() != ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => err = e,
            _ => return format!("no arguments given; see '{} --help'", cmd.get_name()),
        }
    }
    let path = subcommand_path(cmd, args);
    escape_context(&mut err);
    hide_hidden_subcommands(&mut err, &path);
    let (message, tips) = fold(&err.render());
    let mut line = message;
    if !tips.is_empty() {
        line = format!("{line} ({})", tips.join("; "));
    }
    let names: Vec<&str> = path.iter().map(|c| c.get_name()).collect();
    printer::one_line(&format!("{line}; see '{} --help'", names.join(" ")))
}

/// The error's own sentence (its continuation lines folded in) and its tips, read from
/// clap's rendering without colour; the usage and "For more information" lines are dropped.
///
/// clap renders `error: SENTENCE`, then indented lines that belong to it (a list after a
/// colon, `[possible values: ...]`), then paragraphs of `  tip: ...` lines, the usage, and
/// the pointer to `--help`, each paragraph after a blank line.
fn fold(rendered: &StyledStr) -> (String, Vec<String>) {
    let text = rendered.to_string();
    let mut message = String::new();
    let mut tips = Vec::new();
    for paragraph in text.split("\n\n") {
        let first = paragraph.trim_start();
        if first.starts_with("Usage:") || first.starts_with("For more information") {
            continue;
        }
        if paragraph.lines().all(|l| l.trim().starts_with("tip:")) {
            tips.extend(paragraph.lines().map(|l| l.trim().to_owned()));
            continue;
        }
        let mut in_list = false;
        for line in paragraph.lines() {
            let item = line.trim();
            if item.is_empty() {
                continue;
            }
            let indented = line.starts_with(char::is_whitespace);
            let list_item =
                indented && !item.starts_with('[') && (in_list || message.ends_with(':'));
            if !message.is_empty() {
                message.push_str(if list_item && in_list { ", " } else { " " });
            }
            message.push_str(item.strip_prefix("error: ").unwrap_or(item));
            in_list = list_item;
        }
    }
    (message, tips)
}

/// The commands down to the one `args` reached before the error: clap parses a subcommand's
/// arguments on their own, and with errors ignored keeps the subcommand it failed in.
fn subcommand_path<'a>(cmd: &'a Command, args: &[OsString]) -> Vec<&'a Command> {
    let mut path = vec![cmd];
    let Ok(mut matches) = cmd.clone().ignore_errors(true).try_get_matches_from(args) else {
        return path;
    };
    while let Some((name, sub)) = matches.subcommand() {
        let Some(found) = path[path.len() - 1].find_subcommand(name) else {
            break;
        };
        path.push(found);
        matches = sub.clone();
    }
    path
}

/// `cmd` without clap's "print the help when no arguments are given", at every level.
fn strict(cmd: Command) -> Command {
    cmd.arg_required_else_help(false).mut_subcommands(strict)
}

/// "requires a subcommand" lists every subcommand, hidden ones (`generate`) included: keep
/// the ones `--help` shows.
fn hide_hidden_subcommands(err: &mut clap::Error, path: &[&Command]) {
    let Some(ContextValue::Strings(names)) = err.get(ContextKind::ValidSubcommand) else {
        return;
    };
    let cmd = path[path.len() - 1];
    let shown = names
        .iter()
        .filter(|n| cmd.find_subcommand(n).is_none_or(|s| !s.is_hide_set()))
        .cloned()
        .collect();
    err.insert(ContextKind::ValidSubcommand, ContextValue::Strings(shown));
}

/// Escapes control characters in what clap quotes back (the argument or value typed, its
/// suggestions) before it renders them into its lines.
fn escape_context(err: &mut clap::Error) {
    let escaped: Vec<(ContextKind, ContextValue)> = err
        .context()
        .filter(|(kind, _)| *kind != ContextKind::Usage)
        .filter_map(|(kind, value)| {
            let value = match value {
                ContextValue::String(s) if has_controls(s) => {
                    ContextValue::String(printer::one_line(s))
                }
                ContextValue::Strings(v) if v.iter().any(|s| has_controls(s)) => {
                    ContextValue::Strings(v.iter().map(|s| printer::one_line(s)).collect())
                }
                ContextValue::StyledStr(s) if has_controls(&s.to_string()) => {
                    ContextValue::StyledStr(printer::one_line(&s.to_string()).into())
                }
                ContextValue::StyledStrs(v) if v.iter().any(|s| has_controls(&s.to_string())) => {
                    ContextValue::StyledStrs(
                        v.iter()
                            .map(|s| printer::one_line(&s.to_string()).into())
                            .collect(),
                    )
                }
                _ => return None,
            };
            Some((kind, value))
        })
        .collect();
    for (kind, value) in escaped {
        err.insert(kind, value);
    }
}

fn has_controls(s: &str) -> bool {
    s.contains(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, CommandFactory, Subcommand};

    /// A command line with something to get wrong of every kind clap reports, shaped like
    /// the binaries': a required subcommand, a global flag, a hidden `generate`.
    #[derive(Parser)]
    #[command(name = "toy", version = "1.2.3")]
    struct Toy {
        #[arg(long, short, global = true)]
        quiet: bool,
        #[command(subcommand)]
        command: ToyCommand,
    }

    #[derive(Subcommand)]
    enum ToyCommand {
        Sync(SyncArgs),
        Run(RunArgs),
        #[command(hide = true)]
        Generate,
    }

    #[derive(Args)]
    struct SyncArgs {
        #[arg(long)]
        bucket: String,
        #[arg(long, value_name = "MODE", value_parser = ["companion", "replace", "skip"])]
        mode: Option<String>,
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: Option<u16>,
        #[arg(long, conflicts_with = "dir")]
        json: bool,
        #[arg(long, conflicts_with_all = ["json", "name"])]
        dry_run: bool,
        #[arg(long, num_args = 2, value_names = ["A", "B"])]
        pair: Option<Vec<String>>,
        #[arg(long, require_equals = true, value_name = "L")]
        level: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(value_name = "DIR")]
        dir: Option<String>,
    }

    #[derive(Args)]
    struct RunArgs {
        #[arg(long)]
        image: String,
        #[arg(long)]
        cluster: String,
        #[arg(last = true, required = true)]
        command: Vec<String>,
    }

    fn toy() -> Command {
        Toy::command()
    }

    fn line(args: &[&str]) -> String {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        line_os(&args)
    }

    fn line_os(args: &[OsString]) -> String {
        let err = toy()
            .try_get_matches_from(args)
            .expect_err("the command line is wrong");
        let kind = err.kind();
        let line = one_line(err, &toy(), args);
        assert!(
            !line.contains(char::is_control),
            "{kind:?}: one line, no control characters: {line:?}"
        );
        line
    }

    fn kind(args: &[&str]) -> ErrorKind {
        toy().try_get_matches_from(args).unwrap_err().kind()
    }

    #[test]
    fn an_unknown_argument_keeps_its_tips_and_names_the_subcommands_help() {
        let args = ["toy", "sync", "--buckt", "b"];
        assert_eq!(kind(&args), ErrorKind::UnknownArgument);
        assert_eq!(
            line(&args),
            "unexpected argument '--buckt' found (tip: a similar argument exists: '--bucket'); \
             see 'toy sync --help'"
        );
        assert_eq!(
            line(&["toy", "sync", "--bucket", "b", "d", "e"]),
            "unexpected argument 'e' found; see 'toy sync --help'"
        );
        // Two tips, and an argument given before its subcommand: clap's error is the top
        // level's, and so is the help.
        assert_eq!(
            line(&["toy", "run", "--clustr", "c"]),
            "unexpected argument '--clustr' found (tip: a similar argument exists: '--cluster'; \
             tip: to pass '--clustr' as a value, use '-- --clustr'); see 'toy run --help'"
        );
        assert_eq!(
            line(&["toy", "--mode", "skip", "sync"]),
            "unexpected argument '--mode' found (tip: 'sync --mode' exists); see 'toy --help'"
        );
    }

    #[test]
    fn an_unknown_subcommand_points_at_the_top_level_help() {
        let args = ["toy", "synk"];
        assert_eq!(kind(&args), ErrorKind::InvalidSubcommand);
        assert_eq!(
            line(&args),
            "unrecognized subcommand 'synk' (tip: a similar subcommand exists: 'sync'); \
             see 'toy --help'"
        );
    }

    #[test]
    fn an_invalid_value_lists_the_possible_values_and_a_similar_one() {
        let args = ["toy", "sync", "--bucket", "b", "--mode", "replase"];
        assert_eq!(kind(&args), ErrorKind::InvalidValue);
        assert_eq!(
            line(&args),
            "invalid value 'replase' for '--mode <MODE>' [possible values: companion, replace, \
             skip] (tip: a similar value exists: 'replace'); see 'toy sync --help'"
        );
        assert_eq!(
            line(&["toy", "sync", "--bucket", "b", "--mode"]),
            "a value is required for '--mode <MODE>' but none was supplied [possible values: \
             companion, replace, skip]; see 'toy sync --help'"
        );
    }

    #[test]
    fn a_value_the_parser_refuses_keeps_the_parsers_reason() {
        let args = ["toy", "sync", "--bucket", "b", "--jobs", "0"];
        assert_eq!(kind(&args), ErrorKind::ValueValidation);
        assert_eq!(
            line(&args),
            "invalid value '0' for '--jobs <N>': 0 is not in 1..=64; see 'toy sync --help'"
        );
    }

    #[test]
    fn every_missing_argument_is_named_on_the_line() {
        let args = ["toy", "run", "--", "x"];
        assert_eq!(kind(&args), ErrorKind::MissingRequiredArgument);
        assert_eq!(
            line(&args),
            "the following required arguments were not provided: --image <IMAGE>, \
             --cluster <CLUSTER>; see 'toy run --help'"
        );
        assert_eq!(
            line(&["toy", "run"]),
            "the following required arguments were not provided: --image <IMAGE>, \
             --cluster <CLUSTER>, <COMMAND>...; see 'toy run --help'"
        );
    }

    #[test]
    fn conflicts_and_repeats() {
        let args = ["toy", "sync", "--bucket", "b", "--json", "d"];
        assert_eq!(kind(&args), ErrorKind::ArgumentConflict);
        assert_eq!(
            line(&args),
            "the argument '--json' cannot be used with '[DIR]'; see 'toy sync --help'"
        );
        assert_eq!(
            line(&[
                "toy",
                "sync",
                "--bucket=b",
                "--dry-run",
                "--json",
                "--name=n"
            ]),
            "the argument '--dry-run' cannot be used with: --json, --name <NAME>; \
             see 'toy sync --help'"
        );
        assert_eq!(
            line(&["toy", "sync", "--bucket", "b", "--bucket", "c"]),
            "the argument '--bucket <BUCKET>' cannot be used multiple times; \
             see 'toy sync --help'"
        );
    }

    #[test]
    fn value_counts_and_equals() {
        let args = ["toy", "sync", "--bucket", "b", "--pair", "x"];
        assert_eq!(kind(&args), ErrorKind::WrongNumberOfValues);
        assert_eq!(
            line(&args),
            "2 values required for '--pair <A> <B>' but 1 was provided; see 'toy sync --help'"
        );
        let args = ["toy", "sync", "--bucket", "b", "--level", "3"];
        assert_eq!(kind(&args), ErrorKind::NoEquals);
        assert_eq!(
            line(&args),
            "equal sign is needed when assigning values to '--level=<L>'; see 'toy sync --help'"
        );
        let args = ["toy", "sync", "--bucket=b", "--json=yes"];
        assert_eq!(kind(&args), ErrorKind::TooManyValues);
        assert_eq!(
            line(&args),
            "unexpected value 'yes' for '--json' found; no more were expected; \
             see 'toy sync --help'"
        );
    }

    #[test]
    fn a_missing_subcommand_lists_the_visible_ones() {
        // A bare `toy` would print the whole help on stderr: it gets the error instead.
        assert_eq!(
            kind(&["toy"]),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
        let expected = "'toy' requires a subcommand but one was not provided [subcommands: \
                        sync, run, help]; see 'toy --help'";
        assert_eq!(line(&["toy"]), expected);
        assert_eq!(kind(&["toy", "-q"]), ErrorKind::MissingSubcommand);
        assert_eq!(line(&["toy", "-q"]), expected);
    }

    #[test]
    fn control_characters_in_what_was_typed_are_escaped() {
        assert_eq!(
            line(&["toy", "sync", "--bucket", "b", "--mode", "a\nb\u{1b}[31m"]),
            "invalid value 'a\\nb\\u{1b}[31m' for '--mode <MODE>' [possible values: \
             companion, replace, skip]; see 'toy sync --help'"
        );
        assert_eq!(
            line(&["toy", "sync", "--bucket", "b", "--x\ty"]),
            "unexpected argument '--x\\ty' found (tip: to pass '--x\\ty' as a value, use \
             '-- --x\\ty'); see 'toy sync --help'"
        );
    }

    #[test]
    fn invalid_utf8() {
        use std::os::unix::ffi::OsStringExt;
        let args = [
            OsString::from("toy"),
            OsString::from("sync"),
            OsString::from("--bucket"),
            OsString::from("b"),
            OsString::from("--name"),
            OsString::from_vec(vec![0xff, b'x']),
        ];
        let err = toy().try_get_matches_from(&args).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidUtf8);
        assert_eq!(
            line_os(&args),
            "invalid UTF-8 was detected in one or more arguments; see 'toy sync --help'"
        );
    }

    /// What `FromArgMatches` and hand-made errors give: a message and nothing else, or a
    /// message formatted with its command's usage.
    #[test]
    fn a_raw_message_is_folded_too() {
        let args = [OsString::from("toy"), OsString::from("sync")];
        let err = clap::Error::raw(ErrorKind::ValueValidation, "first line\n  second line\n");
        assert_eq!(
            one_line(err, &toy(), &args),
            "first line second line; see 'toy sync --help'"
        );
        let mut sync = toy().find_subcommand("sync").unwrap().clone();
        let err =
            clap::Error::raw(ErrorKind::MissingRequiredArgument, "no bucket\n").format(&mut sync);
        assert!(
            err.render().to_string().contains("Usage:"),
            "{}",
            err.render()
        );
        assert_eq!(
            one_line(err, &toy(), &args),
            "no bucket; see 'toy sync --help'"
        );
    }

    #[test]
    fn the_subcommand_is_the_one_named_in_clap_usage_line() {
        // Where clap renders a usage line, it names the command the error is in: so does
        // the line's pointer to --help.
        for args in [
            &["toy", "sync", "--buckt", "b"][..],
            &["toy", "synk"],
            &["toy", "run"],
            &["toy", "sync", "--bucket", "b", "--json", "d"],
            &["toy", "--mode", "skip", "sync"],
        ] {
            let err = toy().try_get_matches_from(args).unwrap_err();
            let rendered = err.render().to_string();
            let usage = rendered
                .lines()
                .find_map(|l| l.strip_prefix("Usage: "))
                .expect(&rendered);
            let words: Vec<&str> = usage
                .split(' ')
                .take_while(|w| !w.starts_with(['-', '<', '[']))
                .collect();
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            let toy = toy();
            let names: Vec<&str> = subcommand_path(&toy, &args)
                .iter()
                .map(|c| c.get_name())
                .collect();
            assert_eq!(names, words, "{rendered}");
        }
    }
}
