//! `aws_iam_access_key`: an access key of an IAM user. `user` replaces it; `status`
//! (`Active`/`Inactive`) updates in place. The secret is only ever returned by CreateAccessKey:
//! it is kept in state as a sensitive value (masked in plans, output and logs), carried over by
//! every refresh, and null after an import. `pgp_key` and `ses_smtp_password_v4` are not
//! implemented (and are not in the schema).
//!
//! Refresh lists each user's keys once (ListAccessKeys), however many keys of the user the
//! state holds.
//!
//! Creating exactly one key: access keys cannot be tagged and have no client token, so a key
//! whose create answer was lost cannot be told apart from a stranger's, and its secret cannot be
//! read again. The create therefore lists the user's keys first, calls CreateAccessKey with the
//! SDK's retries off, and when the answer is lost (a dropped connection after sending, a 5xx,
//! throttling) lists again and deletes every key that appeared meanwhile before it tries again:
//! no untracked key is left behind. Creates for the same user are serialised within the process
//! so that one create never mistakes a sibling's new key for its own lost one. What this cannot
//! cover: a `kill -9` between CreateAccessKey's answer and the journal entry leaves one key that
//! no state knows (there is no identity to find it by, so [`ResourceType::identity`] is None);
//! delete it by hand (`aws iam list-access-keys --user-name USER`). A key created for the same
//! user by someone else in the moment between the two listings would be deleted too.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};

use aws_sdk_iam::types::{AccessKeyMetadata, StatusType};

use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsIamAccessKey {
    schema: ResourceSchema,
}

/// One lock per user name: creates of keys for one user run one at a time in this process.
fn user_lock(user: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let locks = LOCKS.get_or_init(Default::default);
    match locks.lock() {
        Ok(mut map) => map.entry(user.to_owned()).or_default().clone(),
        // A panic elsewhere poisoned the map: a fresh lock still serialises nothing wrongly
        // more than before, and creates stay correct for the common single-key case.
        Err(poisoned) => poisoned
            .into_inner()
            .entry(user.to_owned())
            .or_default()
            .clone(),
    }
}

/// The metadata IAM lists for a key, as plat keeps it.
struct Key {
    id: String,
    status: String,
    create_date: Option<String>,
}

impl Key {
    fn from_metadata(key: &AccessKeyMetadata) -> Option<Key> {
        Some(Key {
            id: key.access_key_id()?.to_owned(),
            status: key.status().map_or("Active", |s| s.as_str()).to_owned(),
            create_date: key.create_date().map(|d| d.to_string()),
        })
    }
}

impl AwsIamAccessKey {
    pub fn new() -> AwsIamAccessKey {
        AwsIamAccessKey {
            schema: ResourceSchema {
                type_name: "aws_iam_access_key",
                description: "An access key of an IAM user; the secret is kept in state only.",
                attributes: vec![
                    AttributeSchema::required("user", Type::String)
                        .force_new()
                        .describe("The name of the user the key belongs to."),
                    AttributeSchema::optional("status", Type::String)
                        .default("Active")
                        .describe("Active or Inactive."),
                    AttributeSchema::computed("id", Type::String).describe("The access key id."),
                    AttributeSchema::computed("secret", Type::String)
                        .sensitive()
                        .describe("The secret access key: known only from the create."),
                    AttributeSchema::computed("create_date", Type::String),
                ],
                blocks: Vec::new(),
            },
        }
    }

    /// The user's keys by id; `None` when the user is gone.
    async fn keys(
        &self,
        aws: &Aws,
        user: &str,
    ) -> Result<Option<BTreeMap<String, Key>>, ProviderError> {
        let mut found = BTreeMap::new();
        let mut pages = aws
            .iam()
            .list_access_keys()
            .user_name(user)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => found.extend(
                    page.access_key_metadata()
                        .iter()
                        .filter_map(Key::from_metadata)
                        .map(|k| (k.id.clone(), k)),
                ),
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "iam:ListAccessKeys", &format!("user {user}")),
                        None,
                    )
                }
            }
        }
        Ok(Some(found))
    }

    /// The value of a key; the secret comes from `current` (IAM never shows it again).
    fn value(&self, user: &str, key: &Key, current: &Value) -> Value {
        let secret = Attrs::new(&self.schema, current).raw("secret").peel();
        let secret = if secret.is_unknown() {
            Value::Null
        } else {
            secret.clone()
        };
        complete(
            &self.schema,
            &Value::Null,
            [
                ("user", Value::string(user)),
                ("status", Value::string(&key.status)),
                ("id", Value::string(&key.id)),
                ("secret", secret),
                (
                    "create_date",
                    key.create_date.clone().map_or(Value::Null, Value::String),
                ),
            ],
        )
    }

    async fn read_one(
        &self,
        aws: &Aws,
        user: &str,
        id: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .keys(aws, user)
            .await?
            .and_then(|mut keys| keys.remove(id))
            .map(|key| self.value(user, &key, current)))
    }

    /// Deletes the user's keys that are not in `known` (keys a lost create made).
    async fn delete_strays(
        &self,
        aws: &Aws,
        user: &str,
        known: &BTreeSet<String>,
    ) -> Result<(), ProviderError> {
        let keys = self.keys(aws, user).await?.unwrap_or_default();
        for id in keys.keys().filter(|id| !known.contains(*id)) {
            delete_key(aws, user, id).await?;
        }
        Ok(())
    }

    async fn set_status(
        &self,
        aws: &Aws,
        user: &str,
        id: &str,
        status: &str,
    ) -> Result<(), ProviderError> {
        aws.iam()
            .update_access_key()
            .user_name(user)
            .access_key_id(id)
            .status(StatusType::from(status))
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(aws, e, "iam:UpdateAccessKey", &described(user, id)))
    }
}

impl Default for AwsIamAccessKey {
    fn default() -> Self {
        AwsIamAccessKey::new()
    }
}

/// How messages name a key (never with its secret).
fn described(user: &str, id: &str) -> String {
    format!("access key {id} of user {user}")
}

async fn delete_key(aws: &Aws, user: &str, id: &str) -> Result<(), ProviderError> {
    match aws
        .iam()
        .delete_access_key()
        .user_name(user)
        .access_key_id(id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => super::errors::gone_as(
            classify(aws, e, "iam:DeleteAccessKey", &described(user, id)),
            (),
        ),
    }
}

fn parts(schema: &ResourceSchema, value: &Value) -> Result<(String, String), ProviderError> {
    let attrs = Attrs::new(schema, value);
    let user = attrs
        .string("user")?
        .ok_or_else(|| ProviderError::other("the access key has no user in state"))?;
    let id = attrs
        .string("id")?
        .ok_or_else(|| ProviderError::other("the access key has no id in state"))?;
    Ok((user, id))
}

fn validate_status(status: &str) -> Result<(), ProviderError> {
    if matches!(status, "Active" | "Inactive") {
        Ok(())
    } else {
        Err(ProviderError::validation(
            "status",
            format!("\"{status}\" must be Active or Inactive"),
        ))
    }
}

impl ResourceType for AwsIamAccessKey {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        if let Ok(Some(status)) = Attrs::new(&self.schema, &proposed).string("status") {
            validate_status(&status)?;
        }
        Ok(match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => complete(
                &self.schema,
                &proposed,
                [
                    ("id", unknown(&self.schema, "id")),
                    ("secret", unknown(&self.schema, "secret")),
                    ("create_date", unknown(&self.schema, "create_date")),
                ],
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
            let user = attrs.string("user")?.unwrap_or_default();
            let status = attrs.string("status")?.unwrap_or_else(|| "Active".into());
            validate_status(&status)?;
            let lock = user_lock(&user);
            let _serialised = lock.lock().await;
            // A user made a moment ago may not be visible yet.
            let known: BTreeSet<String> = retry::while_not_found(
                ctx,
                "creating (waiting for the user to be visible)",
                || async {
                    self.keys(aws, &user)
                        .await?
                        .map(|keys| keys.into_keys().collect())
                        .ok_or(ProviderError::NotFound)
                },
            )
            .await?;
            let (id, secret) = retry::create_once(
                ctx,
                || async {
                    let created = aws
                        .iam()
                        .create_access_key()
                        .user_name(&user)
                        .customize()
                        .config_override(tags::iam_no_sdk_retries())
                        .send()
                        .await
                        .map_err(|e| {
                            classify(aws, e, "iam:CreateAccessKey", &format!("user {user}"))
                        })?;
                    let key = created.access_key().ok_or_else(|| {
                        ProviderError::other(format!(
                            "iam:CreateAccessKey for user {user} returned no key"
                        ))
                    })?;
                    Ok((
                        key.access_key_id().to_owned(),
                        key.secret_access_key().to_owned(),
                    ))
                },
                // The answer was lost: any new key is one whose secret is gone. Delete it
                // (trying again while IAM is unreachable, until the deadline) and let the
                // create run again.
                || async {
                    retry::while_conflict(
                        ctx,
                        "creating (deleting a key whose create answer was lost)",
                        || self.delete_strays(aws, &user, &known),
                    )
                    .await
                    .map_err(|e| match e {
                        ProviderError::Cancelled => ProviderError::Cancelled,
                        e => ProviderError::other(format!(
                            "iam:CreateAccessKey for user {user}: the answer was lost and the key it may have made could not be deleted ({e}); list the user's keys (aws iam list-access-keys --user-name {user}) and delete any that no state knows"
                        ))
                    })?;
                    Ok(None)
                },
            )
            .await?;
            let with_secret = complete(
                &self.schema,
                planned,
                [
                    ("id", Value::string(&id)),
                    ("secret", Value::string(secret)),
                ],
            );
            if status != "Active" {
                if let Err(e) = self.set_status(aws, &user, &id, &status).await {
                    // The key exists: keep it (and its secret) in state, tainted.
                    return Err(ProviderError::Incomplete {
                        value: Box::new(complete(
                            &self.schema,
                            &with_secret,
                            [
                                ("status", Value::string("Active")),
                                ("create_date", Value::Null),
                            ],
                        )),
                        cause: Box::new(e),
                    });
                }
            }
            match retry::until_visible(ctx, || self.read_one(aws, &user, &id, &with_secret)).await {
                Ok(value) => Ok(value),
                Err(e) => Err(ProviderError::Incomplete {
                    value: Box::new(complete(
                        &self.schema,
                        &with_secret,
                        [("create_date", Value::Null)],
                    )),
                    cause: Box::new(e),
                }),
            }
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (user, id) = parts(&self.schema, current)?;
            self.read_one(aws, &user, &id, current).await
        })
    }

    /// None: access keys cannot be tagged and their ids are chosen by IAM, so nothing known
    /// before the create finds the key again. A `kill -9` between CreateAccessKey's answer
    /// and the journal entry can therefore leave one key that no state knows (its secret is
    /// gone with the process); answers lost while plat runs are handled in `create`.
    fn identity(&self, _ctx: &OpContext, _planned: &Value) -> Option<serde_json::Value> {
        None
    }

    fn reads_in_batches(&self) -> bool {
        true
    }

    /// One ListAccessKeys per user, however many of its keys the state holds.
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
            type Listed = Result<Option<BTreeMap<String, Key>>, String>;
            let mut by_user: BTreeMap<String, Listed> = BTreeMap::new();
            let mut out = Vec::with_capacity(current.len());
            for value in current {
                let (user, id) = match parts(&self.schema, value) {
                    Ok(parts) => parts,
                    Err(e) => {
                        out.push(Err(e));
                        continue;
                    }
                };
                if !by_user.contains_key(&user) {
                    let listed = self.keys(aws, &user).await.map_err(|e| e.to_string());
                    by_user.insert(user.clone(), listed);
                }
                out.push(match &by_user[&user] {
                    Ok(Some(keys)) => Ok(keys.get(&id).map(|key| self.value(&user, key, value))),
                    Ok(None) => Ok(None),
                    Err(message) => Err(ProviderError::other(message.clone())),
                });
            }
            out
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
            let (user, id) = parts(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior).string("status")?;
            let after = Attrs::new(&self.schema, planned)
                .string("status")?
                .unwrap_or_else(|| "Active".into());
            validate_status(&after)?;
            if before.as_deref() != Some(after.as_str()) {
                self.set_status(aws, &user, &id, &after).await?;
            }
            self.read_one(aws, &user, &id, planned)
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
            let (user, id) = parts(&self.schema, current)?;
            delete_key(aws, &user, &id).await
        })
    }

    /// Imports a key by its access key id; the secret cannot be read, so it is null.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let owner = aws
                .iam()
                .get_access_key_last_used()
                .access_key_id(id)
                .send()
                .await
                .map_err(|e| match classify(aws, e, "iam:GetAccessKeyLastUsed", id) {
                    ProviderError::NotFound => {
                        ProviderError::validation("id", format!("no access key {id}"))
                    }
                    other => other,
                })?
                .user_name()
                .map(str::to_owned)
                .ok_or_else(|| {
                    ProviderError::validation("id", format!("access key {id} has no user"))
                })?;
            self.read_one(aws, &owner, id, &Value::Null)
                .await?
                .ok_or_else(|| ProviderError::validation("id", format!("no access key {id}")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{attr, config};

    #[test]
    fn the_secret_is_sensitive_and_kept() {
        let r = AwsIamAccessKey::new();
        assert!(r.schema.attribute("secret").is_some_and(|a| a.sensitive));
        for missing in ["pgp_key", "ses_smtp_password_v4", "encrypted_secret"] {
            assert!(r.schema.attribute(missing).is_none(), "{missing}");
        }
        let cfg = config(&r.schema, &[("user", Value::string("ci"))]);
        let planned = r.plan(None, cfg.clone()).unwrap();
        assert!(attr(&planned, "secret").is_sensitive());
        assert!(attr(&planned, "secret").is_unknown());

        let key = Key {
            id: "AKIA1".into(),
            status: "Active".into(),
            create_date: Some("2026-01-01T00:00:00Z".into()),
        };
        let stored = complete(
            &r.schema,
            &planned,
            [
                ("id", Value::string("AKIA1")),
                ("secret", Value::string("s3cr3t")),
            ],
        );
        let read = r.value("ci", &key, &stored);
        assert!(attr(&read, "secret").is_sensitive());
        assert_eq!(attr(&read, "secret").peel().as_str(), Some("s3cr3t"));
        assert!(!read.render().contains("s3cr3t"));
        // Imported: no secret.
        assert!(attr(&r.value("ci", &key, &Value::Null), "secret")
            .peel()
            .is_null());

        let mut bad = cfg;
        if let Value::Object(entries) = &mut bad {
            entries.insert("status".into(), Value::string("Expired"));
        }
        assert!(r.plan(None, bad).is_err());
    }
}
