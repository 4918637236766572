//! Command-line errors found by clap come out as one `error:` line on stderr, exit 2, with
//! clap's tips and the `--help` to read; `--help` itself is untouched.

use slipway_testkit::SlipwayCommand;

fn deploy_target(args: &[&str]) -> slipway_testkit::Output {
    // In an empty directory: a case that got past the parser finds no config and says so.
    let dir = tempfile::tempdir().unwrap();
    SlipwayCommand::new(env!("CARGO_BIN_EXE_deploy-target"))
        .current_dir(dir.path())
        .args(args)
        .run()
}

/// Exit 2, nothing on stdout, and stderr exactly `line` and a newline.
#[track_caller]
fn assert_one_line(args: &[&str], line: &str) {
    deploy_target(args).assert_usage_error(line);
}

#[test]
fn an_unknown_flag_names_the_similar_one_and_the_subcommands_help() {
    assert_one_line(
        &["explain", "--jsn"],
        "error: unexpected argument '--jsn' found (tip: a similar argument exists: '--json'); \
         see 'deploy-target explain --help'",
    );
    // After a global flag whose value looks like a subcommand: still the right subcommand.
    assert_one_line(
        &["--config", "select", "check", "--copilot"],
        "error: unexpected argument '--copilot' found (tip: a similar argument exists: \
         '--copilot-dir'); see 'deploy-target check --help'",
    );
}

#[test]
fn a_missing_required_argument_is_named() {
    assert_one_line(
        &["select", "--base-branch", "main"],
        "error: the following required arguments were not provided: --pr <NUMBER>; \
         see 'deploy-target select --help'",
    );
    assert_one_line(
        &["select", "--tag", "v1", "--pr", "1"],
        "error: the argument '--tag <NAME>' cannot be used with '--pr <NUMBER>'; \
         see 'deploy-target select --help'",
    );
}

#[test]
fn an_invalid_value_lists_the_possible_values() {
    assert_one_line(
        &["select", "--format", "yaml"],
        "error: invalid value 'yaml' for '--format <FORMAT>' [possible values: shell, env, \
         json]; see 'deploy-target select --help'",
    );
    // From the env twin, as a buildspec sets it.
    let dir = tempfile::tempdir().unwrap();
    let out = SlipwayCommand::new(env!("CARGO_BIN_EXE_deploy-target"))
        .current_dir(dir.path())
        .env("DEPLOY_TARGET_FORMAT", "yaml")
        .arg("select")
        .run();
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: invalid value 'yaml' for '--format <FORMAT>' [possible values: shell, env, \
         json]; see 'deploy-target select --help'\n"
    );
}

#[test]
fn an_unknown_or_missing_subcommand_points_at_the_top_level_help() {
    assert_one_line(
        &["selcet"],
        "error: unrecognized subcommand 'selcet' (tip: a similar subcommand exists: \
         'select'); see 'deploy-target --help'",
    );
    // No subcommand: the error, not the whole help on stderr; `generate` stays hidden.
    let missing = "error: 'deploy-target' requires a subcommand but one was not provided \
                   [subcommands: select, explain, check, help]; see 'deploy-target --help'";
    assert_one_line(&[], missing);
    assert_one_line(&["--quiet"], missing);
}

#[test]
fn help_and_version_still_print_on_stdout_and_exit_0() {
    for args in [&["--help"][..], &["select", "--help"], &["--version"]] {
        let out = deploy_target(args);
        out.assert_success();
        assert_eq!(out.stderr, "", "{args:?}");
        assert!(out.stdout.starts_with("deploy-target ") || out.stdout.contains("\nUsage: "));
    }
}
