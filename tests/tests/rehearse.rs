//! `scripts/rehearse` and the buildspecs in `buildspec/`.
//!
//! Every buildspec is valid for CodeBuild's buildspec schema (checked by `rehearse --check`,
//! whose one-line errors are asserted on broken buildspecs), and every one is rehearsed: run
//! phase by phase in one shell against a real rclone serve s3 and moto_server, with the real
//! asset-sync, deploy-target and migrate-task. Each rehearsal asserts what the binaries left on
//! the local servers (objects and release records in the bucket, images in ECR, the migration
//! task in ECS) and that docker, copilot, cdk and aws were printed, not run: stand-ins for them
//! later on PATH would leave a marker if anything ran them.
//!
//! The binaries come from this test's own target folder (`target/debug`): `cargo test
//! --workspace` builds every package's binaries before any test runs. No cargo runs in here.

use std::path::{Path, PathBuf};

use serde_json::Value;
use slipway_testkit::tools::repo_root;
use slipway_testkit::{Output, SlipwayCommand};
use yaml_rust2::YamlLoader;

/// Buildspecs with a rehearsal of their own below; any other `buildspec/*.yml` is rehearsed by
/// `every_other_buildspec_rehearses`.
const REHEARSED_BELOW: &[&str] = &["build-and-deploy.yml", "pr-check.yml", "prune.yml"];

/// The tools the buildspecs call that need AWS or a daemon.
const OUTSIDE_TOOLS: &[&str] = &["docker", "copilot", "cdk", "aws"];

fn buildspecs() -> Vec<PathBuf> {
    let dir = repo_root().join("buildspec");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no buildspec in {}", dir.display());
    found
}

/// The folder holding the workspace's binaries: this test runs from `target/debug/deps/`.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .to_path_buf();
    for bin in ["asset-sync", "deploy-target", "migrate-task", "make-assets"] {
        assert!(
            dir.join(bin).is_file(),
            "{} is missing: build the binaries first with `cargo build --bins --locked` \
             (`cargo test --workspace` builds them)",
            dir.join(bin).display()
        );
    }
    dir
}

fn rehearse_cmd() -> SlipwayCommand {
    let mut cmd = SlipwayCommand::new(repo_root().join("scripts").join("rehearse"));
    // The scrubbed environment drops SLIPWAY_*: keep the tools folder the suite uses.
    if let Some(tools) = std::env::var_os("SLIPWAY_TOOLS_DIR") {
        cmd = cmd.env("SLIPWAY_TOOLS_DIR", tools);
    }
    cmd
}

/// A finished rehearsal: its output, its JSON result and its work folder (servers' data).
struct Rehearsal {
    out: Output,
    json: Value,
    work: tempfile::TempDir,
    /// Stand-ins for docker, copilot, cdk and aws placed on PATH after rehearse's own: each
    /// leaves a file named after itself here when it runs.
    ran: tempfile::TempDir,
}

impl Rehearsal {
    fn run(buildspec: &str, args: &[&str]) -> Rehearsal {
        let work = tempfile::Builder::new()
            .prefix("slipway-rehearse-test-")
            .tempdir()
            .unwrap();
        let ran = tempfile::tempdir().unwrap();
        let fake_bin = ran.path().join("bin");
        std::fs::create_dir(&fake_bin).unwrap();
        for tool in OUTSIDE_TOOLS {
            let path = fake_bin.join(tool);
            std::fs::write(
                &path,
                format!(
                    "#!/bin/sh\n: > '{}'\n",
                    ran.path().join(format!("{tool}.ran")).display()
                ),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = std::env::join_paths(std::iter::once(fake_bin).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .unwrap();
        let out = rehearse_cmd()
            .arg(repo_root().join("buildspec").join(buildspec))
            .args(args)
            .arg("--bin-dir")
            .arg(bin_dir())
            .arg("--work-dir")
            .arg(work.path().join("w"))
            .arg("--json")
            .env("PATH", path)
            .current_dir(repo_root())
            .run();
        let json = out.json();
        assert_eq!(
            json["exit_code"].as_i64(),
            out.code.map(i64::from),
            "the JSON's exit_code is the exit status\n{}",
            out.stderr
        );
        Rehearsal {
            out,
            json,
            work,
            ran,
        }
    }

    fn work(&self) -> PathBuf {
        self.work.path().join("w")
    }

    fn exported(&self, name: &str) -> &str {
        self.json["exported_variables"][name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} was not exported: {}", self.json))
    }

    /// The commands printed instead of run, each as its argv joined by spaces.
    fn would_run(&self) -> Vec<String> {
        self.json["would_run"]
            .as_array()
            .unwrap()
            .iter()
            .map(|argv| {
                argv.as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    fn would_run_any(&self, prefix: &str) -> bool {
        self.would_run().iter().any(|c| c.starts_with(prefix))
    }

    /// Nothing outside our binaries really ran: every call went to rehearse's stand-ins.
    #[track_caller]
    fn assert_outside_tools_not_run(&self) {
        for tool in OUTSIDE_TOOLS {
            assert!(
                !self.ran.path().join(format!("{tool}.ran")).exists(),
                "{tool} really ran\n{}",
                self.out.stderr
            );
        }
    }

    fn ecr_tags(&self) -> Vec<String> {
        self.json["local"]["ecr"]["shop/web"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn ecs_tasks(&self) -> &Vec<Value> {
        self.json["local"]["ecs"]["tasks"].as_array().unwrap()
    }

    fn bucket(&self) -> PathBuf {
        self.work().join("s3").join("shop-assets")
    }

    /// Release ids of the records in the bucket, from the server's own storage.
    fn release_records(&self) -> Vec<Value> {
        let dir = self.bucket().join("assets/.slipway/releases");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }

    fn record(&self, release: &str) -> Option<Value> {
        self.release_records()
            .into_iter()
            .find(|r| r["release"] == release)
    }

    fn keys_of(record: &Value) -> Vec<String> {
        record["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["key"].as_str().unwrap().to_owned())
            .collect()
    }

    fn stored(&self, key: &str) -> bool {
        self.bucket().join(key).is_file()
    }

    /// The commit the rehearsal built (CODEBUILD_RESOLVED_SOURCE_VERSION).
    fn commit(&self) -> String {
        let uri = self.exported("IMAGE_URI");
        uri.rsplit(':').next().unwrap().to_owned()
    }
}

/// The names a buildspec lists under `env.exported-variables`.
fn exported_names(buildspec: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("buildspec").join(buildspec)).unwrap();
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    doc["env"]["exported-variables"]
        .as_vec()
        .map(|v| v.iter().map(|n| n.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

// ---- the schema ---------------------------------------------------------------------------

#[test]
fn every_buildspec_is_valid_for_codebuild() {
    let specs = buildspecs();
    let out = rehearse_cmd().arg("--check").args(&specs).run();
    out.assert_success();
    for spec in &specs {
        assert!(
            out.stderr.contains(&format!("{}: valid", spec.display())),
            "{} not reported valid:\n{}",
            spec.display(),
            out.stderr
        );
    }
}

#[test]
fn invalid_buildspecs_are_refused_with_one_line_naming_the_problem() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "misspelled phase",
            "version: 0.2\nphases:\n  pre-build:\n    commands: [make]\n",
            ": phases: unknown key 'pre-build' (expected one of: build, install, post_build, pre_build)",
        ),
        (
            "no version",
            "phases:\n  build:\n    commands: [make]\n",
            ": (top level): 'version' is a required property",
        ),
        (
            "unquoted colon-space makes a mapping, not a command",
            "version: 0.2\nphases:\n  build:\n    commands:\n      - echo target: staging\n",
            ": phases.build.commands[0]: a command must be a string",
        ),
        (
            "unknown on-failure",
            "version: 0.2\nphases:\n  build:\n    on-failure: STOP\n    commands: [make]\n",
            ": phases.build.on-failure: on-failure must be ABORT, CONTINUE, RETRY",
        ),
        (
            "an AWS_ variable cannot be exported",
            "version: 0.2\nenv:\n  exported-variables: [AWS_REGION]\nphases:\n  build:\n    commands: [make]\n",
            ": env.exported-variables[0]: an exported variable must be a shell name, not starting with AWS_",
        ),
        (
            "CODEBUILD_ is reserved",
            "version: 0.2\nenv:\n  variables:\n    CODEBUILD_BUILD_ID: x\nphases:\n  build:\n    commands: [make]\n",
            ": env.variables.CODEBUILD_BUILD_ID: a variable name must be a shell name, not starting with CODEBUILD_",
        ),
        (
            "a phase without commands",
            "version: 0.2\nphases:\n  build:\n    finally: [make clean]\n",
            ": phases.build: 'commands' is a required property",
        ),
        (
            "duplicate key",
            "version: 0.2\nphases:\n  build:\n    commands: [a]\n  build:\n    commands: [b]\n",
            ":5:3: invalid YAML: duplicate key 'build'",
        ),
        ("not YAML", "version: 0.2\nphases: [\n", ": invalid YAML:"),
        (
            "a command the shell cannot parse",
            "version: 0.2\nenv:\n  shell: bash\nphases:\n  build:\n    commands:\n      - if true; then echo yes\n",
            ": phases.build.commands[0]: bash cannot parse it:",
        ),
        (
            "an unknown report format",
            "version: 0.2\nphases:\n  build:\n    commands: [make]\nreports:\n  rspec:\n    files: [x.xml]\n    file-format: XML\n",
            ": reports.rspec.file-format: file-format must be one of CUCUMBERJSON",
        ),
        (
            "version 0.1",
            "version: 0.1\nphases:\n  build:\n    commands: [make]\n",
            ": version: rehearse runs version 0.2 only",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (what, text, expected) in cases {
        let path = dir.path().join("buildspec.yml");
        std::fs::write(&path, text).unwrap();
        let out = rehearse_cmd().arg("--check").arg(&path).run();
        out.assert_code(2);
        let lines = out.stderr_lines();
        assert_eq!(lines.len(), 1, "{what}: one line expected:\n{}", out.stderr);
        let prefix = format!("rehearse: error: {}", path.display());
        assert!(
            lines[0].starts_with(&prefix) && lines[0].contains(expected),
            "{what}: expected {expected:?} in:\n{}",
            lines[0]
        );
    }
}

#[test]
fn an_invalid_buildspec_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("buildspec.yml");
    std::fs::write(
        &path,
        "version: 0.2\nphases:\n  build:\n    commands: [touch built]\n    finaly: [x]\n",
    )
    .unwrap();
    let work = dir.path().join("work");
    let out = rehearse_cmd()
        .arg(&path)
        .args(["--branch", "main", "--bin-dir"])
        .arg(bin_dir())
        .arg("--work-dir")
        .arg(&work)
        .current_dir(dir.path())
        .run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("phases.build: unknown key 'finaly'"),
        "{}",
        out.stderr
    );
    assert!(!work.exists(), "no work folder, no server, no build");
    assert!(!dir.path().join("built").exists());
}

#[test]
fn the_install_phase_unpacks_a_checked_release_and_refuses_a_tampered_one() {
    // The branch a rehearsal never takes (it puts the binaries on PATH): a build image without
    // Slipway, where install fetches the archive scripts/release makes (one folder laid out as
    // a prefix) with the SHA256SUMS beside it, here from a file:// URL.
    let dir = tempfile::tempdir().unwrap();
    let name = "slipway-0.1.0-x86_64-unknown-linux-musl";
    let stage = dir.path().join("stage");
    std::fs::create_dir_all(stage.join(name).join("bin")).unwrap();
    // Stand-ins for the binaries: what is tested is the fetch, the check and the unpacking.
    for bin in ["asset-sync", "deploy-target", "migrate-task"] {
        let path = stage.join(name).join("bin").join(bin);
        std::fs::write(&path, format!("#!/bin/sh\necho '{bin} 0.1.0'\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let release = dir.path().join("release");
    std::fs::create_dir(&release).unwrap();
    let archive = release.join(format!("{name}.tar.gz"));
    let tar = |out: &Path| {
        let ok = std::process::Command::new("tar")
            .arg("-czf")
            .arg(out)
            .arg("-C")
            .arg(&stage)
            .arg(name)
            .status()
            .unwrap();
        assert!(ok.success());
    };
    tar(&archive);
    let sums = std::process::Command::new("sha256sum")
        .arg(format!("{name}.tar.gz"))
        .current_dir(&release)
        .output()
        .unwrap();
    assert!(sums.status.success());
    std::fs::write(release.join("SHA256SUMS"), &sums.stdout).unwrap();

    // The developer's PATH without any folder holding our binaries (so install must fetch
    // them), and with a stand-in curl for file:// URLs on a machine that has no curl.
    let ours = ["asset-sync", "deploy-target", "migrate-task"];
    let mut dirs: Vec<PathBuf> =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .filter(|d| !ours.iter().any(|b| d.join(b).exists()))
            .collect();
    if !dirs.iter().any(|d| d.join("curl").is_file()) {
        let curl_dir = dir.path().join("curl-bin");
        std::fs::create_dir(&curl_dir).unwrap();
        let curl = curl_dir.join("curl");
        std::fs::write(
            &curl,
            "#!/bin/sh\n# curl -fsSL -o OUT file://PATH, for machines without curl\n\
             while [ $# -gt 0 ]; do case $1 in -o) out=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done\n\
             cp \"${url#file://}\" \"$out\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
        dirs.insert(0, curl_dir);
    }
    let path = std::env::join_paths(dirs).unwrap();

    let install = |spec: &Path, prefix: &Path| {
        let text = std::fs::read_to_string(spec).unwrap();
        let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
        let command = doc["phases"]["install"]["commands"][0]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no install command", spec.display()))
            .to_owned();
        // As CodeBuild runs it: one shell, so the PATH install exports reaches later commands.
        SlipwayCommand::new("bash")
            .arg("-c")
            .arg(format!(
                "{command}\nasset-sync --version && deploy-target --version"
            ))
            .env("PATH", &path)
            .env(
                "SLIPWAY_RELEASE_URL",
                format!("file://{}", release.display()),
            )
            .env("SLIPWAY_ARCHIVE", name)
            .env("SLIPWAY_PREFIX", prefix)
            .current_dir(dir.path())
            .run()
    };
    for spec in buildspecs() {
        let prefix = dir.path().join(format!(
            "prefix-{}",
            spec.file_stem().unwrap().to_str().unwrap()
        ));
        let out = install(&spec, &prefix);
        out.assert_success();
        assert!(
            out.stdout.contains("asset-sync 0.1.0") && out.stdout.contains("deploy-target 0.1.0"),
            "{}: {}",
            spec.display(),
            out.stdout
        );
        assert!(prefix.join("bin/migrate-task").is_file());
    }

    // The same name, other bytes: refused, and nothing is unpacked.
    std::fs::write(
        stage.join(name).join("bin/extra"),
        b"not in the checked release",
    )
    .unwrap();
    tar(&archive);
    let prefix = dir.path().join("prefix-tampered");
    let out = install(&repo_root().join("buildspec/build-and-deploy.yml"), &prefix);
    assert_ne!(out.code, Some(0), "a tampered archive was accepted");
    assert!(out.stdout.contains("FAILED"), "{}", out.stdout);
    assert!(!prefix.join("bin").exists(), "something was unpacked");
}

// ---- the rehearsals -----------------------------------------------------------------------

#[test]
fn build_and_deploy_on_staging_migrates_from_the_new_image_and_deploys_the_selected_services() {
    let r = Rehearsal::run("build-and-deploy.yml", &["--branch", "staging"]);
    r.out.assert_success();
    r.assert_outside_tools_not_run();
    let names: Vec<String> = r.json["exported_variables"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut expected = exported_names("build-and-deploy.yml");
    expected.sort();
    let mut names_sorted = names.clone();
    names_sorted.sort();
    assert_eq!(
        names_sorted, expected,
        "every exported variable is reported"
    );
    assert_eq!(r.exported("DEPLOY_TARGET"), "staging");
    assert_eq!(r.exported("DEPLOY_SERVICES"), "web worker");
    assert_eq!(r.exported("DEPLOYED"), "true");
    let commit = r.commit();
    let image = r.exported("IMAGE_URI").to_owned();
    assert_eq!(
        image,
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:{commit}")
    );
    // stdout without --json would be these KEY=value lines; with it, the same values.
    assert_eq!(r.exported("DEPLOY_RELEASE"), commit);

    // Printed, not run: the image build and push, and the ECS deploy of each service.
    assert!(r.would_run_any(&format!("docker build --tag {image} .")));
    assert!(r.would_run_any(&format!("docker push {image}")));
    for service in ["web", "worker"] {
        assert!(r.would_run_any(&format!(
            "aws ecs update-service --cluster shop-staging --service {service} --force-new-deployment"
        )));
    }
    assert!(!r.would_run_any("copilot") && !r.would_run_any("cdk"));

    // asset-sync really uploaded the release: its record, and every object it names.
    let record = r.record(&commit).expect("a release record for the commit");
    assert_eq!(record["environment"], "staging");
    let keys = Rehearsal::keys_of(&record);
    assert!(keys.len() > 50, "{}", keys.len());
    for key in &keys {
        assert!(r.stored(key), "{key} is not in the bucket");
    }

    // The pushed image and one tag per selected service and job (not report-mailer).
    let tags = r.ecr_tags();
    for tag in [
        commit.as_str(),
        "staging-web",
        "staging-worker",
        "staging-db-cleanup",
    ] {
        assert!(tags.iter().any(|t| t == tag), "{tag} not in {tags:?}");
    }
    assert!(
        !tags.iter().any(|t| t.contains("report-mailer")),
        "{tags:?}"
    );

    // migrate-task ran bin/rails db:migrate in one task from the new image, pinned.
    let tasks = r.ecs_tasks();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(task["started_by"], "slipway-migrate-task");
    assert_eq!(task["last_status"], "STOPPED");
    assert_eq!(task["task_definition"], "shop-staging-web-migrate:1");
    assert_eq!(
        task["command"],
        serde_json::json!(["bin/rails", "db:migrate"])
    );
    let pinned = task["image"].as_str().unwrap();
    assert!(
        pinned.starts_with("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web@sha256:"),
        "{pinned}"
    );
    assert!(
        r.out
            .stderr
            .contains(&format!("image tag {commit} is {pinned}"))
    );
}

#[test]
fn build_and_deploy_on_main_builds_and_uploads_but_waits_for_approval() {
    let r = Rehearsal::run("build-and-deploy.yml", &["--branch", "main"]);
    r.out.assert_success();
    r.assert_outside_tools_not_run();
    assert_eq!(r.exported("DEPLOY_TARGET"), "production");
    assert_eq!(r.exported("DEPLOY_APPROVAL"), "true");
    assert_eq!(r.exported("DEPLOYED"), "false");
    let commit = r.commit();
    assert!(r.ecr_tags().contains(&commit), "the image was pushed");
    let record = r.record(&commit).expect("the assets were uploaded");
    assert_eq!(record["environment"], "production");
    assert!(r.ecs_tasks().is_empty(), "no migration before the approval");
    assert!(!r.would_run_any("aws ecs update-service"));
    assert!(!r.would_run_any("docker tag"));
    assert!(r.out.stderr.contains("production needs approval"));
}

#[test]
fn build_and_deploy_from_a_pipeline_deploys_with_copilot() {
    // CodePipeline passes the branch in the config's branch_variable (SOURCE_BRANCH).
    let r = Rehearsal::run(
        "build-and-deploy.yml",
        &[
            "--pipeline",
            "shop-staging",
            "--env",
            "SOURCE_BRANCH=staging",
            "--env",
            "DEPLOY_WITH=copilot",
        ],
    );
    r.out.assert_success();
    r.assert_outside_tools_not_run();
    assert_eq!(r.exported("DEPLOY_TARGET"), "staging");
    assert_eq!(r.exported("DEPLOYED"), "true");
    // migrate-task found the service by Copilot's tags.
    let tasks = r.ecs_tasks();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["started_by"], "slipway-migrate-task");
    for cmd in [
        "copilot svc deploy --app shop --env staging --name web",
        "copilot svc deploy --app shop --env staging --name worker",
        "copilot job deploy --app shop --env staging --name db-cleanup",
    ] {
        assert!(
            r.would_run_any(cmd),
            "{cmd} not printed: {:?}",
            r.would_run()
        );
    }
    assert!(!r.would_run_any("copilot job deploy --app shop --env staging --name report-mailer"));
    assert!(!r.would_run_any("aws ecs update-service"));
}

#[test]
fn a_deploy_step_without_its_build_fails_before_anything_is_deployed() {
    // RELEASE_STEP=deploy reuses what the build step of the same commit made; here there was
    // none, so asset-sync verify fails the build phase, and post_build still runs.
    let r = Rehearsal::run(
        "build-and-deploy.yml",
        &["--branch", "staging", "--env", "RELEASE_STEP=deploy"],
    );
    r.out.assert_code(3);
    r.assert_outside_tools_not_run();
    let phases: Vec<(String, String)> = r.json["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("INSTALL", "SUCCEEDED"),
        ("PRE_BUILD", "SUCCEEDED"),
        ("BUILD", "FAILED"),
        ("POST_BUILD", "SUCCEEDED"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(phases, expected);
    assert_eq!(r.json["failed_command"]["phase"], "build");
    assert_eq!(r.json["failed_command"]["exit_status"], 2);
    assert!(
        r.json["failed_command"]["command"]
            .as_str()
            .unwrap()
            .contains("asset-sync verify")
    );
    assert_eq!(r.exported("DEPLOYED"), "false");
    assert!(r.ecs_tasks().is_empty());
    assert!(!r.would_run_any("docker push") && !r.would_run_any("aws ecs update-service"));
    // The build phase's finally ran, and post_build saw CODEBUILD_BUILD_SUCCEEDING=0.
    assert!(r.would_run_any("docker rm slipway-assets"));
    assert!(r.out.stderr.contains("the build failed; deployed: false"));
}

#[test]
fn pr_check_explains_and_dry_runs_the_upload_and_runs_docker_only_with_run_all() {
    let r = Rehearsal::run("pr-check.yml", &["--pr", "42", "--run-all"]);
    r.out.assert_success();
    // With --run-all nothing is printed instead of run: the docker on PATH ran.
    assert!(r.would_run().is_empty(), "{:?}", r.would_run());
    assert!(
        r.ran.path().join("docker.ran").exists(),
        "docker did not run"
    );
    assert!(r.out.stderr.contains("select would choose \"preview\""));
    assert!(r.out.stderr.contains("select would choose \"production\""));
    assert!(r.out.stderr.contains("nothing was written"));
    // The dry run wrote nothing: only the seeded releases are recorded.
    let releases: Vec<String> = r
        .release_records()
        .iter()
        .map(|rec| rec["release"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        releases,
        ["rehearse-seed-1", "rehearse-seed-2", "rehearse-seed-3"]
    );
}

#[test]
fn prune_deletes_what_no_kept_release_needs() {
    // rehearse seeds three earlier releases, recorded about 3, 2 and 1 days ago (their objects
    // were written just now, hence no minimum age). Keep the newest two and one day's worth.
    let r = Rehearsal::run(
        "prune.yml",
        &[
            "--env",
            "ASSET_SYNC_KEEP_RELEASES=2",
            "--env",
            "ASSET_SYNC_KEEP_DAYS=1",
            "--env",
            "ASSET_SYNC_MIN_AGE=0s",
        ],
    );
    r.out.assert_success();
    r.assert_outside_tools_not_run();
    let records = r.release_records();
    let releases: Vec<&str> = records
        .iter()
        .map(|rec| rec["release"].as_str().unwrap())
        .collect();
    assert_eq!(
        releases,
        ["rehearse-seed-2", "rehearse-seed-3"],
        "{}",
        r.out.stderr
    );
    let kept: Vec<String> = records.iter().flat_map(Rehearsal::keys_of).collect();
    for key in &kept {
        assert!(
            r.stored(key),
            "{key}, needed by a kept release, was deleted"
        );
    }
    // Release 1's own objects are gone (asset-sync's own count, on stderr).
    assert!(
        r.out
            .stderr
            .lines()
            .any(|l| l.starts_with("asset-sync prune: deleted ")
                && !l.starts_with("asset-sync prune: deleted 0 ")),
        "{}",
        r.out.stderr
    );
}

#[test]
fn every_other_buildspec_rehearses() {
    for known in REHEARSED_BELOW {
        assert!(
            repo_root().join("buildspec").join(known).is_file(),
            "buildspec/{known} is gone: update REHEARSED_BELOW"
        );
    }
    for spec in buildspecs() {
        let name = spec.file_name().unwrap().to_str().unwrap().to_owned();
        if REHEARSED_BELOW.contains(&name.as_str()) {
            continue;
        }
        let r = Rehearsal::run(&name, &["--branch", "main"]);
        r.out.assert_success();
        r.assert_outside_tools_not_run();
        for var in exported_names(&name) {
            assert!(
                r.json["exported_variables"].get(&var).is_some(),
                "{name}: {var} not reported"
            );
        }
    }
}

#[test]
fn an_interrupted_rehearsal_stops_its_build_and_its_servers() {
    // The build blocks reading a FIFO nobody writes to, until the signal comes.
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("hold");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let spec = dir.path().join("buildspec.yml");
        std::fs::write(
            &spec,
            "version: 0.2\nphases:\n  build:\n    commands:\n      - echo waiting for the test\n      - cat \"$HOLD\"\n      - touch never-reached\n",
        )
        .unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir(&src).unwrap();
        let mut cmd = rehearse_cmd()
            .arg(&spec)
            .arg("--bin-dir")
            .arg(bin_dir())
            .arg("--src")
            .arg(&src)
            .arg("--env")
            .arg(format!("HOLD={}", fifo.display()))
            .into_command();
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = Vec::new();
        let mut lines = std::io::BufRead::lines(stderr);
        for line in lines.by_ref() {
            let line = line.unwrap();
            let waiting = line == "waiting for the test";
            seen.push(line);
            if waiting {
                break;
            }
        }
        let log = seen.join("\n");
        assert!(log.ends_with("waiting for the test"), "{log}");
        // rehearse names its servers' PIDs and the work folder it made.
        let pids: Vec<i32> = log
            .split("pid ")
            .skip(1)
            .map(|rest| rest.split(')').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(pids.len(), 2, "{log}");
        let work = log
            .split("source: ")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .map(PathBuf::from)
            .expect("the source line");
        assert_eq!(work, src);
        let work_dir = log
            .lines()
            .find_map(|l| l.strip_prefix("rehearse: work folder: "))
            .and_then(|rest| rest.split(' ').next())
            .map(PathBuf::from)
            .expect("the work folder line");
        assert!(work_dir.is_dir());

        // SAFETY: kill(2) on the PID of our own child process.
        let sent = unsafe { libc::kill(child.id() as i32, signal) };
        assert_eq!(sent, 0);
        let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{log}\n{}", rest.join("\n"));
        for pid in pids {
            assert!(
                !Path::new(&format!("/proc/{pid}")).exists(),
                "server pid {pid} still runs after the rehearsal ended"
            );
        }
        assert!(!src.join("never-reached").exists(), "the build went on");
        assert!(!work_dir.exists(), "{} was left behind", work_dir.display());
    }
}

/// A buildspec of plain shell commands, rehearsed in `src`; its JSON result and stderr.
fn rehearse_plain(yaml: &str) -> (Output, Value, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("buildspec.yml");
    std::fs::write(&spec, yaml).unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    let out = rehearse_cmd()
        .arg(&spec)
        .arg("--bin-dir")
        .arg(bin_dir())
        .arg("--src")
        .arg(&src)
        .arg("--json")
        .run();
    let json = out.json();
    (out, json, dir)
}

fn phase_states(json: &Value) -> Vec<String> {
    json["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["name"].as_str().unwrap(),
                p["status"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn rehearse_keeps_one_shell_and_follows_codebuild_phase_rules() {
    // One shell: cd, plain variables and exports carry from command to command and phase to
    // phase. pre_build fails but says CONTINUE; build fails with ABORT after its finally ran,
    // so post_build is skipped; the build fails with the first failing command.
    let (out, json, _dir) = rehearse_plain(
        r#"version: 0.2
env:
  shell: bash
  variables:
    GREETING: from the buildspec
  exported-variables: [WHERE, PLAIN, SUCCEEDING]
phases:
  install:
    commands:
      - cd sub
      - PLAIN=kept
      - export WHERE="$(basename "$PWD")"
  pre_build:
    on-failure: CONTINUE
    commands:
      - 'echo "install left: $WHERE $PLAIN $GREETING"'
      - exit_status_7() { return 7; }; exit_status_7
      - echo never printed
    finally:
      - echo "pre_build finally ran"
  build:
    on-failure: ABORT
    commands:
      - export SUCCEEDING="$CODEBUILD_BUILD_SUCCEEDING"
      - "false"
    finally:
      - echo "build finally ran"
  post_build:
    commands:
      - echo post_build ran
"#,
    );
    out.assert_code(3);
    assert_eq!(
        phase_states(&json),
        [
            "INSTALL SUCCEEDED",
            "PRE_BUILD FAILED",
            "BUILD FAILED",
            "POST_BUILD SKIPPED"
        ]
    );
    assert!(
        out.stderr
            .contains("install left: sub kept from the buildspec"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("never printed"));
    assert!(out.stderr.contains("pre_build finally ran"));
    assert!(out.stderr.contains("build finally ran"));
    assert!(!out.stderr.contains("post_build ran"));
    assert_eq!(json["failed_command"]["phase"], "pre_build");
    assert_eq!(json["failed_command"]["exit_status"], 7);
    assert_eq!(json["exported_variables"]["WHERE"], "sub");
    assert_eq!(json["exported_variables"]["PLAIN"], "kept");
    // pre_build had failed by the time build ran.
    assert_eq!(json["exported_variables"]["SUCCEEDING"], "0");
    assert!(
        out.stderr
            .contains("PLAIN is a shell variable, not exported")
    );
}

#[test]
fn a_failed_install_ends_the_build_and_a_failed_build_still_runs_post_build() {
    let (out, json, _dir) = rehearse_plain(
        "version: 0.2\nphases:\n  install:\n    commands: [\"false\"]\n  build:\n    commands: [echo build ran]\n  post_build:\n    commands: [echo post_build ran]\n",
    );
    out.assert_code(3);
    assert_eq!(
        phase_states(&json),
        ["INSTALL FAILED", "BUILD SKIPPED", "POST_BUILD SKIPPED"]
    );
    assert!(!out.stderr.contains("build ran"));

    let (out, json, _dir) = rehearse_plain(
        "version: 0.2\nphases:\n  build:\n    commands:\n      - \"false\"\n      - echo not this\n  post_build:\n    commands:\n      - echo \"post_build ran, succeeding=$CODEBUILD_BUILD_SUCCEEDING\"\n",
    );
    out.assert_code(3);
    assert_eq!(
        phase_states(&json),
        ["BUILD FAILED", "POST_BUILD SUCCEEDED"]
    );
    assert!(
        out.stderr.contains("post_build ran, succeeding=0"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("not this\n"));
}
