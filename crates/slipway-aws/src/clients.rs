//! Loading the AWS config once and building each service client from it.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::retry::{RetryPartition, TokenBucket};
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};

use crate::AwsArgs;

/// How hard each AWS call tries before it reports an error.
///
/// The SDK's default is 3 attempts with a shared retry quota (token bucket) that a burst of
/// throttling can drain, after which nothing is retried at all. A build step that must not
/// lose a file under S3 `SlowDown` wants more attempts and no quota: the attempts are bounded,
/// and each waits an exponentially growing, jittered delay.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    fn to_config(self) -> RetryConfig {
        RetryConfig::standard()
            .with_max_attempts(self.max_attempts)
            .with_initial_backoff(self.initial_backoff)
            .with_max_backoff(self.max_backoff)
    }
}

/// Loads the standard credential and region chain, with the flags on top.
///
/// `region_fallback` is a binary's own extra source (asset-sync's `FOG_REGION`), used only
/// when neither `--region` nor the SDK chain gives one.
pub async fn load_config(
    args: &AwsArgs,
    region_fallback: Option<String>,
    retry: RetryPolicy,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry.to_config())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .read_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(region) = &args.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &args.endpoint_url {
        loader = loader.endpoint_url(url.clone());
    }
    let config = loader.load().await;
    if config.region().is_none()
        && let Some(region) = region_fallback
    {
        return config.into_builder().region(Region::new(region)).build();
    }
    config
}

/// The service clients, each built once from one `SdkConfig`.
#[derive(Clone, Debug)]
pub struct Clients {
    config: SdkConfig,
    path_style: bool,
}

impl Clients {
    /// `path_style` forces path-style S3 addressing; it is also used, as botocore does,
    /// when the endpoint is an IP address or `localhost` (no DNS name per bucket there).
    pub fn new(config: SdkConfig, path_style: bool) -> Self {
        let path_style =
            path_style || s3_endpoint(&config).is_some_and(|u| host_needs_path_style(&u));
        Self { config, path_style }
    }

    pub fn config(&self) -> &SdkConfig {
        &self.config
    }

    /// The region every client uses, if one was found.
    pub fn region(&self) -> Option<&str> {
        self.config.region().map(|r| r.as_ref())
    }

    /// An S3 client that sends checksums only when we supply them (as plain headers, never
    /// the aws-chunked trailer that S3-compatible stores reject), validates response
    /// checksums only when required, signs uploads with the checksum they carry (see
    /// [`crate::signing`]), and has its own unlimited retry quota.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.path_style)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .retry_partition(
                RetryPartition::custom("slipway-s3")
                    .token_bucket(TokenBucket::unlimited())
                    .build(),
            )
            .interceptor(crate::signing::PrecomputedPayloadHash)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.config)
    }

    pub fn ecr(&self) -> aws_sdk_ecr::Client {
        aws_sdk_ecr::Client::new(&self.config)
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }
}

/// The endpoint the S3 client will use, resolved as the SDK resolves it: `--endpoint-url`,
/// else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (or the profile's `endpoint_url`).
fn s3_endpoint(config: &SdkConfig) -> Option<String> {
    let explicit = config.get_origin("endpoint_url").is_client_config();
    let per_service = || {
        std::env::var("AWS_ENDPOINT_URL_S3")
            .ok()
            .filter(|v| !v.is_empty())
    };
    match explicit {
        true => config.endpoint_url().map(str::to_owned),
        false => per_service().or_else(|| config.endpoint_url().map(str::to_owned)),
    }
}

/// Whether an endpoint's host cannot carry a bucket name as a subdomain.
fn host_needs_path_style(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => return v6.contains(']'),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost" || host.parse::<std::net::Ipv4Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_and_localhost_endpoints_use_path_style() {
        assert!(host_needs_path_style("http://127.0.0.1:9000"));
        assert!(host_needs_path_style("http://localhost:4566/"));
        assert!(host_needs_path_style("http://[::1]:9000"));
        assert!(!host_needs_path_style("https://s3.eu-west-1.amazonaws.com"));
        assert!(!host_needs_path_style("https://minio.internal:9000"));
    }
}
