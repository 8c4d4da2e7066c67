//! `aws_ecr_lifecycle_policy`: the lifecycle policy of one repository (which images expire).
//! `repository` replaces it; `policy` (JSON, compared by meaning) is put again in place. The id
//! is the repository's name. A put is idempotent, so a create whose answer was lost is simply
//! put again: no identity to look for.
//!
//! ECR reads one repository's lifecycle policy per call (GetLifecyclePolicy); there is no
//! batched read, so refresh asks once per policy.

use super::errors::classify;
use super::handle::Aws;
use super::policy;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsEcrLifecyclePolicy {
    schema: ResourceSchema,
}

impl AwsEcrLifecyclePolicy {
    pub fn new() -> AwsEcrLifecyclePolicy {
        AwsEcrLifecyclePolicy {
            schema: ResourceSchema {
                type_name: "aws_ecr_lifecycle_policy",
                description: "The lifecycle policy of an ECR repository.",
                attributes: vec![
                    AttributeSchema::required("repository", Type::String).force_new(),
                    AttributeSchema::required("policy", Type::String)
                        .describe("The policy (JSON); compared by meaning, not text."),
                    AttributeSchema::computed("registry_id", Type::String),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: Vec::new(),
            },
        }
    }

    async fn read_repository(
        &self,
        aws: &Aws,
        repository: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let out = match aws
            .ecr()
            .get_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                // No policy, or no repository: either way the policy is gone.
                return super::errors::gone_as(
                    classify(aws, e, "ecr:GetLifecyclePolicy", repository),
                    None,
                );
            }
        };
        let read = out.lifecycle_policy_text().unwrap_or("{}");
        let known = Attrs::new(&self.schema, current)
            .string("policy")
            .ok()
            .flatten();
        Ok(Some(complete(
            &self.schema,
            &Value::Null,
            [
                ("repository", Value::string(repository)),
                (
                    "policy",
                    Value::string(policy::keep_known(known.as_deref(), read)),
                ),
                (
                    "registry_id",
                    out.registry_id().map_or(Value::Null, Value::string),
                ),
                ("id", Value::string(repository)),
            ],
        )))
    }

    async fn put(&self, aws: &Aws, planned: &Value) -> Result<String, ProviderError> {
        let attrs = Attrs::new(&self.schema, planned);
        let repository = repository_of(&self.schema, planned)?;
        let text = attrs.string("policy")?.unwrap_or_default();
        aws.ecr()
            .put_lifecycle_policy()
            .repository_name(&repository)
            .lifecycle_policy_text(text)
            .send()
            .await
            .map_err(|e| classify(aws, e, "ecr:PutLifecyclePolicy", &repository))?;
        Ok(repository)
    }
}

impl Default for AwsEcrLifecyclePolicy {
    fn default() -> Self {
        AwsEcrLifecyclePolicy::new()
    }
}

fn repository_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("repository")?
        .ok_or_else(|| ProviderError::other("the lifecycle policy has no repository in state"))
}

impl ResourceType for AwsEcrLifecyclePolicy {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        if let Ok(Some(document)) = attrs.string("policy") {
            if policy::canonical(&document).is_none() {
                return Err(ProviderError::validation(
                    "policy",
                    "is not a JSON document (write it with jsonencode)",
                ));
            }
        }
        Ok(match prior {
            // The same policy written differently is no change.
            Some(prior) => policy::keep_prior_text(
                &self.schema,
                prior,
                keep_computed(&self.schema, prior, &proposed),
                "policy",
            ),
            None => {
                let id = attrs.raw("repository").clone();
                complete(&self.schema, &proposed, [("id", id)])
            }
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let repository = self.put(aws, planned).await?;
            self.read_repository(aws, &repository, planned)
                .await?
                .ok_or(ProviderError::NotFound)
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_repository(aws, &repository_of(&self.schema, current)?, current)
                .await
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        _prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let repository = self.put(aws, planned).await?;
            self.read_repository(aws, &repository, planned)
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
            let repository = repository_of(&self.schema, current)?;
            match aws
                .ecr()
                .delete_lifecycle_policy()
                .repository_name(&repository)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => super::errors::gone_as(
                    classify(aws, e, "ecr:DeleteLifecyclePolicy", &repository),
                    (),
                ),
            }
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_repository(aws, id, &Value::Null)
                .await?
                .ok_or_else(|| {
                    ProviderError::validation(
                        "id",
                        format!(
                            "the ECR repository {id} has no lifecycle policy (or does not exist)"
                        ),
                    )
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{config, text};

    #[test]
    fn policy_rewritten_with_the_same_meaning_keeps_the_prior_text() {
        let r = AwsEcrLifecyclePolicy::new();
        let before = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}"#;
        let after = r#"{ "rules": [ { "action": {"type": "expire"}, "selection": {"countNumber": 5, "countType": "imageCountMoreThan", "tagStatus": "any"}, "rulePriority": 1 } ] }"#;
        let prior = config(
            &r.schema,
            &[
                ("repository", Value::string("app")),
                ("policy", Value::string(before)),
                ("id", Value::string("app")),
                ("registry_id", Value::string("123456789012")),
            ],
        );
        let proposed = config(
            &r.schema,
            &[
                ("repository", Value::string("app")),
                ("policy", Value::string(after)),
            ],
        );
        let planned = r.plan(Some(&prior), proposed).unwrap();
        assert_eq!(text(&planned, "policy"), before);
        assert!(r
            .plan(
                None,
                config(
                    &r.schema,
                    &[
                        ("repository", Value::string("app")),
                        ("policy", Value::string("not json")),
                    ],
                ),
            )
            .is_err());
    }
}
