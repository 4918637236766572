//! AWS errors, classified by the service's error code (never by message text).

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// What kind of failure an AWS call ended in: enough to choose a message, a retry and an
/// exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// `NoSuchBucket`.
    NoSuchBucket,
    /// `NoSuchKey`, `NotFound`, `RepositoryNotFoundException`, `ImageNotFoundException`,
    /// `ClusterNotFoundException`, `ResourceNotFoundException`, or a bare 404.
    NotFound,
    /// `AccessDenied`, `AccessDeniedException`, `AllAccessDisabled`, or a bare 403.
    AccessDenied,
    /// The keys are not valid (`InvalidAccessKeyId`, `SignatureDoesNotMatch`,
    /// `UnrecognizedClientException`, `InvalidClientTokenId`) or none were found.
    BadCredentials,
    /// `ExpiredToken`, `ExpiredTokenException`, `RequestExpired`, `TokenRefreshRequired`.
    ExpiredCredentials,
    /// The bucket lives in another region (`PermanentRedirect`,
    /// `AuthorizationHeaderMalformed`, `IllegalLocationConstraintException`, 301).
    WrongRegion,
    /// Throttling (`SlowDown`, `Throttling`, `ThrottlingException`, `RequestLimitExceeded`,
    /// `TooManyRequestsException`, 429, 503).
    Throttled,
    /// The service failed (`InternalError`, other 5xx).
    ServerError,
    /// The request never got an answer (connection refused or reset, DNS, TLS, truncated).
    Network,
    /// The request timed out.
    Timeout,
    /// Anything else the service rejected (a client error with its own code).
    Rejected,
    /// The request could not be built (a bug or an invalid input the SDK refused).
    Construction,
}

impl AwsErrorKind {
    /// Worth another attempt.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::Throttled | Self::ServerError | Self::Network | Self::Timeout
        )
    }
}

/// Classifies `err` from its error code, falling back to the HTTP status when the response
/// had no body (HEAD requests).
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> AwsErrorKind
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ConstructionFailure(_) => {
            if mentions_credentials(err) {
                AwsErrorKind::BadCredentials
            } else {
                AwsErrorKind::Construction
            }
        }
        SdkError::TimeoutError(_) => AwsErrorKind::Timeout,
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                AwsErrorKind::Timeout
            } else if failure.is_user() && mentions_credentials(err) {
                AwsErrorKind::BadCredentials
            } else {
                AwsErrorKind::Network
            }
        }
        SdkError::ResponseError(_) => AwsErrorKind::Network,
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            from_code(service.err().code(), status)
        }
        _ => AwsErrorKind::Construction,
    }
}

/// Classifies an error code and HTTP status pair.
pub fn from_code(code: Option<&str>, status: u16) -> AwsErrorKind {
    match code {
        Some("NoSuchBucket") => AwsErrorKind::NoSuchBucket,
        Some(
            "NoSuchKey"
            | "NotFound"
            | "RepositoryNotFoundException"
            | "ImageNotFoundException"
            | "ClusterNotFoundException"
            | "ServiceNotFoundException"
            | "ResourceNotFoundException"
            | "NoSuchUpload",
        ) => AwsErrorKind::NotFound,
        Some("AccessDenied" | "AccessDeniedException" | "AllAccessDisabled") => {
            AwsErrorKind::AccessDenied
        }
        Some(
            "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "InvalidSignatureException"
            | "MissingAuthenticationToken",
        ) => AwsErrorKind::BadCredentials,
        Some(
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired",
        ) => AwsErrorKind::ExpiredCredentials,
        Some(
            "PermanentRedirect"
            | "AuthorizationHeaderMalformed"
            | "IllegalLocationConstraintException",
        ) => AwsErrorKind::WrongRegion,
        Some(
            "SlowDown"
            | "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "RequestThrottled"
            | "ProvisionedThroughputExceededException",
        ) => AwsErrorKind::Throttled,
        Some("InternalError" | "ServiceUnavailable" | "ServerException") => {
            AwsErrorKind::ServerError
        }
        _ => match status {
            301 => AwsErrorKind::WrongRegion,
            403 => AwsErrorKind::AccessDenied,
            404 => AwsErrorKind::NotFound,
            429 | 503 => AwsErrorKind::Throttled,
            500..=599 => AwsErrorKind::ServerError,
            _ => AwsErrorKind::Rejected,
        },
    }
}

/// The service error code, if the service sent one.
pub fn code_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    match err {
        SdkError::ServiceError(service) => service.err().code().map(str::to_owned),
        _ => None,
    }
}

/// A one-line description of what went wrong, for `what` (e.g. `bucket "assets"`), naming
/// the code so the user can search for it.
pub fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &SdkError<E, HttpResponse>,
    what: &str,
) -> String {
    let kind = classify(err);
    let code = code_of(err).map(|c| format!(" ({c})")).unwrap_or_default();
    match kind {
        AwsErrorKind::NoSuchBucket => format!("{what}: the bucket does not exist{code}"),
        AwsErrorKind::NotFound => format!("{what}: not found{code}"),
        AwsErrorKind::AccessDenied => {
            format!(
                "{what}: access denied{code}; check the IAM policy (and, for S3, the bucket policy)"
            )
        }
        AwsErrorKind::BadCredentials => format!(
            "{what}: AWS rejected the credentials{code}; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile"
        ),
        AwsErrorKind::ExpiredCredentials => {
            format!("{what}: the AWS credentials have expired{code}; refresh them")
        }
        AwsErrorKind::WrongRegion => {
            format!("{what}: wrong region{code}; pass the bucket's region with --region")
        }
        AwsErrorKind::Throttled => format!("{what}: throttled by AWS{code} after retries"),
        AwsErrorKind::ServerError => format!("{what}: the service failed{code} after retries"),
        AwsErrorKind::Network => format!("{what}: could not reach AWS: {}", chain(err)),
        AwsErrorKind::Timeout => format!("{what}: timed out: {}", chain(err)),
        AwsErrorKind::Rejected => format!("{what}: rejected{code}: {}", chain(err)),
        AwsErrorKind::Construction => format!("{what}: {}", chain(err)),
    }
}

/// The error and its causes on one line.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn mentions_credentials(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(s) = source {
        if s.is::<CredentialsError>() {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_win_over_status() {
        assert_eq!(
            from_code(Some("NoSuchBucket"), 404),
            AwsErrorKind::NoSuchBucket
        );
        assert_eq!(from_code(Some("SlowDown"), 503), AwsErrorKind::Throttled);
        assert_eq!(
            from_code(Some("InvalidAccessKeyId"), 403),
            AwsErrorKind::BadCredentials
        );
        assert_eq!(
            from_code(Some("ExpiredToken"), 400),
            AwsErrorKind::ExpiredCredentials
        );
    }

    #[test]
    fn bare_statuses_are_classified() {
        assert_eq!(from_code(None, 404), AwsErrorKind::NotFound);
        assert_eq!(from_code(None, 403), AwsErrorKind::AccessDenied);
        assert_eq!(from_code(None, 500), AwsErrorKind::ServerError);
        assert_eq!(from_code(None, 503), AwsErrorKind::Throttled);
        assert_eq!(from_code(None, 400), AwsErrorKind::Rejected);
    }

    #[test]
    fn transient_kinds() {
        assert!(AwsErrorKind::Throttled.is_transient());
        assert!(AwsErrorKind::Network.is_transient());
        assert!(!AwsErrorKind::AccessDenied.is_transient());
        assert!(!AwsErrorKind::NoSuchBucket.is_transient());
    }
}
