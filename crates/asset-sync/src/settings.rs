//! Flags, env twins, fallbacks and defaults resolved into one typed value before any work.

use std::path::PathBuf;

use aws_sdk_s3::types::ObjectCannedAcl;
use slipway_core::{ProgressMode, env};

use crate::classify::Classifier;
use crate::cli::{
    CompressedMode, LayoutArgs, Limit, PruneArgs, TargetArgs, UploadArgs, VerifyArgs,
};
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
    pub layout: Layout,
    pub acl: Option<ObjectCannedAcl>,
    pub multipart_threshold: u64,
    pub dry_run: bool,
    pub json: bool,
    pub progress: ProgressMode,
    /// Upload everything without looking at the bucket (asset_sync's
    /// `ASSET_SYNC_EXISTING_REMOTE_FILES=ignore`).
    pub ignore_remote: bool,
}

/// How local files become objects (shared by upload and verify).
#[derive(Clone, Debug)]
pub struct Layout {
    pub compressed: CompressedMode,
    pub mutable_cache_control: String,
    pub classifier: Classifier,
    /// No file may be larger (bytes).
    pub max_file_size: u64,
}

impl Layout {
    pub fn resolve(args: &LayoutArgs, lookup: Lookup<'_>) -> Result<Self> {
        let compressed = match args.compressed {
            Some(mode) => mode,
            None => match lookup("ASSET_SYNC_GZIP_COMPRESSION").as_deref() {
                Some("true" | "1" | "yes") => CompressedMode::Replace,
                _ => CompressedMode::Companion,
            },
        };
        let classifier = Classifier::new(&args.fingerprint_regex).map_err(Error::Usage)?;
        if args.cache_control_mutable.trim().is_empty()
            || args.cache_control_mutable.contains(['\r', '\n'])
        {
            return Err(Error::Usage(
                "invalid --cache-control-mutable: it must be a non-empty single line".to_owned(),
            ));
        }
        Ok(Self {
            compressed,
            mutable_cache_control: args.cache_control_mutable.trim().to_owned(),
            classifier,
            max_file_size: args.max_file_size,
        })
    }
}

/// The bucket (flag, env twin, then asset_sync's FOG_DIRECTORY) and the normalized prefix.
pub fn resolve_target(args: &TargetArgs, lookup: Lookup<'_>) -> Result<(String, String)> {
    let bucket = non_empty(args.bucket.clone())
        .or_else(|| non_empty(lookup(env::FOG_DIRECTORY)))
        .ok_or_else(|| {
            Error::Usage(format!(
                "no bucket given: pass --bucket or set {} (or FOG_DIRECTORY)",
                env::ASSET_SYNC_BUCKET
            ))
        })?;
    validate_bucket(&bucket)?;
    let prefix = normalize_prefix(&args.prefix)?;
    Ok((bucket, prefix))
}

/// Reads an environment variable (a function so tests can pass any set).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

impl UploadSettings {
    pub fn resolve(args: &UploadArgs, lookup: Lookup<'_>) -> Result<Self> {
        let (bucket, prefix) = resolve_target(&args.target, lookup)?;

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
        let layout = Layout::resolve(&args.layout, lookup)?;
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
            layout,
            acl,
            multipart_threshold: args.multipart_threshold,
            dry_run: args.dry_run,
            json: args.output.json,
            progress: args.output.progress,
            ignore_remote,
        })
    }
}

/// Everything `prune` needs, checked.
#[derive(Clone, Debug)]
pub struct PruneSettings {
    pub bucket: String,
    pub prefix: String,
    pub keep_releases: u32,
    pub keep_days: u32,
    pub min_age: std::time::Duration,
    pub max_delete: Limit,
    pub force: bool,
    pub concurrency: usize,
    pub dry_run: bool,
    pub json: bool,
    pub progress: ProgressMode,
}

impl PruneSettings {
    pub fn resolve(args: &PruneArgs, lookup: Lookup<'_>) -> Result<Self> {
        let (bucket, prefix) = resolve_target(&args.target, lookup)?;
        args.aws.validate().map_err(Error::Usage)?;
        Ok(Self {
            bucket,
            prefix,
            keep_releases: args.keep_releases,
            keep_days: args.keep_days,
            min_age: args.min_age,
            max_delete: args.max_delete,
            force: args.force,
            concurrency: usize::from(args.concurrency),
            dry_run: args.dry_run,
            json: args.output.json,
            progress: args.output.progress,
        })
    }
}

/// What `verify` checks.
#[derive(Clone, Debug)]
pub enum VerifySource {
    /// A local asset directory, laid out as `upload` would write it.
    Dir { dir: PathBuf, layout: Layout },
    /// A recorded release, by id.
    Release(String),
}

/// Everything `verify` needs, checked.
#[derive(Clone, Debug)]
pub struct VerifySettings {
    pub bucket: String,
    pub prefix: String,
    pub source: VerifySource,
    pub deep: bool,
    pub concurrency: usize,
    pub json: bool,
    pub progress: ProgressMode,
}

impl VerifySettings {
    pub fn resolve(args: &VerifyArgs, lookup: Lookup<'_>) -> Result<Self> {
        let (bucket, prefix) = resolve_target(&args.target, lookup)?;
        let source = match &args.release {
            Some(id) => {
                if !record::valid_name(id) {
                    return Err(Error::Usage(format!(
                        "invalid --release {id:?}: use 1-128 letters, digits, '.', '_' or '-'"
                    )));
                }
                VerifySource::Release(id.clone())
            }
            None => VerifySource::Dir {
                dir: args
                    .dir
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("public/assets")),
                layout: Layout::resolve(&args.layout, lookup)?,
            },
        };
        args.aws.validate().map_err(Error::Usage)?;
        Ok(Self {
            bucket,
            prefix,
            source,
            deep: args.deep,
            concurrency: usize::from(args.concurrency),
            json: args.output.json,
            progress: args.output.progress,
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
