//! `aws_efs_file_system`: an EFS file system. `creation_token`, `encrypted`, `kms_key_id`,
//! `performance_mode` and `availability_zone_name` replace it; `throughput_mode` and
//! `provisioned_throughput_in_mibps` change in place (UpdateFileSystem, then a wait for
//! `available`), `lifecycle_policy` blocks in place (PutLifecycleConfiguration), tags in place.
//!
//! The creation token is EFS's own idempotency key. Left unset, plat generates one when it plans
//! the create (`terraform-` and 26 characters, as Terraform does) and keeps it afterwards, so the
//! journal's identity of a create holds it: a create whose answer was lost meets
//! `FileSystemAlreadyExists` (or is found by DescribeFileSystems with the token) and is adopted
//! when the file system carries this instance's ownership tags.
//!
//! Create waits for `available`; delete retries `FileSystemInUse` while mount targets drain
//! (they are deleted first, by dependency order), then waits until the file system is gone.
//! Each wait lasts at most 10 minutes by default, or what `timeouts` says.
//!
//! Refresh is batched: DescribeFileSystems without an id lists every file system, one call per
//! page for all file systems in state; the lifecycle configuration has no batched read, so it is
//! one DescribeLifecycleConfiguration per file system.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_efs::types::{
    FileSystemDescription, LifeCycleState, LifecyclePolicy, PerformanceMode, Tag, ThroughputMode,
    TransitionToArchiveRules, TransitionToIaRules, TransitionToPrimaryStorageClassRules,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::errors::classify;
use super::handle::{carries_address, owned_identity, Aws};
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct AwsEfsFileSystem {
    schema: ResourceSchema,
}

/// How long create, update and delete wait without `timeouts`.
const DEFAULT_WAIT: Duration = Duration::from_secs(10 * 60);

const TRANSITIONS: [&str; 3] = [
    "transition_to_ia",
    "transition_to_primary_storage_class",
    "transition_to_archive",
];

/// A call override with the EFS SDK's automatic retries off, for creates (see
/// [`retry::create_once`]).
pub(super) fn no_sdk_retries() -> aws_sdk_efs::config::Builder {
    aws_sdk_efs::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}

pub(super) fn efs_tags(all: &BTreeMap<String, String>) -> Vec<Tag> {
    all.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

pub(super) fn efs_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

/// Brings an EFS object's tags (file system or access point, by id) from `had` to `wanted`.
pub(super) async fn update_tags(
    aws: &Aws,
    id: &str,
    had: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    super::tags::retag(
        had,
        wanted,
        |keys| async move {
            aws.efs()
                .untag_resource()
                .resource_id(id)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "elasticfilesystem:UntagResource", id))
        },
        |changed| async move {
            aws.efs()
                .tag_resource()
                .resource_id(id)
                .set_tags(Some(efs_tags(&changed)))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "elasticfilesystem:TagResource", id))
        },
    )
    .await
}

impl AwsEfsFileSystem {
    pub fn new() -> AwsEfsFileSystem {
        let mut attributes = vec![
            AttributeSchema::optional_computed("creation_token", Type::String)
                .force_new()
                .describe("EFS's idempotency key; generated when unset."),
            AttributeSchema::optional_computed("encrypted", Type::Bool).force_new(),
            AttributeSchema::optional_computed("kms_key_id", Type::String).force_new(),
            AttributeSchema::optional("performance_mode", Type::String)
                .default("generalPurpose")
                .force_new(),
            AttributeSchema::optional("availability_zone_name", Type::String).force_new(),
            AttributeSchema::optional("throughput_mode", Type::String)
                .default("bursting")
                .describe("bursting, provisioned or elastic; changed in place."),
            AttributeSchema::optional("provisioned_throughput_in_mibps", Type::Number),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("dns_name", Type::String),
            AttributeSchema::computed("owner_id", Type::String),
            AttributeSchema::computed("name", Type::String),
            AttributeSchema::computed("number_of_mount_targets", Type::Number),
        ];
        attributes.extend(tags::attributes());
        AwsEfsFileSystem {
            schema: ResourceSchema {
                type_name: "aws_efs_file_system",
                description: "An EFS file system.",
                attributes,
                blocks: vec![BlockSchema {
                    name: "lifecycle_policy",
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: Some(3),
                    optional_computed: false,
                    attributes: TRANSITIONS
                        .iter()
                        .map(|name| AttributeSchema::optional(name, Type::String))
                        .collect(),
                    blocks: Vec::new(),
                }],
            },
        }
    }

    /// File systems by id: one DescribeFileSystems per id when there are few, else every file
    /// system in the region, a page per call. Absent ids do not exist.
    async fn describe(
        &self,
        aws: &Aws,
        ids: &[String],
    ) -> Result<BTreeMap<String, FileSystemDescription>, ProviderError> {
        let mut found = BTreeMap::new();
        if let [id] = ids {
            match aws
                .efs()
                .describe_file_systems()
                .file_system_id(id)
                .send()
                .await
            {
                Ok(out) => found.extend(
                    out.file_systems()
                        .iter()
                        .map(|f| (f.file_system_id().to_owned(), f.clone())),
                ),
                Err(e) => match classify(aws, e, "elasticfilesystem:DescribeFileSystems", id) {
                    ProviderError::NotFound => {}
                    other => return Err(other),
                },
            }
            return Ok(found);
        }
        let mut pages = aws.efs().describe_file_systems().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                classify(
                    aws,
                    e,
                    "elasticfilesystem:DescribeFileSystems",
                    &ids.join(", "),
                )
            })?;
            found.extend(
                page.file_systems()
                    .iter()
                    .filter(|f| ids.iter().any(|id| id == f.file_system_id()))
                    .map(|f| (f.file_system_id().to_owned(), f.clone())),
            );
        }
        Ok(found)
    }

    /// The file system with this creation token, if any.
    async fn by_token(
        &self,
        aws: &Aws,
        token: &str,
    ) -> Result<Option<FileSystemDescription>, ProviderError> {
        let out = aws
            .efs()
            .describe_file_systems()
            .creation_token(token)
            .send()
            .await
            .map_err(|e| classify(aws, e, "elasticfilesystem:DescribeFileSystems", token))?;
        Ok(out.file_systems().first().cloned())
    }

    async fn lifecycle_of(&self, aws: &Aws, id: &str) -> Result<Vec<Value>, ProviderError> {
        let out = aws
            .efs()
            .describe_lifecycle_configuration()
            .file_system_id(id)
            .send()
            .await
            .map_err(|e| {
                classify(
                    aws,
                    e,
                    "elasticfilesystem:DescribeLifecycleConfiguration",
                    id,
                )
            })?;
        Ok(out
            .lifecycle_policies()
            .iter()
            .map(|p| {
                let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
                Value::Object(BTreeMap::from([
                    (
                        "transition_to_ia".to_owned(),
                        text(p.transition_to_ia().map(|r| r.as_str())),
                    ),
                    (
                        "transition_to_primary_storage_class".to_owned(),
                        text(p.transition_to_primary_storage_class().map(|r| r.as_str())),
                    ),
                    (
                        "transition_to_archive".to_owned(),
                        text(p.transition_to_archive().map(|r| r.as_str())),
                    ),
                ]))
            })
            .collect())
    }

    fn value(
        &self,
        aws: &Aws,
        fs: &FileSystemDescription,
        lifecycle: Vec<Value>,
        current: &Value,
    ) -> Option<Value> {
        if matches!(fs.life_cycle_state(), LifeCycleState::Deleted) {
            return None;
        }
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, efs_pairs(fs.tags()), &stored);
        let id = fs.file_system_id().to_owned();
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let partition = super::data_partition::partition_of(&aws.region);
        Some(complete(
            &self.schema,
            &Value::Null,
            [
                ("creation_token", Value::string(fs.creation_token())),
                ("encrypted", Value::Bool(fs.encrypted().unwrap_or(false))),
                ("kms_key_id", text(fs.kms_key_id())),
                (
                    "performance_mode",
                    Value::string(fs.performance_mode().as_str()),
                ),
                ("availability_zone_name", text(fs.availability_zone_name())),
                (
                    "throughput_mode",
                    Value::string(fs.throughput_mode().map_or("bursting", |m| m.as_str())),
                ),
                (
                    "provisioned_throughput_in_mibps",
                    fs.provisioned_throughput_in_mibps()
                        .filter(|_| fs.throughput_mode() == Some(&ThroughputMode::Provisioned))
                        .map_or(Value::Null, Value::Number),
                ),
                ("id", Value::string(id.clone())),
                (
                    "arn",
                    Value::string(fs.file_system_arn().map(str::to_owned).unwrap_or_else(|| {
                        format!(
                            "arn:{}:elasticfilesystem:{}:{}:file-system/{id}",
                            partition.name,
                            aws.region,
                            fs.owner_id()
                        )
                    })),
                ),
                (
                    "dns_name",
                    Value::string(format!("{id}.efs.{}.{}", aws.region, partition.dns_suffix)),
                ),
                ("owner_id", Value::string(fs.owner_id())),
                ("name", text(fs.name().filter(|n| !n.is_empty()))),
                (
                    "number_of_mount_targets",
                    Value::Number(fs.number_of_mount_targets() as f64),
                ),
                ("tags", tags),
                ("tags_all", tags_all),
                ("lifecycle_policy", Value::List(lifecycle)),
            ],
        ))
    }

    async fn read_id(
        &self,
        aws: &Aws,
        id: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let found = self.describe(aws, &[id.to_owned()]).await?;
        let Some(fs) = found.get(id) else {
            return Ok(None);
        };
        let lifecycle = self.lifecycle_of(aws, id).await?;
        Ok(self.value(aws, fs, lifecycle, current))
    }

    /// Polls until the file system is `available`; `error` is a failure.
    async fn wait_available(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        id: &str,
        activity: &str,
    ) -> Result<(), ProviderError> {
        let ctx = ctx.or_timeout(DEFAULT_WAIT);
        let ids = [id.to_owned()];
        retry::poll(
            &ctx,
            activity,
            || self.describe(aws, &ids),
            |found| match found.get(id).map(|f| f.life_cycle_state()) {
                Some(LifeCycleState::Available) => Ok(true),
                Some(LifeCycleState::Error) => Err(ProviderError::other(format!(
                    "EFS file system {id} is in state error"
                ))),
                _ => Ok(false),
            },
            |found| {
                found.get(id).map_or("not visible yet".into(), |f| {
                    f.life_cycle_state().as_str().to_owned()
                })
            },
        )
        .await
        .map(drop)
    }

    async fn put_lifecycle(
        &self,
        aws: &Aws,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let block = self.schema.blocks[0].as_schema();
        let mut policies = Vec::new();
        for item in Attrs::new(&self.schema, planned).blocks("lifecycle_policy") {
            let attrs = Attrs::new(&block, item);
            let mut set = 0;
            let mut policy = LifecyclePolicy::builder();
            if let Some(rule) = attrs.string("transition_to_ia")? {
                policy = policy.transition_to_ia(TransitionToIaRules::from(rule.as_str()));
                set += 1;
            }
            if let Some(rule) = attrs.string("transition_to_primary_storage_class")? {
                policy = policy.transition_to_primary_storage_class(
                    TransitionToPrimaryStorageClassRules::from(rule.as_str()),
                );
                set += 1;
            }
            if let Some(rule) = attrs.string("transition_to_archive")? {
                policy =
                    policy.transition_to_archive(TransitionToArchiveRules::from(rule.as_str()));
                set += 1;
            }
            if set != 1 {
                return Err(ProviderError::validation(
                    "lifecycle_policy",
                    "each block sets exactly one of transition_to_ia, transition_to_primary_storage_class and transition_to_archive",
                ));
            }
            policies.push(policy.build());
        }
        aws.efs()
            .put_lifecycle_configuration()
            .file_system_id(id)
            .set_lifecycle_policies(Some(policies))
            .send()
            .await
            .map_err(|e| classify(aws, e, "elasticfilesystem:PutLifecycleConfiguration", id))?;
        Ok(())
    }
}

impl Default for AwsEfsFileSystem {
    fn default() -> Self {
        AwsEfsFileSystem::new()
    }
}

impl ResourceType for AwsEfsFileSystem {
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
        if let Ok(Some(mode)) = attrs.string("throughput_mode") {
            if !["bursting", "provisioned", "elastic"].contains(&mode.as_str()) {
                return Err(ProviderError::validation(
                    "throughput_mode",
                    format!("must be bursting, provisioned or elastic, not \"{mode}\""),
                ));
            }
            let provisioned = attrs.raw("provisioned_throughput_in_mibps");
            if mode == "provisioned" && provisioned.is_null() {
                return Err(ProviderError::validation(
                    "provisioned_throughput_in_mibps",
                    "is required when throughput_mode is provisioned",
                ));
            }
        }
        if let Ok(Some(mode)) = attrs.string("performance_mode") {
            if !["generalPurpose", "maxIO"].contains(&mode.as_str()) {
                return Err(ProviderError::validation(
                    "performance_mode",
                    format!("must be generalPurpose or maxIO, not \"{mode}\""),
                ));
            }
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => {
                let planned = keep_computed(&self.schema, prior, &proposed);
                // The throughput of a mode other than provisioned is not ours to keep.
                let mode = Attrs::new(&self.schema, &planned).string("throughput_mode");
                if matches!(mode, Ok(Some(m)) if m != "provisioned") {
                    complete(
                        &self.schema,
                        &planned,
                        [("provisioned_throughput_in_mibps", Value::Null)],
                    )
                } else {
                    planned
                }
            }
            None => {
                // The token is generated once, here, and kept: the journal's identity of the
                // create holds it, so a create lost in a crash is found by it.
                // Unset, it is unknown here; a configured expression that is unknown while
                // planning is known when the apply plans again, and used then.
                let token = match attrs.raw("creation_token").peel() {
                    Value::String(s) => Value::string(s.clone()),
                    _ => Value::string(super::names::generated("terraform-")),
                };
                complete(
                    &self.schema,
                    &proposed,
                    [
                        ("creation_token", token),
                        ("id", unknown(&self.schema, "id")),
                    ],
                )
            }
        };
        Ok(complete(&self.schema, &planned, [("tags_all", tags_all)]))
    }

    fn data_lost_on_replace(&self, _current: &Value) -> Option<String> {
        Some("the files on the file system are deleted with it".into())
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let attrs = Attrs::new(&self.schema, planned);
            let token = match attrs.string("creation_token") {
                Ok(Some(token)) => token,
                _ => super::names::generated("terraform-"),
            };
            let address = ctx.address.as_deref();
            let all = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let mode = attrs
                .string("throughput_mode")?
                .unwrap_or_else(|| "bursting".into());
            let provisioned = match attrs.get("provisioned_throughput_in_mibps") {
                Value::Number(n) if mode == "provisioned" => Some(*n),
                _ => None,
            };
            let ours = |fs: &FileSystemDescription| {
                carries_address(fs.tags().iter().map(|t| (t.key(), t.value())), address)
            };
            let owned = || async {
                Ok(self
                    .by_token(aws, &token)
                    .await?
                    .filter(|fs| ours(fs))
                    .map(|fs| fs.file_system_id().to_owned()))
            };
            let id = retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .efs()
                        .create_file_system()
                        .creation_token(&token)
                        .performance_mode(PerformanceMode::from(
                            attrs
                                .string("performance_mode")?
                                .unwrap_or_else(|| "generalPurpose".into())
                                .as_str(),
                        ))
                        .set_encrypted(attrs.bool("encrypted").ok().flatten())
                        .set_kms_key_id(attrs.string("kms_key_id").ok().flatten())
                        .set_availability_zone_name(attrs.string("availability_zone_name")?)
                        .throughput_mode(ThroughputMode::from(mode.as_str()))
                        .set_provisioned_throughput_in_mibps(provisioned)
                        .set_tags(Some(efs_tags(&all)))
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(out) => Ok(out.file_system_id().to_owned()),
                        Err(e) => {
                            if e.code() == Some("FileSystemAlreadyExists") {
                                // EFS's own idempotency: a file system with this token exists
                                // (AWS names it in the error; emulators may not).
                                if let Some(id) = owned().await? {
                                    return Ok(id);
                                }
                                return Err(ProviderError::Conflict(format!(
                                    "elasticfilesystem:CreateFileSystem: a file system with creation token {token} already exists and this stack did not create it: import it with plat import, or choose another creation_token"
                                )));
                            }
                            Err(classify(
                                aws,
                                e,
                                "elasticfilesystem:CreateFileSystem",
                                address.unwrap_or(&token),
                            ))
                        }
                    }
                },
                owned,
            )
            .await?;
            let ready = async {
                self.wait_available(ctx, aws, &id, "creating").await?;
                if !attrs.blocks("lifecycle_policy").is_empty() {
                    self.put_lifecycle(aws, &id, planned).await?;
                }
                Ok::<_, ProviderError>(())
            };
            if let Err(cause) = ready.await {
                // It exists but is not ready: say what exists, so that state keeps it.
                return Err(ProviderError::incomplete(
                    self.read_id(aws, &id, planned).await,
                    || complete(&self.schema, planned, [("id", Value::string(id.clone()))]),
                    cause,
                ));
            }
            retry::until_visible(ctx, || self.read_id(aws, &id, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_id(aws, &super::batch::id_of(&self.schema, current)?, current)
                .await
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
            let read = async {
                let aws = ctx.provider::<Aws>()?;
                let ids = current
                    .iter()
                    .map(|v| super::batch::id_of(&self.schema, v))
                    .collect::<Result<Vec<_>, _>>()?;
                let found = self.describe(aws, &ids).await?;
                let mut out = Vec::with_capacity(ids.len());
                for (id, value) in ids.iter().zip(current) {
                    out.push(match found.get(id) {
                        Some(fs) => {
                            let lifecycle = self.lifecycle_of(aws, id).await?;
                            self.value(aws, fs, lifecycle, value)
                        }
                        None => None,
                    });
                }
                Ok::<_, ProviderError>(out)
            };
            crate::providers::resource::each_read(current.len(), read.await)
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
            let id = super::batch::id_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let changed = |n: &str| before.get(n).known_eq(after.get(n)) != Some(true);
            if changed("throughput_mode") || changed("provisioned_throughput_in_mibps") {
                let mode = after
                    .string("throughput_mode")?
                    .unwrap_or_else(|| "bursting".into());
                let provisioned = match after.get("provisioned_throughput_in_mibps") {
                    Value::Number(n) if mode == "provisioned" => Some(*n),
                    _ => None,
                };
                retry::while_conflict(ctx, "modifying (waiting for the file system)", || {
                    let mode = mode.clone();
                    let id = &id;
                    async move {
                        aws.efs()
                            .update_file_system()
                            .file_system_id(id)
                            .throughput_mode(ThroughputMode::from(mode.as_str()))
                            .set_provisioned_throughput_in_mibps(provisioned)
                            .send()
                            .await
                            .map(drop)
                            .map_err(|e| classify(aws, e, "elasticfilesystem:UpdateFileSystem", id))
                    }
                })
                .await?;
                self.wait_available(ctx, aws, &id, "modifying").await?;
            }
            if changed("lifecycle_policy") {
                self.put_lifecycle(aws, &id, planned).await?;
            }
            let address = ctx.address.as_deref();
            update_tags(
                aws,
                &id,
                &tags::carried(aws, &self.schema, prior, address)?,
                &tags::carried(aws, &self.schema, planned, address)?,
            )
            .await?;
            self.read_id(aws, &id, planned)
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
            let id = super::batch::id_of(&self.schema, current)?;
            let ctx = ctx.or_timeout(DEFAULT_WAIT);
            // FileSystemInUse while mount targets drain (they are deleted just before).
            retry::delete(
                &ctx,
                "destroying (waiting for mount targets to be deleted)",
                || async {
                    aws.efs()
                        .delete_file_system()
                        .file_system_id(&id)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "elasticfilesystem:DeleteFileSystem", &id))
                },
            )
            .await?;
            let ids = [id.clone()];
            retry::poll(
                &ctx,
                "destroying",
                || self.describe(aws, &ids),
                |found| {
                    Ok(found
                        .get(&id)
                        .is_none_or(|f| f.life_cycle_state() == &LifeCycleState::Deleted))
                },
                |found| {
                    found
                        .get(&id)
                        .map_or("gone".into(), |f| f.life_cycle_state().as_str().to_owned())
                },
            )
            .await
            .map(drop)
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_id(aws, id, &Value::Null).await?.ok_or_else(|| {
                ProviderError::validation(
                    "id",
                    format!("no EFS file system {id} in {}", aws.region),
                )
            })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let token = Attrs::new(&self.schema, planned)
            .string("creation_token")
            .ok()
            .flatten()?;
        let mut identity = owned_identity(ctx)?;
        identity["creation_token"] = serde_json::Value::String(token);
        Some(identity)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (Some(token), Some(address)) = (
                identity.get("creation_token").and_then(|n| n.as_str()),
                identity.get("address").and_then(|a| a.as_str()),
            ) else {
                return Ok(None);
            };
            let Some(fs) = self.by_token(aws, token).await? else {
                return Ok(None);
            };
            if !carries_address(
                fs.tags().iter().map(|t| (t.key(), t.value())),
                Some(address),
            ) {
                return Ok(None);
            }
            let lifecycle = self.lifecycle_of(aws, fs.file_system_id()).await?;
            Ok(self.value(aws, &fs, lifecycle, &Value::Null))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{config, text};

    #[test]
    fn a_creation_token_is_generated_once_and_kept() {
        let r = AwsEfsFileSystem::new();
        let planned = r.plan(None, config(&r.schema, &[])).unwrap();
        let token = text(&planned, "creation_token");
        assert!(
            token.starts_with("terraform-") && token.len() == 36,
            "{token}"
        );
        let mine = r
            .plan(
                None,
                config(&r.schema, &[("creation_token", Value::string("mine"))]),
            )
            .unwrap();
        assert_eq!(text(&mine, "creation_token"), "mine");
        let bad = config(
            &r.schema,
            &[("throughput_mode", Value::string("provisioned"))],
        );
        assert!(r.plan(None, bad).is_err(), "provisioned needs a throughput");
    }
}
