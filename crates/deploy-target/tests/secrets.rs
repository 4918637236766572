//! No secret reaches deploy-target's output: `select` (shell, env, json), `explain` (text,
//! json), `check` and `-q`, from CodeBuild's variables and from local git, and on the error
//! paths (an invalid config, no match, a value `--format env` cannot carry, no repository),
//! with secrets planted where a build holds them: credentials in the git remote URL and in
//! git's `http.extraHeader`, tokens in the environment and in `CODEBUILD_SOURCE_REPO_URL` /
//! `CODEBUILD_SOURCE_VERSION`, and AWS keys deploy-target never needs.
//!
//! deploy-target runs `git` (argv only) to read the branch, HEAD and its tags; nothing it
//! asks git for involves a remote.

mod common;

use common::{Scratch, codepipeline, git, webhook_pull_request, webhook_push, webhook_tag};
use slipway_testkit::secrets::{self, ALL, AWS_SECRET_ACCESS_KEY, GIT_TOKEN};
use slipway_testkit::{Output, SlipwayCommand};

/// A checkout as CI or a laptop has it: a commit on `main` tagged `v1.2.0`, whose remote
/// and extra header carry a token.
fn checkout(scratch: &Scratch) {
    let dir = scratch.path();
    git(dir, &["init", "-q", "-b", "main"]);
    git(
        dir,
        &["remote", "add", "origin", &secrets::git_remote_url()],
    );
    git(
        dir,
        &[
            "config",
            "http.https://github.com/.extraheader",
            &secrets::git_extra_header(),
        ],
    );
    git(dir, &["add", "deploy-targets.toml"]);
    git(dir, &["commit", "-q", "-m", "config"]);
    git(dir, &["tag", "v1.2.0"]);
}

/// `deploy-target ARGS` in `scratch` with every planted secret in its environment.
fn cmd(scratch: &Scratch, args: &[&str], vars: &[(&str, String)]) -> SlipwayCommand {
    let mut cmd = secrets::plant(scratch.cmd(args))
        .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET_ACCESS_KEY)
        // A build started by hand for a source given as a URL with its token.
        .env(
            "CODEBUILD_SOURCE_VERSION",
            format!("https://x-access-token:{GIT_TOKEN}@github.com/shop/app/archive/main.zip"),
        );
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    cmd
}

#[track_caller]
fn check(cmd: SlipwayCommand, what: &str, code: i32) -> Output {
    secrets::run_checked(cmd, &ALL, what, code)
}

/// Every command and format, in one context.
fn every_mode(scratch: &Scratch, context: &str, vars: &[(&str, String)], select_code: i32) {
    let modes: &[(&[&str], i32)] = &[
        (&["select"], select_code),
        (&["select", "--format", "env"], select_code),
        (&["select", "--format", "json"], select_code),
        (&["-q", "select"], select_code),
        (&["explain"], select_code),
        (&["explain", "--json"], select_code),
        (&["check"], 0),
    ];
    for (args, code) in modes {
        check(
            cmd(scratch, args, vars),
            &format!("{context}: {args:?}"),
            *code,
        );
    }
}

#[test]
fn no_secret_in_any_output_from_codebuild_or_local_git() {
    let scratch = Scratch::example();
    checkout(&scratch);
    // Local git: a laptop, or a CodeBuild source without webhook variables.
    let out = check(cmd(&scratch, &["explain"], &[]), "local git: explain", 0);
    assert!(out.stdout.contains("git symbolic-ref"), "{}", out.stdout);
    every_mode(&scratch, "local git", &[], 0);
    every_mode(&scratch, "webhook push", &webhook_push("main"), 0);
    every_mode(&scratch, "webhook tag", &webhook_tag("v1.2.0"), 0);
    every_mode(
        &scratch,
        "pull request",
        &webhook_pull_request(7, "feature/x", "main", "PULL_REQUEST_CREATED"),
        0,
    );
    every_mode(
        &scratch,
        "codepipeline",
        &codepipeline("shop-production", Some("main")),
        0,
    );
    // No match under on_no_match = "fail": the context and every rule go to stderr.
    every_mode(
        &scratch,
        "no match",
        &webhook_push("nobody-deploys-this"),
        3,
    );
}

#[test]
fn no_secret_on_the_error_paths() {
    // A config that does not parse, and one with problems the validator finds.
    for config in [
        "this is not toml = = =\n",
        "[[target]]\nname = \"x\"\nbogus = 1\nbranches = []\n",
    ] {
        let scratch = Scratch::new(config);
        checkout(&scratch);
        for args in [&["check"][..], &["select"][..], &["explain", "--json"][..]] {
            check(
                cmd(&scratch, args, &[]),
                &format!("bad config: {args:?}"),
                2,
            );
        }
    }
    // A value --format env cannot carry: refused, naming the key, not the value.
    let scratch = Scratch::new(
        "[[target]]\nname = \"production\"\nbranches = [\"main\"]\n\
         variables = { NOTE = \"two\\nlines\" }\n",
    );
    checkout(&scratch);
    let out = check(
        cmd(
            &scratch,
            &["select", "--format", "env"],
            &webhook_push("main"),
        ),
        "unsafe env value",
        2,
    );
    assert!(out.stderr.contains("NOTE"), "{}", out.stderr);
    // No repository at all (git's own complaint is shown, one line).
    let scratch = Scratch::example();
    let out = check(cmd(&scratch, &["explain"], &[]), "no repository", 3);
    assert!(out.stdout.contains("git:"), "{}", out.stdout);
    // No config file.
    let empty = tempfile::tempdir().unwrap();
    check(
        secrets::plant(
            SlipwayCommand::new(common::BIN)
                .current_dir(empty.path())
                .arg("check"),
        ),
        "no config file",
        2,
    );
}
