//! `aws_nat_gateway`: a NAT gateway in a public subnet. Every argument but tags replaces it.
//! Create waits for `available` and delete for `deleted` (minutes on AWS), with heartbeats,
//! bounded by `timeouts` (default 10 minutes each way, like Terraform). The create carries a
//! client token derived from the instance's address, so AWS itself recognises a repeated create;
//! the ownership tags find a create whose answer was lost as well.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, NatGateway, NatGatewayState, ResourceType as Ec2Type};

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

pub struct AwsNatGateway {
    schema: ResourceSchema,
}

/// How long create and delete wait without `timeouts` (Terraform's default).
const DEFAULT_WAIT: Duration = Duration::from_secs(10 * 60);

impl AwsNatGateway {
    pub fn new() -> AwsNatGateway {
        let mut attributes = vec![
            AttributeSchema::optional("allocation_id", Type::String).force_new(),
            AttributeSchema::required("subnet_id", Type::String).force_new(),
            AttributeSchema::optional("connectivity_type", Type::String)
                .default("public")
                .force_new(),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("public_ip", Type::String),
            AttributeSchema::computed("private_ip", Type::String),
            AttributeSchema::computed("network_interface_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsNatGateway {
            schema: ResourceSchema {
                type_name: "aws_nat_gateway",
                description: "A NAT gateway.",
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
    ) -> Result<BTreeMap<String, NatGateway>, ProviderError> {
        let what = ids.join(", ");
        batch::describe_by_ids(ids, filters, |ids, filters| {
            let what = &what;
            async move {
                let mut found = Vec::new();
                let mut pages = aws
                    .ec2()
                    .describe_nat_gateways()
                    .set_nat_gateway_ids(ids)
                    .set_filter(filters)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page =
                        page.map_err(|e| classify(aws, e, "ec2:DescribeNatGateways", what))?;
                    found.extend(
                        page.nat_gateways()
                            .iter()
                            .filter_map(|g| Some((g.nat_gateway_id()?.to_owned(), g.clone()))),
                    );
                }
                Ok(found)
            }
        })
        .await
    }

    /// The gateway's value; `None` once it is deleted (AWS lists deleted gateways for a while).
    fn value(&self, aws: &Aws, gateway: &NatGateway, current: &Value) -> Option<Value> {
        if matches!(
            gateway.state(),
            Some(NatGatewayState::Deleted | NatGatewayState::Deleting)
        ) {
            return None;
        }
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(
            aws,
            tags::ec2_pairs(gateway.tags()),
            stored.raw("tags").peel(),
        );
        let address = gateway.nat_gateway_addresses().first();
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        Some(complete(
            &self.schema,
            &Value::Null,
            [
                (
                    "allocation_id",
                    text(address.and_then(|a| a.allocation_id())),
                ),
                ("subnet_id", text(gateway.subnet_id())),
                (
                    "connectivity_type",
                    text(gateway.connectivity_type().map(|c| c.as_str())),
                ),
                ("id", text(gateway.nat_gateway_id())),
                ("public_ip", text(address.and_then(|a| a.public_ip()))),
                ("private_ip", text(address.and_then(|a| a.private_ip()))),
                (
                    "network_interface_id",
                    text(address.and_then(|a| a.network_interface_id())),
                ),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        ))
    }

    async fn read_one(
        &self,
        aws: &Aws,
        id: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let found = self.describe(aws, &[id.to_owned()], Vec::new()).await?;
        Ok(found.get(id).and_then(|g| self.value(aws, g, current)))
    }

    /// Polls until the gateway's state satisfies `done`; a `failed` gateway is an error with
    /// AWS's reason.
    async fn wait(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        id: &str,
        activity: &str,
        done: fn(Option<&NatGatewayState>) -> bool,
    ) -> Result<(), ProviderError> {
        let ctx = match ctx.deadline {
            Some(_) => ctx.clone(),
            None => ctx.clone().with_timeout(DEFAULT_WAIT),
        };
        let state_of =
            |found: &BTreeMap<String, NatGateway>| found.get(id).and_then(|g| g.state().cloned());
        let ids = [id.to_owned()];
        retry::poll(
            &ctx,
            activity,
            || self.describe(aws, &ids, Vec::new()),
            |found| {
                if let Some(gateway) = found.get(id) {
                    if gateway.state() == Some(&NatGatewayState::Failed) {
                        return Err(ProviderError::other(format!(
                            "NAT gateway {id} failed: {}",
                            gateway.failure_message().unwrap_or("AWS gave no reason")
                        )));
                    }
                }
                Ok(done(state_of(found).as_ref()))
            },
            |found| state_of(found).map_or("not visible yet".into(), |s| s.as_str().to_owned()),
        )
        .await
        .map(drop)
    }
}

impl Default for AwsNatGateway {
    fn default() -> Self {
        AwsNatGateway::new()
    }
}

impl ResourceType for AwsNatGateway {
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
            let attrs = Attrs::new(&self.schema, planned);
            let subnet = attrs.string("subnet_id")?.unwrap_or_default();
            let allocation = attrs.string("allocation_id")?;
            let connectivity = attrs
                .string("connectivity_type")?
                .unwrap_or_else(|| "public".into());
            let own = tags::configured(&self.schema, planned)?;
            let address = ctx.address.as_deref();
            // The same token for every attempt of this instance's create in this stack.
            let token = {
                use sha2::Digest;
                let key = format!(
                    "{}/{}/{}",
                    aws.scope.stack,
                    aws.scope.env,
                    address.unwrap_or("")
                );
                let digest = sha2::Sha256::digest(key.as_bytes());
                digest
                    .iter()
                    .take(16)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            };
            let id = retry::create_once(
                ctx,
                || async {
                    aws.ec2()
                        .create_nat_gateway()
                        .subnet_id(&subnet)
                        .set_allocation_id(allocation.clone())
                        .connectivity_type(connectivity.as_str().into())
                        .client_token(&token)
                        .tag_specifications(tags::ec2_specification(
                            aws,
                            Ec2Type::Natgateway,
                            &own,
                            address,
                        ))
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await
                        .map_err(|e| {
                            classify(
                                aws,
                                e,
                                "ec2:CreateNatGateway",
                                address.unwrap_or("aws_nat_gateway"),
                            )
                        })
                        .and_then(|out| {
                            out.nat_gateway()
                                .and_then(|g| g.nat_gateway_id())
                                .map(str::to_owned)
                                .ok_or_else(|| {
                                    ProviderError::other("CreateNatGateway returned no id")
                                })
                        })
                },
                || async {
                    match address {
                        Some(address) => Ok(self
                            .describe(aws, &[], tags::ec2_ownership_filters(aws, address))
                            .await?
                            .into_iter()
                            .find(|(_, g)| {
                                !matches!(
                                    g.state(),
                                    Some(
                                        NatGatewayState::Deleted
                                            | NatGatewayState::Deleting
                                            | NatGatewayState::Failed
                                    )
                                )
                            })
                            .map(|(id, _)| id)),
                        None => Ok(None),
                    }
                },
            )
            .await?;
            if let Err(cause) = self
                .wait(ctx, aws, &id, "creating", |s| {
                    s == Some(&NatGatewayState::Available)
                })
                .await
            {
                // It exists but is not ready: say what exists, so that state keeps it.
                let value = self
                    .read_one(aws, &id, planned)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| {
                        complete(&self.schema, planned, [("id", Value::string(id.clone()))])
                    });
                return Err(ProviderError::Incomplete {
                    value: Box::new(value),
                    cause: Box::new(cause),
                });
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
        Box::pin(async move {
            let read = batch::read_by_ids(
                ctx,
                &self.schema,
                current,
                move |aws, ids| async move { self.describe(aws, &ids, Vec::new()).await },
                |aws, g, stored| self.value(aws, g, stored).unwrap_or(Value::Null),
            )
            .await;
            // A deleted gateway is gone.
            read.into_iter()
                .map(|r| r.map(|v| v.filter(|v| !v.is_null())))
                .collect()
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
            match aws
                .ec2()
                .delete_nat_gateway()
                .nat_gateway_id(&id)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) => match classify(aws, e, "ec2:DeleteNatGateway", &id) {
                    ProviderError::NotFound => return Ok(()),
                    other => return Err(other),
                },
            }
            self.wait(ctx, aws, &id, "destroying", |s| {
                matches!(s, None | Some(NatGatewayState::Deleted))
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
                ProviderError::validation("id", format!("no NAT gateway {id} in {}", aws.region))
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
                .find_map(|g| self.value(aws, g, &Value::Null)))
        })
    }
}
