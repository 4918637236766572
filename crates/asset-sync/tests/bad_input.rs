//! Bad input to `asset-sync`, case by case, exactly as `docs/bad-input.md` catalogues it: the
//! message, the exit code, and that nothing was touched (no request through the proxy, no
//! write, the bucket's keys unchanged). The real binary runs against a real rclone serve s3;
//! what no local server answers (a wrong region, expired credentials, a bucket policy's
//! AccessDenied) comes from the fault proxy in front of it, with S3's own error codes.

mod common;

use std::path::Path;

use common::{Target, asset_sync, sha256_hex, tree};
use slipway_testkit::catalogue::assert_case;
use slipway_testkit::proxy::Seen;
use slipway_testkit::{Fault, FaultProxy, Output, Rule};

const SPROCKETS: &str = ".sprockets-manifest-0123456789abcdef0123456789abcdef.json";

fn text(p: &Path) -> String {
    p.display().to_string()
}

/// `asset-sync ARGS --bucket B --endpoint-url ENDPOINT --progress never` (no `--json`: the
/// catalogue shows what a person sees).
fn run(t: &Target, endpoint: &str, args: &[&str]) -> Output {
    asset_sync()
        .args(args)
        .args(["--bucket", &t.bucket, "--endpoint-url", endpoint])
        .args(["--progress", "never"])
        .run()
}

/// Runs ARGS through a proxy that forwards everything to the real server (or answers with
/// `rules`' faults) and returns what the binary did and every request the proxy saw.
fn proxied(t: &Target, rules: Vec<Rule>, args: &[&str]) -> (Output, Vec<Seen>) {
    let proxy = FaultProxy::start(&t.endpoint, rules, 7);
    let out = run(t, &proxy.endpoint(), args);
    (out, proxy.seen())
}

/// Asserts that not one request was sent and the bucket is still empty.
#[track_caller]
fn untouched(t: &Target, seen: &[Seen]) {
    assert!(seen.is_empty(), "requests were sent: {seen:?}");
    assert!(t.keys().is_empty(), "{:?}", t.keys());
}

fn one_file() -> tempfile::TempDir {
    tree(&[("app-1a2b3c4d5e.js", b"console.log(1)\n")])
}

// ---- the directory ------------------------------------------------------------------------

#[test]
fn the_directory_is_missing_a_file_or_unreadable() {
    let t = Target::rclone("bi-dir");
    let scratch = tempfile::tempdir().unwrap();

    let missing = scratch.path().join("public/assets");
    let (out, seen) = proxied(&t, vec![], &["upload", &text(&missing)]);
    assert_case("AS-01", &out, &[("<DIR>", &text(&missing))]);
    untouched(&t, &seen);

    let file = scratch.path().join("assets.tar");
    std::fs::write(&file, b"not a directory").unwrap();
    let (out, seen) = proxied(&t, vec![], &["upload", &text(&file)]);
    assert_case("AS-02", &out, &[("<DIR>", &text(&file))]);
    untouched(&t, &seen);

    // Root reads any mode, so unreadable is a link to itself: the kernel cannot resolve it.
    let looped = scratch.path().join("assets");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let (out, seen) = proxied(&t, vec![], &["upload", &text(&looped)]);
    assert_case("AS-03", &out, &[("<DIR>", &text(&looped))]);
    untouched(&t, &seen);
}

#[test]
fn a_dangling_or_escaping_symlink_is_refused() {
    let t = Target::rclone("bi-links");
    let dir = one_file();
    std::os::unix::fs::symlink(dir.path().join("gone.png"), dir.path().join("logo.png")).unwrap();
    let (out, seen) = proxied(&t, vec![], &["upload", &text(dir.path())]);
    assert_case("AS-04", &out, &[("<DIR>", &text(dir.path()))]);
    untouched(&t, &seen);

    let outside = tree(&[("secret.txt", b"s3cr3t")]);
    let dir = one_file();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("leak.txt"),
    )
    .unwrap();
    let (out, seen) = proxied(&t, vec![], &["upload", &text(dir.path())]);
    let real_outside = std::fs::canonicalize(outside.path()).unwrap();
    assert_case(
        "AS-05",
        &out,
        &[
            ("<DIR>", &text(dir.path())),
            ("<OUTSIDE>", &text(&real_outside)),
        ],
    );
    untouched(&t, &seen);
    assert!(!out.stderr.contains("s3cr3t"));
}

/// Uploads a tree with one more file, named `name`; checks nothing was sent and returns the
/// output and the directory, for the case's placeholder.
#[track_caller]
fn with_a_file_named(name: &std::ffi::OsStr, hint: &str) -> (Output, String) {
    let t = Target::rclone(hint);
    let dir = one_file();
    std::fs::write(dir.path().join(name), b"body{}").unwrap();
    let (out, seen) = proxied(&t, vec![], &["upload", &text(dir.path())]);
    untouched(&t, &seen);
    (out, text(dir.path()))
}

#[test]
fn a_file_name_that_is_not_utf8_is_refused_and_named() {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-1a2b3c4d5e.css");
    let (out, dir) = with_a_file_named(name, "bi-utf8");
    assert_case("AS-06", &out, &[("<DIR>", &dir)]);
}

#[test]
fn a_file_name_with_a_control_character_is_refused_on_one_line() {
    let (out, dir) = with_a_file_named("app\nevil.js".as_ref(), "bi-ctrl");
    assert_case("AS-34", &out, &[("<DIR>", &dir)]);
}

#[test]
fn an_endpoint_url_with_credentials_is_refused_without_echoing_them() {
    let t = Target::rclone("bi-userinfo");
    let dir = one_file();
    let proxy = FaultProxy::start(&t.endpoint, vec![], 7);
    let addr = proxy.endpoint().trim_start_matches("http://").to_owned();
    let with_credentials = format!("http://AKIAEXAMPLE:s3cr3t-in-url@{addr}");
    let out = run(&t, &with_credentials, &["upload", &text(dir.path())]);
    assert_case("AS-35", &out, &[("<ADDR>", &addr)]);
    assert!(!out.stderr.contains("s3cr3t-in-url"), "{}", out.stderr);
    untouched(&t, &proxy.seen());
}

#[test]
fn a_fifo_is_not_an_asset() {
    let t = Target::rclone("bi-fifo");
    let dir = one_file();
    let fifo = dir.path().join("log.pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let (out, seen) = proxied(&t, vec![], &["upload", &text(dir.path())]);
    assert_case("AS-07", &out, &[("<DIR>", &text(dir.path()))]);
    untouched(&t, &seen);
}

#[test]
fn a_zero_byte_file_is_a_valid_asset_with_the_right_headers() {
    let t = Target::rclone("bi-empty");
    let dir = tree(&[("empty-1a2b3c4d5e.css", b""), ("robots.txt", b"")]);
    let out = run(
        &t,
        &t.endpoint,
        &["upload", &text(dir.path()), "--release", "zero"],
    );
    let record = t.records().pop().expect("a release record");
    // The run time is the one part of the summary that differs between runs.
    let seconds = out
        .stderr
        .rsplit_once(" in ")
        .and_then(|(_, rest)| rest.split_once("s;"))
        .map(|(s, _)| s.to_owned())
        .unwrap_or_default();
    assert_case(
        "AS-08",
        &out,
        &[
            ("<BUCKET>", &t.bucket),
            ("<RECORD>", &record),
            ("<SECONDS>", &seconds),
        ],
    );
    let empty_sha = sha256_hex(b"");
    let css = t
        .probe
        .head(&t.bucket, "assets/empty-1a2b3c4d5e.css")
        .unwrap();
    assert_eq!(css.size, 0);
    assert_eq!(css.content_type.as_deref(), Some("text/css; charset=utf-8"));
    assert_eq!(
        css.cache_control.as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(css.metadata.get("slipway-sha256"), Some(&empty_sha));
    let robots = t.probe.head(&t.bucket, "assets/robots.txt").unwrap();
    assert_eq!(robots.size, 0);
    assert_eq!(
        robots.content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(robots.cache_control.as_deref(), Some("public, max-age=60"));
    // And the release verifies.
    run(&t, &t.endpoint, &["verify", "--release", "zero"]).assert_success();
}

#[test]
fn a_6_gib_file_is_refused_before_anything_is_hashed_or_sent() {
    let t = Target::rclone("bi-huge");
    let dir = one_file();
    std::fs::create_dir(dir.path().join("video")).unwrap();
    let huge = dir.path().join("video/intro-1a2b3c4d5e.mp4");
    // Sparse: 6 GiB long, no data blocks.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(6 << 30)
        .unwrap();
    let (out, seen) = proxied(&t, vec![], &["upload", &text(dir.path())]);
    assert_case("AS-09", &out, &[("<DIR>", &text(dir.path()))]);
    untouched(&t, &seen);
    // verify reads the directory the same way.
    let (out, seen) = proxied(&t, vec![], &["verify", &text(dir.path())]);
    out.assert_code(2);
    assert_eq!(out.stderr_lines().len(), 1, "{}", out.stderr);
    assert!(seen.is_empty(), "{seen:?}");

    // The limit is a setting: lowered by flag, raised by its env twin.
    let small = tree(&[("poster-1a2b3c4d5e.png", &[7u8; 3 << 20])]);
    let out = run(
        &t,
        &t.endpoint,
        &["upload", &text(small.path()), "--max-file-size", "2MiB"],
    );
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("poster-1a2b3c4d5e.png: 3.0 MiB is larger than --max-file-size (2.0 MiB)"),
        "{}",
        out.stderr
    );
    assert!(t.keys().is_empty());
    asset_sync()
        .args(["upload", &text(small.path()), "--bucket", &t.bucket])
        .args(["--endpoint-url", &t.endpoint, "--progress", "never"])
        .env("ASSET_SYNC_MAX_FILE_SIZE", "4MiB")
        .run()
        .assert_success();
}

#[test]
fn a_manifest_that_is_not_json_or_names_a_missing_file() {
    let t = Target::rclone("bi-manifest");
    let dir = tree(&[("app-1a2b3c4d5e.js", b"1"), (SPROCKETS, b"{files: []}\n")]);
    let (out, seen) = proxied(&t, vec![], &["upload", &text(dir.path())]);
    assert_case("AS-10", &out, &[("<DIR>", &text(dir.path()))]);
    untouched(&t, &seen);

    let manifest = br#"{"files":{"app-1a2b3c4d5e.js":{},"gone-1a2b3c4d5e.css":{}},"assets":{}}"#;
    let dir = tree(&[("app-1a2b3c4d5e.js", b"1"), (SPROCKETS, manifest)]);
    let (out, seen) = proxied(&t, vec![], &["upload", &text(dir.path())]);
    assert_case("AS-11", &out, &[("<DIR>", &text(dir.path()))]);
    untouched(&t, &seen);
}

// ---- flags and settings -------------------------------------------------------------------

#[test]
fn bad_settings_are_refused_before_any_request() {
    let t = Target::rclone("bi-flags");
    let dir = one_file();
    let d = text(dir.path());
    let proxy = FaultProxy::start(&t.endpoint, vec![], 7);
    let endpoint = proxy.endpoint();
    let upload = |args: &[&str]| {
        asset_sync()
            .args([
                "upload",
                &d,
                "--endpoint-url",
                &endpoint,
                "--progress",
                "never",
            ])
            .args(args)
            .run()
    };

    assert_case("AS-12", &upload(&[]), &[]);
    assert_case("AS-13", &upload(&["--bucket", "Shop_Assets"]), &[]);
    assert_case(
        "AS-14",
        &upload(&["--bucket", &t.bucket, "--prefix", "../assets"]),
        &[],
    );
    assert_case(
        "AS-15",
        &upload(&["--bucket", &t.bucket, "--release", "v1.2 $(id)"]),
        &[],
    );
    assert_case(
        "AS-16",
        &upload(&["--bucket", &t.bucket, "--concurrency", "0"]),
        &[],
    );
    let out = asset_sync()
        .args([
            "upload",
            &d,
            "--bucket",
            &t.bucket,
            "--endpoint-url",
            &endpoint,
        ])
        .env("ASSET_SYNC_EXISTING_REMOTE_FILES", "sometimes")
        .run();
    assert_case("AS-17", &out, &[]);
    let out = asset_sync()
        .args([
            "upload",
            &d,
            "--bucket",
            &t.bucket,
            "--endpoint-url",
            &endpoint,
        ])
        .env_remove("AWS_REGION")
        .run();
    assert_case("AS-18", &out, &[]);
    let out = asset_sync()
        .args([
            "upload",
            &d,
            "--bucket",
            &t.bucket,
            "--endpoint-url",
            "localhost:9000",
        ])
        .run();
    assert_case("AS-19", &out, &[]);

    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
    assert!(t.keys().is_empty());
}

// ---- the bucket and the credentials -------------------------------------------------------

#[test]
fn a_bucket_that_does_not_exist() {
    let t = Target::rclone("bi-nobucket");
    let dir = one_file();
    let proxy = FaultProxy::start(&t.endpoint, vec![], 7);
    let out = asset_sync()
        .args(["upload", &text(dir.path()), "--bucket", "shop-assets-typo"])
        .args(["--endpoint-url", &proxy.endpoint(), "--progress", "never"])
        .run();
    assert_case("AS-20", &out, &[]);
    assert!(
        proxy.seen().iter().all(|s| !s.is_write()),
        "{:?}",
        proxy.seen()
    );
}

/// Every request is answered with S3's `status` and `code`: nothing reaches the server.
fn every_request_answered(t: &Target, status: u16, code: &'static str, args: &[&str]) -> Output {
    let (out, seen) = proxied(t, vec![Rule::new(Fault::S3Error(status, code))], args);
    assert!(!seen.is_empty(), "the binary sent nothing");
    assert!(
        seen.iter().all(|s| s.fault == Some(code)),
        "a request reached the server: {seen:?}"
    );
    out
}

#[test]
fn a_wrong_region_is_named_as_such() {
    let t = Target::rclone("bi-region");
    let dir = one_file();
    let d = text(dir.path());
    let out = every_request_answered(&t, 301, "PermanentRedirect", &["upload", &d]);
    assert_case("AS-21", &out, &[("<BUCKET>", &t.bucket)]);
    let out = every_request_answered(&t, 400, "AuthorizationHeaderMalformed", &["upload", &d]);
    assert_case("AS-22", &out, &[("<BUCKET>", &t.bucket)]);
    assert!(t.keys().is_empty());
}

#[test]
fn bad_or_expired_credentials_are_one_line_and_never_echo_the_secret() {
    let t = Target::rclone("bi-creds");
    let dir = one_file();
    // rclone itself checks the signature.
    let out = asset_sync()
        .args(["upload", &text(dir.path()), "--bucket", &t.bucket])
        .args(["--endpoint-url", &t.endpoint, "--progress", "never"])
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret-0451")
        .run();
    assert_case("AS-23", &out, &[("<BUCKET>", &t.bucket)]);
    assert!(!out.stderr.contains("not-the-secret-0451"));

    let out = every_request_answered(&t, 400, "ExpiredToken", &["upload", &text(dir.path())]);
    assert_case("AS-24", &out, &[("<BUCKET>", &t.bucket)]);
    assert!(t.keys().is_empty());
}

#[test]
fn a_bucket_policy_that_denies_access() {
    let t = Target::rclone("bi-denied");
    let dir = tree(&[
        ("app-1a2b3c4d5e.js", b"console.log(1)\n"),
        ("app-1a2b3c4d5e.css", b"body{}"),
        ("logo-1a2b3c4d5e.png", &[0x89; 4096]),
        ("robots.txt", b"User-agent: *\n"),
    ]);
    let d = text(dir.path());
    // Denied everything: the listing is the first request.
    let out = every_request_answered(&t, 403, "AccessDenied", &["upload", &d]);
    assert_case("AS-25", &out, &[("<BUCKET>", &t.bucket)]);

    // Allowed to list but not to write (s3:ListBucket without s3:PutObject): the first
    // refusal stops the run (one at a time here, so the first is the largest file's).
    let (out, seen) = proxied(
        &t,
        vec![Rule::new(Fault::S3Error(403, "AccessDenied")).method("PUT")],
        &["upload", &d, "--concurrency", "1"],
    );
    assert_case("AS-26", &out, &[("<BUCKET>", &t.bucket)]);
    let writes: Vec<&Seen> = seen.iter().filter(|s| s.is_write()).collect();
    assert_eq!(writes.len(), 1, "one refused PUT, then nothing: {seen:?}");
    assert!(writes[0].fault.is_some(), "{writes:?}");
    assert!(t.keys().is_empty(), "{:?}", t.keys());
}

// ---- prune --------------------------------------------------------------------------------

#[test]
fn prune_refuses_without_records_and_deletes_nothing_it_cannot_prove() {
    let t = Target::rclone("bi-prune");
    t.probe.put(&t.bucket, "assets/app-1a2b3c4d5e.js", b"x");
    let (out, seen) = proxied(&t, vec![], &["prune", "--min-age", "0s", "--force"]);
    assert_case("AS-27", &out, &[("<BUCKET>", &t.bucket)]);
    assert!(seen.iter().all(|s| !s.is_write()), "{seen:?}");
    assert_eq!(t.keys(), ["assets/app-1a2b3c4d5e.js"]);

    // Two releases with nothing in common: keeping only the newest would delete 3 of 8.
    let first = tree(&[
        ("a-1a2b3c4d5e.js", b"1"),
        ("b-1a2b3c4d5e.js", b"2"),
        ("c-1a2b3c4d5e.js", b"3"),
    ]);
    let second = tree(&[("d-1a2b3c4d5e.js", b"4"), ("e-1a2b3c4d5e.js", b"5")]);
    let t = Target::rclone("bi-guard");
    run(
        &t,
        &t.endpoint,
        &["upload", &text(first.path()), "--release", "r1"],
    )
    .assert_success();
    run(
        &t,
        &t.endpoint,
        &["upload", &text(second.path()), "--release", "r2"],
    )
    .assert_success();
    // r1 was recorded 30 days ago.
    let r1 = t
        .records()
        .into_iter()
        .find(|k| k.ends_with("-r1.json"))
        .unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&t.probe.get(&t.bucket, &r1)).unwrap();
    json["created_at"] = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30 * 24))
        .to_string()
        .into();
    t.probe
        .put(&t.bucket, &r1, &serde_json::to_vec(&json).unwrap());
    let before = t.keys();
    let keep_newest = ["prune", "--keep-releases", "1", "--min-age", "0s"];
    let mut args = keep_newest.to_vec();
    args.extend(["--max-delete", "2"]);
    let (out, seen) = proxied(&t, vec![], &args);
    assert_case("AS-28", &out, &[("<BUCKET>", &t.bucket)]);
    assert!(seen.iter().all(|s| !s.is_write()), "{seen:?}");
    assert_eq!(t.keys(), before);

    let mut args = keep_newest.to_vec();
    args.extend(["--max-delete", "150%"]);
    let (out, seen) = proxied(&t, vec![], &args);
    assert_case("AS-29", &out, &[]);
    assert!(seen.is_empty(), "{seen:?}");

    let out = every_request_answered(&t, 403, "AccessDenied", &keep_newest);
    assert_case("AS-30", &out, &[("<BUCKET>", &t.bucket)]);
    assert_eq!(t.keys(), before);
}

// ---- verify -------------------------------------------------------------------------------

#[test]
fn verify_names_the_release_it_cannot_find_or_read() {
    let t = Target::rclone("bi-verify");
    let dir = one_file();
    run(
        &t,
        &t.endpoint,
        &["upload", &text(dir.path()), "--release", "r1"],
    )
    .assert_success();
    let before = t.keys();

    let (out, seen) = proxied(&t, vec![], &["verify", "--release", "r2"]);
    assert_case("AS-31", &out, &[("<BUCKET>", &t.bucket)]);
    assert!(seen.iter().all(|s| !s.is_write()), "{seen:?}");

    let (out, seen) = proxied(
        &t,
        vec![],
        &["verify", &text(dir.path()), "--release", "r1"],
    );
    assert_case("AS-32", &out, &[]);
    assert!(seen.is_empty(), "{seen:?}");

    let record = t.records().pop().unwrap();
    t.probe
        .put(&t.bucket, &record, b"<html>502 Bad Gateway</html>");
    let (out, seen) = proxied(&t, vec![], &["verify", "--release", "r1"]);
    assert_case(
        "AS-33",
        &out,
        &[("<BUCKET>", &t.bucket), ("<RECORD>", &record)],
    );
    assert!(seen.iter().all(|s| !s.is_write()), "{seen:?}");
    assert_eq!(t.keys(), before);
}
