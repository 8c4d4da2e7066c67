//! `aws_iam_role_policy_attachment`: a managed policy attached to a role. Both arguments replace
//! it. Attaching is idempotent in IAM, so a lost answer is simply attached again. Refresh lists
//! each role's attached policies once, however many attachments the role has.

use std::collections::{BTreeMap, BTreeSet};

use super::errors::classify;
use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsIamRolePolicyAttachment {
    schema: ResourceSchema,
}

impl AwsIamRolePolicyAttachment {
    pub fn new() -> AwsIamRolePolicyAttachment {
        AwsIamRolePolicyAttachment {
            schema: ResourceSchema {
                type_name: "aws_iam_role_policy_attachment",
                description: "A managed policy attached to an IAM role.",
                attributes: vec![
                    AttributeSchema::required("role", Type::String).force_new(),
                    AttributeSchema::required("policy_arn", Type::String).force_new(),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: Vec::new(),
            },
        }
    }

    fn parts(&self, value: &Value) -> Result<(String, String), ProviderError> {
        let attrs = Attrs::new(&self.schema, value);
        Ok((
            attrs.string("role")?.unwrap_or_default(),
            attrs.string("policy_arn")?.unwrap_or_default(),
        ))
    }

    fn value(&self, role: &str, arn: &str) -> Value {
        complete(
            &self.schema,
            &Value::Null,
            [
                ("role", Value::string(role)),
                ("policy_arn", Value::string(arn)),
                ("id", Value::string(format!("{role}/{arn}"))),
            ],
        )
    }

    /// The policies attached to a role; `None` when the role is gone.
    async fn attached(
        &self,
        aws: &Aws,
        role: &str,
    ) -> Result<Option<BTreeSet<String>>, ProviderError> {
        let mut found = BTreeSet::new();
        let mut pages = aws
            .iam()
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => found.extend(
                    page.attached_policies()
                        .iter()
                        .filter_map(|p| p.policy_arn().map(str::to_owned)),
                ),
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "iam:ListAttachedRolePolicies", role),
                        None,
                    )
                }
            }
        }
        Ok(Some(found))
    }

    async fn read_one(
        &self,
        aws: &Aws,
        role: &str,
        arn: &str,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .attached(aws, role)
            .await?
            .filter(|set| set.contains(arn))
            .map(|_| self.value(role, arn)))
    }
}

impl Default for AwsIamRolePolicyAttachment {
    fn default() -> Self {
        AwsIamRolePolicyAttachment::new()
    }
}

impl ResourceType for AwsIamRolePolicyAttachment {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        if let Ok(Some(arn)) = Attrs::new(&self.schema, &proposed).string("policy_arn") {
            if !arn.starts_with("arn:") {
                return Err(ProviderError::validation(
                    "policy_arn",
                    format!("\"{arn}\" is not an ARN (arn:aws:iam::ACCOUNT:policy/NAME)"),
                ));
            }
        }
        Ok(match prior {
            Some(prior) => {
                crate::providers::resource::keep_computed(&self.schema, prior, &proposed)
            }
            None => proposed,
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (role, arn) = self.parts(planned)?;
            // A role made a moment ago may not be visible to IAM everywhere yet.
            super::retry::while_not_found(
                ctx,
                "attaching (waiting for the role to be visible)",
                || async {
                    aws.iam()
                        .attach_role_policy()
                        .role_name(&role)
                        .policy_arn(&arn)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| {
                            classify(aws, e, "iam:AttachRolePolicy", &format!("role {role}"))
                        })
                },
            )
            .await?;
            Ok(self.value(&role, &arn))
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (role, arn) = self.parts(current)?;
            self.read_one(aws, &role, &arn).await
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
                Err(e) => return crate::providers::resource::each_read(current.len(), Err(e)),
            };
            let mut by_role: BTreeMap<String, Result<Option<BTreeSet<String>>, String>> =
                BTreeMap::new();
            let mut out = Vec::with_capacity(current.len());
            for value in current {
                let (role, arn) = match self.parts(value) {
                    Ok(parts) => parts,
                    Err(e) => {
                        out.push(Err(e));
                        continue;
                    }
                };
                if !by_role.contains_key(&role) {
                    let listed = self.attached(aws, &role).await.map_err(|e| e.to_string());
                    by_role.insert(role.clone(), listed);
                }
                out.push(match &by_role[&role] {
                    Ok(Some(set)) => Ok(set.contains(&arn).then(|| self.value(&role, &arn))),
                    Ok(None) => Ok(None),
                    Err(message) => Err(ProviderError::other(message.clone())),
                });
            }
            out
        })
    }

    fn update<'a>(
        &'a self,
        _ctx: &'a OpContext,
        _prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        // Every argument replaces: an update changes nothing.
        Box::pin(async move { Ok(planned.clone()) })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (role, arn) = self.parts(current)?;
            match aws
                .iam()
                .detach_role_policy()
                .role_name(&role)
                .policy_arn(&arn)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => super::errors::gone_as(
                    classify(aws, e, "iam:DetachRolePolicy", &format!("role {role}")),
                    (),
                ),
            }
        })
    }

    /// Imports `ROLE/POLICY_ARN`.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((role, arn)) = id.split_once('/') else {
                return Err(ProviderError::validation(
                    "id",
                    "must be ROLE_NAME/POLICY_ARN",
                ));
            };
            self.read_one(aws, role, arn).await?.ok_or_else(|| {
                ProviderError::validation("id", format!("{arn} is not attached to role {role}"))
            })
        })
    }

    fn identity(&self, _ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let (role, arn) = self.parts(planned).ok()?;
        Some(serde_json::json!({ "role": role, "policy_arn": arn }))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            match (
                identity.get("role").and_then(|r| r.as_str()),
                identity.get("policy_arn").and_then(|a| a.as_str()),
            ) {
                (Some(role), Some(arn)) => self.read_one(aws, role, arn).await,
                _ => Ok(None),
            }
        })
    }
}
