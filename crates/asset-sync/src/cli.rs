//! Command-line interface: flags, their env-var twins, and help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use slipway_aws::AwsArgs;
use slipway_core::{ProgressMode, env};

/// Upload, prune and verify fingerprinted static assets in S3, so that every release that
/// may still be serving finds its files during a rolling update.
#[derive(Debug, Parser)]
#[command(name = "asset-sync", version, after_help = slipway_core::exit::HELP_TABLE)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload a precompiled asset directory and record the release.
    ///
    /// Assets first, then manifests, then the release record, so a failed run never leaves a
    /// manifest or record that points at a missing object. Immutable (fingerprinted) objects
    /// already present are never uploaded again; mutable ones only when their content changed.
    #[command(after_help = slipway_core::exit::HELP_TABLE)]
    Upload(UploadArgs),

    /// Delete what no recent release needs, and nothing else.
    ///
    /// Keeps every key of the newest N release records per environment, of every record from
    /// the last D days, every object modified in the last --min-age, and those records
    /// themselves; deletes the rest under the prefix (never outside it), then the expired
    /// records. Any listing or record-read error deletes nothing.
    #[command(after_help = slipway_core::exit::HELP_TABLE)]
    Prune(PruneArgs),

    /// Check that every object a release needs is in the bucket, intact, with its headers.
    ///
    /// Checks a local asset directory (what `upload` would write) or, with --release, a
    /// recorded release. One listing, then only the reads the check needs.
    #[command(after_help = slipway_core::exit::HELP_TABLE)]
    Verify(VerifyArgs),
}

/// Where assets live in S3.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it].
    #[arg(long, env = env::ASSET_SYNC_BUCKET, value_name = "BUCKET")]
    pub bucket: Option<String>,

    /// Key prefix for every object; `""` for the bucket root.
    #[arg(long, env = env::ASSET_SYNC_PREFIX, default_value = "assets/", value_name = "PREFIX")]
    pub prefix: String,
}

/// How results are shown.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Print one JSON object with the result on stdout.
    #[arg(long, env = env::ASSET_SYNC_JSON, value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub json: bool,

    /// Progress display: a bar on a terminal (auto), always, or never; plain lines every few
    /// seconds in CI.
    #[arg(long, env = env::PROGRESS, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,

    /// Only warnings, errors and the data on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What to do with `.gz` / `.br` files that sit beside the file they compress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompressedMode {
    /// Upload them under their own keys (`app-1a2b.js.gz`) with the inner file's
    /// Content-Type and a Content-Encoding.
    Companion,
    /// Upload the `.gz` (else `.br`) bytes under the original key with a Content-Encoding,
    /// instead of the uncompressed file.
    Replace,
    /// Do not upload them (unless a manifest names them).
    Skip,
}

/// How local files become objects: shared by `upload` and `verify`.
#[derive(Debug, Clone, Args)]
pub struct LayoutArgs {
    /// What to do with `.gz`/`.br` companions [fallback: ASSET_SYNC_GZIP_COMPRESSION=true
    /// means `replace`].
    #[arg(long, env = env::ASSET_SYNC_COMPRESSED, value_enum, value_name = "MODE")]
    pub compressed: Option<CompressedMode>,

    /// Cache-Control for mutable objects (manifests, un-fingerprinted files).
    #[arg(long, env = env::ASSET_SYNC_CACHE_CONTROL_MUTABLE, default_value = "public, max-age=60",
          value_name = "VALUE")]
    pub cache_control_mutable: String,

    /// Regex on the file name that marks a fingerprinted (immutable) file, besides what the
    /// manifests name.
    #[arg(long, env = env::ASSET_SYNC_FINGERPRINT_REGEX, value_name = "REGEX",
          default_value = crate::classify::DEFAULT_FINGERPRINT)]
    pub fingerprint_regex: String,

    /// Refuse the whole directory, before any request, if a file is larger than this (an
    /// accidental video or database dump); the default is S3's single-PUT limit (bytes, or
    /// with KiB/MiB/GiB).
    #[arg(long, env = env::ASSET_SYNC_MAX_FILE_SIZE, default_value = "5GiB", value_name = "SIZE",
          value_parser = parse_size)]
    pub max_file_size: u64,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The precompiled asset directory (`public/assets`, `public/packs`, `public/vite`).
    #[arg(default_value = "public/assets", value_name = "DIR")]
    pub dir: PathBuf,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Release id recorded with the upload [default: CODEBUILD_RESOLVED_SOURCE_VERSION, else
    /// `git rev-parse HEAD`, else the UTC time].
    #[arg(long, env = env::ASSET_SYNC_RELEASE, value_name = "ID")]
    pub release: Option<String>,

    /// Environment or channel the release belongs to; prune keeps releases per environment
    /// [fallback: DEPLOY_ENVIRONMENT; default: `default`].
    #[arg(long, env = env::ASSET_SYNC_ENVIRONMENT, value_name = "NAME")]
    pub environment: Option<String>,

    /// Uploads in flight at once.
    #[arg(long, env = env::ASSET_SYNC_CONCURRENCY, default_value_t = 32, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,

    #[command(flatten)]
    pub layout: LayoutArgs,

    /// Canned ACL to set on each object (none by default: buckets created since 2023 have
    /// ACLs disabled and reject them).
    #[arg(long, env = env::ASSET_SYNC_ACL, value_name = "ACL")]
    pub acl: Option<String>,

    /// Files larger than this are sent as multipart uploads (bytes, or with KiB/MiB/GiB).
    #[arg(long, env = env::ASSET_SYNC_MULTIPART_THRESHOLD, default_value = "16MiB",
          value_name = "SIZE", value_parser = parse_size)]
    pub multipart_threshold: u64,

    /// Read everything, write nothing: print each object that would be written, with its
    /// headers, on stdout.
    #[arg(long, env = env::ASSET_SYNC_DRY_RUN, value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub dry_run: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Keep the newest N releases of each environment (counted per environment, so frequent
    /// staging uploads never push out production's releases).
    #[arg(long, env = env::ASSET_SYNC_KEEP_RELEASES, default_value_t = 3, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_releases: u32,

    /// Keep every release recorded in the last D days, whole.
    #[arg(long, env = env::ASSET_SYNC_KEEP_DAYS, default_value_t = 7, value_name = "D")]
    pub keep_days: u32,

    /// Never delete an object modified more recently than this (an upload may be running):
    /// e.g. 90s, 30m, 1h, 2h30m.
    #[arg(long, env = env::ASSET_SYNC_MIN_AGE, default_value = "1h", value_name = "DURATION",
          value_parser = parse_duration)]
    pub min_age: std::time::Duration,

    /// Refuse to delete more than this many objects, or this share of the objects under the
    /// prefix (e.g. 500 or 50%), unless --force.
    #[arg(long, env = env::ASSET_SYNC_MAX_DELETE, default_value = "50%", value_name = "N|P%",
          value_parser = parse_limit)]
    pub max_delete: Limit,

    /// Delete beyond --max-delete, and delete objects no record names even before every
    /// environment has N records.
    #[arg(long, env = env::ASSET_SYNC_FORCE, value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub force: bool,

    /// DeleteObjects batches (of up to 1000 keys) in flight at once.
    #[arg(long, env = env::ASSET_SYNC_CONCURRENCY, default_value_t = 8, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// Read everything, delete nothing: print every key that would be deleted, and why each
    /// kept release is kept.
    #[arg(long, env = env::ASSET_SYNC_DRY_RUN, value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub dry_run: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The asset directory to check (what `upload` would write) [default: public/assets,
    /// unless --release is given].
    #[arg(value_name = "DIR", conflicts_with = "release")]
    pub dir: Option<PathBuf>,

    /// Check a recorded release instead of a directory (the id given to `upload`; the layout
    /// flags are then unused: the record carries each object's headers).
    #[arg(long, env = env::ASSET_SYNC_VERIFY_RELEASE, value_name = "ID")]
    pub release: Option<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub layout: LayoutArgs,

    /// Also download every object and compare its SHA-256 (catches corruption in storage that
    /// left the recorded checksum in place).
    #[arg(long, env = env::ASSET_SYNC_DEEP, value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub deep: bool,

    /// Requests in flight at once.
    #[arg(long, env = env::ASSET_SYNC_CONCURRENCY, default_value_t = 32, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `--max-delete`: an absolute count or a share of the objects under the prefix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    Count(u64),
    Percent(f64),
}

impl Limit {
    /// The largest number of deletions allowed out of `total` objects.
    pub fn allowed(self, total: u64) -> u64 {
        match self {
            Limit::Count(n) => n,
            Limit::Percent(p) => ((total as f64) * p / 100.0).floor() as u64,
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Count(n) => write!(f, "{n}"),
            Limit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Parses `500` or `50%` (0 to 100).
pub fn parse_limit(s: &str) -> Result<Limit, String> {
    let t = s.trim();
    if let Some(p) = t.strip_suffix('%') {
        let v: f64 = p.trim().parse().map_err(|_| {
            format!("invalid limit {s:?}: expected a count such as 500 or a share such as 50%")
        })?;
        if !(0.0..=100.0).contains(&v) {
            return Err(format!(
                "invalid limit {s:?}: a share is between 0% and 100%"
            ));
        }
        return Ok(Limit::Percent(v));
    }
    t.parse().map(Limit::Count).map_err(|_| {
        format!("invalid limit {s:?}: expected a count such as 500 or a share such as 50%")
    })
}

/// Parses `90s`, `30m`, `1h`, `2h30m`, `1d` (or an ISO 8601 duration such as `PT1H`).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let d: jiff::SignedDuration = s
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {s:?}: expected e.g. 90s, 30m, 1h or 2h30m"))?;
    std::time::Duration::try_from(d)
        .map_err(|_| format!("invalid duration {s:?}: it must not be negative"))
}

/// Parses `1048576`, `512KiB`, `16MiB`, `1GiB` (also KB/MB/GB as powers of 1000).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| {
        format!("invalid size {s:?}: expected a number with an optional unit such as 16MiB")
    })?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "invalid size unit {other:?} in {s:?}: use B, KiB, MiB or GiB"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("5 MiB"), Ok(5 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("2MB"), Ok(2_000_000));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("3 parsecs").is_err());
    }

    #[test]
    fn limits_parse() {
        assert_eq!(parse_limit("50%"), Ok(Limit::Percent(50.0)));
        assert_eq!(parse_limit("500"), Ok(Limit::Count(500)));
        assert!(parse_limit("150%").is_err());
        assert!(parse_limit("lots").is_err());
        assert_eq!(Limit::Percent(50.0).allowed(101), 50);
        assert_eq!(Limit::Count(7).allowed(3), 7);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(
            parse_duration("1h"),
            Ok(std::time::Duration::from_secs(3600))
        );
        assert_eq!(
            parse_duration("2h30m"),
            Ok(std::time::Duration::from_secs(9000))
        );
        assert_eq!(
            parse_duration("90s"),
            Ok(std::time::Duration::from_secs(90))
        );
        assert_eq!(
            parse_duration("PT1H"),
            Ok(std::time::Duration::from_secs(3600))
        );
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1h").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
