//! `deploy-target select` driven as a buildspec drives it, with real CodeBuild variable sets,
//! a CodePipeline-started build, a local git checkout, and both no-match policies. The config
//! is the example shipped at the repository root.

mod common;

use common::*;

const KEYS: [&str; 12] = [
    "DEPLOY_TARGET",
    "DEPLOY_ENVIRONMENT",
    "DEPLOY_APPROVAL",
    "DEPLOY_SERVICES",
    "DEPLOY_JOBS",
    "DEPLOY_RELEASE",
    "DEPLOY_BRANCH",
    "DEPLOY_TAG",
    "DEPLOY_PR",
    "DEPLOY_PIPELINE",
    "RAILS_ENV",
    "ASSET_HOST",
];

/// Runs `select` (shell format) with `vars`, evaluates the output in bash, and returns
/// KEYS' values.
fn select_eval(scratch: &Scratch, vars: &[(&str, String)]) -> Vec<String> {
    let out = with_env(scratch.cmd(["select"]), vars).run();
    out.assert_success();
    eval_in("bash", &out.stdout, &KEYS)
}

#[test]
fn webhook_push_to_main_deploys_everything_to_production_after_approval() {
    let scratch = Scratch::example();
    let v = select_eval(&scratch, &webhook_push("main"));
    assert_eq!(
        v,
        [
            "production",
            "production",
            "true",
            "web worker",
            "report-mailer db-cleanup",
            SHA,
            "main",
            "",
            "",
            "",
            "production",
            "https://assets.example.com",
        ]
    );
}

#[test]
fn webhook_push_to_staging_deploys_automatically_without_the_mailer_job() {
    let scratch = Scratch::example();
    let v = select_eval(&scratch, &webhook_push("staging"));
    assert_eq!(v[0], "staging");
    assert_eq!(v[1], "staging");
    assert_eq!(v[2], "false");
    assert_eq!(v[3], "web worker");
    assert_eq!(
        v[4], "db-cleanup",
        "report-mailer must never deploy to staging"
    );
    assert_eq!(v[5], SHA);
    assert_eq!(v[10], "staging");
}

#[test]
fn pull_request_into_main_selects_preview_which_deploys_nothing() {
    let scratch = Scratch::example();
    let v = select_eval(
        &scratch,
        &webhook_pull_request(17, "feature/cart", "main", "PULL_REQUEST_CREATED"),
    );
    assert_eq!(&v[..5], ["preview", "preview", "false", "", ""]);
    assert_eq!(v[5], SHA);
    assert_eq!(v[6], "feature/cart");
    assert_eq!(v[8], "17");
    assert_eq!(v[10], "test");
}

#[test]
fn pull_request_from_a_branch_named_main_never_deploys_like_a_push() {
    // A fork's `main` opened against `main`: still the preview target, never production.
    let scratch = Scratch::example();
    let v = select_eval(
        &scratch,
        &webhook_pull_request(18, "main", "main", "PULL_REQUEST_UPDATED"),
    );
    assert_eq!(v[0], "preview");
    assert_eq!(v[3], "");
}

#[test]
fn merged_pull_request_event_matches_no_target_and_fails() {
    let scratch = Scratch::example();
    let out = with_env(
        scratch.cmd(["select"]),
        &webhook_pull_request(17, "feature/cart", "main", "PULL_REQUEST_MERGED"),
    )
    .run();
    out.assert_code(3);
    assert_stdout_empty(&out);
    assert!(
        out.stderr
            .contains("event \"PULL_REQUEST_MERGED\" is not listed"),
        "{}",
        out.stderr
    );
}

#[test]
fn tag_push_deploys_the_release_to_production() {
    let scratch = Scratch::example();
    let v = select_eval(&scratch, &webhook_tag("v1.4.0"));
    assert_eq!(&v[..3], ["release", "production", "true"]);
    assert_eq!(v[5], SHA);
    assert_eq!(v[6], "");
    assert_eq!(v[7], "v1.4.0");
}

#[test]
fn codepipeline_build_takes_the_branch_from_the_configured_variable() {
    let scratch = Scratch::example();
    let vars = codepipeline("shop-production", Some("main"));
    let v = select_eval(&scratch, &vars);
    assert_eq!(&v[..3], ["production", "production", "true"]);
    assert_eq!(v[5], SHA);
    assert_eq!(v[6], "main");
    assert_eq!(v[9], "shop-production");

    let out = with_env(scratch.cmd(["explain"]), &vars).run();
    out.assert_success();
    assert!(
        out.stdout
            .contains("branch        \"main\"  from SOURCE_BRANCH (branch_variable)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "pipeline      \"shop-production\"  from CODEBUILD_INITIATOR=\"codepipeline/shop-production\""
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn codepipeline_build_without_the_branch_variable_fails_and_says_why() {
    let scratch = Scratch::example();
    let out = with_env(
        scratch.cmd(["select"]),
        &codepipeline("shop-production", None),
    )
    .run();
    out.assert_code(3);
    assert_stdout_empty(&out);
    assert!(
        out.stderr
            .contains("SOURCE_BRANCH (branch_variable) is not set"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("- branches: no branch in the context"),
        "{}",
        out.stderr
    );
}

#[test]
fn flags_override_codebuild_variables() {
    let scratch = Scratch::example();
    let out = with_env(
        scratch.cmd(["select", "--branch", "staging", "--commit", "abc123"]),
        &webhook_push("main"),
    )
    .run();
    out.assert_success();
    let v = eval_in("bash", &out.stdout, &["DEPLOY_TARGET", "DEPLOY_RELEASE"]);
    assert_eq!(v, ["staging", "abc123"]);

    // The env twins count as flags too.
    let out = with_env(scratch.cmd(["select"]), &webhook_push("main"))
        .env("DEPLOY_TARGET_BRANCH", "staging")
        .run();
    out.assert_success();
    assert_eq!(eval_one(&out.stdout, "DEPLOY_TARGET"), "staging");
}

#[test]
fn local_git_checkout_gives_branch_commit_and_tag() {
    let scratch = Scratch::example();
    let repo = scratch.path();
    git(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "shop\n").unwrap();
    git(repo, &["add", "README.md"]);
    git(repo, &["commit", "-q", "-m", "first"]);
    let head = git(repo, &["rev-parse", "HEAD"]);

    // On main: production, released as HEAD.
    let out = scratch.cmd(["select"]).run();
    out.assert_success();
    let v = eval_in("bash", &out.stdout, &KEYS);
    assert_eq!(v[0], "production");
    assert_eq!(v[5], head);
    assert_eq!(v[6], "main");

    // On a staging branch.
    git(repo, &["checkout", "-q", "-b", "staging"]);
    let out = scratch.cmd(["select", "--format", "env"]).run();
    out.assert_success();
    let pairs = env_pairs(&out.stdout);
    assert_eq!(get(&pairs, "DEPLOY_TARGET"), "staging");
    assert_eq!(get(&pairs, "DEPLOY_RELEASE"), head);

    // A release tag on a detached HEAD (as CodeBuild checks out a tag).
    std::fs::write(repo.join("CHANGELOG.md"), "v2.0.0\n").unwrap();
    git(repo, &["add", "CHANGELOG.md"]);
    git(repo, &["commit", "-q", "-m", "release"]);
    git(repo, &["tag", "-a", "v2.0.0", "-m", "v2.0.0"]);
    git(repo, &["checkout", "-q", "--detach", "v2.0.0"]);
    let tagged = git(repo, &["rev-parse", "HEAD"]);
    let out = scratch.cmd(["select", "--format", "json"]).run();
    out.assert_success();
    let json = out.json();
    assert_eq!(json["target"], "release");
    assert_eq!(json["release"], tagged.as_str());
    assert_eq!(json["context"]["tag"]["value"], "v2.0.0");
    assert_eq!(json["context"]["tag"]["source"], "git tag --points-at HEAD");
    assert!(json["context"]["branch"].is_null());

    let out = scratch.cmd(["explain"]).run();
    out.assert_success();
    assert!(
        out.stdout.contains("commit        ") && out.stdout.contains("from git rev-parse HEAD"),
        "{}",
        out.stdout
    );
}

#[test]
fn outside_any_repository_with_no_context_the_error_says_so() {
    let scratch = Scratch::example();
    let out = scratch.cmd(["select"]).run();
    out.assert_code(3);
    assert_stdout_empty(&out);
    assert!(
        out.stderr.contains("note: git: not a git repository"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.lines().last().unwrap().starts_with(
            "error: no deploy target matches this build (no branch, tag, pull request or pipeline)"
        ),
        "{}",
        out.stderr
    );
}

const SKIP_CONFIG: &str = r#"
on_no_match = "skip"

[[target]]
name = "production"
branches = ["main"]
services = ["web"]
variables = { RAILS_ENV = "production" }
"#;

#[test]
fn no_match_under_skip_prints_an_empty_target_and_exits_nothing_to_do() {
    let scratch = Scratch::new(SKIP_CONFIG);
    let vars = webhook_push("feature/cart");

    let out = with_env(scratch.cmd(["select"]), &vars).run();
    out.assert_code(5);
    let v = eval_in(
        "bash",
        &out.stdout,
        &[
            "DEPLOY_TARGET",
            "DEPLOY_SERVICES",
            "DEPLOY_APPROVAL",
            "DEPLOY_BRANCH",
        ],
    );
    assert_eq!(v, ["", "", "false", "feature/cart"]);
    assert!(
        !out.stdout.contains("RAILS_ENV"),
        "no target, no target variables"
    );
    assert!(
        out.stderr.contains("nothing to deploy (exit 5)"),
        "{}",
        out.stderr
    );

    let out = with_env(scratch.cmd(["select", "--format", "env"]), &vars).run();
    out.assert_code(5);
    assert!(out.stdout.starts_with("DEPLOY_TARGET=\n"), "{}", out.stdout);

    let out = with_env(scratch.cmd(["select", "--format", "json"]), &vars).run();
    out.assert_code(5);
    let json = out.json();
    assert_eq!(json["matched"], false);
    assert!(json["target"].is_null());
    assert_eq!(json["exports"]["DEPLOY_TARGET"], "");

    let out = with_env(scratch.cmd(["explain"]), &vars).run();
    out.assert_code(5);
}

#[test]
fn no_match_under_fail_lists_context_and_rules_and_exits_failed() {
    let scratch = Scratch::new(&SKIP_CONFIG.replace("\"skip\"", "\"fail\""));
    let out = with_env(scratch.cmd(["select"]), &webhook_push("feature/cart")).run();
    out.assert_code(3);
    assert_stdout_empty(&out);
    let stderr = redact(&out.stderr, &scratch);
    insta::assert_snapshot!(stderr, @r#"
    context:
      branch        "feature/cart"  from CODEBUILD_WEBHOOK_TRIGGER="branch/feature/cart"
      tag           -
      pull request  -
      base branch   -
      event         "PUSH"  from CODEBUILD_WEBHOOK_EVENT
      pipeline      -
      commit        "9c4e2f0b7a1d3c5e8f6a2b4d0c9e1f3a5b7d8c6e"  from CODEBUILD_RESOLVED_SOURCE_VERSION
    rules (first match wins):
      1. "production" (line 5): no match
           - branches: branch "feature/cart" matches none of "main"
    error: no deploy target matches this build (branch "feature/cart" from CODEBUILD_WEBHOOK_TRIGGER="branch/feature/cart", event "PUSH" from CODEBUILD_WEBHOOK_EVENT) and on_no_match is "fail"
    "#);

    let out = with_env(scratch.cmd(["explain"]), &webhook_push("feature/cart")).run();
    out.assert_code(3);
    assert!(out.stdout.contains("select fails with exit 3"));
}

#[test]
fn env_format_feeds_exported_variables_through_a_read_loop() {
    // The buildspec's way to export `--format env` lines without eval:
    //   while IFS= read -r kv; do export "$kv"; done < deploy-target.env
    let scratch = Scratch::new(
        r#"
[[target]]
name = "production"
branches = ["main"]
services = ["web", "worker"]
variables = { GREETING = "it's $(date) `x` ; a=b", SPACED = "  two  spaces  " }
"#,
    );
    let out = with_env(
        scratch.cmd(["select", "--format", "env"]),
        &webhook_push("main"),
    )
    .run();
    out.assert_success();
    let pairs = env_pairs(&out.stdout);
    assert_eq!(get(&pairs, "DEPLOY_SERVICES"), "web worker");
    assert_eq!(get(&pairs, "GREETING"), "it's $(date) `x` ; a=b");

    for shell in ["bash", "sh"] {
        let script = "while IFS= read -r kv; do export \"$kv\"; done\n\
                      printf '%s\\0' \"$DEPLOY_SERVICES\" \"$GREETING\" \"$SPACED\"";
        let res = run_with_stdin(
            std::process::Command::new(shell).arg("-c").arg(script),
            &out.stdout,
        );
        assert!(res.status.success());
        let got = String::from_utf8(res.stdout).unwrap();
        assert_eq!(
            got, "web worker\0it's $(date) `x` ; a=b\0  two  spaces  \0",
            "{shell}"
        );
    }
}

#[test]
fn env_format_refuses_a_value_with_a_newline_and_prints_nothing() {
    let scratch = Scratch::example();
    let out = scratch
        .cmd([
            "select", "--format", "env", "--branch", "main", "--commit", "abc\ndef",
        ])
        .run();
    out.assert_code(2);
    assert_stdout_empty(&out);
    assert_eq!(
        out.stderr_lines(),
        [
            "error: cannot print DEPLOY_RELEASE in this format: its value contains a newline; use --format shell or json"
        ]
    );
    // The same value is fine where it can be carried.
    let out = scratch
        .cmd(["select", "--branch", "main", "--commit", "abc\ndef"])
        .run();
    out.assert_success();
    assert_eq!(eval_one(&out.stdout, "DEPLOY_RELEASE"), "abc\ndef");
    let out = scratch
        .cmd([
            "select", "--format", "json", "--branch", "main", "--commit", "abc\ndef",
        ])
        .run();
    out.assert_success();
    assert_eq!(out.json()["release"], "abc\ndef");
}

#[test]
fn format_comes_from_its_env_twin() {
    let scratch = Scratch::example();
    let out = scratch
        .cmd(["select", "--branch", "main"])
        .env("DEPLOY_TARGET_FORMAT", "json")
        .run();
    out.assert_success();
    assert_eq!(out.json()["target"], "production");
}

#[test]
fn config_path_from_flag_and_env_twin() {
    let scratch = Scratch::example();
    std::fs::rename(
        scratch.path().join("deploy-targets.toml"),
        scratch.path().join("targets.toml"),
    )
    .unwrap();
    let out = scratch.cmd(["select", "--branch", "main"]).run();
    out.assert_code(2);
    assert!(
        out.stderr
            .starts_with("error: failed to read config deploy-targets.toml:"),
        "{}",
        out.stderr
    );
    scratch
        .cmd(["select", "--branch", "main", "--config", "targets.toml"])
        .run()
        .assert_success();
    scratch
        .cmd(["select", "--branch", "main"])
        .env("DEPLOY_TARGET_CONFIG", "targets.toml")
        .run()
        .assert_success();
}

#[test]
fn shadowed_rules_warn_at_select_time() {
    let scratch = Scratch::new(
        r#"
[[target]]
name = "everything"
branches = ["**"]

[[target]]
name = "production"
branches = ["main"]
"#,
    );
    let out = scratch.cmd(["select", "--branch", "main"]).run();
    out.assert_success();
    assert_eq!(eval_one(&out.stdout, "DEPLOY_TARGET"), "everything");
    assert!(
        out.stderr.contains(
            "warning: deploy-targets.toml:7:8: target \"production\" can never be selected"
        ),
        "{}",
        out.stderr
    );
}
