//! Command-line errors found by clap come out as one `error:` line on stderr, exit 2, with
//! clap's tips and the `--help` to read; `--help` itself is untouched.

use slipway_testkit::SlipwayCommand;

fn migrate_task(args: &[&str]) -> slipway_testkit::Output {
    SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
        // An endpoint nobody listens on: a case that got past the parser would fail loudly.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args(args)
        .run()
}

/// Exit 2, nothing on stdout, and stderr exactly `line` and a newline.
#[track_caller]
fn assert_one_line(args: &[&str], line: &str) {
    migrate_task(args).assert_usage_error(line);
}

#[test]
fn an_unknown_flag_keeps_both_of_clap_tips() {
    assert_one_line(
        &["run", "--clustr", "shop", "--", "bin/rails", "db:migrate"],
        "error: unexpected argument '--clustr' found (tip: a similar argument exists: \
         '--cluster'; tip: to pass '--clustr' as a value, use '-- --clustr'); \
         see 'migrate-task run --help'",
    );
}

#[test]
fn a_missing_command_or_value_is_named() {
    assert_one_line(
        &[
            "run",
            "--cluster",
            "shop",
            "--service",
            "web",
            "--image-tag",
            "v2",
        ],
        "error: the following required arguments were not provided: <COMMAND>...; \
         see 'migrate-task run --help'",
    );
    assert_one_line(
        &["run", "--cluster"],
        "error: a value is required for '--cluster <CLUSTER>' but none was supplied; \
         see 'migrate-task run --help'",
    );
}

#[test]
fn an_invalid_value_lists_the_possible_values() {
    assert_one_line(
        &["run", "--progress", "sometimes", "--", "true"],
        "error: invalid value 'sometimes' for '--progress <WHEN>' [possible values: auto, \
         always, never]; see 'migrate-task run --help'",
    );
}

#[test]
fn an_unknown_or_missing_subcommand_points_at_the_top_level_help() {
    assert_one_line(
        &["rnu", "--", "true"],
        "error: unrecognized subcommand 'rnu'; see 'migrate-task --help'",
    );
    // No arguments at all: the error, not the whole help on stderr; `generate` stays hidden.
    assert_one_line(
        &[],
        "error: 'migrate-task' requires a subcommand but one was not provided [subcommands: \
         run, help]; see 'migrate-task --help'",
    );
}

#[test]
fn help_and_version_still_print_on_stdout_and_exit_0() {
    for args in [&["--help"][..], &["run", "--help"], &["--version"]] {
        let out = migrate_task(args);
        out.assert_success();
        assert_eq!(out.stderr, "", "{args:?}");
        assert!(out.stdout.starts_with("migrate-task ") || out.stdout.contains("\nUsage: "));
    }
}
