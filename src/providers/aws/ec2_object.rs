//! What the EC2 resource types share, written once: objects with an id, described in batches,
//! carrying ownership tags, created once (a create whose answer was lost, or whose name is
//! taken by an object this instance made, is found by its ownership tags), `tags` updated in
//! place, deletes that count "already gone" as done, import by id and crash adoption by tags.
//!
//! A type implements [`Ec2Object`] (its describe call, its value, its create, update and delete
//! calls) and is registered as [`Ec2<T>`].

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;

use super::batch::id_of;
use super::handle::{owned_identity, Aws};
use super::{retry, tags};
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::ResourceSchema;

pub trait Ec2Object: Send + Sync {
    /// The SDK's description of one object.
    type Described: Send + Sync;

    fn schema(&self) -> &ResourceSchema;

    /// What the object is called in messages ("VPC", "subnet").
    fn kind(&self) -> &'static str;

    /// Objects by id (one call per page), or by filters when `ids` is empty; objects that do
    /// not exist are absent.
    fn describe<'a>(
        &'a self,
        aws: &'a Aws,
        ids: &'a [String],
        filters: Vec<Filter>,
    ) -> BoxFuture<'a, Result<BTreeMap<String, Self::Described>, ProviderError>>;

    /// The value of a described object, with what state held for it; `None` when the object
    /// is as good as gone (a deleted NAT gateway still listed). What the value needs from other
    /// calls belongs in `describe`, made once per batch.
    fn value(&self, aws: &Aws, object: &Self::Described, current: &Value) -> Option<Value>;

    /// The type's own plan rules (checks, canonical shapes), before `tags_all` and `id`;
    /// `prior` is the object's refreshed value on update, `None` on create.
    fn refine(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let _ = prior;
        Ok(proposed)
    }

    /// One create call, with the SDK's retries off ([`no_sdk_retries`]) and every tag,
    /// ownership included, in its tag specification; returns the new id.
    fn create_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<String, ProviderError>>;

    /// What follows the create: waits, settings made by other calls, rules.
    fn after_create<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        let _ = (ctx, aws, id, planned);
        Box::pin(async { Ok(()) })
    }

    /// In-place changes other than tags.
    fn update_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        let _ = (ctx, aws, id, prior, planned);
        Box::pin(async { Ok(()) })
    }

    /// Deletes the object, waiting as it must.
    fn delete_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>>;
}

/// An [`Ec2Object`] as a resource type.
pub struct Ec2<T>(pub T);

impl<T: Ec2Object> Ec2<T> {
    /// Reads objects by id with one describe; `None` for those that are gone.
    async fn read_ids(
        &self,
        aws: &Aws,
        ids: &[String],
        currents: &[&Value],
    ) -> Result<Vec<Option<Value>>, ProviderError> {
        let found = self.0.describe(aws, ids, Vec::new()).await?;
        Ok(ids
            .iter()
            .zip(currents)
            .map(|(id, current)| {
                found
                    .get(id)
                    .and_then(|object| self.0.value(aws, object, current))
            })
            .collect())
    }

    async fn read_one(
        &self,
        aws: &Aws,
        id: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .read_ids(aws, &[id.to_owned()], &[current])
            .await?
            .pop()
            .flatten())
    }

    /// The live object this instance created, found by its ownership tags: `(id, value)`.
    async fn owned(
        &self,
        aws: &Aws,
        address: &str,
    ) -> Result<Option<(String, Value)>, ProviderError> {
        let found = self
            .0
            .describe(aws, &[], tags::ec2_ownership_filters(aws, address))
            .await?;
        Ok(found
            .iter()
            .find_map(|(id, object)| Some((id.clone(), self.0.value(aws, object, &Value::Null)?))))
    }
}

impl<T: Ec2Object> ResourceType for Ec2<T> {
    fn schema(&self) -> &ResourceSchema {
        self.0.schema()
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        self.plan_configured(None, prior, proposed)
    }

    fn plan_configured(
        &self,
        provider: Option<&ProviderHandle>,
        prior: Option<&Value>,
        proposed: Value,
    ) -> Result<Value, ProviderError> {
        let schema = self.0.schema();
        let tags_all = tags::plan_tags_all(tags::defaults(provider), schema, prior, &proposed);
        let proposed = self.0.refine(prior, proposed)?;
        let planned = match prior {
            Some(prior) => keep_computed(schema, prior, &proposed),
            None => complete(schema, &proposed, [("id", unknown(schema, "id"))]),
        };
        Ok(complete(schema, &planned, [("tags_all", tags_all)]))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let owned = || async {
                match ctx.address.as_deref() {
                    Some(address) => Ok(self.owned(aws, address).await?.map(|(id, _)| id)),
                    None => Ok(None),
                }
            };
            let created =
                retry::create_once(ctx, || self.0.create_call(ctx, aws, planned), owned).await;
            let id = match created {
                // The name is taken: by this instance's own object (a create whose answer was
                // lost), or by one this stack did not make.
                Err(ProviderError::Conflict(message)) => owned().await?.ok_or_else(|| {
                    ProviderError::Conflict(format!(
                        "{message}; that {} exists and this stack did not create it: import it with plat import, or choose another name",
                        self.0.kind()
                    ))
                })?,
                other => other?,
            };
            if let Err(cause) = self.0.after_create(ctx, aws, &id, planned).await {
                // It exists but is not ready: say what exists, so that state keeps it.
                return Err(ProviderError::incomplete(
                    self.read_one(aws, &id, planned).await,
                    || {
                        complete(
                            self.0.schema(),
                            planned,
                            [("id", Value::string(id.clone()))],
                        )
                    },
                    cause,
                ));
            }
            retry::until_visible(ctx, || self.read_one(aws, &id, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_one(aws, &id_of(self.0.schema(), current)?, current)
                .await
        })
    }

    fn reads_in_batches(&self) -> bool {
        true
    }

    fn read_many<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a [Value],
    ) -> BoxFuture<'a, Vec<Result<Option<Value>, ProviderError>>> {
        Box::pin(async move {
            let read = async {
                let aws = ctx.provider::<Aws>()?;
                let ids = current
                    .iter()
                    .map(|v| id_of(self.0.schema(), v))
                    .collect::<Result<Vec<_>, _>>()?;
                let currents: Vec<&Value> = current.iter().collect();
                self.read_ids(aws, &ids, &currents).await
            };
            crate::providers::resource::each_read(current.len(), read.await)
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
            let schema = self.0.schema();
            let id = id_of(schema, prior)?;
            self.0.update_call(ctx, aws, &id, prior, planned).await?;
            let address = ctx.address.as_deref();
            tags::ec2_update(
                aws,
                &id,
                &tags::carried(aws, schema, prior, address)?,
                &tags::carried(aws, schema, planned, address)?,
            )
            .await?;
            self.read_one(aws, &id, planned)
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
            let id = id_of(self.0.schema(), current)?;
            match self.0.delete_call(ctx, aws, &id, current).await {
                Ok(()) | Err(ProviderError::NotFound) => Ok(()),
                Err(e) => Err(e),
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
            self.read_one(aws, id, &Value::Null).await?.ok_or_else(|| {
                ProviderError::validation(
                    "id",
                    format!("no {} {id} in {}", self.0.kind(), aws.region),
                )
            })
        })
    }

    fn identity(&self, ctx: &OpContext, _planned: &Value) -> Option<serde_json::Value> {
        owned_identity(ctx)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some(address) = identity.get("address").and_then(|a| a.as_str()) else {
                return Ok(None);
            };
            Ok(self.owned(aws, address).await?.map(|(_, value)| value))
        })
    }
}

/// Nested blocks that the configuration leaves out are not managed (Terraform's rule for inline
/// routes and rules, which standalone `aws_route` and `aws_security_group_rule` resources may
/// add): each block type of `names` with no block configured keeps the prior value.
pub fn keep_unconfigured_blocks(
    schema: &ResourceSchema,
    prior: Option<&Value>,
    proposed: Value,
    names: &[&'static str],
) -> Value {
    let Some(prior) = prior else {
        return proposed;
    };
    let kept: Vec<(&str, Value)> = names
        .iter()
        .filter(|name| {
            crate::providers::resource::Attrs::new(schema, &proposed)
                .blocks(name)
                .is_empty()
        })
        .map(|name| {
            (
                *name,
                crate::providers::resource::Attrs::new(schema, prior)
                    .raw(name)
                    .clone(),
            )
        })
        .collect();
    complete(schema, &proposed, kept)
}

/// Checks that a CIDR argument, when known, is an IPv4 block.
pub fn check_ipv4_cidr(
    schema: &ResourceSchema,
    value: &Value,
    name: &str,
) -> Result<(), ProviderError> {
    match crate::providers::resource::Attrs::new(schema, value).string(name) {
        Ok(Some(cidr)) if cidr.parse::<ipnet::Ipv4Net>().is_err() => Err(
            ProviderError::validation(name, format!("\"{cidr}\" is not an IPv4 CIDR block")),
        ),
        _ => Ok(()),
    }
}

/// A call override with the SDK's automatic retries off: for creates, which plat retries itself
/// after checking that the first attempt did not already create the object.
pub fn no_sdk_retries() -> aws_sdk_ec2::config::Builder {
    aws_sdk_ec2::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}

/// The paginated describe of one EC2 type by ids or filters (see
/// [`batch::describe_by_ids`](super::batch::describe_by_ids)): the operation, its id and filter
/// setters, the list in each page, the id of each item, and the action for messages.
macro_rules! ec2_describe {
    ($aws:expr, $ids:expr, $filters:expr, $operation:ident, $set_ids:ident, $set_filters:ident, $items:ident, $id:ident, $action:literal) => {{
        let aws: &$crate::providers::aws::handle::Aws = $aws;
        let ids: &[String] = $ids;
        Box::pin(async move {
            let what = ids.join(", ");
            $crate::providers::aws::batch::describe_by_ids(ids, $filters, |ids, filters| {
                let what = &what;
                async move {
                    let mut found = Vec::new();
                    let mut pages = aws
                        .ec2()
                        .$operation()
                        .$set_ids(ids)
                        .$set_filters(filters)
                        .into_paginator()
                        .send();
                    while let Some(page) = pages.next().await {
                        let page = page.map_err(|e| {
                            $crate::providers::aws::errors::classify(aws, e, $action, what)
                        })?;
                        found.extend(
                            page.$items()
                                .iter()
                                .filter_map(|o| Some((o.$id()?.to_owned(), o.clone()))),
                        );
                    }
                    Ok(found)
                }
            })
            .await
        })
    }};
}
pub(crate) use ec2_describe;
