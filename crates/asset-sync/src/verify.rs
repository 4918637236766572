//! `asset-sync verify`: is every object a release needs in the bucket, intact, with the
//! headers `upload` gives it?
//!
//! What is expected comes from a local directory (exactly what `upload` would write: the same
//! keys, headers and source bytes) or from a release record. Then, with one listing of the
//! prefix: a key absent from the listing is missing; a size that differs is wrong. Only the
//! objects that pass get a HEAD, which shows their headers and the SHA-256 recorded with them
//! (our `slipway-sha256` metadata, or the checksum S3 stored). An object that carries neither
//! (written by another tool) is downloaded and hashed. `--deep` downloads and hashes every
//! object instead of trusting the recorded SHA-256, which catches corruption in storage that
//! left the recorded checksum in place.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::time::Instant;

use aws_sdk_s3::Client;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::Value;
use slipway_core::Printer;
use slipway_core::progress::Progress;

use crate::error::{Error, Result};
use crate::hash::{self, HashJob};
use crate::plan::RemoteObject;
use crate::record::{self, ReleaseRecord};
use crate::releases;
use crate::remote::{self, ObjectInfo};
use crate::report::Report;
use crate::settings::{VerifySettings, VerifySource};
use crate::upload;

/// One object the release needs, as it should be in the bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub key: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub content_type: String,
    pub cache_control: String,
    pub content_encoding: Option<String>,
}

/// What is wrong with an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Not in the bucket.
    Missing,
    /// Present with another size.
    Size,
    /// Same size, other bytes.
    Content,
    ContentType,
    CacheControl,
    ContentEncoding,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Size => "size",
            Kind::Content => "content",
            Kind::ContentType => "content-type",
            Kind::CacheControl => "cache-control",
            Kind::ContentEncoding => "content-encoding",
        }
    }
}

/// Where a content verdict came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The object's `slipway-sha256` metadata, written by `upload`.
    Metadata,
    /// The full-object SHA-256 checksum S3 stored at upload.
    Checksum,
    /// The object was downloaded and hashed.
    Download,
}

/// One problem with one object. `expected` and `found` are a number of bytes for `size`, a
/// hex SHA-256 for `content`, a header value (or null when absent) for headers, and null for
/// `missing`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub key: String,
    pub kind: Kind,
    pub expected: Value,
    pub found: Value,
    /// For `content`: how the stored bytes' SHA-256 was learned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

impl Problem {
    fn missing(e: &Expected) -> Self {
        Self {
            key: e.key.clone(),
            kind: Kind::Missing,
            expected: Value::Null,
            found: Value::Null,
            via: None,
        }
    }

    fn size(e: &Expected, found: u64) -> Self {
        Self {
            key: e.key.clone(),
            kind: Kind::Size,
            expected: e.size.into(),
            found: found.into(),
            via: None,
        }
    }

    fn content(e: &Expected, found: String, via: Via) -> Self {
        Self {
            key: e.key.clone(),
            kind: Kind::Content,
            expected: e.sha256.clone().into(),
            found: found.into(),
            via: Some(via),
        }
    }
}

/// The result of `asset-sync verify`.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub bucket: String,
    pub prefix: String,
    /// The release checked (`--release`), else null.
    pub release: Option<String>,
    /// The release record read (`--release`), else null.
    pub record: Option<String>,
    /// Every object was downloaded and hashed.
    pub deep: bool,
    /// Objects the release needs.
    pub checked: usize,
    /// Objects found with no problem.
    pub ok: usize,
    /// Sorted by key, then kind.
    pub problems: Vec<Problem>,
    pub seconds: f64,
}

impl Report for VerifyReport {
    fn failures(&self) -> usize {
        self.problems.len()
    }

    fn summary(&self) -> String {
        let what = match &self.release {
            Some(r) => format!("release {r}: "),
            None => String::new(),
        };
        let deep = if self.deep {
            " (downloaded and hashed)"
        } else {
            ""
        };
        format!(
            "asset-sync verify: {what}{} {} checked{deep} in s3://{}/{}, {} in {:.2}s",
            self.checked,
            if self.checked == 1 {
                "object"
            } else {
                "objects"
            },
            self.bucket,
            self.prefix,
            self.problem_counts(),
            self.seconds
        )
    }

    fn data_lines(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|p| problem_line(&self.bucket, p))
            .collect()
    }

    fn errors(&self) -> Vec<String> {
        if self.problems.is_empty() {
            return Vec::new();
        }
        let objects: BTreeSet<&str> = self.problems.iter().map(|p| p.key.as_str()).collect();
        vec![format!(
            "{} of {} objects in s3://{}/{} are missing or wrong: {}",
            objects.len(),
            self.checked,
            self.bucket,
            self.prefix,
            self.problem_counts()
        )]
    }
}

impl VerifyReport {
    /// `no problems`, or `2 problems (1 missing, 1 content-type)`.
    fn problem_counts(&self) -> String {
        if self.problems.is_empty() {
            return "no problems".to_owned();
        }
        let mut by_kind: BTreeMap<Kind, usize> = BTreeMap::new();
        for p in &self.problems {
            *by_kind.entry(p.kind).or_default() += 1;
        }
        let parts: Vec<String> = by_kind
            .iter()
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        let n = self.problems.len();
        format!(
            "{n} problem{} ({})",
            if n == 1 { "" } else { "s" },
            parts.join(", ")
        )
    }
}

/// One stdout line per problem:
/// `MISSING s3://b/k`,
/// `SIZE s3://b/k expected 120 bytes found 96 bytes`,
/// `CONTENT s3://b/k expected sha256 <hex> found <hex> (downloaded)`,
/// `HEADER s3://b/k content-type expected "text/css; charset=utf-8" found "text/plain"`.
pub fn problem_line(bucket: &str, p: &Problem) -> String {
    let url = format!("s3://{bucket}/{}", p.key);
    match p.kind {
        Kind::Missing => format!("MISSING {url}"),
        Kind::Size => format!(
            "SIZE {url} expected {} bytes found {} bytes",
            p.expected, p.found
        ),
        Kind::Content => {
            let via = match p.via {
                Some(Via::Metadata) => " (from its slipway-sha256 metadata)",
                Some(Via::Checksum) => " (from its stored checksum)",
                Some(Via::Download) => " (downloaded)",
                None => "",
            };
            format!(
                "CONTENT {url} expected sha256 {} found {}{via}",
                p.expected.as_str().unwrap_or_default(),
                p.found.as_str().unwrap_or_default()
            )
        }
        Kind::ContentType | Kind::CacheControl | Kind::ContentEncoding => {
            let show = |v: &Value| match v {
                Value::Null => "none".to_owned(),
                other => other.to_string(),
            };
            format!(
                "HEADER {url} {} expected {} found {}",
                p.kind.as_str(),
                show(&p.expected),
                show(&p.found)
            )
        }
    }
}

/// Runs a verification. `Ok` holds the report whatever it found; `Err` is for bad input
/// (found before any request), an unknown or unreadable release record, or a request that
/// failed after retries.
pub async fn run(s3: &Client, s: &VerifySettings, printer: Printer) -> Result<VerifyReport> {
    let started = Instant::now();

    let (expected, listing, release, record_key) = match &s.source {
        VerifySource::Dir { dir, layout } => {
            // Bad input is refused here, before any request.
            let (files, specs) = upload::prepare(dir, layout).await?;
            let sources: Vec<usize> = specs
                .iter()
                .map(|o| o.source)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let jobs: Vec<HashJob> = sources
                .iter()
                .map(|&i| HashJob {
                    path: files[i].path.clone(),
                    part_size: None,
                })
                .collect();
            // Hash on every core while the bucket is listed.
            let hashing = tokio::task::spawn_blocking(move || hash::hash_all(&jobs));
            let (listing, digests) = tokio::join!(remote::list(s3, &s.bucket, &s.prefix), hashing);
            let digests =
                digests.map_err(|e| Error::Internal(format!("hashing failed: {e}")))??;
            let listing = listing?;
            let sha_of: HashMap<usize, String> = sources
                .into_iter()
                .zip(digests.iter().map(hash::FileDigest::hex))
                .collect();
            let expected = specs
                .iter()
                .map(|o| Expected {
                    key: format!("{}{}", s.prefix, o.rel),
                    size: files[o.source].size,
                    sha256: sha_of[&o.source].clone(),
                    content_type: o.headers.content_type.clone(),
                    cache_control: o.headers.cache_control.clone(),
                    content_encoding: o.headers.content_encoding.clone(),
                })
                .collect::<Vec<_>>();
            (expected, listing, None, None)
        }
        VerifySource::Release(id) => {
            let listing = remote::list(s3, &s.bucket, &s.prefix).await?;
            let keys = releases::record_keys(&listing, &s.prefix);
            let Some(key) = find_record(&keys, &s.prefix, id) else {
                return Err(Error::Usage(no_record_message(
                    &s.bucket, &s.prefix, id, &keys,
                )));
            };
            let loaded = releases::load(s3, &s.bucket, std::slice::from_ref(&key), &listing, 1)
                .await?
                .pop()
                .expect("one record was loaded");
            let expected = expected_from_record(&s.bucket, &key, id, &loaded.record)?;
            (expected, listing, Some(id.clone()), Some(key))
        }
    };

    // 1. From the listing alone: missing, or the wrong size.
    let (mut problems, to_read) = check_listing(&expected, &listing, &s.prefix);

    // 2. A HEAD (or, with --deep, a GET) for each object that passed.
    let total_bytes: u64 = to_read.iter().map(|&i| expected[i].size).sum();
    let progress = Progress::start(
        s.progress,
        printer,
        "verify",
        to_read.len() as u64,
        total_bytes,
    );
    let read: Vec<Vec<Problem>> = futures::stream::iter(to_read.into_iter().map(|i| {
        let e = &expected[i];
        let progress = &progress;
        async move {
            let found = check_object(s3, &s.bucket, e, s.deep).await?;
            progress.inc(1, e.size);
            Ok::<_, Error>(found)
        }
    }))
    .buffer_unordered(s.concurrency.max(1))
    .try_collect()
    .await?;
    progress.finish();
    problems.extend(read.into_iter().flatten());
    problems.sort_by(|a, b| a.key.cmp(&b.key).then(a.kind.cmp(&b.kind)));

    let bad: BTreeSet<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    let ok = expected
        .iter()
        .map(|e| e.key.as_str())
        .collect::<BTreeSet<_>>()
        .difference(&bad)
        .count();
    Ok(VerifyReport {
        bucket: s.bucket.clone(),
        prefix: s.prefix.clone(),
        release,
        record: record_key,
        deep: s.deep,
        checked: expected.len(),
        ok,
        problems,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The newest record of release `id` among `keys` (sorted oldest first, as
/// [`releases::record_keys`] gives them). Record names are `<UTC time>-<release>.json`, and
/// the time has no `-`, so the release is everything after the first `-`.
pub fn find_record(keys: &[String], prefix: &str, id: &str) -> Option<String> {
    keys.iter()
        .rev()
        .find(|k| release_of(k, prefix) == Some(id))
        .cloned()
}

/// The release id in a record key, if the key is shaped like one.
fn release_of<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    let name = key
        .strip_prefix(prefix)?
        .strip_prefix(record::RELEASES_DIR)?
        .strip_suffix(".json")?;
    name.split_once('-').map(|(_, release)| release)
}

/// `no release record for r9 in s3://b/assets/.slipway/releases/ (releases there: r2, r1)`.
fn no_record_message(bucket: &str, prefix: &str, id: &str, keys: &[String]) -> String {
    let mut seen = BTreeSet::new();
    let ids: Vec<String> = keys
        .iter()
        .rev()
        .filter_map(|k| release_of(k, prefix))
        .filter(|r| seen.insert(*r))
        .map(str::to_owned)
        .collect();
    let there = if ids.is_empty() {
        "there are no release records there".to_owned()
    } else {
        format!(
            "releases there, newest first: {}",
            crate::error::short_list(&ids)
        )
    };
    format!(
        "no release record for {id} in s3://{bucket}/{prefix}{} ({there})",
        record::RELEASES_DIR
    )
}

/// The objects of a record, checking that it is the release asked for.
fn expected_from_record(
    bucket: &str,
    key: &str,
    id: &str,
    record: &ReleaseRecord,
) -> Result<Vec<Expected>> {
    if record.release != id {
        return Err(Error::BadRecord {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            problem: format!(
                "its name says release {id} but it records release {:?}",
                record.release
            ),
        });
    }
    Ok(record
        .objects
        .iter()
        .map(|o| Expected {
            key: o.key.clone(),
            size: o.size,
            sha256: o.sha256.to_ascii_lowercase(),
            content_type: o.content_type.clone(),
            cache_control: o.cache_control.clone(),
            content_encoding: o.content_encoding.clone(),
        })
        .collect())
}

/// Problems visible in the listing, and the indexes of the objects that still need a read.
/// Keys outside the listed prefix (a record written under another prefix) are read directly.
pub fn check_listing(
    expected: &[Expected],
    listing: &HashMap<String, RemoteObject>,
    prefix: &str,
) -> (Vec<Problem>, Vec<usize>) {
    let mut problems = Vec::new();
    let mut to_read = Vec::new();
    for (i, e) in expected.iter().enumerate() {
        if !e.key.starts_with(prefix) {
            to_read.push(i);
            continue;
        }
        match listing.get(&e.key) {
            None => problems.push(Problem::missing(e)),
            Some(r) if r.size != e.size => problems.push(Problem::size(e, r.size)),
            Some(_) => to_read.push(i),
        }
    }
    (problems, to_read)
}

/// Reads one object (HEAD, plus a GET only when nothing recorded its SHA-256; a GET alone
/// with `deep`) and returns its problems.
async fn check_object(s3: &Client, bucket: &str, e: &Expected, deep: bool) -> Result<Vec<Problem>> {
    if deep {
        let Some((info, sha, read)) = retrying(|| remote::get_sha256(s3, bucket, &e.key)).await?
        else {
            return Ok(vec![Problem::missing(e)]);
        };
        let mut problems = header_problems(e, &info);
        if read != e.size {
            problems.push(Problem::size(e, read));
        } else if sha != e.sha256 {
            problems.push(Problem::content(e, sha, Via::Download));
        }
        return Ok(problems);
    }
    let Some(info) = retrying(|| remote::head_info(s3, bucket, &e.key)).await? else {
        return Ok(vec![Problem::missing(e)]);
    };
    let mut problems = header_problems(e, &info);
    if info.size != e.size {
        problems.push(Problem::size(e, info.size));
        return Ok(problems);
    }
    match recorded_content(&e.sha256, &info) {
        Recorded::Matches => {}
        Recorded::Differs(found, via) => problems.push(Problem::content(e, found, via)),
        Recorded::Unknown => {
            let Some((_, sha, read)) = retrying(|| remote::get_sha256(s3, bucket, &e.key)).await?
            else {
                return Ok(vec![Problem::missing(e)]);
            };
            if read != e.size {
                problems.push(Problem::size(e, read));
            } else if sha != e.sha256 {
                problems.push(Problem::content(e, sha, Via::Download));
            }
        }
    }
    Ok(problems)
}

/// What the SHA-256s recorded with an object say about its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Every recorded SHA-256 equals the expected one.
    Matches,
    /// One differs: (its value, where it came from).
    Differs(String, Via),
    /// Nothing recorded: only reading the bytes can tell.
    Unknown,
}

/// Compares the expected hex SHA-256 with the object's `slipway-sha256` metadata and its
/// stored checksum (any that is present must match).
pub fn recorded_content(expected: &str, info: &ObjectInfo) -> Recorded {
    let mut any = false;
    for (found, via) in [
        (&info.sha256_metadata, Via::Metadata),
        (&info.sha256_checksum, Via::Checksum),
    ] {
        if let Some(found) = found {
            any = true;
            if !found.eq_ignore_ascii_case(expected) {
                return Recorded::Differs(found.clone(), via);
            }
        }
    }
    if any {
        Recorded::Matches
    } else {
        Recorded::Unknown
    }
}

/// Content-Type, Cache-Control and Content-Encoding must equal what `upload` sets. An empty
/// header counts as absent.
pub fn header_problems(e: &Expected, info: &ObjectInfo) -> Vec<Problem> {
    let present = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let checks = [
        (
            Kind::ContentType,
            Some(e.content_type.clone()),
            present(&info.content_type),
        ),
        (
            Kind::CacheControl,
            Some(e.cache_control.clone()),
            present(&info.cache_control),
        ),
        (
            Kind::ContentEncoding,
            e.content_encoding.clone(),
            present(&info.content_encoding),
        ),
    ];
    checks
        .into_iter()
        .filter(|(_, want, got)| want != got)
        .map(|(kind, want, got)| Problem {
            key: e.key.clone(),
            kind,
            expected: want.map_or(Value::Null, Value::from),
            found: got.map_or(Value::Null, Value::from),
            via: None,
        })
        .collect()
}

/// Runs `f` again (after a short, jittered pause) when it fails with a transient AWS error.
async fn retrying<T, F, Fut>(f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    crate::retry::retrying(
        |e: &Error| matches!(e, Error::Aws { kind, .. } if kind.is_transient()),
        f,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_core::ExitCode;

    fn expected() -> Expected {
        Expected {
            key: "assets/app-1a2b3c4d5e.css".into(),
            size: 7,
            sha256: "ab".repeat(32),
            content_type: "text/css; charset=utf-8".into(),
            cache_control: crate::headers::IMMUTABLE_CACHE_CONTROL.into(),
            content_encoding: None,
        }
    }

    fn info_like(e: &Expected) -> ObjectInfo {
        ObjectInfo {
            size: e.size,
            content_type: Some(e.content_type.clone()),
            cache_control: Some(e.cache_control.clone()),
            content_encoding: e.content_encoding.clone(),
            sha256_metadata: Some(e.sha256.clone()),
            sha256_checksum: None,
        }
    }

    fn remote(size: u64) -> RemoteObject {
        RemoteObject {
            size,
            etag: None,
            last_modified: None,
        }
    }

    #[test]
    fn records_are_found_by_exact_release_and_newest_first() {
        let keys: Vec<String> = [
            "assets/.slipway/releases/20260101T000000Z-r1.json",
            "assets/.slipway/releases/20260102T000000Z-x-r1.json",
            "assets/.slipway/releases/20260103T000000Z-r1.json",
            "assets/.slipway/releases/20260104T000000Z-r2.json",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        assert_eq!(
            find_record(&keys, "assets/", "r1").as_deref(),
            Some("assets/.slipway/releases/20260103T000000Z-r1.json")
        );
        assert_eq!(
            find_record(&keys, "assets/", "x-r1").as_deref(),
            Some("assets/.slipway/releases/20260102T000000Z-x-r1.json")
        );
        assert_eq!(find_record(&keys, "assets/", "r3"), None);
        let msg = no_record_message("b", "assets/", "r3", &keys);
        assert_eq!(
            msg,
            "no release record for r3 in s3://b/assets/.slipway/releases/ (releases there, newest first: r2, r1, x-r1)"
        );
        assert!(no_record_message("b", "", "r3", &[]).contains("no release records there"));
    }

    #[test]
    fn a_record_must_name_the_release_asked_for() {
        let record = ReleaseRecord {
            format: record::FORMAT.into(),
            release: "other".into(),
            environment: "e".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            prefix: "assets/".into(),
            tool: "t".into(),
            objects: vec![],
        };
        let err = expected_from_record("b", "k", "r1", &record).unwrap_err();
        assert_eq!(err.exit_code(), ExitCode::FAILED);
    }

    #[test]
    fn the_listing_finds_missing_and_wrong_sizes() {
        let mut a = expected();
        a.key = "assets/a".into();
        let mut b = expected();
        b.key = "assets/b".into();
        let mut c = expected();
        c.key = "assets/c".into();
        let mut elsewhere = expected();
        elsewhere.key = "other/d".into();
        let listing: HashMap<String, RemoteObject> = [
            ("assets/a".to_owned(), remote(7)),
            ("assets/b".to_owned(), remote(6)),
        ]
        .into_iter()
        .collect();
        let (problems, to_read) = check_listing(&[a, b, c, elsewhere], &listing, "assets/");
        assert_eq!(to_read, vec![0, 3]);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].kind, Kind::Size);
        assert_eq!(problems[0].expected, Value::from(7));
        assert_eq!(problems[0].found, Value::from(6));
        assert_eq!(problems[1].kind, Kind::Missing);
        assert_eq!(problems[1].key, "assets/c");
    }

    #[test]
    fn headers_must_be_exactly_what_upload_sets() {
        let e = expected();
        assert!(header_problems(&e, &info_like(&e)).is_empty());
        let mut info = info_like(&e);
        info.content_type = Some("text/plain".into());
        info.content_encoding = Some("gzip".into());
        info.cache_control = None;
        let p = header_problems(&e, &info);
        let kinds: Vec<Kind> = p.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::ContentType, Kind::CacheControl, Kind::ContentEncoding]
        );
        assert_eq!(p[1].found, Value::Null);
        assert_eq!(p[2].expected, Value::Null);
        // An empty Content-Encoding is no encoding.
        let mut info = info_like(&e);
        info.content_encoding = Some(String::new());
        assert!(header_problems(&e, &info).is_empty());
    }

    #[test]
    fn recorded_sha256s_decide_content_when_present() {
        let e = expected();
        let mut info = info_like(&e);
        assert_eq!(recorded_content(&e.sha256, &info), Recorded::Matches);
        info.sha256_metadata = None;
        assert_eq!(recorded_content(&e.sha256, &info), Recorded::Unknown);
        info.sha256_checksum = Some(e.sha256.to_ascii_uppercase());
        assert_eq!(recorded_content(&e.sha256, &info), Recorded::Matches);
        info.sha256_checksum = Some("cd".repeat(32));
        assert_eq!(
            recorded_content(&e.sha256, &info),
            Recorded::Differs("cd".repeat(32), Via::Checksum)
        );
        info.sha256_metadata = Some("ef".repeat(32));
        assert_eq!(
            recorded_content(&e.sha256, &info),
            Recorded::Differs("ef".repeat(32), Via::Metadata)
        );
    }

    #[test]
    fn checksums_from_s3_are_full_object_sha256_only() {
        use aws_sdk_s3::types::ChecksumType;
        // SHA-256 of "abc".
        let b64 = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(
            remote::checksum_sha256_hex(Some(b64), None).as_deref(),
            Some(hex)
        );
        assert_eq!(
            remote::checksum_sha256_hex(Some(b64), Some(&ChecksumType::FullObject)).as_deref(),
            Some(hex)
        );
        assert_eq!(
            remote::checksum_sha256_hex(Some(b64), Some(&ChecksumType::Composite)),
            None
        );
        assert_eq!(
            remote::checksum_sha256_hex(Some(&format!("{b64}-3")), None),
            None
        );
        assert_eq!(remote::checksum_sha256_hex(None, None), None);
    }

    #[test]
    fn report_lines_and_summary() {
        let e = expected();
        let mut wrong_type = info_like(&e);
        wrong_type.content_type = Some("text/plain".into());
        let mut problems = vec![Problem::missing(&Expected {
            key: "assets/gone.js".into(),
            ..e.clone()
        })];
        problems.extend(header_problems(&e, &wrong_type));
        problems.push(Problem::content(&e, "cd".repeat(32), Via::Download));
        problems.push(Problem::size(&e, 3));
        let report = VerifyReport {
            bucket: "b".into(),
            prefix: "assets/".into(),
            release: None,
            record: None,
            deep: false,
            checked: 3001,
            ok: 2999,
            problems,
            seconds: 0.414,
        };
        assert_eq!(
            report.data_lines(),
            vec![
                "MISSING s3://b/assets/gone.js".to_owned(),
                "HEADER s3://b/assets/app-1a2b3c4d5e.css content-type expected \"text/css; charset=utf-8\" found \"text/plain\"".to_owned(),
                format!(
                    "CONTENT s3://b/assets/app-1a2b3c4d5e.css expected sha256 {} found {} (downloaded)",
                    "ab".repeat(32),
                    "cd".repeat(32)
                ),
                "SIZE s3://b/assets/app-1a2b3c4d5e.css expected 7 bytes found 3 bytes".to_owned(),
            ]
        );
        assert_eq!(
            report.summary(),
            "asset-sync verify: 3001 objects checked in s3://b/assets/, 4 problems (1 missing, 1 size, 1 content, 1 content-type) in 0.41s"
        );
        assert_eq!(
            report.errors(),
            vec![
                "2 of 3001 objects in s3://b/assets/ are missing or wrong: 4 problems (1 missing, 1 size, 1 content, 1 content-type)"
                    .to_owned()
            ]
        );
        assert_eq!(report.exit_code(), ExitCode::FAILED);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["problems"][1]["kind"], "content-type");
        assert_eq!(json["problems"][2]["via"], "download");
        assert_eq!(json["problems"][3]["expected"], 7);

        let clean = VerifyReport {
            problems: vec![],
            release: Some("r1".into()),
            ok: 3001,
            ..report
        };
        assert_eq!(clean.exit_code(), ExitCode::SUCCESS);
        assert!(clean.errors().is_empty());
        assert_eq!(
            clean.summary(),
            "asset-sync verify: release r1: 3001 objects checked in s3://b/assets/, no problems in 0.41s"
        );
    }
}
