//! Kill test: `asset-sync upload` of a second release, stopped with SIGKILL at a chosen
//! request, one seed per test.
//!
//! The proxy holds the chosen request and every later one, so the kill lands exactly there
//! (no timing): the test waits until that request is held, sends SIGKILL, then lets each held
//! request reach the server or not (seeded: S3 may or may not have received a request whose
//! sender died). The chosen request is a seeded random index within one phase of a reference
//! run's request log (same trees, no faults, so the same phases at the same indexes): before
//! any write (the listing, the previous record's GET, the HEADs of mutable objects), early or
//! late among the object PUTs, the manifest's PUT, or the release record's PUT. Each phase
//! gets two seeds: one where the held request itself reaches the server, one where it does
//! not.
//!
//! Then, read from rclone's backing directory, both before and after the held requests are
//! let through or dropped: every release record and every Sprockets manifest in the bucket
//! names only objects that are stored, the immutable ones with the size and SHA-256 it says.
//! (A mutable object such as `robots.txt` is one key each release rewrites, so an older
//! record can only require it present.) And a re-run without faults completes the release:
//! exit 0, a record, `asset-sync verify --release` passes, every file stored byte for byte.

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

use common::{Target, asset_sync, rclone_bytes, rclone_keys, sha256_hex, small_tree};
use slipway_testkit::proxy::Seen;
use slipway_testkit::tree::SharedTree;
use slipway_testkit::{FaultProxy, RequestKind};

const FILES: usize = 600;
const RECORDS: &str = "assets/.slipway/releases/";

/// Where in an upload the kill lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Reads before any write: listing, the previous record, HEADs.
    Before,
    /// The first half of the object PUTs.
    EarlyObjects,
    /// The second half of the object PUTs.
    LateObjects,
    /// The Sprockets manifest's PUT, after every object.
    Manifest,
    /// The release record's PUT, last.
    Record,
}

const PHASES: [Phase; 5] = [
    Phase::Before,
    Phase::EarlyObjects,
    Phase::LateObjects,
    Phase::Manifest,
    Phase::Record,
];

fn r1() -> &'static SharedTree {
    small_tree(FILES, 1)
}

fn r2() -> &'static SharedTree {
    small_tree(FILES, 2)
}

/// The phase a request of an upload of `r2()` belongs to, if it is one we kill at; object
/// PUTs are `EarlyObjects` here (the reference splits them in halves).
fn phase_of(s: &Seen) -> Option<Phase> {
    let manifest = format!("assets/{}", r2().summary.manifest);
    match (s.kind, s.key()) {
        (RequestKind::List | RequestKind::Get | RequestKind::Head, _) => Some(Phase::Before),
        (RequestKind::PutObject, Some(k)) if k == manifest => Some(Phase::Manifest),
        (RequestKind::PutObject, Some(k)) if k.starts_with(RECORDS) => Some(Phase::Record),
        (RequestKind::PutObject, Some(_)) => Some(Phase::EarlyObjects),
        _ => None,
    }
}

/// The request log of a clean upload of `r2()` over `r1()`, and each request's phase.
fn reference() -> &'static Vec<(Seen, Phase)> {
    static REFERENCE: OnceLock<Vec<(Seen, Phase)>> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let t = Target::rclone("kill-reference");
        t.upload(&r1().dir, None, &["--release", "r1"])
            .assert_success();
        let proxy = FaultProxy::start(&t.endpoint, vec![], 0);
        t.upload(&r2().dir, Some(&proxy.endpoint()), &["--release", "r2"])
            .assert_success();
        let seen = proxy.seen();
        let objects: Vec<usize> = (0..seen.len())
            .filter(|&i| phase_of(&seen[i]) == Some(Phase::EarlyObjects))
            .collect();
        let late_from = objects[objects.len() / 2];
        seen.into_iter()
            .enumerate()
            .map(|(i, s)| {
                let phase = match phase_of(&s) {
                    Some(Phase::EarlyObjects) if i >= late_from => Phase::LateObjects,
                    Some(p) => p,
                    None => panic!("an upload sent a request of no known phase: {s:?}"),
                };
                (s, phase)
            })
            .collect()
    })
}

/// Checks that every release record and every Sprockets manifest stored in the bucket names
/// only objects that are stored, the immutable ones with the size and SHA-256 it gives.
/// Returns (records, manifests).
fn nothing_points_at_a_missing_object(bucket: &str) -> (usize, usize) {
    let keys = rclone_keys(bucket);
    let present = |key: &str, size: u64, sha: &str, by: &str| {
        let bytes =
            rclone_bytes(bucket, key).unwrap_or_else(|| panic!("{by} names {key}, not stored"));
        assert_eq!(bytes.len() as u64, size, "{by} names {key}: size");
        assert_eq!(sha256_hex(&bytes), sha, "{by} names {key}: content");
    };
    let (mut records, mut manifests) = (0, 0);
    for key in &keys {
        let name = key.rsplit('/').next().unwrap();
        if key.starts_with(RECORDS) {
            records += 1;
            let record: serde_json::Value =
                serde_json::from_slice(&rclone_bytes(bucket, key).unwrap())
                    .unwrap_or_else(|e| panic!("{key} is not JSON: {e}"));
            for o in record["objects"].as_array().unwrap() {
                let object = o["key"].as_str().unwrap();
                if o["class"] == "immutable" {
                    let size = o["size"].as_u64().unwrap();
                    present(object, size, o["sha256"].as_str().unwrap(), key);
                } else {
                    // A mutable object (robots.txt, a manifest) is one key every release
                    // rewrites: an older record cannot pin its content, only need it there.
                    assert!(keys.contains(object), "{key} names {object}, not stored");
                }
            }
        } else if name.starts_with(".sprockets-manifest-") {
            manifests += 1;
            let manifest: serde_json::Value =
                serde_json::from_slice(&rclone_bytes(bucket, key).unwrap())
                    .unwrap_or_else(|e| panic!("{key} is not JSON: {e}"));
            for (rel, entry) in manifest["files"].as_object().unwrap() {
                let size = entry["size"].as_u64().unwrap();
                present(
                    &format!("assets/{rel}"),
                    size,
                    entry["digest"].as_str().unwrap(),
                    key,
                );
            }
        }
    }
    (records, manifests)
}

fn kill_at(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let phase = PHASES[(seed as usize - 1) % PHASES.len()];
    // Seeds 1 to 5 let the held request itself reach the server, 6 to 10 do not.
    let trigger_lands = seed <= 5;
    let reference = reference();
    let candidates: Vec<usize> = (0..reference.len())
        .filter(|&i| reference[i].1 == phase)
        .collect();
    let n = candidates[rng.usize(..candidates.len())];

    let t = Target::rclone(&format!("kill-{seed}"));
    t.upload(&r1().dir, None, &["--release", "r1"])
        .assert_success();
    let proxy = FaultProxy::start(&t.endpoint, vec![], seed);
    proxy.hold_from(n);
    let running = asset_sync()
        .arg("upload")
        .arg(&r2().dir)
        .args(["--bucket", &t.bucket, "--progress", "never", "--json"])
        .args(["--endpoint-url", &proxy.endpoint(), "--release", "r2"])
        .spawn();
    let Some(held) = proxy.wait_held(Duration::from_secs(60)) else {
        let out = running.sigkill();
        panic!("request {n} was never sent:\n{}", out.stderr);
    };
    let out = running.sigkill();
    assert_eq!(out.code, None, "killed, not exited: {}", out.stderr);
    let expected = &reference[n].0;
    assert_eq!(
        (held.kind, phase_of(&held).map(|p| p == Phase::EarlyObjects)),
        (
            expected.kind,
            phase_of(expected).map(|p| p == Phase::EarlyObjects)
        ),
        "the kill landed where the reference run put request {n}: {held:?}"
    );
    // Checked twice: as the kill left it (what was forwarded before it answered, nothing held
    // landed), and once the held requests have reached the server or not.
    proxy.wait_idle();
    nothing_points_at_a_missing_object(&t.bucket);
    let (landed, lost) = proxy.release_held(|s| {
        if s.arrived == held.arrived {
            trigger_lands
        } else {
            rng.bool()
        }
    });
    let (records, manifests) = nothing_points_at_a_missing_object(&t.bucket);
    assert!(records >= 1 && manifests >= 1, "release 1 is still whole");

    // A re-run, straight to the server, completes the release.
    let out = t.upload(&r2().dir, None, &["--release", "r2"]);
    let json = out.assert_success().json();
    let record = json["record"].as_str().unwrap();
    assert!(rclone_keys(&t.bucket).contains(record));
    asset_sync()
        .args(["verify", "--release", "r2", "--bucket", &t.bucket])
        .args(["--endpoint-url", &t.endpoint, "--progress", "never"])
        .run()
        .assert_success();
    for rel in r2().summary.files.keys() {
        let key = format!("assets/{rel}");
        assert!(
            rclone_bytes(&t.bucket, &key) == Some(std::fs::read(r2().dir.join(rel)).unwrap()),
            "{key}"
        );
    }
    nothing_points_at_a_missing_object(&t.bucket);
    let writes_before: BTreeSet<&str> = reference[..n]
        .iter()
        .filter(|(s, _)| s.kind == RequestKind::PutObject)
        .filter_map(|(s, _)| s.key())
        .collect();
    common::write_figures(
        &format!("kill-{seed:02}"),
        &format!(
            "kill seed {seed}: {phase:?} at request {n} of {} ({} {}), {} object writes before it; \
         held {} ({landed} reached the server, {lost} did not, the held one {}); re-run uploaded {}",
            reference.len(),
            held.method,
            held.key().unwrap_or(&held.path),
            writes_before.len(),
            landed + lost,
            if trigger_lands { "did" } else { "did not" },
            json["uploaded"]
        ),
    );
}

macro_rules! seeds {
    ($($name:ident = $seed:literal),* $(,)?) => {
        $(#[test] fn $name() { kill_at($seed) })*
    };
}

seeds!(
    kill_seed_01 = 1,
    kill_seed_02 = 2,
    kill_seed_03 = 3,
    kill_seed_04 = 4,
    kill_seed_05 = 5,
    kill_seed_06 = 6,
    kill_seed_07 = 7,
    kill_seed_08 = 8,
    kill_seed_09 = 9,
    kill_seed_10 = 10,
);
