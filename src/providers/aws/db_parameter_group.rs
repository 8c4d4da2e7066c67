//! `aws_db_parameter_group`: engine settings for RDS instances. `name`, `name_prefix`, `family`
//! and `description` replace it; `parameter` blocks change in place: set or changed ones through
//! ModifyDBParameterGroup, removed ones back to the engine default through
//! ResetDBParameterGroup (20 parameters per call, AWS's limit). Tags change in place.
//!
//! A group lists hundreds of engine defaults, so only parameters that state names (the
//! configuration's) and those changed from their default outside plat (source `user`) are
//! read and compared.
//!
//! Refresh asks once per group: DescribeDBParameterGroups takes one name or none (its `Filters`
//! parameter is documented as not supported), and the parameters and tags need calls of their own.

use std::collections::BTreeMap;

use aws_sdk_rds::types::{ApplyMethod, DbParameterGroup, Parameter};

use super::errors::classify;
use super::handle::Aws;
use super::{rds, retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct AwsDbParameterGroup {
    schema: ResourceSchema,
}

/// Parameters per ModifyDBParameterGroup or ResetDBParameterGroup call (AWS's limit).
const PER_CALL: usize = 20;

/// Parameter group names: at most 255 characters.
const MAX_NAME: usize = 255;

/// One `parameter` block: value and apply method by name.
type Parameters = BTreeMap<String, (String, String)>;

impl AwsDbParameterGroup {
    pub fn new() -> AwsDbParameterGroup {
        let mut attributes = vec![
            AttributeSchema::optional_computed("name", Type::String).force_new(),
            AttributeSchema::optional("name_prefix", Type::String).force_new(),
            AttributeSchema::required("family", Type::String)
                .force_new()
                .describe("The engine family, e.g. postgres16 or mysql8.0."),
            AttributeSchema::optional("description", Type::String)
                .default("Managed by Terraform")
                .force_new(),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsDbParameterGroup {
            schema: ResourceSchema {
                type_name: "aws_db_parameter_group",
                description: "An RDS DB parameter group.",
                attributes,
                blocks: vec![BlockSchema {
                    name: "parameter",
                    nesting: Nesting::Set,
                    min_items: 0,
                    max_items: None,
                    optional_computed: false,
                    attributes: vec![
                        AttributeSchema::required("name", Type::String),
                        AttributeSchema::required("value", Type::String),
                        AttributeSchema::optional("apply_method", Type::String)
                            .default("immediate")
                            .describe("immediate or pending-reboot (static parameters)."),
                    ],
                    blocks: Vec::new(),
                }],
            },
        }
    }

    async fn get(&self, aws: &Aws, name: &str) -> Result<Option<DbParameterGroup>, ProviderError> {
        match aws
            .rds()
            .describe_db_parameter_groups()
            .db_parameter_group_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .db_parameter_groups()
                .iter()
                .find(|g| g.db_parameter_group_name() == Some(name))
                .cloned()),
            Err(e) => super::errors::gone_as(
                classify(aws, e, "rds:DescribeDBParameterGroups", name),
                None,
            ),
        }
    }

    /// The parameters changed from their defaults (AWS's source `user`), every page.
    async fn user_parameters(
        &self,
        aws: &Aws,
        name: &str,
    ) -> Result<Vec<Parameter>, ProviderError> {
        let mut found = Vec::new();
        let mut pages = aws
            .rds()
            .describe_db_parameters()
            .db_parameter_group_name(name)
            .source("user")
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "rds:DescribeDBParameters", name))?;
            found.extend(page.parameters().iter().cloned());
        }
        Ok(found)
    }

    /// The group, its user parameters and its tags.
    async fn get_all(
        &self,
        aws: &Aws,
        name: &str,
    ) -> Result<Option<(DbParameterGroup, Vec<Parameter>, Vec<(String, String)>)>, ProviderError>
    {
        let Some(group) = self.get(aws, name).await? else {
            return Ok(None);
        };
        let parameters = self.user_parameters(aws, name).await?;
        let tags = match group.db_parameter_group_arn() {
            Some(arn) => rds::list_tags(aws, arn, name).await?,
            None => Vec::new(),
        };
        Ok(Some((group, parameters, tags)))
    }

    fn value(
        &self,
        aws: &Aws,
        group: &DbParameterGroup,
        parameters: &[Parameter],
        carried: Vec<(String, String)>,
        current: &Value,
    ) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let named = parameters_of(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, carried, &stored);
        let name = group
            .db_parameter_group_name()
            .unwrap_or_default()
            .to_owned();
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let blocks = parameters
            .iter()
            .filter_map(|p| {
                let key = p.parameter_name()?;
                let value = p.parameter_value().unwrap_or_default();
                let method = match named.get(key) {
                    // Named in state: compared, with the apply method state holds (AWS does not
                    // say which one a change used).
                    Some((_, method)) => method.clone(),
                    // Changed outside plat: drift.
                    None if p.source() == Some("user") => p
                        .apply_method()
                        .map_or("immediate".to_owned(), |m| m.as_str().to_owned()),
                    None => return None,
                };
                Some(parameter_value(key, value, &method))
            })
            .collect();
        complete(
            &self.schema,
            &Value::Null,
            [
                ("name", Value::string(name.clone())),
                ("name_prefix", stored.raw("name_prefix").clone()),
                ("family", text(group.db_parameter_group_family())),
                ("description", text(group.description())),
                ("id", Value::string(name)),
                ("arn", text(group.db_parameter_group_arn())),
                ("tags", tags),
                ("tags_all", tags_all),
                ("parameter", Value::set_from(blocks)),
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
            .get_all(aws, name)
            .await?
            .map(|(group, parameters, tags)| self.value(aws, &group, &parameters, tags, current)))
    }

    async fn owner(
        &self,
        aws: &Aws,
        name: &str,
        address: Option<&str>,
    ) -> Result<Option<bool>, ProviderError> {
        let Some(group) = self.get(aws, name).await? else {
            return Ok(None);
        };
        let tags = match group.db_parameter_group_arn() {
            Some(arn) => rds::list_tags(aws, arn, name).await?,
            None => Vec::new(),
        };
        Ok(Some(rds::owned_by(&tags, address)))
    }

    /// Sets parameters, 20 per call.
    async fn modify(&self, aws: &Aws, name: &str, set: &Parameters) -> Result<(), ProviderError> {
        let all: Vec<Parameter> = set
            .iter()
            .map(|(key, (value, method))| {
                Parameter::builder()
                    .parameter_name(key)
                    .parameter_value(value)
                    .apply_method(ApplyMethod::from(method.as_str()))
                    .build()
            })
            .collect();
        for chunk in all.chunks(PER_CALL) {
            aws.rds()
                .modify_db_parameter_group()
                .db_parameter_group_name(name)
                .set_parameters(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| classify(aws, e, "rds:ModifyDBParameterGroup", name))?;
        }
        Ok(())
    }

    /// Resets parameters to the engine's defaults, 20 per call.
    async fn reset(&self, aws: &Aws, name: &str, reset: &Parameters) -> Result<(), ProviderError> {
        let all: Vec<Parameter> = reset
            .iter()
            .map(|(key, (_, method))| {
                Parameter::builder()
                    .parameter_name(key)
                    .apply_method(ApplyMethod::from(method.as_str()))
                    .build()
            })
            .collect();
        for chunk in all.chunks(PER_CALL) {
            aws.rds()
                .reset_db_parameter_group()
                .db_parameter_group_name(name)
                .set_parameters(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| classify(aws, e, "rds:ResetDBParameterGroup", name))?;
        }
        Ok(())
    }
}

impl Default for AwsDbParameterGroup {
    fn default() -> Self {
        AwsDbParameterGroup::new()
    }
}

fn parameter_value(name: &str, value: &str, method: &str) -> Value {
    Value::Object(BTreeMap::from([
        ("name".to_owned(), Value::string(name)),
        ("value".to_owned(), Value::string(value)),
        ("apply_method".to_owned(), Value::string(method)),
    ]))
}

/// The `parameter` blocks of a value by name; an unset apply method is `immediate`.
fn parameters_of(schema: &ResourceSchema, value: &Value) -> Parameters {
    let text = |block: &Value, key: &str| {
        block
            .peel()
            .as_entries()
            .and_then(|e| e.get(key))
            .and_then(|v| v.peel().to_template_string())
    };
    Attrs::new(schema, value)
        .blocks("parameter")
        .into_iter()
        .filter_map(|block| {
            Some((
                text(block, "name")?,
                (
                    text(block, "value").unwrap_or_default(),
                    text(block, "apply_method").unwrap_or_else(|| "immediate".into()),
                ),
            ))
        })
        .collect()
}

fn name_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("name")?
        .ok_or_else(|| ProviderError::other("the DB parameter group has no name in state"))
}

impl ResourceType for AwsDbParameterGroup {
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
            rds::check_identifier("name", &name, MAX_NAME, false)?;
        }
        if let Ok(Some(prefix)) = attrs.string("name_prefix") {
            rds::check_identifier("name_prefix", &prefix, MAX_NAME, true)?;
        }
        if attrs.get("parameter").is_fully_known() {
            let mut seen = BTreeMap::new();
            for block in attrs.blocks("parameter") {
                let entries = block.peel().as_entries();
                let get = |k: &str| {
                    entries
                        .and_then(|e| e.get(k))
                        .and_then(|v| v.peel().to_template_string())
                };
                let name = get("name").unwrap_or_default();
                if let Some(method) = get("apply_method") {
                    if method != "immediate" && method != "pending-reboot" {
                        return Err(ProviderError::validation(
                            "parameter.apply_method",
                            format!("\"{method}\" for {name} must be immediate or pending-reboot"),
                        ));
                    }
                }
                if seen.insert(name.clone(), ()).is_some() {
                    return Err(ProviderError::validation(
                        "parameter",
                        format!("{name} is set more than once"),
                    ));
                }
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
            let family = attrs.string("family")?.unwrap_or_default();
            let description = attrs
                .string("description")?
                .unwrap_or_else(|| "Managed by Terraform".into());
            let address = ctx.address.as_deref();
            let all_tags = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            rds::create_named(
                ctx,
                "DB parameter group",
                &name,
                || async {
                    aws.rds()
                        .create_db_parameter_group()
                        .db_parameter_group_name(&name)
                        .db_parameter_group_family(&family)
                        .description(&description)
                        .set_tags(Some(rds::rds_tags(&all_tags)))
                        .customize()
                        .config_override(rds::no_sdk_retries())
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "rds:CreateDBParameterGroup", &name))
                },
                || self.owner(aws, &name, address),
            )
            .await?;
            let parameters = parameters_of(&self.schema, planned);
            if !parameters.is_empty() {
                if let Err(cause) = self.modify(aws, &name, &parameters).await {
                    // The group exists without its parameters: state keeps it (tainted).
                    return Err(ProviderError::incomplete(
                        self.read_name(aws, &name, planned).await,
                        || {
                            complete(
                                &self.schema,
                                planned,
                                [
                                    ("name", Value::string(name.clone())),
                                    ("id", Value::string(name.clone())),
                                ],
                            )
                        },
                        cause,
                    ));
                }
            }
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
            let had = parameters_of(&self.schema, prior);
            let wanted = parameters_of(&self.schema, planned);
            let removed: Parameters = had
                .iter()
                .filter(|(k, _)| !wanted.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let set: Parameters = wanted
                .iter()
                .filter(|(k, v)| had.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !removed.is_empty() {
                self.reset(aws, &name, &removed).await?;
            }
            if !set.is_empty() {
                self.modify(aws, &name, &set).await?;
            }
            let address = ctx.address.as_deref();
            let had_tags = tags::carried(aws, &self.schema, prior, address)?;
            let wanted_tags = tags::carried(aws, &self.schema, planned, address)?;
            if had_tags != wanted_tags {
                let arn = Attrs::new(&self.schema, prior)
                    .string("arn")?
                    .ok_or_else(|| {
                        ProviderError::other(format!(
                            "the DB parameter group {name} has no arn in state"
                        ))
                    })?;
                rds::update_tags(aws, &arn, &name, &had_tags, &wanted_tags).await?;
            }
            self.read_name(aws, &name, planned)
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
            let name = name_of(&self.schema, current)?;
            // While an instance that used the group is still being deleted, AWS answers
            // InvalidDBParameterGroupState: wait for it.
            retry::delete(
                ctx,
                "destroying (waiting for DB instances to stop using the group)",
                || async {
                    aws.rds()
                        .delete_db_parameter_group()
                        .db_parameter_group_name(&name)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "rds:DeleteDBParameterGroup", &name))
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
                    format!("no DB parameter group named {id} in {}", aws.region),
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
            // What create would have returned: the parameters it was to set are not known
            // here, so only those changed from their defaults show.
            Ok(self
                .get_all(aws, name)
                .await?
                .and_then(|(group, parameters, tags)| {
                    rds::owned_by(&tags, Some(address)).then(|| {
                        self.value(
                            aws,
                            &group,
                            &parameters,
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
    use crate::providers::resource::testing;

    /// A configuration with `parameter` blocks (the testing helper fills attributes only).
    fn config(schema: &ResourceSchema, set: &[(&str, Value)]) -> Value {
        let blocks: Vec<(&'static str, Value)> = set
            .iter()
            .filter(|(n, _)| *n == "parameter")
            .map(|(_, v)| ("parameter", v.clone()))
            .collect();
        complete(schema, &testing::config(schema, set), blocks)
    }

    #[test]
    fn parameters_are_checked_and_read_by_name() {
        let t = AwsDbParameterGroup::new();
        let block = |n: &str, v: &str, m: &str| parameter_value(n, v, m);
        let value = config(
            t.schema(),
            &[
                ("name", Value::string("app-pg")),
                ("family", Value::string("postgres16")),
                (
                    "parameter",
                    Value::set_from(vec![block("work_mem", "8192", "immediate")]),
                ),
            ],
        );
        assert!(t.plan(None, value.clone()).is_ok());
        assert_eq!(
            parameters_of(t.schema(), &value).get("work_mem"),
            Some(&("8192".to_owned(), "immediate".to_owned()))
        );
        let bad = config(
            t.schema(),
            &[
                ("name", Value::string("app-pg")),
                ("family", Value::string("postgres16")),
                (
                    "parameter",
                    Value::set_from(vec![block("work_mem", "1", "later")]),
                ),
            ],
        );
        assert!(t.plan(None, bad).is_err());
        let upper = config(
            t.schema(),
            &[
                ("name", Value::string("App")),
                ("family", Value::string("postgres16")),
            ],
        );
        assert!(t.plan(None, upper).is_err());
    }
}
