//! The prune planner's rules, and a property test over random release histories.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;

use super::*;
use crate::classify::Class;
use crate::record::{RecordedObject, ReleaseRecord};

const DAY: i64 = 86_400;
const NOW: i64 = 1_800_000_000;

fn obj(age_secs: i64) -> RemoteObject {
    RemoteObject {
        size: 10,
        etag: None,
        last_modified: Some(NOW - age_secs),
    }
}

fn record(env: &str, release: &str, age_secs: i64, keys: &[&str]) -> Loaded {
    let created = NOW - age_secs;
    let created_at = jiff::Timestamp::from_second(created).unwrap();
    Loaded {
        key: record::key("a/", created_at, release),
        size: 100,
        created,
        record: ReleaseRecord {
            format: record::FORMAT.into(),
            release: release.into(),
            environment: env.into(),
            created_at: created_at.to_string(),
            prefix: "a/".into(),
            tool: "test".into(),
            objects: keys
                .iter()
                .map(|k| RecordedObject {
                    key: format!("a/{k}"),
                    size: 10,
                    sha256: String::new(),
                    class: Class::Immutable,
                    content_type: String::new(),
                    cache_control: String::new(),
                    content_encoding: None,
                })
                .collect(),
        },
    }
}

fn listing(objects: &[(&str, i64)], records: &[Loaded]) -> HashMap<String, RemoteObject> {
    let mut l: HashMap<String, RemoteObject> = objects
        .iter()
        .map(|(k, age)| (format!("a/{k}"), obj(*age)))
        .collect();
    for r in records {
        l.insert(r.key.clone(), obj(NOW - r.created));
    }
    l
}

fn rules(n: u32, days: u32) -> Rules {
    Rules {
        keep_releases: n,
        keep_days: days,
        min_age_secs: 3600,
        force: false,
    }
}

fn deleted(p: &Plan) -> Vec<&str> {
    p.delete.iter().map(|d| d.key.as_str()).collect()
}

#[test]
fn keeps_newest_n_per_environment() {
    let records = vec![
        record("production", "p1", 30 * DAY, &["p1.js", "shared.js"]),
        record("production", "p2", 20 * DAY, &["p2.js", "shared.js"]),
        record("staging", "s1", 25 * DAY, &["s1.js"]),
        record("staging", "s2", 15 * DAY, &["s2.js"]),
        record("staging", "s3", 10 * DAY, &["s3.js"]),
    ];
    let l = listing(
        &[
            ("p1.js", 30 * DAY),
            ("p2.js", 20 * DAY),
            ("shared.js", 30 * DAY),
            ("s1.js", 25 * DAY),
            ("s2.js", 15 * DAY),
            ("s3.js", 10 * DAY),
        ],
        &records,
    );
    let p = plan("a/", &l, &records, NOW, rules(2, 7));
    // Staging's frequent uploads never push out production's releases.
    assert_eq!(deleted(&p), vec!["a/s1.js"]);
    assert_eq!(p.expired_records, vec![records[2].key.clone()]);
    assert_eq!(p.kept_releases.len(), 4);
    let p1 = p.kept_releases.iter().find(|k| k.release == "p1").unwrap();
    assert_eq!(p1.reasons, vec![KeepReason::Newest { rank: 2, of: 2 }]);
}

#[test]
fn recent_releases_are_kept_whole_beyond_n() {
    let records = vec![
        record("production", "old", 3 * DAY, &["old.js"]),
        record("production", "new", DAY, &["new.js"]),
    ];
    let l = listing(&[("old.js", 3 * DAY), ("new.js", DAY)], &records);
    let p = plan("a/", &l, &records, NOW, rules(1, 7));
    assert!(p.delete.is_empty());
    let old = p.kept_releases.iter().find(|k| k.release == "old").unwrap();
    assert_eq!(old.reasons, vec![KeepReason::Recent { days: 7 }]);
    let p = plan("a/", &l, &records, NOW, rules(1, 2));
    assert_eq!(deleted(&p), vec!["a/old.js"]);
}

#[test]
fn young_objects_are_never_deleted() {
    let records = vec![
        record("production", "r1", 30 * DAY, &["r1.js"]),
        record("production", "r2", 20 * DAY, &["r2.js"]),
    ];
    let l = listing(
        &[
            ("r1.js", 30 * DAY),
            ("r2.js", 20 * DAY),
            ("uploading.js", 60),
            ("old-orphan.js", 40 * DAY),
        ],
        &records,
    );
    let p = plan(
        "a/",
        &l,
        &records,
        NOW,
        Rules {
            force: true,
            ..rules(1, 0)
        },
    );
    assert_eq!(deleted(&p), vec!["a/old-orphan.js", "a/r1.js"]);
    assert_eq!(p.kept_recent, 1);
}

#[test]
fn unreferenced_objects_wait_for_n_records_in_every_environment() {
    let records = vec![
        record("production", "r1", 30 * DAY, &["r1.js"]),
        record("staging", "s1", 30 * DAY, &["s1.js"]),
        record("staging", "s2", 20 * DAY, &["s2.js"]),
    ];
    let l = listing(
        &[
            ("r1.js", 30 * DAY),
            ("s1.js", 30 * DAY),
            ("s2.js", 20 * DAY),
            ("legacy.js", 400 * DAY),
        ],
        &records,
    );
    let p = plan("a/", &l, &records, NOW, rules(2, 0));
    assert!(p.delete.is_empty(), "{:?}", p.delete);
    assert_eq!(p.kept_unreferenced, 1);
    let p = plan(
        "a/",
        &l,
        &records,
        NOW,
        Rules {
            force: true,
            ..rules(2, 0)
        },
    );
    assert_eq!(deleted(&p), vec!["a/legacy.js"]);
    assert_eq!(p.delete[0].reason, DeleteReason::Unreferenced);
}

#[test]
fn nothing_outside_the_prefix_or_in_the_reserved_folder_is_touched() {
    let records = vec![
        record("production", "r1", 30 * DAY, &["r1.js"]),
        record("production", "r2", 20 * DAY, &["r2.js"]),
    ];
    let mut l = listing(
        &[
            ("r1.js", 30 * DAY),
            ("r2.js", 20 * DAY),
            (".slipway/notes.txt", 90 * DAY),
        ],
        &records,
    );
    l.insert("other/r1.js".into(), obj(90 * DAY));
    l.insert("a-sibling.js".into(), obj(90 * DAY));
    let p = plan(
        "a/",
        &l,
        &records,
        NOW,
        Rules {
            force: true,
            ..rules(1, 0)
        },
    );
    assert_eq!(deleted(&p), vec!["a/r1.js"]);
    assert_eq!(p.total_objects, 2);
}

#[test]
fn the_guard_counts_a_share_of_the_objects() {
    let p = Plan {
        delete: (0..6)
            .map(|i| Deletion {
                key: format!("k{i}"),
                size: 1,
                reason: DeleteReason::Expired,
            })
            .collect(),
        total_objects: 10,
        ..Plan::default()
    };
    assert!(guard(&p, Limit::Percent(50.0), false, "b", "a/").is_err());
    assert!(guard(&p, Limit::Percent(60.0), false, "b", "a/").is_ok());
    assert!(guard(&p, Limit::Count(5), true, "b", "a/").is_ok());
    let err = guard(&p, Limit::Count(5), false, "b", "a/")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refusing to delete 6 of 10 objects") && err.contains("--force"),
        "{err}"
    );
}

/// A random history: releases in up to three environments naming keys from a small universe,
/// objects of random ages (some named by no record), random settings.
fn history() -> impl Strategy<Value = (Vec<Loaded>, HashMap<String, RemoteObject>, Rules)> {
    let rec = (
        0usize..3,
        0i64..40 * DAY,
        proptest::collection::btree_set(0u8..40, 0..8),
    );
    (
        proptest::collection::vec(rec, 0..14),
        proptest::collection::vec((0u8..50, 0i64..60 * DAY), 0..60),
        (1u32..5, 0u32..30, 0i64..(3 * DAY), any::<bool>()),
    )
        .prop_map(|(recs, objs, (n, days, min_age, force))| {
            let envs = ["production", "staging", "preview"];
            let records: Vec<Loaded> = recs
                .iter()
                .enumerate()
                .map(|(i, (env, age, keys))| {
                    let keys: Vec<String> = keys.iter().map(|k| format!("k{k}.js")).collect();
                    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
                    record(envs[*env], &format!("r{i}"), *age + i as i64, &refs)
                })
                .collect();
            let mut l: HashMap<String, RemoteObject> = HashMap::new();
            for (k, age) in objs {
                l.insert(format!("a/k{k}.js"), obj(age));
            }
            for r in &records {
                for o in &r.record.objects {
                    l.entry(o.key.clone())
                        .or_insert_with(|| obj(NOW - r.created));
                }
                l.insert(r.key.clone(), obj(NOW - r.created));
            }
            (
                records,
                l,
                Rules {
                    keep_releases: n,
                    keep_days: days,
                    min_age_secs: min_age,
                    force,
                },
            )
        })
}

proptest! {
    #[test]
    fn never_deletes_a_kept_release_key_or_a_young_object_and_deletes_everything_else(
        (records, l, rules) in history()
    ) {
        let p = plan("a/", &l, &records, NOW, rules);
        let del: BTreeSet<&str> = p.delete.iter().map(|d| d.key.as_str()).collect();

        // Independently: which records are kept.
        let mut kept_records = BTreeSet::new();
        let mut envs: HashMap<&str, Vec<&Loaded>> = HashMap::new();
        for r in &records { envs.entry(r.record.environment.as_str()).or_default().push(r); }
        for list in envs.values_mut() {
            list.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.key.cmp(&a.key)));
            for (i, r) in list.iter().enumerate() {
                let young_record = NOW - r.created < rules.min_age_secs;
                if (i as u32) < rules.keep_releases || r.created >= NOW - i64::from(rules.keep_days) * DAY || young_record {
                    kept_records.insert(r.key.as_str());
                }
            }
        }
        let kept_keys: BTreeSet<&str> = records.iter()
            .filter(|r| kept_records.contains(r.key.as_str()))
            .flat_map(|r| r.record.objects.iter().map(|o| o.key.as_str()))
            .collect();
        let named: BTreeSet<&str> = records.iter().flat_map(|r| r.record.objects.iter().map(|o| o.key.as_str())).collect();
        let orphans_may_go = rules.force || (!envs.is_empty() && envs.values().all(|l| l.len() >= rules.keep_releases as usize));

        for (key, o) in &l {
            let young = NOW - o.last_modified.unwrap() < rules.min_age_secs;
            if key.starts_with("a/.slipway/") { prop_assert!(!del.contains(key.as_str())); continue; }
            if kept_keys.contains(key.as_str()) {
                prop_assert!(!del.contains(key.as_str()), "kept release key {} planned for deletion", key);
            } else if young {
                prop_assert!(!del.contains(key.as_str()), "young object {} planned for deletion", key);
            } else if named.contains(key.as_str()) || orphans_may_go {
                prop_assert!(del.contains(key.as_str()), "{} should be deleted", key);
            } else {
                prop_assert!(!del.contains(key.as_str()), "unreferenced {} deleted too early", key);
            }
        }
        // Kept records are never among the expired ones; every expired one is listed.
        for k in &p.expired_records {
            prop_assert!(!kept_records.contains(k.as_str()));
        }
        prop_assert_eq!(p.expired_records.len(), records.len() - kept_records.len());
    }
}
