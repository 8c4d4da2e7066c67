//! `aws_vpc`: a virtual network. `cidr_block` and `instance_tenancy` replace it; DNS settings
//! and tags update in place. Found again after a crash by its ownership tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType as Ec2Type, Vpc};

use super::batch::{self, id_of};
use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
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

    /// Vpcs by id (one call per page) or by filters; those that do not exist are absent.
    async fn describe(
        &self,
        aws: &Aws,
        ids: &[String],
        filters: Vec<Filter>,
    ) -> Result<BTreeMap<String, Vpc>, ProviderError> {
        let what = ids.join(", ");
        batch::describe_by_ids(ids, filters, |ids, filters| {
            let what = &what;
            async move {
                let mut found = Vec::new();
                let mut pages = aws
                    .ec2()
                    .describe_vpcs()
                    .set_vpc_ids(ids)
                    .set_filters(filters)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| classify(aws, e, "ec2:DescribeVpcs", what))?;
                    found.extend(
                        page.vpcs()
                            .iter()
                            .filter_map(|o| Some((o.vpc_id()?.to_owned(), o.clone()))),
                    );
                }
                Ok(found)
            }
        })
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

    /// Reads VPCs by id, in as few calls as EC2 allows; `None` for those that are gone.
    async fn read_ids(
        &self,
        aws: &Aws,
        currents: &[(String, &Value)],
    ) -> Result<Vec<Option<Value>>, ProviderError> {
        let ids: Vec<String> = currents.iter().map(|(id, _)| id.clone()).collect();
        let vpcs = self.describe(aws, &ids, Vec::new()).await?;
        let present: Vec<String> = vpcs.keys().cloned().collect();
        let (main_tables, default_groups) = self.related(aws, &present).await?;
        let mut out = Vec::with_capacity(currents.len());
        for (id, current) in currents {
            match vpcs.get(id) {
                Some(vpc) => out.push(Some(
                    self.value(aws, vpc, current, &main_tables, &default_groups)
                        .await?,
                )),
                None => out.push(None),
            }
        }
        Ok(out)
    }

    async fn value(
        &self,
        aws: &Aws,
        vpc: &Vpc,
        current: &Value,
        main_tables: &BTreeMap<String, String>,
        default_groups: &BTreeMap<String, String>,
    ) -> Result<Value, ProviderError> {
        use aws_sdk_ec2::types::VpcAttributeName;
        let id = vpc.vpc_id().unwrap_or_default().to_owned();
        let owner = vpc.owner_id().unwrap_or_default().to_owned();
        let dns_support = self
            .dns_attribute(aws, &id, VpcAttributeName::EnableDnsSupport)
            .await?;
        let dns_hostnames = self
            .dns_attribute(aws, &id, VpcAttributeName::EnableDnsHostnames)
            .await?;
        let configured = Attrs::new(&self.schema, current).raw("tags").peel().clone();
        let (tags, tags_all) = tags::read_values(aws, tags::ec2_pairs(vpc.tags()), &configured);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let main = main_tables.get(&id).map(String::as_str);
        Ok(complete(
            &self.schema,
            &Value::Null,
            [
                ("cidr_block", text(vpc.cidr_block())),
                (
                    "instance_tenancy",
                    text(vpc.instance_tenancy().map(|t| t.as_str())),
                ),
                ("enable_dns_support", Value::Bool(dns_support)),
                ("enable_dns_hostnames", Value::Bool(dns_hostnames)),
                ("id", Value::string(id.clone())),
                (
                    "arn",
                    Value::string(format!("arn:aws:ec2:{}:{owner}:vpc/{id}", aws.region)),
                ),
                ("owner_id", Value::string(owner)),
                ("main_route_table_id", text(main)),
                ("default_route_table_id", text(main)),
                (
                    "default_security_group_id",
                    text(default_groups.get(&id).map(String::as_str)),
                ),
                ("dhcp_options_id", text(vpc.dhcp_options_id())),
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
        let mut values = self.read_ids(aws, &[(id.to_owned(), current)]).await?;
        Ok(values.pop().flatten())
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

    async fn find_owned(&self, aws: &Aws, address: &str) -> Result<Option<Value>, ProviderError> {
        let vpcs = self
            .describe(aws, &[], tags::ec2_ownership_filters(aws, address))
            .await?;
        let Some((id, _)) = vpcs.into_iter().next() else {
            return Ok(None);
        };
        self.read_one(aws, &id, &Value::Null).await
    }
}

impl Default for AwsVpc {
    fn default() -> Self {
        AwsVpc::new()
    }
}

fn address(ctx: &OpContext) -> Option<&str> {
    ctx.address.as_deref()
}

impl ResourceType for AwsVpc {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        if let Some(cidr) = attrs.string("cidr_block").ok().flatten() {
            if cidr.parse::<ipnet::Ipv4Net>().is_err() {
                return Err(ProviderError::validation(
                    "cidr_block",
                    format!("\"{cidr}\" is not an IPv4 CIDR block"),
                ));
            }
        }
        let tags_all = tags::plan_tags_all(&self.schema, prior, &proposed);
        let mut planned = match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => proposed,
        };
        planned = complete(&self.schema, &planned, [("tags_all", tags_all)]);
        if prior.is_none() {
            planned = complete(
                &self.schema,
                &planned,
                [("id", unknown(&self.schema, "id"))],
            );
        }
        Ok(planned)
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let attrs = Attrs::new(&self.schema, planned);
            let cidr = attrs.string("cidr_block")?.unwrap_or_default();
            let tenancy = attrs
                .string("instance_tenancy")?
                .unwrap_or_else(|| "default".into());
            let own = tags::configured(&self.schema, planned)?;
            let owner = address(ctx).unwrap_or("aws_vpc");
            let id = retry::create_once(
                ctx,
                || async {
                    aws.ec2()
                        .create_vpc()
                        .cidr_block(&cidr)
                        .instance_tenancy(tenancy.as_str().into())
                        .tag_specifications(tags::ec2_specification(
                            aws,
                            Ec2Type::Vpc,
                            &own,
                            address(ctx),
                        ))
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "ec2:CreateVpc", owner))
                        .and_then(|out| {
                            out.vpc()
                                .and_then(|v| v.vpc_id())
                                .map(str::to_owned)
                                .ok_or_else(|| ProviderError::other("CreateVpc returned no VPC id"))
                        })
                },
                || async {
                    match address(ctx) {
                        Some(address) => Ok(self
                            .describe(aws, &[], tags::ec2_ownership_filters(aws, address))
                            .await?
                            .into_keys()
                            .next()),
                        None => Ok(None),
                    }
                },
            )
            .await?;
            let id = &id;
            retry::poll(
                ctx,
                "creating",
                || async {
                    self.describe(aws, std::slice::from_ref(id), Vec::new())
                        .await
                },
                |vpcs| {
                    Ok(vpcs
                        .get(id)
                        .and_then(|v| v.state())
                        .is_some_and(|s| s.as_str() == "available"))
                },
                |vpcs| {
                    vpcs.get(id)
                        .and_then(|v| v.state())
                        .map_or("not visible yet".into(), |s| s.as_str().to_owned())
                },
            )
            .await?;
            let support = attrs.bool("enable_dns_support")?.unwrap_or(true);
            let hostnames = attrs.bool("enable_dns_hostnames")?.unwrap_or(false);
            self.set_dns(
                aws,
                id,
                (!support).then_some(false),
                hostnames.then_some(true),
            )
            .await?;
            let value = retry::until_visible(ctx, || self.read_one(aws, id, planned)).await?;
            Ok(value)
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let id = id_of(&self.schema, current)?;
            self.read_one(aws, &id, current).await
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
            let aws = match ctx.provider::<Aws>() {
                Ok(aws) => aws,
                Err(e) => {
                    return current
                        .iter()
                        .map(|_| Err(ProviderError::other(e.to_string())))
                        .collect()
                }
            };
            let mut with_ids = Vec::new();
            for value in current {
                match id_of(&self.schema, value) {
                    Ok(id) => with_ids.push((id, value)),
                    Err(e) => {
                        return current
                            .iter()
                            .map(|_| Err(ProviderError::other(e.to_string())))
                            .collect()
                    }
                }
            }
            match self.read_ids(aws, &with_ids).await {
                Ok(values) => values.into_iter().map(Ok).collect(),
                Err(e) => {
                    let message = e.to_string();
                    current
                        .iter()
                        .map(|_| Err(ProviderError::other(message.clone())))
                        .collect()
                }
            }
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
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let changed = |name: &str| before.get(name).known_eq(after.get(name)) != Some(true);
            let support = after.bool("enable_dns_support")?.unwrap_or(true);
            let hostnames = after.bool("enable_dns_hostnames")?.unwrap_or(false);
            self.set_dns(
                aws,
                &id,
                changed("enable_dns_support").then_some(support),
                changed("enable_dns_hostnames").then_some(hostnames),
            )
            .await?;
            tags::ec2_update(
                aws,
                &id,
                &tags::configured(&self.schema, prior)?,
                &tags::configured(&self.schema, planned)?,
                address(ctx),
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
            retry::delete(
                ctx,
                "destroying (waiting for dependencies to go)",
                || async {
                    aws.ec2()
                        .delete_vpc()
                        .vpc_id(&id)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "ec2:DeleteVpc", &id))
                },
            )
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
                ProviderError::validation("id", format!("no VPC {id} in {}", aws.region))
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
            match identity.get("address").and_then(|a| a.as_str()) {
                Some(address) => self.find_owned(aws, address).await,
                None => Ok(None),
            }
        })
    }
}

/// The identity of an object found by its ownership tags: the address (stack and environment
/// come from the provider configuration).
pub fn owned_identity(ctx: &OpContext) -> Option<serde_json::Value> {
    let aws = ctx.provider::<Aws>().ok()?;
    Some(serde_json::json!({
        "address": ctx.address.as_deref()?,
        "stack": aws.scope.stack,
        "env": aws.scope.env,
        "region": aws.region,
    }))
}

/// A call override with the SDK's automatic retries off: used for creates, which plat retries
/// itself after checking that the first attempt did not already create the object.
pub fn no_sdk_retries() -> aws_sdk_ec2::config::Builder {
    aws_sdk_ec2::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}
