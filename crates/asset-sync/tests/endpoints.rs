//! Where requests go: `--endpoint-url`, then `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`,
//! the precedence every AWS SDK documents. A closed port stands in for the endpoint that must
//! not be used: a request sent there fails the run.

mod common;

use common::{Target, asset_sync, tree};
use slipway_testkit::Output;

/// A loopback address nothing listens on (port 1 is never bound by the tests).
const CLOSED: &str = "http://127.0.0.1:1";

fn upload(t: &Target, dir: &std::path::Path, flag: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = asset_sync().arg("upload").arg(dir).args([
        "--bucket",
        &t.bucket,
        "--progress",
        "never",
        "--release",
        "r1",
    ]);
    if let Some(url) = flag {
        cmd = cmd.args(["--endpoint-url", url]);
    }
    for (name, value) in env {
        cmd = cmd.env(name, value);
    }
    cmd.run()
}

#[test]
fn the_per_service_variable_wins_over_the_global_one() {
    let t = Target::rclone("ep-service");
    let dir = tree(&[("app-1a2b3c4d5e.js", b"1")]);
    let out = upload(
        &t,
        dir.path(),
        None,
        &[
            ("AWS_ENDPOINT_URL", CLOSED),
            ("AWS_ENDPOINT_URL_S3", &t.endpoint),
        ],
    );
    out.assert_code(0);
    assert!(t.keys().contains(&"assets/app-1a2b3c4d5e.js".to_owned()));
}

#[test]
fn the_global_variable_alone_is_used() {
    let t = Target::rclone("ep-global");
    let dir = tree(&[("app-1a2b3c4d5e.js", b"1")]);
    upload(&t, dir.path(), None, &[("AWS_ENDPOINT_URL", &t.endpoint)]).assert_code(0);
    assert!(t.keys().contains(&"assets/app-1a2b3c4d5e.js".to_owned()));
}

#[test]
fn the_flag_wins_over_both_variables() {
    let t = Target::rclone("ep-flag");
    let dir = tree(&[("app-1a2b3c4d5e.js", b"1")]);
    let out = upload(
        &t,
        dir.path(),
        Some(&t.endpoint),
        &[
            ("AWS_ENDPOINT_URL", CLOSED),
            ("AWS_ENDPOINT_URL_S3", CLOSED),
        ],
    );
    out.assert_code(0);
    assert!(t.keys().contains(&"assets/app-1a2b3c4d5e.js".to_owned()));
}

#[test]
fn a_variable_carrying_credentials_is_refused_by_name() {
    let t = Target::rclone("ep-creds");
    let dir = tree(&[("app-1a2b3c4d5e.js", b"1")]);
    let with_credentials = t.endpoint.replace("http://", "http://AKIA:s3cr3t-in-env@");
    let out = upload(
        &t,
        dir.path(),
        None,
        &[("AWS_ENDPOINT_URL_S3", &with_credentials)],
    );
    out.assert_code(2);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(
        lines[0].starts_with("error: invalid AWS_ENDPOINT_URL_S3 \"http://<redacted>@"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("s3cr3t-in-env"));
    assert!(t.keys().is_empty());
}
