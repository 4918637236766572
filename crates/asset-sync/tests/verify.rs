//! `asset-sync verify` against real local S3 servers: upload with the real binary, damage the
//! bucket (through the S3 API or under rclone's feet), and check what verify reports.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use common::{Target, asset_sync, sha256_hex, tree};
use slipway_testkit::tree::{TreeSpec, write_rails_tree};
use slipway_testkit::{FaultProxy, Output, RcloneS3};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const CSS_KEY: &str = "assets/app-1a2b3c4d5e.css";
const CSS: &[u8] = b"body{color:red}\n";

/// A small tree with one file of each class, a compressed companion and a manifest.
fn small_tree() -> tempfile::TempDir {
    tree(&[
        ("app-1a2b3c4d5e.css", CSS),
        ("app-1a2b3c4d5e.js", b"console.log(1)\n"),
        ("app-1a2b3c4d5e.js.gz", b"\x1f\x8b fake gzip"),
        ("images/logo-1a2b3c4d5e.png", b"\x89PNG\r\n"),
        ("robots.txt", b"User-agent: *\n"),
        (
            ".sprockets-manifest-0123456789abcdef0123456789abcdef.json",
            br#"{"files":{"app-1a2b3c4d5e.js":{},"app-1a2b3c4d5e.css":{}},"assets":{}}"#,
        ),
    ])
}
const SMALL_TREE_OBJECTS: usize = 6;

/// `asset-sync verify` of `dir` (or, with `--release`, of a record) against this target.
fn verify(t: &Target, endpoint: Option<&str>, args: &[&str]) -> Output {
    asset_sync()
        .arg("verify")
        .args(["--bucket", &t.bucket, "--progress", "never"])
        .args(["--endpoint-url", endpoint.unwrap_or(&t.endpoint)])
        .args(args)
        .run()
}

fn verify_dir(t: &Target, dir: &Path, args: &[&str]) -> Output {
    let mut all = vec![dir.to_str().unwrap()];
    all.extend_from_slice(args);
    verify(t, None, &all)
}

/// (key, kind) of every problem in a JSON report.
fn problems(json: &serde_json::Value) -> Vec<(String, String)> {
    json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().to_owned(),
                p["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn clean_upload_verifies(t: &Target) {
    let dir = tempfile::tempdir().unwrap();
    let summary = write_rails_tree(
        dir.path(),
        &TreeSpec {
            files: 60,
            ..TreeSpec::default()
        },
    )
    .unwrap();
    let up = t.upload(dir.path(), None, &["--release", "r1"]);
    let objects = up.assert_success().json()["objects"].as_u64().unwrap();
    assert_eq!(objects, summary.files.len() as u64);

    let out = verify_dir(t, dir.path(), &["--json"]);
    let json = out.assert_success().json();
    assert_eq!(json["checked"], objects);
    assert_eq!(json["ok"], objects);
    assert_eq!(json["problems"], serde_json::json!([]));
    assert_eq!(json["release"], serde_json::Value::Null);
    assert_eq!(json["bucket"], t.bucket.as_str());
    assert_eq!(json["prefix"], "assets/");
    assert!(
        out.stderr.contains(&format!(
            "{objects} objects checked in s3://{}/assets/, no problems",
            t.bucket
        )),
        "{}",
        out.stderr
    );

    let out = verify(t, None, &["--release", "r1", "--json"]);
    let json = out.assert_success().json();
    assert_eq!(json["release"], "r1");
    assert_eq!(json["checked"], objects);
    assert_eq!(json["ok"], objects);
    assert!(json["record"].as_str().unwrap().ends_with("-r1.json"));
    assert!(out.stderr.contains("release r1:"), "{}", out.stderr);

    // Without --json a clean bucket prints nothing on stdout.
    let out = verify_dir(t, dir.path(), &[]);
    assert_eq!(out.assert_success().stdout, "");
}

#[test]
fn a_clean_upload_verifies_from_dir_and_from_release_on_rclone() {
    clean_upload_verifies(&Target::rclone("clean"));
}

#[test]
fn a_clean_upload_verifies_from_dir_and_from_release_on_moto() {
    clean_upload_verifies(&Target::moto("clean"));
}

#[test]
fn a_missing_object_is_reported() {
    let t = Target::rclone("missing");
    let dir = small_tree();
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();
    t.probe.delete(&t.bucket, CSS_KEY);

    let out = verify_dir(&t, dir.path(), &[]);
    out.assert_code(3);
    assert_eq!(
        out.stdout,
        format!("MISSING s3://{}/{CSS_KEY}\n", t.bucket),
        "{}",
        out.stderr
    );
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("error: 1 of 6 objects") && lines[0].contains("1 missing"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("6 objects checked") && lines[1].contains("1 problem (1 missing)"),
        "{lines:?}"
    );

    for args in [vec![dir.path().to_str().unwrap()], vec!["--release", "r1"]] {
        let mut args = args;
        args.push("--json");
        let out = verify(&t, None, &args);
        let json = out.assert_code(3).json();
        assert_eq!(json["checked"], SMALL_TREE_OBJECTS);
        assert_eq!(json["ok"], SMALL_TREE_OBJECTS - 1);
        assert_eq!(
            json["problems"],
            serde_json::json!([{"key": CSS_KEY, "kind": "missing", "expected": null, "found": null}])
        );
    }
}

#[test]
fn a_corrupted_object_put_through_the_api_is_caught() {
    let t = Target::rclone("corrupt");
    let dir = small_tree();
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();
    // Same key, same size, other bytes, no recorded SHA-256: only reading it can tell.
    let bad = b"body{color:blu}\n";
    assert_eq!(bad.len(), CSS.len());
    t.probe.put(&t.bucket, CSS_KEY, bad);

    for source in [vec![dir.path().to_str().unwrap()], vec!["--release", "r1"]] {
        let mut args = source;
        args.push("--json");
        let out = verify(&t, None, &args);
        let json = out.assert_code(3).json();
        let content: Vec<&serde_json::Value> = json["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["kind"] == "content")
            .collect();
        assert_eq!(content.len(), 1, "{json}");
        assert_eq!(content[0]["key"], CSS_KEY);
        assert_eq!(content[0]["expected"], sha256_hex(CSS));
        assert_eq!(content[0]["found"], sha256_hex(bad));
        assert_eq!(content[0]["via"], "download");
        // Nothing else is wrong.
        assert!(problems(&json).iter().all(|(k, _)| k == CSS_KEY), "{json}");
        assert_eq!(json["ok"], SMALL_TREE_OBJECTS - 1);
    }
    let out = verify_dir(&t, dir.path(), &[]);
    assert!(
        out.stdout.contains(&format!(
            "CONTENT s3://{}/{CSS_KEY} expected sha256 {} found {} (downloaded)",
            t.bucket,
            sha256_hex(CSS),
            sha256_hex(bad)
        )),
        "{}",
        out.stdout
    );
}

/// Bit rot under the store (the bytes change, the recorded SHA-256 does not): the default
/// mode trusts the SHA-256 recorded at upload and does not read the bytes, so only `--deep`
/// sees it.
#[test]
fn storage_corruption_is_caught_by_deep_only() {
    let t = Target::rclone("bitrot");
    let dir = small_tree();
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();
    let path = RcloneS3::shared().object_path(&t.bucket, CSS_KEY);
    let bad = b"body{color:bad}\n";
    assert_eq!(bad.len(), CSS.len());
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::write(&path, bad).unwrap();
    // Bit rot leaves the modification time alone.
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();

    let out = verify_dir(&t, dir.path(), &["--json"]);
    assert_eq!(out.assert_success().json()["ok"], SMALL_TREE_OBJECTS);

    for source in [vec![dir.path().to_str().unwrap()], vec!["--release", "r1"]] {
        let mut args = source;
        args.extend(["--deep", "--json"]);
        let out = verify(&t, None, &args);
        let json = out.assert_code(3).json();
        assert_eq!(json["deep"], true);
        assert_eq!(
            problems(&json),
            vec![(CSS_KEY.to_owned(), "content".to_owned())]
        );
        assert_eq!(json["problems"][0]["found"], sha256_hex(bad));
        assert_eq!(json["problems"][0]["via"], "download");
    }
}

#[test]
fn a_wrong_content_type_is_caught() {
    let t = Target::rclone("ctype");
    let dir = small_tree();
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();
    // The right bytes, the right Cache-Control and SHA-256 metadata: only the type is wrong.
    t.probe
        .block_on(
            t.probe
                .client()
                .put_object()
                .bucket(&t.bucket)
                .key(CSS_KEY)
                .body(ByteStream::from(CSS.to_vec()))
                .content_type("text/plain")
                .cache_control(IMMUTABLE)
                .metadata("slipway-sha256", sha256_hex(CSS))
                .send(),
        )
        .unwrap();

    for source in [vec![dir.path().to_str().unwrap()], vec!["--release", "r1"]] {
        let mut args = source;
        args.push("--json");
        let out = verify(&t, None, &args);
        let json = out.assert_code(3).json();
        assert_eq!(
            json["problems"],
            serde_json::json!([{
                "key": CSS_KEY,
                "kind": "content-type",
                "expected": "text/css; charset=utf-8",
                "found": "text/plain",
            }])
        );
    }
    let out = verify_dir(&t, dir.path(), &[]);
    assert_eq!(
        out.stdout,
        format!(
            "HEADER s3://{}/{CSS_KEY} content-type expected \"text/css; charset=utf-8\" found \"text/plain\"\n",
            t.bucket
        )
    );
    assert!(
        out.stderr.contains("1 problem (1 content-type)"),
        "{}",
        out.stderr
    );
}

/// DIR mode expects what `upload` writes with the same layout flags.
#[test]
fn layout_flags_are_those_of_upload() {
    let t = Target::rclone("layout");
    let dir = small_tree();
    t.upload(dir.path(), None, &["--compressed", "replace"])
        .assert_success();
    let out = verify_dir(&t, dir.path(), &["--compressed", "replace", "--json"]);
    assert_eq!(out.assert_success().json()["ok"], SMALL_TREE_OBJECTS - 1);
    // With the default (companion) layout, the .gz is expected under its own key and the
    // plain bytes under the original one.
    let out = verify_dir(&t, dir.path(), &["--json"]);
    let json = out.assert_code(3).json();
    assert_eq!(
        problems(&json),
        vec![
            ("assets/app-1a2b3c4d5e.js".to_owned(), "size".to_owned()),
            (
                "assets/app-1a2b3c4d5e.js.gz".to_owned(),
                "missing".to_owned()
            ),
        ]
    );
}

#[test]
fn a_wrong_size_is_seen_in_the_listing() {
    let t = Target::rclone("size");
    let dir = small_tree();
    t.upload(dir.path(), None, &[]).assert_success();
    t.probe.put(&t.bucket, CSS_KEY, b"short");
    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let out = verify(
        &t,
        Some(&proxy.endpoint()),
        &[dir.path().to_str().unwrap(), "--json"],
    );
    let json = out.assert_code(3).json();
    assert_eq!(
        json["problems"],
        serde_json::json!([{"key": CSS_KEY, "kind": "size", "expected": CSS.len(), "found": 5}])
    );
    // Known wrong from the listing: never read.
    assert!(
        !proxy.seen().iter().any(|s| s.path.ends_with(CSS_KEY)),
        "{:?}",
        proxy.seen()
    );
}

/// Objects written by another tool carry no recorded SHA-256: each is downloaded once, and
/// passes when its bytes and headers are right.
#[test]
fn an_object_without_a_recorded_sha256_is_downloaded_once() {
    let t = Target::rclone("foreign");
    let dir = small_tree();
    t.upload(dir.path(), None, &[]).assert_success();
    t.probe
        .block_on(
            t.probe
                .client()
                .put_object()
                .bucket(&t.bucket)
                .key(CSS_KEY)
                .body(ByteStream::from(CSS.to_vec()))
                .content_type("text/css; charset=utf-8")
                .cache_control(IMMUTABLE)
                .send(),
        )
        .unwrap();
    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let out = verify(
        &t,
        Some(&proxy.endpoint()),
        &[dir.path().to_str().unwrap(), "--json"],
    );
    assert_eq!(out.assert_success().json()["ok"], SMALL_TREE_OBJECTS);
    let gets: Vec<String> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.method == "GET" && !s.query.contains("list-type=2"))
        .map(|s| s.path)
        .collect();
    assert_eq!(gets, vec![format!("/{}/{CSS_KEY}", t.bucket)]);
}

#[test]
fn default_verify_makes_one_listing_and_one_head_per_object() {
    let t = Target::rclone("requests");
    let dir = tempfile::tempdir().unwrap();
    let summary = write_rails_tree(
        dir.path(),
        &TreeSpec {
            files: 80,
            ..TreeSpec::default()
        },
    )
    .unwrap();
    t.upload(dir.path(), None, &[]).assert_success();

    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let out = verify(&t, Some(&proxy.endpoint()), &[dir.path().to_str().unwrap()]);
    out.assert_success();
    let seen = proxy.seen();
    let lists = common::one_listing(&seen);
    let heads: Vec<String> = seen
        .iter()
        .filter(|s| s.method == "HEAD")
        .map(|s| s.path.clone())
        .collect();
    let unique: BTreeSet<String> = heads.iter().cloned().collect();
    assert_eq!(heads.len(), unique.len(), "one HEAD per object");
    let expected: BTreeSet<String> = summary
        .files
        .keys()
        .map(|rel| format!("/{}/assets/{rel}", t.bucket))
        .collect();
    assert_eq!(unique, expected);
    assert_eq!(
        seen.len(),
        lists + heads.len(),
        "no GET, no write: {seen:?}"
    );

    // --deep: one listing and one GET per object, nothing else.
    proxy.clear_seen();
    let out = verify(
        &t,
        Some(&proxy.endpoint()),
        &[dir.path().to_str().unwrap(), "--deep"],
    );
    out.assert_success();
    let seen = proxy.seen();
    assert!(seen.iter().all(|s| s.method == "GET"), "{seen:?}");
    let lists = common::one_listing(&seen);
    assert_eq!(seen.len(), lists + summary.files.len(), "{seen:?}");
}

#[test]
fn an_unknown_release_is_one_line_and_exit_2() {
    let t = Target::rclone("norelease");
    let dir = small_tree();
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();
    let out = verify(&t, None, &["--release", "r9"]);
    out.assert_code(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0],
        format!(
            "error: no release record for r9 in s3://{}/assets/.slipway/releases/ (releases there, newest first: r1)",
            t.bucket
        )
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn an_unreadable_record_is_exit_3() {
    let t = Target::rclone("badrecord");
    let dir = small_tree();
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();
    let record = t.records()[0].clone();
    t.probe.put(&t.bucket, &record, b"{ not a record");
    let out = verify(&t, None, &["--release", "r1"]);
    out.assert_code(3);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "error: failed to read release record s3://{}/{record}: not a release record",
            t.bucket
        )),
        "{lines:?}"
    );
}

#[test]
fn bad_input_fails_before_any_request() {
    let t = Target::rclone("badinput");
    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let out = verify(&t, Some(&proxy.endpoint()), &["/nonexistent/public/assets"]);
    out.assert_code(2);
    assert_eq!(out.stderr_lines().len(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("/nonexistent/public/assets"),
        "{}",
        out.stderr
    );

    let manifest = br#"{"files":{"app-1a2b3c4d5e.js":{},"gone-1a2b3c4d5e.css":{}},"assets":{}}"#;
    let dir = tree(&[
        ("app-1a2b3c4d5e.js", b"1"),
        (
            ".sprockets-manifest-0123456789abcdef0123456789abcdef.json",
            manifest,
        ),
    ]);
    let out = verify(&t, Some(&proxy.endpoint()), &[dir.path().to_str().unwrap()]);
    out.assert_code(2);
    assert_eq!(out.stderr_lines().len(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("gone-1a2b3c4d5e.css"), "{}", out.stderr);

    let out = verify(&t, Some(&proxy.endpoint()), &["--release", "$(id)"]);
    out.assert_code(2);
    assert!(out.stderr.contains("--release"), "{}", out.stderr);
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

#[test]
fn verify_help_lists_every_flag() {
    let out = asset_sync().args(["verify", "--help"]).run();
    out.assert_success();
    insta::assert_snapshot!("verify_help", out.stdout);
}
