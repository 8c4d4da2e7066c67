//! `data "aws_region"`: the provider's region (or the one named), its endpoint and description.

use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, DataSource, OpContext, ProviderError,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct RegionData {
    schema: ResourceSchema,
}

impl RegionData {
    pub fn new() -> RegionData {
        RegionData {
            schema: ResourceSchema {
                type_name: "aws_region",
                description: "The provider's region.",
                attributes: vec![
                    AttributeSchema::optional_computed("name", Type::String)
                        .describe("A region to describe instead of the provider's."),
                    AttributeSchema::computed("endpoint", Type::String),
                    AttributeSchema::computed("description", Type::String),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: Vec::new(),
            },
        }
    }
}

impl Default for RegionData {
    fn default() -> Self {
        RegionData::new()
    }
}

impl DataSource for RegionData {
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
            let name = Attrs::new(&self.schema, config)
                .string("name")?
                .unwrap_or_else(|| aws.region.clone());
            let partition = super::data_partition::partition_of(&name);
            Ok(Some(complete(
                &self.schema,
                &Value::Null,
                [
                    ("name", Value::string(name.clone())),
                    (
                        "endpoint",
                        Value::string(format!("ec2.{name}.{}", partition.dns_suffix)),
                    ),
                    ("description", Value::string(name.clone())),
                    ("id", Value::string(name)),
                ],
            )))
        })
    }
}
