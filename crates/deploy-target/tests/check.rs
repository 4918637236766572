//! `deploy-target check`: every kind of config error, located as file:line:column (the
//! messages are snapshot so that changes to them are reviewed), and the Copilot workspace
//! cross-check.

mod common;

use std::path::Path;

use common::*;

/// One bad config per error kind.
const CASES: &[(&str, &str)] = &[
    ("toml syntax", "[[target]\nname = \"x\"\n"),
    (
        "unknown top-level key",
        "on_nomatch = \"skip\"\n[[target]]\nname = \"x\"\nbranches = [\"main\"]\n",
    ),
    (
        "unknown target key",
        "[[target]]\nname = \"x\"\nbranch = [\"main\"]\n",
    ),
    (
        "unknown pull_requests key",
        "[[target]]\nname = \"x\"\npull_requests = { base = [\"main\"] }\n",
    ),
    (
        "wrong type",
        "[[target]]\nname = \"x\"\nbranches = [\"main\"]\napproval = \"yes\"\n",
    ),
    (
        "matcher that is not a list",
        "[[target]]\nname = \"x\"\nbranches = \"main\"\n",
    ),
    ("missing name", "[[target]]\nbranches = [\"main\"]\n"),
    (
        "bad on_no_match",
        "on_no_match = \"ignore\"\n[[target]]\nname = \"x\"\nbranches = [\"main\"]\n",
    ),
    ("no targets", "on_no_match = \"skip\"\n"),
    (
        "empty matchers",
        "[[target]]\nname = \"x\"\nbranches = []\ntags = []\npipelines = []\n\
         pull_requests = { base_branches = [], events = [] }\n",
    ),
    (
        "empty and repeated entries",
        "[[target]]\nname = \"x\"\nbranches = [\"main\", \"\", \"main\"]\n",
    ),
    (
        "invalid globs",
        "[[target]]\nname = \"x\"\nbranches = [\"feature/[\", \"{a,b\"]\n",
    ),
    (
        "no match conditions",
        "[[target]]\nname = \"x\"\nservices = [\"web\"]\n",
    ),
    (
        "a target that can never match",
        "[[target]]\nname = \"x\"\ntags = [\"v*\"]\npull_requests = {}\n",
    ),
    (
        "unknown pull-request event",
        "[[target]]\nname = \"x\"\npull_requests = { events = [\"PULL_REQUEST_OPENED\"] }\n",
    ),
    (
        "duplicate target names",
        "[[target]]\nname = \"prod\"\nbranches = [\"main\"]\n\n\
         [[target]]\nname = \"prod\"\ntags = [\"v*\"]\n",
    ),
    (
        "bad target and environment names",
        "[[target]]\nname = \"prod env\"\nenvironment = \"-x\"\nbranches = [\"main\"]\n",
    ),
    (
        "bad, repeated and doubly listed services and jobs",
        "[[target]]\nname = \"x\"\nbranches = [\"main\"]\n\
         services = [\"web\", \"web api\", \"web\", \"mailer\"]\njobs = [\"mailer\", \"\"]\n",
    ),
    (
        "variables that are not allowed",
        "[[target]]\nname = \"x\"\nbranches = [\"main\"]\n\
         variables = { \"rails-env\" = \"p\", DEPLOY_ENVIRONMENT = \"p\", IFS = \" \", \
         CODEBUILD_BUILD_ID = \"1\", DEPLOY_TARGET_CONFIG = \"x\" }\n",
    ),
    (
        "variable of the wrong type",
        "[[target]]\nname = \"x\"\nbranches = [\"main\"]\nvariables = { HOSTS = [\"a\", \"b\"] }\n",
    ),
    (
        "bad branch_variable",
        "branch_variable = \"SOURCE-BRANCH\"\n[[target]]\nname = \"x\"\nbranches = [\"main\"]\n",
    ),
    (
        "shadowed rules",
        "[[target]]\nname = \"any-branch\"\nbranches = [\"*\"]\n\n\
         [[target]]\nname = \"main\"\nbranches = [\"main\"]\n\n\
         [[target]]\nname = \"release\"\nbranches = [\"release/*\"]\n\n\
         [[target]]\nname = \"release-1\"\nbranches = [\"release/1\", \"release/*\"]\n\n\
         [[target]]\nname = \"prs\"\npull_requests = {}\n\n\
         [[target]]\nname = \"prs-into-main\"\npull_requests = { base_branches = [\"main\"] }\n",
    ),
];

#[test]
fn every_config_error_kind_is_located_and_explained() {
    let mut report = String::new();
    for (name, config) in CASES {
        let scratch = Scratch::new(config);
        let out = scratch.cmd(["check"]).run();
        assert_eq!(out.code, Some(2), "{name}: {}", out.stderr);
        assert_stdout_empty(&out);
        let lines = out.stderr_lines();
        assert!(
            lines
                .last()
                .unwrap()
                .starts_with("deploy-target check: deploy-targets.toml has "),
            "{name}: the summary comes last: {lines:?}"
        );
        assert!(
            lines[..lines.len() - 1]
                .iter()
                .all(|l| l.starts_with("error: deploy-targets.toml:")),
            "{name}: every problem is located: {lines:?}"
        );
        report.push_str(&format!("## {name}\n{config}--\n{}\n", out.stderr));

        // `select` refuses the same config (shadowing aside, which only warns there).
        if *name != "shadowed rules" {
            let out = scratch.cmd(["select", "--branch", "main"]).run();
            assert_eq!(out.code, Some(2), "select on {name}: {}", out.stderr);
            assert_stdout_empty(&out);
        }
    }
    insta::assert_snapshot!("config_errors", report);
}

#[test]
fn a_missing_config_is_a_usage_error() {
    let scratch = Scratch::new("");
    let out = scratch.cmd(["check", "--config", "nope.toml"]).run();
    out.assert_code(2);
    assert_eq!(out.stderr_lines().len(), 1);
    assert_eq!(
        out.stderr_lines(),
        ["error: failed to read config nope.toml: No such file or directory (os error 2)"]
    );
}

#[test]
fn the_example_config_is_valid() {
    let scratch = Scratch::example();
    let out = scratch.cmd(["check"]).run();
    out.assert_success();
    assert_eq!(
        out.stderr_lines(),
        [
            "deploy-target check: deploy-targets.toml is valid: 4 targets; no Copilot workspace found, service and job names not checked"
        ]
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn fixture_workspace() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/copilot")
}

#[test]
fn the_example_config_matches_the_copilot_workspace_beside_it() {
    let scratch = Scratch::example();
    copy_dir(&fixture_workspace(), &scratch.path().join("copilot"));
    let out = scratch.cmd(["check"]).run();
    out.assert_success();
    assert_eq!(
        out.stderr_lines(),
        [
            "deploy-target check: deploy-targets.toml is valid: 4 targets; service and job names checked against the Copilot workspace copilot (2 services, 2 jobs)"
        ]
    );
}

#[test]
fn services_and_jobs_must_exist_in_copilot_with_the_right_kind() {
    let scratch = Scratch::new(
        r#"
[[target]]
name = "staging"
branches = ["staging"]
services = ["web", "report-mailer", "api"]
jobs = ["worker", "db-cleanup", "nightly"]
"#,
    );
    copy_dir(&fixture_workspace(), &scratch.path().join("copilot"));
    std::fs::create_dir(scratch.path().join("copilot/broken")).unwrap();
    std::fs::write(
        scratch.path().join("copilot/broken/manifest.yml"),
        "name: broken\ntype: [Backend Service\n",
    )
    .unwrap();
    let out = scratch.cmd(["check"]).run();
    out.assert_code(2);
    insta::assert_snapshot!("copilot_mismatches", out.stderr);
}

#[test]
fn the_copilot_workspace_can_be_named_explicitly() {
    let scratch = Scratch::new(
        "[[target]]\nname = \"production\"\nbranches = [\"main\"]\nservices = [\"api\"]\n",
    );
    // No copilot/ beside the config: names are not checked...
    scratch.cmd(["check"]).run().assert_success();
    // ...unless a workspace is named, by flag or by its env twin.
    let dir = fixture_workspace();
    let out = scratch
        .cmd(["check", "--copilot-dir", dir.to_str().unwrap()])
        .run();
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("services: \"api\" is not in the Copilot workspace"),
        "{}",
        out.stderr
    );
    scratch
        .cmd(["check"])
        .env("DEPLOY_TARGET_COPILOT_DIR", &dir)
        .run()
        .assert_code(2);
    let out = scratch.cmd(["check", "--copilot-dir", "missing"]).run();
    out.assert_code(2);
    assert!(
        out.stderr
            .starts_with("error: failed to read the Copilot workspace missing:"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_variable_env_format_cannot_carry_is_a_warning_not_an_error() {
    let scratch = Scratch::new(
        "[[target]]\nname = \"x\"\nbranches = [\"main\"]\nvariables = { BANNER = \"line 1\\nline 2\" }\n",
    );
    let out = scratch.cmd(["check"]).run();
    out.assert_success();
    assert!(
        out.stderr.starts_with(
            "warning: deploy-targets.toml:2:8: target \"x\": variable BANNER holds a control character"
        ),
        "{}",
        out.stderr
    );
    scratch
        .cmd(["select", "--branch", "main", "--format", "env"])
        .run()
        .assert_code(2);
    let out = scratch.cmd(["select", "--branch", "main"]).run();
    out.assert_success();
    assert_eq!(eval_one(&out.stdout, "BANNER"), "line 1\nline 2");
}
