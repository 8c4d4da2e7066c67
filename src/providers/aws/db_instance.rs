//! `aws_db_instance`: an RDS database instance.
//!
//! `identifier`, `identifier_prefix`, `engine`, `storage_encrypted`, `db_name`, `username` and
//! `db_subnet_group_name` replace it; the rest changes in place through ModifyDBInstance (with
//! `ApplyImmediately` from `apply_immediately`; a major `engine_version` change needs
//! `allow_major_version_upgrade = true`, checked at plan time). `password` is sensitive and not
//! readable from AWS: state keeps what was set. `skip_final_snapshot`,
//! `final_snapshot_identifier`, `apply_immediately` and `allow_major_version_upgrade` live only
//! in state. `id` is the identifier (as Terraform's provider before v5).
//!
//! Waits: create until `available` (40 minutes unless `timeouts.create` says otherwise, like
//! Terraform), update until `available` again with no pending changes when applied immediately
//! (80 minutes), delete until the instance is gone (60 minutes), with progress heartbeats. An
//! instance created but not ready in time is returned as `Incomplete`, so state records it
//! (tainted); an update that times out leaves state as it was (a database is never tainted by a
//! slow modification).
//!
//! Destroying: a plan that would delete or replace an instance with `deletion_protection` on,
//! or with neither `skip_final_snapshot` nor a `final_snapshot_identifier`, fails at plan time
//! ([`ResourceType::check_destroy`]) instead of half-way through an apply.
//!
//! Crash safety: the identifier is the identity. One generated from `identifier_prefix` (or
//! Terraform's `terraform-` default) is chosen when the journal records the create, and the
//! create uses it; `find` describes it and adopts it only when it carries this instance's
//! ownership tags. Creates go out once with the SDK's retries off.
//!
//! Refresh is batched: one DescribeDBInstances per page with a `db-instance-id` filter listing
//! the identifiers (100 per call); tags come in the same answer.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_rds::types::{DbInstance, Filter, PendingModifiedValues};

use super::errors::classify;
use super::handle::Aws;
use super::{rds, retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsDbInstance {
    schema: ResourceSchema,
}

/// Terraform's default timeouts for DB instances.
const CREATE_WAIT: Duration = Duration::from_secs(40 * 60);
const UPDATE_WAIT: Duration = Duration::from_secs(80 * 60);
const DELETE_WAIT: Duration = Duration::from_secs(60 * 60);

/// DB instance identifiers: at most 63 characters.
const MAX_IDENTIFIER: usize = 63;

/// Identifiers per DescribeDBInstances filter.
const PER_DESCRIBE: usize = 100;

/// Statuses an instance does not leave by waiting.
const FAILED: &[&str] = &[
    "failed",
    "incompatible-network",
    "incompatible-option-group",
    "incompatible-parameters",
    "incompatible-restore",
    "inaccessible-encryption-credentials",
];

impl AwsDbInstance {
    pub fn new() -> AwsDbInstance {
        let strings = || Type::Set(Box::new(Type::String));
        let mut attributes = vec![
            AttributeSchema::optional_computed("identifier", Type::String).force_new(),
            AttributeSchema::optional("identifier_prefix", Type::String).force_new(),
            AttributeSchema::required("engine", Type::String).force_new(),
            AttributeSchema::optional_computed("engine_version", Type::String).describe(
                "Changes in place; a major version change needs allow_major_version_upgrade.",
            ),
            AttributeSchema::computed("engine_version_actual", Type::String),
            AttributeSchema::required("instance_class", Type::String),
            AttributeSchema::optional_computed("allocated_storage", Type::Number),
            AttributeSchema::optional("max_allocated_storage", Type::Number),
            AttributeSchema::optional_computed("storage_type", Type::String),
            AttributeSchema::optional("storage_encrypted", Type::Bool)
                .default(false)
                .force_new(),
            AttributeSchema::optional_computed("db_name", Type::String).force_new(),
            AttributeSchema::optional_computed("username", Type::String).force_new(),
            AttributeSchema::optional("password", Type::String)
                .sensitive()
                .describe("The master password; AWS never returns it, so state keeps it."),
            AttributeSchema::optional_computed("port", Type::Number),
            AttributeSchema::optional_computed("vpc_security_group_ids", strings()),
            AttributeSchema::optional_computed("db_subnet_group_name", Type::String).force_new(),
            AttributeSchema::optional_computed("parameter_group_name", Type::String),
            AttributeSchema::optional_computed("multi_az", Type::Bool),
            AttributeSchema::optional("publicly_accessible", Type::Bool).default(false),
            AttributeSchema::optional_computed("backup_retention_period", Type::Number),
            AttributeSchema::optional("deletion_protection", Type::Bool).default(false),
            AttributeSchema::optional("skip_final_snapshot", Type::Bool)
                .default(false)
                .describe("Delete without a final snapshot (state only)."),
            AttributeSchema::optional("final_snapshot_identifier", Type::String)
                .describe("The snapshot taken when the instance is deleted (state only)."),
            AttributeSchema::optional("apply_immediately", Type::Bool)
                .default(false)
                .describe("Apply modifications now, not in the maintenance window (state only)."),
            AttributeSchema::optional("allow_major_version_upgrade", Type::Bool)
                .describe("Allow a major engine_version change (state only)."),
            AttributeSchema::computed("address", Type::String),
            AttributeSchema::computed("endpoint", Type::String).describe("address:port"),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("status", Type::String),
            AttributeSchema::computed("resource_id", Type::String),
            AttributeSchema::computed("hosted_zone_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsDbInstance {
            schema: ResourceSchema {
                type_name: "aws_db_instance",
                description: "An RDS DB instance.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    /// Instances by identifier, one call per page (100 identifiers per filter); those that do
    /// not exist are absent.
    async fn describe(
        &self,
        aws: &Aws,
        ids: &[String],
    ) -> Result<BTreeMap<String, DbInstance>, ProviderError> {
        let mut found = BTreeMap::new();
        for chunk in ids.chunks(PER_DESCRIBE) {
            let what = chunk.join(", ");
            let filter = Filter::builder()
                .name("db-instance-id")
                .set_values(Some(chunk.to_vec()))
                .build();
            let mut pages = aws
                .rds()
                .describe_db_instances()
                .filters(filter)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = match page {
                    Ok(page) => page,
                    Err(e) => match classify(aws, e, "rds:DescribeDBInstances", &what) {
                        ProviderError::NotFound => break,
                        other => return Err(other),
                    },
                };
                for db in page.db_instances() {
                    if let Some(id) = db.db_instance_identifier() {
                        found.insert(id.to_owned(), db.clone());
                    }
                }
            }
        }
        Ok(found)
    }

    async fn describe_one(&self, aws: &Aws, id: &str) -> Result<Option<DbInstance>, ProviderError> {
        Ok(self.describe(aws, &[id.to_owned()]).await?.remove(id))
    }

    fn value(&self, aws: &Aws, db: &DbInstance, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, rds::pairs(db.tag_list()), &stored);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let number = |n: Option<i32>| n.map_or(Value::Null, |n| Value::Number(n as f64));
        // What AWS does not report (or an emulator leaves out) stays as state holds it.
        let flag =
            |b: Option<bool>, name: &str| b.map_or_else(|| stored.get(name).clone(), Value::Bool);
        let id = db.db_instance_identifier().unwrap_or_default().to_owned();
        let actual = db.engine_version().unwrap_or_default().to_owned();
        // A configured "16" stays "16" while AWS runs 16.x.
        let engine_version = match stored.string("engine_version").ok().flatten() {
            Some(configured) if same_or_prefix(&configured, &actual) => configured,
            _ => actual.clone(),
        };
        let endpoint = db.endpoint();
        let port = endpoint
            .and_then(|e| e.port())
            .or(db.db_instance_port().filter(|p| *p > 0));
        let address = endpoint.and_then(|e| e.address());
        let max_storage = match db.max_allocated_storage() {
            Some(n) => Value::Number(n as f64),
            // Autoscaling off: 0 as configured, else unset.
            None if stored
                .get("max_allocated_storage")
                .known_eq(&Value::Number(0.0))
                == Some(true) =>
            {
                Value::Number(0.0)
            }
            None => Value::Null,
        };
        complete(
            &self.schema,
            &Value::Null,
            [
                ("identifier", Value::string(id.clone())),
                ("identifier_prefix", stored.raw("identifier_prefix").clone()),
                ("engine", text(db.engine())),
                ("engine_version", Value::string(engine_version)),
                ("engine_version_actual", Value::string(actual)),
                ("instance_class", text(db.db_instance_class())),
                ("allocated_storage", number(db.allocated_storage())),
                ("max_allocated_storage", max_storage),
                ("storage_type", text(db.storage_type())),
                (
                    "storage_encrypted",
                    flag(db.storage_encrypted(), "storage_encrypted"),
                ),
                ("db_name", text(db.db_name())),
                ("username", text(db.master_username())),
                ("password", stored.raw("password").clone()),
                ("port", number(port)),
                (
                    "vpc_security_group_ids",
                    rds::string_set(
                        db.vpc_security_groups()
                            .iter()
                            .filter_map(|g| g.vpc_security_group_id()),
                    ),
                ),
                (
                    "db_subnet_group_name",
                    text(db.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
                ),
                (
                    "parameter_group_name",
                    text(
                        db.db_parameter_groups()
                            .first()
                            .and_then(|g| g.db_parameter_group_name()),
                    ),
                ),
                ("multi_az", flag(db.multi_az(), "multi_az")),
                (
                    "publicly_accessible",
                    flag(db.publicly_accessible(), "publicly_accessible"),
                ),
                (
                    "backup_retention_period",
                    number(db.backup_retention_period()),
                ),
                (
                    "deletion_protection",
                    flag(db.deletion_protection(), "deletion_protection"),
                ),
                (
                    "skip_final_snapshot",
                    stored.get("skip_final_snapshot").clone(),
                ),
                (
                    "final_snapshot_identifier",
                    stored.raw("final_snapshot_identifier").clone(),
                ),
                ("apply_immediately", stored.get("apply_immediately").clone()),
                (
                    "allow_major_version_upgrade",
                    stored.raw("allow_major_version_upgrade").clone(),
                ),
                ("address", text(address)),
                (
                    "endpoint",
                    match (address, port) {
                        (Some(address), Some(port)) => Value::string(format!("{address}:{port}")),
                        _ => Value::Null,
                    },
                ),
                ("arn", text(db.db_instance_arn())),
                ("id", Value::string(id)),
                ("status", text(db.db_instance_status())),
                ("resource_id", text(db.dbi_resource_id())),
                (
                    "hosted_zone_id",
                    text(endpoint.and_then(|e| e.hosted_zone_id())),
                ),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        )
    }

    async fn read_one(
        &self,
        aws: &Aws,
        id: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .describe_one(aws, id)
            .await?
            .map(|db| self.value(aws, &db, current)))
    }

    /// Polls until the instance is `available` (with no pending changes, when `settled`); a
    /// failed instance is an error with its status. `default` bounds the wait without
    /// `timeouts`.
    async fn wait_available(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        id: &str,
        activity: &str,
        default: Duration,
        settled: bool,
    ) -> Result<(), ProviderError> {
        let ctx = ctx.or_timeout(default);
        retry::poll(
            &ctx,
            activity,
            || self.describe_one(aws, id),
            |db| {
                let Some(db) = db else {
                    return Ok(false);
                };
                let status = db.db_instance_status().unwrap_or_default();
                if FAILED.contains(&status) {
                    return Err(ProviderError::other(format!(
                        "rds:DescribeDBInstances on {id}: the DB instance is {status}"
                    )));
                }
                Ok(matches!(status, "available" | "storage-optimization")
                    && !(settled && db.pending_modified_values().is_some_and(has_pending)))
            },
            |db| match db {
                Some(db) => db.db_instance_status().unwrap_or("unknown").to_owned(),
                None => "not visible yet".into(),
            },
        )
        .await
        .map(drop)
    }

    /// Polls until the instance is gone.
    async fn wait_gone(&self, ctx: &OpContext, aws: &Aws, id: &str) -> Result<(), ProviderError> {
        retry::poll(
            ctx,
            "destroying",
            || self.describe_one(aws, id),
            |db| Ok(db.is_none()),
            |db| match db {
                Some(db) => db.db_instance_status().unwrap_or("unknown").to_owned(),
                None => "deleted".into(),
            },
        )
        .await
        .map(drop)
    }
}

impl Default for AwsDbInstance {
    fn default() -> Self {
        AwsDbInstance::new()
    }
}

/// Whether a modification is still waiting to be applied.
fn has_pending(p: &PendingModifiedValues) -> bool {
    p.db_instance_class().is_some()
        || p.allocated_storage().is_some()
        || p.master_user_password().is_some()
        || p.port().is_some()
        || p.backup_retention_period().is_some()
        || p.multi_az().is_some()
        || p.engine_version().is_some()
        || p.iops().is_some()
        || p.storage_type().is_some()
        || p.db_instance_identifier().is_some()
        || p.db_subnet_group_name().is_some()
}

/// Whether `configured` is `actual` or a leading part of it ("16" of "16.3").
fn same_or_prefix(configured: &str, actual: &str) -> bool {
    configured == actual
        || actual
            .strip_prefix(configured)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The major version of an engine version: the first number for PostgreSQL 10 and later and
/// Oracle ("16" of "16.3"), the first two otherwise ("8.0" of MySQL 8.0.35, "9.6" of
/// PostgreSQL 9.6.22, "10.11" of MariaDB 10.11.6).
fn major_version(engine: &str, version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    let first = parts.first().copied().unwrap_or("");
    let one_part = if engine.contains("postgres") {
        first.parse::<u32>().map_or(true, |n| n >= 10)
    } else {
        engine.starts_with("oracle")
    };
    match parts.get(1) {
        Some(second) if !one_part => format!("{first}.{second}"),
        _ => first.to_owned(),
    }
}

/// Whether going from `from` to `to` changes the major version (a version given by its major
/// part alone, "8", matches any version of it).
fn is_major_change(engine: &str, from: &str, to: &str) -> bool {
    let (a, b) = (major_version(engine, from), major_version(engine, to));
    a != b && !same_or_prefix(&a, &b) && !same_or_prefix(&b, &a)
}

/// An argument's value when known and set: plan-time unknowns (computed attributes the
/// configuration leaves to AWS) are not sent.
fn known_string(attrs: &Attrs, name: &str) -> Option<String> {
    attrs.string(name).ok().flatten()
}

fn known_bool(attrs: &Attrs, name: &str) -> Option<bool> {
    attrs.bool(name).ok().flatten()
}

fn known_int(attrs: &Attrs, name: &str) -> Result<Option<i32>, ProviderError> {
    if !attrs.is_known(name) {
        return Ok(None);
    }
    Ok(attrs
        .count(name)?
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX)))
}

fn identifier_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("identifier")?
        .ok_or_else(|| ProviderError::other("the DB instance has no identifier in state"))
}

impl ResourceType for AwsDbInstance {
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
        if let Some(id) = known_string(&attrs, "identifier") {
            rds::check_identifier("identifier", &id, MAX_IDENTIFIER, false)?;
        }
        if let Some(prefix) = known_string(&attrs, "identifier_prefix") {
            rds::check_identifier("identifier_prefix", &prefix, MAX_IDENTIFIER, true)?;
        }
        if let Some(prior) = prior {
            let before = Attrs::new(&self.schema, prior);
            if let (Some(from), Some(to), Some(engine)) = (
                known_string(&before, "engine_version"),
                known_string(&attrs, "engine_version"),
                known_string(&attrs, "engine"),
            ) {
                if is_major_change(&engine, &from, &to)
                    && known_bool(&attrs, "allow_major_version_upgrade") != Some(true)
                {
                    return Err(ProviderError::validation(
                        "engine_version",
                        format!(
                            "changing {engine} from {from} to {to} is a major version upgrade; set allow_major_version_upgrade = true to allow it"
                        ),
                    ));
                }
            }
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => {
                let before = Attrs::new(&self.schema, prior);
                let kept = keep_computed(&self.schema, prior, &proposed);
                let changed = |n: &str| before.get(n).known_eq(attrs.get(n)) != Some(true);
                let mut unknowns = Vec::new();
                if changed("engine_version") {
                    unknowns.push((
                        "engine_version_actual",
                        unknown(&self.schema, "engine_version_actual"),
                    ));
                }
                if changed("port") {
                    unknowns.push(("endpoint", unknown(&self.schema, "endpoint")));
                }
                complete(&self.schema, &kept, unknowns)
            }
            None => complete(
                &self.schema,
                &proposed,
                [("id", unknown(&self.schema, "id"))],
            ),
        };
        Ok(complete(&self.schema, &planned, [("tags_all", tags_all)]))
    }

    fn data_lost_on_replace(&self, current: &Value) -> Option<String> {
        let attrs = Attrs::new(&self.schema, current);
        let snapshot = known_string(&attrs, "final_snapshot_identifier").filter(|s| !s.is_empty());
        let skip = known_bool(&attrs, "skip_final_snapshot").unwrap_or(false);
        match (skip, snapshot) {
            (true, _) => Some("the database's data is deleted with it (skip_final_snapshot is set, so no snapshot is kept)".into()),
            (false, Some(snapshot)) => Some(format!(
                "the database's data is not copied over (a final snapshot {snapshot} is taken; restore from it to keep the data)"
            )),
            // The destroy check refuses this one.
            (false, None) => None,
        }
    }

    fn check_destroy(&self, current: &Value) -> Result<(), ProviderError> {
        let attrs = Attrs::new(&self.schema, current);
        if known_bool(&attrs, "deletion_protection") == Some(true) {
            return Err(ProviderError::validation(
                "deletion_protection",
                "is on, so AWS refuses to delete the DB instance: set deletion_protection = false and apply that first",
            ));
        }
        let skip = known_bool(&attrs, "skip_final_snapshot").unwrap_or(false);
        let snapshot = known_string(&attrs, "final_snapshot_identifier").filter(|s| !s.is_empty());
        if !skip && snapshot.is_none() {
            return Err(ProviderError::validation(
                "skip_final_snapshot",
                "is false and no final_snapshot_identifier is set, so AWS would refuse to delete the DB instance: set skip_final_snapshot = true, or set a final_snapshot_identifier, and apply that first",
            ));
        }
        Ok(())
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let attrs = Attrs::new(&self.schema, planned);
            let id = super::names::for_create(ctx, &attrs, "identifier", "identifier_prefix")?;
            let address = ctx.address.as_deref();
            let all_tags = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let security_groups = if attrs.is_known("vpc_security_group_ids") {
                Some(attrs.strings("vpc_security_group_ids")?).filter(|g| !g.is_empty())
            } else {
                None
            };
            let (storage, max_storage, port, retention) = (
                known_int(&attrs, "allocated_storage")?,
                known_int(&attrs, "max_allocated_storage")?,
                known_int(&attrs, "port")?,
                known_int(&attrs, "backup_retention_period")?,
            );
            rds::create_named(
                ctx,
                "DB instance",
                &id,
                || async {
                    let sent = aws
                        .rds()
                        .create_db_instance()
                        .db_instance_identifier(&id)
                        .engine(known_string(&attrs, "engine").unwrap_or_default())
                        .set_engine_version(known_string(&attrs, "engine_version"))
                        .db_instance_class(known_string(&attrs, "instance_class").unwrap_or_default())
                        .set_allocated_storage(storage)
                        .set_max_allocated_storage(max_storage.filter(|n| *n > 0))
                        .set_storage_type(known_string(&attrs, "storage_type"))
                        .set_storage_encrypted(known_bool(&attrs, "storage_encrypted"))
                        .set_db_name(known_string(&attrs, "db_name"))
                        .set_master_username(known_string(&attrs, "username"))
                        .set_master_user_password(known_string(&attrs, "password"))
                        .set_port(port)
                        .set_vpc_security_group_ids(security_groups.clone())
                        .set_db_subnet_group_name(known_string(&attrs, "db_subnet_group_name"))
                        .set_db_parameter_group_name(known_string(&attrs, "parameter_group_name"))
                        .set_multi_az(known_bool(&attrs, "multi_az"))
                        .set_publicly_accessible(known_bool(&attrs, "publicly_accessible"))
                        .set_backup_retention_period(retention)
                        .set_deletion_protection(known_bool(&attrs, "deletion_protection"))
                        .set_tags(Some(rds::rds_tags(&all_tags)))
                        .customize()
                        .config_override(rds::no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(_) => Ok(()),
                        Err(e) => Err(match classify(aws, e, "rds:CreateDBInstance", &id) {
                            ProviderError::NotFound => ProviderError::Validation {
                                attribute: None,
                                message: format!(
                                    "rds:CreateDBInstance on {id}: a DB subnet group, parameter group or security group it names does not exist"
                                ),
                            },
                            other => other,
                        }),
                    }
                },
                || async {
                    Ok(self
                        .describe_one(aws, &id)
                        .await?
                        .map(|db| rds::owned_by(&rds::pairs(db.tag_list()), address)))
                },
            )
            .await?;
            if let Err(cause) = self
                .wait_available(ctx, aws, &id, "creating", CREATE_WAIT, false)
                .await
            {
                // It exists but is not ready: say what exists, so that state keeps it.
                return Err(ProviderError::incomplete(
                    self.read_one(aws, &id, planned).await,
                    || {
                        complete(
                            &self.schema,
                            planned,
                            [
                                ("identifier", Value::string(id.clone())),
                                ("id", Value::string(id.clone())),
                            ],
                        )
                    },
                    cause,
                ));
            }
            retry::until_visible(ctx, || self.read_one(aws, &id, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_one(aws, &identifier_of(&self.schema, current)?, current)
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
                    .map(|v| identifier_of(&self.schema, v))
                    .collect::<Result<Vec<_>, _>>()?;
                let found = self.describe(aws, &ids).await?;
                Ok::<_, ProviderError>(
                    ids.iter()
                        .zip(current)
                        .map(|(id, value)| found.get(id).map(|db| self.value(aws, db, value)))
                        .collect::<Vec<_>>(),
                )
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
            let id = identifier_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let changed =
                |n: &str| after.is_known(n) && before.get(n).known_eq(after.get(n)) != Some(true);
            let immediately = known_bool(&after, "apply_immediately").unwrap_or(false);
            let mut modify = aws
                .rds()
                .modify_db_instance()
                .db_instance_identifier(&id)
                .apply_immediately(immediately);
            let mut any = false;
            if changed("engine_version") {
                any = true;
                modify = modify
                    .set_engine_version(known_string(&after, "engine_version"))
                    .allow_major_version_upgrade(
                        known_bool(&after, "allow_major_version_upgrade").unwrap_or(false),
                    );
            }
            if changed("instance_class") {
                any = true;
                modify = modify.set_db_instance_class(known_string(&after, "instance_class"));
            }
            if changed("allocated_storage") {
                any = true;
                modify = modify.set_allocated_storage(known_int(&after, "allocated_storage")?);
            }
            if changed("max_allocated_storage") {
                any = true;
                // 0 switches storage autoscaling off.
                modify = modify.max_allocated_storage(
                    known_int(&after, "max_allocated_storage")?.unwrap_or(0),
                );
            }
            if changed("storage_type") {
                any = true;
                modify = modify.set_storage_type(known_string(&after, "storage_type"));
            }
            if changed("password") {
                any = true;
                modify = modify.set_master_user_password(known_string(&after, "password"));
            }
            if changed("port") {
                any = true;
                modify = modify.set_db_port_number(known_int(&after, "port")?);
            }
            if changed("vpc_security_group_ids") {
                any = true;
                modify = modify
                    .set_vpc_security_group_ids(Some(after.strings("vpc_security_group_ids")?));
            }
            if changed("parameter_group_name") {
                any = true;
                modify = modify
                    .set_db_parameter_group_name(known_string(&after, "parameter_group_name"));
            }
            if changed("multi_az") {
                any = true;
                modify = modify.set_multi_az(known_bool(&after, "multi_az"));
            }
            if changed("publicly_accessible") {
                any = true;
                modify = modify.set_publicly_accessible(known_bool(&after, "publicly_accessible"));
            }
            if changed("backup_retention_period") {
                any = true;
                modify = modify
                    .set_backup_retention_period(known_int(&after, "backup_retention_period")?);
            }
            if changed("deletion_protection") {
                any = true;
                modify = modify.set_deletion_protection(known_bool(&after, "deletion_protection"));
            }
            if any {
                // An instance busy with another change (backing up, modifying) answers
                // InvalidDBInstanceState: wait and try again.
                let busy = ctx.or_timeout(UPDATE_WAIT);
                let id_ref = id.as_str();
                retry::while_conflict(
                    &busy,
                    "modifying (waiting for the instance to be ready)",
                    || {
                        let call = modify.clone();
                        let id = id_ref;
                        async move {
                            call.send()
                                .await
                                .map(drop)
                                .map_err(|e| classify(aws, e, "rds:ModifyDBInstance", id))
                        }
                    },
                )
                .await?;
                self.wait_available(ctx, aws, &id, "modifying", UPDATE_WAIT, immediately)
                    .await?;
            }
            let address = ctx.address.as_deref();
            let had = tags::carried(aws, &self.schema, prior, address)?;
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            if had != wanted {
                let arn = before.string("arn")?.ok_or_else(|| {
                    ProviderError::other(format!("the DB instance {id} has no arn in state"))
                })?;
                rds::update_tags(aws, &arn, &id, &had, &wanted).await?;
            }
            self.read_one(aws, &id, planned)
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
            let id = identifier_of(&self.schema, current)?;
            let attrs = Attrs::new(&self.schema, current);
            let ctx = ctx.or_timeout(DELETE_WAIT);
            let skip = known_bool(&attrs, "skip_final_snapshot").unwrap_or(false);
            let snapshot = known_string(&attrs, "final_snapshot_identifier")
                .filter(|s| !s.is_empty() && !skip);
            // A busy instance (backing up, modifying) answers InvalidDBInstanceState: wait and
            // try again, unless it is being deleted already (an earlier run was interrupted),
            // which leaves only the wait.
            let deleted = retry::while_conflict(
                &ctx,
                "destroying (waiting for the instance to be ready)",
                || async {
                    let sent = aws
                        .rds()
                        .delete_db_instance()
                        .db_instance_identifier(&id)
                        .skip_final_snapshot(skip || snapshot.is_none())
                        .set_final_db_snapshot_identifier(snapshot.clone())
                        .send()
                        .await;
                    match sent.map_err(|e| classify(aws, e, "rds:DeleteDBInstance", &id)) {
                        Ok(_) => Ok(()),
                        Err(ProviderError::Conflict(message)) => {
                            match self.describe_one(aws, &id).await? {
                                None => Ok(()),
                                Some(db) if db.db_instance_status() == Some("deleting") => Ok(()),
                                Some(_) => Err(ProviderError::Conflict(message)),
                            }
                        }
                        Err(other) => Err(other),
                    }
                },
            )
            .await;
            match deleted {
                Ok(()) => {}
                Err(ProviderError::NotFound) => return Ok(()),
                Err(e) => return Err(e),
            }
            self.wait_gone(&ctx, aws, &id).await
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_one(aws, id, &Value::Null).await?.ok_or_else(|| {
                ProviderError::validation(
                    "id",
                    format!("no DB instance with identifier {id} in {}", aws.region),
                )
            })
        })
    }

    /// The identifier, configured or generated now from `identifier_prefix` (the create uses
    /// the one recorded here).
    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        super::names::owned_identity(
            ctx,
            &Attrs::new(&self.schema, planned),
            "identifier",
            "identifier_prefix",
        )
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((id, address)) = super::names::name_and_address(identity) else {
                return Ok(None);
            };
            Ok(self.describe_one(aws, id).await?.and_then(|db| {
                rds::owned_by(&rds::pairs(db.tag_list()), Some(address)).then(|| {
                    let stored = super::names::stored(&self.schema, identity, "identifier_prefix");
                    self.value(aws, &db, &stored)
                })
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::config;

    fn instance(t: &AwsDbInstance, extra: &[(&str, Value)]) -> Value {
        let mut set = vec![
            ("identifier", Value::string("app-db")),
            ("engine", Value::string("postgres")),
            ("engine_version", Value::string("15.4")),
            ("instance_class", Value::string("db.t3.micro")),
        ];
        set.retain(|(n, _)| !extra.iter().any(|(e, _)| e == n));
        set.extend(extra.iter().cloned());
        config(t.schema(), &set)
    }

    #[test]
    fn major_versions_by_engine() {
        assert!(is_major_change("postgres", "15.4", "16.1"));
        assert!(!is_major_change("postgres", "16.1", "16.3"));
        assert!(!is_major_change("postgres", "16", "16.3"));
        assert!(is_major_change("postgres", "9.6.22", "10.1"));
        assert!(is_major_change("mysql", "5.7.44", "8.0.35"));
        assert!(is_major_change("mysql", "8.0.35", "8.4.3"));
        assert!(!is_major_change("mysql", "8.0.35", "8.0.39"));
        assert!(!is_major_change("mysql", "8", "8.0.39"));
        assert!(same_or_prefix("16", "16.3"));
        assert!(!same_or_prefix("1", "16.3"));
    }

    #[test]
    fn a_major_upgrade_needs_permission() {
        let t = AwsDbInstance::new();
        let prior = instance(&t, &[]);
        let upgrade = instance(&t, &[("engine_version", Value::string("16.1"))]);
        let err = t.plan(Some(&prior), upgrade).unwrap_err().to_string();
        assert!(err.contains("15.4") && err.contains("16.1"), "{err}");
        assert!(err.contains("allow_major_version_upgrade = true"), "{err}");
        let allowed = instance(
            &t,
            &[
                ("engine_version", Value::string("16.1")),
                ("allow_major_version_upgrade", Value::Bool(true)),
            ],
        );
        assert!(t.plan(Some(&prior), allowed).is_ok());
        let minor = instance(&t, &[("engine_version", Value::string("15.5"))]);
        assert!(t.plan(Some(&prior), minor).is_ok());
    }

    #[test]
    fn destroying_needs_a_snapshot_decision_and_no_protection() {
        let t = AwsDbInstance::new();
        let err = t.check_destroy(&instance(&t, &[])).unwrap_err().to_string();
        assert!(err.contains("skip_final_snapshot = true"), "{err}");
        assert!(t
            .check_destroy(&instance(&t, &[("skip_final_snapshot", Value::Bool(true))]))
            .is_ok());
        assert!(t
            .check_destroy(&instance(
                &t,
                &[("final_snapshot_identifier", Value::string("app-db-final"))]
            ))
            .is_ok());
        let err = t
            .check_destroy(&instance(
                &t,
                &[
                    ("skip_final_snapshot", Value::Bool(true)),
                    ("deletion_protection", Value::Bool(true)),
                ],
            ))
            .unwrap_err()
            .to_string();
        assert!(err.contains("deletion_protection = false"), "{err}");
    }
}
