//! `aws_efs_access_point`: an application's entry point into a file system, with the POSIX user
//! it acts as and the directory it sees as root. `file_system_id`, `posix_user` and
//! `root_directory` replace it; tags change in place (TagResource/UntagResource).
//!
//! The create carries a client token (EFS's idempotency key) made once per create from the
//! stack, environment and address: a retry after a lost answer sends the same token, so AWS
//! returns the access point it made instead of a second one. Every create also carries the
//! ownership tags, by which a create lost in a crash is found (`find`).
//!
//! AWS fills in parts of these blocks that the configuration may leave out (the root directory
//! `/` and its path): `root_directory` is an optional-computed block, so what AWS filled in is
//! no change, and a block written differently with the same meaning is kept by the plan rules.
//!
//! Refresh is batched per file system: one DescribeAccessPoints (per page) lists the access
//! points of a file system with their tags.

use std::collections::BTreeMap;

use aws_sdk_efs::types::{AccessPointDescription, CreationInfo, PosixUser, RootDirectory};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::efs_file_system::{efs_pairs, efs_tags, no_sdk_retries, update_tags};
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

pub struct AwsEfsAccessPoint {
    schema: ResourceSchema,
}

impl AwsEfsAccessPoint {
    pub fn new() -> AwsEfsAccessPoint {
        let mut attributes = vec![
            AttributeSchema::required("file_system_id", Type::String).force_new(),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("file_system_arn", Type::String),
            AttributeSchema::computed("owner_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        let creation_info = BlockSchema {
            name: "creation_info",
            nesting: Nesting::List,
            min_items: 0,
            max_items: Some(1),
            optional_computed: false,
            attributes: vec![
                AttributeSchema::required("owner_uid", Type::Number).force_new(),
                AttributeSchema::required("owner_gid", Type::Number).force_new(),
                AttributeSchema::required("permissions", Type::String).force_new(),
            ],
            blocks: Vec::new(),
        };
        AwsEfsAccessPoint {
            schema: ResourceSchema {
                type_name: "aws_efs_access_point",
                description: "An EFS access point.",
                attributes,
                blocks: vec![
                    BlockSchema {
                        name: "posix_user",
                        nesting: Nesting::List,
                        min_items: 0,
                        max_items: Some(1),
                        optional_computed: false,
                        attributes: vec![
                            AttributeSchema::required("uid", Type::Number).force_new(),
                            AttributeSchema::required("gid", Type::Number).force_new(),
                            AttributeSchema::optional(
                                "secondary_gids",
                                Type::Set(Box::new(Type::Number)),
                            )
                            .force_new(),
                        ],
                        blocks: Vec::new(),
                    },
                    BlockSchema {
                        name: "root_directory",
                        nesting: Nesting::List,
                        min_items: 0,
                        max_items: Some(1),
                        optional_computed: true,
                        attributes: vec![
                            AttributeSchema::optional_computed("path", Type::String).force_new()
                        ],
                        blocks: vec![creation_info],
                    },
                ],
            },
        }
    }

    fn posix_user(&self, value: &Value) -> Result<Option<PosixUser>, ProviderError> {
        let block = self.schema.blocks[0].as_schema();
        let Some(item) = Attrs::new(&self.schema, value)
            .blocks("posix_user")
            .first()
            .copied()
        else {
            return Ok(None);
        };
        let attrs = Attrs::new(&block, item);
        let number =
            |n: &str| -> Result<i64, ProviderError> { Ok(attrs.count(n)?.unwrap_or(0) as i64) };
        let secondary = match attrs.get("secondary_gids") {
            Value::Set(items) | Value::List(items) | Value::Tuple(items) => Some(
                items
                    .iter()
                    .filter_map(|v| v.peel().as_number())
                    .map(|n| n as i64)
                    .collect(),
            ),
            _ => None,
        };
        PosixUser::builder()
            .uid(number("uid")?)
            .gid(number("gid")?)
            .set_secondary_gids(secondary)
            .build()
            .map(Some)
            .map_err(|e| ProviderError::other(format!("building posix_user: {e}")))
    }

    fn root_directory(&self, value: &Value) -> Result<Option<RootDirectory>, ProviderError> {
        let block = self.schema.blocks[1].as_schema();
        let info_block = self.schema.blocks[1].blocks[0].as_schema();
        let Some(item) = Attrs::new(&self.schema, value)
            .blocks("root_directory")
            .first()
            .copied()
        else {
            return Ok(None);
        };
        let attrs = Attrs::new(&block, item);
        let mut root = RootDirectory::builder().set_path(attrs.string("path").ok().flatten());
        if let Some(info) = attrs.blocks("creation_info").first() {
            let info = Attrs::new(&info_block, info);
            root = root.creation_info(
                CreationInfo::builder()
                    .owner_uid(info.count("owner_uid")?.unwrap_or(0) as i64)
                    .owner_gid(info.count("owner_gid")?.unwrap_or(0) as i64)
                    .permissions(info.string("permissions")?.unwrap_or_default())
                    .build()
                    .map_err(|e| ProviderError::other(format!("building creation_info: {e}")))?,
            );
        }
        Ok(Some(root.build()))
    }

    fn value(&self, aws: &Aws, point: &AccessPointDescription, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, efs_pairs(point.tags()), &stored);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let number = |n: i64| Value::Number(n as f64);
        let posix = point.posix_user().map(|p| {
            Value::Object(BTreeMap::from([
                ("uid".to_owned(), number(p.uid())),
                ("gid".to_owned(), number(p.gid())),
                (
                    "secondary_gids".to_owned(),
                    if p.secondary_gids().is_empty() {
                        Value::Null
                    } else {
                        Value::set_from(p.secondary_gids().iter().map(|g| number(*g)).collect())
                    },
                ),
            ]))
        });
        let root = point.root_directory().and_then(|r| {
            let info = r.creation_info().map(|i| {
                Value::Object(BTreeMap::from([
                    ("owner_uid".to_owned(), number(i.owner_uid())),
                    ("owner_gid".to_owned(), number(i.owner_gid())),
                    ("permissions".to_owned(), Value::string(i.permissions())),
                ]))
            });
            let path = r.path().unwrap_or("/");
            // AWS's default ("/", nothing to create) with no block configured is no block.
            if info.is_none() && path == "/" && stored.blocks("root_directory").is_empty() {
                return None;
            }
            Some(Value::Object(BTreeMap::from([
                ("path".to_owned(), Value::string(path)),
                (
                    "creation_info".to_owned(),
                    Value::List(info.into_iter().collect()),
                ),
            ])))
        });
        let partition = super::data_partition::partition_of(&aws.region);
        let fs = point.file_system_id().unwrap_or_default();
        let owner = point.owner_id().unwrap_or_default();
        complete(
            &self.schema,
            &Value::Null,
            [
                ("file_system_id", Value::string(fs)),
                ("id", text(point.access_point_id())),
                ("arn", text(point.access_point_arn())),
                (
                    "file_system_arn",
                    Value::string(format!(
                        "arn:{}:elasticfilesystem:{}:{owner}:file-system/{fs}",
                        partition.name, aws.region
                    )),
                ),
                ("owner_id", text(point.owner_id())),
                ("tags", tags),
                ("tags_all", tags_all),
                ("posix_user", Value::List(posix.into_iter().collect())),
                ("root_directory", Value::List(root.into_iter().collect())),
            ],
        )
    }

    /// Access points by id, or every one of a file system.
    async fn describe(
        &self,
        aws: &Aws,
        file_system_id: Option<&str>,
        id: Option<&str>,
    ) -> Result<Vec<AccessPointDescription>, ProviderError> {
        let what = id.or(file_system_id).unwrap_or_default();
        let mut pages = aws
            .efs()
            .describe_access_points()
            .set_file_system_id(file_system_id.map(str::to_owned))
            .set_access_point_id(id.map(str::to_owned))
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => found.extend(page.access_points().iter().cloned()),
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "elasticfilesystem:DescribeAccessPoints", what),
                        Vec::new(),
                    )
                }
            }
        }
        Ok(found
            .into_iter()
            .filter(|p| {
                !matches!(
                    p.life_cycle_state(),
                    Some(aws_sdk_efs::types::LifeCycleState::Deleted)
                )
            })
            .collect())
    }

    async fn read_id(
        &self,
        aws: &Aws,
        id: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .describe(aws, None, Some(id))
            .await?
            .first()
            .map(|p| self.value(aws, p, current)))
    }

    /// The access point of `file_system_id` that carries the ownership tags of `address`.
    async fn owned(
        &self,
        aws: &Aws,
        file_system_id: &str,
        address: Option<&str>,
    ) -> Result<Option<AccessPointDescription>, ProviderError> {
        Ok(self
            .describe(aws, Some(file_system_id), None)
            .await?
            .into_iter()
            .find(|p| carries_address(p.tags().iter().map(|t| (t.key(), t.value())), address)))
    }
}

impl Default for AwsEfsAccessPoint {
    fn default() -> Self {
        AwsEfsAccessPoint::new()
    }
}

fn file_system_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("file_system_id")?
        .ok_or_else(|| ProviderError::other("the access point has no file_system_id"))
}

/// What a `posix_user` or `root_directory` block list means, for comparison (`None` while parts
/// are unknown): no root directory is AWS's default, `/` with nothing to create, and a path left
/// unset is that default path too.
fn meaning(name: &str, value: &Value) -> Option<String> {
    if value.is_unknown() {
        return None;
    }
    let first = value.as_seq().unwrap_or_default().first();
    let entries = first
        .and_then(|i| i.as_entries())
        .cloned()
        .unwrap_or_default();
    let shown = if name == "root_directory" {
        let path = entries
            .get("path")
            .filter(|p| !p.is_unknown() && !p.is_null())
            .cloned()
            .unwrap_or_else(|| Value::string("/"));
        let info = entries
            .get("creation_info")
            .filter(|i| !i.is_null())
            .cloned()
            .unwrap_or(Value::List(Vec::new()));
        Value::Object(BTreeMap::from([
            ("path".to_owned(), path),
            ("creation_info".to_owned(), info),
        ]))
    } else {
        let mut entries = entries;
        if entries
            .get("secondary_gids")
            .is_some_and(|g| g.as_seq().is_some_and(|s| s.is_empty()))
        {
            entries.insert("secondary_gids".into(), Value::Null);
        }
        Value::Object(entries)
    };
    shown.is_fully_known().then(|| shown.render())
}

impl ResourceType for AwsEfsAccessPoint {
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
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => {
                let before = Attrs::new(&self.schema, prior);
                let after = Attrs::new(&self.schema, &proposed);
                let mut kept = Vec::new();
                for name in ["posix_user", "root_directory"] {
                    let Some(wanted) = meaning(name, after.get(name)) else {
                        // Not known while planning: the apply's own plan checks it.
                        continue;
                    };
                    // The same meaning written differently is no change; a real change is a
                    // replacement, which the engine planned from the force-new attributes.
                    if meaning(name, before.get(name)) == Some(wanted) {
                        kept.push((name, before.raw(name).clone()));
                    }
                }
                complete(
                    &self.schema,
                    &keep_computed(&self.schema, prior, &proposed),
                    kept,
                )
            }
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
            let fs = file_system_of(&self.schema, planned)?;
            let address = ctx.address.as_deref();
            let all = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let posix = self.posix_user(planned)?;
            let root = self.root_directory(planned)?;
            // One token per create (so a replacement is a new access point), the same for
            // every retry of it (so a lost answer is not a second access point).
            let token = {
                use sha2::Digest;
                let key = format!(
                    "{}/{}/{}/{}",
                    aws.scope.stack,
                    aws.scope.env,
                    address.unwrap_or(""),
                    uuid::Uuid::new_v4()
                );
                let digest = sha2::Sha256::digest(key.as_bytes());
                digest
                    .iter()
                    .take(16)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            };
            let owned = || async {
                Ok(self
                    .owned(aws, &fs, address)
                    .await?
                    .and_then(|p| p.access_point_id().map(str::to_owned)))
            };
            let id = retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .efs()
                        .create_access_point()
                        .client_token(&token)
                        .file_system_id(&fs)
                        .set_posix_user(posix.clone())
                        .set_root_directory(root.clone())
                        .set_tags(Some(efs_tags(&all)))
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(out) => out.access_point_id().map(str::to_owned).ok_or_else(|| {
                            ProviderError::other("CreateAccessPoint returned no id")
                        }),
                        Err(e) => {
                            if e.code() == Some("AccessPointAlreadyExists") {
                                if let Some(id) = owned().await? {
                                    return Ok(id);
                                }
                            }
                            Err(classify(
                                aws,
                                e,
                                "elasticfilesystem:CreateAccessPoint",
                                address.unwrap_or(&fs),
                            ))
                        }
                    }
                },
                owned,
            )
            .await?;
            // Access points are available within seconds; wait for that, as for the others.
            let ready = retry::poll(
                ctx,
                "creating",
                || self.describe(aws, None, Some(&id)),
                |found| {
                    Ok(found.first().and_then(|p| p.life_cycle_state())
                        == Some(&aws_sdk_efs::types::LifeCycleState::Available))
                },
                |found| {
                    found
                        .first()
                        .and_then(|p| p.life_cycle_state())
                        .map_or("not visible yet".into(), |s| s.as_str().to_owned())
                },
            )
            .await;
            if let Err(cause) = ready {
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
                let mut by_fs: BTreeMap<String, Vec<AccessPointDescription>> = BTreeMap::new();
                let mut out = Vec::with_capacity(current.len());
                for value in current {
                    let fs = file_system_of(&self.schema, value)?;
                    let id = super::batch::id_of(&self.schema, value)?;
                    if !by_fs.contains_key(&fs) {
                        let found = self.describe(aws, Some(&fs), None).await?;
                        by_fs.insert(fs.clone(), found);
                    }
                    out.push(
                        by_fs
                            .get(&fs)
                            .and_then(|all| {
                                all.iter()
                                    .find(|p| p.access_point_id() == Some(id.as_str()))
                            })
                            .map(|p| self.value(aws, p, value)),
                    );
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
            retry::delete(ctx, "destroying", || async {
                aws.efs()
                    .delete_access_point()
                    .access_point_id(&id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "elasticfilesystem:DeleteAccessPoint", &id))
            })
            .await?;
            retry::poll(
                ctx,
                "destroying",
                || self.describe(aws, None, Some(&id)),
                |found| Ok(found.is_empty()),
                |found| {
                    found
                        .first()
                        .and_then(|p| p.life_cycle_state())
                        .map_or("gone".into(), |s| s.as_str().to_owned())
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
                    format!("no EFS access point {id} in {}", aws.region),
                )
            })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let fs = file_system_of(&self.schema, planned).ok()?;
        let mut identity = owned_identity(ctx)?;
        identity["file_system_id"] = serde_json::Value::String(fs);
        Some(identity)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (Some(fs), Some(address)) = (
                identity.get("file_system_id").and_then(|n| n.as_str()),
                identity.get("address").and_then(|a| a.as_str()),
            ) else {
                return Ok(None);
            };
            Ok(self
                .owned(aws, fs, Some(address))
                .await?
                .map(|p| self.value(aws, &p, &Value::Null)))
        })
    }
}
