//! The deploy-target lines of `buildspec/build-and-deploy.yml`, run the way CodeBuild runs them
//! (bash, one command after another, a failing command fails the build), with the real binary
//! on PATH. Keeps the shipped buildspec honest: it selects, it skips, it fails when it must, and
//! it never runs what a branch name carries. (`scripts/rehearse`'s tests run the whole file.)

mod common;

use std::path::{Path, PathBuf};

use common::*;
use slipway_testkit::SlipwayCommand;
use yaml_rust2::YamlLoader;

fn buildspec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../buildspec/build-and-deploy.yml")
}

/// The buildspec's commands that involve deploy-target or its output, in phase order.
fn commands() -> Vec<String> {
    let text = std::fs::read_to_string(buildspec()).unwrap();
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    assert_eq!(doc["env"]["shell"].as_str(), Some("bash"));
    let exported: Vec<&str> = doc["env"]["exported-variables"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(exported.contains(&"DEPLOY_ENVIRONMENT"));
    let mut commands = Vec::new();
    for c in doc["phases"]["pre_build"]["commands"].as_vec().unwrap() {
        let c = c.as_str().unwrap();
        if c.contains("deploy-target") || c.contains("read -r kv") {
            commands.push(c.to_owned());
        }
    }
    assert!(commands.len() >= 3, "{commands:?}");
    commands
}

/// Runs the commands in one bash (as buildspec 0.2 does: state persists between commands),
/// stopping with 42 at the first that fails, then prints the named variables.
fn run_buildspec(scratch: &Scratch, vars: &[(&str, String)]) -> std::process::Output {
    let bin_dir = scratch.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let link = bin_dir.join("deploy-target");
    if !link.exists() {
        std::os::unix::fs::symlink(BIN, &link).unwrap();
    }
    let mut script = String::new();
    for c in commands() {
        script.push_str(&format!("{{\n{c}\n}} || exit 42\n"));
    }
    script.push_str("printf '%s\\0' \"$DEPLOY_TARGET\" \"$DEPLOY_SERVICES\" \"$DEPLOY_BRANCH\"\n");
    let mut cmd = SlipwayCommand::new("bash")
        .current_dir(scratch.path())
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .env("GIT_CEILING_DIRECTORIES", scratch.path())
        .args(["-c", &script]);
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    cmd.into_command().output().unwrap()
}

fn values(out: &std::process::Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "{:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<String> = String::from_utf8(out.stdout.clone())
        .unwrap()
        .split('\0')
        .map(str::to_owned)
        .collect();
    v.pop();
    v
}

#[test]
fn buildspec_lines_select_a_target() {
    let scratch = Scratch::example();
    let out = run_buildspec(&scratch, &webhook_push("staging"));
    let v = values(&out);
    assert_eq!(v[0], "staging");
    assert_eq!(v[1], "web worker");
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("deploy-target.env"))
            .unwrap()
            .lines()
            .next(),
        Some("DEPLOY_TARGET=staging")
    );
}

#[test]
fn buildspec_lines_carry_hostile_branch_names_without_running_them() {
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("PWNED");
    let scratch =
        Scratch::new("[[target]]\nname = \"any\"\nbranches = [\"**\"]\nservices = [\"web\"]\n");
    let branch = format!("x$(touch {m});`touch {m}`'\"", m = marker.display());
    let out = run_buildspec(&scratch, &webhook_push(&branch));
    let v = values(&out);
    assert!(!marker.exists(), "the buildspec ran a branch name");
    assert_eq!(v, ["any", "web", branch.as_str()]);
}

#[test]
fn buildspec_lines_deploy_nothing_when_the_config_says_skip() {
    let scratch = Scratch::new(
        "on_no_match = \"skip\"\n[[target]]\nname = \"production\"\nbranches = [\"main\"]\nservices = [\"web\"]\n",
    );
    let out = run_buildspec(&scratch, &webhook_push("feature/cart"));
    let v = values(&out);
    assert_eq!(v, ["", "", "feature/cart"]);
}

#[test]
fn buildspec_lines_fail_the_build_when_nothing_matches_under_fail() {
    let scratch = Scratch::new(
        "[[target]]\nname = \"production\"\nbranches = [\"main\"]\nservices = [\"web\"]\n",
    );
    let out = run_buildspec(&scratch, &webhook_push("feature/cart"));
    assert_eq!(out.status.code(), Some(42), "the build must fail");
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: no deploy target matches"));
}
