//! `aws_vpc`: a virtual network. `cidr_block` and `instance_tenancy` replace it; DNS settings
//! and tags update in place. Found again after a crash by its ownership tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType as Ec2Type, Vpc};

use super::ec2_object::{check_ipv4_cidr, ec2_describe, no_sdk_retries, Ec2Object};
use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, OpContext, ProviderError};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsVpc {
    schema: ResourceSchema,
}

impl AwsVpc {
    pub fn new() -> AwsVpc {
        let mut attributes = vec![
            AttributeSchema::required("cidr_block", Type::String)
                .force_new()
                .describe("IPv4 range of the VPC, e.g. 10.0.0.0/16."),
            AttributeSchema::optional("instance_tenancy", Type::String)
                .default("default")
                .force_new(),
            AttributeSchema::optional("enable_dns_support", Type::Bool).default(true),
            AttributeSchema::optional("enable_dns_hostnames", Type::Bool).default(false),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("owner_id", Type::String),
            AttributeSchema::computed("main_route_table_id", Type::String),
            AttributeSchema::computed("default_route_table_id", Type::String),
            AttributeSchema::computed("default_security_group_id", Type::String),
            AttributeSchema::computed("dhcp_options_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsVpc {
            schema: ResourceSchema {
                type_name: "aws_vpc",
                description: "A VPC.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    /// VPCs by id (one call per page) or by filters, as EC2 describes them.
    async fn describe_vpcs(
        &self,
        aws: &Aws,
        ids: &[String],
        filters: Vec<Filter>,
    ) -> Result<BTreeMap<String, Vpc>, ProviderError> {
        ec2_describe!(
            aws,
            ids,
            filters,
            describe_vpcs,
            set_vpc_ids,
            set_filters,
            vpcs,
            vpc_id,
            "ec2:DescribeVpcs"
        )
        .await
    }

    /// Route tables and default security groups of these VPCs, in one call each.
    async fn related(
        &self,
        aws: &Aws,
        ids: &[String],
    ) -> Result<(BTreeMap<String, String>, BTreeMap<String, String>), ProviderError> {
        let mut main_tables = BTreeMap::new();
        let mut default_groups = BTreeMap::new();
        if ids.is_empty() {
            return Ok((main_tables, default_groups));
        }
        let what = ids.join(", ");
        let vpc_filter = Filter::builder()
            .name("vpc-id")
            .set_values(Some(ids.to_vec()))
            .build();
        let mut pages = aws
            .ec2()
            .describe_route_tables()
            .filters(vpc_filter.clone())
            .filters(
                Filter::builder()
                    .name("association.main")
                    .values("true")
                    .build(),
            )
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "ec2:DescribeRouteTables", &what))?;
            for table in page.route_tables() {
                if let (Some(vpc), Some(id)) = (table.vpc_id(), table.route_table_id()) {
                    main_tables.insert(vpc.to_owned(), id.to_owned());
                }
            }
        }
        let mut pages = aws
            .ec2()
            .describe_security_groups()
            .filters(vpc_filter)
            .filters(
                Filter::builder()
                    .name("group-name")
                    .values("default")
                    .build(),
            )
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "ec2:DescribeSecurityGroups", &what))?;
            for group in page.security_groups() {
                if let (Some(vpc), Some(id)) = (group.vpc_id(), group.group_id()) {
                    default_groups.insert(vpc.to_owned(), id.to_owned());
                }
            }
        }
        Ok((main_tables, default_groups))
    }

    async fn dns_attribute(
        &self,
        aws: &Aws,
        id: &str,
        attribute: aws_sdk_ec2::types::VpcAttributeName,
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
            aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
            _ => out.enable_dns_support(),
        };
        Ok(value.and_then(|v| v.value()).unwrap_or(false))
    }

    async fn set_dns(
        &self,
        aws: &Aws,
        id: &str,
        support: Option<bool>,
        hostnames: Option<bool>,
    ) -> Result<(), ProviderError> {
        let flag = |b: bool| AttributeBooleanValue::builder().value(b).build();
        if let Some(support) = support {
            aws.ec2()
                .modify_vpc_attribute()
                .vpc_id(id)
                .enable_dns_support(flag(support))
                .send()
                .await
                .map_err(|e| classify(aws, e, "ec2:ModifyVpcAttribute", id))?;
        }
        if let Some(hostnames) = hostnames {
            aws.ec2()
                .modify_vpc_attribute()
                .vpc_id(id)
                .enable_dns_hostnames(flag(hostnames))
                .send()
                .await
                .map_err(|e| classify(aws, e, "ec2:ModifyVpcAttribute", id))?;
        }
        Ok(())
    }
}

/// A VPC with what its value needs from other calls: its main route table and default security
/// group (one call each per batch) and its DNS settings (EC2 has no batch call for those).
pub struct DescribedVpc {
    vpc: Vpc,
    main_table: Option<String>,
    default_group: Option<String>,
    dns_support: bool,
    dns_hostnames: bool,
}

impl Default for AwsVpc {
    fn default() -> Self {
        AwsVpc::new()
    }
}

impl Ec2Object for AwsVpc {
    type Described = DescribedVpc;

    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn kind(&self) -> &'static str {
        "VPC"
    }

    fn describe<'a>(
        &'a self,
        aws: &'a Aws,
        ids: &'a [String],
        filters: Vec<Filter>,
    ) -> BoxFuture<'a, Result<BTreeMap<String, DescribedVpc>, ProviderError>> {
        Box::pin(async move {
            use aws_sdk_ec2::types::VpcAttributeName;
            let vpcs = self.describe_vpcs(aws, ids, filters).await?;
            let present: Vec<String> = vpcs.keys().cloned().collect();
            let (main_tables, default_groups) = self.related(aws, &present).await?;
            let mut out = BTreeMap::new();
            for (id, vpc) in vpcs {
                let dns_support = self
                    .dns_attribute(aws, &id, VpcAttributeName::EnableDnsSupport)
                    .await?;
                let dns_hostnames = self
                    .dns_attribute(aws, &id, VpcAttributeName::EnableDnsHostnames)
                    .await?;
                let described = DescribedVpc {
                    vpc,
                    main_table: main_tables.get(&id).cloned(),
                    default_group: default_groups.get(&id).cloned(),
                    dns_support,
                    dns_hostnames,
                };
                out.insert(id, described);
            }
            Ok(out)
        })
    }

    fn value(&self, aws: &Aws, described: &DescribedVpc, current: &Value) -> Option<Value> {
        let vpc = &described.vpc;
        let id = vpc.vpc_id().unwrap_or_default();
        let owner = vpc.owner_id().unwrap_or_default();
        let (tags, tags_all) = tags::read_values(
            aws,
            tags::ec2_pairs(vpc.tags()),
            &Attrs::new(&self.schema, current),
        );
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let main = described.main_table.as_deref();
        Some(complete(
            &self.schema,
            &Value::Null,
            [
                ("cidr_block", text(vpc.cidr_block())),
                (
                    "instance_tenancy",
                    text(vpc.instance_tenancy().map(|t| t.as_str())),
                ),
                ("enable_dns_support", Value::Bool(described.dns_support)),
                ("enable_dns_hostnames", Value::Bool(described.dns_hostnames)),
                ("id", Value::string(id)),
                (
                    "arn",
                    Value::string(format!("arn:aws:ec2:{}:{owner}:vpc/{id}", aws.region)),
                ),
                ("owner_id", Value::string(owner)),
                ("main_route_table_id", text(main)),
                ("default_route_table_id", text(main)),
                (
                    "default_security_group_id",
                    text(described.default_group.as_deref()),
                ),
                ("dhcp_options_id", text(vpc.dhcp_options_id())),
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
            let tenancy = attrs
                .string("instance_tenancy")?
                .unwrap_or_else(|| "default".into());
            let out = aws
                .ec2()
                .create_vpc()
                .cidr_block(attrs.string("cidr_block")?.unwrap_or_default())
                .instance_tenancy(tenancy.as_str().into())
                .tag_specifications(tags::ec2_specification(
                    aws,
                    Ec2Type::Vpc,
                    &tags::configured(&self.schema, planned)?,
                    address,
                ))
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map_err(|e| classify(aws, e, "ec2:CreateVpc", address.unwrap_or("aws_vpc")))?;
            out.vpc()
                .and_then(|v| v.vpc_id())
                .map(str::to_owned)
                .ok_or_else(|| ProviderError::other("CreateVpc returned no VPC id"))
        })
    }

    /// Waits for `available`, then sets the DNS settings that differ from AWS's defaults.
    fn after_create<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let ids = [id.to_owned()];
            let state =
                |vpcs: &BTreeMap<String, Vpc>| vpcs.get(id).and_then(|v| v.state().cloned());
            retry::poll(
                ctx,
                "creating",
                || self.describe_vpcs(aws, &ids, Vec::new()),
                |vpcs| Ok(state(vpcs).is_some_and(|s| s.as_str() == "available")),
                |vpcs| state(vpcs).map_or("not visible yet".into(), |s| s.as_str().to_owned()),
            )
            .await?;
            let attrs = Attrs::new(&self.schema, planned);
            let support = attrs.bool("enable_dns_support")?.unwrap_or(true);
            let hostnames = attrs.bool("enable_dns_hostnames")?.unwrap_or(false);
            self.set_dns(
                aws,
                id,
                (!support).then_some(false),
                hostnames.then_some(true),
            )
            .await
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
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let changed = |name: &str| before.get(name).known_eq(after.get(name)) != Some(true);
            let support = after.bool("enable_dns_support")?.unwrap_or(true);
            let hostnames = after.bool("enable_dns_hostnames")?.unwrap_or(false);
            self.set_dns(
                aws,
                id,
                changed("enable_dns_support").then_some(support),
                changed("enable_dns_hostnames").then_some(hostnames),
            )
            .await
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
            "destroying (waiting for dependencies to go)",
            move || async move {
                aws.ec2()
                    .delete_vpc()
                    .vpc_id(id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:DeleteVpc", id))
            },
        ))
    }
}
