//! What the S3 bucket-setting resources have in common (`aws_s3_bucket_versioning`,
//! `..._server_side_encryption_configuration`, `..._public_access_block`, `aws_s3_bucket_policy`):
//! one setting of one bucket, identified by the bucket's name. `bucket` replaces; the setting
//! updates in place by writing it again (S3's put calls are idempotent, so a lost answer is
//! simply written again); delete puts the bucket back to S3's default.

use super::handle::Aws;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::ResourceSchema;

/// A setting's attributes, as `get` reads them.
pub type Setting = Vec<(&'static str, Value)>;

/// One kind of bucket setting. `get` returns the setting's attributes (without `bucket` and
/// `id`), or `None` when the bucket has S3's default.
pub trait BucketSetting: Send + Sync {
    fn schema(&self) -> &ResourceSchema;

    fn put<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>>;

    fn get<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Setting>, ProviderError>>;

    fn remove<'a>(
        &'a self,
        aws: &'a Aws,
        bucket: &'a str,
    ) -> BoxFuture<'a, Result<(), ProviderError>>;

    /// The planned value of an update: by default the configuration as it is (a setting may
    /// keep the prior's text of a document that means the same).
    fn keep(&self, prior: &Value, proposed: Value) -> Value {
        let _ = prior;
        proposed
    }

    /// Checks the configured setting at plan time.
    fn check(&self, config: &Value) -> Result<(), ProviderError> {
        let _ = config;
        Ok(())
    }
}

/// A [`BucketSetting`] as a resource type.
pub struct BucketScoped<T>(pub T);

impl<T: BucketSetting> BucketScoped<T> {
    async fn read_bucket(
        &self,
        aws: &Aws,
        bucket: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let Some(set) = self.0.get(aws, bucket, current).await? else {
            return Ok(None);
        };
        let mut set = set;
        set.push(("bucket", Value::string(bucket)));
        set.push(("id", Value::string(bucket)));
        Ok(Some(complete(self.0.schema(), &Value::Null, set)))
    }

    fn bucket(&self, value: &Value) -> Result<String, ProviderError> {
        Attrs::new(self.0.schema(), value)
            .string("bucket")?
            .ok_or_else(|| ProviderError::validation("bucket", "is not set"))
    }

    async fn write(&self, ctx: &OpContext, planned: &Value) -> Result<Value, ProviderError> {
        let aws = ctx.provider::<Aws>()?;
        let bucket = self.bucket(planned)?;
        // A bucket made a moment ago may not be visible everywhere yet.
        super::retry::while_not_found(ctx, "waiting for the bucket to be visible", || {
            self.0.put(aws, &bucket, planned)
        })
        .await?;
        super::retry::until_visible(ctx, || self.read_bucket(aws, &bucket, planned)).await
    }
}

impl<T: BucketSetting> ResourceType for BucketScoped<T> {
    fn schema(&self) -> &ResourceSchema {
        self.0.schema()
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        self.0.check(&proposed)?;
        Ok(match prior {
            Some(prior) => {
                let kept =
                    crate::providers::resource::keep_computed(self.0.schema(), prior, &proposed);
                self.0.keep(prior, kept)
            }
            None => proposed,
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(self.write(ctx, planned))
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_bucket(aws, &self.bucket(current)?, current).await
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        _prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(self.write(ctx, planned))
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            match self.0.remove(aws, &self.bucket(current)?).await {
                Ok(()) | Err(ProviderError::NotFound) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }

    /// Imports by bucket name.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_bucket(aws, id, &Value::Null)
                .await?
                .ok_or_else(|| {
                    ProviderError::validation(
                        "id",
                        format!("bucket {id} has no {} set", self.0.schema().type_name),
                    )
                })
        })
    }
}
