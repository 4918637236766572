//! The man pages and shell completions committed under docs/ are what `migrate-task generate`
//! writes now (regenerate them with scripts/generate-docs).

use slipway_testkit::docs::bash_complete;

const BIN: &str = "migrate-task";

#[test]
fn committed_man_pages_and_completions_are_current() {
    slipway_testkit::docs::assert_current(env!("CARGO_BIN_EXE_migrate-task"));
}

#[test]
fn subcommands_and_their_options_complete_in_bash() {
    assert_eq!(bash_complete(BIN, &[BIN, "r"]), ["run"]);
    assert_eq!(
        bash_complete(BIN, &[BIN, "run", "--image"]),
        ["--image", "--image-tag"]
    );
}
