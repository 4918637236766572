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
}

/// Where assets live in S3.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Bucket to upload to [fallback: FOG_DIRECTORY, as asset_sync reads it].
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
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
