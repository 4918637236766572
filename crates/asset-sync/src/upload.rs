//! `asset-sync upload`: scan, read manifests, list the bucket, hash what is sent or compared,
//! plan, upload assets, then manifests, then the release record.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_s3::Client;
use futures::StreamExt;
use slipway_aws::AwsErrorKind;
use slipway_core::Printer;
use slipway_core::progress::{Progress, human_bytes};

use crate::classify::Class;
use crate::error::{Error, Result};
use crate::hash::{self, FileDigest, HashJob};
use crate::manifest::{self, Manifest};
use crate::plan::{self, Decision, ObjectSpec, Reason, RemoteObject, SpecSettings};
use crate::record::{self, RecordedObject, ReleaseRecord};
use crate::remote::{self, Put, PutError};
use crate::report::{Planned, UploadReport};
use crate::retry::retrying;
use crate::scan::{self, LocalFile};
use crate::settings::{Layout, UploadSettings};

/// Runs an upload. `Ok` holds the report even when some objects failed (its `failed` list is
/// then non-empty and nothing that points at them was written); `Err` is for problems found
/// before any write.
pub async fn run(s3: &Client, s: &UploadSettings, printer: Printer) -> Result<UploadReport> {
    let started = Instant::now();

    // 1. Know the release's files, and refuse bad input before touching the bucket.
    let (files, specs) = prepare(&s.dir, &s.layout).await?;

    // 2. One listing of the prefix; it also shows the release records already there.
    let remote = if s.ignore_remote {
        HashMap::new()
    } else {
        remote::list(s3, &s.bucket, &s.prefix).await?
    };
    let mut decisions: Vec<Decision> = specs
        .iter()
        .map(|o| {
            let key = format!("{}{}", s.prefix, o.rel);
            if s.ignore_remote {
                Decision::Upload(Reason::Forced)
            } else {
                plan::decide(o.class, files[o.source].size, remote.get(&key))
            }
        })
        .collect();

    // 3. Hash, on every core, only what is sent or compared. An immutable object already
    //    present is never overwritten, so the newest release record's SHA-256 for it (same
    //    key, same size) is what the bucket holds: no need to read the file again.
    let known = previous_hashes(s3, s, &remote, printer).await;
    let mut recorded: Vec<Option<String>> = vec![None; specs.len()];
    let mut needed: BTreeSet<usize> = BTreeSet::new();
    for (i, o) in specs.iter().enumerate() {
        let key = format!("{}{}", s.prefix, o.rel);
        match known.get(&key) {
            Some((size, sha))
                if decisions[i] == Decision::Skip && *size == files[o.source].size =>
            {
                recorded[i] = Some(sha.clone());
            }
            _ => {
                needed.insert(o.source);
            }
        }
    }
    let sources: Vec<usize> = needed.into_iter().collect();
    let jobs: Vec<HashJob> = sources
        .iter()
        .map(|&i| HashJob {
            path: files[i].path.clone(),
            part_size: (files[i].size > s.multipart_threshold)
                .then(|| hash::part_size(files[i].size)),
        })
        .collect();
    let digests = tokio::task::spawn_blocking(move || hash::hash_all(&jobs))
        .await
        .map_err(|e| Error::Internal(format!("hashing failed: {e}")))??;
    let digest_of: HashMap<usize, FileDigest> = sources.into_iter().zip(digests).collect();
    for (i, o) in specs.iter().enumerate() {
        if recorded[i].is_none() {
            recorded[i] = Some(digest_of[&o.source].hex());
        }
    }

    // 4. Compare content for mutable objects of unchanged size.
    resolve_checks(s3, s, &specs, &files, &digest_of, &remote, &mut decisions).await?;

    let record_at = jiff::Timestamp::now();
    let record_key = record::key(&s.prefix, record_at, &s.release);
    let mut report = UploadReport {
        release: s.release.clone(),
        environment: s.environment.clone(),
        bucket: s.bucket.clone(),
        prefix: s.prefix.clone(),
        dry_run: s.dry_run,
        objects: specs.len(),
        uploaded: 0,
        skipped: decisions.iter().filter(|d| **d == Decision::Skip).count(),
        failed: Vec::new(),
        bytes_uploaded: 0,
        seconds: 0.0,
        record: None,
        planned: None,
    };

    let to_upload: Vec<(usize, Reason)> = decisions
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match d {
            Decision::Upload(r) => Some((i, *r)),
            _ => None,
        })
        .collect();

    if s.dry_run {
        report.planned = Some(
            to_upload
                .iter()
                .map(|&(i, reason)| Planned {
                    key: format!("{}{}", s.prefix, specs[i].rel),
                    size: files[specs[i].source].size,
                    reason,
                    headers: specs[i].headers.clone(),
                })
                .collect(),
        );
        report.record = Some(record_key);
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    // 5. Assets, then manifests only if every asset made it.
    let (assets, manifests_up): (Vec<_>, Vec<_>) = to_upload
        .into_iter()
        .partition(|&(i, _)| specs[i].class != Class::Manifest);
    let ctx = Arc::new(UploadCtx {
        s3: s3.clone(),
        settings: s.clone(),
        files,
        specs,
        digests: digest_of,
        recorded,
    });
    let total_bytes: u64 = assets
        .iter()
        .chain(&manifests_up)
        .map(|&(i, _)| ctx.files[ctx.specs[i].source].size)
        .sum();
    let progress = Progress::start(
        s.progress,
        printer,
        "upload",
        (assets.len() + manifests_up.len()) as u64,
        total_bytes,
    );
    let mut batch = upload_batch(&ctx, assets, &progress, printer).await;
    if batch.failed.is_empty() && batch.stopped_by.is_none() {
        let assets = batch;
        batch = upload_batch(&ctx, manifests_up, &progress, printer).await;
        batch.uploaded += assets.uploaded;
        batch.bytes += assets.bytes;
    }
    progress.finish();
    if let Some(e) = batch.stopped_by {
        return Err(Error::Aws {
            kind: e.kind,
            message: format!(
                "failed to upload s3://{}/{}; no manifest or release record was written",
                s.bucket, e.message
            ),
        });
    }
    report.uploaded = batch.uploaded;
    report.bytes_uploaded = batch.bytes;
    report.failed = batch.failed;

    // 6. The release record, last.
    if report.failed.is_empty() {
        let record = ReleaseRecord {
            format: record::FORMAT.to_owned(),
            release: s.release.clone(),
            environment: s.environment.clone(),
            created_at: record_at.to_string(),
            prefix: s.prefix.clone(),
            tool: format!("asset-sync {}", env!("CARGO_PKG_VERSION")),
            objects: ctx
                .specs
                .iter()
                .zip(&ctx.recorded)
                .map(|(o, sha)| RecordedObject {
                    key: format!("{}{}", s.prefix, o.rel),
                    size: ctx.files[o.source].size,
                    sha256: sha.clone().expect("every object has a digest"),
                    class: o.class,
                    content_type: o.headers.content_type.clone(),
                    cache_control: o.headers.cache_control.clone(),
                    content_encoding: o.headers.content_encoding.clone(),
                })
                .collect(),
        };
        // Compact: a 3,000-object record is ~40% smaller than pretty-printed, and every later
        // upload reads the newest one.
        let body = serde_json::to_vec(&record).expect("a record serializes");
        let written = retrying(
            |e: &PutError| e.kind.is_transient(),
            || remote::put_bytes(s3, &s.bucket, &record_key, body.clone(), "application/json"),
        )
        .await;
        match written {
            Ok(()) => report.record = Some(record_key),
            Err(e) => {
                printer.error(&e.message);
                report.failed.push(record_key);
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

struct UploadCtx {
    s3: Client,
    settings: UploadSettings,
    files: Vec<LocalFile>,
    specs: Vec<ObjectSpec>,
    digests: HashMap<usize, FileDigest>,
    /// Hex SHA-256 of each spec's stored bytes, for the release record.
    recorded: Vec<Option<String>>,
}

/// What one batch of uploads did.
struct Batch {
    uploaded: usize,
    bytes: u64,
    /// Keys that failed after retries.
    failed: Vec<String>,
    /// A refusal every other object would meet too; the batch stopped at it.
    stopped_by: Option<PutError>,
}

/// Whether a failed PUT says something about the whole run (the credentials, the bucket, its
/// region, a policy), not about one object: trying the other objects would only repeat it.
fn refuses_every_object(kind: AwsErrorKind) -> bool {
    matches!(
        kind,
        AwsErrorKind::AccessDenied
            | AwsErrorKind::BadCredentials
            | AwsErrorKind::ExpiredCredentials
            | AwsErrorKind::NoSuchBucket
            | AwsErrorKind::WrongRegion
    )
}

/// Uploads objects `batch` (indexes into the specs) with bounded concurrency, largest first.
/// A failure of one object is reported and the others go on; a refusal that every object
/// would meet stops the batch (uploads in flight are abandoned).
async fn upload_batch(
    ctx: &Arc<UploadCtx>,
    mut batch: Vec<(usize, Reason)>,
    progress: &Progress,
    printer: Printer,
) -> Batch {
    batch.sort_by_key(|&(i, _)| std::cmp::Reverse(ctx.files[ctx.specs[i].source].size));
    let mut uploads = futures::stream::iter(batch.into_iter().map(|(i, reason)| {
        let ctx = Arc::clone(ctx);
        async move {
            let spec = &ctx.specs[i];
            let key = format!("{}{}", ctx.settings.prefix, spec.rel);
            let file = &ctx.files[spec.source];
            if reason == Reason::SizeMismatch {
                printer.warn(format!(
                    "{key}: the bucket holds it with another size; replacing the broken copy"
                ));
            }
            let put = Put {
                bucket: &ctx.settings.bucket,
                key: &key,
                path: &file.path,
                size: file.size,
                digest: &ctx.digests[&spec.source],
                headers: &spec.headers,
                acl: ctx.settings.acl.as_ref(),
            };
            let result = retrying(
                |e: &PutError| e.kind.is_transient(),
                || remote::put(&ctx.s3, put),
            )
            .await;
            (key, file.size, result)
        }
    }))
    .buffer_unordered(ctx.settings.concurrency);

    let mut out = Batch {
        uploaded: 0,
        bytes: 0,
        failed: Vec::new(),
        stopped_by: None,
    };
    while let Some((key, size, result)) = uploads.next().await {
        match result {
            Ok(()) => {
                out.uploaded += 1;
                out.bytes += size;
                progress.inc(1, size);
            }
            Err(e) if refuses_every_object(e.kind) => {
                out.stopped_by = Some(e);
                break;
            }
            Err(e) => {
                progress.println(printer, &format!("error: {}", e.message));
                out.failed.push(key);
            }
        }
    }
    out.failed.sort();
    out
}

/// Scans `dir`, reads its manifests (checking that every file they name is present) and lists
/// the objects the release needs. Nothing remote is touched.
pub async fn prepare(dir: &Path, layout: &Layout) -> Result<(Vec<LocalFile>, Vec<ObjectSpec>)> {
    let files = {
        let dir = dir.to_path_buf();
        tokio::task::spawn_blocking(move || scan::scan(&dir))
            .await
            .map_err(|e| Error::Internal(format!("scan failed: {e}")))??
    };
    // An accidental video or dump is refused before it is hashed or sent.
    let oversized: Vec<&LocalFile> = files
        .iter()
        .filter(|f| f.size > layout.max_file_size)
        .collect();
    if let Some(first) = oversized.first() {
        let more = match oversized.len() - 1 {
            0 => String::new(),
            n => format!(" (and {n} more over the limit)"),
        };
        return Err(Error::BadInput {
            path: dir.join(&first.rel),
            problem: format!(
                "{} is larger than --max-file-size ({}){more}; remove it from the asset directory or raise the limit",
                human_bytes(first.size),
                human_bytes(layout.max_file_size)
            ),
        });
    }
    if let Some(f) = files
        .iter()
        .find(|f| f.rel.starts_with(record::RESERVED_DIR))
    {
        return Err(Error::BadInput {
            path: dir.join(&f.rel),
            problem: format!(
                "the folder name {} is reserved for release records",
                record::RESERVED_DIR
            ),
        });
    }
    let manifests = read_manifests(dir, &files)?;
    let specs = plan::objects(
        &files,
        &manifests,
        &layout.classifier,
        &SpecSettings {
            compressed: layout.compressed,
            mutable_cache_control: &layout.mutable_cache_control,
        },
    );
    Ok((files, specs))
}

/// Key -> (size, hex SHA-256) from the newest release record under the prefix. Any problem
/// reading it only means more local hashing, so it is a warning, never an error.
async fn previous_hashes(
    s3: &Client,
    s: &UploadSettings,
    remote: &HashMap<String, RemoteObject>,
    printer: Printer,
) -> HashMap<String, (u64, String)> {
    let records_prefix = format!("{}{}", s.prefix, record::RELEASES_DIR);
    let Some(newest) = remote
        .keys()
        .filter(|k| k.starts_with(&records_prefix) && k.ends_with(".json"))
        .max()
    else {
        return HashMap::new();
    };
    let parsed = match remote::get_bytes(s3, &s.bucket, newest).await {
        Ok(bytes) => serde_json::from_slice::<ReleaseRecord>(&bytes).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match parsed {
        Ok(record) => record
            .objects
            .into_iter()
            .map(|o| (o.key, (o.size, o.sha256)))
            .collect(),
        Err(e) => {
            printer.warn(format!(
                "cannot read the release record {newest} ({e}); hashing every file"
            ));
            HashMap::new()
        }
    }
}

/// Reads every manifest in the tree and checks that each file it names is present.
fn read_manifests(dir: &Path, files: &[LocalFile]) -> Result<Vec<Manifest>> {
    let dir_name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let present: BTreeSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    let mut manifests = Vec::new();
    for f in files.iter().filter(|f| manifest::may_be_manifest(&f.rel)) {
        let bytes = std::fs::read(&f.path).map_err(|e| Error::Io {
            path: f.path.clone(),
            source: e,
        })?;
        let parsed =
            manifest::parse(&f.rel, &bytes, &dir_name).map_err(|problem| Error::BadManifest {
                path: dir.join(&f.rel),
                problem,
            })?;
        let Some(m) = parsed else { continue };
        let missing: Vec<String> = m
            .entries
            .keys()
            .filter(|rel| !present.contains(rel.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(Error::MissingFiles {
                manifest: dir.join(&m.rel).display().to_string(),
                dir: dir.to_path_buf(),
                missing,
            });
        }
        manifests.push(m);
    }
    Ok(manifests)
}

/// Turns each `Check` into `Skip` or `Upload(Changed)` by reading the remote object's recorded
/// SHA-256 (or, lacking it, comparing a plain-MD5 ETag with the local MD5).
async fn resolve_checks(
    s3: &Client,
    s: &UploadSettings,
    specs: &[ObjectSpec],
    files: &[LocalFile],
    digests: &HashMap<usize, FileDigest>,
    remote: &HashMap<String, RemoteObject>,
    decisions: &mut [Decision],
) -> Result<()> {
    let checks: Vec<usize> = (0..specs.len())
        .filter(|&i| decisions[i] == Decision::Check)
        .collect();
    let results: Vec<(usize, Result<Decision>)> =
        futures::stream::iter(checks.into_iter().map(|i| async move {
            let key = format!("{}{}", s.prefix, specs[i].rel);
            let local_sha = digests[&specs[i].source].hex();
            let result = async {
                let Some(head) = remote::head(s3, &s.bucket, &key).await? else {
                    return Ok(Decision::Upload(Reason::New));
                };
                if let Some(sha) = head.sha256 {
                    return Ok(if sha == local_sha {
                        Decision::Skip
                    } else {
                        Decision::Upload(Reason::Changed)
                    });
                }
                let etag = head
                    .etag
                    .or_else(|| remote.get(&key).and_then(|r| r.etag.clone()));
                if let Some(md5) = etag.as_deref().and_then(plan::etag_md5) {
                    let path = files[specs[i].source].path.clone();
                    let local = tokio::task::spawn_blocking(move || hash::md5_hex(&path))
                        .await
                        .map_err(|e| Error::Internal(format!("hashing failed: {e}")))??;
                    if local == md5 {
                        return Ok(Decision::Skip);
                    }
                }
                Ok(Decision::Upload(Reason::Changed))
            }
            .await;
            (i, result)
        }))
        .buffer_unordered(s.concurrency)
        .collect()
        .await;
    for (i, result) in results {
        decisions[i] = result?;
    }
    Ok(())
}

/// A one-line summary of `report` for stderr.
pub fn summary(r: &UploadReport) -> String {
    let place = format!("s3://{}/{}", r.bucket, r.prefix);
    if r.dry_run {
        let (n, bytes) = r
            .planned
            .as_ref()
            .map(|p| (p.len(), p.iter().map(|o| o.size).sum::<u64>()))
            .unwrap_or_default();
        return format!(
            "asset-sync: dry run for release {} ({}): would upload {n} of {} objects ({}) to {place}, {} already present; nothing was written",
            r.release,
            r.environment,
            r.objects,
            human_bytes(bytes),
            r.skipped
        );
    }
    let mut line = format!(
        "asset-sync: release {} ({}): uploaded {} of {} objects ({}) to {place}, {} already present, {} failed, in {:.2}s",
        r.release,
        r.environment,
        r.uploaded,
        r.objects,
        human_bytes(r.bytes_uploaded),
        r.skipped,
        r.failed.len(),
        r.seconds
    );
    match &r.record {
        Some(k) => line.push_str(&format!("; recorded {k}")),
        None => line.push_str("; no manifest or release record written"),
    }
    line
}
