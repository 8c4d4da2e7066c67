//! `aws_db_subnet_group`: the subnets an RDS instance may be placed in. `name` and
//! `name_prefix` replace it; `description` and `subnet_ids` change in place
//! (ModifyDBSubnetGroup), tags too. Names are unique in a region, so a create whose answer was
//! lost is found by name and adopted when it carries this instance's ownership tags.
//!
//! Refresh asks once per group: DescribeDBSubnetGroups takes one name or none (its `Filters`
//! parameter is documented as not supported), and the tags need ListTagsForResource by ARN.

use super::errors::classify;
use super::handle::Aws;
use super::{rds, retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

use aws_sdk_rds::types::DbSubnetGroup;

pub struct AwsDbSubnetGroup {
    schema: ResourceSchema,
}

/// Subnet group names: at most 255 characters of lower case letters, digits, spaces, periods,
/// underscores and hyphens.
const MAX_NAME: usize = 255;

fn check_name(attribute: &str, name: &str, prefix: bool) -> Result<(), ProviderError> {
    let limit = if prefix { MAX_NAME - 26 } else { MAX_NAME };
    if name.is_empty() || name.len() > limit {
        return Err(ProviderError::validation(
            attribute,
            format!("must be 1 to {limit} characters, not {}", name.len()),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || " ._-".contains(c))
    {
        return Err(ProviderError::validation(
            attribute,
            format!("\"{name}\" may hold only lower case letters, digits, spaces, periods, underscores and hyphens"),
        ));
    }
    if !prefix && name == "default" {
        return Err(ProviderError::validation(
            attribute,
            "\"default\" is reserved by RDS",
        ));
    }
    Ok(())
}

impl AwsDbSubnetGroup {
    pub fn new() -> AwsDbSubnetGroup {
        let mut attributes = vec![
            AttributeSchema::optional_computed("name", Type::String).force_new(),
            AttributeSchema::optional("name_prefix", Type::String).force_new(),
            AttributeSchema::optional("description", Type::String).default("Managed by Terraform"),
            AttributeSchema::required("subnet_ids", Type::Set(Box::new(Type::String)))
                .describe("The subnets (in at least two availability zones on AWS)."),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("vpc_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsDbSubnetGroup {
            schema: ResourceSchema {
                type_name: "aws_db_subnet_group",
                description: "An RDS DB subnet group.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    async fn get(&self, aws: &Aws, name: &str) -> Result<Option<DbSubnetGroup>, ProviderError> {
        match aws
            .rds()
            .describe_db_subnet_groups()
            .db_subnet_group_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .db_subnet_groups()
                .iter()
                .find(|g| g.db_subnet_group_name() == Some(name))
                .cloned()),
            Err(e) => {
                super::errors::gone_as(classify(aws, e, "rds:DescribeDBSubnetGroups", name), None)
            }
        }
    }

    /// The group with its tags: `(group, tags)`.
    async fn get_tagged(
        &self,
        aws: &Aws,
        name: &str,
    ) -> Result<Option<(DbSubnetGroup, Vec<(String, String)>)>, ProviderError> {
        let Some(group) = self.get(aws, name).await? else {
            return Ok(None);
        };
        let tags = match group.db_subnet_group_arn() {
            Some(arn) => rds::list_tags(aws, arn, name).await?,
            None => Vec::new(),
        };
        Ok(Some((group, tags)))
    }

    fn value(
        &self,
        aws: &Aws,
        group: &DbSubnetGroup,
        carried: Vec<(String, String)>,
        current: &Value,
    ) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, carried, &stored);
        let name = group.db_subnet_group_name().unwrap_or_default().to_owned();
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        complete(
            &self.schema,
            &Value::Null,
            [
                ("name", Value::string(name.clone())),
                ("name_prefix", stored.raw("name_prefix").clone()),
                ("description", text(group.db_subnet_group_description())),
                (
                    "subnet_ids",
                    rds::string_set(group.subnets().iter().filter_map(|s| s.subnet_identifier())),
                ),
                ("id", Value::string(name)),
                ("arn", text(group.db_subnet_group_arn())),
                ("vpc_id", text(group.vpc_id())),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        )
    }

    async fn read_name(
        &self,
        aws: &Aws,
        name: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .get_tagged(aws, name)
            .await?
            .map(|(group, tags)| self.value(aws, &group, tags, current)))
    }

    /// Whether the group named `name` exists and carries the ownership tags of `address`.
    async fn owner(
        &self,
        aws: &Aws,
        name: &str,
        address: Option<&str>,
    ) -> Result<Option<bool>, ProviderError> {
        Ok(self
            .get_tagged(aws, name)
            .await?
            .map(|(_, tags)| rds::owned_by(&tags, address)))
    }
}

impl Default for AwsDbSubnetGroup {
    fn default() -> Self {
        AwsDbSubnetGroup::new()
    }
}

fn name_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("name")?
        .ok_or_else(|| ProviderError::other("the DB subnet group has no name in state"))
}

impl ResourceType for AwsDbSubnetGroup {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        self.plan_configured(None, prior, proposed)
    }

    fn plan_configured(
        &self,
        provider: Option<&ProviderHandle>,
        prior: Option<&Value>,
        proposed: Value,
    ) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        if let Ok(Some(name)) = attrs.string("name") {
            check_name("name", &name, false)?;
        }
        if let Ok(Some(prefix)) = attrs.string("name_prefix") {
            check_name("name_prefix", &prefix, true)?;
        }
        if let Ok(ids) = attrs.strings("subnet_ids") {
            if ids.is_empty() {
                return Err(ProviderError::validation(
                    "subnet_ids",
                    "needs at least one subnet (two availability zones on AWS)",
                ));
            }
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => complete(
                &self.schema,
                &proposed,
                [("id", unknown(&self.schema, "id"))],
            ),
        };
        Ok(complete(&self.schema, &planned, [("tags_all", tags_all)]))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let attrs = Attrs::new(&self.schema, planned);
            let name = super::names::for_create(ctx, &attrs, "name", "name_prefix")?;
            let description = attrs
                .string("description")?
                .unwrap_or_else(|| "Managed by Terraform".into());
            let subnets = attrs.strings("subnet_ids")?;
            let address = ctx.address.as_deref();
            let all_tags = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            rds::create_named(
                ctx,
                "DB subnet group",
                &name,
                || async {
                    aws.rds()
                        .create_db_subnet_group()
                        .db_subnet_group_name(&name)
                        .db_subnet_group_description(&description)
                        .set_subnet_ids(Some(subnets.clone()))
                        .set_tags(Some(rds::rds_tags(&all_tags)))
                        .customize()
                        .config_override(rds::no_sdk_retries())
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "rds:CreateDBSubnetGroup", &name))
                },
                || self.owner(aws, &name, address),
            )
            .await?;
            retry::until_visible(ctx, || self.read_name(aws, &name, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_name(aws, &name_of(&self.schema, current)?, current)
                .await
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
            let name = name_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let changed = |n: &str| before.get(n).known_eq(after.get(n)) != Some(true);
            // The group as the modify call answers it (what AWS now holds).
            let mut modified = None;
            if changed("description") || changed("subnet_ids") {
                let out = aws
                    .rds()
                    .modify_db_subnet_group()
                    .db_subnet_group_name(&name)
                    .db_subnet_group_description(
                        after
                            .string("description")?
                            .unwrap_or_else(|| "Managed by Terraform".into()),
                    )
                    .set_subnet_ids(Some(after.strings("subnet_ids")?))
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "rds:ModifyDBSubnetGroup", &name))?;
                modified = out.db_subnet_group().cloned();
            }
            let address = ctx.address.as_deref();
            let had = tags::carried(aws, &self.schema, prior, address)?;
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            if had != wanted {
                let arn = before.string("arn")?.ok_or_else(|| {
                    ProviderError::other(format!("the DB subnet group {name} has no arn in state"))
                })?;
                rds::update_tags(aws, &arn, &name, &had, &wanted).await?;
            }
            match modified {
                Some(group) => {
                    let tags = match group.db_subnet_group_arn() {
                        Some(arn) => rds::list_tags(aws, arn, &name).await?,
                        None => Vec::new(),
                    };
                    Ok(self.value(aws, &group, tags, planned))
                }
                None => self
                    .read_name(aws, &name, planned)
                    .await?
                    .ok_or(ProviderError::NotFound),
            }
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let name = name_of(&self.schema, current)?;
            // While an instance that used the group is still being deleted, AWS answers
            // InvalidDBSubnetGroupStateFault: wait for it.
            retry::delete(
                ctx,
                "destroying (waiting for DB instances to leave the group)",
                || async {
                    aws.rds()
                        .delete_db_subnet_group()
                        .db_subnet_group_name(&name)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "rds:DeleteDBSubnetGroup", &name))
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
            self.read_name(aws, id, &Value::Null).await?.ok_or_else(|| {
                ProviderError::validation(
                    "id",
                    format!("no DB subnet group named {id} in {}", aws.region),
                )
            })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        super::names::owned_identity(
            ctx,
            &Attrs::new(&self.schema, planned),
            "name",
            "name_prefix",
        )
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((name, address)) = super::names::name_and_address(identity) else {
                return Ok(None);
            };
            Ok(self.get_tagged(aws, name).await?.and_then(|(group, tags)| {
                rds::owned_by(&tags, Some(address)).then(|| {
                    self.value(
                        aws,
                        &group,
                        tags,
                        &super::names::stored(&self.schema, identity, "name_prefix"),
                    )
                })
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::config;

    #[test]
    fn names_are_checked_at_plan_time() {
        let t = AwsDbSubnetGroup::new();
        let subnets = rds::string_set(["subnet-1", "subnet-2"]);
        let ok = config(
            t.schema(),
            &[
                ("name", Value::string("app db")),
                ("subnet_ids", subnets.clone()),
            ],
        );
        assert!(t.plan(None, ok).is_ok());
        for bad in ["App", "default"] {
            let value = config(
                t.schema(),
                &[
                    ("name", Value::string(bad)),
                    ("subnet_ids", subnets.clone()),
                ],
            );
            assert!(t.plan(None, value).is_err(), "{bad}");
        }
        let empty = config(
            t.schema(),
            &[
                ("name", Value::string("a")),
                ("subnet_ids", Value::Set(vec![])),
            ],
        );
        assert!(t.plan(None, empty).is_err());
    }
}
