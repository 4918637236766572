//! The `--help` texts are the user documentation of every flag: snapshot them so that any
//! change is reviewed.

mod common;

use common::BIN;
use slipway_testkit::SlipwayCommand;

fn help(args: &[&str]) -> String {
    // A fixed width keeps the wrapping independent of the terminal running the tests.
    let out = SlipwayCommand::new(BIN)
        .args(args)
        .env("COLUMNS", "100")
        .run();
    out.assert_success();
    out.stdout
}

#[test]
fn help_top_level() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn help_select() {
    insta::assert_snapshot!(help(&["select", "--help"]));
}

#[test]
fn help_explain() {
    insta::assert_snapshot!(help(&["explain", "--help"]));
}

#[test]
fn help_check() {
    insta::assert_snapshot!(help(&["check", "--help"]));
}

#[test]
fn usage_errors_exit_2() {
    let out = SlipwayCommand::new(BIN)
        .args(["select", "--format", "yaml"])
        .run();
    out.assert_code(2);
    let out = SlipwayCommand::new(BIN)
        .args(["select", "--pr", "1", "--tag", "v1"])
        .run();
    out.assert_code(2);
    let out = SlipwayCommand::new(BIN)
        .args(["select", "--pr", "abc"])
        .run();
    out.assert_code(2);
    assert_eq!(
        out.stderr_lines(),
        ["error: flag --pr: the pull-request number must be digits, not \"abc\""]
    );
}
