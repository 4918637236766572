//! No secret reaches asset-sync's output: every command, in every mode (human, `--json`,
//! `--dry-run`, progress lines, `-q`) and on the error paths (unknown bucket, bad flags,
//! refused credentials, expired token, access denied, a failed object, a verify problem, a
//! refused prune), run with secrets planted where a build holds them: the AWS secret key and
//! session token, a `DATABASE_URL`, a GitHub token in the environment and in CodeBuild's
//! source URL, Rails' keys, and a token inside an uploaded file.
//!
//! moto accepts any key, so there the planted AWS secret signs every request; rclone checks
//! signatures, so there the secret in use is the test kit's real one, which is checked too.

mod common;

use std::path::Path;

use common::Target;
use slipway_testkit::secrets::{self, ALL, API_TOKEN, AWS_SECRET_ACCESS_KEY};
use slipway_testkit::{Fault, FaultProxy, Output, Rule, SlipwayCommand};

fn asset_sync() -> SlipwayCommand {
    secrets::plant(SlipwayCommand::new(env!("CARGO_BIN_EXE_asset-sync")))
}

/// A small release whose files hold secrets of their own (a config script with a token).
fn assets() -> tempfile::TempDir {
    let config = format!("window.API_TOKEN = {API_TOKEN:?};\n");
    let db = format!("DATABASE_URL={}\n", secrets::database_url());
    common::tree(&[
        ("application-1a2b3c4d5e.js", b"console.log(1)\n"),
        ("application-1a2b3c4d5e.css", b"body{}\n"),
        ("config-1a2b3c4d5e.js", config.as_bytes()),
        ("robots.txt", db.as_bytes()),
        (
            ".sprockets-manifest-0123456789abcdef0123456789abcdef.json",
            br#"{"files":{"application-1a2b3c4d5e.js":{},"application-1a2b3c4d5e.css":{},"config-1a2b3c4d5e.js":{}},"assets":{}}"#,
        ),
    ])
}

/// Runs `cmd`, checks its exit code and that no planted secret is in what it printed.
#[track_caller]
fn check(cmd: SlipwayCommand, what: &str, code: i32) -> Output {
    secrets::run_checked(cmd, &ALL, what, code)
}

struct Run<'a> {
    bucket: &'a str,
    endpoint: &'a str,
    /// Set the planted AWS secret key (a server that checks signatures will refuse it).
    planted_key: bool,
}

impl Run<'_> {
    fn cmd(&self, args: &[&str]) -> SlipwayCommand {
        let mut cmd = asset_sync()
            .args(args)
            .args(["--bucket", self.bucket, "--endpoint-url", self.endpoint])
            .env("CODEBUILD_BUILD_ID", "shop:0a1b2c3d")
            .env(
                "CODEBUILD_RESOLVED_SOURCE_VERSION",
                "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e",
            );
        if self.planted_key {
            cmd = cmd.env("AWS_SECRET_ACCESS_KEY", AWS_SECRET_ACCESS_KEY);
        }
        cmd
    }
}

fn every_mode(run: &Run<'_>, dir: &Path) {
    let d = dir.to_str().unwrap();
    let modes: &[(&[&str], &str, i32)] = &[
        (&["upload", d, "--release", "r1"], "upload", 0),
        (
            &["upload", d, "--release", "r1", "--progress", "always"],
            "upload again, progress lines",
            0,
        ),
        (
            &["upload", d, "--release", "r2", "--json"],
            "upload --json",
            0,
        ),
        (
            &["upload", d, "--release", "r3", "--dry-run"],
            "upload --dry-run",
            0,
        ),
        (
            &["upload", d, "--release", "r3", "--dry-run", "--json"],
            "upload --dry-run --json",
            0,
        ),
        (&["upload", d, "--release", "r3", "-q"], "upload -q", 0),
        (&["verify", d], "verify DIR", 0),
        (
            &["verify", "--release", "r1", "--json"],
            "verify --release --json",
            0,
        ),
        (&["verify", "--release", "r2", "--deep"], "verify --deep", 0),
        (&["prune", "--dry-run"], "prune --dry-run", 0),
        (&["prune", "--json", "--min-age", "0s"], "prune --json", 0),
    ];
    for (args, what, code) in modes {
        let cmd = if args.contains(&"--progress") {
            run.cmd(args)
        } else {
            run.cmd(args).args(["--progress", "never"])
        };
        check(cmd, what, *code);
    }
}

fn error_paths(run: &Run<'_>, dir: &Path) {
    let d = dir.to_str().unwrap();
    let missing = common::tree(&[(".manifest.json", br#"{"app.js":"app-1a2b3c4d5e.js"}"#)]);
    let m = missing.path().to_str().unwrap();
    let cases: &[(&[&str], &str, i32)] = &[
        (&["upload", d, "--prefix", "../up"], "bad --prefix", 2),
        (&["upload", d, "--region", "Mars 1"], "bad --region", 2),
        (
            &["upload", d, "--release", "$(cat .env)"],
            "bad --release",
            2,
        ),
        (&["upload", m], "a manifest naming a missing file", 2),
        (&["upload", "/nonexistent/public/assets"], "no directory", 2),
        (
            &["verify", "--release", "nope"],
            "verify an unknown release",
            2,
        ),
        (
            &["prune", "--prefix", "empty/"],
            "prune with no record (refused)",
            4,
        ),
    ];
    for (args, what, code) in cases {
        check(run.cmd(args).args(["--progress", "never"]), what, *code);
    }
    // A bucket that does not exist.
    check(
        asset_sync()
            .args(["upload", d, "--bucket", "no-such-bucket-planted"])
            .args(["--endpoint-url", run.endpoint, "--progress", "never"])
            .env(
                "AWS_SECRET_ACCESS_KEY",
                if run.planted_key {
                    AWS_SECRET_ACCESS_KEY
                } else {
                    slipway_testkit::SECRET_KEY
                },
            ),
        "an unknown bucket",
        2,
    );
}

/// What a real S3 answers and no local server sends, through the fault proxy.
fn faults(run: &Run<'_>, dir: &Path) {
    let d = dir.to_str().unwrap();
    let cases: &[(Rule, &str, i32)] = &[
        (
            Rule::new(Fault::S3Error(403, "ExpiredToken")),
            "an expired session token",
            3,
        ),
        (
            Rule::new(Fault::S3Error(403, "SignatureDoesNotMatch")),
            "a signature the server rejects",
            3,
        ),
        (
            Rule::new(Fault::S3Error(403, "InvalidAccessKeyId")),
            "an unknown access key",
            3,
        ),
        (
            Rule::new(Fault::S3Error(403, "AccessDenied")).method("PUT"),
            "writes denied by a bucket policy",
            3,
        ),
        (
            Rule::new(Fault::S3Error(301, "PermanentRedirect")),
            "the wrong region",
            2,
        ),
    ];
    for (rule, what, code) in cases {
        let proxy = FaultProxy::start(run.endpoint, vec![rule.clone()], 3);
        let through = Run {
            endpoint: &proxy.endpoint(),
            ..*run
        };
        for args in [
            &["upload", d, "--release", "r9"][..],
            &["upload", d, "--release", "r9", "--json"][..],
            &["verify", d, "--json"][..],
            &["prune", "--dry-run"][..],
        ] {
            let out = through.cmd(args).args(["--progress", "never"]).run();
            secrets::assert_no_secrets(&out, &ALL, &format!("{what}: {args:?}"));
            // verify and prune read only: a PUT rule never fires for them.
            if !(rule.method.is_some() && args[0] != "upload") {
                assert_eq!(out.code, Some(*code), "{what}: {args:?}\n{}", out.stderr);
            }
        }
    }
}

#[test]
fn no_secret_in_any_output_on_moto_signed_with_the_planted_key() {
    let t = Target::moto("secrets");
    let dir = assets();
    let run = Run {
        bucket: &t.bucket,
        endpoint: &t.endpoint,
        planted_key: true,
    };
    every_mode(&run, dir.path());
    error_paths(&run, dir.path());
    faults(&run, dir.path());
    // A verify that finds a problem prints what it expected and found: digests, not bytes.
    t.probe.put(
        &t.bucket,
        "assets/config-1a2b3c4d5e.js",
        format!("{API_TOKEN}{API_TOKEN}").as_bytes(),
    );
    let out = check(
        run.cmd(&["verify", "--release", "r1", "--deep", "--progress", "never"]),
        "verify finding a changed object",
        3,
    );
    assert!(
        out.stdout.contains("config-1a2b3c4d5e.js"),
        "{}",
        out.stdout
    );
}

#[test]
fn no_secret_in_any_output_on_rclone_signed_with_the_real_key() {
    let t = Target::rclone("secrets");
    let dir = assets();
    let run = Run {
        bucket: &t.bucket,
        endpoint: &t.endpoint,
        planted_key: false,
    };
    every_mode(&run, dir.path());
    faults(&run, dir.path());
    // The planted key is refused by rclone: the error names the problem, not the key.
    let refused = Run {
        planted_key: true,
        ..run
    };
    let d = dir.path().to_str().unwrap();
    for args in [
        &["upload", d, "--release", "r5"][..],
        &["upload", d, "--release", "r5", "--json"][..],
        &["verify", d][..],
        &["prune", "--dry-run"][..],
    ] {
        let out = check(
            refused.cmd(args).args(["--progress", "never"]),
            "refused credentials",
            3,
        );
        assert!(out.stderr.contains("credentials"), "{}", out.stderr);
    }
}

#[test]
fn an_endpoint_url_with_credentials_is_refused_without_echoing_them() {
    let t = Target::rclone("endpointcreds");
    let dir = assets();
    let d = dir.path().to_str().unwrap();
    for endpoint in [
        format!("http://x-access-token:{}@127.0.0.1:9", secrets::GIT_TOKEN),
        format!("ftp://user:{}@host", secrets::DB_PASSWORD),
    ] {
        for args in [vec!["upload", d], vec!["verify", d], vec!["prune"]] {
            let out = check(
                asset_sync()
                    .args(&args)
                    .args(["--bucket", &t.bucket, "--endpoint-url", &endpoint]),
                "--endpoint-url with credentials",
                2,
            );
            assert!(out.stderr.contains("--endpoint-url"), "{}", out.stderr);
            let out = check(
                asset_sync()
                    .args(&args)
                    .args(["--bucket", &t.bucket])
                    .env("AWS_ENDPOINT_URL", &endpoint),
                "AWS_ENDPOINT_URL with credentials",
                2,
            );
            assert!(out.stderr.contains("<redacted>"), "{}", out.stderr);
        }
    }
}
