//! The AWS flags every binary takes.

use slipway_core::env;

/// `--region`, `--endpoint-url`, `--path-style`.
#[derive(Clone, Debug, Default, clap::Args)]
#[command(next_help_heading = "AWS")]
pub struct AwsArgs {
    /// AWS region (default: the SDK's chain: AWS_REGION, profile, instance metadata).
    #[arg(long, env = env::AWS_REGION, value_name = "REGION")]
    pub region: Option<String>,

    /// Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint).
    #[arg(long, env = env::AWS_ENDPOINT_URL, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Address S3 buckets in the URL path, as S3-compatible stores need.
    #[arg(
        long,
        env = env::AWS_S3_FORCE_PATH_STYLE,
        value_parser = clap::builder::BoolishValueParser::new(),
        action = clap::ArgAction::SetTrue
    )]
    pub path_style: bool,
}

impl AwsArgs {
    /// Checks what can be checked without talking to AWS.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.endpoint_url {
            let ok = (url.starts_with("http://") || url.starts_with("https://"))
                && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
            if !ok {
                return Err(format!(
                    "invalid --endpoint-url {url:?}: expected http://HOST[:PORT] or https://HOST[:PORT]"
                ));
            }
        }
        if let Some(region) = &self.region {
            let ok = !region.is_empty()
                && region
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(format!(
                    "invalid --region {region:?}: expected a region name such as eu-west-1"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_must_be_http() {
        let args = AwsArgs {
            endpoint_url: Some("localhost:9000".into()),
            ..Default::default()
        };
        assert!(args.validate().unwrap_err().contains("--endpoint-url"));
        let args = AwsArgs {
            endpoint_url: Some("http://127.0.0.1:9000".into()),
            ..Default::default()
        };
        assert!(args.validate().is_ok());
    }

    #[test]
    fn region_is_checked() {
        let args = AwsArgs {
            region: Some("EU West".into()),
            ..Default::default()
        };
        assert!(args.validate().unwrap_err().contains("--region"));
    }
}
