//! `aws_s3_bucket_server_side_encryption_configuration`: default encryption of a bucket's new
//! objects (`rule { apply_server_side_encryption_by_default { sse_algorithm, kms_master_key_id }
//! bucket_key_enabled }`).

use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};

use super::errors::classify;
use super::handle::Aws;
use super::s3_bucket_setting::{BucketSetting, Setting};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{Attrs, BoxFuture, ProviderError};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct Encryption {
    schema: ResourceSchema,
}

impl Encryption {
    pub fn new() -> Encryption {
        let by_default = BlockSchema {
            name: "apply_server_side_encryption_by_default",
            nesting: Nesting::Single,
            min_items: 0,
            max_items: Some(1),
            optional_computed: false,
            attributes: vec![
                AttributeSchema::required("sse_algorithm", Type::String),
                AttributeSchema::optional("kms_master_key_id", Type::String),
            ],
            blocks: Vec::new(),
        };
        Encryption {
            schema: ResourceSchema {
                type_name: "aws_s3_bucket_server_side_encryption_configuration",
                description: "Default encryption of a bucket.",
                attributes: vec![
                    AttributeSchema::required("bucket", Type::String).force_new(),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: vec![BlockSchema {
                    name: "rule",
                    nesting: Nesting::Set,
                    min_items: 1,
                    max_items: None,
                    optional_computed: false,
                    attributes: vec![
                        AttributeSchema::optional("bucket_key_enabled", Type::Bool).default(false)
                    ],
                    blocks: vec![by_default],
                }],
            },
        }
    }

    fn rules(&self, config: &Value) -> Result<Vec<ServerSideEncryptionRule>, ProviderError> {
        let rule_schema = self.schema.blocks[0].as_schema();
        let default_schema = self.schema.blocks[0].blocks[0].as_schema();
        let mut rules = Vec::new();
        for rule in Attrs::new(&self.schema, config).blocks("rule") {
            let attrs = Attrs::new(&rule_schema, rule);
            let mut builder = ServerSideEncryptionRule::builder()
                .set_bucket_key_enabled(attrs.bool("bucket_key_enabled")?);
            if let Some(default) = attrs
                .blocks("apply_server_side_encryption_by_default")
                .first()
            {
                let d = Attrs::new(&default_schema, default);
                let algorithm = d
                    .string("sse_algorithm")?
                    .unwrap_or_else(|| "AES256".into());
                if !["AES256", "aws:kms", "aws:kms:dsse"].contains(&algorithm.as_str()) {
                    return Err(ProviderError::validation(
                        "sse_algorithm",
                        format!("must be AES256, aws:kms or aws:kms:dsse, not \"{algorithm}\""),
                    ));
                }
                let by_default = ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::from(algorithm.as_str()))
                    .set_kms_master_key_id(d.string("kms_master_key_id")?)
                    .build()
                    .map_err(|e| ProviderError::other(e.to_string()))?;
                builder = builder.apply_server_side_encryption_by_default(by_default);
            }
            rules.push(builder.build());
        }
        Ok(rules)
    }
}

impl Default for Encryption {
    fn default() -> Self {
        Encryption::new()
    }
}

impl BucketSetting for Encryption {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn check(&self, config: &Value) -> Result<(), ProviderError> {
        match self.rules(config) {
            Err(e @ ProviderError::Validation { .. }) if !e.to_string().contains("not known") => {
                Err(e)
            }
            _ => Ok(()),
        }
    }

    fn put<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let configuration = ServerSideEncryptionConfiguration::builder()
                .set_rules(Some(self.rules(config)?))
                .build()
                .map_err(|e| ProviderError::other(e.to_string()))?;
            aws.s3()
                .put_bucket_encryption()
                .bucket(bucket)
                .server_side_encryption_configuration(configuration)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "s3:PutBucketEncryption", bucket))
        })
    }

    fn get<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Setting>, ProviderError>> {
        Box::pin(async move {
            let out = match aws.s3().get_bucket_encryption().bucket(bucket).send().await {
                Ok(out) => out,
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "s3:GetBucketEncryption", bucket),
                        None,
                    )
                }
            };
            let Some(configuration) = out.server_side_encryption_configuration() else {
                return Ok(None);
            };
            let rules = configuration
                .rules()
                .iter()
                .map(|rule| {
                    let by_default =
                        rule.apply_server_side_encryption_by_default()
                            .map_or(Value::Null, |d| {
                                Value::Object(
                                    [
                                        (
                                            "sse_algorithm".to_owned(),
                                            Value::string(d.sse_algorithm().as_str()),
                                        ),
                                        (
                                            "kms_master_key_id".to_owned(),
                                            d.kms_master_key_id()
                                                .map_or(Value::Null, Value::string),
                                        ),
                                    ]
                                    .into(),
                                )
                            });
                    Value::Object(
                        [
                            (
                                "apply_server_side_encryption_by_default".to_owned(),
                                by_default,
                            ),
                            (
                                "bucket_key_enabled".to_owned(),
                                rule.bucket_key_enabled().map_or(Value::Null, Value::Bool),
                            ),
                        ]
                        .into(),
                    )
                })
                .collect();
            Ok(Some(vec![("rule", Value::Set(rules))]))
        })
    }

    fn remove<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            aws.s3()
                .delete_bucket_encryption()
                .bucket(bucket)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "s3:DeleteBucketEncryption", bucket))
        })
    }
}
