//! No secret reaches migrate-task's output: the dry run (text and `--json`), a real run
//! (text and `--json`), `--copilot`, and the error paths (an unknown cluster, service or tag,
//! bad flags, `--env` shadowing a secret, an endpoint with credentials, AWS refusing the
//! credentials, a task stopped by `--timeout`), on moto_server, with secrets planted where
//! they live: the service's task definition (plain `environment` values under secret-looking
//! names and in URLs, `secrets[]` by ARN), `--env` and `MIGRATE_TASK_ENV`, the AWS secret key
//! and session token, and the build's other variables.
//!
//! (A container's own log lines are printed as the container wrote them: what a migration
//! logs is the application's business.)

#[allow(
    dead_code,
    reason = "the shared helpers serve several test binaries; this one uses a subset"
)]
mod common;

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, KeyValuePair, LaunchType, NetworkConfiguration, Secret,
    Tag,
};
use common::{Aws, Fixture, Spec, fixture, hold_tasks, release_tasks, runtime};
use slipway_testkit::secrets::{
    self, ALL, API_TOKEN, AWS_SECRET_ACCESS_KEY, RAILS_MASTER_KEY, SECRET_KEY_BASE,
};
use slipway_testkit::{Fault, FaultProxy, MotoServer, Output, Rule, SlipwayCommand};

/// Every secret this test plants, with the one the shared fixture plants.
fn planted() -> Vec<&'static str> {
    let mut all = ALL.to_vec();
    all.push(common::PLANTED_DB_PASSWORD);
    all
}

#[track_caller]
fn check(cmd: SlipwayCommand, what: &str, code: i32) -> Output {
    let cmd = secrets::plant(cmd).env("AWS_SECRET_ACCESS_KEY", AWS_SECRET_ACCESS_KEY);
    secrets::run_checked(cmd, &planted(), what, code)
}

/// A service beside the fixture's, tagged for Copilot as shop/production/web, running a
/// revision of the fixture's task definition whose container also holds `RAILS_MASTER_KEY`,
/// a secret key base and a replica URL with its password in plain `environment`, a secret by
/// ARN, and a command and entry point with credentials. Returns the fixture pointed at it.
async fn planted_service(aws: &Aws, fx: &Fixture) -> Fixture {
    let current = aws
        .ecs
        .describe_task_definition()
        .task_definition(&fx.task_definition_arn)
        .send()
        .await
        .expect("describe")
        .task_definition
        .expect("task definition");
    let mut container = current.container_definitions()[0].clone();
    let env = container.environment.get_or_insert_with(Vec::new);
    for (name, value) in [
        ("RAILS_MASTER_KEY", RAILS_MASTER_KEY.to_owned()),
        ("SECRET_KEY_BASE_DUMMY", SECRET_KEY_BASE.to_owned()),
        (
            "REPLICA",
            format!(
                "postgres://ro:{}@replica.internal/shop",
                secrets::DB_PASSWORD
            ),
        ),
    ] {
        env.push(KeyValuePair::builder().name(name).value(value).build());
    }
    // The service's own command and entry point, which the dry run shows, carry some too.
    container.command = Some(vec![
        "bundle".into(),
        "exec".into(),
        "puma".into(),
        "--cache".into(),
        format!("redis://:{}@cache.internal:6379/0", secrets::DB_PASSWORD),
    ]);
    container.entry_point = Some(vec![
        "bin/docker-entrypoint".into(),
        format!("--master-key={RAILS_MASTER_KEY}"),
    ]);
    container.secrets.get_or_insert_with(Vec::new).push(
        Secret::builder()
            .name("GITHUB_TOKEN")
            .value_from(format!(
                "arn:aws:secretsmanager:us-east-1:{}:secret:shop/github-token-AbCdEf",
                common::ACCOUNT
            ))
            .build()
            .expect("secret"),
    );
    let registered = aws
        .ecs
        .register_task_definition()
        .family(&fx.family)
        .set_task_role_arn(current.task_role_arn().map(str::to_owned))
        .set_execution_role_arn(current.execution_role_arn().map(str::to_owned))
        .set_network_mode(current.network_mode().cloned())
        .set_requires_compatibilities(Some(current.requires_compatibilities().to_vec()))
        .set_cpu(current.cpu().map(str::to_owned))
        .set_memory(current.memory().map(str::to_owned))
        .container_definitions(container)
        .send()
        .await
        .expect("register")
        .task_definition
        .expect("registered");
    let arn = registered.task_definition_arn().expect("arn").to_owned();
    let service = format!("{}-planted", fx.service);
    let mut create = aws
        .ecs
        .create_service()
        .cluster(&fx.cluster)
        .service_name(&service)
        .task_definition(&arn)
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .platform_version("1.4.0")
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .set_subnets(Some(fx.network.subnets.clone()))
                        .security_groups(&fx.network.security_group)
                        .assign_public_ip(AssignPublicIp::Disabled)
                        .build()
                        .expect("awsvpc"),
                )
                .build(),
        );
    for (k, v) in [
        ("copilot-application", "shop"),
        ("copilot-environment", "production"),
        ("copilot-service", "web"),
    ] {
        create = create.tags(Tag::builder().key(k).value(v).build());
    }
    create.send().await.expect("create service");
    Fixture {
        service,
        task_definition_arn: arn,
        ..fx.clone()
    }
}

#[test]
fn no_secret_in_any_output_of_a_dry_run_a_run_or_a_failure() {
    let moto = MotoServer::shared();
    let rt = runtime();
    let aws = Aws::new(moto);
    let fx = rt.block_on(fixture(moto, &aws, "secrets", Spec::default()));
    let fx = rt.block_on(planted_service(&aws, &fx));

    let api = format!("API_TOKEN={API_TOKEN}");
    let replica = format!("REPLICA={}", secrets::database_url());
    let master = format!("RAILS_MASTER_KEY={RAILS_MASTER_KEY}");
    let env: Vec<&str> = vec!["--env", &api, "--env", &replica, "--env", &master];
    let run = |extra: &[&str], what: &str, code: i32| {
        let mut args: Vec<&str> = vec!["--image-tag", "v2"];
        args.extend(&env);
        args.extend(extra);
        args.extend(["--", "bin/rails", "db:migrate"]);
        check(fx.command(&args), what, code)
    };

    // The plan, as text and JSON: replaced values are shown redacted, secrets by ARN.
    let out = run(&["--dry-run"], "dry run", 0);
    assert!(out.stderr.contains("<redacted>"), "{}", out.stderr);
    assert!(
        out.stderr.contains("secret:shop/github-token"),
        "{}",
        out.stderr
    );
    run(&["--dry-run", "--json"], "dry run --json", 0);
    // A real run (moto's task exits 0), as text and JSON.
    run(&[], "run", 0);
    run(&["--json"], "run --json", 0);
    // The same through MIGRATE_TASK_ENV, and by Copilot names.
    check(
        fx.command(&[
            "--image-tag",
            "v2",
            "--dry-run",
            "--",
            "bin/rails",
            "db:migrate",
        ])
        .env("MIGRATE_TASK_ENV", format!("{api}\n{replica}\n{master}\n")),
        "MIGRATE_TASK_ENV",
        0,
    );
    check(
        SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
            .args([
                "run",
                "--copilot",
                "shop/production/web",
                "--image-tag",
                "v2",
            ])
            .args(["--endpoint-url", &fx.endpoint, "--dry-run", "--json"])
            .args(["--env", &api, "--", "bin/rails", "db:migrate"]),
        "--copilot --dry-run --json",
        0,
    );

    // Failures after the task definition was read.
    check(
        fx.command(&["--image-tag", "not-pushed", "--env", &api, "--", "x"]),
        "an unknown tag",
        3,
    );
    check(
        SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
            .args(["run", "--cluster", &fx.cluster, "--service", "nope"])
            .args(["--endpoint-url", &fx.endpoint, "--image-tag", "v2"])
            .args(["--env", &api, "--", "x"]),
        "an unknown service",
        3,
    );
    check(
        SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
            .args(["run", "--cluster", "nope", "--service", &fx.service])
            .args(["--endpoint-url", &fx.endpoint, "--image-tag", "v2"])
            .args(["--env", &api, "--", "x"]),
        "an unknown cluster",
        3,
    );
    run(
        &["--env", &format!("SECRET_KEY_BASE={SECRET_KEY_BASE}")],
        "--env shadowing a secret of the task definition",
        2,
    );
    // AWS refusing the credentials, or the token having expired (what moto never says).
    for code in ["UnrecognizedClientException", "ExpiredTokenException"] {
        let proxy = FaultProxy::start(&fx.endpoint, vec![Rule::new(Fault::S3Error(400, code))], 5);
        check(
            SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
                .args(["run", "--cluster", &fx.cluster, "--service", &fx.service])
                .args(["--endpoint-url", &proxy.endpoint(), "--image-tag", "v2"])
                .args(["--env", &api, "--", "x"]),
            code,
            3,
        );
    }
    // A task that does not finish in time is stopped, and the run fails.
    hold_tasks(moto);
    let out = run(&["--timeout", "1s", "--json"], "--timeout reached", 3);
    release_tasks(moto);
    assert_eq!(out.json()["status"], "timed_out", "{}", out.stdout);
}

#[test]
fn no_secret_in_the_refusal_of_bad_flags() {
    let bin = env!("CARGO_BIN_EXE_migrate-task");
    let base = [
        "run",
        "--cluster",
        "c",
        "--service",
        "s",
        "--image-tag",
        "v2",
    ];
    let cases: Vec<(Vec<String>, &str)> = vec![
        // A mistyped separator puts the value where the name goes.
        (
            vec!["--env".into(), format!("API_TOKEN:{API_TOKEN}=x")],
            "--env with ':' for '='",
        ),
        (
            vec!["--env".into(), format!("API_TOKEN {API_TOKEN}")],
            "--env without '='",
        ),
        (
            vec!["--env".into(), format!("{API_TOKEN}")],
            "--env with only a value",
        ),
        (
            vec![
                "--env".into(),
                format!("A={API_TOKEN}"),
                "--env".into(),
                format!("A={API_TOKEN}"),
            ],
            "--env twice",
        ),
        (
            vec![
                "--endpoint-url".into(),
                format!("https://user:{}@ecs.example.com", secrets::DB_PASSWORD),
            ],
            "--endpoint-url with credentials",
        ),
        (
            vec![
                "--timeout".into(),
                "soon".into(),
                "--env".into(),
                format!("K={API_TOKEN}"),
            ],
            "bad --timeout",
        ),
    ];
    for (extra, what) in cases {
        let out = check(
            SlipwayCommand::new(bin).args(base).args(&extra).args([
                "--",
                "bin/rails",
                "db:migrate",
            ]),
            what,
            2,
        );
        assert_eq!(out.stderr_lines().len(), 1, "{what}: {}", out.stderr);
    }
    // The env twin of --env, with a bad line.
    check(
        SlipwayCommand::new(bin).args(base).args(["--", "x"]).env(
            "MIGRATE_TASK_ENV",
            format!("GOOD=1\nAPI_TOKEN:{API_TOKEN}\n"),
        ),
        "MIGRATE_TASK_ENV with a bad line",
        2,
    );
}
