//! `data "aws_subnets"`: the ids of the subnets that `filter { name, values }` blocks and `tags`
//! (each tag must match) select, through one DescribeSubnets (per page), sorted so that plans
//! are stable. Nothing matching is an empty list, not an error, as in Terraform.

use aws_sdk_ec2::types::Subnet;

use super::data_vpc::{filter_block, filters};
use super::ec2_object::ec2_describe;
use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, BoxFuture, DataSource, OpContext, ProviderError};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct SubnetsData {
    schema: ResourceSchema,
}

impl SubnetsData {
    pub fn new() -> SubnetsData {
        SubnetsData {
            schema: ResourceSchema {
                type_name: "aws_subnets",
                description: "The ids of the subnets the filters select.",
                attributes: vec![
                    AttributeSchema::optional("tags", Type::Map(Box::new(Type::String)))
                        .describe("Tags the subnets must carry."),
                    AttributeSchema::computed("ids", Type::List(Box::new(Type::String)))
                        .describe("Ids of the matching subnets, sorted."),
                    AttributeSchema::computed("id", Type::String).describe("The region."),
                ],
                blocks: vec![filter_block()],
            },
        }
    }
}

impl Default for SubnetsData {
    fn default() -> Self {
        SubnetsData::new()
    }
}

impl DataSource for SubnetsData {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let filters = filters(&self.schema, config)?;
            let no_ids: Vec<String> = Vec::new();
            let subnets: std::collections::BTreeMap<String, Subnet> = ec2_describe!(
                aws,
                &no_ids,
                filters,
                describe_subnets,
                set_subnet_ids,
                set_filters,
                subnets,
                subnet_id,
                "ec2:DescribeSubnets"
            )
            .await?;
            // A BTreeMap's keys come sorted.
            let ids = subnets.into_keys().map(Value::String).collect();
            Ok(Some(complete(
                &self.schema,
                config,
                [
                    ("ids", Value::List(ids)),
                    ("id", Value::string(aws.region.clone())),
                ],
            )))
        })
    }
}
