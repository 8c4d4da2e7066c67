//! `data "aws_vpc"`: the one VPC that `id`, `cidr_block`, `default`, `state`, `tags` (each tag
//! must match) and `filter { name, values }` blocks select, through one DescribeVpcs with those
//! as filters. Nothing matching, or more than one VPC, is an error, as in Terraform. The
//! result adds what DescribeVpcs does not say: the DNS settings (DescribeVpcAttribute, twice)
//! and the main route table (DescribeRouteTables).
//!
//! Unlike Terraform's provider, which ignores `default = false`, a set `default` always
//! filters: `false` selects among the VPCs that are not the region's default.
//!
//! [`filters`] builds the EC2 filters of these arguments for the other network data sources.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, Vpc, VpcAttributeName};

use super::ec2_object::ec2_describe;
use super::errors::classify;
use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, DataSource, OpContext, ProviderError,
};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct VpcData {
    schema: ResourceSchema,
}

/// `filter { name = "...", values = [...] }`, repeatable: EC2's own filters.
pub fn filter_block() -> BlockSchema {
    BlockSchema {
        name: "filter",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        optional_computed: false,
        attributes: vec![
            AttributeSchema::required("name", Type::String)
                .describe("An EC2 filter name, e.g. vpc-id or tag:Name."),
            AttributeSchema::required("values", Type::List(Box::new(Type::String)))
                .describe("Values that match (any of them; * and ? are wildcards)."),
        ],
        blocks: Vec::new(),
    }
}

/// The EC2 filters of a data source's `filter` blocks and `tags` map (each tag as
/// `tag:KEY = VALUE`).
pub fn filters(schema: &ResourceSchema, config: &Value) -> Result<Vec<Filter>, ProviderError> {
    let attrs = Attrs::new(schema, config);
    let inner = ResourceSchema {
        type_name: "filter",
        attributes: filter_block().attributes,
        blocks: Vec::new(),
        description: "",
    };
    let mut out = Vec::new();
    for block in attrs.blocks("filter") {
        let block = Attrs::new(&inner, block);
        let name = block
            .string("name")?
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ProviderError::validation("filter.name", "must name an EC2 filter"))?;
        let values = block.strings("values")?;
        if values.is_empty() {
            return Err(ProviderError::validation(
                "filter.values",
                format!("filter \"{name}\" needs at least one value"),
            ));
        }
        out.push(
            Filter::builder()
                .name(name)
                .set_values(Some(values))
                .build(),
        );
    }
    for (key, value) in attrs.string_map("tags")? {
        out.push(
            Filter::builder()
                .name(format!("tag:{key}"))
                .values(value)
                .build(),
        );
    }
    Ok(out)
}

impl VpcData {
    pub fn new() -> VpcData {
        let computed = |name| AttributeSchema::computed(name, Type::String);
        VpcData {
            schema: ResourceSchema {
                type_name: "aws_vpc",
                description: "The one VPC the arguments select.",
                attributes: vec![
                    AttributeSchema::optional_computed("id", Type::String)
                        .describe("The VPC's id."),
                    AttributeSchema::optional_computed("cidr_block", Type::String)
                        .describe("The VPC's primary IPv4 range."),
                    AttributeSchema::optional_computed("default", Type::Bool)
                        .describe("Whether the VPC is the region's default VPC."),
                    AttributeSchema::optional_computed("state", Type::String)
                        .describe("pending or available."),
                    AttributeSchema::optional_computed("tags", Type::Map(Box::new(Type::String)))
                        .describe("Tags the VPC must carry; the result has all its tags."),
                    computed("arn"),
                    computed("dhcp_options_id"),
                    AttributeSchema::computed("enable_dns_support", Type::Bool),
                    AttributeSchema::computed("enable_dns_hostnames", Type::Bool),
                    computed("instance_tenancy"),
                    computed("main_route_table_id"),
                    computed("owner_id"),
                ],
                blocks: vec![filter_block()],
            },
        }
    }

    async fn dns_attribute(
        &self,
        aws: &Aws,
        id: &str,
        attribute: VpcAttributeName,
    ) -> Result<bool, ProviderError> {
        let out = aws
            .ec2()
            .describe_vpc_attribute()
            .vpc_id(id)
            .attribute(attribute.clone())
            .send()
            .await
            .map_err(|e| classify(aws, e, "ec2:DescribeVpcAttribute", id))?;
        let value = match attribute {
            VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
            _ => out.enable_dns_support(),
        };
        Ok(value.and_then(|v| v.value()).unwrap_or(false))
    }

    async fn main_route_table(&self, aws: &Aws, id: &str) -> Result<Option<String>, ProviderError> {
        let out = aws
            .ec2()
            .describe_route_tables()
            .filters(Filter::builder().name("vpc-id").values(id).build())
            .filters(
                Filter::builder()
                    .name("association.main")
                    .values("true")
                    .build(),
            )
            .send()
            .await
            .map_err(|e| classify(aws, e, "ec2:DescribeRouteTables", id))?;
        Ok(out
            .route_tables()
            .iter()
            .find_map(|t| t.route_table_id())
            .map(str::to_owned))
    }

    async fn value(&self, aws: &Aws, vpc: &Vpc, config: &Value) -> Result<Value, ProviderError> {
        let id = vpc.vpc_id().unwrap_or_default();
        let owner = vpc.owner_id().unwrap_or_default();
        let dns_support = self
            .dns_attribute(aws, id, VpcAttributeName::EnableDnsSupport)
            .await?;
        let dns_hostnames = self
            .dns_attribute(aws, id, VpcAttributeName::EnableDnsHostnames)
            .await?;
        let main = self.main_route_table(aws, id).await?;
        let partition = super::data_partition::partition_of(&aws.region);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let visible = Aws::visible_tags(super::tags::ec2_pairs(vpc.tags()));
        Ok(complete(
            &self.schema,
            config,
            [
                ("id", Value::string(id)),
                ("cidr_block", text(vpc.cidr_block())),
                ("default", Value::Bool(vpc.is_default().unwrap_or(false))),
                ("state", text(vpc.state().map(|s| s.as_str()))),
                ("tags", super::tags::map_value(&visible)),
                (
                    "arn",
                    Value::string(format!(
                        "arn:{}:ec2:{}:{owner}:vpc/{id}",
                        partition.name, aws.region
                    )),
                ),
                ("dhcp_options_id", text(vpc.dhcp_options_id())),
                ("enable_dns_support", Value::Bool(dns_support)),
                ("enable_dns_hostnames", Value::Bool(dns_hostnames)),
                (
                    "instance_tenancy",
                    text(vpc.instance_tenancy().map(|t| t.as_str())),
                ),
                ("main_route_table_id", text(main.as_deref())),
                ("owner_id", Value::string(owner)),
            ],
        ))
    }
}

impl Default for VpcData {
    fn default() -> Self {
        VpcData::new()
    }
}

impl DataSource for VpcData {
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
            let attrs = Attrs::new(&self.schema, config);
            let ids: Vec<String> = attrs.string("id")?.into_iter().collect();
            let mut filters = filters(&self.schema, config)?;
            let mut constraint = |name: &str, value: Option<String>| {
                if let Some(value) = value {
                    filters.push(Filter::builder().name(name).values(value).build());
                }
            };
            constraint("cidr", attrs.string("cidr_block")?);
            constraint("is-default", attrs.bool("default")?.map(|b| b.to_string()));
            constraint("state", attrs.string("state")?);
            let vpcs: BTreeMap<String, Vpc> = ec2_describe!(
                aws,
                &ids,
                filters,
                describe_vpcs,
                set_vpc_ids,
                set_filters,
                vpcs,
                vpc_id,
                "ec2:DescribeVpcs"
            )
            .await?;
            let mut matched = vpcs.values();
            match (matched.next(), matched.next()) {
                (None, _) => Err(ProviderError::other(format!(
                    "no matching VPC found in {}: check id, cidr_block, default, state, tags and the filter blocks",
                    aws.region
                ))),
                (Some(vpc), None) => Ok(Some(self.value(aws, vpc, config).await?)),
                (Some(_), Some(_)) => Err(ProviderError::other(format!(
                    "multiple VPCs matched; use additional constraints to reduce matches to a single VPC (matched: {})",
                    vpcs.keys().cloned().collect::<Vec<_>>().join(", ")
                ))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::config;

    fn filter(name: &str, values: &[&str]) -> Value {
        Value::Object(
            [
                ("name".to_owned(), Value::string(name)),
                (
                    "values".to_owned(),
                    Value::List(values.iter().map(|v| Value::string(*v)).collect()),
                ),
            ]
            .into(),
        )
    }

    #[test]
    fn filter_blocks_and_tags_become_ec2_filters() {
        let data = VpcData::new();
        let mut value = config(
            &data.schema,
            &[(
                "tags",
                Value::Map([("Name".to_owned(), Value::string("blue"))].into()),
            )],
        );
        if let Value::Object(entries) = &mut value {
            entries.insert(
                "filter".into(),
                Value::Set(vec![filter("vpc-id", &["vpc-1", "vpc-2"])]),
            );
        }
        let built = filters(&data.schema, &value).unwrap();
        let shown: Vec<(String, Vec<String>)> = built
            .iter()
            .map(|f| (f.name().unwrap_or("").to_owned(), f.values().to_vec()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    "vpc-id".to_owned(),
                    vec!["vpc-1".to_owned(), "vpc-2".to_owned()]
                ),
                ("tag:Name".to_owned(), vec!["blue".to_owned()]),
            ]
        );

        if let Value::Object(entries) = &mut value {
            entries.insert("filter".into(), Value::Set(vec![filter("vpc-id", &[])]));
        }
        let err = filters(&data.schema, &value).unwrap_err();
        assert!(
            err.to_string().contains("needs at least one value"),
            "{err}"
        );
    }
}
