//! `aws_s3_bucket_public_access_block`: the bucket's four public-access switches.

use aws_sdk_s3::types::PublicAccessBlockConfiguration;

use super::errors::classify;
use super::handle::Aws;
use super::s3_bucket_setting::{BucketSetting, Setting};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{Attrs, BoxFuture, ProviderError};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct PublicAccessBlock {
    schema: ResourceSchema,
}

const SWITCHES: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

impl PublicAccessBlock {
    pub fn new() -> PublicAccessBlock {
        let mut attributes = vec![
            AttributeSchema::required("bucket", Type::String).force_new(),
            AttributeSchema::computed("id", Type::String),
        ];
        attributes.extend(
            SWITCHES
                .iter()
                .map(|name| AttributeSchema::optional(name, Type::Bool).default(false)),
        );
        PublicAccessBlock {
            schema: ResourceSchema {
                type_name: "aws_s3_bucket_public_access_block",
                description: "Public access settings of a bucket.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }
}

impl Default for PublicAccessBlock {
    fn default() -> Self {
        PublicAccessBlock::new()
    }
}

impl BucketSetting for PublicAccessBlock {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn put<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let attrs = Attrs::new(&self.schema, config);
            let flag = |name| attrs.bool(name).map(|b| b.unwrap_or(false));
            let settings = PublicAccessBlockConfiguration::builder()
                .block_public_acls(flag("block_public_acls")?)
                .block_public_policy(flag("block_public_policy")?)
                .ignore_public_acls(flag("ignore_public_acls")?)
                .restrict_public_buckets(flag("restrict_public_buckets")?)
                .build();
            aws.s3()
                .put_public_access_block()
                .bucket(bucket)
                .public_access_block_configuration(settings)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "s3:PutPublicAccessBlock", bucket))
        })
    }

    fn get<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Setting>, ProviderError>> {
        Box::pin(async move {
            let out = match aws
                .s3()
                .get_public_access_block()
                .bucket(bucket)
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "s3:GetPublicAccessBlock", bucket),
                        None,
                    )
                }
            };
            let Some(c) = out.public_access_block_configuration() else {
                return Ok(None);
            };
            Ok(Some(vec![
                (
                    "block_public_acls",
                    Value::Bool(c.block_public_acls().unwrap_or(false)),
                ),
                (
                    "block_public_policy",
                    Value::Bool(c.block_public_policy().unwrap_or(false)),
                ),
                (
                    "ignore_public_acls",
                    Value::Bool(c.ignore_public_acls().unwrap_or(false)),
                ),
                (
                    "restrict_public_buckets",
                    Value::Bool(c.restrict_public_buckets().unwrap_or(false)),
                ),
            ]))
        })
    }

    fn remove<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            aws.s3()
                .delete_public_access_block()
                .bucket(bucket)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "s3:DeletePublicAccessBlock", bucket))
        })
    }
}
