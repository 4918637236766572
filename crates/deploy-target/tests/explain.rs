//! `deploy-target explain`: the context with the source of every value, and every rule with
//! the reason it matched or not.

mod common;

use common::*;

#[test]
fn explain_shows_sources_and_reasons_for_a_pull_request_build() {
    let scratch = Scratch::example();
    let out = with_env(
        scratch.cmd(["explain"]),
        &webhook_pull_request(17, "feature/cart", "main", "PULL_REQUEST_CREATED"),
    )
    .run();
    out.assert_success();
    insta::assert_snapshot!(out.stdout, @r#"
    config: deploy-targets.toml (4 targets, on_no_match = "fail", branch_variable = SOURCE_BRANCH)

    context:
      branch        "feature/cart"  from CODEBUILD_WEBHOOK_HEAD_REF="refs/heads/feature/cart"
      tag           -
      pull request  "17"  from CODEBUILD_WEBHOOK_TRIGGER="pr/17"
      base branch   "main"  from CODEBUILD_WEBHOOK_BASE_REF="refs/heads/main"
      event         "PULL_REQUEST_CREATED"  from CODEBUILD_WEBHOOK_EVENT
      pipeline      -
      commit        "9c4e2f0b7a1d3c5e8f6a2b4d0c9e1f3a5b7d8c6e"  from CODEBUILD_RESOLVED_SOURCE_VERSION

    rules (first match wins):
      1. "preview" (line 28): MATCH (selected)
           + pull_requests: pull request #17; base branch "main" matches "main"; event "PULL_REQUEST_CREATED" is listed
      2. "staging" (line 37): no match
           - pull_requests: this is a pull-request build (#17) and the target has no pull_requests matcher
           - branches: branch "feature/cart" matches none of "staging"
      3. "production" (line 50): no match
           - pull_requests: this is a pull-request build (#17) and the target has no pull_requests matcher
           - branches: branch "feature/cart" matches none of "main"
      4. "release" (line 63): no match
           - pull_requests: this is a pull-request build (#17) and the target has no pull_requests matcher
           - tags: no tag in the context

    result: "preview": environment "preview", no approval, services: none, jobs: none
    "#);
    assert_eq!(
        out.stderr_lines(),
        ["deploy-target explain: select would choose \"preview\""]
    );
}

#[test]
fn explain_says_when_a_later_rule_would_also_match() {
    let scratch = Scratch::new(
        "[[target]]\nname = \"main\"\nbranches = [\"main\"]\n\n\
         [[target]]\nname = \"main-from-pipeline\"\nbranches = [\"main\"]\npipelines = [\"shop\"]\n",
    );
    let out = scratch
        .cmd(["explain", "--branch", "main", "--pipeline", "shop"])
        .run();
    out.assert_success();
    assert!(
        out.stdout
            .contains("2. \"main-from-pipeline\" (line 6): would match, but \"main\" comes first"),
        "{}",
        out.stdout
    );
    // The second rule is provably shadowed: select and explain warn about it.
    assert!(
        out.stderr.contains("warning: deploy-targets.toml:6:8"),
        "{}",
        out.stderr
    );
}

#[test]
fn explain_json_carries_the_same_facts() {
    let scratch = Scratch::example();
    let out = with_env(scratch.cmd(["explain", "--json"]), &webhook_tag("v3.1.0")).run();
    out.assert_success();
    let json = out.json();
    assert_eq!(json["selected"], "release");
    assert_eq!(json["on_no_match"], "fail");
    assert_eq!(json["context"]["tag"]["value"], "v3.1.0");
    assert_eq!(
        json["context"]["tag"]["source"],
        "CODEBUILD_WEBHOOK_TRIGGER=\"tag/v3.1.0\""
    );
    let rules = json["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 4);
    assert_eq!(rules[3]["matched"], true);
    assert_eq!(
        rules[3]["checks"][0]["why"],
        "tag \"v3.1.0\" matches \"v*\""
    );
    assert_eq!(rules[2]["checks"][0]["why"], "no branch in the context");
}
