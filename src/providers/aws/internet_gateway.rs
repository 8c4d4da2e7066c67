//! `aws_internet_gateway`: a VPC's way to the internet. `vpc_id` attaches and detaches in place;
//! deletion detaches first and waits while public addresses in the VPC are released
//! (`DependencyViolation`).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, InternetGateway, ResourceType as Ec2Type};

use super::ec2_object::{ec2_describe, no_sdk_retries, Ec2Object};
use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, OpContext, ProviderError};
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

impl Ec2Object for AwsInternetGateway {
    type Described = InternetGateway;

    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn kind(&self) -> &'static str {
        "internet gateway"
    }

    fn describe<'a>(
        &'a self,
        aws: &'a Aws,
        ids: &'a [String],
        filters: Vec<Filter>,
    ) -> BoxFuture<'a, Result<BTreeMap<String, InternetGateway>, ProviderError>> {
        ec2_describe!(
            aws,
            ids,
            filters,
            describe_internet_gateways,
            set_internet_gateway_ids,
            set_filters,
            internet_gateways,
            internet_gateway_id,
            "ec2:DescribeInternetGateways"
        )
    }

    fn value(&self, aws: &Aws, gateway: &InternetGateway, current: &Value) -> Option<Value> {
        let (tags, tags_all) = tags::read_values(
            aws,
            tags::ec2_pairs(gateway.tags()),
            &Attrs::new(&self.schema, current),
        );
        let id = gateway.internet_gateway_id().unwrap_or_default();
        let owner = gateway.owner_id().unwrap_or_default();
        let vpc = gateway
            .attachments()
            .iter()
            .find_map(|a| a.vpc_id())
            .map_or(Value::Null, Value::string);
        Some(complete(
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
        ))
    }

    fn create_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let address = ctx.address.as_deref();
            let out = aws
                .ec2()
                .create_internet_gateway()
                .tag_specifications(tags::ec2_specification(
                    aws,
                    Ec2Type::InternetGateway,
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
                        "ec2:CreateInternetGateway",
                        address.unwrap_or("aws_internet_gateway"),
                    )
                })?;
            out.internet_gateway()
                .and_then(|g| g.internet_gateway_id())
                .map(str::to_owned)
                .ok_or_else(|| ProviderError::other("CreateInternetGateway returned no id"))
        })
    }

    fn after_create<'a>(
        &'a self,
        _ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            if let Some(vpc) = Attrs::new(&self.schema, planned).string("vpc_id")? {
                // Attaching twice (a lost response) answers Resource.AlreadyAssociated.
                match self.attach(aws, id, &vpc).await {
                    Ok(()) | Err(ProviderError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    }

    fn update_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let before = Attrs::new(&self.schema, prior).string("vpc_id")?;
            let after = Attrs::new(&self.schema, planned).string("vpc_id")?;
            if before != after {
                if let Some(vpc) = &before {
                    self.detach(ctx, aws, id, vpc).await?;
                }
                if let Some(vpc) = &after {
                    self.attach(aws, id, vpc).await?;
                }
            }
            Ok(())
        })
    }

    fn delete_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let ids = [id.to_owned()];
            // Detach from whatever it is attached to now, not only what state says.
            let attached: Vec<String> = match self.describe(aws, &ids, Vec::new()).await?.get(id) {
                Some(gateway) => gateway
                    .attachments()
                    .iter()
                    .filter_map(|a| a.vpc_id().map(str::to_owned))
                    .collect(),
                None => return Ok(()),
            };
            for vpc in attached {
                self.detach(ctx, aws, id, &vpc).await?;
            }
            retry::delete(ctx, "destroying", || async {
                aws.ec2()
                    .delete_internet_gateway()
                    .internet_gateway_id(id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:DeleteInternetGateway", id))
            })
            .await
        })
    }
}
