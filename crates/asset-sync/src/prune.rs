//! `asset-sync prune`: delete what no recent release needs, and nothing else.
//!
//! The plan is a pure function of the listing, the release records, the clock and the
//! settings ([`plan`]), property-tested; the executor sends DeleteObjects batches of up to
//! 1000 keys concurrently and deletes expired records last, only if every object went.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use futures::StreamExt;
use serde::Serialize;
use slipway_core::Printer;
use slipway_core::progress::human_bytes;

use crate::cli::Limit;
use crate::error::{Error, Result};
use crate::plan::RemoteObject;
use crate::record;
use crate::releases::{self, Loaded};
use crate::remote;
use crate::report::Report;
use crate::settings::PruneSettings;

/// The rules, as plain numbers.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub keep_releases: u32,
    pub keep_days: u32,
    pub min_age_secs: i64,
    pub force: bool,
}

/// Why a release is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum KeepReason {
    /// Among the newest N of its environment (rank 1 = newest).
    Newest { rank: u32, of: u32 },
    /// Recorded within the last D days.
    Recent { days: u32 },
    /// The record itself was written within --min-age.
    JustWritten,
}

/// A release whose objects are all kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeptRelease {
    pub record: String,
    pub release: String,
    pub environment: String,
    pub created_at: String,
    pub objects: usize,
    pub reasons: Vec<KeepReason>,
}

/// Why an object is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeleteReason {
    /// Only expired releases name it.
    Expired,
    /// No release record names it (uploaded before Slipway, or by hand).
    Unreferenced,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deletion {
    pub key: String,
    pub size: u64,
    pub reason: DeleteReason,
}

/// What prune will do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub kept_releases: Vec<KeptRelease>,
    /// Record keys to delete after every object deletion succeeded.
    pub expired_records: Vec<String>,
    pub delete: Vec<Deletion>,
    /// Objects (not records) kept.
    pub kept_objects: usize,
    /// Objects kept only because they are younger than --min-age.
    pub kept_recent: usize,
    /// Unreferenced objects kept because some environment has fewer than N records.
    pub kept_unreferenced: usize,
    /// Objects under the prefix (records not counted), for the --max-delete share.
    pub total_objects: usize,
}

/// What the records decide, before any object is looked at: which releases are kept, which
/// keys they need, which records expired, and whether objects no record names may go.
#[derive(Clone, Debug)]
pub struct Keep {
    reserved: String,
    prefix: String,
    now: i64,
    min_age_secs: i64,
    pub kept_releases: Vec<KeptRelease>,
    keep: HashSet<String>,
    named_by_expired: HashSet<String>,
    orphans_may_go: bool,
    /// Expired record keys (present in the bucket), sorted.
    pub expired_records: Vec<String>,
}

/// What to do with one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Delete(DeleteReason),
    /// Named by a kept release (or in the reserved folder).
    Keep,
    /// Younger than --min-age.
    KeepRecent,
    /// Named by no record, and some environment has fewer than N records.
    KeepUnreferenced,
    /// Not under the prefix, or in Slipway's reserved folder (records are decided by
    /// [`Keep::expired_records`]; anything else there is kept).
    NotAnObject,
}

impl Keep {
    /// `record_objects` holds at least the record keys (for their ages).
    pub fn new(
        prefix: &str,
        record_objects: &HashMap<String, RemoteObject>,
        records: &[Loaded],
        now: i64,
        rules: Rules,
    ) -> Self {
        let young = |o: &RemoteObject| young(o, now, rules.min_age_secs);
        let mut by_env: BTreeMap<&str, Vec<&Loaded>> = BTreeMap::new();
        for r in records {
            by_env
                .entry(r.record.environment.as_str())
                .or_default()
                .push(r);
        }
        let mut kept_releases = Vec::new();
        let mut keep = HashSet::new();
        let mut named_by_expired = HashSet::new();
        let mut expired_records = Vec::new();
        let recent_cutoff = now - i64::from(rules.keep_days) * 86_400;
        for list in by_env.values_mut() {
            list.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.key.cmp(&a.key)));
            let of = list.len() as u32;
            for (i, r) in list.iter().enumerate() {
                let rank = i as u32 + 1;
                let mut reasons = Vec::new();
                if rank <= rules.keep_releases {
                    reasons.push(KeepReason::Newest { rank, of });
                }
                if r.created >= recent_cutoff {
                    reasons.push(KeepReason::Recent {
                        days: rules.keep_days,
                    });
                }
                if record_objects.get(&r.key).is_some_and(young) {
                    reasons.push(KeepReason::JustWritten);
                }
                let keys = r.record.objects.iter().map(|o| o.key.clone());
                if reasons.is_empty() {
                    named_by_expired.extend(keys);
                    if record_objects.contains_key(&r.key) {
                        expired_records.push(r.key.clone());
                    }
                } else {
                    keep.extend(keys);
                    kept_releases.push(KeptRelease {
                        record: r.key.clone(),
                        release: r.record.release.clone(),
                        environment: r.record.environment.clone(),
                        created_at: r.record.created_at.clone(),
                        objects: r.record.objects.len(),
                        reasons,
                    });
                }
            }
        }
        kept_releases.sort_by(|a, b| {
            a.environment
                .cmp(&b.environment)
                .then_with(|| b.created_at.cmp(&a.created_at))
        });
        expired_records.sort();
        let orphans_may_go = rules.force
            || (!by_env.is_empty()
                && by_env
                    .values()
                    .all(|l| l.len() >= rules.keep_releases as usize));
        Self {
            reserved: format!("{prefix}{}", record::RESERVED_DIR),
            prefix: prefix.to_owned(),
            now,
            min_age_secs: rules.min_age_secs,
            kept_releases,
            keep,
            named_by_expired,
            orphans_may_go,
            expired_records,
        }
    }

    /// The verdict for one listed object.
    pub fn decide(&self, key: &str, obj: &RemoteObject) -> Verdict {
        if !key.starts_with(&self.prefix) || key.starts_with(&self.reserved) {
            Verdict::NotAnObject
        } else if self.keep.contains(key) {
            Verdict::Keep
        } else if young(obj, self.now, self.min_age_secs) {
            Verdict::KeepRecent
        } else if self.named_by_expired.contains(key) {
            Verdict::Delete(DeleteReason::Expired)
        } else if self.orphans_may_go {
            Verdict::Delete(DeleteReason::Unreferenced)
        } else {
            Verdict::KeepUnreferenced
        }
    }
}

/// Modified within `min_age_secs` of `now`, or of unknown age (fail safe).
fn young(o: &RemoteObject, now: i64, min_age_secs: i64) -> bool {
    o.last_modified.is_none_or(|t| t > now - min_age_secs)
}

/// Plans a prune of `prefix` from its `listing` and parsed `records` at time `now`.
///
/// Kept: every key of the newest `keep_releases` records of each environment and of every
/// record younger than `keep_days`; every object modified within `min_age_secs` (or of
/// unknown age); everything under `.slipway/` that is not a release record; the kept records.
/// Deleted: the rest under the prefix, except objects no record names, which wait until
/// every environment has `keep_releases` records (or `force`).
pub fn plan(
    prefix: &str,
    listing: &HashMap<String, RemoteObject>,
    records: &[Loaded],
    now: i64,
    rules: Rules,
) -> Plan {
    let keep = Keep::new(prefix, listing, records, now, rules);
    let mut out = Plan {
        kept_releases: keep.kept_releases.clone(),
        expired_records: keep.expired_records.clone(),
        ..Plan::default()
    };
    let mut keys: Vec<&String> = listing.keys().collect();
    keys.sort();
    for key in keys {
        let obj = &listing[key];
        out.count(key, obj, keep.decide(key, obj));
    }
    out
}

impl Plan {
    /// Adds one object's verdict to the plan.
    fn count(&mut self, key: &str, obj: &RemoteObject, verdict: Verdict) {
        if verdict != Verdict::NotAnObject {
            self.total_objects += 1;
        }
        match verdict {
            Verdict::NotAnObject => {}
            Verdict::Delete(reason) => self.delete.push(Deletion {
                key: key.to_owned(),
                size: obj.size,
                reason,
            }),
            Verdict::Keep => self.kept_objects += 1,
            Verdict::KeepRecent => {
                self.kept_objects += 1;
                self.kept_recent += 1;
            }
            Verdict::KeepUnreferenced => {
                self.kept_objects += 1;
                self.kept_unreferenced += 1;
            }
        }
    }
}

/// A key that could not be deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub key: String,
    pub code: String,
}

/// The result of `asset-sync prune`.
#[derive(Clone, Debug, Serialize)]
pub struct PruneReport {
    pub bucket: String,
    pub prefix: String,
    pub dry_run: bool,
    /// Objects deleted (or, in a dry run, that would be).
    pub deleted: usize,
    pub deleted_bytes: u64,
    /// Expired release records deleted (or that would be).
    pub deleted_records: Vec<String>,
    /// Objects kept.
    pub kept: usize,
    pub kept_releases: Vec<KeptRelease>,
    pub kept_recent: usize,
    pub kept_unreferenced: usize,
    pub failed: Vec<Failure>,
    /// In a dry run: every key that would be deleted, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_delete: Option<Vec<Deletion>>,
    pub seconds: f64,
}

impl Report for PruneReport {
    fn failures(&self) -> usize {
        self.failed.len()
    }

    fn summary(&self) -> String {
        let place = format!("s3://{}/{}", self.bucket, self.prefix);
        let verb = if self.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        let mut line = format!(
            "asset-sync prune: {verb} {} objects ({}) and {} expired release records under {place}; kept {} objects of {} releases",
            self.deleted,
            human_bytes(self.deleted_bytes),
            self.deleted_records.len(),
            self.kept,
            self.kept_releases.len()
        );
        if self.kept_unreferenced > 0 {
            line.push_str(&format!(
                " (and {} objects no record names, until every environment has enough records or --force)",
                self.kept_unreferenced
            ));
        }
        if self.dry_run {
            line.push_str("; nothing was deleted");
        } else {
            line.push_str(&format!(
                "; {} failed, in {:.2}s",
                self.failed.len(),
                self.seconds
            ));
        }
        line
    }

    fn data_lines(&self) -> Vec<String> {
        let Some(would) = &self.would_delete else {
            return Vec::new();
        };
        let mut lines: Vec<String> = self
            .kept_releases
            .iter()
            .map(|k| {
                let why: Vec<String> = k
                    .reasons
                    .iter()
                    .map(|r| match r {
                        KeepReason::Newest { rank, of } => {
                            format!("newest {rank} of {of} in {}", k.environment)
                        }
                        KeepReason::Recent { days } => format!("recorded within {days} days"),
                        KeepReason::JustWritten => "written within --min-age".to_owned(),
                    })
                    .collect();
                format!(
                    "KEEP release {} ({}, {}, {} objects): {}",
                    k.release,
                    k.environment,
                    k.created_at,
                    k.objects,
                    why.join("; ")
                )
            })
            .collect();
        lines.extend(would.iter().map(|d| {
            format!(
                "DELETE s3://{}/{}\treason={}",
                self.bucket,
                d.key,
                match d.reason {
                    DeleteReason::Expired => "expired",
                    DeleteReason::Unreferenced => "unreferenced",
                }
            )
        }));
        lines.extend(
            self.deleted_records
                .iter()
                .map(|k| format!("DELETE s3://{}/{k}\treason=expired-record", self.bucket)),
        );
        lines
    }

    fn errors(&self) -> Vec<String> {
        if self.failed.is_empty() {
            return Vec::new();
        }
        let keys: Vec<String> = self
            .failed
            .iter()
            .map(|f| format!("{} ({})", f.key, f.code))
            .collect();
        vec![format!(
            "{} object(s) could not be deleted; expired records were kept so the next prune retries them: {}",
            keys.len(),
            crate::error::short_list(&keys)
        )]
    }
}

/// Runs a prune.
pub async fn run(s3: &Client, s: &PruneSettings, printer: Printer) -> Result<PruneReport> {
    let started = Instant::now();
    let listing = remote::list(s3, &s.bucket, &s.prefix).await?;
    let record_keys = releases::record_keys(&listing, &s.prefix);
    if record_keys.is_empty() {
        return Err(Error::Refused(format!(
            "no release records under s3://{}/{}{}: nothing can be proven unused, so nothing is deleted (upload with asset-sync first)",
            s.bucket,
            s.prefix,
            record::RELEASES_DIR
        )));
    }
    let records =
        releases::load(s3, &s.bucket, &record_keys, &listing, s.concurrency.max(8)).await?;
    let now = jiff::Timestamp::now().as_second();
    let plan = plan(
        &s.prefix,
        &listing,
        &records,
        now,
        Rules {
            keep_releases: s.keep_releases,
            keep_days: s.keep_days,
            min_age_secs: s.min_age.as_secs() as i64,
            force: s.force,
        },
    );
    guard(&plan, s.max_delete, s.force, &s.bucket, &s.prefix)?;

    let mut report = PruneReport {
        bucket: s.bucket.clone(),
        prefix: s.prefix.clone(),
        dry_run: s.dry_run,
        deleted: 0,
        deleted_bytes: 0,
        deleted_records: Vec::new(),
        kept: plan.kept_objects,
        kept_releases: plan.kept_releases.clone(),
        kept_recent: plan.kept_recent,
        kept_unreferenced: plan.kept_unreferenced,
        failed: Vec::new(),
        would_delete: None,
        seconds: 0.0,
    };
    if s.dry_run {
        report.deleted = plan.delete.len();
        report.deleted_bytes = plan.delete.iter().map(|d| d.size).sum();
        report.deleted_records = plan.expired_records.clone();
        report.would_delete = Some(plan.delete);
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    let sizes: HashMap<&str, u64> = plan
        .delete
        .iter()
        .map(|d| (d.key.as_str(), d.size))
        .collect();
    let keys: Vec<String> = plan.delete.iter().map(|d| d.key.clone()).collect();
    let failed = delete_keys(s3, &s.bucket, &keys, s.concurrency, printer).await;
    let failed_keys: HashSet<&str> = failed.iter().map(|f| f.key.as_str()).collect();
    for k in &keys {
        if !failed_keys.contains(k.as_str()) {
            report.deleted += 1;
            report.deleted_bytes += sizes[k.as_str()];
        }
    }
    report.failed = failed;
    // Expired records go last, and only when everything they named is gone: a record left
    // behind keeps its objects visible to the next prune.
    if report.failed.is_empty() && !plan.expired_records.is_empty() {
        let failed =
            delete_keys(s3, &s.bucket, &plan.expired_records, s.concurrency, printer).await;
        let failed_keys: HashSet<&str> = failed.iter().map(|f| f.key.as_str()).collect();
        report.deleted_records = plan
            .expired_records
            .iter()
            .filter(|k| !failed_keys.contains(k.as_str()))
            .cloned()
            .collect();
        report.failed = failed;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Refuses a deletion larger than the limit allows, unless forced.
fn guard(plan: &Plan, limit: Limit, force: bool, bucket: &str, prefix: &str) -> Result<()> {
    let allowed = limit.allowed(plan.total_objects as u64);
    let n = plan.delete.len() as u64;
    if n > allowed && !force {
        // A share is shown with the count it comes to; a count speaks for itself.
        let limit = match limit {
            Limit::Count(_) => format!("--max-delete {limit}"),
            Limit::Percent(_) => format!("--max-delete {limit} ({allowed} objects)"),
        };
        return Err(Error::Refused(format!(
            "refusing to delete {n} of {} objects under s3://{bucket}/{prefix}: more than {limit} allows; check with --dry-run, then pass --force",
            plan.total_objects
        )));
    }
    Ok(())
}

/// Deletes `keys` in DeleteObjects batches of up to 1000, `concurrency` batches at a time.
async fn delete_keys(
    s3: &Client,
    bucket: &str,
    keys: &[String],
    concurrency: usize,
    printer: Printer,
) -> Vec<Failure> {
    let batches = keys.chunks(1000).map(|chunk| async move {
        let objects: Vec<ObjectIdentifier> = chunk
            .iter()
            .filter_map(|k| ObjectIdentifier::builder().key(k).build().ok())
            .collect();
        let delete = match Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
        {
            Ok(d) => d,
            Err(e) => return batch_failed(chunk, &e.to_string()),
        };
        let sent = crate::retry::retrying(
            |e: &aws_sdk_s3::error::SdkError<_, _>| slipway_aws::classify(e).is_transient(),
            || {
                s3.delete_objects()
                    .bucket(bucket)
                    .delete(delete.clone())
                    .send()
            },
        )
        .await;
        match sent {
            Ok(out) => out
                .errors()
                .iter()
                .map(|e| Failure {
                    key: e.key().unwrap_or_default().to_owned(),
                    code: e.code().unwrap_or("unknown").to_owned(),
                })
                .collect(),
            Err(e) => {
                let message = slipway_aws::describe(&e, &format!("s3://{bucket}"));
                printer.error(format!(
                    "a batch of {} deletions failed: {message}",
                    chunk.len()
                ));
                batch_failed(
                    chunk,
                    &slipway_aws::error::code_of(&e).unwrap_or_else(|| "RequestFailed".into()),
                )
            }
        }
    });
    let mut out: Vec<Failure> = futures::stream::iter(batches)
        .buffer_unordered(concurrency.max(1))
        .flat_map(futures::stream::iter)
        .collect()
        .await;
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

fn batch_failed(chunk: &[String], code: &str) -> Vec<Failure> {
    chunk
        .iter()
        .map(|k| Failure {
            key: k.clone(),
            code: code.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
