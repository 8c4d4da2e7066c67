//! `aws_iam_policy`: a customer-managed policy. `name`, `name_prefix`, `path` and `description`
//! replace it; the document (compared by meaning) updates in place as a new default version,
//! after pruning the oldest non-default version when IAM's limit of five is reached, so an
//! update never fails on the limit. Names are unique per account: a create whose answer was lost
//! is adopted when the policy carries this instance's ownership tags.

use super::errors::classify;
use super::handle::{carries_address, Aws};
use super::{policy, retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsIamPolicy {
    schema: ResourceSchema,
}

/// IAM keeps at most this many versions of a policy.
const MAX_VERSIONS: usize = 5;

impl AwsIamPolicy {
    pub fn new() -> AwsIamPolicy {
        let mut attributes = vec![
            AttributeSchema::optional_computed("name", Type::String).force_new(),
            AttributeSchema::optional("name_prefix", Type::String).force_new(),
            AttributeSchema::optional("path", Type::String)
                .default("/")
                .force_new(),
            AttributeSchema::optional("description", Type::String).force_new(),
            AttributeSchema::required("policy", Type::String)
                .describe("The policy document (JSON); compared by meaning, not text."),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("policy_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsIamPolicy {
            schema: ResourceSchema {
                type_name: "aws_iam_policy",
                description: "A customer-managed IAM policy.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    async fn read_arn(
        &self,
        aws: &Aws,
        arn: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let policy = match aws.iam().get_policy().policy_arn(arn).send().await {
            Ok(out) => match out.policy().cloned() {
                Some(policy) => policy,
                None => return Ok(None),
            },
            Err(e) => return super::errors::gone_as(classify(aws, e, "iam:GetPolicy", arn), None),
        };
        let version = policy.default_version_id().unwrap_or("v1");
        let document = aws
            .iam()
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| classify(aws, e, "iam:GetPolicyVersion", arn))?
            .policy_version()
            .and_then(|v| v.document())
            .map(policy::decode)
            .unwrap_or_default();
        let carried = aws
            .iam()
            .list_policy_tags()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| classify(aws, e, "iam:ListPolicyTags", arn))?
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect::<Vec<_>>();
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, carried, &stored);
        let known = stored.string("policy").ok().flatten();
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        Ok(Some(complete(
            &self.schema,
            &Value::Null,
            [
                ("name", text(policy.policy_name())),
                ("name_prefix", stored.raw("name_prefix").clone()),
                ("path", Value::string(policy.path().unwrap_or("/"))),
                ("description", text(policy.description())),
                (
                    "policy",
                    Value::string(policy::keep_known(known.as_deref(), &document)),
                ),
                ("arn", Value::string(arn)),
                ("id", Value::string(arn)),
                ("policy_id", text(policy.policy_id())),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        )))
    }

    /// The ARN a policy of this name and path has in this account.
    async fn arn_for(&self, aws: &Aws, name: &str, path: &str) -> Result<String, ProviderError> {
        let account = aws
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| classify(aws, e, "sts:GetCallerIdentity", "the caller"))?
            .account()
            .unwrap_or_default()
            .to_owned();
        let partition = super::data_partition::partition_of(&aws.region).name;
        Ok(format!("arn:{partition}:iam::{account}:policy{path}{name}"))
    }

    /// Deletes the oldest non-default version when IAM already holds the maximum.
    async fn prune(&self, aws: &Aws, arn: &str) -> Result<(), ProviderError> {
        let versions = aws
            .iam()
            .list_policy_versions()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| classify(aws, e, "iam:ListPolicyVersions", arn))?;
        let mut old: Vec<_> = versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
            .collect();
        if versions.versions().len() < MAX_VERSIONS {
            return Ok(());
        }
        old.sort_by_key(|v| v.create_date().map(|d| d.secs()).unwrap_or(0));
        if let Some(oldest) = old.first().and_then(|v| v.version_id()) {
            aws.iam()
                .delete_policy_version()
                .policy_arn(arn)
                .version_id(oldest)
                .send()
                .await
                .map_err(|e| classify(aws, e, "iam:DeletePolicyVersion", arn))?;
        }
        Ok(())
    }
}

impl Default for AwsIamPolicy {
    fn default() -> Self {
        AwsIamPolicy::new()
    }
}

fn arn_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("arn")?
        .ok_or_else(|| ProviderError::other("the policy has no ARN in state"))
}

impl ResourceType for AwsIamPolicy {
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
        policy::check_document(&attrs, "policy")?;
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => policy::keep_prior_text(
                &self.schema,
                prior,
                keep_computed(&self.schema, prior, &proposed),
                "policy",
            ),
            None => complete(
                &self.schema,
                &proposed,
                [
                    ("arn", unknown(&self.schema, "arn")),
                    ("id", unknown(&self.schema, "id")),
                ],
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
            let name = match attrs.string("name") {
                Ok(Some(name)) => name,
                _ => {
                    let prefix = attrs
                        .string("name_prefix")?
                        .unwrap_or_else(|| "terraform-".into());
                    let random = uuid::Uuid::new_v4().simple().to_string();
                    format!("{prefix}{}", &random[..26])
                }
            };
            let path = attrs.string("path")?.unwrap_or_else(|| "/".into());
            let document = attrs.string("policy")?.unwrap_or_default();
            let address = ctx.address.as_deref();
            let all = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let iam_tags = tags::iam_tags(&all);
            let ours = |carried: &[aws_sdk_iam::types::Tag]| {
                carries_address(tags::iam_pairs(carried), address)
            };
            let arn = retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .iam()
                        .create_policy()
                        .policy_name(&name)
                        .path(&path)
                        .policy_document(&document)
                        .set_description(attrs.string("description")?)
                        .set_tags(Some(iam_tags.clone()))
                        .customize()
                        .config_override(tags::iam_no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(out) => out
                            .policy()
                            .and_then(|p| p.arn())
                            .map(str::to_owned)
                            .ok_or_else(|| ProviderError::other("CreatePolicy returned no ARN")),
                        Err(e) => match classify(aws, e, "iam:CreatePolicy", &name) {
                            ProviderError::Conflict(message) => {
                                let arn = self.arn_for(aws, &name, &path).await?;
                                let carried = aws
                                    .iam()
                                    .list_policy_tags()
                                    .policy_arn(&arn)
                                    .send()
                                    .await
                                    .map_err(|e| classify(aws, e, "iam:ListPolicyTags", &arn))?;
                                if ours(carried.tags()) {
                                    Ok(arn)
                                } else {
                                    Err(ProviderError::Conflict(format!(
                                        "{message}; a policy named {name} already exists and this stack did not create it: import it with plat import, or choose another name"
                                    )))
                                }
                            }
                            other => Err(other),
                        },
                    }
                },
                || async {
                    let arn = self.arn_for(aws, &name, &path).await?;
                    match aws.iam().list_policy_tags().policy_arn(&arn).send().await {
                        Ok(out) if ours(out.tags()) => Ok(Some(arn)),
                        Ok(_) => Ok(None),
                        Err(e) => super::errors::gone_as(classify(aws, e, "iam:ListPolicyTags", &arn), None),
                    }
                },
            )
            .await?;
            retry::until_visible(ctx, || self.read_arn(aws, &arn, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_arn(aws, &arn_of(&self.schema, current)?, current)
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
            let arn = arn_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior)
                .string("policy")?
                .unwrap_or_default();
            let after = Attrs::new(&self.schema, planned)
                .string("policy")?
                .unwrap_or_default();
            if !policy::equivalent(&before, &after) {
                self.prune(aws, &arn).await?;
                aws.iam()
                    .create_policy_version()
                    .policy_arn(&arn)
                    .policy_document(&after)
                    .set_as_default(true)
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "iam:CreatePolicyVersion", &arn))?;
            }
            let address = ctx.address.as_deref();
            let had = tags::carried(aws, &self.schema, prior, address)?;
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            let target: &str = &arn;
            tags::retag(
                &had,
                &wanted,
                |keys| async move {
                    aws.iam()
                        .untag_policy()
                        .policy_arn(target)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:UntagPolicy", target))
                },
                |changed| async move {
                    aws.iam()
                        .tag_policy()
                        .policy_arn(target)
                        .set_tags(Some(tags::iam_tags(&changed)))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:TagPolicy", target))
                },
            )
            .await?;
            self.read_arn(aws, &arn, planned)
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
            let arn = arn_of(&self.schema, current)?;
            // IAM refuses to delete a policy that still has non-default versions.
            let versions = match aws
                .iam()
                .list_policy_versions()
                .policy_arn(&arn)
                .send()
                .await
            {
                Ok(out) => out.versions().to_vec(),
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "iam:ListPolicyVersions", &arn),
                        (),
                    )
                }
            };
            for version in versions.iter().filter(|v| !v.is_default_version()) {
                if let Some(id) = version.version_id() {
                    aws.iam()
                        .delete_policy_version()
                        .policy_arn(&arn)
                        .version_id(id)
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "iam:DeletePolicyVersion", &arn))?;
                }
            }
            retry::delete(
                ctx,
                "destroying (waiting for the policy to be detached)",
                || async {
                    aws.iam()
                        .delete_policy()
                        .policy_arn(&arn)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:DeletePolicy", &arn))
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
            self.read_arn(aws, id, &Value::Null)
                .await?
                .ok_or_else(|| ProviderError::validation("id", format!("no IAM policy {id}")))
        })
    }
}
