//! Chaos suite: the real `asset-sync upload` and `prune` through the fault proxy at set fault
//! rates, one seed per test, checked afterwards against the server itself.
//!
//! The mix (every kind of request): 10% `503 SlowDown`, 2% dropped connections (1% before the
//! request body is read, so nothing reaches the server; 1% after the server answered, so a
//! write may have landed while the client saw a failure), 1% truncated responses, plus 2% of
//! 20 ms latency that reorders concurrent requests. Upload's tree: 3,000 Rails-like files (the
//! usual names, kinds and companions, sizes scaled down to under 2 MB so the suite is quick);
//! prune's: eight releases of a 300-file tree, each changing a tenth of it.
//!
//! What is checked where:
//! - which keys the bucket holds, and their bytes: rclone's backing directory (the files it
//!   serves), compared with the tree on disk; every object, every seed;
//! - the release record: read from the backing directory, compared with the tree;
//! - headers (Content-Type, Cache-Control, Content-Encoding, `slipway-sha256`, and the
//!   `x-amz-checksum-sha256` the server checks the body against), compared with the table in
//!   [`expected_headers`], written here from the README rather than taken from asset-sync:
//!   on every write that landed, from the proxy's log, every seed; and on what the server
//!   stores, by HEADs sent straight to rclone (which keeps object metadata in memory, not on
//!   disk), for every object in seeds 1, 6, 11 and 16 and a tenth of them (all the mutable
//!   ones among them) in the others: a HEAD costs the debug-built SDK most of a millisecond;
//! - the order of writes: from the proxy's log, whose clock orders arrivals at the proxy and
//!   the server's answers; a write the client saw fail may still have landed, so every
//!   object write, whatever its outcome, must be settled before the manifest is first sent.
//!
//! Multipart uploads (which rclone serve s3 does not speak) run on moto_server, with faults
//! aimed at their requests too: see "Multipart uploads under faults" below.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use common::{Target, asset_sync, rclone_bytes, rclone_keys, sha256_hex, small_tree};
use slipway_testkit::proxy::Seen;
use slipway_testkit::tree::{SharedTree, TreeSummary};
use slipway_testkit::{Fault, FaultProxy, RequestKind, Rule};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const MUTABLE: &str = "public, max-age=60";
const RECORDS: &str = "assets/.slipway/releases/";

/// The fault mix every chaos run uses (one roll per request: the rates add up).
fn chaos_mix() -> Vec<Rule> {
    vec![
        Rule::new(Fault::SlowDown).rate(0.10),
        Rule::new(Fault::DropBeforeBody).rate(0.01),
        Rule::new(Fault::DropAfterBody).rate(0.01),
        Rule::new(Fault::Truncate).rate(0.01),
        Rule::new(Fault::Latency(std::time::Duration::from_millis(20))).rate(0.02),
    ]
}

/// Whether upload treats `rel` of this tree as mutable: the un-digested files and the
/// Sprockets manifest.
fn is_mutable(rel: &str, summary: &TreeSummary) -> bool {
    rel == "robots.txt" || rel.starts_with("tinymce/") || rel == summary.manifest
}

/// (Content-Type, Cache-Control, Content-Encoding) upload must give `rel`, per the README.
fn expected_headers(
    rel: &str,
    summary: &TreeSummary,
) -> (&'static str, &'static str, Option<&'static str>) {
    let (inner, encoding) = match rel.rsplit_once('.') {
        Some((inner, "gz")) => (inner, Some("gzip")),
        Some((inner, "br")) => (inner, Some("br")),
        _ => (rel, None),
    };
    let ext = inner.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    let content_type = match ext {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "map" | "json" => "application/json; charset=utf-8",
        "svg" => "image/svg+xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "wasm" => "application/wasm",
        other => panic!("no expected Content-Type for .{other} ({rel})"),
    };
    let cache = if is_mutable(rel, summary) {
        MUTABLE
    } else {
        IMMUTABLE
    };
    (content_type, cache, encoding)
}

/// What the server stores under a key, read without going through the proxy: `None` when
/// it holds no such object.
type Stored<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

/// What moto (which keeps objects in memory) stores under `key`: a GET sent straight to it.
fn moto_bytes(t: &Target, key: &str) -> Option<Vec<u8>> {
    t.probe.head(&t.bucket, key)?;
    Some(t.probe.get(&t.bucket, key))
}

/// The base64 SHA-256 that `x-amz-checksum-sha256` carries for `bytes`.
fn checksum_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(hex::decode(sha256_hex(bytes)).unwrap())
}

/// The value of query parameter `name` in a request the proxy saw.
fn query_param<'a>(s: &'a Seen, name: &str) -> Option<&'a str> {
    s.query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Checks every UploadPart sent for `key` (landed or not: each is what the client sent):
/// the parts split `local` at one part size (part 1's, at least S3's 5 MiB minimum), and
/// each carried its own bytes' length and `x-amz-checksum-sha256`.
fn check_parts(key: &str, local: &[u8], seen: &[Seen]) {
    let parts: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.kind == RequestKind::UploadPart && s.key() == Some(key))
        .collect();
    let number = |s: &Seen| -> usize { query_param(s, "partNumber").unwrap().parse().unwrap() };
    let length = |s: &Seen| -> usize { s.header("content-length").unwrap().parse().unwrap() };
    let Some(first) = parts.iter().find(|s| number(s) == 1) else {
        assert!(parts.is_empty(), "{key}: parts sent, but never part 1");
        return;
    };
    let part_size = length(first);
    assert!(part_size >= 5 << 20, "{key}: parts of {part_size} bytes");
    for p in &parts {
        let n = number(p);
        let start = (n - 1) * part_size;
        assert!(start < local.len(), "{key}: part {n} starts past the end");
        let bytes = &local[start..local.len().min(start + part_size)];
        assert_eq!(length(p), bytes.len(), "{key} part {n}");
        assert_eq!(
            p.header("x-amz-checksum-sha256"),
            Some(checksum_of(bytes).as_str()),
            "{key} part {n}"
        );
    }
}

/// Checks that every file of `tree` is stored byte for byte under `assets/`; that every
/// write of it that landed (a PutObject, or the CreateMultipartUpload that gives a multipart
/// object its headers) carried the headers upload must give it, and every part its own
/// checksum; and that the server answers HEADs of the keys `head_all` or a 1-in-10 sample
/// (mutable ones always) selects with those headers. Returns (objects checked, HEADs sent).
fn check_objects(
    t: &Target,
    tree: &SharedTree,
    seen: &[Seen],
    head_all: bool,
    stored: Stored,
) -> (usize, usize) {
    let summary = &tree.summary;
    let mut landed: BTreeMap<&str, Vec<&Seen>> = BTreeMap::new();
    for s in seen.iter().filter(|s| {
        matches!(
            s.kind,
            RequestKind::PutObject | RequestKind::CreateMultipart
        ) && s.landed()
    }) {
        landed.entry(s.key().unwrap()).or_default().push(s);
    }
    let sampled: Vec<String> = summary
        .files
        .keys()
        .enumerate()
        .filter(|(i, rel)| head_all || i % 10 == 0 || is_mutable(rel, summary))
        .map(|(_, rel)| format!("assets/{rel}"))
        .collect();
    let heads = t.probe.heads(&t.bucket, &sampled);
    for rel in summary.files.keys() {
        let key = format!("assets/{rel}");
        let local = std::fs::read(tree.dir.join(rel)).unwrap();
        let sha = sha256_hex(&local);
        let held = stored(&key).unwrap_or_else(|| panic!("{key} is not stored"));
        assert!(held == local, "{key}: stored bytes differ from the file");
        let (ty, cache, enc) = expected_headers(rel, summary);
        let writes = landed.get(key.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        assert!(!writes.is_empty(), "{key}: no write of it landed");
        let checksum = checksum_of(&local);
        check_parts(&key, &local, seen);
        for w in writes {
            assert_eq!(w.header("content-type"), Some(ty), "{key}");
            assert_eq!(w.header("cache-control"), Some(cache), "{key}");
            assert_eq!(w.header("content-encoding"), enc, "{key}");
            assert_eq!(
                w.header("x-amz-meta-slipway-sha256"),
                Some(sha.as_str()),
                "{key}"
            );
            // A PutObject carries the body's checksum; a multipart upload names the
            // algorithm, and each part carries its own (checked above).
            let (name, value) = match w.kind {
                RequestKind::PutObject => ("x-amz-checksum-sha256", checksum.as_str()),
                _ => ("x-amz-checksum-algorithm", "SHA256"),
            };
            assert_eq!(w.header(name), Some(value), "{key}: {name}");
        }
        if let Some(head) = heads.get(&key) {
            let head = head
                .as_ref()
                .unwrap_or_else(|| panic!("{key}: HEAD says absent"));
            assert_eq!(head.content_type.as_deref(), Some(ty), "{key}");
            assert_eq!(head.cache_control.as_deref(), Some(cache), "{key}");
            assert_eq!(head.content_encoding.as_deref(), enc, "{key}");
            assert_eq!(head.size, local.len() as u64, "{key}");
            assert_eq!(head.metadata.get("slipway-sha256"), Some(&sha), "{key}");
        }
    }
    (summary.files.len(), heads.len())
}

/// Checks the stored release record `key` against the tree: every key, size, SHA-256 and
/// header, nothing more.
fn check_record(stored: Stored, key: &str, release: &str, tree: &SharedTree) {
    let summary = &tree.summary;
    let bytes = stored(key).unwrap_or_else(|| panic!("record {key} is not stored"));
    let record: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(record["format"], "slipway-release/1");
    assert_eq!(record["release"], release);
    let objects = record["objects"].as_array().unwrap();
    assert_eq!(objects.len(), summary.files.len(), "{key}");
    let mut listed = BTreeSet::new();
    for o in objects {
        let rel = o["key"].as_str().unwrap().strip_prefix("assets/").unwrap();
        assert!(listed.insert(rel), "{rel} listed twice");
        let local =
            std::fs::read(tree.dir.join(rel)).unwrap_or_else(|_| panic!("{rel} not in the tree"));
        let (ty, cache, enc) = expected_headers(rel, summary);
        assert_eq!(o["size"], local.len(), "{rel}");
        assert_eq!(o["sha256"], sha256_hex(&local), "{rel}");
        assert_eq!(o["content_type"], ty, "{rel}");
        assert_eq!(o["cache_control"], cache, "{rel}");
        assert_eq!(o["content_encoding"].as_str(), enc, "{rel}");
    }
}

/// Requests the proxy saw, by kind and by fault: figures for the README.
#[derive(Default)]
struct Tally {
    requests: usize,
    faults: BTreeMap<&'static str, usize>,
}

impl std::fmt::Debug for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} requests, faults {:?}", self.requests, self.faults)
    }
}

fn tally(seen: &[Seen]) -> Tally {
    let mut t = Tally {
        requests: seen.len(),
        ..Tally::default()
    };
    for f in seen.iter().filter_map(|s| s.fault) {
        *t.faults.entry(f).or_default() += 1;
    }
    t
}

/// Checks, from the proxy's log, that the manifest and the release record were written last:
/// every object write (landed or not) settled before the manifest was first sent, every
/// manifest write before the record was first sent; and that each landed at least once.
fn check_written_last(seen: &[Seen], manifest: &str, record: &str) {
    let writes: Vec<&Seen> = seen.iter().filter(|s| s.kind.is_object_write()).collect();
    let of = |key: &str| -> Vec<&Seen> {
        writes
            .iter()
            .copied()
            .filter(|s| s.key() == Some(key))
            .collect()
    };
    let manifest_writes = of(manifest);
    let record_writes = of(record);
    assert!(
        manifest_writes.iter().any(|s| s.landed()),
        "the manifest never landed: {manifest_writes:?}"
    );
    assert!(
        record_writes.iter().any(|s| s.landed()),
        "the record never landed: {record_writes:?}"
    );
    let manifest_first = manifest_writes.iter().map(|s| s.arrived).min().unwrap();
    let record_first = record_writes.iter().map(|s| s.arrived).min().unwrap();
    for s in &writes {
        let key = s.key().unwrap_or_default();
        if key == record {
            continue;
        }
        assert!(
            s.settled() < record_first,
            "{key} was written after the record was first sent: {s:?}"
        );
        if key != manifest {
            assert!(
                s.settled() < manifest_first,
                "{key} was written after the manifest was first sent: {s:?}"
            );
        }
    }
}

/// One chaos upload: 3,000 files under the mix, then everything checked.
fn upload_under_chaos(seed: u64) {
    let t = Target::rclone(&format!("chaos-{seed}"));
    let tree = small_tree(3000, 1);
    let proxy = FaultProxy::start(&t.endpoint, chaos_mix(), seed);
    let out = t.upload(&tree.dir, Some(&proxy.endpoint()), &["--release", "r1"]);
    let json = out.assert_success().json();
    proxy.wait_idle();
    let record = json["record"].as_str().unwrap().to_owned();
    assert_eq!(json["uploaded"], tree.summary.files.len());
    assert_eq!(json["failed"], serde_json::json!([]));

    // The bucket holds the tree and one record, nothing else (no stray partial write).
    let mut expected: BTreeSet<String> = tree
        .summary
        .files
        .keys()
        .map(|r| format!("assets/{r}"))
        .collect();
    expected.insert(record.clone());
    assert_eq!(rclone_keys(&t.bucket), expected);
    let seen = proxy.seen();
    let stored = |key: &str| rclone_bytes(&t.bucket, key);
    let (checked, heads) = check_objects(&t, tree, &seen, seed % 5 == 1, &stored);
    check_record(&stored, &record, "r1", tree);
    check_written_last(&seen, &format!("assets/{}", tree.summary.manifest), &record);

    let tally = tally(&seen);
    assert!(
        tally.faults.get("slowdown").copied().unwrap_or(0) > 100,
        "the mix was applied: {tally:?}"
    );
    common::write_figures(
        &format!("chaos-upload-{seed:02}"),
        &format!("chaos upload seed {seed}: {checked} objects checked, {heads} HEADs; {tally:?}"),
    );
}

macro_rules! seeds {
    ($run:ident: $($name:ident = $seed:literal),* $(,)?) => {
        $(#[test] fn $name() { $run($seed) })*
    };
}

seeds!(upload_under_chaos:
    upload_chaos_seed_01 = 1, upload_chaos_seed_02 = 2, upload_chaos_seed_03 = 3,
    upload_chaos_seed_04 = 4, upload_chaos_seed_05 = 5, upload_chaos_seed_06 = 6,
    upload_chaos_seed_07 = 7, upload_chaos_seed_08 = 8, upload_chaos_seed_09 = 9,
    upload_chaos_seed_10 = 10, upload_chaos_seed_11 = 11, upload_chaos_seed_12 = 12,
    upload_chaos_seed_13 = 13, upload_chaos_seed_14 = 14, upload_chaos_seed_15 = 15,
    upload_chaos_seed_16 = 16, upload_chaos_seed_17 = 17, upload_chaos_seed_18 = 18,
    upload_chaos_seed_19 = 19, upload_chaos_seed_20 = 20,
);

/// A fault on every attempt at one key, under the mix: exit 3, the key named on stderr and in
/// the JSON, no manifest and no record written (nor even sent); every other object landed.
#[test]
fn a_key_that_always_fails_under_chaos_is_named_and_nothing_points_at_it() {
    let t = Target::rclone("chaos-broken");
    let tree = small_tree(3000, 1);
    let summary = &tree.summary;
    let broken_rel = summary
        .files
        .keys()
        .find(|r| r.ends_with(".png"))
        .unwrap()
        .clone();
    let broken = format!("assets/{broken_rel}");
    // Half 500s, half connections dropped before the body: every attempt at that key fails.
    let mut rules = vec![
        Rule::new(Fault::Status500)
            .kind(RequestKind::PutObject)
            .path_contains(&broken)
            .rate(0.5),
        Rule::new(Fault::DropBeforeBody)
            .kind(RequestKind::PutObject)
            .path_contains(&broken)
            .rate(0.5),
    ];
    rules.extend(chaos_mix());
    let proxy = FaultProxy::start(&t.endpoint, rules, 99);
    let out = t.upload(&tree.dir, Some(&proxy.endpoint()), &["--release", "r1"]);
    out.assert_code(3);
    proxy.wait_idle();
    let json = out.json();
    assert_eq!(json["failed"], serde_json::json!([broken]));
    assert_eq!(json["record"], serde_json::Value::Null);
    assert!(out.stderr.contains(&broken), "{}", out.stderr);

    let keys = rclone_keys(&t.bucket);
    let manifest = format!("assets/{}", summary.manifest);
    assert!(!keys.contains(&broken));
    assert!(!keys.contains(&manifest), "the manifest was written");
    assert!(
        !keys.iter().any(|k| k.starts_with(RECORDS)),
        "a record was written"
    );
    let seen = proxy.seen();
    assert!(
        !seen
            .iter()
            .any(|s| s.is_write() && (s.path.ends_with(&manifest) || s.path.contains(RECORDS))),
        "a manifest or record write was sent"
    );
    let attempts = seen
        .iter()
        .filter(|s| s.key() == Some(broken.as_str()))
        .count();
    assert!(attempts > 3, "retried: {attempts} attempts");
    // Everything else made it, byte for byte.
    for rel in summary.files.keys() {
        let key = format!("assets/{rel}");
        if key != broken && key != manifest {
            assert!(
                rclone_bytes(&t.bucket, &key) == Some(std::fs::read(tree.dir.join(rel)).unwrap()),
                "{key}"
            );
        }
    }
}

// --- Multipart uploads under faults, on moto_server -----------------------------------------
//
// rclone serve s3 answers CreateMultipartUpload with a reply the SDK cannot read (asset-sync
// then sends one streamed PUT), so the runs above never send a part. moto speaks multipart in
// full. Its tree: 60 small files and four large ones above a 5 MiB `--multipart-threshold`,
// of 1 to 3 parts. Its mix: the one above on every request, plus faults aimed at
// CreateMultipartUpload, UploadPart and CompleteMultipartUpload, with the first requests of
// each kind always hit: dropped after the server acted, then truncated (an upload started
// whose id never reached the client; a part or a completion that landed unseen), then, for
// parts and completions, answered `NoSuchUpload` (the upload aborted under the client).
// Checked straight against moto (GETs and HEADs, not through the proxy), and afterwards no
// multipart upload may be left open: S3 bills an open upload's parts until a lifecycle rule
// removes it.

/// The large files of the multipart tree: (path before the fingerprint, extension, size).
const LARGE: [(&str, &str, usize); 4] = [
    ("media/intro", "mp4", (17 << 20) + 4321),
    ("images/banners/hero", "jpg", 12 << 20),
    ("media/tour", "webm", (9 << 20) + 17),
    ("wasm/pdfium", "wasm", 6 << 20),
];

/// The multipart tree, written once per test process.
fn multipart_tree() -> &'static SharedTree {
    static TREE: std::sync::OnceLock<SharedTree> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("slipway-multipart-tree-")
            .tempdir()
            .unwrap()
            .keep();
        slipway_testkit::process::remove_at_exit(dir.clone());
        let spec = slipway_testkit::tree::TreeSpec {
            files: 60,
            scale: 0.01,
            ..Default::default()
        };
        let mut summary = slipway_testkit::tree::write_rails_tree(&dir, &spec).unwrap();
        for (i, (stem, ext, size)) in LARGE.into_iter().enumerate() {
            let mut x = 0x9E37_79B9_7F4A_7C15_u64 ^ i as u64;
            let mut body: Vec<u8> = (0..size.div_ceil(8))
                .flat_map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x.to_le_bytes()
                })
                .collect();
            body.truncate(size);
            let rel = format!("{stem}-{}.{ext}", &sha256_hex(&body)[..20]);
            slipway_testkit::tree::write_files(&dir, &[(&rel, &body)]).unwrap();
            summary.files.insert(rel, size as u64);
            summary.bytes += size as u64;
        }
        SharedTree { dir, summary }
    })
}

/// The multipart request kinds, with the name the figures give them.
const MULTIPART_KINDS: [(RequestKind, &str); 3] = [
    (RequestKind::CreateMultipart, "create"),
    (RequestKind::UploadPart, "part"),
    (RequestKind::CompleteMultipart, "complete"),
];

/// The chaos mix, plus on each multipart kind: the first request dropped after the server
/// answered, the second truncated, the third (of parts and completions) answered
/// `404 NoSuchUpload`, then 13% more (5% SlowDown, 2% dropped before the body, 3% after, 3%
/// truncated) on top of the mix's 15%.
fn multipart_mix() -> Vec<Rule> {
    let mut rules = Vec::new();
    for (kind, _) in MULTIPART_KINDS {
        rules.push(Rule::new(Fault::DropAfterBody).kind(kind).limit(1));
        rules.push(Rule::new(Fault::Truncate).kind(kind).limit(1));
        if kind != RequestKind::CreateMultipart {
            rules.push(
                Rule::new(Fault::S3Error(404, "NoSuchUpload"))
                    .kind(kind)
                    .limit(1),
            );
        }
        rules.push(Rule::new(Fault::SlowDown).kind(kind).rate(0.05));
        rules.push(Rule::new(Fault::DropBeforeBody).kind(kind).rate(0.02));
        rules.push(Rule::new(Fault::DropAfterBody).kind(kind).rate(0.03));
        rules.push(Rule::new(Fault::Truncate).kind(kind).rate(0.03));
    }
    rules.extend(chaos_mix());
    rules
}

/// What the proxy saw of multipart uploads: started (CreateMultipartUpload that the server
/// acted on, whether or not the client heard back), completed and aborted (distinct upload
/// ids the server completed or aborted), faults injected by kind, and parts sent.
#[derive(Default)]
struct MultipartTally {
    started: usize,
    completed: usize,
    aborted: usize,
    parts: usize,
    faults: BTreeMap<String, usize>,
}

impl std::fmt::Debug for MultipartTally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "multipart uploads started {}, completed {}, aborted {}; {} parts sent; faults on \
             multipart requests {:?}",
            self.started, self.completed, self.aborted, self.parts, self.faults
        )
    }
}

fn multipart_tally(seen: &[Seen]) -> MultipartTally {
    let ids = |kind: RequestKind| -> BTreeSet<&str> {
        seen.iter()
            .filter(|s| s.kind == kind && s.landed())
            .filter_map(|s| query_param(s, "uploadId"))
            .collect()
    };
    let mut t = MultipartTally {
        started: seen
            .iter()
            .filter(|s| s.kind == RequestKind::CreateMultipart && s.landed())
            .count(),
        completed: ids(RequestKind::CompleteMultipart).len(),
        aborted: ids(RequestKind::AbortMultipart).len(),
        parts: seen
            .iter()
            .filter(|s| s.kind == RequestKind::UploadPart)
            .count(),
        ..MultipartTally::default()
    };
    for s in seen {
        if let (Some((_, name)), Some(fault)) =
            (MULTIPART_KINDS.iter().find(|(k, _)| *k == s.kind), s.fault)
        {
            *t.faults.entry(format!("{name} {fault}")).or_default() += 1;
        }
    }
    t
}

/// One multipart chaos upload to moto, checked straight against moto afterwards: exit 0,
/// the bucket holds exactly the tree and the record, byte for byte, with their headers, the
/// manifest and the record written last, and no multipart upload left open.
fn multipart_upload_under_chaos(seed: u64) {
    let t = Target::moto(&format!("chaos-multipart-{seed}"));
    let tree = multipart_tree();
    let proxy = FaultProxy::start(&t.endpoint, multipart_mix(), seed);
    let out = t.upload(
        &tree.dir,
        Some(&proxy.endpoint()),
        &["--release", "r1", "--multipart-threshold", "5MiB"],
    );
    let json = out.assert_success().json();
    proxy.wait_idle();
    let record = json["record"].as_str().unwrap().to_owned();
    assert_eq!(json["uploaded"], tree.summary.files.len());
    assert_eq!(json["failed"], serde_json::json!([]));

    let mut expected: BTreeSet<String> = tree
        .summary
        .files
        .keys()
        .map(|r| format!("assets/{r}"))
        .collect();
    expected.insert(record.clone());
    assert_eq!(t.keys().into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        t.probe.multipart_uploads(&t.bucket),
        vec![],
        "multipart uploads left open"
    );
    let seen = proxy.seen();
    let stored = |key: &str| moto_bytes(&t, key);
    let (checked, heads) = check_objects(&t, tree, &seen, true, &stored);
    check_record(&stored, &record, "r1", tree);
    check_written_last(&seen, &format!("assets/{}", tree.summary.manifest), &record);

    let mp = multipart_tally(&seen);
    // Every large file went up in parts, each through a completed upload.
    for (stem, ..) in LARGE {
        let completed = seen
            .iter()
            .filter(|s| s.kind == RequestKind::CompleteMultipart && s.landed())
            .any(|s| s.key().is_some_and(|k| k.contains(stem)));
        assert!(completed, "{stem}: no multipart upload completed");
    }
    assert!(
        mp.faults.values().sum::<usize>() >= 8,
        "the multipart faults were applied: {mp:?}"
    );
    // The proxy's log agrees with the server: every upload started was completed or aborted.
    assert_eq!(mp.started, mp.completed + mp.aborted, "{mp:?}");
    common::write_figures(
        &format!("chaos-multipart-{seed:02}"),
        &format!(
            "chaos multipart seed {seed}: {checked} objects checked, {heads} HEADs; {:?}; {mp:?}",
            tally(&seen)
        ),
    );
}

seeds!(multipart_upload_under_chaos:
    multipart_chaos_seed_01 = 1, multipart_chaos_seed_02 = 2,
    multipart_chaos_seed_03 = 3, multipart_chaos_seed_04 = 4,
);

/// Every part of one large key fails, under the mix: exit 3, the key named, no manifest or
/// record written (nor sent), and every upload started for that key aborted, none left open.
#[test]
fn a_large_key_whose_parts_always_fail_is_named_and_its_uploads_aborted() {
    let t = Target::moto("chaos-multipart-broken");
    let tree = multipart_tree();
    let summary = &tree.summary;
    let broken_rel = summary
        .files
        .keys()
        .find(|r| r.starts_with(LARGE[0].0))
        .unwrap()
        .clone();
    let broken = format!("assets/{broken_rel}");
    let mut rules = vec![
        Rule::new(Fault::Status500)
            .kind(RequestKind::UploadPart)
            .path_contains(&broken)
            .rate(0.5),
        Rule::new(Fault::DropBeforeBody)
            .kind(RequestKind::UploadPart)
            .path_contains(&broken)
            .rate(0.5),
    ];
    rules.extend(chaos_mix());
    let proxy = FaultProxy::start(&t.endpoint, rules, 7);
    let out = t.upload(
        &tree.dir,
        Some(&proxy.endpoint()),
        &["--release", "r1", "--multipart-threshold", "5MiB"],
    );
    out.assert_code(3);
    proxy.wait_idle();
    let json = out.json();
    assert_eq!(json["failed"], serde_json::json!([broken]));
    assert_eq!(json["record"], serde_json::Value::Null);
    assert!(out.stderr.contains(&broken), "{}", out.stderr);

    let keys: BTreeSet<String> = t.keys().into_iter().collect();
    let manifest = format!("assets/{}", summary.manifest);
    assert!(!keys.contains(&broken));
    assert!(!keys.contains(&manifest), "the manifest was written");
    assert!(
        !keys.iter().any(|k| k.starts_with(RECORDS)),
        "a record was written"
    );
    assert_eq!(
        t.probe.multipart_uploads(&t.bucket),
        vec![],
        "multipart uploads left open"
    );
    let seen = proxy.seen();
    assert!(
        !seen
            .iter()
            .any(|s| s.is_write() && (s.path.ends_with(&manifest) || s.path.contains(RECORDS))),
        "a manifest or record write was sent"
    );
    let mp = multipart_tally(&seen);
    let of_broken = |kind: RequestKind| {
        seen.iter()
            .filter(|s| s.kind == kind && s.key() == Some(broken.as_str()))
            .count()
    };
    assert!(of_broken(RequestKind::UploadPart) > 3, "retried: {mp:?}");
    assert_eq!(of_broken(RequestKind::CompleteMultipart), 0, "{mp:?}");
    let started = seen
        .iter()
        .filter(|s| s.kind == RequestKind::CreateMultipart && s.landed())
        .filter(|s| s.key() == Some(broken.as_str()))
        .count();
    let aborted: BTreeSet<&str> = seen
        .iter()
        .filter(|s| s.kind == RequestKind::AbortMultipart && s.landed())
        .filter(|s| s.key() == Some(broken.as_str()))
        .filter_map(|s| query_param(s, "uploadId"))
        .collect();
    assert!(started >= 1, "{mp:?}");
    assert_eq!(aborted.len(), started, "each upload of it aborted: {mp:?}");
    assert_eq!(mp.started, mp.completed + mp.aborted, "{mp:?}");
    // Everything else made it, byte for byte.
    for rel in summary.files.keys() {
        let key = format!("assets/{rel}");
        if key != broken && key != manifest {
            assert!(
                moto_bytes(&t, &key) == Some(std::fs::read(tree.dir.join(rel)).unwrap()),
                "{key}"
            );
        }
    }
    common::write_figures(
        "chaos-multipart-broken",
        &format!(
            "chaos multipart, a large key whose parts always fail: {:?}; {mp:?}",
            tally(&seen)
        ),
    );
}

/// Uploads release `n` of the 300-file tree as `r<n>` (no faults), then backdates its record
/// by `age_days` so releases order by age whatever second they were uploaded in. Returns
/// every key the release needs, its record's included.
fn release(t: &Target, n: u32, age_days: i64) -> BTreeSet<String> {
    let tree = small_tree(300, n);
    let out = t.upload(&tree.dir, None, &["--release", &format!("r{n}")]);
    let record = out.assert_success().json()["record"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut json: serde_json::Value =
        serde_json::from_slice(&t.probe.get(&t.bucket, &record)).unwrap();
    let created = jiff::Timestamp::now().as_second() - age_days * 86_400;
    json["created_at"] = jiff::Timestamp::from_second(created)
        .unwrap()
        .to_string()
        .into();
    t.probe
        .put(&t.bucket, &record, &serde_json::to_vec(&json).unwrap());
    tree.summary
        .files
        .keys()
        .map(|k| format!("assets/{k}"))
        .chain([record])
        .collect()
}

/// Prune under the mix: eight releases, pruned to the newest 7, then 6, ... down to 3, each
/// round through the fault proxy. Whatever a round's exit code, no key of a release it keeps
/// is ever named in a delete request, and every such key is still stored, byte for byte. A
/// clean prune then leaves exactly the newest three releases.
fn prune_under_chaos(seed: u64) {
    let t = Target::rclone(&format!("chaos-prune-{seed}"));
    // A day apart; each changes a tenth of the files.
    let history: Vec<BTreeSet<String>> =
        (1..=8).map(|n| release(&t, n, 20 - i64::from(n))).collect();
    let kept_by = |keep: usize| -> BTreeSet<String> {
        history[history.len() - keep..]
            .iter()
            .flatten()
            .cloned()
            .collect()
    };
    let prune = |endpoint: &str, keep: usize| {
        asset_sync()
            .args(["prune", "--bucket", &t.bucket, "--progress", "never"])
            .args(["--json", "--endpoint-url", endpoint])
            .args(["--keep-releases", &keep.to_string(), "--keep-days", "0"])
            .args(["--min-age", "0s", "--max-delete", "100%"])
            .run()
    };

    let (mut requests, mut faults, mut named_total) = (0, BTreeMap::new(), 0);
    let mut codes = Vec::new();
    for keep in (3..=7).rev() {
        let kept = kept_by(keep);
        let before: BTreeMap<String, Vec<u8>> = kept
            .iter()
            .map(|k| (k.clone(), rclone_bytes(&t.bucket, k).unwrap()))
            .collect();
        let proxy = FaultProxy::start(&t.endpoint, chaos_mix(), seed * 100 + keep as u64);
        let out = prune(&proxy.endpoint(), keep);
        assert!(
            matches!(out.code, Some(0 | 3)),
            "keep {keep}: exit {:?}: {}",
            out.code,
            out.stderr
        );
        codes.push(out.code.unwrap());
        proxy.wait_idle();
        if out.code == Some(0) {
            let json = out.json();
            let kept_releases: BTreeSet<String> = json["kept_releases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["release"].as_str().unwrap().to_owned())
                .collect();
            let expected: BTreeSet<String> = (9 - keep..=8).map(|n| format!("r{n}")).collect();
            assert_eq!(kept_releases, expected);
        }
        let seen = proxy.seen();
        let named: BTreeSet<&str> = seen
            .iter()
            .flat_map(|s| s.deletes.iter().map(String::as_str))
            .collect();
        for key in &kept {
            assert!(
                !named.contains(key.as_str()),
                "keep {keep}: a kept key was deleted: {key}"
            );
        }
        for (key, bytes) in &before {
            assert!(
                rclone_bytes(&t.bucket, key).as_ref() == Some(bytes),
                "keep {keep}: {key} changed"
            );
        }
        let tally = tally(&seen);
        requests += tally.requests;
        named_total += named.len();
        for (f, n) in tally.faults {
            *faults.entry(f).or_insert(0) += n;
        }
    }
    assert!(named_total > 100, "the rounds deleted something");

    prune(&t.endpoint, 3).assert_success();
    assert_eq!(rclone_keys(&t.bucket), kept_by(3));
    common::write_figures(
        &format!("chaos-prune-{seed:02}"),
        &format!(
            "chaos prune seed {seed}: exits {codes:?}, {named_total} keys named in deletes; \
         {requests} requests, faults {faults:?}"
        ),
    );
}

seeds!(prune_under_chaos:
    prune_chaos_seed_01 = 1, prune_chaos_seed_02 = 2, prune_chaos_seed_03 = 3,
    prune_chaos_seed_04 = 4, prune_chaos_seed_05 = 5, prune_chaos_seed_06 = 6,
    prune_chaos_seed_07 = 7, prune_chaos_seed_08 = 8, prune_chaos_seed_09 = 9,
    prune_chaos_seed_10 = 10,
);
