//! Flags, env twins, fallbacks and defaults resolved into one typed value before any work.

use std::path::PathBuf;

use aws_sdk_s3::types::ObjectCannedAcl;
use slipway_core::{ProgressMode, env};

use crate::classify::Classifier;
use crate::cli::{CompressedMode, UploadArgs};
use crate::error::{Error, Result};
use crate::record;

/// Everything `upload` needs, checked.
#[derive(Clone, Debug)]
pub struct UploadSettings {
    pub dir: PathBuf,
    pub bucket: String,
    /// Empty, or ending in `/`.
    pub prefix: String,
    pub release: String,
    /// Where the release id came from (flag, env var, git, time).
    pub release_source: String,
    pub environment: String,
    pub concurrency: usize,
    pub compressed: CompressedMode,
    pub mutable_cache_control: String,
    pub classifier: Classifier,
    pub acl: Option<ObjectCannedAcl>,
    pub multipart_threshold: u64,
    pub dry_run: bool,
    pub json: bool,
    pub progress: ProgressMode,
    /// Upload everything without looking at the bucket (asset_sync's
    /// `ASSET_SYNC_EXISTING_REMOTE_FILES=ignore`).
    pub ignore_remote: bool,
}

/// Reads an environment variable (a function so tests can pass any set).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

impl UploadSettings {
    pub fn resolve(args: &UploadArgs, lookup: Lookup<'_>) -> Result<Self> {
        let bucket = non_empty(args.target.bucket.clone())
            .or_else(|| non_empty(lookup(env::FOG_DIRECTORY)))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "no bucket given: pass --bucket or set {} (or FOG_DIRECTORY)",
                    env::ASSET_SYNC_BUCKET
                ))
            })?;
        validate_bucket(&bucket)?;
        let prefix = normalize_prefix(&args.target.prefix)?;

        let (release, release_source) = match non_empty(args.release.clone()) {
            Some(r) => (r, "--release".to_owned()),
            None => match non_empty(lookup(env::CODEBUILD_RESOLVED_SOURCE_VERSION)) {
                Some(r) => (r, env::CODEBUILD_RESOLVED_SOURCE_VERSION.to_owned()),
                None => match git_head() {
                    Some(r) => (r, "git rev-parse HEAD".to_owned()),
                    None => (
                        jiff::Timestamp::now()
                            .strftime("%Y%m%dT%H%M%SZ")
                            .to_string(),
                        "the current time".to_owned(),
                    ),
                },
            },
        };
        if !record::valid_name(&release) {
            return Err(Error::Usage(format!(
                "invalid release id {release:?} (from {release_source}): use 1-128 letters, digits, '.', '_' or '-'"
            )));
        }
        let environment = non_empty(args.environment.clone())
            .or_else(|| non_empty(lookup(env::DEPLOY_ENVIRONMENT)))
            .unwrap_or_else(|| "default".to_owned());
        if !record::valid_name(&environment) {
            return Err(Error::Usage(format!(
                "invalid environment {environment:?}: use 1-128 letters, digits, '.', '_' or '-'"
            )));
        }

        let compressed = match args.compressed {
            Some(mode) => mode,
            None => match lookup("ASSET_SYNC_GZIP_COMPRESSION").as_deref() {
                Some("true" | "1" | "yes") => CompressedMode::Replace,
                _ => CompressedMode::Companion,
            },
        };
        let ignore_remote =
            match non_empty(lookup(env::ASSET_SYNC_EXISTING_REMOTE_FILES)).as_deref() {
                None | Some("keep") | Some("delete") => false,
                Some("ignore") => true,
                Some(other) => {
                    return Err(Error::Usage(format!(
                        "invalid {}={other:?}: expected keep, delete or ignore",
                        env::ASSET_SYNC_EXISTING_REMOTE_FILES
                    )));
                }
            };
        let classifier = Classifier::new(&args.fingerprint_regex).map_err(Error::Usage)?;
        let acl = match &args.acl {
            None => None,
            Some(a) => {
                if !ObjectCannedAcl::values().contains(&a.as_str()) {
                    return Err(Error::Usage(format!(
                        "invalid --acl {a:?}: expected one of {}",
                        ObjectCannedAcl::values().join(", ")
                    )));
                }
                Some(ObjectCannedAcl::from(a.as_str()))
            }
        };
        if args.cache_control_mutable.trim().is_empty()
            || args.cache_control_mutable.contains(['\r', '\n'])
        {
            return Err(Error::Usage(
                "invalid --cache-control-mutable: it must be a non-empty single line".to_owned(),
            ));
        }
        if args.multipart_threshold < 5 << 20 {
            return Err(Error::Usage(format!(
                "invalid --multipart-threshold {}: S3 parts are at least 5 MiB",
                args.multipart_threshold
            )));
        }
        args.aws.validate().map_err(Error::Usage)?;

        Ok(Self {
            dir: args.dir.clone(),
            bucket,
            prefix,
            release,
            release_source,
            environment,
            concurrency: usize::from(args.concurrency),
            compressed,
            mutable_cache_control: args.cache_control_mutable.trim().to_owned(),
            classifier,
            acl,
            multipart_threshold: args.multipart_threshold,
            dry_run: args.dry_run,
            json: args.output.json,
            progress: args.output.progress,
            ignore_remote,
        })
    }
}

fn git_head() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    non_empty(Some(String::from_utf8_lossy(&out.stdout).trim().to_owned()))
}

/// S3's bucket naming rules, checked before any request so a typo is one clear line.
fn validate_bucket(b: &str) -> Result<()> {
    let ok = (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && b.as_bytes()[0].is_ascii_alphanumeric()
        && b.as_bytes()[b.len() - 1].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid bucket name {b:?}: 3-63 lowercase letters, digits, '-' or '.'"
        )))
    }
}

/// `assets` -> `assets/`; `""` stays (bucket root). Refuses what could escape or confuse:
/// a leading `/`, `..` or `.` segments, backslashes, empty segments, control characters, and
/// Slipway's reserved `.slipway/` folder.
pub fn normalize_prefix(p: &str) -> Result<String> {
    if p.is_empty() {
        return Ok(String::new());
    }
    let trimmed = p.strip_suffix('/').unwrap_or(p);
    let bad = p.starts_with('/')
        || p.contains('\\')
        || p.chars().any(char::is_control)
        || trimmed
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == ".." || seg == ".slipway");
    if bad {
        return Err(Error::Usage(format!(
            "invalid --prefix {p:?}: use a relative key prefix such as assets/ (no leading '/', '..', '//', backslash or .slipway)"
        )));
    }
    Ok(format!("{trimmed}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(normalize_prefix("assets").unwrap(), "assets/");
        assert_eq!(normalize_prefix("assets/").unwrap(), "assets/");
        assert_eq!(normalize_prefix("a/b").unwrap(), "a/b/");
        assert_eq!(normalize_prefix("").unwrap(), "");
        for bad in [
            "/assets", "../x", "a//b", "a\\b", "a/../b", "./a", ".slipway", "a\nb",
        ] {
            assert!(normalize_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn buckets() {
        assert!(validate_bucket("my-assets.example").is_ok());
        for bad in ["ab", "My_Bucket", "-x-", "a b c"] {
            assert!(validate_bucket(bad).is_err(), "{bad}");
        }
    }
}
