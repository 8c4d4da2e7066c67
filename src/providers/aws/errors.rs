//! AWS errors as plat's typed provider errors, with messages users understand: which action on
//! which resource was denied, which endpoint could not be reached, which credential sources
//! were tried.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::handle::Aws;
use crate::providers::resource::ProviderError;

/// Error codes that mean the object is not there.
fn is_not_found(code: &str) -> bool {
    code.ends_with(".NotFound")
        || code.ends_with("NotFound")
        || code.ends_with("NotFoundFault")
        || matches!(
            code,
            "NoSuchEntity"
                | "NoSuchBucket"
                | "NoSuchKey"
                | "NotFound"
                | "404"
                | "ResourceNotFoundException"
                | "NoSuchBucketPolicy"
                | "NoSuchPublicAccessBlockConfiguration"
                | "ServerSideEncryptionConfigurationNotFoundError"
                | "RepositoryNotFoundException"
                | "LifecyclePolicyNotFoundException"
        )
}

/// Error codes that mean: slow down, then try again.
pub fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "RequestLimitExceeded"
            | "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "SlowDown"
            | "TooManyRequestsException"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "ProvisionedThroughputExceededException"
            | "PriorRequestNotComplete"
    )
}

fn is_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "Forbidden" | "403"
    )
}

fn is_bad_credentials(code: &str) -> bool {
    matches!(
        code,
        "AuthFailure"
            | "InvalidClientTokenId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidAccessKeyId"
            | "UnrecognizedClientException"
            | "InvalidToken"
    )
}

fn is_conflict(code: &str) -> bool {
    matches!(
        code,
        "DependencyViolation"
            | "DeleteConflict"
            | "EntityAlreadyExists"
            | "BucketAlreadyExists"
            | "BucketAlreadyOwnedByYou"
            | "BucketNotEmpty"
            | "InvalidGroup.Duplicate"
            | "InvalidPermission.Duplicate"
            | "Resource.AlreadyAssociated"
            | "RouteAlreadyExists"
            | "IncorrectState"
            | "InvalidSubnet.Conflict"
            | "InvalidIPAddress.InUse"
            | "ResourceInUseException"
            | "OperationAborted"
            | "FileSystemInUse"
            | "FileSystemAlreadyExists"
            | "MountTargetConflict"
            | "AccessPointAlreadyExists"
            | "IncorrectFileSystemLifeCycleState"
            | "IncorrectMountTargetState"
            | "RepositoryAlreadyExistsException"
            // RDS: a name taken, or an object busy with another change.
            | "DBInstanceAlreadyExists"
            | "DBSubnetGroupAlreadyExists"
            | "DBParameterGroupAlreadyExists"
            | "InvalidDBInstanceState"
            | "InvalidDBSubnetGroupStateFault"
            | "InvalidDBParameterGroupState"
    )
}

/// `Ok(value)` when `error` says the object does not exist (a read finding nothing, a delete
/// of what is already gone), the error otherwise.
pub fn gone_as<T>(error: ProviderError, value: T) -> Result<T, ProviderError> {
    match error {
        ProviderError::NotFound => Ok(value),
        other => Err(other),
    }
}

/// An error of `action` (`ec2:CreateVpc`) on `resource` (an id, a name or an address).
pub fn classify<E>(
    aws: &Aws,
    error: SdkError<E, HttpResponse>,
    action: &str,
    resource: &str,
) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let service = action.split(':').next().unwrap_or(action);
    match &error {
        SdkError::ServiceError(service_error) => {
            let inner = service_error.err();
            let code = inner.code().unwrap_or("");
            let message = inner.message().unwrap_or("").to_owned();
            let detail = if message.is_empty() {
                code.to_owned()
            } else {
                format!("{code}: {message}")
            };
            if code.is_empty() {
                // Not an AWS error document (an emulator's HTML error page, a proxy's reply).
                let status = service_error.raw().status().as_u16();
                let mut cause = source_chain(&error);
                if let Some((cut, _)) = cause.char_indices().nth(300) {
                    cause.truncate(cut);
                    cause.push_str("...");
                }
                return ProviderError::Other(format!(
                    "{action} on {resource}: {} answered HTTP {status} with something that is not an AWS answer (the operation may not be supported there): {cause}",
                    aws.endpoint_for_messages(service)
                ));
            }
            if is_not_found(code) {
                ProviderError::NotFound
            } else if is_throttling(code) {
                ProviderError::Retryable {
                    message: format!("{action} on {resource} was throttled ({detail})"),
                    after: None,
                }
            } else if is_denied(code) {
                ProviderError::Auth(format!(
                    "{action} on {resource} was denied ({detail}); grant the credentials in use that permission"
                ))
            } else if is_bad_credentials(code) {
                ProviderError::Auth(format!(
                    "AWS rejected the credentials for {action} ({detail}); check the access key, session token or profile{}",
                    aws.profile.as_ref().map(|p| format!(" \"{p}\"")).unwrap_or_default()
                ))
            } else if is_conflict(code) {
                ProviderError::Conflict(format!("{action} on {resource}: {detail}"))
            } else if code.starts_with("Invalid")
                || code.starts_with("Malformed")
                || code == "ValidationError"
                || code == "ValidationException"
                || code == "InvalidParameterValue"
                || code == "LimitExceeded"
                || code == "BadRequest"
            {
                ProviderError::Validation {
                    attribute: None,
                    message: format!("{action} on {resource}: {detail}"),
                }
            } else if code.starts_with("Internal")
                || code == "ServiceUnavailable"
                || code == "Unavailable"
                || code == "ServerException"
                || code == "DependencyTimeout"
                || code.starts_with("5")
            {
                ProviderError::Retryable {
                    message: format!(
                        "{action} on {resource}: AWS had an internal error ({detail})"
                    ),
                    after: None,
                }
            } else {
                ProviderError::Other(format!("{action} on {resource}: {detail}"))
            }
        }
        SdkError::DispatchFailure(failure) => {
            let cause = source_chain(&error);
            // Anything but a mistake in the request itself may be a dropped connection or a
            // lost response: whether AWS acted is unknown.
            if !failure.is_user() {
                ProviderError::Retryable {
                    message: format!(
                        "cannot reach {} for {action} on {resource}: {cause}",
                        aws.endpoint_for_messages(service)
                    ),
                    after: None,
                }
            } else {
                ProviderError::Other(format!(
                    "cannot reach {} for {action} on {resource}: {cause}",
                    aws.endpoint_for_messages(service)
                ))
            }
        }
        SdkError::TimeoutError(_) => ProviderError::Retryable {
            message: format!(
                "{action} on {resource} timed out waiting for {}",
                aws.endpoint_for_messages(service)
            ),
            after: None,
        },
        SdkError::ResponseError(_) => ProviderError::Retryable {
            message: format!(
                "{action} on {resource}: the response from {} could not be read: {}",
                aws.endpoint_for_messages(service),
                source_chain(&error)
            ),
            after: None,
        },
        SdkError::ConstructionFailure(_) => {
            let cause = source_chain(&error);
            if cause.contains("credentials") || cause.contains("Credentials") {
                ProviderError::Auth(no_credentials(aws.profile.as_deref(), &cause))
            } else {
                ProviderError::Other(format!("{action} on {resource}: {cause}"))
            }
        }
        _ => {
            let cause = source_chain(&error);
            if cause.contains("credentials") {
                ProviderError::Auth(no_credentials(aws.profile.as_deref(), &cause))
            } else {
                ProviderError::Other(format!("{action} on {resource}: {cause}"))
            }
        }
    }
}

/// Every message in an error's source chain, joined.
pub fn source_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(next) = source {
        let text = next.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = next.source();
    }
    parts.join(": ")
}

pub fn no_credentials(profile: Option<&str>, cause: &str) -> String {
    let profile = profile
        .map(str::to_owned)
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".into());
    format!(
        "no AWS credentials found ({cause}). Tried, in order: the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), \
         the shared files ~/.aws/credentials and ~/.aws/config (profile \"{profile}\", including SSO and credential_process), \
         web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), the container endpoint (AWS_CONTAINER_CREDENTIALS_*) \
         and instance metadata. Set one of them, or run aws sso login for an SSO profile"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_into_kinds() {
        for code in [
            "InvalidVpcID.NotFound",
            "NoSuchEntity",
            "NoSuchBucket",
            "DBInstanceNotFound",
        ] {
            assert!(is_not_found(code), "{code}");
        }
        for code in [
            "RequestLimitExceeded",
            "Throttling",
            "ThrottlingException",
            "SlowDown",
        ] {
            assert!(is_throttling(code), "{code}");
        }
        assert!(is_conflict("DependencyViolation"));
        assert!(is_conflict("FileSystemInUse"));
        assert!(is_not_found("RepositoryNotFoundException"));
        assert!(is_not_found("MountTargetNotFound"));
        for code in [
            "DBSubnetGroupNotFoundFault",
            "DBParameterGroupNotFound",
            "DBInstanceNotFound",
        ] {
            assert!(is_not_found(code), "{code}");
        }
        for code in [
            "DBInstanceAlreadyExists",
            "DBSubnetGroupAlreadyExists",
            "InvalidDBInstanceState",
        ] {
            assert!(is_conflict(code), "{code}");
        }
        assert!(is_denied("UnauthorizedOperation"));
        assert!(is_bad_credentials("AuthFailure"));
        assert!(!is_not_found("DependencyViolation"));
    }
}
