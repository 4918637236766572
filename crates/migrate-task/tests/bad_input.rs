//! Bad input to `migrate-task run`, case by case, exactly as `docs/bad-input.md` catalogues
//! it: the line on stderr, the exit code, and that nothing was written: no task definition
//! revision registered, no task started in moto, and for flag errors not one request sent
//! (the endpoint is a proxy in front of moto that records every request).

#[allow(dead_code)] // this test binary uses a subset of the fixtures
mod common;

use common::*;
use slipway_testkit::catalogue::assert_case;
use slipway_testkit::proxy::{Fault, Rule, Seen};
use slipway_testkit::{FaultProxy, MotoServer, SlipwayCommand};

fn migrate_task() -> SlipwayCommand {
    SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
}

/// A fixture with its own names, and clients to look at what it holds afterwards.
struct World {
    rt: tokio::runtime::Runtime,
    aws: Aws,
    fx: Fixture,
}

impl World {
    fn new(hint: &str, spec: Spec) -> World {
        let moto = MotoServer::shared();
        let rt = runtime();
        let aws = Aws::new(moto);
        let fx = rt.block_on(fixture(moto, &aws, hint, spec));
        World { rt, aws, fx }
    }

    /// Nothing was registered in the `-migrate` family and no task was started.
    #[track_caller]
    fn untouched(&self) {
        self.rt.block_on(async {
            assert_eq!(
                revisions(&self.aws, &self.fx.migrate_family()).await,
                Vec::<String>::new(),
                "a task definition was registered"
            );
            assert_eq!(
                tasks(&self.aws, &self.fx.cluster).await,
                Vec::<String>::new(),
                "a task was started"
            );
        });
    }

    fn subs(&self) -> [(&str, &str); 4] {
        [
            ("<CLUSTER>", &self.fx.cluster),
            ("<SERVICE>", &self.fx.service),
            ("<REPOSITORY>", &self.fx.repository),
            ("<TASK_DEFINITION>", &self.fx.task_definition_arn),
        ]
    }
}

/// `migrate-task run ARGS` with the endpoint a fresh proxy to moto; fails the test if a
/// single request was sent.
#[track_caller]
fn refused_before_any_request(args: &[&str]) -> slipway_testkit::Output {
    let proxy = FaultProxy::start(&MotoServer::shared().endpoint(), vec![], 7);
    let out = migrate_task()
        .arg("run")
        .args(["--endpoint-url", &proxy.endpoint()])
        .args(args)
        .run();
    assert!(
        proxy.seen().is_empty(),
        "requests were sent: {:?}",
        proxy.seen()
    );
    out
}

#[test]
fn an_image_tag_with_an_at_sign_or_two_images() {
    let cs = ["--cluster", "shop-prod", "--service", "web"];
    let out = refused_before_any_request(
        &[
            &cs[..],
            &[
                "--image-tag",
                "v42@sha256:8e1f",
                "--",
                "bin/rails",
                "db:migrate",
            ],
        ]
        .concat(),
    );
    assert_case("MT-01", &out, &[]);
    let out = refused_before_any_request(
        &[
            &cs[..],
            &[
                "--image",
                "shop/web:v42",
                "--image-tag",
                "v42",
                "--",
                "bin/rails",
                "db:migrate",
            ],
        ]
        .concat(),
    );
    assert_case("MT-02", &out, &[]);
    let out = refused_before_any_request(&[&cs[..], &["--", "bin/rails", "db:migrate"]].concat());
    assert_case("MT-03", &out, &[]);
}

/// The service and image every flag case below starts from.
const TARGET: [&str; 6] = [
    "--cluster",
    "shop-prod",
    "--service",
    "web",
    "--image-tag",
    "v42",
];
/// The command after `--`.
const MIGRATE: [&str; 3] = ["--", "bin/rails", "db:migrate"];

/// `run TARGET FLAGS -- bin/rails db:migrate`, refused before any request.
#[track_caller]
fn refused_with(flags: &[&str]) -> slipway_testkit::Output {
    refused_before_any_request(&[&TARGET[..], flags, &MIGRATE[..]].concat())
}

#[test]
fn bad_flags_are_refused_before_any_request() {
    let out =
        refused_before_any_request(&["--copilot", "shop/web", "--image-tag", "v42", "--", "x"]);
    assert_case("MT-04", &out, &[]);
    assert_case("MT-05", &refused_with(&["--timeout", "soon"]), &[]);
    assert_case("MT-06", &refused_with(&["--env", "DATABASE_URL"]), &[]);
    let out = refused_with(&["--env", "API_TOKEN:value=x"]);
    assert_case("MT-16", &out, &[]);
    assert!(!out.stderr.contains("value=x"), "{}", out.stderr);
    assert_case("MT-07", &refused_before_any_request(&TARGET), &[]);
    let out = migrate_task()
        .arg("run")
        .args(TARGET)
        .args([
            "--endpoint-url",
            &MotoServer::shared().endpoint(),
            "--",
            "x",
        ])
        .env_remove("AWS_REGION")
        .run();
    assert_case("MT-08", &out, &[]);
}

#[test]
fn a_service_with_two_essential_containers() {
    let w = World::new(
        "bi-two",
        Spec {
            containers: vec!["web".into(), "sidekiq".into()],
            ..Spec::default()
        },
    );
    let out =
        w.fx.command(&["--image-tag", "v2", "--", "bin/rails", "db:migrate"])
            .run();
    assert_case("MT-09", &out, &w.subs());
    w.untouched();

    let out =
        w.fx.command(&[
            "--container",
            "app",
            "--image-tag",
            "v2",
            "--",
            "bin/rails",
            "db:migrate",
        ])
        .run();
    assert_case("MT-10", &out, &w.subs());
    w.untouched();
}

#[test]
fn env_may_not_shadow_a_secret() {
    let w = World::new("bi-secret", Spec::default());
    let out =
        w.fx.command(&[
            "--image-tag",
            "v2",
            "--env",
            "SECRET_KEY_BASE=dev-only-0451",
            "--",
            "bin/rails",
            "db:migrate",
        ])
        .run();
    assert_case("MT-11", &out, &w.subs());
    assert!(!out.stderr.contains("dev-only-0451"));
    w.untouched();
}

#[test]
fn what_is_not_there() {
    let w = World::new("bi-missing", Spec::default());
    let out =
        w.fx.command(&["--image-tag", "v43", "--", "bin/rails", "db:migrate"])
            .run();
    assert_case("MT-12", &out, &w.subs());
    w.untouched();

    let out = migrate_task()
        .args(["run", "--cluster", &w.fx.cluster, "--service", "wbe"])
        .args([
            "--endpoint-url",
            &w.fx.endpoint,
            "--image-tag",
            "v2",
            "--",
            "x",
        ])
        .run();
    assert_case("MT-13", &out, &w.subs());
    w.untouched();

    let out = migrate_task()
        .args(["run", "--cluster", "shop-prdo", "--service", &w.fx.service])
        .args([
            "--endpoint-url",
            &w.fx.endpoint,
            "--image-tag",
            "v2",
            "--",
            "x",
        ])
        .run();
    assert_case("MT-14", &out, &w.subs());
    w.untouched();

    let out = migrate_task()
        .args([
            "run",
            "--copilot",
            "shop/prod/web",
            "--cluster",
            &w.fx.cluster,
        ])
        .args([
            "--endpoint-url",
            &w.fx.endpoint,
            "--image-tag",
            "v2",
            "--",
            "x",
        ])
        .run();
    assert_case("MT-15", &out, &w.subs());
    w.untouched();
}

impl World {
    /// `migrate-task run` for the fixture's service with `--image-tag v2`, the endpoint a
    /// proxy to moto that answers with `rules`; returns the output and what the proxy saw.
    fn run_through(&self, rules: Vec<Rule>) -> (slipway_testkit::Output, Vec<Seen>) {
        let proxy = FaultProxy::start(&MotoServer::shared().endpoint(), rules, 7);
        let out = migrate_task()
            .args(["run", "--cluster", &self.fx.cluster])
            .args(["--service", &self.fx.service])
            .args(["--endpoint-url", &proxy.endpoint()])
            .args(["--image-tag", "v2", "--", "bin/rails", "db:migrate"])
            .run();
        (out, proxy.seen())
    }
}

/// The AWS JSON-protocol operations the proxy saw, in order (`DescribeServices`, ...).
fn operations(seen: &[Seen]) -> Vec<String> {
    seen.iter()
        .map(|s| {
            s.header("x-amz-target")
                .and_then(|t| t.rsplit_once('.'))
                .map_or_else(
                    || format!("{} {}", s.method, s.path),
                    |(_, op)| op.to_owned(),
                )
        })
        .collect()
}

#[test]
fn expired_credentials_and_access_denied() {
    let w = World::new("bi-denied", Spec::default());

    let (out, seen) = w.run_through(vec![
        Rule::new(Fault::AwsJsonError(400, "ExpiredTokenException")).limit(1),
    ]);
    assert_case("MT-17", &out, &w.subs());
    assert_eq!(operations(&seen), ["DescribeServices"]);
    w.untouched();

    let (out, seen) = w.run_through(vec![
        Rule::new(Fault::AwsJsonError(400, "AccessDeniedException")).target(".DescribeServices"),
    ]);
    assert_case("MT-18", &out, &w.subs());
    assert_eq!(operations(&seen), ["DescribeServices"]);
    w.untouched();

    let (out, seen) = w.run_through(vec![
        Rule::new(Fault::AwsJsonError(400, "AccessDeniedException")).target(".DescribeImages"),
    ]);
    assert_case("MT-19", &out, &w.subs());
    let ops = operations(&seen);
    assert_eq!(
        ops.last().map(String::as_str),
        Some("DescribeImages"),
        "{ops:?}"
    );
    assert!(
        !ops.iter()
            .any(|op| op == "RegisterTaskDefinition" || op == "RunTask"),
        "{ops:?}"
    );
    w.untouched();
}
