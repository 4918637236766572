//! Command-line errors found by clap come out as one `error:` line on stderr, exit 2, with
//! clap's tips and the `--help` to read; `--help` itself is untouched.

use slipway_testkit::SlipwayCommand;

fn asset_sync(args: &[&str]) -> slipway_testkit::Output {
    SlipwayCommand::new(env!("CARGO_BIN_EXE_asset-sync"))
        // An endpoint nobody listens on: a case that got past the parser would fail loudly.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args(args)
        .run()
}

/// Exit 2, nothing on stdout, and stderr exactly `line` and a newline.
#[track_caller]
fn assert_one_line(args: &[&str], line: &str) {
    asset_sync(args).assert_usage_error(line);
}

#[test]
fn an_unknown_flag_names_the_similar_one_and_the_subcommands_help() {
    assert_one_line(
        &["upload", "--buckt", "assets"],
        "error: unexpected argument '--buckt' found (tip: a similar argument exists: \
         '--bucket'); see 'asset-sync upload --help'",
    );
    // Given before the subcommand: the top level's error, which says where the flag belongs.
    assert_one_line(
        &["--bucket", "assets", "upload"],
        "error: unexpected argument '--bucket' found (tip: 'upload --bucket' exists); \
         see 'asset-sync --help'",
    );
}

#[test]
fn a_missing_value_or_argument_is_named() {
    assert_one_line(
        &["upload", "--bucket"],
        "error: a value is required for '--bucket <BUCKET>' but none was supplied; \
         see 'asset-sync upload --help'",
    );
    // The hidden `generate` parses the same way.
    assert_one_line(
        &["generate"],
        "error: the following required arguments were not provided: <KIND>; \
         see 'asset-sync generate --help'",
    );
}

#[test]
fn an_invalid_value_lists_the_possible_values() {
    assert_one_line(
        &["upload", "--bucket", "assets", "--compressed", "gzip"],
        "error: invalid value 'gzip' for '--compressed <MODE>' [possible values: companion, \
         replace, skip]; see 'asset-sync upload --help'",
    );
    assert_one_line(
        &["prune", "--bucket", "assets", "--progress", "sometimes"],
        "error: invalid value 'sometimes' for '--progress <PROGRESS>' [possible values: auto, \
         always, never]; see 'asset-sync prune --help'",
    );
}

#[test]
fn an_env_twin_with_a_bad_value_is_one_line_too() {
    let out = SlipwayCommand::new(env!("CARGO_BIN_EXE_asset-sync"))
        .env("ASSET_SYNC_CONCURRENCY", "0")
        .args(["upload", "--bucket", "assets"])
        .run();
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: invalid value '0' for '--concurrency <N>': 0 is not in 1..=1024; \
         see 'asset-sync upload --help'\n"
    );
}

#[test]
fn an_unknown_or_missing_subcommand_points_at_the_top_level_help() {
    assert_one_line(
        &["uplaod"],
        "error: unrecognized subcommand 'uplaod' (tip: a similar subcommand exists: \
         'upload'); see 'asset-sync --help'",
    );
    // No arguments at all: the error, not the whole help on stderr; `generate` stays hidden.
    assert_one_line(
        &[],
        "error: 'asset-sync' requires a subcommand but one was not provided [subcommands: \
         upload, prune, verify, help]; see 'asset-sync --help'",
    );
}

#[test]
fn a_control_character_typed_is_shown_escaped() {
    assert_one_line(
        &[
            "verify",
            "--bucket",
            "assets",
            "--progress",
            "auto\n\u{1b}[2J",
        ],
        "error: invalid value 'auto\\n\\u{1b}[2J' for '--progress <PROGRESS>' [possible \
         values: auto, always, never] (tip: a similar value exists: 'auto'); \
         see 'asset-sync verify --help'",
    );
}

#[test]
fn help_and_version_still_print_on_stdout_and_exit_0() {
    for args in [&["--help"][..], &["upload", "--help"], &["--version"]] {
        let out = asset_sync(args);
        out.assert_success();
        assert_eq!(out.stderr, "", "{args:?}");
        assert!(out.stdout.starts_with("asset-sync ") || out.stdout.contains("\nUsage: "));
    }
}
