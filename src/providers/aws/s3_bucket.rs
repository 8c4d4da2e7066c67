//! `aws_s3_bucket`: a bucket. `bucket` and `bucket_prefix` replace it; tags update in place;
//! `force_destroy` (kept in state) lets a delete empty every object version and delete marker
//! first. Bucket names are global, so a create first checks whether the name exists: a bucket
//! carrying this instance's ownership tags is adopted (a create whose answer was lost), any
//! other is an error.
//!
//! S3 has no call that reads the tags of several buckets, so refresh asks once per bucket.

use std::collections::BTreeMap;

use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
};

use super::errors::classify;
use super::handle::{carries_address, Aws};
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsS3Bucket {
    schema: ResourceSchema,
}

/// Bucket names are at most 63 characters; a prefix leaves room for 26 generated ones.
const MAX_PREFIX: usize = 37;

impl AwsS3Bucket {
    pub fn new() -> AwsS3Bucket {
        let mut attributes = vec![
            AttributeSchema::optional_computed("bucket", Type::String).force_new(),
            AttributeSchema::optional("bucket_prefix", Type::String).force_new(),
            AttributeSchema::optional("force_destroy", Type::Bool)
                .default(false)
                .describe("Delete every object (all versions) when the bucket is destroyed."),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("region", Type::String),
            AttributeSchema::computed("bucket_domain_name", Type::String),
            AttributeSchema::computed("bucket_regional_domain_name", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsS3Bucket {
            schema: ResourceSchema {
                type_name: "aws_s3_bucket",
                description: "An S3 bucket.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    async fn exists(&self, aws: &Aws, name: &str) -> Result<bool, ProviderError> {
        match aws.s3().head_bucket().bucket(name).send().await {
            Ok(_) => Ok(true),
            Err(e) => super::errors::gone_as(classify(aws, e, "s3:HeadBucket", name), false),
        }
    }

    async fn tags_of(&self, aws: &Aws, name: &str) -> Result<Vec<(String, String)>, ProviderError> {
        match aws.s3().get_bucket_tagging().bucket(name).send().await {
            Ok(out) => Ok(tags::s3_pairs(out.tag_set())),
            Err(e) => {
                let code = aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&e)
                    .unwrap_or("")
                    .to_owned();
                if code == "NoSuchTagSet" {
                    return Ok(Vec::new());
                }
                Err(classify(aws, e, "s3:GetBucketTagging", name))
            }
        }
    }

    async fn read_name(
        &self,
        aws: &Aws,
        name: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        if !self.exists(aws, name).await? {
            return Ok(None);
        }
        let carried = self.tags_of(aws, name).await?;
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, carried, &stored);
        let partition = super::data_partition::partition_of(&aws.region);
        Ok(Some(complete(
            &self.schema,
            &Value::Null,
            [
                ("bucket", Value::string(name)),
                ("bucket_prefix", stored.raw("bucket_prefix").clone()),
                (
                    "force_destroy",
                    Value::Bool(stored.bool("force_destroy").ok().flatten().unwrap_or(false)),
                ),
                ("id", Value::string(name)),
                (
                    "arn",
                    Value::string(format!("arn:{}:s3:::{name}", partition.name)),
                ),
                ("region", Value::string(aws.region.clone())),
                (
                    "bucket_domain_name",
                    Value::string(format!("{name}.s3.{}", partition.dns_suffix)),
                ),
                (
                    "bucket_regional_domain_name",
                    Value::string(format!("{name}.s3.{}.{}", aws.region, partition.dns_suffix)),
                ),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        )))
    }

    async fn put_tags(
        &self,
        aws: &Aws,
        name: &str,
        all: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let tagging = tags::s3_tagging(all)?;
        aws.s3()
            .put_bucket_tagging()
            .bucket(name)
            .tagging(tagging)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(aws, e, "s3:PutBucketTagging", name))
    }

    /// Deletes every object version and delete marker, a thousand at a time.
    async fn empty(&self, ctx: &OpContext, aws: &Aws, name: &str) -> Result<usize, ProviderError> {
        let mut deleted = 0;
        loop {
            let listing = aws
                .s3()
                .list_object_versions()
                .bucket(name)
                .send()
                .await
                .map_err(|e| classify(aws, e, "s3:ListObjectVersions", name))?;
            let mut objects: Vec<ObjectIdentifier> = Vec::new();
            for version in listing.versions() {
                if let Some(key) = version.key() {
                    objects.extend(
                        ObjectIdentifier::builder()
                            .key(key)
                            .set_version_id(version.version_id().map(str::to_owned))
                            .build()
                            .ok(),
                    );
                }
            }
            for marker in listing.delete_markers() {
                if let Some(key) = marker.key() {
                    objects.extend(
                        ObjectIdentifier::builder()
                            .key(key)
                            .set_version_id(marker.version_id().map(str::to_owned))
                            .build()
                            .ok(),
                    );
                }
            }
            if objects.is_empty() {
                return Ok(deleted);
            }
            for chunk in objects.chunks(1000) {
                ctx.check("emptying the bucket")?;
                let delete = Delete::builder()
                    .set_objects(Some(chunk.to_vec()))
                    .quiet(true)
                    .build()
                    .map_err(|e| ProviderError::other(format!("building the delete: {e}")))?;
                aws.s3()
                    .delete_objects()
                    .bucket(name)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "s3:DeleteObjects", name))?;
                deleted += chunk.len();
                ctx.report(format!(
                    "Emptying the bucket... [{deleted} object versions deleted]"
                ));
            }
        }
    }
}

impl Default for AwsS3Bucket {
    fn default() -> Self {
        AwsS3Bucket::new()
    }
}

fn name_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("bucket")?
        .ok_or_else(|| ProviderError::other("the bucket has no name in state"))
}

/// Bucket name rules that S3 enforces (and emulators may not).
fn check_name(name: &str) -> Result<(), ProviderError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let ends_ok = name
        .chars()
        .next()
        .zip(name.chars().last())
        .is_some_and(|(a, b)| a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric());
    if (3..=63).contains(&name.len()) && ok_chars && ends_ok && !name.contains("..") {
        Ok(())
    } else {
        Err(ProviderError::validation(
            "bucket",
            format!("\"{name}\" is not a valid bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"),
        ))
    }
}

impl ResourceType for AwsS3Bucket {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        self.plan_configured(None, prior, proposed)
    }

    fn plan_configured(
        &self,
        provider: Option<&crate::providers::resource::ProviderHandle>,
        prior: Option<&Value>,
        proposed: Value,
    ) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        if let Ok(Some(name)) = attrs.string("bucket") {
            check_name(&name)?;
        }
        if let Ok(Some(prefix)) = attrs.string("bucket_prefix") {
            if prefix.len() > MAX_PREFIX {
                return Err(ProviderError::validation(
                    "bucket_prefix",
                    format!(
                        "is {} characters; at most {MAX_PREFIX} leave room for the generated part",
                        prefix.len()
                    ),
                ));
            }
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => complete(
                &self.schema,
                &proposed,
                [("id", unknown(&self.schema, "id"))],
            ),
        };
        Ok(complete(&self.schema, &planned, [("tags_all", tags_all)]))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let attrs = Attrs::new(&self.schema, planned);
            let name = super::names::for_create(ctx, &attrs, "bucket", "bucket_prefix")?;
            check_name(&name)?;
            let address = ctx.address.as_deref();
            let all = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let ours = |carried: &[(String, String)]| {
                carries_address(
                    carried.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    address,
                )
            };
            if self.exists(aws, &name).await? {
                if !ours(&self.tags_of(aws, &name).await?) {
                    return Err(ProviderError::Conflict(format!(
                        "a bucket named {name} already exists and this stack did not create it: import it with plat import, or choose another name"
                    )));
                }
            } else {
                let mut request = aws.s3().create_bucket().bucket(&name);
                if aws.region != "us-east-1" {
                    request = request.create_bucket_configuration(
                        CreateBucketConfiguration::builder()
                            .location_constraint(BucketLocationConstraint::from(
                                aws.region.as_str(),
                            ))
                            .build(),
                    );
                }
                match request.send().await {
                    Ok(_) => {}
                    Err(e) => match classify(aws, e, "s3:CreateBucket", &name) {
                        // Ours already (a retry after a lost answer); tags decide below.
                        ProviderError::Conflict(message)
                            if message.contains("BucketAlreadyOwnedByYou") => {}
                        other => return Err(other),
                    },
                }
            }
            self.put_tags(aws, &name, &all).await?;
            retry::until_visible(ctx, || self.read_name(aws, &name, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_name(aws, &name_of(&self.schema, current)?, current)
                .await
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let name = name_of(&self.schema, prior)?;
            let address = ctx.address.as_deref();
            let had = tags::carried(aws, &self.schema, prior, address)?;
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            if had != wanted {
                self.put_tags(aws, &name, &wanted).await?;
            }
            self.read_name(aws, &name, planned)
                .await?
                .ok_or(ProviderError::NotFound)
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let name = name_of(&self.schema, current)?;
            if !self.exists(aws, &name).await? {
                return Ok(());
            }
            if Attrs::new(&self.schema, current)
                .bool("force_destroy")?
                .unwrap_or(false)
            {
                self.empty(ctx, aws, &name).await?;
            }
            match aws.s3().delete_bucket().bucket(&name).send().await {
                Ok(_) => Ok(()),
                Err(e) => match classify(aws, e, "s3:DeleteBucket", &name) {
                    ProviderError::NotFound => Ok(()),
                    ProviderError::Conflict(message) if message.contains("BucketNotEmpty") => {
                        Err(ProviderError::Conflict(format!(
                            "{message}; the bucket still holds objects: set force_destroy = true and apply, then destroy again (that deletes every object version), or empty it yourself"
                        )))
                    }
                    other => Err(other),
                },
            }
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_name(aws, id, &Value::Null)
                .await?
                .ok_or_else(|| ProviderError::validation("id", format!("no bucket named {id}")))
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        super::names::owned_identity(
            ctx,
            &Attrs::new(&self.schema, planned),
            "bucket",
            "bucket_prefix",
        )
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((name, address)) = super::names::name_and_address(identity) else {
                return Ok(None);
            };
            if !self.exists(aws, name).await? {
                return Ok(None);
            }
            let carried = self.tags_of(aws, name).await?;
            let pairs = carried.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            if !carries_address(pairs, Some(address)) {
                return Ok(None);
            }
            let stored = super::names::stored(&self.schema, identity, "bucket_prefix");
            self.read_name(aws, name, &stored).await
        })
    }
}
