//! `asset-sync upload` against real local S3 servers (rclone serve s3 and moto_server),
//! driven as a buildspec would drive it.

mod common;

use std::collections::BTreeSet;

use common::{Target, asset_sync, sha256_hex, tree};
use slipway_testkit::tree::{TreeSpec, write_rails_tree};
use slipway_testkit::{Fault, FaultProxy, Rule};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const MUTABLE: &str = "public, max-age=60";
const SPROCKETS: &str = ".sprockets-manifest-0123456789abcdef0123456789abcdef.json";

/// (relative path, content, Content-Type, Cache-Control, Content-Encoding)
type TypedFile = (
    &'static str,
    &'static [u8],
    &'static str,
    &'static str,
    Option<&'static str>,
);

/// One file of every kind a Rails app ships, with the headers each must get.
fn typed_files() -> Vec<TypedFile> {
    vec![
        (
            "app-1a2b3c4d5e.js",
            b"console.log(1)\n",
            "text/javascript; charset=utf-8",
            IMMUTABLE,
            None,
        ),
        (
            "app-1a2b3c4d5e.js.gz",
            b"\x1f\x8b fake gzip",
            "text/javascript; charset=utf-8",
            IMMUTABLE,
            Some("gzip"),
        ),
        (
            "app-1a2b3c4d5e.js.br",
            b"fake brotli",
            "text/javascript; charset=utf-8",
            IMMUTABLE,
            Some("br"),
        ),
        (
            "mod-1a2b3c4d5e.mjs",
            b"export {}\n",
            "text/javascript; charset=utf-8",
            IMMUTABLE,
            None,
        ),
        (
            "app-1a2b3c4d5e.css",
            b"body{}\n",
            "text/css; charset=utf-8",
            IMMUTABLE,
            None,
        ),
        (
            "app.js-1a2b3c4d5e.map",
            b"{}",
            "application/json; charset=utf-8",
            IMMUTABLE,
            None,
        ),
        (
            "locales/en-1a2b3c4d5e.json",
            b"{}",
            "application/json; charset=utf-8",
            IMMUTABLE,
            None,
        ),
        (
            "images/logo-1a2b3c4d5e.png",
            b"\x89PNG",
            "image/png",
            IMMUTABLE,
            None,
        ),
        (
            "images/photo-1a2b3c4d5e.jpg",
            b"\xff\xd8",
            "image/jpeg",
            IMMUTABLE,
            None,
        ),
        (
            "images/anim-1a2b3c4d5e.gif",
            b"GIF89a",
            "image/gif",
            IMMUTABLE,
            None,
        ),
        (
            "images/hero-1a2b3c4d5e.webp",
            b"RIFF",
            "image/webp",
            IMMUTABLE,
            None,
        ),
        (
            "images/hero-1a2b3c4d5e.avif",
            b"avif",
            "image/avif",
            IMMUTABLE,
            None,
        ),
        (
            "icons/cart-1a2b3c4d5e.svg",
            b"<svg/>",
            "image/svg+xml; charset=utf-8",
            IMMUTABLE,
            None,
        ),
        (
            "favicon-1a2b3c4d5e.ico",
            b"\0\0\x01\0",
            "image/x-icon",
            IMMUTABLE,
            None,
        ),
        (
            "fonts/inter-1a2b3c4d5e.woff2",
            b"wOF2",
            "font/woff2",
            IMMUTABLE,
            None,
        ),
        (
            "fonts/inter-1a2b3c4d5e.woff",
            b"wOFF",
            "font/woff",
            IMMUTABLE,
            None,
        ),
        (
            "fonts/inter-1a2b3c4d5e.ttf",
            b"\0\x01\0\0",
            "font/ttf",
            IMMUTABLE,
            None,
        ),
        (
            "wasm/lib-1a2b3c4d5e.wasm",
            b"\0asm",
            "application/wasm",
            IMMUTABLE,
            None,
        ),
        (
            "site.webmanifest",
            b"{\"name\":\"Shop\"}",
            "application/manifest+json; charset=utf-8",
            MUTABLE,
            None,
        ),
        (
            "robots.txt",
            b"User-agent: *\n",
            "text/plain; charset=utf-8",
            MUTABLE,
            None,
        ),
        (
            "tinymce/tinymce.min.js",
            b"window.tinymce={}",
            "text/javascript; charset=utf-8",
            MUTABLE,
            None,
        ),
        (
            SPROCKETS,
            br#"{"files":{"app-1a2b3c4d5e.js":{},"app-1a2b3c4d5e.css":{}},"assets":{}}"#,
            "application/json; charset=utf-8",
            MUTABLE,
            None,
        ),
    ]
}

fn typed_tree() -> tempfile::TempDir {
    let files: Vec<(&str, &[u8])> = typed_files().iter().map(|f| (f.0, f.1)).collect();
    tree(&files)
}

fn check_headers(t: &Target) {
    for (rel, body, ty, cache, enc) in typed_files() {
        let key = format!("assets/{rel}");
        let head = t
            .probe
            .head(&t.bucket, &key)
            .unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(head.content_type.as_deref(), Some(ty), "{key}");
        assert_eq!(head.cache_control.as_deref(), Some(cache), "{key}");
        assert_eq!(head.content_encoding.as_deref(), enc, "{key}");
        assert_eq!(head.size, body.len() as u64, "{key}");
        assert_eq!(
            head.metadata.get("slipway-sha256").map(String::as_str),
            Some(sha256_hex(body).as_str()),
            "{key}"
        );
        assert_eq!(t.probe.get(&t.bucket, &key), body, "{key}");
    }
}

#[test]
fn headers_per_file_type_on_rclone() {
    let t = Target::rclone("headers");
    let dir = typed_tree();
    let out = t.upload(dir.path(), None, &["--release", "r1"]);
    out.assert_success();
    assert_eq!(out.json()["uploaded"], typed_files().len());
    check_headers(&t);
}

#[test]
fn headers_per_file_type_on_moto() {
    let t = Target::moto("headers");
    let dir = typed_tree();
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();
    check_headers(&t);
}

#[test]
fn no_acl_is_sent_unless_asked_and_the_checksum_always_is() {
    let t = Target::rclone("acl");
    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1")]);
    t.upload(dir.path(), Some(&proxy.endpoint()), &[])
        .assert_success();
    let puts: Vec<_> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2, "{puts:?}");
    for put in &puts {
        assert!(!put.headers.iter().any(|h| h == "x-amz-acl"), "{put:?}");
        assert!(
            put.headers.iter().any(|h| h == "x-amz-checksum-sha256"),
            "{put:?}"
        );
        assert!(
            !put.headers.iter().any(|h| h == "x-amz-trailer"),
            "no aws-chunked trailer: {put:?}"
        );
    }
    proxy.clear_seen();
    let dir = tree(&[("b-1a2b3c4d5e.js", b"2")]);
    t.upload(
        dir.path(),
        Some(&proxy.endpoint()),
        &["--acl", "bucket-owner-full-control"],
    )
    .assert_success();
    let asset_put = proxy
        .seen()
        .into_iter()
        .find(|s| s.method == "PUT" && s.path.ends_with("b-1a2b3c4d5e.js"))
        .unwrap();
    assert!(asset_put.headers.iter().any(|h| h == "x-amz-acl"));
}

#[test]
fn rerun_writes_only_the_release_record() {
    let t = Target::rclone("rerun");
    let dir = tempfile::tempdir().unwrap();
    let summary = write_rails_tree(
        dir.path(),
        &TreeSpec {
            files: 80,
            ..TreeSpec::default()
        },
    )
    .unwrap();
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();

    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let out = t.upload(
        dir.path(),
        Some(&proxy.endpoint()),
        &["--release", "r1-again"],
    );
    out.assert_success();
    let json = out.json();
    assert_eq!(json["uploaded"], 0);
    assert_eq!(json["skipped"], summary.files.len());
    let seen = proxy.seen();
    let writes: Vec<_> = seen.iter().filter(|s| s.is_write()).collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(
        writes[0].path.contains("/assets/.slipway/releases/")
            && writes[0].path.ends_with("-r1-again.json")
    );
    // One listing, one GET of the newest release record (its SHA-256s spare reading the
    // files again), and a HEAD only for the few mutable objects of unchanged size.
    common::one_listing(&seen);
    let gets: Vec<_> = seen
        .iter()
        .filter(|s| s.method == "GET" && !s.query.contains("list-type=2"))
        .collect();
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert!(
        gets[0].path.contains("/assets/.slipway/releases/") && gets[0].path.ends_with("-r1.json")
    );
    let heads: BTreeSet<_> = seen
        .iter()
        .filter(|s| s.method == "HEAD")
        .map(|s| s.path.rsplit('/').next().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = [
        "robots.txt",
        "tinymce.min.js",
        "skin.min.css",
        summary.manifest.as_str(),
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(heads, expected);
    assert_eq!(t.records().len(), 2);
}

#[test]
fn touched_files_with_same_bytes_are_not_uploaded_again() {
    let t = Target::rclone("touched");
    let dir = tempfile::tempdir().unwrap();
    write_rails_tree(
        dir.path(),
        &TreeSpec {
            files: 40,
            ..TreeSpec::default()
        },
    )
    .unwrap();
    t.upload(dir.path(), None, &[]).assert_success();
    // A fresh precompile: same bytes, every mtime new.
    let again = tempfile::tempdir().unwrap();
    write_rails_tree(
        again.path(),
        &TreeSpec {
            files: 40,
            mtime: slipway_testkit::tree::Mtime::Now,
            ..TreeSpec::default()
        },
    )
    .unwrap();
    let out = t.upload(again.path(), None, &[]);
    assert_eq!(out.assert_success().json()["uploaded"], 0);
}

#[test]
fn next_release_uploads_only_new_and_changed_objects() {
    let t = Target::rclone("next");
    let r1 = tempfile::tempdir().unwrap();
    let r2 = tempfile::tempdir().unwrap();
    let spec = TreeSpec {
        files: 300,
        ..TreeSpec::default()
    };
    let s1 = write_rails_tree(r1.path(), &spec).unwrap();
    let s2 = write_rails_tree(r2.path(), &TreeSpec { release: 2, ..spec }).unwrap();
    t.upload(r1.path(), None, &["--release", "r1"])
        .assert_success();

    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    t.upload(r2.path(), Some(&proxy.endpoint()), &["--release", "r2"])
        .assert_success();
    let put: BTreeSet<String> = proxy
        .seen()
        .iter()
        .filter(|s| s.method == "PUT" && !s.path.contains("/.slipway/"))
        .map(|s| s.path.split_once("/assets/").unwrap().1.to_owned())
        .collect();
    // New names, plus the one mutable file whose content changes every release.
    let mut expected: BTreeSet<String> = s2
        .files
        .keys()
        .filter(|k| !s1.files.contains_key(*k))
        .cloned()
        .collect();
    expected.insert("tinymce/tinymce.min.js".to_owned());
    assert_eq!(put, expected);
    assert!(expected.len() > 10 && expected.len() < s2.files.len() / 3);
    // Both releases' files are in the bucket.
    let keys: BTreeSet<String> = t.keys().into_iter().collect();
    for rel in s1.files.keys().chain(s2.files.keys()) {
        assert!(keys.contains(&format!("assets/{rel}")), "{rel}");
    }
}

#[test]
fn an_unreadable_previous_record_only_costs_hashing() {
    let t = Target::rclone("badrecord");
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1"), ("b-1a2b3c4d5e.css", b"22")]);
    t.upload(dir.path(), None, &["--release", "r1"])
        .assert_success();
    let first = t.records()[0].clone();
    t.probe.put(&t.bucket, &first, b"{ not a record");
    let out = t.upload(dir.path(), None, &["--release", "r2"]);
    assert_eq!(out.assert_success().json()["uploaded"], 0);
    assert!(
        out.stderr
            .contains("warning: cannot read the release record"),
        "{}",
        out.stderr
    );
    let newest = t
        .records()
        .into_iter()
        .find(|k| k.ends_with("-r2.json"))
        .unwrap();
    let record: serde_json::Value =
        serde_json::from_slice(&t.probe.get(&t.bucket, &newest)).unwrap();
    let shas: Vec<_> = record["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["sha256"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(shas, vec![sha256_hex(b"1"), sha256_hex(b"22")]);
}

#[test]
fn a_changed_mutable_file_of_the_same_size_is_replaced() {
    let t = Target::rclone("mutable");
    let dir = tree(&[("robots.txt", b"Disallow: /a\n"), ("a-1a2b3c4d5e.js", b"1")]);
    t.upload(dir.path(), None, &[]).assert_success();
    std::fs::write(dir.path().join("robots.txt"), b"Disallow: /b\n").unwrap();
    let out = t.upload(dir.path(), None, &[]);
    assert_eq!(out.assert_success().json()["uploaded"], 1);
    assert_eq!(
        t.probe.get(&t.bucket, "assets/robots.txt"),
        b"Disallow: /b\n"
    );
}

/// SSE-KMS objects have ETags that are not MD5s: the comparison must not depend on them.
#[test]
fn mutable_comparison_does_not_trust_etags() {
    let t = Target::rclone("kms");
    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    proxy.set_opaque_etags(true);
    let dir = tree(&[("robots.txt", b"Disallow: /a\n"), ("a-1a2b3c4d5e.js", b"1")]);
    t.upload(dir.path(), Some(&proxy.endpoint()), &[])
        .assert_success();
    // Unchanged: nothing but the record is written.
    proxy.clear_seen();
    let out = t.upload(dir.path(), Some(&proxy.endpoint()), &[]);
    assert_eq!(out.assert_success().json()["uploaded"], 0);
    assert_eq!(proxy.seen().iter().filter(|s| s.is_write()).count(), 1);
    // Changed, same size: replaced.
    std::fs::write(dir.path().join("robots.txt"), b"Disallow: /b\n").unwrap();
    let out = t.upload(dir.path(), Some(&proxy.endpoint()), &[]);
    assert_eq!(out.assert_success().json()["uploaded"], 1);
    assert_eq!(
        t.probe.get(&t.bucket, "assets/robots.txt"),
        b"Disallow: /b\n"
    );
    // Written by another tool (no recorded SHA-256) and an opaque ETag: cannot be proven
    // equal, so it is written again.
    t.probe
        .put(&t.bucket, "assets/robots.txt", b"Disallow: /b\n");
    let out = t.upload(dir.path(), Some(&proxy.endpoint()), &[]);
    assert_eq!(out.assert_success().json()["uploaded"], 1);
    // The same without the proxy: a plain MD5 ETag proves it equal.
    t.probe
        .put(&t.bucket, "assets/robots.txt", b"Disallow: /b\n");
    let out = t.upload(dir.path(), None, &[]);
    assert_eq!(out.assert_success().json()["uploaded"], 0);
}

#[test]
fn a_missing_manifest_file_fails_before_any_request() {
    let t = Target::rclone("missing");
    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let manifest = br#"{"files":{"app-1a2b3c4d5e.js":{},"gone-1a2b3c4d5e.css":{}},"assets":{}}"#;
    let dir = tree(&[("app-1a2b3c4d5e.js", b"1"), (SPROCKETS, manifest)]);
    let out = t.upload(dir.path(), Some(&proxy.endpoint()), &[]);
    out.assert_code(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(SPROCKETS) && lines[0].contains("gone-1a2b3c4d5e.css"),
        "{lines:?}"
    );
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
    assert!(t.keys().is_empty());
}

#[test]
fn a_key_that_always_fails_leaves_no_manifest_and_no_record() {
    let t = Target::rclone("alwaysfails");
    let proxy = FaultProxy::start(
        &t.endpoint,
        vec![
            Rule::new(Fault::SlowDown)
                .method("PUT")
                .path_contains("broken-1a2b3c4d5e.js"),
        ],
        7,
    );
    let manifest = br#"{"files":{"app-1a2b3c4d5e.js":{},"broken-1a2b3c4d5e.js":{}},"assets":{}}"#;
    let dir = tree(&[
        ("app-1a2b3c4d5e.js", b"1"),
        ("broken-1a2b3c4d5e.js", b"2"),
        (SPROCKETS, manifest),
    ]);
    let out = t.upload(dir.path(), Some(&proxy.endpoint()), &["--release", "r1"]);
    out.assert_code(3);
    let json = out.json();
    assert_eq!(
        json["failed"],
        serde_json::json!(["assets/broken-1a2b3c4d5e.js"])
    );
    assert_eq!(json["record"], serde_json::Value::Null);
    assert!(
        out.stderr.contains("assets/broken-1a2b3c4d5e.js"),
        "{}",
        out.stderr
    );
    assert_eq!(t.keys(), vec!["assets/app-1a2b3c4d5e.js".to_owned()]);
    // It was retried, not given up on at once.
    assert!(proxy.injected() > 3, "{}", proxy.injected());
}

#[test]
fn transient_faults_are_retried_until_everything_lands() {
    let t = Target::rclone("flaky");
    let dir = tempfile::tempdir().unwrap();
    let summary = write_rails_tree(
        dir.path(),
        &TreeSpec {
            files: 120,
            ..TreeSpec::default()
        },
    )
    .unwrap();
    let rules = vec![
        Rule::new(Fault::SlowDown).rate(0.15),
        Rule::new(Fault::Status500).rate(0.05),
        Rule::new(Fault::DropBeforeBody).method("PUT").rate(0.05),
        Rule::new(Fault::DropAfterBody).method("PUT").rate(0.05),
        Rule::new(Fault::Truncate).method("GET").rate(0.2),
    ];
    let proxy = FaultProxy::start(&t.endpoint, rules, 42);
    let out = t.upload(dir.path(), Some(&proxy.endpoint()), &[]);
    out.assert_success();
    assert!(proxy.injected() > 10);
    for (rel, size) in &summary.files {
        let body = t.probe.get(&t.bucket, &format!("assets/{rel}"));
        assert_eq!(body.len() as u64, *size, "{rel}");
        assert_eq!(body, std::fs::read(dir.path().join(rel)).unwrap(), "{rel}");
    }
    assert_eq!(t.records().len(), 1);
}

#[test]
fn dry_run_writes_nothing_and_lists_every_object_with_headers() {
    let t = Target::rclone("dry");
    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let dir = typed_tree();
    let out = asset_sync()
        .args([
            "upload",
            dir.path().to_str().unwrap(),
            "--bucket",
            &t.bucket,
            "--endpoint-url",
            &proxy.endpoint(),
            "--dry-run",
            "--release",
            "r1",
        ])
        .run();
    out.assert_success();
    assert!(
        proxy.seen().iter().all(|s| !s.is_write()),
        "{:?}",
        proxy.seen()
    );
    assert!(t.keys().is_empty());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), typed_files().len() + 1, "{}", out.stdout);
    assert!(lines.iter().any(|l| l.starts_with(&format!(
        "PUT s3://{}/assets/app-1a2b3c4d5e.js.gz\t",
        t.bucket
    )) && l.contains("content-type=text/javascript; charset=utf-8")
        && l.contains(&format!("cache-control={IMMUTABLE}"))
        && l.ends_with("content-encoding=gzip")));
    assert!(
        lines.last().unwrap().contains("/.slipway/releases/")
            && lines.last().unwrap().contains("-r1.json")
    );
    assert!(out.stderr.contains("dry run") && out.stderr.contains("nothing was written"));
}

#[test]
fn dry_run_json_plans_only_what_is_missing() {
    let t = Target::rclone("dryjson");
    let dir = typed_tree();
    t.upload(dir.path(), None, &[]).assert_success();
    std::fs::write(dir.path().join("new-1a2b3c4d5e.css"), b"a{}").unwrap();
    let out = t.upload(dir.path(), None, &["--dry-run"]);
    let json = out.assert_success().json();
    let planned = json["planned"].as_array().unwrap();
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0]["key"], "assets/new-1a2b3c4d5e.css");
    assert_eq!(planned[0]["reason"], "new");
    assert_eq!(planned[0]["content_type"], "text/css; charset=utf-8");
    assert_eq!(t.records().len(), 1);
}

#[test]
fn a_symlink_out_of_the_directory_is_refused() {
    let t = Target::rclone("symlink");
    let outside = tree(&[("secret.txt", b"s3cr3t")]);
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1")]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("leak.txt"),
    )
    .unwrap();
    let out = t.upload(dir.path(), None, &[]);
    out.assert_code(2);
    assert_eq!(out.stderr_lines().len(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("leak.txt") && out.stderr.contains("outside"),
        "{}",
        out.stderr
    );
    assert!(t.keys().is_empty());
}

#[test]
fn an_unknown_bucket_is_one_clear_line() {
    let t = Target::rclone("nobucket");
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1")]);
    let out = asset_sync()
        .args([
            "upload",
            dir.path().to_str().unwrap(),
            "--bucket",
            "no-such-bucket-here",
            "--endpoint-url",
            &t.endpoint,
            "--progress",
            "never",
        ])
        .run();
    out.assert_code(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("no-such-bucket-here") && lines[0].contains("does not exist"),
        "{lines:?}"
    );
}

#[test]
fn bad_credentials_are_one_clear_line() {
    let t = Target::rclone("badcreds");
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1")]);
    let out = asset_sync()
        .args([
            "upload",
            dir.path().to_str().unwrap(),
            "--bucket",
            &t.bucket,
            "--endpoint-url",
            &t.endpoint,
            "--progress",
            "never",
        ])
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .run();
    out.assert_code(3);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("credentials"), "{lines:?}");
    assert!(!out.stderr.contains("not-the-secret"));
    assert!(t.keys().is_empty());
}

#[test]
fn multipart_uploads_carry_checksums_on_both_servers() {
    let big: Vec<u8> = (0..(11u32 << 20) / 4)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .collect();
    // moto speaks multipart fully; rclone serve s3 answers CreateMultipartUpload with an XML
    // root the SDK cannot read, and the upload falls back to one streamed PUT.
    for (t, parts_expected) in [
        (Target::moto("multipart"), true),
        (Target::rclone("multipart"), false),
    ] {
        let dir = tree(&[("video/intro-1a2b3c4d5e.mp4", &big)]);
        let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
        t.upload(
            dir.path(),
            Some(&proxy.endpoint()),
            &["--multipart-threshold", "5MiB"],
        )
        .assert_success();
        let key = "assets/video/intro-1a2b3c4d5e.mp4";
        let seen = proxy.seen();
        assert!(
            seen.iter()
                .any(|s| s.method == "POST" && s.query.contains("uploads")),
            "multipart was tried"
        );
        let parts = seen
            .iter()
            .filter(|s| s.method == "PUT" && s.query.contains("partNumber"))
            .count();
        assert_eq!(parts, if parts_expected { 2 } else { 0 }, "{seen:?}");
        assert!(
            seen.iter()
                .filter(|s| s.method == "PUT" && s.query.contains("partNumber"))
                .all(|s| s.headers.iter().any(|h| h == "x-amz-checksum-sha256"))
        );
        let head = t.probe.head(&t.bucket, key).unwrap();
        assert_eq!(head.size, big.len() as u64);
        assert_eq!(head.content_type.as_deref(), Some("video/mp4"));
        assert_eq!(head.metadata.get("slipway-sha256"), Some(&sha256_hex(&big)));
        assert!(t.probe.get(&t.bucket, key) == big, "content differs");
    }
}

#[test]
fn the_release_record_lists_every_key_with_size_and_sha256() {
    let t = Target::rclone("record");
    let dir = typed_tree();
    t.upload(
        dir.path(),
        None,
        &["--release", "abc123", "--environment", "staging"],
    )
    .assert_success();
    // Upload it again: the second record lists the objects it found present too.
    let out = t.upload(
        dir.path(),
        None,
        &["--release", "abc124", "--environment", "staging"],
    );
    let record_key = out.assert_success().json()["record"]
        .as_str()
        .unwrap()
        .to_owned();
    let record: serde_json::Value =
        serde_json::from_slice(&t.probe.get(&t.bucket, &record_key)).unwrap();
    assert_eq!(record["release"], "abc124");
    assert_eq!(record["environment"], "staging");
    let objects = record["objects"].as_array().unwrap();
    assert_eq!(objects.len(), typed_files().len());
    for (rel, body, ..) in typed_files() {
        let o = objects
            .iter()
            .find(|o| o["key"] == format!("assets/{rel}"))
            .unwrap();
        assert_eq!(o["size"], body.len());
        assert_eq!(o["sha256"], sha256_hex(body));
    }
}

#[test]
fn bad_flags_are_usage_errors_that_touch_nothing() {
    let t = Target::rclone("badflags");
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1")]);
    let cases: &[(&[&str], &str)] = &[
        (&["--prefix", "../escape"], "--prefix"),
        (&["--prefix", "/abs"], "--prefix"),
        (&["--release", "$(id)"], "release id"),
        (&["--acl", "world-writable"], "--acl"),
        (&["--fingerprint-regex", "(["], "--fingerprint-regex"),
        (&["--endpoint-url", "localhost:9000"], "--endpoint-url"),
    ];
    for (args, needle) in cases {
        let mut cmd = asset_sync().args([
            "upload",
            dir.path().to_str().unwrap(),
            "--bucket",
            &t.bucket,
        ]);
        if !args.contains(&"--endpoint-url") {
            cmd = cmd.args(["--endpoint-url", &t.endpoint]);
        }
        let out = cmd.args(*args).run();
        out.assert_code(2);
        assert_eq!(out.stderr_lines().len(), 1, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
    let out = asset_sync()
        .args([
            "upload",
            "/nonexistent/public/assets",
            "--bucket",
            &t.bucket,
        ])
        .run();
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("/nonexistent/public/assets: no such directory"),
        "{}",
        out.stderr
    );
    let out = asset_sync()
        .args(["upload", dir.path().to_str().unwrap()])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("--bucket"), "{}", out.stderr);
    assert!(t.keys().is_empty());
}

#[test]
fn asset_sync_env_vars_are_read() {
    let t = Target::rclone("envvars");
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1")]);
    let out = asset_sync()
        .args(["upload", dir.path().to_str().unwrap(), "--json"])
        .env("FOG_DIRECTORY", &t.bucket)
        .env("ASSET_SYNC_PREFIX", "static")
        .env("AWS_ENDPOINT_URL", &t.endpoint)
        .env("CODEBUILD_RESOLVED_SOURCE_VERSION", "f00dfeed")
        .env("DEPLOY_ENVIRONMENT", "staging")
        .run();
    let json = out.assert_success().json();
    assert_eq!(json["release"], "f00dfeed");
    assert_eq!(json["environment"], "staging");
    assert_eq!(json["prefix"], "static/");
    assert!(t.keys().contains(&"static/a-1a2b3c4d5e.js".to_owned()));
}

#[test]
fn help_lists_every_flag_with_its_env_var() {
    let out = asset_sync().args(["upload", "--help"]).run();
    out.assert_success();
    insta::assert_snapshot!("upload_help", out.stdout);
}

#[test]
fn a_prefix_with_many_top_level_folders_is_listed_flat_and_whole() {
    let t = Target::rclone("folders");
    let files: Vec<(String, Vec<u8>)> = (0..80)
        .map(|i| (format!("d{i:02}/f-1a2b3c4d5e.js"), vec![b'x'; i + 1]))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    let dir = tree(&refs);
    t.upload(dir.path(), None, &[]).assert_success();
    let proxy = FaultProxy::start(&t.endpoint, vec![], 1);
    let out = t.upload(dir.path(), Some(&proxy.endpoint()), &[]);
    assert_eq!(out.assert_success().json()["skipped"], 80);
    let lists = common::one_listing(&proxy.seen());
    assert_eq!(lists, 2, "one delimited request, then one flat page");
}
