//! The man pages and shell completions committed under docs/ are what `deploy-target generate`
//! writes now (regenerate them with scripts/generate-docs).

use slipway_testkit::docs::bash_complete;

const BIN: &str = "deploy-target";

#[test]
fn committed_man_pages_and_completions_are_current() {
    slipway_testkit::docs::assert_current(env!("CARGO_BIN_EXE_deploy-target"));
}

#[test]
fn subcommands_and_their_options_complete_in_bash() {
    assert_eq!(bash_complete(BIN, &[BIN, "ex"]), ["explain"]);
    assert_eq!(bash_complete(BIN, &[BIN, "select", "--for"]), ["--format"]);
}
