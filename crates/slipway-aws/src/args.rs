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
    /// Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE>
    /// (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one.
    // No clap `env` here on purpose: a value clap read from AWS_ENDPOINT_URL would reach the
    // SDK as an explicit endpoint and beat AWS_ENDPOINT_URL_S3; the SDK's own lookup keeps
    // the documented precedence (flag, then per-service variable, then global variable).
    #[arg(long, value_name = "URL")]
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
    /// Checks what can be checked without talking to AWS: the flags, and the endpoint
    /// variables the SDK will read from the process environment.
    pub fn validate(&self) -> Result<(), String> {
        self.validate_with(&|name| std::env::var(name).ok())
    }

    /// [`Self::validate`], reading variables through `lookup`.
    pub fn validate_with(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
        if let Some(url) = &self.endpoint_url {
            check_endpoint("--endpoint-url", url)?;
        }
        for name in env::AWS_ENDPOINT_URL_VARIABLES {
            if let Some(url) = lookup(name).filter(|v| !v.is_empty()) {
                check_endpoint(name, &url)?;
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

/// Refuses an endpoint that is not `http(s)://HOST...` or carries credentials, naming
/// `what` (the flag or the variable) and never echoing the credentials.
fn check_endpoint(what: &str, url: &str) -> Result<(), String> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if !ok {
        return Err(format!(
            "invalid {what} {:?}: expected http://HOST[:PORT] or https://HOST[:PORT]",
            without_userinfo(url)
        ));
    }
    if without_userinfo(url) != *url {
        return Err(format!(
            "invalid {what} {:?}: it carries credentials (user:password@), which AWS requests \
             do not use; remove them and use the AWS credential chain",
            without_userinfo(url)
        ));
    }
    Ok(())
}

/// `scheme://user:password@host/...` with the credentials replaced by `<redacted>`, so an
/// endpoint URL can be echoed in a message without printing a secret.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let head = if scheme.is_empty() {
                String::new()
            } else {
                format!("{scheme}://")
            };
            format!("{head}<redacted>{}", &rest[at..])
        }
        None => url.to_owned(),
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
    fn credentials_in_an_endpoint_are_refused_and_never_echoed() {
        for url in [
            "http://user:hunter2secret@127.0.0.1:9000",
            "https://:hunter2secret@s3.example.com/path",
            "ftp://user:hunter2secret@host",
            "user:hunter2secret@host:9000",
        ] {
            let args = AwsArgs {
                endpoint_url: Some(url.into()),
                ..Default::default()
            };
            let err = args.validate().unwrap_err();
            assert!(err.contains("--endpoint-url"), "{err}");
            assert!(!err.contains("hunter2secret"), "{err}");
        }
        assert_eq!(
            without_userinfo("http://u:p@h:1/a@b?c@d"),
            "http://<redacted>@h:1/a@b?c@d"
        );
        assert_eq!(without_userinfo("http://h/a@b"), "http://h/a@b");
    }

    #[test]
    fn endpoint_variables_are_checked_and_named() {
        let args = AwsArgs::default();
        let env = |name: &str| {
            (name == "AWS_ENDPOINT_URL_S3").then(|| "http://k:hunter2secret@10.0.0.1".to_owned())
        };
        let err = args.validate_with(&env).unwrap_err();
        assert!(err.starts_with("invalid AWS_ENDPOINT_URL_S3 "), "{err}");
        assert!(!err.contains("hunter2secret"), "{err}");
        let env = |name: &str| (name == "AWS_ENDPOINT_URL").then(|| "localhost:4566".to_owned());
        let err = args.validate_with(&env).unwrap_err();
        assert!(err.starts_with("invalid AWS_ENDPOINT_URL "), "{err}");
        let env =
            |name: &str| (name == "AWS_ENDPOINT_URL").then(|| "http://127.0.0.1:1".to_owned());
        assert!(args.validate_with(&env).is_ok());
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
