//! `aws_internet_gateway`: a VPC's way to the internet. `vpc_id` attaches and detaches in place;
//! deletion detaches first and waits while public addresses in the VPC are released
//! (`DependencyViolation`).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, InternetGateway, ResourceType as Ec2Type};

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

pub struct AwsInternetGateway {
    schema: ResourceSchema,
}

impl AwsInternetGateway {
    pub fn new() -> AwsInternetGateway {
        let mut attributes = vec![
            AttributeSchema::optional("vpc_id", Type::String)
                .describe("The VPC to attach to; changing it re-attaches in place."),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("owner_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsInternetGateway {
            schema: ResourceSchema {
                type_name: "aws_internet_gateway",
                description: "An internet gateway, attached to a VPC.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    /// InternetGateways by id (one call per page) or by filters; those that do not exist are absent.
    async fn describe(
        &self,
        aws: &Aws,
        ids: &[String],
        filters: Vec<Filter>,
    ) -> Result<BTreeMap<String, InternetGateway>, ProviderError> {
        let what = ids.join(", ");
        batch::describe_by_ids(ids, filters, |ids, filters| {
            let what = &what;
            async move {
                let mut found = Vec::new();
                let mut pages = aws
                    .ec2()
                    .describe_internet_gateways()
                    .set_internet_gateway_ids(ids)
                    .set_filters(filters)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page =
                        page.map_err(|e| classify(aws, e, "ec2:DescribeInternetGateways", what))?;
                    found.extend(
                        page.internet_gateways()
                            .iter()
                            .filter_map(|o| Some((o.internet_gateway_id()?.to_owned(), o.clone()))),
                    );
                }
                Ok(found)
            }
        })
        .await
    }

    fn value(&self, aws: &Aws, gateway: &InternetGateway, current: &Value) -> Value {
        let configured = Attrs::new(&self.schema, current).raw("tags").peel().clone();
        let (tags, tags_all) = tags::read_values(aws, tags::ec2_pairs(gateway.tags()), &configured);
        let id = gateway.internet_gateway_id().unwrap_or_default();
        let owner = gateway.owner_id().unwrap_or_default();
        let vpc = gateway
            .attachments()
            .iter()
            .find_map(|a| a.vpc_id())
            .map_or(Value::Null, Value::string);
        complete(
            &self.schema,
            &Value::Null,
            [
                ("vpc_id", vpc),
                ("id", Value::string(id)),
                (
                    "arn",
                    Value::string(format!(
                        "arn:aws:ec2:{}:{owner}:internet-gateway/{id}",
                        aws.region
                    )),
                ),
                ("owner_id", Value::string(owner)),
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
        Ok(found.get(id).map(|g| self.value(aws, g, current)))
    }

    async fn attach(&self, aws: &Aws, id: &str, vpc: &str) -> Result<(), ProviderError> {
        aws.ec2()
            .attach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(aws, e, "ec2:AttachInternetGateway", id))
    }

    /// Detaches, waiting while the VPC still has public addresses mapped.
    async fn detach(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        id: &str,
        vpc: &str,
    ) -> Result<(), ProviderError> {
        retry::delete(
            ctx,
            "detaching (waiting for public addresses to go)",
            || async {
                aws.ec2()
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:DetachInternetGateway", id))
            },
        )
        .await
    }
}

impl Default for AwsInternetGateway {
    fn default() -> Self {
        AwsInternetGateway::new()
    }
}

impl ResourceType for AwsInternetGateway {
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
            let owner = address.unwrap_or("aws_internet_gateway");
            let id = retry::create_once(
                ctx,
                || async {
                    aws.ec2()
                        .create_internet_gateway()
                        .tag_specifications(tags::ec2_specification(
                            aws,
                            Ec2Type::InternetGateway,
                            &own,
                            address,
                        ))
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "ec2:CreateInternetGateway", owner))
                        .and_then(|out| {
                            out.internet_gateway()
                                .and_then(|g| g.internet_gateway_id())
                                .map(str::to_owned)
                                .ok_or_else(|| {
                                    ProviderError::other("CreateInternetGateway returned no id")
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
            if let Some(vpc) = Attrs::new(&self.schema, planned).string("vpc_id")? {
                // Attaching twice (a lost response) answers Resource.AlreadyAssociated.
                match self.attach(aws, &id, &vpc).await {
                    Ok(()) | Err(ProviderError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
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
            |aws, g, stored| self.value(aws, g, stored),
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
            let before = Attrs::new(&self.schema, prior).string("vpc_id")?;
            let after = Attrs::new(&self.schema, planned).string("vpc_id")?;
            if before != after {
                if let Some(vpc) = &before {
                    self.detach(ctx, aws, &id, vpc).await?;
                }
                if let Some(vpc) = &after {
                    self.attach(aws, &id, vpc).await?;
                }
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
            // Detach from whatever it is attached to now, not only what state says.
            let attached: Vec<String> = match self
                .describe(aws, std::slice::from_ref(&id), Vec::new())
                .await?
                .get(&id)
            {
                Some(gateway) => gateway
                    .attachments()
                    .iter()
                    .filter_map(|a| a.vpc_id().map(str::to_owned))
                    .collect(),
                None => return Ok(()),
            };
            for vpc in attached {
                self.detach(ctx, aws, &id, &vpc).await?;
            }
            retry::delete(ctx, "destroying", || async {
                aws.ec2()
                    .delete_internet_gateway()
                    .internet_gateway_id(&id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:DeleteInternetGateway", &id))
            })
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
                    format!("no internet gateway {id} in {}", aws.region),
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
                .map(|g| self.value(aws, g, &Value::Null)))
        })
    }
}
