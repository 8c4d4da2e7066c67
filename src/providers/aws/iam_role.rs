//! `aws_iam_role`: a role and its trust policy. `name`, `name_prefix` and `path` replace it; the
//! trust policy (compared by meaning), description, session duration and tags update in place.
//! Role names are unique in an account, so a create whose response was lost is found by name
//! and adopted when it carries this instance's ownership tags. `force_detach_policies` detaches
//! managed and deletes inline policies before the delete.
//!
//! IAM has no call that reads several roles by name, so refresh asks once per role.

use super::errors::classify;
use super::handle::{carries_address, Aws};
use super::{policy, retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsIamRole {
    schema: ResourceSchema,
}

/// IAM limits a name prefix so that 26 generated characters still fit in 64.
const MAX_PREFIX: usize = 38;

impl AwsIamRole {
    pub fn new() -> AwsIamRole {
        let mut attributes = vec![
            AttributeSchema::optional_computed("name", Type::String).force_new(),
            AttributeSchema::optional("name_prefix", Type::String).force_new(),
            AttributeSchema::required("assume_role_policy", Type::String)
                .describe("The trust policy (JSON); compared by meaning, not text."),
            AttributeSchema::optional("description", Type::String),
            AttributeSchema::optional("max_session_duration", Type::Number).default(3600.0),
            AttributeSchema::optional("path", Type::String)
                .default("/")
                .force_new(),
            AttributeSchema::optional("force_detach_policies", Type::Bool).default(false),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("unique_id", Type::String),
            AttributeSchema::computed("create_date", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsIamRole {
            schema: ResourceSchema {
                type_name: "aws_iam_role",
                description: "An IAM role.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    async fn get(
        &self,
        aws: &Aws,
        name: &str,
    ) -> Result<Option<aws_sdk_iam::types::Role>, ProviderError> {
        match aws.iam().get_role().role_name(name).send().await {
            Ok(out) => Ok(out.role().cloned()),
            Err(e) => super::errors::gone_as(classify(aws, e, "iam:GetRole", name), None),
        }
    }

    fn value(&self, aws: &Aws, role: &aws_sdk_iam::types::Role, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let pairs = role
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()));
        let (tags, tags_all) = tags::read_values(aws, pairs, &stored);
        let read_policy = policy::decode(role.assume_role_policy_document().unwrap_or("{}"));
        let known = stored.string("assume_role_policy").ok().flatten();
        let name = role.role_name().to_owned();
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        complete(
            &self.schema,
            &Value::Null,
            [
                ("name", Value::string(name.clone())),
                ("name_prefix", stored.raw("name_prefix").clone()),
                (
                    "assume_role_policy",
                    Value::string(policy::keep_known(known.as_deref(), &read_policy)),
                ),
                ("description", text(role.description())),
                (
                    "max_session_duration",
                    Value::Number(role.max_session_duration().unwrap_or(3600) as f64),
                ),
                ("path", Value::string(role.path())),
                (
                    "force_detach_policies",
                    Value::Bool(
                        stored
                            .bool("force_detach_policies")
                            .ok()
                            .flatten()
                            .unwrap_or(false),
                    ),
                ),
                ("arn", Value::string(role.arn())),
                ("id", Value::string(name)),
                ("unique_id", Value::string(role.role_id())),
                ("create_date", Value::string(role.create_date().to_string())),
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
            .get(aws, name)
            .await?
            .map(|role| self.value(aws, &role, current)))
    }

    /// Detaches every managed policy and deletes every inline policy of the role.
    async fn detach_all(&self, aws: &Aws, name: &str) -> Result<(), ProviderError> {
        let mut pages = aws
            .iam()
            .list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "iam:ListAttachedRolePolicies", name))?;
            for attached in page.attached_policies() {
                if let Some(arn) = attached.policy_arn() {
                    aws.iam()
                        .detach_role_policy()
                        .role_name(name)
                        .policy_arn(arn)
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "iam:DetachRolePolicy", name))?;
                }
            }
        }
        let mut pages = aws
            .iam()
            .list_role_policies()
            .role_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "iam:ListRolePolicies", name))?;
            for inline in page.policy_names() {
                aws.iam()
                    .delete_role_policy()
                    .role_name(name)
                    .policy_name(inline)
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "iam:DeleteRolePolicy", name))?;
            }
        }
        Ok(())
    }
}

impl Default for AwsIamRole {
    fn default() -> Self {
        AwsIamRole::new()
    }
}

fn name_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("name")?
        .ok_or_else(|| ProviderError::other("the role has no name in state"))
}

impl ResourceType for AwsIamRole {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        self.plan_configured(None, prior, proposed)
    }

    fn plan_configured(
        &self,
        provider: Option<&crate::providers::resource::ProviderHandle>,
        prior: Option<&Value>,
        proposed: Value,
    ) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        policy::check_document(&attrs, "assume_role_policy")?;
        if let Ok(Some(prefix)) = attrs.string("name_prefix") {
            if prefix.len() > MAX_PREFIX {
                return Err(ProviderError::validation(
                    "name_prefix",
                    format!(
                        "is {} characters; at most {MAX_PREFIX} leave room for the generated part",
                        prefix.len()
                    ),
                ));
            }
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            // The same trust policy written differently is no change.
            Some(prior) => policy::keep_prior_text(
                &self.schema,
                prior,
                keep_computed(&self.schema, prior, &proposed),
                "assume_role_policy",
            ),
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
            let document = attrs.string("assume_role_policy")?.unwrap_or_default();
            let own = tags::configured(&self.schema, planned)?;
            let address = ctx.address.as_deref();
            let all_tags = aws.all_tags(&own, address);
            let session = attrs.count("max_session_duration")?.unwrap_or(3600) as i32;
            let created = retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .iam()
                        .create_role()
                        .role_name(&name)
                        .assume_role_policy_document(&document)
                        .path(attrs.string("path")?.unwrap_or_else(|| "/".into()))
                        .set_description(attrs.string("description")?)
                        .max_session_duration(session)
                        .set_tags(Some(tags::iam_tags(&all_tags)))
                        .customize()
                        .config_override(tags::iam_no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(_) => Ok(()),
                        Err(e) => match classify(aws, e, "iam:CreateRole", &name) {
                            // The name is taken: ours if it carries this instance's address.
                            ProviderError::Conflict(message) => {
                                let ours = self.get(aws, &name).await?.is_some_and(|role| {
                                    carries_address(tags::iam_pairs(role.tags()), address)
                                });
                                if ours {
                                    Ok(())
                                } else {
                                    Err(ProviderError::Conflict(format!(
                                        "{message}; a role named {name} already exists and this stack did not create it: import it with plat import, or choose another name"
                                    )))
                                }
                            }
                            other => Err(other),
                        },
                    }
                },
                || async {
                    let found = self.get(aws, &name).await?;
                    Ok(found
                        .is_some_and(|role| carries_address(tags::iam_pairs(role.tags()), address))
                        .then_some(()))
                },
            );
            created.await?;
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
            let document = after.string("assume_role_policy")?.unwrap_or_default();
            if !policy::equivalent(
                &before.string("assume_role_policy")?.unwrap_or_default(),
                &document,
            ) {
                aws.iam()
                    .update_assume_role_policy()
                    .role_name(&name)
                    .policy_document(&document)
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "iam:UpdateAssumeRolePolicy", &name))?;
            }
            let changed = |n: &str| before.get(n).known_eq(after.get(n)) != Some(true);
            if changed("description") || changed("max_session_duration") {
                aws.iam()
                    .update_role()
                    .role_name(&name)
                    .description(after.string("description")?.unwrap_or_default())
                    .max_session_duration(
                        after.count("max_session_duration")?.unwrap_or(3600) as i32
                    )
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "iam:UpdateRole", &name))?;
            }
            let address = ctx.address.as_deref();
            let had = tags::carried(aws, &self.schema, prior, address)?;
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            let target: &str = &name;
            tags::retag(
                &had,
                &wanted,
                |keys| async move {
                    aws.iam()
                        .untag_role()
                        .role_name(target)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:UntagRole", target))
                },
                |changed| async move {
                    aws.iam()
                        .tag_role()
                        .role_name(target)
                        .set_tags(Some(tags::iam_tags(&changed)))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:TagRole", target))
                },
            )
            .await?;
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
            if Attrs::new(&self.schema, current)
                .bool("force_detach_policies")?
                .unwrap_or(false)
            {
                self.detach_all(aws, &name).await?;
            }
            retry::delete(
                ctx,
                "destroying (waiting for policies to be detached)",
                || async {
                    aws.iam()
                        .delete_role()
                        .role_name(&name)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:DeleteRole", &name))
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
            self.read_name(aws, id, &Value::Null)
                .await?
                .ok_or_else(|| ProviderError::validation("id", format!("no IAM role named {id}")))
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
            Ok(self.get(aws, name).await?.and_then(|role| {
                carries_address(tags::iam_pairs(role.tags()), Some(address)).then(|| {
                    let stored = super::names::stored(&self.schema, identity, "name_prefix");
                    self.value(aws, &role, &stored)
                })
            }))
        })
    }
}
