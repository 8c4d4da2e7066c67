//! `aws_eip`: an Elastic IP address for use in a VPC (a NAT gateway's). Tags update in place;
//! release waits while the address is still associated. A lost allocation is found by its
//! ownership tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Address, DomainType, Filter, ResourceType as Ec2Type};

use super::batch;
use super::ec2_object::{no_sdk_retries, Ec2Object};
use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, OpContext, ProviderError};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsEip {
    schema: ResourceSchema,
}

impl AwsEip {
    pub fn new() -> AwsEip {
        let mut attributes = vec![
            AttributeSchema::optional("domain", Type::String)
                .default("vpc")
                .force_new(),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("allocation_id", Type::String),
            AttributeSchema::computed("public_ip", Type::String),
            AttributeSchema::computed("association_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsEip {
            schema: ResourceSchema {
                type_name: "aws_eip",
                description: "An Elastic IP address.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }
}

impl Default for AwsEip {
    fn default() -> Self {
        AwsEip::new()
    }
}

impl Ec2Object for AwsEip {
    type Described = Address;

    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn kind(&self) -> &'static str {
        "Elastic IP allocation"
    }

    fn describe<'a>(
        &'a self,
        aws: &'a Aws,
        ids: &'a [String],
        filters: Vec<Filter>,
    ) -> BoxFuture<'a, Result<BTreeMap<String, Address>, ProviderError>> {
        Box::pin(async move {
            let what = ids.join(", ");
            batch::describe_by_ids(ids, filters, |ids, filters| {
                let what = &what;
                async move {
                    // DescribeAddresses has no pages.
                    let out = aws
                        .ec2()
                        .describe_addresses()
                        .set_allocation_ids(ids)
                        .set_filters(filters)
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "ec2:DescribeAddresses", what))?;
                    Ok(out
                        .addresses()
                        .iter()
                        .filter_map(|a| Some((a.allocation_id()?.to_owned(), a.clone())))
                        .collect())
                }
            })
            .await
        })
    }

    fn value(&self, aws: &Aws, address: &Address, current: &Value) -> Option<Value> {
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, tags::ec2_pairs(address.tags()), &stored);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        Some(complete(
            &self.schema,
            &Value::Null,
            [
                ("domain", text(address.domain().map(|d| d.as_str()))),
                ("id", text(address.allocation_id())),
                ("allocation_id", text(address.allocation_id())),
                ("public_ip", text(address.public_ip())),
                ("association_id", text(address.association_id())),
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
                .allocate_address()
                .domain(DomainType::Vpc)
                .tag_specifications(tags::ec2_specification(
                    aws,
                    Ec2Type::ElasticIp,
                    &tags::configured(&self.schema, planned)?,
                    address,
                ))
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map_err(|e| {
                    classify(aws, e, "ec2:AllocateAddress", address.unwrap_or("aws_eip"))
                })?;
            out.allocation_id()
                .map(str::to_owned)
                .ok_or_else(|| ProviderError::other("AllocateAddress returned no allocation id"))
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
            "releasing (waiting for the address to be disassociated)",
            move || async move {
                aws.ec2()
                    .release_address()
                    .allocation_id(id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:ReleaseAddress", id))
            },
        ))
    }
}
