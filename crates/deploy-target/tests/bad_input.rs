//! Bad input to `deploy-target`, case by case, exactly as `docs/bad-input.md` catalogues it:
//! the lines on stderr, the exit code, and stdout (empty on every error, so a buildspec's
//! `eval` or `read` loop never sees half an answer).

mod common;

use common::*;
use slipway_testkit::catalogue::assert_case;

const ONE_TARGET: &str = "[[target]]\nname = \"production\"\nbranches = [\"main\"]\n";

#[test]
fn a_config_that_is_missing_or_not_text() {
    let scratch = Scratch::new(ONE_TARGET);
    std::fs::remove_file(scratch.path().join("deploy-targets.toml")).unwrap();
    assert_case("DT-01", &scratch.cmd(["check"]).run(), &[]);

    std::fs::write(
        scratch.path().join("deploy-targets.toml"),
        b"[[target]]\nname = \"caf\xe9\"\n",
    )
    .unwrap();
    assert_case(
        "DT-02",
        &scratch.cmd(["select", "--branch", "main"]).run(),
        &[],
    );
}

#[test]
fn a_config_that_is_not_toml_or_has_a_typo() {
    let scratch = Scratch::new("[[target]\nname = \"production\"\n");
    assert_case("DT-03", &scratch.cmd(["check"]).run(), &[]);

    let scratch = Scratch::new(
        "[[target]]\nname = \"production\"\nbranch = [\"main\"]\nservices = [\"web\"]\n",
    );
    assert_case("DT-04", &scratch.cmd(["check"]).run(), &[]);

    let scratch = Scratch::new(&format!("on_no_match = \"skp\"\n{ONE_TARGET}"));
    assert_case(
        "DT-05",
        &scratch.cmd(["select", "--branch", "main"]).run(),
        &[],
    );
}

#[test]
fn a_branch_name_with_shell_metacharacters_is_selected_and_quoted_safely() {
    let scratch = Scratch::new(
        "[[target]]\nname = \"review\"\nbranches = [\"feat/*\"]\nservices = [\"web\"]\n",
    );
    let branch = "feat/$(touch pwned);`touch pwned2`;'x\"y\\z $HOME";
    let out = with_env(scratch.cmd(["select"]), &webhook_push(branch)).run();
    assert_case("DT-06", &out, &[]);
    // The shells give back the exact name and run nothing.
    for shell in ["bash", "sh"] {
        let got = eval_in(shell, &out.stdout, &["DEPLOY_BRANCH", "DEPLOY_TARGET"]);
        assert_eq!(got, [branch, "review"], "{shell}");
    }
    assert!(!scratch.path().join("pwned").exists());
    assert!(!scratch.path().join("pwned2").exists());
}

#[test]
fn a_value_env_format_cannot_carry_is_refused_and_nothing_printed() {
    let scratch = Scratch::new(ONE_TARGET);
    let out = scratch
        .cmd([
            "select",
            "--format",
            "env",
            "--branch",
            "main",
            "--commit",
            "3f1c\n2a9",
        ])
        .run();
    assert_case("DT-07", &out, &[]);
}

#[test]
fn bad_context_flags() {
    let scratch = Scratch::new(ONE_TARGET);
    assert_case("DT-08", &scratch.cmd(["select", "--pr", "#42"]).run(), &[]);
    let out = scratch
        .cmd(["select", "--pr", "42", "--event", "PULL_REQUEST_OPENED"])
        .run();
    assert_case("DT-09", &out, &[]);
}

#[test]
fn no_target_matches() {
    let scratch = Scratch::new(ONE_TARGET);
    let out = scratch
        .cmd(["select", "--branch", "feature/cart", "--commit", SHA])
        .run();
    assert_case("DT-10", &out, &[("<SHA>", SHA)]);

    let scratch = Scratch::new(&format!("on_no_match = \"skip\"\n{ONE_TARGET}"));
    let out = scratch
        .cmd(["select", "--branch", "feature/cart", "--commit", SHA])
        .run();
    assert_case("DT-11", &out, &[("<SHA>", SHA)]);
    assert_eq!(eval_one(&out.stdout, "DEPLOY_TARGET"), "");
}

#[test]
fn a_copilot_workspace_that_is_not_there() {
    let scratch = Scratch::new(ONE_TARGET);
    let out = scratch.cmd(["check", "--copilot-dir", "copilot"]).run();
    assert_case("DT-12", &out, &[]);
}
