//! `aws_eip`: an Elastic IP address for use in a VPC (a NAT gateway's). Tags update in place;
//! release waits while the address is still associated. A lost allocation is found by its
//! ownership tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Address, DomainType, Filter, ResourceType as Ec2Type};

use super::batch::{self, id_of};
use super::errors::classify;
use super::handle::Aws;
use super::vpc::{no_sdk_retries, owned_identity};
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsEip {
    schema: ResourceSchema,
}

impl AwsEip {
    pub fn new() -> AwsEip {
        let mut attributes = vec![
            AttributeSchema::optional("domain", Type::String)
                .default("vpc")
                .force_new(),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("allocation_id", Type::String),
            AttributeSchema::computed("public_ip", Type::String),
            AttributeSchema::computed("association_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsEip {
            schema: ResourceSchema {
                type_name: "aws_eip",
                description: "An Elastic IP address.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    async fn describe(
        &self,
        aws: &Aws,
        ids: &[String],
        filters: Vec<Filter>,
    ) -> Result<BTreeMap<String, Address>, ProviderError> {
        let what = ids.join(", ");
        batch::describe_by_ids(ids, filters, |ids, filters| {
            let what = &what;
            async move {
                // DescribeAddresses has no pages.
                let out = aws
                    .ec2()
                    .describe_addresses()
                    .set_allocation_ids(ids)
                    .set_filters(filters)
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "ec2:DescribeAddresses", what))?;
                Ok(out
                    .addresses()
                    .iter()
                    .filter_map(|a| Some((a.allocation_id()?.to_owned(), a.clone())))
                    .collect())
            }
        })
        .await
    }

    fn value(&self, aws: &Aws, address: &Address, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(
            aws,
            tags::ec2_pairs(address.tags()),
            stored.raw("tags").peel(),
        );
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        complete(
            &self.schema,
            &Value::Null,
            [
                ("domain", text(address.domain().map(|d| d.as_str()))),
                ("id", text(address.allocation_id())),
                ("allocation_id", text(address.allocation_id())),
                ("public_ip", text(address.public_ip())),
                ("association_id", text(address.association_id())),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        )
    }

    async fn read_one(
        &self,
        aws: &Aws,
        id: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let found = self.describe(aws, &[id.to_owned()], Vec::new()).await?;
        Ok(found.get(id).map(|a| self.value(aws, a, current)))
    }
}

impl Default for AwsEip {
    fn default() -> Self {
        AwsEip::new()
    }
}

impl ResourceType for AwsEip {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let tags_all = tags::plan_tags_all(&self.schema, prior, &proposed);
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
            let own = tags::configured(&self.schema, planned)?;
            let address = ctx.address.as_deref();
            let id = retry::create_once(
                ctx,
                || async {
                    aws.ec2()
                        .allocate_address()
                        .domain(DomainType::Vpc)
                        .tag_specifications(tags::ec2_specification(
                            aws,
                            Ec2Type::ElasticIp,
                            &own,
                            address,
                        ))
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await
                        .map_err(|e| {
                            classify(aws, e, "ec2:AllocateAddress", address.unwrap_or("aws_eip"))
                        })
                        .and_then(|out| {
                            out.allocation_id().map(str::to_owned).ok_or_else(|| {
                                ProviderError::other("AllocateAddress returned no allocation id")
                            })
                        })
                },
                || async {
                    match address {
                        Some(address) => Ok(self
                            .describe(aws, &[], tags::ec2_ownership_filters(aws, address))
                            .await?
                            .into_keys()
                            .next()),
                        None => Ok(None),
                    }
                },
            )
            .await?;
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
            self.read_one(aws, &id_of(&self.schema, current)?, current)
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
        Box::pin(batch::read_by_ids(
            ctx,
            &self.schema,
            current,
            move |aws, ids| async move { self.describe(aws, &ids, Vec::new()).await },
            |aws, a, stored| self.value(aws, a, stored),
        ))
    }

    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let id = id_of(&self.schema, prior)?;
            tags::ec2_update(
                aws,
                &id,
                &tags::configured(&self.schema, prior)?,
                &tags::configured(&self.schema, planned)?,
                ctx.address.as_deref(),
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
            let id = id_of(&self.schema, current)?;
            retry::delete(
                ctx,
                "releasing (waiting for the address to be disassociated)",
                || async {
                    aws.ec2()
                        .release_address()
                        .allocation_id(&id)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "ec2:ReleaseAddress", &id))
                },
            )
            .await
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
                    format!("no Elastic IP allocation {id} in {}", aws.region),
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
            let found = self
                .describe(aws, &[], tags::ec2_ownership_filters(aws, address))
                .await?;
            Ok(found
                .values()
                .next()
                .map(|a| self.value(aws, a, &Value::Null)))
        })
    }
}
