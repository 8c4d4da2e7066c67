//! `aws_nat_gateway`: a NAT gateway in a public subnet. Every argument but tags replaces it.
//! Create waits for `available` and delete for `deleted` (minutes on AWS), with heartbeats,
//! bounded by `timeouts` (default 10 minutes each way, like Terraform). The create carries a
//! client token derived from the instance's address, so AWS itself recognises a repeated create;
//! the ownership tags find a create whose answer was lost as well.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, NatGateway, NatGatewayState, ResourceType as Ec2Type};

use super::ec2_object::{ec2_describe, no_sdk_retries, Ec2Object};
use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, OpContext, ProviderError};
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

impl Ec2Object for AwsNatGateway {
    type Described = NatGateway;

    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn kind(&self) -> &'static str {
        "NAT gateway"
    }

    fn describe<'a>(
        &'a self,
        aws: &'a Aws,
        ids: &'a [String],
        filters: Vec<Filter>,
    ) -> BoxFuture<'a, Result<BTreeMap<String, NatGateway>, ProviderError>> {
        ec2_describe!(
            aws,
            ids,
            filters,
            describe_nat_gateways,
            set_nat_gateway_ids,
            set_filter,
            nat_gateways,
            nat_gateway_id,
            "ec2:DescribeNatGateways"
        )
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
        let (tags, tags_all) = tags::read_values(aws, tags::ec2_pairs(gateway.tags()), &stored);
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

    fn create_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let attrs = Attrs::new(&self.schema, planned);
            let address = ctx.address.as_deref();
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
            let out = aws
                .ec2()
                .create_nat_gateway()
                .subnet_id(attrs.string("subnet_id")?.unwrap_or_default())
                .set_allocation_id(attrs.string("allocation_id")?)
                .connectivity_type(
                    attrs
                        .string("connectivity_type")?
                        .unwrap_or_else(|| "public".into())
                        .as_str()
                        .into(),
                )
                .client_token(&token)
                .tag_specifications(tags::ec2_specification(
                    aws,
                    Ec2Type::Natgateway,
                    &tags::configured(&self.schema, planned)?,
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
                })?;
            out.nat_gateway()
                .and_then(|g| g.nat_gateway_id())
                .map(str::to_owned)
                .ok_or_else(|| ProviderError::other("CreateNatGateway returned no id"))
        })
    }

    fn after_create<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        _planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(self.wait(ctx, aws, id, "creating", |s| {
            s == Some(&NatGatewayState::Available)
        }))
    }

    fn delete_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            aws.ec2()
                .delete_nat_gateway()
                .nat_gateway_id(id)
                .send()
                .await
                .map_err(|e| classify(aws, e, "ec2:DeleteNatGateway", id))?;
            self.wait(ctx, aws, id, "destroying", |s| {
                matches!(s, None | Some(NatGatewayState::Deleted))
            })
            .await
        })
    }
}
