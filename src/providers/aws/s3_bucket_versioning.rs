//! `aws_s3_bucket_versioning`: `versioning_configuration { status = "Enabled" | "Suspended" |
//! "Disabled" }`. Destroying it suspends versioning (S3 cannot turn it off once it was on).

use super::errors::classify;
use super::handle::Aws;
use super::s3_bucket_setting::{BucketSetting, Setting};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{Attrs, BoxFuture, ProviderError};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};

pub struct Versioning {
    schema: ResourceSchema,
}

const STATUSES: [&str; 3] = ["Enabled", "Suspended", "Disabled"];

impl Versioning {
    pub fn new() -> Versioning {
        Versioning {
            schema: ResourceSchema {
                type_name: "aws_s3_bucket_versioning",
                description: "Versioning of a bucket.",
                attributes: vec![
                    AttributeSchema::required("bucket", Type::String).force_new(),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: vec![BlockSchema {
                    name: "versioning_configuration",
                    nesting: Nesting::Single,
                    min_items: 1,
                    max_items: Some(1),
                    optional_computed: false,
                    attributes: vec![AttributeSchema::required("status", Type::String)],
                    blocks: Vec::new(),
                }],
            },
        }
    }

    fn status(&self, config: &Value) -> Result<String, ProviderError> {
        let block = Attrs::new(&self.schema, config).blocks("versioning_configuration");
        let inner = ResourceSchema {
            type_name: "versioning_configuration",
            attributes: self.schema.blocks[0].attributes.clone(),
            blocks: Vec::new(),
            description: "",
        };
        let status = block
            .first()
            .map(|v| Attrs::new(&inner, v).string("status"))
            .transpose()?
            .flatten()
            .unwrap_or_else(|| "Disabled".into());
        if !STATUSES.contains(&status.as_str()) {
            return Err(ProviderError::validation(
                "versioning_configuration.status",
                format!("must be one of {}, not \"{status}\"", STATUSES.join(", ")),
            ));
        }
        Ok(status)
    }
}

impl Default for Versioning {
    fn default() -> Self {
        Versioning::new()
    }
}

impl BucketSetting for Versioning {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn check(&self, config: &Value) -> Result<(), ProviderError> {
        match self.status(config) {
            Err(ProviderError::Validation { message, .. }) if message.contains("not known") => {
                Ok(())
            }
            other => other.map(drop),
        }
    }

    fn put<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let status = match self.status(config)?.as_str() {
                "Enabled" => BucketVersioningStatus::Enabled,
                // "Disabled" on a bucket that was never versioned: nothing to write.
                "Disabled" => return Ok(()),
                _ => BucketVersioningStatus::Suspended,
            };
            aws.s3()
                .put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(VersioningConfiguration::builder().status(status).build())
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "s3:PutBucketVersioning", bucket))
        })
    }

    fn get<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Setting>, ProviderError>> {
        Box::pin(async move {
            let out = match aws.s3().get_bucket_versioning().bucket(bucket).send().await {
                Ok(out) => out,
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "s3:GetBucketVersioning", bucket),
                        None,
                    )
                }
            };
            let status = out.status().map_or("Disabled", |s| s.as_str()).to_owned();
            let block = Value::Object([("status".to_owned(), Value::string(status))].into());
            Ok(Some(vec![("versioning_configuration", block)]))
        })
    }

    fn remove<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let current = aws
                .s3()
                .get_bucket_versioning()
                .bucket(bucket)
                .send()
                .await
                .map_err(|e| classify(aws, e, "s3:GetBucketVersioning", bucket))?;
            if current.status() != Some(&BucketVersioningStatus::Enabled) {
                return Ok(());
            }
            aws.s3()
                .put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(
                    VersioningConfiguration::builder()
                        .status(BucketVersioningStatus::Suspended)
                        .build(),
                )
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "s3:PutBucketVersioning", bucket))
        })
    }
}
