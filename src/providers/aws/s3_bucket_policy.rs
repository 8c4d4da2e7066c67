//! `aws_s3_bucket_policy`: the bucket's policy document, compared by meaning.

use super::errors::classify;
use super::handle::Aws;
use super::policy;
use super::s3_bucket_setting::{BucketSetting, Setting};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{Attrs, BoxFuture, ProviderError};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct BucketPolicy {
    schema: ResourceSchema,
}

impl BucketPolicy {
    pub fn new() -> BucketPolicy {
        BucketPolicy {
            schema: ResourceSchema {
                type_name: "aws_s3_bucket_policy",
                description: "The policy of a bucket.",
                attributes: vec![
                    AttributeSchema::required("bucket", Type::String).force_new(),
                    AttributeSchema::required("policy", Type::String)
                        .describe("The policy document (JSON); compared by meaning, not text."),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: Vec::new(),
            },
        }
    }
}

impl Default for BucketPolicy {
    fn default() -> Self {
        BucketPolicy::new()
    }
}

impl BucketSetting for BucketPolicy {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn check(&self, config: &Value) -> Result<(), ProviderError> {
        policy::check_document(&Attrs::new(&self.schema, config), "policy")
    }

    fn keep(&self, prior: &Value, proposed: Value) -> Value {
        policy::keep_prior_text(&self.schema, prior, proposed, "policy")
    }

    fn put<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let document = Attrs::new(&self.schema, config)
                .string("policy")?
                .unwrap_or_default();
            aws.s3()
                .put_bucket_policy()
                .bucket(bucket)
                .policy(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "s3:PutBucketPolicy", bucket))
        })
    }

    fn get<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Setting>, ProviderError>> {
        Box::pin(async move {
            let out = match aws.s3().get_bucket_policy().bucket(bucket).send().await {
                Ok(out) => out,
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "s3:GetBucketPolicy", bucket),
                        None,
                    )
                }
            };
            let read = out.policy().unwrap_or("{}");
            let known = Attrs::new(&self.schema, current)
                .string("policy")
                .ok()
                .flatten();
            Ok(Some(vec![(
                "policy",
                Value::string(policy::keep_known(known.as_deref(), read)),
            )]))
        })
    }

    fn remove<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            aws.s3()
                .delete_bucket_policy()
                .bucket(bucket)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "s3:DeleteBucketPolicy", bucket))
        })
    }
}
