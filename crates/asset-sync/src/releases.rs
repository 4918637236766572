//! Reading the release records under a prefix (for `prune` and `verify --release`).
//!
//! Fail closed: a record that cannot be read or parsed is an error, never skipped, because a
//! skipped record could let `prune` delete the files of a release that is still serving.

use std::collections::HashMap;

use aws_sdk_s3::Client;
use futures::StreamExt;

use crate::error::{Error, Result};
use crate::plan::RemoteObject;
use crate::record::{self, ReleaseRecord};
use crate::remote;

/// A record and where it lives.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub key: String,
    pub size: u64,
    pub record: ReleaseRecord,
    /// Seconds since the Unix epoch, from `created_at`.
    pub created: i64,
}

/// The keys of every release record in a listing of `prefix`, oldest first.
pub fn record_keys(listing: &HashMap<String, RemoteObject>, prefix: &str) -> Vec<String> {
    let dir = format!("{prefix}{}", record::RELEASES_DIR);
    let mut keys: Vec<String> = listing
        .keys()
        .filter(|k| k.starts_with(&dir) && k.ends_with(".json") && !k[dir.len()..].contains('/'))
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// Reads and parses the records at `keys`, `concurrency` at a time; the first failure is the
/// result.
pub async fn load(
    s3: &Client,
    bucket: &str,
    keys: &[String],
    listing: &HashMap<String, RemoteObject>,
    concurrency: usize,
) -> Result<Vec<Loaded>> {
    let results: Vec<Result<Loaded>> = futures::stream::iter(keys.iter().map(|key| async move {
        let bytes = remote::get_bytes(s3, bucket, key).await?;
        parse(bucket, key, &bytes, listing.get(key).map_or(0, |r| r.size))
    }))
    .buffered(concurrency.max(1))
    .collect()
    .await;
    results.into_iter().collect()
}

/// Parses one record, checking what prune relies on.
pub fn parse(bucket: &str, key: &str, bytes: &[u8], size: u64) -> Result<Loaded> {
    let bad = |problem: String| Error::BadRecord {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        problem,
    };
    let record: ReleaseRecord =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not a release record: {e}")))?;
    if record.format != record::FORMAT {
        return Err(bad(format!(
            "unknown format {:?} (this asset-sync reads {:?}); upgrade asset-sync",
            record.format,
            record::FORMAT
        )));
    }
    let created = record
        .created_at
        .parse::<jiff::Timestamp>()
        .map_err(|e| bad(format!("invalid created_at {:?}: {e}", record.created_at)))?
        .as_second();
    Ok(Loaded {
        key: key.to_owned(),
        size,
        record,
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(keys: &[&str]) -> HashMap<String, RemoteObject> {
        keys.iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    RemoteObject {
                        size: 1,
                        etag: None,
                        last_modified: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn record_keys_are_only_records() {
        let l = listing(&[
            "assets/.slipway/releases/20260101T000000Z-a.json",
            "assets/.slipway/releases/20250101T000000Z-b.json",
            "assets/.slipway/releases/nested/x.json",
            "assets/.slipway/other.json",
            "assets/app.js",
        ]);
        assert_eq!(
            record_keys(&l, "assets/"),
            vec![
                "assets/.slipway/releases/20250101T000000Z-b.json",
                "assets/.slipway/releases/20260101T000000Z-a.json"
            ]
        );
    }

    #[test]
    fn bad_records_are_errors_naming_the_key() {
        let err = parse("b", "k.json", b"{}", 2).unwrap_err().to_string();
        assert!(
            err.starts_with("failed to read release record s3://b/k.json: not a release record"),
            "{err}"
        );
        let wrong_format = br#"{"format":"slipway-release/9","release":"r","environment":"e","created_at":"2026-01-01T00:00:00Z","prefix":"","tool":"t","objects":[]}"#;
        let err = parse("b", "k.json", wrong_format, 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown format"), "{err}");
    }
}
