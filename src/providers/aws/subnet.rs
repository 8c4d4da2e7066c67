//! `aws_subnet`: a range of a VPC in one availability zone. `vpc_id`, `cidr_block` and
//! `availability_zone` replace it; `map_public_ip_on_launch` and tags update in place. Deletion
//! waits while network interfaces drain (`DependencyViolation`).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType as Ec2Type, Subnet};

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

pub struct AwsSubnet {
    schema: ResourceSchema,
}

impl AwsSubnet {
    pub fn new() -> AwsSubnet {
        let mut attributes = vec![
            AttributeSchema::required("vpc_id", Type::String).force_new(),
            AttributeSchema::required("cidr_block", Type::String)
                .force_new()
                .describe("IPv4 range of the subnet, inside the VPC's."),
            AttributeSchema::optional_computed("availability_zone", Type::String).force_new(),
            AttributeSchema::computed("availability_zone_id", Type::String),
            AttributeSchema::optional("map_public_ip_on_launch", Type::Bool).default(false),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("owner_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsSubnet {
            schema: ResourceSchema {
                type_name: "aws_subnet",
                description: "A subnet of a VPC.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    /// Subnets by id (one call per page) or by filters; those that do not exist are absent.
    async fn describe(
        &self,
        aws: &Aws,
        ids: &[String],
        filters: Vec<Filter>,
    ) -> Result<BTreeMap<String, Subnet>, ProviderError> {
        let what = ids.join(", ");
        batch::describe_by_ids(ids, filters, |ids, filters| {
            let what = &what;
            async move {
                let mut found = Vec::new();
                let mut pages = aws
                    .ec2()
                    .describe_subnets()
                    .set_subnet_ids(ids)
                    .set_filters(filters)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| classify(aws, e, "ec2:DescribeSubnets", what))?;
                    found.extend(
                        page.subnets()
                            .iter()
                            .filter_map(|o| Some((o.subnet_id()?.to_owned(), o.clone()))),
                    );
                }
                Ok(found)
            }
        })
        .await
    }

    fn value(&self, aws: &Aws, subnet: &Subnet, current: &Value) -> Value {
        let configured = Attrs::new(&self.schema, current).raw("tags").peel().clone();
        let (tags, tags_all) = tags::read_values(aws, tags::ec2_pairs(subnet.tags()), &configured);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        complete(
            &self.schema,
            &Value::Null,
            [
                ("vpc_id", text(subnet.vpc_id())),
                ("cidr_block", text(subnet.cidr_block())),
                ("availability_zone", text(subnet.availability_zone())),
                ("availability_zone_id", text(subnet.availability_zone_id())),
                (
                    "map_public_ip_on_launch",
                    Value::Bool(subnet.map_public_ip_on_launch().unwrap_or(false)),
                ),
                ("id", text(subnet.subnet_id())),
                ("arn", text(subnet.subnet_arn())),
                ("owner_id", text(subnet.owner_id())),
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
        Ok(found.get(id).map(|s| self.value(aws, s, current)))
    }

    async fn set_public_ip(&self, aws: &Aws, id: &str, on: bool) -> Result<(), ProviderError> {
        aws.ec2()
            .modify_subnet_attribute()
            .subnet_id(id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(on).build())
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(aws, e, "ec2:ModifySubnetAttribute", id))
    }
}

impl Default for AwsSubnet {
    fn default() -> Self {
        AwsSubnet::new()
    }
}

impl ResourceType for AwsSubnet {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        if let Some(cidr) = Attrs::new(&self.schema, &proposed)
            .string("cidr_block")
            .ok()
            .flatten()
        {
            if cidr.parse::<ipnet::Ipv4Net>().is_err() {
                return Err(ProviderError::validation(
                    "cidr_block",
                    format!("\"{cidr}\" is not an IPv4 CIDR block"),
                ));
            }
        }
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
            let attrs = Attrs::new(&self.schema, planned);
            let vpc_id = attrs.string("vpc_id")?.unwrap_or_default();
            let cidr = attrs.string("cidr_block")?.unwrap_or_default();
            // Unset, it is AWS's to choose (and unknown in the plan).
            let zone = attrs.string("availability_zone").ok().flatten();
            let own = tags::configured(&self.schema, planned)?;
            let address = ctx.address.as_deref();
            let owner = address.unwrap_or("aws_subnet");
            let id = retry::create_once(
                ctx,
                || async {
                    aws.ec2()
                        .create_subnet()
                        .vpc_id(&vpc_id)
                        .cidr_block(&cidr)
                        .set_availability_zone(zone.clone())
                        .tag_specifications(tags::ec2_specification(
                            aws,
                            Ec2Type::Subnet,
                            &own,
                            address,
                        ))
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "ec2:CreateSubnet", owner))
                        .and_then(|out| {
                            out.subnet()
                                .and_then(|s| s.subnet_id())
                                .map(str::to_owned)
                                .ok_or_else(|| {
                                    ProviderError::other("CreateSubnet returned no subnet id")
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
            if attrs.bool("map_public_ip_on_launch")?.unwrap_or(false) {
                self.set_public_ip(aws, &id, true).await?;
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
            |aws, s, stored| self.value(aws, s, stored),
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
            let before = Attrs::new(&self.schema, prior).bool("map_public_ip_on_launch")?;
            let after = Attrs::new(&self.schema, planned).bool("map_public_ip_on_launch")?;
            if before.unwrap_or(false) != after.unwrap_or(false) {
                self.set_public_ip(aws, &id, after.unwrap_or(false)).await?;
            }
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
                "destroying (waiting for network interfaces to go)",
                || async {
                    aws.ec2()
                        .delete_subnet()
                        .subnet_id(&id)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "ec2:DeleteSubnet", &id))
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
                ProviderError::validation("id", format!("no subnet {id} in {}", aws.region))
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
                .map(|s| self.value(aws, s, &Value::Null)))
        })
    }
}
