//! `provider "aws" { ... }`: its schema, and turning it into an [`Aws`] handle through the
//! standard AWS credential, region and endpoint chain.
//!
//! Credentials come from the SDK's default chain (environment, shared config and credentials
//! files and profiles, SSO, web identity, container and instance metadata), optionally assuming
//! a role. Endpoints come from the block's `endpoints`, else from `AWS_ENDPOINT_URL_<SERVICE>` /
//! `AWS_ENDPOINT_URL`, which the SDK reads itself, so one stack runs against AWS or an emulator.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_types::region::Region;

use super::handle::{Aws, CallLog};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::configured::{Configure, Scope};
use crate::providers::resource::{Attrs, BoxFuture, ProviderError, ProviderHandle};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

/// The services whose endpoint the `endpoints` block can override.
pub const SERVICES: &[&str] = &["ec2", "eks", "rds", "iam", "s3", "efs", "ecr", "sts"];

/// Retries per call when `max_retries` is not set. With the SDK's jittered exponential backoff
/// (capped at 20 s) ten retries ride out about two minutes of throttling or outage; plat's own
/// waits (create-once, dependency drains, status polls) come on top.
const DEFAULT_MAX_RETRIES: u32 = 10;

pub struct AwsConfigure {
    schema: ResourceSchema,
    calls: Arc<CallLog>,
}

impl AwsConfigure {
    pub fn new(calls: Arc<CallLog>) -> AwsConfigure {
        AwsConfigure {
            schema: schema(),
            calls,
        }
    }
}

fn schema() -> ResourceSchema {
    let string = |name| AttributeSchema::optional(name, Type::String);
    ResourceSchema {
        type_name: "aws",
        description: "The AWS provider: region, credentials, endpoints and default tags.",
        attributes: vec![
            string("region")
                .describe("Region (else AWS_REGION, AWS_DEFAULT_REGION or the profile's)."),
            string("profile").describe("Shared config/credentials profile (else AWS_PROFILE)."),
            AttributeSchema::optional("max_retries", Type::Number)
                .describe("Retries of a throttled or failed call before giving up (default 10)."),
        ],
        blocks: vec![
            block(
                "assume_role",
                vec![
                    AttributeSchema::required("role_arn", Type::String),
                    string("session_name"),
                    string("external_id"),
                ],
            ),
            block(
                "assume_role_with_web_identity",
                vec![
                    AttributeSchema::required("role_arn", Type::String),
                    AttributeSchema::required("web_identity_token_file", Type::String),
                    string("session_name"),
                ],
            ),
            block("endpoints", SERVICES.iter().map(|s| string(s)).collect()),
            block(
                "default_tags",
                vec![AttributeSchema::optional(
                    "tags",
                    Type::Map(Box::new(Type::String)),
                )],
            ),
        ],
    }
}

fn block(name: &'static str, attributes: Vec<AttributeSchema>) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::Single,
        min_items: 0,
        max_items: Some(1),
        optional_computed: false,
        attributes,
        blocks: Vec::new(),
    }
}

/// The block's settings, read out of its evaluated value.
#[derive(Debug, Default)]
struct Settings {
    region: Option<String>,
    profile: Option<String>,
    max_retries: Option<usize>,
    assume_role: Option<(String, Option<String>, Option<String>)>,
    web_identity: Option<(String, String, Option<String>)>,
    endpoints: BTreeMap<String, String>,
    default_tags: BTreeMap<String, String>,
}

fn settings(schema: &ResourceSchema, config: &Value) -> Result<Settings, ProviderError> {
    let attrs = Attrs::new(schema, config);
    let nested = |name: &str| -> Option<(&BlockSchema, &Value)> {
        let value = attrs.raw(name).peel();
        (!value.is_null()).then(|| (schema.block(name).expect("declared block"), value))
    };
    let mut out = Settings {
        region: attrs.string("region")?,
        profile: attrs.string("profile")?,
        max_retries: attrs.count("max_retries")?,
        ..Settings::default()
    };

    if let Some((block, value)) = nested("assume_role") {
        let inner = block.as_schema();
        let a = Attrs::new(&inner, value);
        out.assume_role = Some((
            a.string("role_arn")?.unwrap_or_default(),
            a.string("session_name")?,
            a.string("external_id")?,
        ));
    }
    if let Some((block, value)) = nested("assume_role_with_web_identity") {
        let inner = block.as_schema();
        let a = Attrs::new(&inner, value);
        out.web_identity = Some((
            a.string("role_arn")?.unwrap_or_default(),
            a.string("web_identity_token_file")?.unwrap_or_default(),
            a.string("session_name")?,
        ));
    }
    if let Some((block, value)) = nested("endpoints") {
        let inner = block.as_schema();
        let a = Attrs::new(&inner, value);
        for service in SERVICES {
            if let Some(url) = a.string(service)? {
                out.endpoints.insert((*service).to_owned(), url);
            }
        }
    }
    if let Some((block, value)) = nested("default_tags") {
        let inner = block.as_schema();
        out.default_tags = Attrs::new(&inner, value).string_map("tags")?;
    }
    if let Some(region) = &out.region {
        check_region(region)?;
    }
    Ok(out)
}

/// Region names look like `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`.
fn check_region(region: &str) -> Result<(), ProviderError> {
    let parts: Vec<&str> = region.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if well_formed {
        Ok(())
    } else {
        Err(ProviderError::validation(
            "region",
            format!(
                "\"{region}\" is not an AWS region name (they look like us-east-1 or eu-west-2)"
            ),
        ))
    }
}

impl Configure for AwsConfigure {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn configure<'a>(
        &'a self,
        config: &'a Value,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<ProviderHandle, ProviderError>> {
        Box::pin(async move {
            let settings = settings(&self.schema, config)?;
            let attempts = settings
                .max_retries
                .map(|r| r as u32)
                .unwrap_or(DEFAULT_MAX_RETRIES)
                .saturating_add(1);
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .retry_config(RetryConfig::standard().with_max_attempts(attempts));
            if let Some(region) = &settings.region {
                loader = loader.region(Region::new(region.clone()));
            }
            if let Some(profile) = &settings.profile {
                loader = loader.profile_name(profile);
            }
            let base = loader.load().await;
            let region = base
                .region()
                .map(|r| r.to_string())
                .ok_or_else(|| ProviderError::Validation {
                    attribute: Some("region".into()),
                    message: "no region is set: set region in the provider block, or AWS_REGION, or a region in the profile".into(),
                })?;
            check_region(&region)?;
            let mut sdk = base.clone();
            if let Some((role_arn, session_name, external_id)) = &settings.assume_role {
                let mut builder = aws_config::sts::AssumeRoleProvider::builder(role_arn.clone())
                    .session_name(session_name.clone().unwrap_or_else(|| "plat".into()))
                    .configure(&base);
                if let Some(id) = external_id {
                    builder = builder.external_id(id.clone());
                }
                let provider = builder.build().await;
                sdk = base
                    .to_builder()
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                    )
                    .build();
            } else if let Some((role_arn, token_file, session_name)) = &settings.web_identity {
                let provider =
                    aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder()
                        .static_configuration(aws_config::web_identity_token::StaticConfiguration {
                            web_identity_token_file: token_file.into(),
                            role_arn: role_arn.clone(),
                            session_name: session_name.clone().unwrap_or_else(|| "plat".into()),
                        })
                        .configure(
                            &aws_config::provider_config::ProviderConfig::without_region()
                                .with_region(Some(Region::new(region.clone()))),
                        )
                        .build();
                sdk = base
                    .to_builder()
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                    )
                    .build();
            }
            // Resolve credentials now: a missing or broken source is an error at plan time, naming
            // the sources tried, rather than a failure halfway through an apply.
            if let Some(credentials) = sdk.credentials_provider() {
                use aws_credential_types::provider::ProvideCredentials;
                if let Err(e) = credentials.provide_credentials().await {
                    return Err(ProviderError::Auth(super::errors::no_credentials(
                        settings.profile.as_deref(),
                        &super::errors::source_chain(&e),
                    )));
                }
            } else {
                return Err(ProviderError::Auth(super::errors::no_credentials(
                    settings.profile.as_deref(),
                    "no credential provider is configured",
                )));
            }
            let aws = Aws::new(
                sdk,
                region,
                settings.endpoints,
                settings.default_tags,
                settings.profile,
                scope.clone(),
                self.calls.clone(),
            );
            Ok(Arc::new(aws) as ProviderHandle)
        })
    }

    fn stats(&self) -> Vec<String> {
        self.calls.summary()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_checked() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in ["useast1", "us-east", "US-EAST-1", "us-east-x", "moon-1"] {
            let e = check_region(bad).expect_err(bad).to_string();
            assert!(e.contains("is not an AWS region name"), "{e}");
        }
    }
}
