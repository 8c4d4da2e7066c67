//! `aws_subnet`: a range of a VPC in one availability zone. `vpc_id`, `cidr_block` and
//! `availability_zone` replace it; `map_public_ip_on_launch` and tags update in place. Deletion
//! waits while network interfaces drain (`DependencyViolation`).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType as Ec2Type, Subnet};

use super::ec2_object::{check_ipv4_cidr, ec2_describe, no_sdk_retries, Ec2Object};
use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, OpContext, ProviderError};
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

impl Ec2Object for AwsSubnet {
    type Described = Subnet;

    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn kind(&self) -> &'static str {
        "subnet"
    }

    fn describe<'a>(
        &'a self,
        aws: &'a Aws,
        ids: &'a [String],
        filters: Vec<Filter>,
    ) -> BoxFuture<'a, Result<BTreeMap<String, Subnet>, ProviderError>> {
        ec2_describe!(
            aws,
            ids,
            filters,
            describe_subnets,
            set_subnet_ids,
            set_filters,
            subnets,
            subnet_id,
            "ec2:DescribeSubnets"
        )
    }

    fn value(&self, aws: &Aws, subnet: &Subnet, current: &Value) -> Option<Value> {
        let (tags, tags_all) = tags::read_values(
            aws,
            tags::ec2_pairs(subnet.tags()),
            &Attrs::new(&self.schema, current),
        );
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        Some(complete(
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
        ))
    }

    fn refine(&self, _prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        check_ipv4_cidr(&self.schema, &proposed, "cidr_block")?;
        Ok(proposed)
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
            let out = aws
                .ec2()
                .create_subnet()
                .vpc_id(attrs.string("vpc_id")?.unwrap_or_default())
                .cidr_block(attrs.string("cidr_block")?.unwrap_or_default())
                // Unset, it is AWS's to choose (and unknown in the plan).
                .set_availability_zone(attrs.string("availability_zone").ok().flatten())
                .tag_specifications(tags::ec2_specification(
                    aws,
                    Ec2Type::Subnet,
                    &tags::configured(&self.schema, planned)?,
                    address,
                ))
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map_err(|e| {
                    classify(aws, e, "ec2:CreateSubnet", address.unwrap_or("aws_subnet"))
                })?;
            out.subnet()
                .and_then(|s| s.subnet_id())
                .map(str::to_owned)
                .ok_or_else(|| ProviderError::other("CreateSubnet returned no subnet id"))
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
            if Attrs::new(&self.schema, planned)
                .bool("map_public_ip_on_launch")?
                .unwrap_or(false)
            {
                self.set_public_ip(aws, id, true).await?;
            }
            Ok(())
        })
    }

    fn update_call<'a>(
        &'a self,
        _ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let before = Attrs::new(&self.schema, prior).bool("map_public_ip_on_launch")?;
            let after = Attrs::new(&self.schema, planned).bool("map_public_ip_on_launch")?;
            if before.unwrap_or(false) != after.unwrap_or(false) {
                self.set_public_ip(aws, id, after.unwrap_or(false)).await?;
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
        Box::pin(retry::delete(
            ctx,
            "destroying (waiting for network interfaces to go)",
            move || async move {
                aws.ec2()
                    .delete_subnet()
                    .subnet_id(id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:DeleteSubnet", id))
            },
        ))
    }
}
