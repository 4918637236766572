//! The real `migrate-task` binary against moto_server (ECS, ECR, CloudWatch Logs).
//!
//! Most tests share one moto server and isolate themselves by names. The two tests that
//! need a task to stay RUNNING while they act (log streaming, SIGTERM) start their own
//! server and hold its tasks with moto's state manager: a task started there stays RUNNING
//! until the test releases it, so what the test does "during the run" really happens during
//! the run, without sleeps.

mod common;

use std::process::Command;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_ecs::types::TaskField;
use common::*;
use slipway_testkit::servers::unique_name;
use slipway_testkit::{MotoServer, SlipwayCommand};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Puts one event into a stream, as the awslogs driver would.
async fn put_log(aws: &Aws, group: &str, stream: &str, message: &str) {
    aws.logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .log_events(
            InputLogEvent::builder()
                .timestamp(now_ms())
                .message(message)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("put log events");
}

async fn describe_task(aws: &Aws, cluster: &str, arn: &str) -> aws_sdk_ecs::types::Task {
    aws.ecs
        .describe_tasks()
        .cluster(cluster)
        .tasks(arn)
        .include(TaskField::Tags)
        .send()
        .await
        .expect("describe tasks")
        .tasks
        .unwrap_or_default()
        .into_iter()
        .next()
        .expect("the task exists")
}

fn str_of<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

#[test]
fn happy_path_runs_the_new_image_streams_logs_and_exits_0() {
    let moto = MotoServer::start();
    let rt = runtime();
    let aws = Aws::new(&moto);
    let fx = rt.block_on(fixture(&moto, &aws, "happy", Spec::default()));
    hold_tasks(&moto);

    let mut run = Running::spawn(fx.command(&[
        "--image-tag",
        "v2",
        "--json",
        "--",
        "bin/rails",
        "db:migrate",
    ]));
    let started = run.wait_for_line("started task ");
    let task_arn = started.rsplit(' ').next().unwrap().to_owned();
    let task_id = task_arn.rsplit('/').next().unwrap();
    let stream = format!("{}/web/{task_id}", fx.log_prefix);

    // The test plays the awslogs driver: the stream appears with the container's first line.
    rt.block_on(async {
        aws.logs
            .create_log_stream()
            .log_group_name(&fx.log_group)
            .log_stream_name(&stream)
            .send()
            .await
            .expect("create log stream");
        put_log(
            &aws,
            &fx.log_group,
            &stream,
            "== 20260101000000 CreateOrders: migrating",
        )
        .await;
    });
    // Streamed while the task is still RUNNING (moto holds it there).
    run.wait_for_line("web | == 20260101000000 CreateOrders: migrating");
    rt.block_on(put_log(
        &aws,
        &fx.log_group,
        &stream,
        "== 20260101000000 CreateOrders: migrated (0.0042s)",
    ));
    release_tasks(&moto);
    let out = run.finish();
    out.assert_code(0);
    assert!(
        out.stderr
            .contains("web | == 20260101000000 CreateOrders: migrated (0.0042s)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("task ") && out.stderr.contains(": STOPPED"),
        "{}",
        out.stderr
    );
    let last = out
        .stderr_lines()
        .last()
        .copied()
        .unwrap_or_default()
        .to_owned();
    assert!(last.contains("succeeded"), "summary last: {last}");

    let json = out.json();
    assert_eq!(str_of(&json, "status"), "succeeded");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["exit_status"], 0);
    assert_eq!(str_of(&json, "task_arn"), task_arn);
    assert_eq!(str_of(&json, "image_digest"), fx.digest_v2);
    assert_eq!(str_of(&json, "image_tag"), "v2");
    let pinned = format!("{}@{}", fx.repository_uri, fx.digest_v2);
    assert_eq!(str_of(&json, "image"), pinned);
    assert_eq!(
        str_of(&json, "source_task_definition_arn"),
        fx.task_definition_arn
    );
    assert_eq!(json["log_events"], 2);
    assert_eq!(
        json["command"],
        serde_json::json!(["bin/rails", "db:migrate"])
    );
    assert!(json["timings"]["wait_seconds"].as_f64().is_some(), "{json}");
    let td_arn = str_of(&json, "task_definition_arn").to_owned();
    assert!(
        td_arn.ends_with(&format!("/{}:1", fx.migrate_family())),
        "{td_arn}"
    );

    rt.block_on(async {
        // The copy: the service's task definition with only the image (and health check) changed.
        let source = aws
            .ecs
            .describe_task_definition()
            .task_definition(&fx.task_definition_arn)
            .send()
            .await
            .unwrap()
            .task_definition
            .unwrap();
        let copy = aws
            .ecs
            .describe_task_definition()
            .task_definition(&td_arn)
            .send()
            .await
            .unwrap()
            .task_definition
            .unwrap();
        assert_eq!(copy.family(), Some(fx.migrate_family().as_str()));
        assert_eq!(copy.task_role_arn(), source.task_role_arn());
        assert_eq!(copy.execution_role_arn(), source.execution_role_arn());
        assert_eq!(copy.network_mode(), source.network_mode());
        assert_eq!(
            copy.requires_compatibilities(),
            source.requires_compatibilities()
        );
        assert_eq!((copy.cpu(), copy.memory()), (Some("256"), Some("1024")));
        let (c, s) = (
            &copy.container_definitions()[0],
            &source.container_definitions()[0],
        );
        assert_eq!(c.image(), Some(pinned.as_str()));
        assert_eq!(
            s.image(),
            Some(format!("{}:v1", fx.repository_uri).as_str())
        );
        assert_eq!(c.environment(), s.environment());
        assert_eq!(c.secrets(), s.secrets());
        assert_eq!(c.log_configuration(), s.log_configuration());
        assert_eq!(c.memory(), s.memory());
        assert_eq!(c.command(), s.command());
        assert!(c.health_check().is_none() && s.health_check().is_some());
        // The service's own family got no new revision.
        assert_eq!(revisions(&aws, &fx.family).await.len(), 1);

        let task = describe_task(&aws, &fx.cluster, &task_arn).await;
        assert_eq!(task.last_status(), Some("STOPPED"));
        assert_eq!(task.task_definition_arn(), Some(td_arn.as_str()));
        assert_eq!(task.started_by(), Some("slipway-migrate-task"));
        assert_eq!(task.launch_type().map(|l| l.as_str()), Some("FARGATE"));
        assert_eq!(task.platform_version(), Some("1.4.0"));
        let overrides = task.overrides().unwrap().container_overrides();
        assert_eq!(overrides[0].name(), Some("web"));
        assert_eq!(overrides[0].command(), ["bin/rails", "db:migrate"]);
        assert!(
            task.tags()
                .iter()
                .any(|t| t.key() == Some("slipway:purpose") && t.value() == Some("migrate-task")),
            "{:?}",
            task.tags()
        );
        // It ran on the service's network.
        let subnet = task.attachments()[0]
            .details()
            .iter()
            .find(|d| d.name() == Some("subnetId"))
            .and_then(|d| d.value())
            .unwrap()
            .to_owned();
        assert!(fx.network.subnets.contains(&subnet), "{subnet}");
    });
}

#[test]
fn sigterm_stops_the_running_task_and_exits_143() {
    let moto = MotoServer::start();
    let rt = runtime();
    let aws = Aws::new(&moto);
    let fx = rt.block_on(fixture(&moto, &aws, "sigterm", Spec::default()));
    hold_tasks(&moto);

    let mut run = Running::spawn(fx.command(&[
        "--image-tag",
        "v2",
        "--json",
        "--",
        "bin/rails",
        "db:migrate",
    ]));
    let started = run.wait_for_line("started task ");
    let task_arn = started.rsplit(' ').next().unwrap().to_owned();
    let status = Command::new("kill")
        .args(["-TERM", &run.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let out = run.finish();
    out.assert_code(143);
    assert!(
        out.stderr.contains("SIGTERM received: stopping task"),
        "{}",
        out.stderr
    );
    let json = out.json();
    assert_eq!(str_of(&json, "status"), "interrupted");
    assert_eq!(str_of(&json, "signal"), "SIGTERM");
    assert_eq!(json["exit_status"], 143);

    let task = rt.block_on(describe_task(&aws, &fx.cluster, &task_arn));
    assert_eq!(task.last_status(), Some("STOPPED"));
    assert!(
        task.stopped_reason()
            .unwrap_or_default()
            .contains("SIGTERM"),
        "{:?}",
        task.stopped_reason()
    );
}

#[test]
fn missing_tag_fails_with_one_line_and_writes_nothing() {
    let moto = MotoServer::shared();
    let rt = runtime();
    let aws = Aws::new(moto);
    let fx = rt.block_on(fixture(moto, &aws, "missing-tag", Spec::default()));

    let out = fx
        .command(&["--image-tag", "not-pushed", "--", "bin/rails", "db:migrate"])
        .run();
    out.assert_code(3);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    assert!(
        lines[0].contains("not-pushed") && lines[0].contains(&fx.repository),
        "{}",
        lines[0]
    );
    assert!(out.stdout.is_empty());
    rt.block_on(async {
        assert!(revisions(&aws, &fx.migrate_family()).await.is_empty());
        assert!(tasks(&aws, &fx.cluster).await.is_empty());
    });
}

#[test]
fn image_outside_ecr_is_used_as_given_with_a_note() {
    let moto = MotoServer::shared();
    let rt = runtime();
    let aws = Aws::new(moto);
    let fx = rt.block_on(fixture(moto, &aws, "docker-hub", Spec::default()));

    let image = "docker.io/library/ruby:3.3-slim";
    let out = fx
        .command(&["--image", image, "--json", "--", "ruby", "-e", "puts 1"])
        .run();
    out.assert_code(0);
    assert!(
        out.stderr.contains(&format!(
            "warning: image {image} is not in ECR, so it cannot be checked"
        )),
        "{}",
        out.stderr
    );
    let json = out.json();
    assert_eq!(str_of(&json, "image"), image);
    assert!(json["image_digest"].is_null());
    let copy = rt.block_on(async {
        aws.ecs
            .describe_task_definition()
            .task_definition(str_of(&json, "task_definition_arn"))
            .send()
            .await
            .unwrap()
            .task_definition
            .unwrap()
    });
    assert_eq!(copy.container_definitions()[0].image(), Some(image));
}

#[test]
fn copilot_names_resolve_through_the_service_tags() {
    let moto = MotoServer::shared();
    let rt = runtime();
    let aws = Aws::new(moto);
    let app = unique_name("shop");
    let spec = Spec {
        copilot: Some((app.clone(), "staging".into(), "web".into())),
        ..Spec::default()
    };
    let fx = rt.block_on(fixture(moto, &aws, "copilot", spec));
    // A decoy: same app and service names in another environment.
    let decoy = Spec {
        copilot: Some((app.clone(), "production".into(), "web".into())),
        ..Spec::default()
    };
    let other = rt.block_on(fixture(moto, &aws, "copilot-decoy", decoy));

    let copilot = |names: &str, extra: &[&str]| {
        SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
            .args(["run", "--copilot", names, "--endpoint-url", &fx.endpoint])
            .env(slipway_core::env::MIGRATE_TASK_POLL_INTERVAL_MS, "50")
            .args(extra)
            .args([
                "--image-tag",
                "v2",
                "--json",
                "--",
                "bin/rails",
                "db:migrate",
            ])
            .run()
    };
    let out = copilot(&format!("{app}/staging/web"), &[]);
    out.assert_code(0);
    let json = out.json();
    assert_eq!(str_of(&json, "service"), fx.service);
    assert!(str_of(&json, "cluster").ends_with(&format!("cluster/{}", fx.cluster)));
    assert_eq!(
        str_of(&json, "source_task_definition_arn"),
        fx.task_definition_arn
    );
    rt.block_on(async {
        assert_eq!(tasks(&aws, &fx.cluster).await.len(), 1);
        assert!(tasks(&aws, &other.cluster).await.is_empty());
    });

    // The environment twin works the same, narrowed to one cluster.
    let out = SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
        .env(
            slipway_core::env::MIGRATE_TASK_COPILOT,
            format!("{app}/production/web"),
        )
        .env(slipway_core::env::MIGRATE_TASK_CLUSTER, &other.cluster)
        .args([
            "run",
            "--endpoint-url",
            &fx.endpoint,
            "--image-tag",
            "v1",
            "--dry-run",
            "--json",
        ])
        .args(["--", "true"])
        .run();
    out.assert_code(0);
    let plan = out.json();
    assert_eq!(str_of(&plan, "service"), other.service);
    assert_eq!(str_of(&plan["image"], "digest"), other.digest_v1);

    let out = copilot(&format!("{app}/qa/web"), &[]);
    out.assert_code(3);
    assert!(
        out.stderr.contains(&format!(
            "copilot-application={app}, copilot-environment=qa"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn dry_run_reads_everything_and_creates_nothing() {
    let moto = MotoServer::shared();
    let rt = runtime();
    let aws = Aws::new(moto);
    let fx = rt.block_on(fixture(moto, &aws, "dry-run", Spec::default()));
    let count = || {
        rt.block_on(async {
            (
                revisions(&aws, &fx.family).await.len(),
                revisions(&aws, &fx.migrate_family()).await.len(),
                tasks(&aws, &fx.cluster).await.len(),
            )
        })
    };
    assert_eq!(count(), (1, 0, 0));

    let argv = ["bin/rails", "db:migrate"];
    let out = fx
        .command(&[
            "--image-tag",
            "v2",
            "--cpu",
            "512",
            "--env",
            "RAILS_LOG_LEVEL=debug",
            "--dry-run",
            "--",
        ])
        .args(argv)
        .run();
    out.assert_code(0);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let pinned = format!("{}@{}", fx.repository_uri, fx.digest_v2);
    for expected in [
        "plan (dry run):",
        &format!(
            "{}:v1 -> {pinned} (tag v2, found in ECR)",
            fx.repository_uri
        ),
        r#"["bundle","exec","puma"] -> ["bin/rails","db:migrate"]"#,
        "cpu:             256 -> 512",
        "memory:          1024 (unchanged)",
        "+ RAILS_LOG_LEVEL=debug",
        &format!("SECRET_KEY_BASE from {}", fx.secret_arn),
        &fx.network.subnets[0],
        "launch type FARGATE, platform 1.4.0",
        "RunTask request:",
        r#""startedBy": "slipway-migrate-task""#,
        "nothing was written",
    ] {
        assert!(
            out.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            out.stderr
        );
    }

    let out = fx
        .command(&["--image-tag", "v2", "--dry-run", "--json", "--"])
        .args(argv)
        .run();
    out.assert_code(0);
    let plan = out.json();
    assert_eq!(plan["dry_run"], true);
    let request = &plan["run_task_request"];
    assert_eq!(str_of(request, "cluster"), fx.cluster);
    assert_eq!(str_of(request, "taskDefinition"), fx.migrate_family());
    assert_eq!(str_of(request, "launchType"), "FARGATE");
    assert_eq!(str_of(request, "platformVersion"), "1.4.0");
    assert_eq!(
        request["networkConfiguration"]["awsvpcConfiguration"],
        serde_json::json!({
            "subnets": fx.network.subnets,
            "securityGroups": [fx.network.security_group],
            "assignPublicIp": "DISABLED",
        })
    );
    assert_eq!(
        request["overrides"],
        serde_json::json!({"containerOverrides": [{"name": "web", "command": argv}]})
    );
    assert_eq!(str_of(&plan["changes"]["image"], "to"), pinned);
    assert_eq!(str_of(&plan["image"], "digest"), fx.digest_v2);

    assert_eq!(count(), (1, 0, 0), "a dry run registered or ran something");
}

#[test]
fn ambiguous_containers_are_an_error_naming_the_candidates() {
    let moto = MotoServer::shared();
    let rt = runtime();
    let aws = Aws::new(moto);
    let spec = Spec {
        containers: vec!["app".into(), "worker".into()],
        ..Spec::default()
    };
    let fx = rt.block_on(fixture(moto, &aws, "two-containers", spec));

    let out = fx
        .command(&["--image-tag", "v2", "--", "bin/rails", "db:migrate"])
        .run();
    out.assert_code(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(
        lines[0].contains("(app, worker)") && lines[0].contains("--container"),
        "{}",
        lines[0]
    );
    rt.block_on(async {
        assert!(revisions(&aws, &fx.migrate_family()).await.is_empty());
        assert!(tasks(&aws, &fx.cluster).await.is_empty());
    });

    let out = fx
        .command(&[
            "--container",
            "worker",
            "--image-tag",
            "v2",
            "--dry-run",
            "--json",
            "--",
            "x",
        ])
        .run();
    out.assert_code(0);
    assert_eq!(str_of(&out.json(), "container"), "worker");

    let out = fx
        .command(&[
            "--container",
            "db",
            "--image-tag",
            "v2",
            "--dry-run",
            "--",
            "x",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("it has: app, worker"), "{}", out.stderr);
}

#[test]
fn a_command_with_quotes_semicolons_and_substitutions_reaches_the_override_unchanged() {
    let moto = MotoServer::shared();
    let rt = runtime();
    let aws = Aws::new(moto);
    let fx = rt.block_on(fixture(moto, &aws, "argv", Spec::default()));

    let argv = [
        "sh",
        "-c",
        r#"echo "it's done"; echo $(whoami) && printf '%s\n' 'a  b' > /tmp/out"#,
        "two words",
        ";",
        "$(reboot)",
        "`id`",
        r#""double" 'single'"#,
        "  leading and trailing  ",
    ];
    let out = fx
        .command(&["--image-tag", "v2", "--json", "--"])
        .args(argv)
        .run();
    out.assert_code(0);
    let json = out.json();
    assert_eq!(json["command"], serde_json::json!(argv));
    let task = rt.block_on(describe_task(&aws, &fx.cluster, str_of(&json, "task_arn")));
    let command = task.overrides().unwrap().container_overrides()[0].command();
    assert_eq!(command, argv);
}

#[test]
fn secret_values_never_appear_in_any_output() {
    let moto = MotoServer::shared();
    let rt = runtime();
    let aws = Aws::new(moto);
    let fx = rt.block_on(fixture(moto, &aws, "secrets", Spec::default()));
    let token = "planted-api-token-77c1";
    let env_token = format!("API_TOKEN={token}");
    let env_url = "REPLICA_URL=postgres://ro:planted-replica-pw@replica/app";

    let runs = [
        fx.command(&[
            "--image-tag",
            "v2",
            "--env",
            &env_token,
            "--env",
            env_url,
            "--dry-run",
            "--",
        ]),
        fx.command(&[
            "--image-tag",
            "v2",
            "--env",
            &env_token,
            "--env",
            env_url,
            "--dry-run",
            "--json",
            "--",
        ]),
        fx.command(&[
            "--image-tag",
            "v2",
            "--env",
            &env_token,
            "--env",
            env_url,
            "--json",
            "--",
        ]),
        fx.command(&[
            "--image-tag",
            "nope",
            "--env",
            &env_token,
            "--env",
            env_url,
            "--",
        ]),
        fx.command(&[
            "--image-tag",
            "v2",
            "--env",
            &env_token,
            "--env",
            "SECRET_KEY_BASE=x",
            "--",
        ]),
    ];
    let mut outputs = Vec::new();
    for cmd in runs {
        outputs.push(cmd.args(["bin/rails", "db:migrate"]).run());
    }
    let codes: Vec<_> = outputs.iter().map(|o| o.code).collect();
    assert_eq!(codes, [Some(0), Some(0), Some(0), Some(3), Some(2)]);
    for out in &outputs {
        for secret in [PLANTED_DB_PASSWORD, token, "planted-replica-pw"] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{secret} leaked:\nstdout:\n{}\nstderr:\n{}",
                out.stdout,
                out.stderr
            );
        }
    }
    // The plan shows the change and the secret's ARN, redacted where it must be.
    assert!(
        outputs[0].stderr.contains("+ API_TOKEN=<redacted>"),
        "{}",
        outputs[0].stderr
    );
    assert!(
        outputs[0].stderr.contains("+ REPLICA_URL=<redacted>"),
        "{}",
        outputs[0].stderr
    );
    assert!(
        outputs[0].stderr.contains(&fx.secret_arn),
        "{}",
        outputs[0].stderr
    );
    // Redaction is for display only: the task really gets the value.
    let copy = rt.block_on(async {
        aws.ecs
            .describe_task_definition()
            .task_definition(str_of(&outputs[2].json(), "task_definition_arn"))
            .send()
            .await
            .unwrap()
            .task_definition
            .unwrap()
    });
    assert!(
        copy.container_definitions()[0]
            .environment()
            .iter()
            .any(|kv| kv.name() == Some("API_TOKEN") && kv.value() == Some(token))
    );
}
