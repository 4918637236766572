//! The S3 calls asset-sync makes: one listing, a HEAD for the few mutable objects whose size
//! did not change, and uploads (single PUT or multipart) that carry their SHA-256.

use std::collections::HashMap;
use std::path::Path;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart, ObjectCannedAcl,
};
use base64::Engine;
use futures::{StreamExt, TryStreamExt};
use slipway_aws::AwsErrorKind;

use crate::error::{Error, Result};
use crate::hash::FileDigest;
use crate::headers::Headers;
use crate::plan::RemoteObject;

/// User metadata holding the hex SHA-256 of the stored bytes, so content can be compared
/// without downloading, whatever the ETag means (SSE-KMS ETags are not MD5s).
pub const SHA256_METADATA: &str = "slipway-sha256";

/// Sub-folder listings in flight at once.
const LIST_FAN_OUT: usize = 16;
/// Beyond this many top-level folders, one request per folder would cost more round trips
/// than a flat listing (a folder of one object still takes a request): list flat instead.
const MAX_FOLDERS_TO_FAN_OUT: usize = 64;

/// Every object under `prefix`: one delimited listing of its top level, then every sub-folder
/// listed in full, concurrently. ListObjectsV2 pages are sequential (each needs the previous
/// page's token), so a 100,000-object prefix listed flat is 100 round trips in a row; split
/// by folder, those round trips overlap (up to 64 folders; more are listed flat). Any page
/// that fails fails the whole listing.
pub async fn list(
    s3: &Client,
    bucket: &str,
    prefix: &str,
) -> Result<HashMap<String, RemoteObject>> {
    let mut out = HashMap::new();
    let mut folders = Vec::new();
    let mut pages = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .delimiter("/")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| Error::aws(&e, &format!("failed to list s3://{bucket}/{prefix}")))?;
        collect_listed(page.contents(), &mut out);
        folders.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
    }
    if folders.len() > MAX_FOLDERS_TO_FAN_OUT {
        folders = vec![prefix.to_owned()];
    }
    let parts: Vec<HashMap<String, RemoteObject>> =
        futures::stream::iter(folders.into_iter().map(|folder| async move {
            let mut part = HashMap::new();
            let mut pages = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(&folder)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| {
                    Error::aws(&e, &format!("failed to list s3://{bucket}/{folder}"))
                })?;
                collect_listed(page.contents(), &mut part);
            }
            Ok::<_, Error>(part)
        }))
        .buffer_unordered(LIST_FAN_OUT)
        .try_collect()
        .await?;
    for part in parts {
        out.extend(part);
    }
    Ok(out)
}

fn collect_listed(contents: &[aws_sdk_s3::types::Object], out: &mut HashMap<String, RemoteObject>) {
    for obj in contents {
        let Some(key) = obj.key() else { continue };
        out.insert(
            key.to_owned(),
            RemoteObject {
                size: obj.size().unwrap_or(0).max(0) as u64,
                etag: obj.e_tag().map(str::to_owned),
                last_modified: obj.last_modified().map(|t| t.secs()),
            },
        );
    }
}

/// What a HEAD tells about an object's content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteDigest {
    /// Our recorded SHA-256 (hex), if the object has it.
    pub sha256: Option<String>,
    pub etag: Option<String>,
}

/// HEADs `key`; `Ok(None)` when it is gone.
pub async fn head(s3: &Client, bucket: &str, key: &str) -> Result<Option<RemoteDigest>> {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(out) => {
            let sha256 = out.metadata().and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(SHA256_METADATA))
                    .map(|(_, v)| v.to_ascii_lowercase())
            });
            Ok(Some(RemoteDigest {
                sha256,
                etag: out.e_tag().map(str::to_owned),
            }))
        }
        Err(e) if slipway_aws::classify(&e) == AwsErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::aws(
            &e,
            &format!("failed to read s3://{bucket}/{key}"),
        )),
    }
}

/// A failed upload attempt, classified so the caller can decide to retry.
#[derive(Debug)]
pub struct PutError {
    pub kind: AwsErrorKind,
    pub message: String,
}

impl PutError {
    fn from_sdk<E>(
        e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
        key: &str,
    ) -> Self
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        Self {
            kind: slipway_aws::classify(e),
            message: slipway_aws::describe(e, key),
        }
    }

    fn io(path: &Path, e: std::io::Error) -> Self {
        Self {
            kind: AwsErrorKind::Construction,
            message: format!("failed to read {}: {e}", path.display()),
        }
    }
}

/// Everything needed to write one object.
#[derive(Clone, Copy, Debug)]
pub struct Put<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub path: &'a Path,
    pub size: u64,
    pub digest: &'a FileDigest,
    pub headers: &'a Headers,
    pub acl: Option<&'a ObjectCannedAcl>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Writes one object: a single PUT, or a multipart upload when the digest has parts.
pub async fn put(s3: &Client, p: Put<'_>) -> std::result::Result<(), PutError> {
    if p.digest.parts.is_empty() {
        let body = tokio::fs::read(p.path)
            .await
            .map_err(|e| PutError::io(p.path, e))?;
        if body.len() as u64 != p.size {
            return Err(PutError {
                kind: AwsErrorKind::Construction,
                message: format!("{} changed while uploading", p.path.display()),
            });
        }
        return single_put(s3, p, ByteStream::from(body)).await;
    }
    put_multipart(s3, p).await
}

/// The largest object a single PUT may carry.
const SINGLE_PUT_LIMIT: u64 = 5 << 30;

/// How many times a multipart upload that vanished under us (aborted by another client) is
/// started again.
const RESTARTS: u32 = 2;

/// Notes whether an attempt at a request failed without the server's answer being heard: the
/// connection dropped, the reply was cut short or unreadable, the server erred. Such an
/// attempt may have acted at the server all the same.
#[derive(Clone, Debug, Default)]
struct UnheardAttempts(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl UnheardAttempts {
    fn any(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Intercept for UnheardAttempts {
    fn name(&self) -> &'static str {
        "UnheardAttempts"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
        // A refusal (4xx) or `503 SlowDown` is an answer: nothing was done.
        let refused = context.response().is_some_and(|r| {
            let status = r.status().as_u16();
            (400..500).contains(&status) || status == 503
        });
        if matches!(context.output_or_error(), Some(Err(_))) && !refused {
            self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
}

/// A multipart upload: started, its parts sent, completed (or aborted on failure).
///
/// An attempt at CreateMultipartUpload whose answer was lost (a dropped connection, a reply
/// cut short) may still have started an upload, whose id never reached us; the SDK's retry
/// then starts another. Nothing would ever complete or abort the first, and S3 bills its
/// parts until a lifecycle rule removes it. So after such an attempt, once this upload is
/// completed or given up, every upload still open for this key is aborted. Another client
/// uploading the same key at that moment (a fingerprinted key: the same bytes) loses its
/// upload; its parts or its completion are then answered `NoSuchUpload`, and it starts
/// again, as this one does ([`RESTARTS`] times at most).
async fn put_multipart(s3: &Client, p: Put<'_>) -> std::result::Result<(), PutError> {
    let unheard = UnheardAttempts::default();
    let mut result = create_and_upload(s3, p, &unheard).await;
    for _ in 0..RESTARTS {
        match &result {
            Err(e) if e.kind == AwsErrorKind::NotFound => {
                result = create_and_upload(s3, p, &unheard).await;
            }
            _ => break,
        }
    }
    if unheard.any() {
        abort_open_uploads(s3, p).await;
    }
    result
}

/// Best effort: aborts every multipart upload open for `p.key` (one page of the listing, a
/// thousand uploads, is more than one key ever has).
async fn abort_open_uploads(s3: &Client, p: Put<'_>) {
    let Ok(listed) = s3
        .list_multipart_uploads()
        .bucket(p.bucket)
        .prefix(p.key)
        .send()
        .await
    else {
        return;
    };
    for upload in listed.uploads() {
        if let (Some(key), Some(id)) = (upload.key(), upload.upload_id())
            && key == p.key
        {
            let _ = s3
                .abort_multipart_upload()
                .bucket(p.bucket)
                .key(key)
                .upload_id(id)
                .send()
                .await;
        }
    }
}

async fn create_and_upload(
    s3: &Client,
    p: Put<'_>,
    unheard: &UnheardAttempts,
) -> std::result::Result<(), PutError> {
    let created = match s3
        .create_multipart_upload()
        .bucket(p.bucket)
        .key(p.key)
        .content_type(&p.headers.content_type)
        .cache_control(&p.headers.cache_control)
        .set_content_encoding(p.headers.content_encoding.clone())
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .metadata(SHA256_METADATA, p.digest.hex())
        .set_acl(p.acl.cloned())
        .customize()
        .interceptor(unheard.clone())
        .send()
        .await
    {
        Ok(created) => created,
        // Some S3-compatible stores answer 200 with a reply the SDK cannot read (rclone serve
        // s3 names the XML root `InitiateMultipartUpload`). Nothing was started, so a single
        // streamed PUT with the whole-file checksum is the correct fallback.
        Err(e)
            if p.size <= SINGLE_PUT_LIMIT
                && e.raw_response().is_some_and(|r| r.status().is_success()) =>
        {
            return put_streamed(s3, p).await;
        }
        Err(e) => return Err(PutError::from_sdk(&e, p.key)),
    };
    let Some(upload_id) = created.upload_id().map(str::to_owned) else {
        return Err(PutError {
            kind: AwsErrorKind::Rejected,
            message: format!("{}: the server returned no multipart upload id", p.key),
        });
    };
    let result = upload_parts(s3, p, &upload_id).await;
    if result.is_err() {
        // Best effort: an abandoned upload only costs storage until a lifecycle rule ends it.
        let _ = s3
            .abort_multipart_upload()
            .bucket(p.bucket)
            .key(p.key)
            .upload_id(&upload_id)
            .send()
            .await;
    }
    result
}

/// One PUT whose body is read from the file as it is sent (and re-read on a retry).
async fn put_streamed(s3: &Client, p: Put<'_>) -> std::result::Result<(), PutError> {
    let body = ByteStream::from_path(p.path)
        .await
        .map_err(|e| PutError::io(p.path, std::io::Error::other(e)))?;
    single_put(s3, p, body).await
}

/// One PutObject of `body` with the object's headers, checksum and recorded SHA-256.
async fn single_put(
    s3: &Client,
    p: Put<'_>,
    body: ByteStream,
) -> std::result::Result<(), PutError> {
    s3.put_object()
        .bucket(p.bucket)
        .key(p.key)
        .body(body)
        .content_length(p.size as i64)
        .content_type(&p.headers.content_type)
        .cache_control(&p.headers.cache_control)
        .set_content_encoding(p.headers.content_encoding.clone())
        .checksum_sha256(b64(&p.digest.sha256))
        .metadata(SHA256_METADATA, p.digest.hex())
        .set_acl(p.acl.cloned())
        .send()
        .await
        .map_err(|e| PutError::from_sdk(&e, p.key))?;
    Ok(())
}

async fn upload_parts(
    s3: &Client,
    p: Put<'_>,
    upload_id: &str,
) -> std::result::Result<(), PutError> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut file = tokio::fs::File::open(p.path)
        .await
        .map_err(|e| PutError::io(p.path, e))?;
    let mut completed = Vec::with_capacity(p.digest.parts.len());
    for (i, part_hash) in p.digest.parts.iter().enumerate() {
        let offset = i as u64 * p.digest.part_size;
        let len = p.digest.part_size.min(p.size - offset) as usize;
        let mut buf = vec![0u8; len];
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| PutError::io(p.path, e))?;
        file.read_exact(&mut buf)
            .await
            .map_err(|e| PutError::io(p.path, e))?;
        let number = i as i32 + 1;
        let out = s3
            .upload_part()
            .bucket(p.bucket)
            .key(p.key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(buf))
            .checksum_sha256(b64(part_hash))
            .send()
            .await
            .map_err(|e| PutError::from_sdk(&e, p.key))?;
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_owned))
                .checksum_sha256(b64(part_hash))
                .build(),
        );
    }
    s3.complete_multipart_upload()
        .bucket(p.bucket)
        .key(p.key)
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .map_err(|e| PutError::from_sdk(&e, p.key))?;
    Ok(())
}

/// Reads a small object (a release record) whole.
pub async fn get_bytes(s3: &Client, bucket: &str, key: &str) -> Result<Vec<u8>> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| Error::aws(&e, &format!("failed to read s3://{bucket}/{key}")))?;
    let body = out.body.collect().await.map_err(|e| Error::Aws {
        kind: AwsErrorKind::Network,
        message: format!("failed to read s3://{bucket}/{key}: {e}"),
    })?;
    Ok(body.into_bytes().to_vec())
}

/// Writes a small in-memory object (the release record).
pub async fn put_bytes(
    s3: &Client,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
) -> std::result::Result<(), PutError> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(&body);
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .cache_control("no-cache")
        .checksum_sha256(b64(&digest))
        .metadata(SHA256_METADATA, hex::encode(digest))
        .body(ByteStream::from(body))
        .send()
        .await
        .map_err(|e| PutError::from_sdk(&e, key))?;
    Ok(())
}

// --- Reads for `verify` -------------------------------------------------------------------

/// What the bucket says about one object: its size, the headers it is served with, and the
/// SHA-256s recorded with it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: u64,
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    pub content_encoding: Option<String>,
    /// Our `slipway-sha256` user metadata (lowercase hex), if the object has it.
    pub sha256_metadata: Option<String>,
    /// The full-object SHA-256 checksum S3 stored at upload (as hex), if any. Composite
    /// (multipart, checksum-of-checksums) values are left out: they are not a SHA-256 of the
    /// bytes.
    pub sha256_checksum: Option<String>,
}

fn sha256_metadata(metadata: Option<&std::collections::HashMap<String, String>>) -> Option<String> {
    metadata.and_then(|m| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(SHA256_METADATA))
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    })
}

/// A full-object `x-amz-checksum-sha256` (base64) as hex; `None` for composite or malformed
/// values.
pub fn checksum_sha256_hex(
    value: Option<&str>,
    kind: Option<&aws_sdk_s3::types::ChecksumType>,
) -> Option<String> {
    if matches!(kind, Some(aws_sdk_s3::types::ChecksumType::Composite)) {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value?.trim())
        .ok()?;
    (bytes.len() == 32).then(|| hex::encode(bytes))
}

/// HEADs `key` asking for its stored checksums too; `Ok(None)` when it is not there.
pub async fn head_info(s3: &Client, bucket: &str, key: &str) -> Result<Option<ObjectInfo>> {
    match s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
    {
        Ok(out) => Ok(Some(ObjectInfo {
            size: out.content_length().unwrap_or(0).max(0) as u64,
            content_type: out.content_type().map(str::to_owned),
            cache_control: out.cache_control().map(str::to_owned),
            content_encoding: out.content_encoding().map(str::to_owned),
            sha256_metadata: sha256_metadata(out.metadata()),
            sha256_checksum: checksum_sha256_hex(out.checksum_sha256(), out.checksum_type()),
        })),
        Err(e) if slipway_aws::classify(&e) == AwsErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::aws(
            &e,
            &format!("failed to read s3://{bucket}/{key}"),
        )),
    }
}

/// GETs `key` and hashes its bytes as they arrive (nothing is buffered whole). Returns the
/// object's headers (from the GET), the hex SHA-256 and the number of bytes read; `Ok(None)`
/// when it is not there.
pub async fn get_sha256(
    s3: &Client,
    bucket: &str,
    key: &str,
) -> Result<Option<(ObjectInfo, String, u64)>> {
    use sha2::Digest;
    let out = match s3.get_object().bucket(bucket).key(key).send().await {
        Ok(out) => out,
        Err(e) if slipway_aws::classify(&e) == AwsErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::aws(
                &e,
                &format!("failed to read s3://{bucket}/{key}"),
            ));
        }
    };
    let info = ObjectInfo {
        size: out.content_length().unwrap_or(0).max(0) as u64,
        content_type: out.content_type().map(str::to_owned),
        cache_control: out.cache_control().map(str::to_owned),
        content_encoding: out.content_encoding().map(str::to_owned),
        sha256_metadata: sha256_metadata(out.metadata()),
        sha256_checksum: checksum_sha256_hex(out.checksum_sha256(), out.checksum_type()),
    };
    let mut body = out.body;
    let mut hasher = sha2::Sha256::new();
    let mut read: u64 = 0;
    loop {
        match body.try_next().await {
            Ok(Some(chunk)) => {
                read += chunk.len() as u64;
                hasher.update(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(Error::Aws {
                    kind: AwsErrorKind::Network,
                    message: format!("failed to read s3://{bucket}/{key}: {e}"),
                });
            }
        }
    }
    Ok(Some((info, hex::encode(hasher.finalize()), read)))
}
