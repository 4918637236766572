//! `asset-sync prune` against a real rclone serve s3: histories made by the real `upload`,
//! aged by rewriting each record's `created_at`, then pruned with various settings.

mod common;

use std::collections::BTreeSet;

use common::{Target, asset_sync};
use slipway_testkit::tree::{TreeSpec, write_rails_tree};
use slipway_testkit::{Fault, FaultProxy, Rule};

const DAY: i64 = 86_400;

/// Keep only each environment's newest release, ignoring ages and the share guard.
const KEEP_NEWEST_ONLY: [&str; 8] = [
    "--keep-releases",
    "1",
    "--keep-days",
    "0",
    "--min-age",
    "0s",
    "--max-delete",
    "100%",
];

/// One uploaded release: its record key and the object keys it needs.
struct Release {
    record: String,
    keys: BTreeSet<String>,
}

/// Uploads tree release `n` as `id` in `env`, then backdates its record by `age_days`.
fn release(t: &Target, env: &str, id: &str, n: u32, age_days: i64) -> Release {
    let dir = tempfile::tempdir().unwrap();
    let summary = write_rails_tree(
        dir.path(),
        &TreeSpec {
            files: 30,
            release: n,
            ..TreeSpec::default()
        },
    )
    .unwrap();
    let out = t.upload(dir.path(), None, &["--release", id, "--environment", env]);
    let record = out.assert_success().json()["record"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut json: serde_json::Value =
        serde_json::from_slice(&t.probe.get(&t.bucket, &record)).unwrap();
    let created = jiff::Timestamp::now().as_second() - age_days * DAY;
    json["created_at"] = jiff::Timestamp::from_second(created)
        .unwrap()
        .to_string()
        .into();
    t.probe
        .put(&t.bucket, &record, &serde_json::to_vec(&json).unwrap());
    Release {
        record,
        keys: summary
            .files
            .keys()
            .map(|k| format!("assets/{k}"))
            .collect(),
    }
}

/// production p1 (30 days), p2 (20), p3 (5); staging s1 (25), s2 (2). Trees 1..5 share most
/// files; each later one changes ~10%.
fn history(t: &Target) -> Vec<Release> {
    vec![
        release(t, "production", "p1", 1, 30),
        release(t, "staging", "s1", 2, 25),
        release(t, "production", "p2", 3, 20),
        release(t, "production", "p3", 4, 5),
        release(t, "staging", "s2", 5, 2),
    ]
}

fn prune(t: &Target, endpoint: Option<&str>, args: &[&str]) -> slipway_testkit::Output {
    asset_sync()
        .args([
            "prune",
            "--bucket",
            &t.bucket,
            "--progress",
            "never",
            "--json",
        ])
        .args(["--endpoint-url", endpoint.unwrap_or(&t.endpoint)])
        .args(args)
        .run()
}

fn union<'a>(releases: impl IntoIterator<Item = &'a Release>) -> BTreeSet<String> {
    releases
        .into_iter()
        .flat_map(|r| r.keys.iter().cloned().chain([r.record.clone()]))
        .collect()
}

fn remaining(t: &Target) -> BTreeSet<String> {
    t.keys().into_iter().collect()
}

#[test]
fn keeps_the_newest_n_per_environment_and_deletes_exactly_the_rest() {
    let t = Target::rclone("keep-n");
    let h = history(&t);
    let out = prune(&t, None, &KEEP_NEWEST_ONLY);
    let json = out.assert_success().json();
    // p3 is production's newest, s2 staging's.
    let expected = union([&h[3], &h[4]]);
    assert_eq!(remaining(&t), expected);
    assert_eq!(json["deleted_records"].as_array().unwrap().len(), 3);
    let kept: BTreeSet<&str> = json["kept_releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["release"].as_str().unwrap())
        .collect();
    assert_eq!(kept, BTreeSet::from(["p3", "s2"]));
}

#[test]
fn staging_uploads_never_push_out_production_releases() {
    let t = Target::rclone("per-env");
    let h = history(&t);
    // Many staging releases after production's last: production's two newest stay.
    let mut all: Vec<Release> = h;
    for (i, n) in (6..10).enumerate() {
        all.push(release(&t, "staging", &format!("s{}", i + 3), n, 1));
    }
    prune(
        &t,
        None,
        &[
            "--keep-releases",
            "2",
            "--keep-days",
            "0",
            "--min-age",
            "0s",
            "--max-delete",
            "100%",
        ],
    )
    .assert_success();
    let rem = remaining(&t);
    for r in [&all[2], &all[3]] {
        assert!(
            r.keys.is_subset(&rem) && rem.contains(&r.record),
            "production release lost"
        );
    }
    assert!(!rem.contains(&all[0].record), "p1 is beyond N");
}

#[test]
fn releases_from_the_last_d_days_are_kept_whole_and_older_beyond_n_removed() {
    let t = Target::rclone("keep-days");
    let h = history(&t);
    prune(
        &t,
        None,
        &[
            "--keep-releases",
            "1",
            "--keep-days",
            "21",
            "--min-age",
            "0s",
            "--max-delete",
            "100%",
        ],
    )
    .assert_success();
    // Kept: p3, s2 (newest) and p2 (20 days); gone: p1 (30 days), s1 (25 days).
    assert_eq!(remaining(&t), union([&h[2], &h[3], &h[4]]));
    assert!(!remaining(&t).contains(&h[0].record) && !remaining(&t).contains(&h[1].record));
}

#[test]
fn objects_younger_than_min_age_are_never_deleted() {
    let t = Target::rclone("min-age");
    let h = history(&t);
    // Everything was just uploaded: the default --min-age of 1h protects it all.
    let out = prune(
        &t,
        None,
        &[
            "--keep-releases",
            "1",
            "--keep-days",
            "0",
            "--max-delete",
            "100%",
        ],
    );
    let json = out.assert_success().json();
    assert_eq!(json["deleted"], 0);
    assert_eq!(remaining(&t), union(&h));
}

#[test]
fn dry_run_deletes_nothing_and_says_why_each_release_is_kept() {
    let t = Target::rclone("dry");
    let h = history(&t);
    let before = remaining(&t);
    let out = asset_sync()
        .args([
            "prune",
            "--bucket",
            &t.bucket,
            "--endpoint-url",
            &t.endpoint,
            "--dry-run",
        ])
        .args(KEEP_NEWEST_ONLY)
        .run();
    out.assert_success();
    assert_eq!(remaining(&t), before);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let to_delete: BTreeSet<String> = before.difference(&union([&h[3], &h[4]])).cloned().collect();
    let listed: BTreeSet<String> = lines
        .iter()
        .filter_map(|l| l.strip_prefix(&format!("DELETE s3://{}/", t.bucket)))
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    assert_eq!(listed, to_delete);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("KEEP release p3 (production")
                && l.contains("newest 1 of 3 in production")),
        "{}",
        out.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("KEEP release s2 (staging"))
    );
    assert!(out.stderr.contains("nothing was deleted"));
}

#[test]
fn a_listing_error_deletes_nothing() {
    let t = Target::rclone("list-error");
    let h = history(&t);
    let proxy = FaultProxy::start(
        &t.endpoint,
        vec![
            Rule::new(Fault::Status500)
                .method("GET")
                .query_contains("list-type=2"),
        ],
        3,
    );
    let out = prune(&t, Some(&proxy.endpoint()), &KEEP_NEWEST_ONLY);
    out.assert_code(3);
    assert!(out.stderr.contains("failed to list"), "{}", out.stderr);
    assert!(proxy.seen().iter().all(|s| !s.is_write()));
    assert_eq!(remaining(&t), union(&h));
}

#[test]
fn a_record_that_cannot_be_read_or_parsed_deletes_nothing() {
    let t = Target::rclone("record-error");
    let h = history(&t);
    let args = KEEP_NEWEST_ONLY;
    // Unreadable: every GET of one record fails.
    let name = h[2].record.rsplit('/').next().unwrap();
    let proxy = FaultProxy::start(
        &t.endpoint,
        vec![
            Rule::new(Fault::Status500)
                .method("GET")
                .path_contains(name),
        ],
        3,
    );
    let out = prune(&t, Some(&proxy.endpoint()), &args);
    out.assert_code(3);
    assert!(proxy.seen().iter().all(|s| !s.is_write()));
    // Unparseable.
    t.probe.put(&t.bucket, &h[1].record, b"{\"format\": 42");
    let out = prune(&t, None, &args);
    out.assert_code(3);
    assert_eq!(out.stderr_lines().len(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&h[1].record) && out.stderr.contains("not a release record"),
        "{}",
        out.stderr
    );
    assert_eq!(remaining(&t), union(&h));
}

#[test]
fn the_share_guard_refuses_and_force_overrides_it() {
    let t = Target::rclone("guard");
    let h = history(&t);
    let args = [
        "--keep-releases",
        "1",
        "--keep-days",
        "0",
        "--min-age",
        "0s",
        "--max-delete",
        "5",
    ];
    let out = prune(&t, None, &args);
    out.assert_code(4);
    assert!(
        out.stderr.contains("refusing to delete") && out.stderr.contains("--force"),
        "{}",
        out.stderr
    );
    assert_eq!(remaining(&t), union(&h));
    let mut forced = args.to_vec();
    forced.push("--force");
    prune(&t, None, &forced).assert_success();
    assert_eq!(remaining(&t), union([&h[3], &h[4]]));
}

#[test]
fn no_release_record_at_all_is_refused() {
    let t = Target::rclone("no-records");
    t.probe.put(&t.bucket, "assets/app-1a2b3c4d5e.js", b"x");
    let out = prune(&t, None, &["--min-age", "0s", "--force"]);
    out.assert_code(4);
    assert_eq!(out.stderr_lines().len(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("no release records"), "{}", out.stderr);
    assert_eq!(t.keys(), vec!["assets/app-1a2b3c4d5e.js".to_owned()]);
}

#[test]
fn objects_no_record_names_wait_for_enough_records_in_every_environment() {
    let t = Target::rclone("orphans");
    t.probe
        .put(&t.bucket, "assets/legacy-before-slipway.js", b"old");
    let h = [release(&t, "production", "p1", 1, 10)];
    let args = [
        "--keep-releases",
        "2",
        "--keep-days",
        "0",
        "--min-age",
        "0s",
        "--max-delete",
        "100%",
    ];
    let json = prune(&t, None, &args).assert_success().json();
    assert_eq!(json["kept_unreferenced"], 1);
    assert!(remaining(&t).contains("assets/legacy-before-slipway.js"));
    let h2 = release(&t, "production", "p2", 2, 5);
    prune(&t, None, &args).assert_success();
    assert!(!remaining(&t).contains("assets/legacy-before-slipway.js"));
    assert_eq!(remaining(&t), union([&h[0], &h2]));
}

#[test]
fn a_failed_delete_batch_is_reported_and_expired_records_are_kept() {
    let t = Target::rclone("delete-fails");
    let h = history(&t);
    let proxy = FaultProxy::start(
        &t.endpoint,
        vec![
            Rule::new(Fault::Status500)
                .method("POST")
                .query_contains("delete"),
        ],
        3,
    );
    let out = prune(&t, Some(&proxy.endpoint()), &KEEP_NEWEST_ONLY);
    out.assert_code(3);
    let json = out.json();
    assert!(!json["failed"].as_array().unwrap().is_empty());
    assert!(json["deleted_records"].as_array().unwrap().is_empty());
    assert_eq!(remaining(&t), union(&h));
}

#[test]
fn help_lists_every_flag_with_its_env_var() {
    let out = asset_sync().args(["prune", "--help"]).run();
    insta::assert_snapshot!("prune_help", out.assert_success().stdout);
}
