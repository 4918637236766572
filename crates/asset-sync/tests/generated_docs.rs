//! The man pages and shell completions committed under docs/ are what `asset-sync generate`
//! writes now (regenerate them with scripts/generate-docs).

use slipway_testkit::SlipwayCommand;
use slipway_testkit::docs::bash_complete;

const BIN: &str = "asset-sync";

#[test]
fn committed_man_pages_and_completions_are_current() {
    slipway_testkit::docs::assert_current(env!("CARGO_BIN_EXE_asset-sync"));
}

#[test]
fn subcommands_and_their_options_complete_in_bash() {
    // Past the subcommand too: clap_complete 4.6 misses this for hyphenated names
    // (clap-rs/clap#6421); slipway-core's generator corrects the script.
    assert_eq!(bash_complete(BIN, &[BIN, "pr"]), ["prune"]);
    assert_eq!(
        bash_complete(BIN, &[BIN, "prune", "--keep"]),
        ["--keep-releases", "--keep-days"]
    );
    assert_eq!(
        bash_complete(BIN, &[BIN, "upload", "--compressed", ""]),
        ["companion", "replace", "skip"]
    );
}

/// One implementation serves all three binaries (slipway-core's `generate`): its bad input is
/// checked once, here.
#[test]
fn generate_refuses_an_unknown_kind_and_an_unwritable_dir() {
    let out = SlipwayCommand::new(env!("CARGO_BIN_EXE_asset-sync"))
        .args(["generate", "tcsh"])
        .run();
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: invalid value 'tcsh' for '<KIND>' [possible values: man, bash, zsh, fish, \
         elvish, powershell] (tip: a similar value exists: 'zsh'); \
         see 'asset-sync generate --help'\n"
    );
    assert_eq!(out.stdout, "");

    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = SlipwayCommand::new(env!("CARGO_BIN_EXE_asset-sync"))
        .args(["generate", "man", "--dir"])
        .arg(&file)
        .run();
    out.assert_code(3);
    assert_eq!(
        out.stderr_lines(),
        [format!(
            "error: failed to create the directory {}: File exists (os error 17)",
            file.display()
        )]
    );
}
