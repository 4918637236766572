//! The command line on its own: `--help` snapshots and usage errors that need no AWS.

use slipway_testkit::SlipwayCommand;

fn migrate_task() -> SlipwayCommand {
    // An endpoint nobody listens on: a test that reached AWS would fail loudly.
    SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        // clap wraps help to $COLUMNS when no terminal is attached: pin it for the snapshots.
        .env("COLUMNS", "100")
}

#[test]
fn help_snapshot() {
    let out = migrate_task().arg("--help").run();
    out.assert_code(0);
    insta::assert_snapshot!("help", out.stdout);
}

#[test]
fn run_help_snapshot() {
    let out = migrate_task().args(["run", "--help"]).run();
    out.assert_code(0);
    insta::assert_snapshot!("run_help", out.stdout);
}

/// Each case: arguments after `run`, and a fragment of the one error line.
#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image-tag",
                "v1@sha256:00",
                "--",
                "x",
            ],
            "invalid image tag",
        ),
        (
            &[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image-tag",
                "a b",
                "--",
                "x",
            ],
            "invalid image tag",
        ),
        (
            &[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image",
                "x:1",
                "--image-tag",
                "v",
                "--",
                "x",
            ],
            "--image and --image-tag",
        ),
        (
            &["--cluster", "c", "--service", "s", "--", "x"],
            "--image URI or --image-tag",
        ),
        (&["--image-tag", "v", "--", "x"], "--copilot APP/ENV/SVC"),
        (
            &["--copilot", "shop/web", "--image-tag", "v", "--", "x"],
            "APP/ENV/SVC",
        ),
        (
            &[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image-tag",
                "v",
                "--timeout",
                "soon",
                "--",
                "x",
            ],
            "--timeout",
        ),
        (
            &[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image-tag",
                "v",
                "--memory",
                "lots",
                "--",
                "x",
            ],
            "--memory",
        ),
        (
            &[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image",
                "Bad Image",
                "--",
                "x",
            ],
            "invalid image",
        ),
        (
            &[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image-tag",
                "v",
                "--endpoint-url",
                "localhost",
                "--",
                "x",
            ],
            "--endpoint-url",
        ),
    ];
    for (args, fragment) in cases {
        let out = migrate_task().arg("run").args(*args).run();
        out.assert_code(2);
        let lines = out.stderr_lines();
        assert_eq!(lines.len(), 1, "{args:?}: {}", out.stderr);
        assert!(lines[0].starts_with("error: "), "{args:?}: {}", lines[0]);
        assert!(lines[0].contains(fragment), "{args:?}: {}", lines[0]);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_command_is_required_after_the_double_dash() {
    let out = migrate_task()
        .args([
            "run",
            "--cluster",
            "c",
            "--service",
            "s",
            "--image-tag",
            "v",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("<COMMAND>"), "{}", out.stderr);
}

#[test]
fn env_twins_are_read() {
    // MIGRATE_TASK_IMAGE_TAG with an invalid value proves the twin is read, without AWS.
    let out = migrate_task()
        .env("MIGRATE_TASK_CLUSTER", "c")
        .env("MIGRATE_TASK_SERVICE", "s")
        .env("MIGRATE_TASK_IMAGE_TAG", "bad tag")
        .args(["run", "--", "x"])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("\"bad tag\""), "{}", out.stderr);
}
