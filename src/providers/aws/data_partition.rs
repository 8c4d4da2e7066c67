//! `data "aws_partition"`: the partition of the provider's region (`aws`, `aws-cn`,
//! `aws-us-gov`), its DNS suffix and reverse DNS prefix, for building ARNs and service
//! principals without hard-coding them.

use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, BoxFuture, DataSource, OpContext, ProviderError};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct Partition {
    schema: ResourceSchema,
}

/// What a partition is called and where its endpoints live.
pub struct PartitionInfo {
    pub name: &'static str,
    pub dns_suffix: &'static str,
    pub reverse_dns_prefix: &'static str,
}

/// The partition a region belongs to.
pub fn partition_of(region: &str) -> PartitionInfo {
    if region.starts_with("cn-") {
        PartitionInfo {
            name: "aws-cn",
            dns_suffix: "amazonaws.com.cn",
            reverse_dns_prefix: "cn.com.amazonaws",
        }
    } else if region.starts_with("us-gov-") {
        PartitionInfo {
            name: "aws-us-gov",
            dns_suffix: "amazonaws.com",
            reverse_dns_prefix: "com.amazonaws",
        }
    } else {
        PartitionInfo {
            name: "aws",
            dns_suffix: "amazonaws.com",
            reverse_dns_prefix: "com.amazonaws",
        }
    }
}

impl Partition {
    pub fn new() -> Partition {
        Partition {
            schema: ResourceSchema {
                type_name: "aws_partition",
                description: "The partition of the provider's region.",
                attributes: ["partition", "dns_suffix", "reverse_dns_prefix", "id"]
                    .into_iter()
                    .map(|n| AttributeSchema::computed(n, Type::String))
                    .collect(),
                blocks: Vec::new(),
            },
        }
    }
}

impl Default for Partition {
    fn default() -> Self {
        Partition::new()
    }
}

impl DataSource for Partition {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        _config: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let info = partition_of(&aws.region);
            Ok(Some(complete(
                &self.schema,
                &Value::Null,
                [
                    ("partition", Value::string(info.name)),
                    ("dns_suffix", Value::string(info.dns_suffix)),
                    ("reverse_dns_prefix", Value::string(info.reverse_dns_prefix)),
                    ("id", Value::string(info.name)),
                ],
            )))
        })
    }
}
