//! `aws_iam_role_policy`: an inline policy of a role. `name`, `name_prefix` and `role` replace
//! it; the document (compared by meaning) updates in place. PutRolePolicy both creates and
//! updates and is idempotent, so a lost answer is simply sent again; a role made a moment ago
//! may not be visible to IAM yet, so its NotFound is retried for a bounded time. The id is
//! `ROLE:NAME`, which is also what import takes.
//!
//! Inline policies carry no tags: the identity for crash recovery is the role and the name
//! (known before the create when `name` is set), and `find` asks GetRolePolicy for them.
//! IAM has no call that reads several inline policies at once, so refresh asks once per policy.

use super::errors::classify;
use super::handle::Aws;
use super::{policy, retry};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsIamRolePolicy {
    schema: ResourceSchema,
}

/// IAM limits inline policy names to 128 characters; a prefix leaves room for 26 generated ones.
const MAX_PREFIX: usize = 102;

impl AwsIamRolePolicy {
    pub fn new() -> AwsIamRolePolicy {
        AwsIamRolePolicy {
            schema: ResourceSchema {
                type_name: "aws_iam_role_policy",
                description: "An inline policy of an IAM role.",
                attributes: vec![
                    AttributeSchema::optional_computed("name", Type::String).force_new(),
                    AttributeSchema::optional("name_prefix", Type::String).force_new(),
                    AttributeSchema::required("role", Type::String)
                        .force_new()
                        .describe("The name of the role the policy belongs to."),
                    AttributeSchema::required("policy", Type::String)
                        .describe("The policy document (JSON); compared by meaning, not text."),
                    AttributeSchema::computed("id", Type::String).describe("ROLE:NAME"),
                ],
                blocks: Vec::new(),
            },
        }
    }

    /// The decoded document of the role's inline policy `name`; `None` when the policy or the
    /// role is gone.
    async fn document(
        &self,
        aws: &Aws,
        role: &str,
        name: &str,
    ) -> Result<Option<String>, ProviderError> {
        match aws
            .iam()
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(Some(policy::decode(out.policy_document()))),
            Err(e) => super::errors::gone_as(
                classify(aws, e, "iam:GetRolePolicy", &id_of(role, name)),
                None,
            ),
        }
    }

    fn value(&self, role: &str, name: &str, document: &str, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let known = stored.string("policy").ok().flatten();
        complete(
            &self.schema,
            &Value::Null,
            [
                ("name", Value::string(name)),
                ("name_prefix", stored.raw("name_prefix").clone()),
                ("role", Value::string(role)),
                (
                    "policy",
                    Value::string(policy::keep_known(known.as_deref(), document)),
                ),
                ("id", Value::string(id_of(role, name))),
            ],
        )
    }

    async fn read_parts(
        &self,
        aws: &Aws,
        role: &str,
        name: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .document(aws, role, name)
            .await?
            .map(|document| self.value(role, name, &document, current)))
    }

    /// PutRolePolicy, waiting while the role is not visible yet.
    async fn put(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        role: &str,
        name: &str,
        document: &str,
    ) -> Result<(), ProviderError> {
        retry::while_not_found(
            ctx,
            "writing the policy (waiting for the role to be visible)",
            || async {
                aws.iam()
                    .put_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .policy_document(document)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "iam:PutRolePolicy", &id_of(role, name)))
            },
        )
        .await
    }
}

impl Default for AwsIamRolePolicy {
    fn default() -> Self {
        AwsIamRolePolicy::new()
    }
}

fn id_of(role: &str, name: &str) -> String {
    format!("{role}:{name}")
}

/// The role and the policy name of a stored value.
fn parts(schema: &ResourceSchema, value: &Value) -> Result<(String, String), ProviderError> {
    let attrs = Attrs::new(schema, value);
    let role = attrs
        .string("role")?
        .ok_or_else(|| ProviderError::other("the inline policy has no role in state"))?;
    let name = attrs
        .string("name")?
        .ok_or_else(|| ProviderError::other("the inline policy has no name in state"))?;
    Ok((role, name))
}

impl ResourceType for AwsIamRolePolicy {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        policy::check_document(&attrs, "policy")?;
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
            if prior.is_none() && matches!(attrs.raw("name").peel(), Value::String(_)) {
                return Err(ProviderError::validation(
                    "name_prefix",
                    "cannot be set together with name",
                ));
            }
        }
        if let Ok(Some(role)) = attrs.string("role") {
            if role.starts_with("arn:") || role.contains(':') {
                return Err(ProviderError::validation(
                    "role",
                    format!("\"{role}\" must be the role's name, not its ARN"),
                ));
            }
        }
        Ok(match prior {
            // The same document written differently is no change.
            Some(prior) => policy::keep_prior_text(
                &self.schema,
                prior,
                keep_computed(&self.schema, prior, &proposed),
                "policy",
            ),
            None => complete(
                &self.schema,
                &proposed,
                [("id", unknown(&self.schema, "id"))],
            ),
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let attrs = Attrs::new(&self.schema, planned);
            let role = attrs.string("role")?.unwrap_or_default();
            let name = super::names::for_create(ctx, &attrs, "name", "name_prefix")?;
            let document = attrs.string("policy")?.unwrap_or_default();
            self.put(ctx, aws, &role, &name, &document).await?;
            retry::until_visible(ctx, || self.read_parts(aws, &role, &name, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (role, name) = parts(&self.schema, current)?;
            self.read_parts(aws, &role, &name, current).await
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
            let (role, name) = parts(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior)
                .string("policy")?
                .unwrap_or_default();
            let after = Attrs::new(&self.schema, planned)
                .string("policy")?
                .unwrap_or_default();
            if !policy::equivalent(&before, &after) {
                self.put(ctx, aws, &role, &name, &after).await?;
            }
            self.read_parts(aws, &role, &name, planned)
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
            let (role, name) = parts(&self.schema, current)?;
            match aws
                .iam()
                .delete_role_policy()
                .role_name(&role)
                .policy_name(&name)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => super::errors::gone_as(
                    classify(aws, e, "iam:DeleteRolePolicy", &id_of(&role, &name)),
                    (),
                ),
            }
        })
    }

    /// Imports `ROLE:NAME`.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((role, name)) = id
                .split_once(':')
                .filter(|(r, n)| !r.is_empty() && !n.is_empty())
            else {
                return Err(ProviderError::validation(
                    "id",
                    format!("\"{id}\" must be ROLE_NAME:POLICY_NAME"),
                ));
            };
            self.read_parts(aws, role, name, &Value::Null)
                .await?
                .ok_or_else(|| {
                    ProviderError::validation(
                        "id",
                        format!("role {role} has no inline policy named {name}"),
                    )
                })
        })
    }

    fn identity(&self, _ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let attrs = Attrs::new(&self.schema, planned);
        let mut identity = serde_json::json!({ "role": attrs.string("role").ok().flatten()? });
        super::names::record(&mut identity, &attrs, "name", "name_prefix")?;
        Some(identity)
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
                identity.get("name").and_then(|n| n.as_str()),
            ) {
                (Some(role), Some(name)) => {
                    let stored = super::names::stored(&self.schema, identity, "name_prefix");
                    self.read_parts(aws, role, name, &stored).await
                }
                _ => Ok(None),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{attr, config, text};

    #[test]
    fn plan_checks_arguments_and_keeps_equivalent_text() {
        let r = AwsIamRolePolicy::new();
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let same = r#"{"Statement":{"Resource":["*"],"Action":["s3:GetObject"],"Effect":"Allow"},"Version":"2012-10-17"}"#;
        let cfg = |document: &str| {
            config(
                &r.schema,
                &[
                    ("name", Value::string("read")),
                    ("role", Value::string("app")),
                    ("policy", Value::string(document)),
                ],
            )
        };
        let planned = r.plan(None, cfg(doc)).unwrap();
        assert!(attr(&planned, "id").is_unknown());
        assert_eq!(
            r.identity(&OpContext::new(), &planned),
            Some(serde_json::json!({"role": "app", "name": "read", "prefix": null}))
        );

        let prior = r.value("app", "read", doc, &planned);
        assert_eq!(text(&prior, "id"), "app:read");
        let replanned = r.plan(Some(&prior), cfg(same)).unwrap();
        assert_eq!(replanned.known_eq(&prior), Some(true), "{replanned:?}");

        for (name, value) in [
            ("policy", Value::string("not json")),
            ("role", Value::string("arn:aws:iam::1:role/app")),
        ] {
            let mut bad = cfg(doc);
            if let Value::Object(entries) = &mut bad {
                entries.insert(name.into(), value);
            }
            assert!(r.plan(None, bad).is_err(), "{name}");
        }
    }
}
