//! `aws_iam_user`: an IAM user. As in Terraform, `name` and `path` update in place (UpdateUser
//! with NewUserName / NewPath; the ARN changes with them), the permissions boundary is put or
//! deleted in place, and tags update in place. User names are unique in an account, so a create
//! whose answer was lost, or that finds the name taken, adopts the user only when it carries
//! this instance's ownership tags. `force_destroy` first deletes the user's access keys, login
//! profile and inline policies, detaches its managed policies and takes it out of its groups;
//! MFA devices, SSH keys, signing certificates and service-specific credentials are not removed:
//! while any is left IAM refuses the delete (DeleteConflict), which plat waits out until the
//! operation's deadline (`timeouts { delete }`) and then reports with IAM's reason.
//!
//! Refresh asks GetUser once per user, as `aws_iam_role` does per role: ListUsers could page
//! through all users at once, but it returns neither tags nor permissions boundaries, which
//! would cost a call per user again.

use std::collections::BTreeMap;

use super::errors::classify;
use super::handle::{carries_address, Aws};
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsIamUser {
    schema: ResourceSchema,
}

impl AwsIamUser {
    pub fn new() -> AwsIamUser {
        let mut attributes = vec![
            AttributeSchema::required("name", Type::String)
                .describe("The user's name; a change renames the user in place."),
            AttributeSchema::optional("path", Type::String).default("/"),
            AttributeSchema::optional("permissions_boundary", Type::String)
                .describe("The ARN of the managed policy that bounds the user's permissions."),
            AttributeSchema::optional("force_destroy", Type::Bool)
                .default(false)
                .describe("Delete the user's access keys, login profile and policies first."),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("unique_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsIamUser {
            schema: ResourceSchema {
                type_name: "aws_iam_user",
                description: "An IAM user.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    async fn get(
        &self,
        aws: &Aws,
        name: &str,
    ) -> Result<Option<aws_sdk_iam::types::User>, ProviderError> {
        match aws.iam().get_user().user_name(name).send().await {
            Ok(out) => Ok(out.user().cloned()),
            Err(e) => super::errors::gone_as(classify(aws, e, "iam:GetUser", name), None),
        }
    }

    fn value(&self, aws: &Aws, user: &aws_sdk_iam::types::User, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let pairs = user
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()));
        let (tags, tags_all) = tags::read_values(aws, pairs, &stored);
        let boundary = user
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map_or(Value::Null, Value::string);
        let name = user.user_name().to_owned();
        complete(
            &self.schema,
            &Value::Null,
            [
                ("name", Value::string(name.clone())),
                ("path", Value::string(user.path())),
                ("permissions_boundary", boundary),
                (
                    "force_destroy",
                    Value::Bool(stored.bool("force_destroy").ok().flatten().unwrap_or(false)),
                ),
                ("arn", Value::string(user.arn())),
                ("id", Value::string(name)),
                ("unique_id", Value::string(user.user_id())),
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
            .map(|user| self.value(aws, &user, current)))
    }

    /// Brings the user's tags from `carried` to `wanted` (both with ownership tags).
    async fn sync_tags(
        &self,
        aws: &Aws,
        name: &str,
        carried: &BTreeMap<String, String>,
        wanted: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        tags::retag(
            carried,
            wanted,
            |keys| async move {
                aws.iam()
                    .untag_user()
                    .user_name(name)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "iam:UntagUser", name))
            },
            |changed| async move {
                aws.iam()
                    .tag_user()
                    .user_name(name)
                    .set_tags(Some(tags::iam_tags(&changed)))
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "iam:TagUser", name))
            },
        )
        .await
    }

    /// What `force_destroy` removes before the delete: access keys, the login profile, inline
    /// and managed policies, group memberships.
    async fn remove_dependents(&self, aws: &Aws, name: &str) -> Result<(), ProviderError> {
        let ignore_gone = |result: Result<(), ProviderError>| match result {
            Err(ProviderError::NotFound) => Ok(()),
            other => other,
        };
        let mut pages = aws
            .iam()
            .list_access_keys()
            .user_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "iam:ListAccessKeys", name))?;
            for key in page.access_key_metadata() {
                if let Some(id) = key.access_key_id() {
                    ignore_gone(
                        aws.iam()
                            .delete_access_key()
                            .user_name(name)
                            .access_key_id(id)
                            .send()
                            .await
                            .map(drop)
                            .map_err(|e| classify(aws, e, "iam:DeleteAccessKey", name)),
                    )?;
                }
            }
        }
        ignore_gone(
            aws.iam()
                .delete_login_profile()
                .user_name(name)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "iam:DeleteLoginProfile", name)),
        )?;
        let mut pages = aws
            .iam()
            .list_user_policies()
            .user_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "iam:ListUserPolicies", name))?;
            for policy in page.policy_names() {
                ignore_gone(
                    aws.iam()
                        .delete_user_policy()
                        .user_name(name)
                        .policy_name(policy)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:DeleteUserPolicy", name)),
                )?;
            }
        }
        let mut pages = aws
            .iam()
            .list_attached_user_policies()
            .user_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "iam:ListAttachedUserPolicies", name))?;
            for attached in page.attached_policies() {
                if let Some(arn) = attached.policy_arn() {
                    ignore_gone(
                        aws.iam()
                            .detach_user_policy()
                            .user_name(name)
                            .policy_arn(arn)
                            .send()
                            .await
                            .map(drop)
                            .map_err(|e| classify(aws, e, "iam:DetachUserPolicy", name)),
                    )?;
                }
            }
        }
        let mut pages = aws
            .iam()
            .list_groups_for_user()
            .user_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "iam:ListGroupsForUser", name))?;
            for group in page.groups() {
                ignore_gone(
                    aws.iam()
                        .remove_user_from_group()
                        .user_name(name)
                        .group_name(group.group_name())
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:RemoveUserFromGroup", name)),
                )?;
            }
        }
        Ok(())
    }
}

impl Default for AwsIamUser {
    fn default() -> Self {
        AwsIamUser::new()
    }
}

fn name_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("name")?
        .ok_or_else(|| ProviderError::other("the user has no name in state"))
}

fn validate_path(path: &str) -> Result<(), ProviderError> {
    if !(path.starts_with('/') && path.ends_with('/')) {
        return Err(ProviderError::validation(
            "path",
            format!("\"{path}\" must begin and end with / (for example /division/team/)"),
        ));
    }
    Ok(())
}

impl ResourceType for AwsIamUser {
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
        if let Ok(Some(path)) = attrs.string("path") {
            validate_path(&path)?;
        }
        if let Ok(Some(arn)) = attrs.string("permissions_boundary") {
            if !arn.starts_with("arn:") {
                return Err(ProviderError::validation(
                    "permissions_boundary",
                    format!("\"{arn}\" is not a policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)"),
                ));
            }
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => {
                let kept = keep_computed(&self.schema, prior, &proposed);
                let before = Attrs::new(&self.schema, prior);
                let changed = |n: &str| before.get(n).known_eq(attrs.get(n)) != Some(true);
                let mut set = Vec::new();
                // The ARN holds the path and the name: a rename or a move gives a new one.
                if changed("name") || changed("path") {
                    set.push(("arn", unknown(&self.schema, "arn")));
                }
                if changed("name") {
                    set.push(("id", attrs.raw("name").clone()));
                }
                complete(&self.schema, &kept, set)
            }
            None => complete(&self.schema, &proposed, [("id", attrs.raw("name").clone())]),
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
            let name = name_of(&self.schema, planned)?;
            let path = attrs.string("path")?.unwrap_or_else(|| "/".into());
            let boundary = attrs.string("permissions_boundary")?;
            let address = ctx.address.as_deref();
            let all_tags = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let ours = |user: &aws_sdk_iam::types::User| {
                carries_address(tags::iam_pairs(user.tags()), address)
            };
            retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .iam()
                        .create_user()
                        .user_name(&name)
                        .path(&path)
                        .set_permissions_boundary(boundary.clone())
                        .set_tags(Some(tags::iam_tags(&all_tags)))
                        .customize()
                        .config_override(tags::iam_no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(_) => Ok(()),
                        Err(e) => match classify(aws, e, "iam:CreateUser", &name) {
                            // The name is taken: ours if it carries this instance's address.
                            ProviderError::Conflict(message) => {
                                if self.get(aws, &name).await?.is_some_and(|u| ours(&u)) {
                                    Ok(())
                                } else {
                                    Err(ProviderError::Conflict(format!(
                                        "{message}; a user named {name} already exists and this stack did not create it: import it with plat import (its id is the name), or choose another name"
                                    )))
                                }
                            }
                            other => Err(other),
                        },
                    }
                },
                || async { Ok(self.get(aws, &name).await?.filter(|u| ours(u)).map(drop)) },
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
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let old_name = name_of(&self.schema, prior)?;
            let name = name_of(&self.schema, planned)?;
            let old_path = before.string("path")?.unwrap_or_else(|| "/".into());
            let path = after.string("path")?.unwrap_or_else(|| "/".into());
            let moved = old_name != name || old_path != path;
            if moved {
                aws.iam()
                    .update_user()
                    .user_name(&old_name)
                    .set_new_user_name((old_name != name).then(|| name.clone()))
                    .set_new_path((old_path != path).then(|| path.clone()))
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "iam:UpdateUser", &old_name))?;
            }

            let old_boundary = before.string("permissions_boundary")?;
            let boundary = after.string("permissions_boundary")?;
            if old_boundary != boundary {
                match &boundary {
                    Some(arn) => {
                        retry::while_not_found(
                            ctx,
                            "updating (waiting for the renamed user to be visible)",
                            || async {
                                aws.iam()
                                    .put_user_permissions_boundary()
                                    .user_name(&name)
                                    .permissions_boundary(arn)
                                    .send()
                                    .await
                                    .map(drop)
                                    .map_err(|e| {
                                        classify(aws, e, "iam:PutUserPermissionsBoundary", &name)
                                    })
                            },
                        )
                        .await?
                    }
                    None => match aws
                        .iam()
                        .delete_user_permissions_boundary()
                        .user_name(&name)
                        .send()
                        .await
                    {
                        Ok(_) => {}
                        Err(e) => {
                            match classify(aws, e, "iam:DeleteUserPermissionsBoundary", &name) {
                                ProviderError::NotFound => {}
                                other => return Err(other),
                            }
                        }
                    },
                }
            }

            let address = ctx.address.as_deref();
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            // After a rename or a move, compare with what the user carries now (some emulators
            // keep tags by ARN and drop them when it changes); otherwise with the prior state.
            let carried = if moved {
                let user = retry::until_visible(ctx, || self.get(aws, &name)).await?;
                tags::iam_pairs(user.tags())
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            } else {
                tags::carried(aws, &self.schema, prior, address)?
            };
            self.sync_tags(aws, &name, &carried, &wanted).await?;
            retry::until_visible(ctx, || self.read_name(aws, &name, planned)).await
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
                .bool("force_destroy")?
                .unwrap_or(false)
            {
                match self.remove_dependents(aws, &name).await {
                    Ok(()) | Err(ProviderError::NotFound) => {}
                    Err(other) => return Err(other),
                }
            }
            retry::delete(
                ctx,
                "destroying (waiting for the user's keys and policies to go; force_destroy removes them)",
                || async {
                    aws.iam()
                        .delete_user()
                        .user_name(&name)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:DeleteUser", &name))
                },
            )
            .await
        })
    }

    /// Imports a user by name.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_name(aws, id, &Value::Null)
                .await?
                .ok_or_else(|| ProviderError::validation("id", format!("no IAM user named {id}")))
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let name = name_of(&self.schema, planned).ok()?;
        let mut identity = super::handle::owned_identity(ctx)?;
        identity["name"] = serde_json::Value::String(name);
        Some(identity)
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
            Ok(self.get(aws, name).await?.and_then(|user| {
                carries_address(tags::iam_pairs(user.tags()), Some(address))
                    .then(|| self.value(aws, &user, &Value::Null))
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{attr, config, text};

    #[test]
    fn a_rename_or_move_plans_a_new_arn_in_place() {
        let r = AwsIamUser::new();
        let cfg = |name: &str, path: &str| {
            config(
                &r.schema,
                &[("name", Value::string(name)), ("path", Value::string(path))],
            )
        };
        let planned = r.plan(None, cfg("deploy", "/")).unwrap();
        assert_eq!(text(&planned, "id"), "deploy");
        assert!(attr(&planned, "arn").is_unknown());

        let prior = complete(
            &r.schema,
            &cfg("deploy", "/"),
            [
                ("arn", Value::string("arn:aws:iam::1:user/deploy")),
                ("id", Value::string("deploy")),
                ("unique_id", Value::string("AIDA1")),
                ("tags_all", Value::Map(Default::default())),
            ],
        );
        let same = r.plan(Some(&prior), cfg("deploy", "/")).unwrap();
        assert_eq!(text(&same, "arn"), "arn:aws:iam::1:user/deploy");
        let renamed = r.plan(Some(&prior), cfg("ci", "/")).unwrap();
        assert_eq!(text(&renamed, "id"), "ci");
        assert!(attr(&renamed, "arn").is_unknown());
        assert_eq!(text(&renamed, "unique_id"), "AIDA1");
        let moved = r.plan(Some(&prior), cfg("deploy", "/ci/")).unwrap();
        assert_eq!(text(&moved, "id"), "deploy");
        assert!(attr(&moved, "arn").is_unknown());
        assert!(r.plan(None, cfg("deploy", "ci")).is_err());
    }
}
