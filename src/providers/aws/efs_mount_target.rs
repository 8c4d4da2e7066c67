//! `aws_efs_mount_target`: a file system's network endpoint in one subnet. `file_system_id`,
//! `subnet_id` and `ip_address` replace it; `security_groups` change in place
//! (ModifyMountTargetSecurityGroups). Create waits for `available`; delete waits until
//! DescribeMountTargets of the file system no longer lists it, so that the file system's delete,
//! which follows by dependency order, finds it gone.
//!
//! Mount targets carry no tags. Their identity is (file system, subnet): a file system has at
//! most one mount target per subnet (per availability zone, in fact), so a create whose answer
//! was lost meets `MountTargetConflict` and the mount target in that subnet is adopted.
//!
//! Refresh is batched per file system: one DescribeMountTargets (per page) for all the mount
//! targets of a file system in state. Security groups have no batched read: one
//! DescribeMountTargetSecurityGroups per mount target.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_efs::types::{LifeCycleState, MountTargetDescription};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::efs_file_system::no_sdk_retries;
use super::errors::classify;
use super::handle::{owned_identity, Aws};
use super::retry;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsEfsMountTarget {
    schema: ResourceSchema,
}

/// How long create and delete wait without `timeouts` (Terraform's default: 30 minutes create,
/// 10 delete; plat waits up to 30 either way).
const DEFAULT_WAIT: Duration = Duration::from_secs(30 * 60);

impl AwsEfsMountTarget {
    pub fn new() -> AwsEfsMountTarget {
        AwsEfsMountTarget {
            schema: ResourceSchema {
                type_name: "aws_efs_mount_target",
                description: "An EFS mount target.",
                attributes: vec![
                    AttributeSchema::required("file_system_id", Type::String).force_new(),
                    AttributeSchema::required("subnet_id", Type::String).force_new(),
                    AttributeSchema::optional_computed("ip_address", Type::String).force_new(),
                    AttributeSchema::optional_computed(
                        "security_groups",
                        Type::Set(Box::new(Type::String)),
                    )
                    .describe("Changed in place; the VPC's default group when unset."),
                    AttributeSchema::computed("id", Type::String),
                    AttributeSchema::computed("dns_name", Type::String),
                    AttributeSchema::computed("mount_target_dns_name", Type::String),
                    AttributeSchema::computed("network_interface_id", Type::String),
                    AttributeSchema::computed("availability_zone_name", Type::String),
                    AttributeSchema::computed("availability_zone_id", Type::String),
                    AttributeSchema::computed("file_system_arn", Type::String),
                    AttributeSchema::computed("owner_id", Type::String),
                ],
                blocks: Vec::new(),
            },
        }
    }

    /// The mount targets of a file system (an empty list when it is gone), or one by id.
    async fn describe(
        &self,
        aws: &Aws,
        file_system_id: Option<&str>,
        mount_target_id: Option<&str>,
    ) -> Result<Vec<MountTargetDescription>, ProviderError> {
        let what = file_system_id.or(mount_target_id).unwrap_or_default();
        let mut pages = aws
            .efs()
            .describe_mount_targets()
            .set_file_system_id(file_system_id.map(str::to_owned))
            .set_mount_target_id(mount_target_id.map(str::to_owned))
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => found.extend(page.mount_targets().iter().cloned()),
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "elasticfilesystem:DescribeMountTargets", what),
                        Vec::new(),
                    )
                }
            }
        }
        Ok(found
            .into_iter()
            .filter(|m| m.life_cycle_state() != &LifeCycleState::Deleted)
            .collect())
    }

    async fn security_groups(&self, aws: &Aws, id: &str) -> Result<Vec<String>, ProviderError> {
        let out = aws
            .efs()
            .describe_mount_target_security_groups()
            .mount_target_id(id)
            .send()
            .await
            .map_err(|e| {
                classify(
                    aws,
                    e,
                    "elasticfilesystem:DescribeMountTargetSecurityGroups",
                    id,
                )
            })?;
        Ok(out.security_groups().to_vec())
    }

    async fn value(
        &self,
        aws: &Aws,
        target: &MountTargetDescription,
    ) -> Result<Value, ProviderError> {
        let groups = self.security_groups(aws, target.mount_target_id()).await?;
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let partition = super::data_partition::partition_of(&aws.region);
        let fs = target.file_system_id();
        let dns = format!("{fs}.efs.{}.{}", aws.region, partition.dns_suffix);
        Ok(complete(
            &self.schema,
            &Value::Null,
            [
                ("file_system_id", Value::string(fs)),
                ("subnet_id", Value::string(target.subnet_id())),
                ("ip_address", text(target.ip_address())),
                (
                    "security_groups",
                    Value::set_from(groups.into_iter().map(Value::string).collect()),
                ),
                ("id", Value::string(target.mount_target_id())),
                ("dns_name", Value::string(dns.clone())),
                (
                    "mount_target_dns_name",
                    match target.availability_zone_name() {
                        Some(az) => Value::string(format!("{az}.{dns}")),
                        None => Value::Null,
                    },
                ),
                ("network_interface_id", text(target.network_interface_id())),
                (
                    "availability_zone_name",
                    text(target.availability_zone_name()),
                ),
                ("availability_zone_id", text(target.availability_zone_id())),
                (
                    "file_system_arn",
                    Value::string(format!(
                        "arn:{}:elasticfilesystem:{}:{}:file-system/{fs}",
                        partition.name,
                        aws.region,
                        target.owner_id().unwrap_or_default()
                    )),
                ),
                ("owner_id", text(target.owner_id())),
            ],
        ))
    }

    async fn read_id(&self, aws: &Aws, id: &str) -> Result<Option<Value>, ProviderError> {
        match self.describe(aws, None, Some(id)).await?.first() {
            Some(target) => Ok(Some(self.value(aws, target).await?)),
            None => Ok(None),
        }
    }

    /// The mount target of `file_system_id` in `subnet_id`, if any.
    async fn in_subnet(
        &self,
        aws: &Aws,
        file_system_id: &str,
        subnet_id: &str,
    ) -> Result<Option<MountTargetDescription>, ProviderError> {
        Ok(self
            .describe(aws, Some(file_system_id), None)
            .await?
            .into_iter()
            .find(|m| m.subnet_id() == subnet_id))
    }

    /// Polls the file system's mount targets until `done` says so about this one.
    async fn wait(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        file_system_id: &str,
        id: &str,
        activity: &str,
        done: fn(Option<&LifeCycleState>) -> Result<bool, ProviderError>,
    ) -> Result<(), ProviderError> {
        let ctx = ctx.or_timeout(DEFAULT_WAIT);
        let state = |found: &Vec<MountTargetDescription>| {
            found
                .iter()
                .find(|m| m.mount_target_id() == id)
                .map(|m| m.life_cycle_state().clone())
        };
        retry::poll(
            &ctx,
            activity,
            || self.describe(aws, Some(file_system_id), None),
            |found| done(state(found).as_ref()),
            |found| state(found).map_or("gone".into(), |s| s.as_str().to_owned()),
        )
        .await
        .map(drop)
    }
}

impl Default for AwsEfsMountTarget {
    fn default() -> Self {
        AwsEfsMountTarget::new()
    }
}

fn required(schema: &ResourceSchema, value: &Value, name: &str) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string(name)?
        .ok_or_else(|| ProviderError::other(format!("the mount target has no {name}")))
}

impl ResourceType for AwsEfsMountTarget {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        Ok(match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
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
            let fs = required(&self.schema, planned, "file_system_id")?;
            let subnet = required(&self.schema, planned, "subnet_id")?;
            let ip = attrs.string("ip_address").ok().flatten();
            let groups = match attrs.get("security_groups") {
                Value::Unknown(_) | Value::Null => None,
                _ => Some(attrs.strings("security_groups")?),
            };
            let what = format!("file system {fs} in subnet {subnet}");
            let adopt = || async {
                Ok(self
                    .in_subnet(aws, &fs, &subnet)
                    .await?
                    .map(|m| m.mount_target_id().to_owned()))
            };
            let id = retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .efs()
                        .create_mount_target()
                        .file_system_id(&fs)
                        .subnet_id(&subnet)
                        .set_ip_address(ip.clone())
                        .set_security_groups(groups.clone())
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(out) => Ok(out.mount_target_id().to_owned()),
                        Err(e) => {
                            let code = e.code().unwrap_or("").to_owned();
                            if code == "MountTargetConflict" {
                                // One per subnet: a create whose answer was lost made it.
                                if let Some(id) = adopt().await? {
                                    return Ok(id);
                                }
                            }
                            if code.ends_with("NotFound") {
                                // A missing subnet, security group or file system: not this
                                // mount target being absent.
                                return Err(ProviderError::Validation {
                                    attribute: None,
                                    message: format!(
                                        "elasticfilesystem:CreateMountTarget on {what}: {code}: {}",
                                        e.message().unwrap_or("")
                                    ),
                                });
                            }
                            Err(classify(
                                aws,
                                e,
                                "elasticfilesystem:CreateMountTarget",
                                &what,
                            ))
                        }
                    }
                },
                adopt,
            )
            .await?;
            if let Err(cause) = self
                .wait(ctx, aws, &fs, &id, "creating", |s| match s {
                    Some(LifeCycleState::Available) => Ok(true),
                    Some(LifeCycleState::Error) => {
                        Err(ProviderError::other("the mount target is in state error"))
                    }
                    _ => Ok(false),
                })
                .await
            {
                return Err(ProviderError::incomplete(
                    self.read_id(aws, &id).await,
                    || complete(&self.schema, planned, [("id", Value::string(id.clone()))]),
                    cause,
                ));
            }
            retry::until_visible(ctx, || self.read_id(aws, &id)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_id(aws, &super::batch::id_of(&self.schema, current)?)
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
                let mut by_fs: BTreeMap<String, Vec<MountTargetDescription>> = BTreeMap::new();
                let mut out = Vec::with_capacity(current.len());
                for value in current {
                    let fs = required(&self.schema, value, "file_system_id")?;
                    let id = super::batch::id_of(&self.schema, value)?;
                    if !by_fs.contains_key(&fs) {
                        let found = self.describe(aws, Some(&fs), None).await?;
                        by_fs.insert(fs.clone(), found);
                    }
                    let target = by_fs
                        .get(&fs)
                        .and_then(|all| all.iter().find(|m| m.mount_target_id() == id));
                    out.push(match target {
                        Some(target) => Some(self.value(aws, target).await?),
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
            let after = Attrs::new(&self.schema, planned);
            if Attrs::new(&self.schema, prior)
                .get("security_groups")
                .known_eq(after.get("security_groups"))
                != Some(true)
            {
                let groups = after.strings("security_groups")?;
                retry::while_conflict(ctx, "modifying (waiting for the mount target)", || {
                    let groups = groups.clone();
                    let id = &id;
                    async move {
                        aws.efs()
                            .modify_mount_target_security_groups()
                            .mount_target_id(id)
                            .set_security_groups(Some(groups))
                            .send()
                            .await
                            .map(drop)
                            .map_err(|e| {
                                classify(
                                    aws,
                                    e,
                                    "elasticfilesystem:ModifyMountTargetSecurityGroups",
                                    id,
                                )
                            })
                    }
                })
                .await?;
            }
            self.read_id(aws, &id).await?.ok_or(ProviderError::NotFound)
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
            let fs = required(&self.schema, current, "file_system_id")?;
            retry::delete(ctx, "destroying (waiting for the mount target)", || async {
                aws.efs()
                    .delete_mount_target()
                    .mount_target_id(&id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "elasticfilesystem:DeleteMountTarget", &id))
            })
            .await?;
            // Gone from the file system's list: its delete, next, no longer sees it.
            self.wait(ctx, aws, &fs, &id, "destroying", |s| Ok(s.is_none()))
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
            self.read_id(aws, id).await?.ok_or_else(|| {
                ProviderError::validation(
                    "id",
                    format!("no EFS mount target {id} in {}", aws.region),
                )
            })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let attrs = Attrs::new(&self.schema, planned);
        let fs = attrs.string("file_system_id").ok().flatten()?;
        let subnet = attrs.string("subnet_id").ok().flatten()?;
        let mut identity = owned_identity(ctx)?;
        identity["file_system_id"] = serde_json::Value::String(fs);
        identity["subnet_id"] = serde_json::Value::String(subnet);
        Some(identity)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (Some(fs), Some(subnet)) = (
                identity.get("file_system_id").and_then(|n| n.as_str()),
                identity.get("subnet_id").and_then(|a| a.as_str()),
            ) else {
                return Ok(None);
            };
            match self.in_subnet(aws, fs, subnet).await? {
                Some(target) => Ok(Some(self.value(aws, &target).await?)),
                None => Ok(None),
            }
        })
    }
}
