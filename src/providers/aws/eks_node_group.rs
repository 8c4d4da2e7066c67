//! `aws_eks_node_group`: a managed node group of an EKS cluster. The cluster, name (or
//! `node_group_name_prefix`), node role, subnets, `instance_types`, `ami_type`, `capacity_type`
//! and `disk_size` replace it. In place, each waited for until EKS reports the update
//! `Successful` and the group `ACTIVE`: `scaling_config`, `labels`, `taint` and `update_config`
//! (one UpdateNodegroupConfig), `version` and `release_version` (UpdateNodegroupVersion), tags.
//!
//! **`desired_size` and autoscalers.** The cluster autoscaler moves a group's desired size
//! within `[min_size, max_size]`; that is the point of running one, not drift. So refresh keeps
//! the `desired_size` state holds (the one plat last applied) while it lies within the group's
//! live bounds, and plat changes the desired size only when the configuration changes it (or a
//! new bound leaves the live size outside, when it is brought to the nearest bound). Terraform
//! users get this by `ignore_changes = [scaling_config[0].desired_size]`; plat needs nothing.
//! Bounds changed outside plat are drift as usual.
//!
//! Create waits for `ACTIVE` (60 minutes by default, `timeouts` to change), delete until the
//! group is gone (60 minutes). Names are unique in a cluster: a create whose answer was lost
//! meets `ResourceInUseException` and adopts the group when it carries this instance's
//! ownership tags. EKS has no batched describe: refresh is one DescribeNodegroup per group.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, Nodegroup, NodegroupScalingConfig, NodegroupStatus,
    NodegroupUpdateConfig, Taint, TaintEffect, UpdateLabelsPayload, UpdateTaintsPayload,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::eks::{self, UpdateOf};
use super::errors::{classify, gone_as};
use super::handle::Aws;
use super::{names, retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, Attrs, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct AwsEksNodeGroup {
    schema: ResourceSchema,
}

const WAIT: Duration = Duration::from_secs(60 * 60);

const CAPACITY_TYPES: [&str; 3] = ["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"];
const TAINT_EFFECTS: [&str; 3] = ["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"];

/// The scaling of a value: `(min, max, desired)`.
type Scaling = (Option<i32>, Option<i32>, Option<i32>);

impl AwsEksNodeGroup {
    pub fn new() -> AwsEksNodeGroup {
        let number = |name| AttributeSchema::required(name, Type::Number);
        let mut attributes = vec![
            AttributeSchema::required("cluster_name", Type::String).force_new(),
            AttributeSchema::optional_computed("node_group_name", Type::String).force_new(),
            AttributeSchema::optional("node_group_name_prefix", Type::String).force_new(),
            AttributeSchema::required("node_role_arn", Type::String).force_new(),
            AttributeSchema::required("subnet_ids", Type::Set(Box::new(Type::String))).force_new(),
            AttributeSchema::optional_computed("instance_types", Type::list(Type::String))
                .force_new(),
            AttributeSchema::optional_computed("ami_type", Type::String).force_new(),
            AttributeSchema::optional_computed("capacity_type", Type::String).force_new(),
            AttributeSchema::optional_computed("disk_size", Type::Number).force_new(),
            AttributeSchema::optional("labels", Type::Map(Box::new(Type::String))),
            AttributeSchema::optional_computed("version", Type::String)
                .describe("Kubernetes MAJOR.MINOR of the nodes; upgraded in place."),
            AttributeSchema::optional_computed("release_version", Type::String),
            AttributeSchema::optional("force_update_version", Type::Bool),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("status", Type::String),
            AttributeSchema::computed(
                "resources",
                Type::list(Type::object(BTreeMap::from([
                    (
                        "autoscaling_groups".to_owned(),
                        Type::list(Type::object(BTreeMap::from([(
                            "name".to_owned(),
                            Type::String,
                        )]))),
                    ),
                    ("remote_access_security_group_id".to_owned(), Type::String),
                ]))),
            ),
        ];
        attributes.extend(tags::attributes());
        AwsEksNodeGroup {
            schema: ResourceSchema {
                type_name: "aws_eks_node_group",
                description: "A managed node group of an EKS cluster.",
                attributes,
                blocks: vec![
                    BlockSchema {
                        name: "scaling_config",
                        nesting: Nesting::List,
                        min_items: 1,
                        max_items: Some(1),
                        optional_computed: false,
                        attributes: vec![
                            number("desired_size"),
                            number("max_size"),
                            number("min_size"),
                        ],
                        blocks: Vec::new(),
                    },
                    BlockSchema {
                        name: "taint",
                        nesting: Nesting::Set,
                        min_items: 0,
                        max_items: Some(50),
                        optional_computed: false,
                        attributes: vec![
                            AttributeSchema::required("key", Type::String),
                            AttributeSchema::optional("value", Type::String),
                            AttributeSchema::required("effect", Type::String),
                        ],
                        blocks: Vec::new(),
                    },
                    BlockSchema {
                        name: "update_config",
                        nesting: Nesting::List,
                        min_items: 0,
                        max_items: Some(1),
                        optional_computed: true,
                        attributes: vec![
                            AttributeSchema::optional("max_unavailable", Type::Number),
                            AttributeSchema::optional("max_unavailable_percentage", Type::Number),
                        ],
                        blocks: Vec::new(),
                    },
                ],
            },
        }
    }

    fn scaling(&self, value: &Value) -> Scaling {
        let block = self.schema.blocks[0].as_schema();
        let attrs = Attrs::new(&self.schema, value);
        let Some(item) = attrs.blocks("scaling_config").first().copied() else {
            return (None, None, None);
        };
        let item = Attrs::new(&block, item);
        let n = |name: &str| match item.get(name) {
            Value::Number(n) => Some(*n as i32),
            _ => None,
        };
        (n("min_size"), n("max_size"), n("desired_size"))
    }

    fn taints(&self, value: &Value) -> Vec<(String, Option<String>, String)> {
        let block = self.schema.blocks[1].as_schema();
        Attrs::new(&self.schema, value)
            .blocks("taint")
            .into_iter()
            .filter_map(|item| {
                let item = Attrs::new(&block, item);
                Some((
                    item.string("key").ok().flatten()?,
                    item.string("value").ok().flatten(),
                    item.string("effect").ok().flatten()?,
                ))
            })
            .collect()
    }

    fn update_config(&self, value: &Value) -> Option<NodegroupUpdateConfig> {
        let block = self.schema.blocks[2].as_schema();
        let attrs = Attrs::new(&self.schema, value);
        let item = Attrs::new(&block, attrs.blocks("update_config").first().copied()?);
        let n = |name: &str| match item.get(name) {
            Value::Number(n) => Some(*n as i32),
            _ => None,
        };
        Some(
            NodegroupUpdateConfig::builder()
                .set_max_unavailable(n("max_unavailable"))
                .set_max_unavailable_percentage(n("max_unavailable_percentage"))
                .build(),
        )
    }

    async fn describe(
        &self,
        aws: &Aws,
        cluster: &str,
        name: &str,
    ) -> Result<Option<Nodegroup>, ProviderError> {
        match aws
            .eks()
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.nodegroup().cloned()),
            Err(e) => gone_as(
                classify(
                    aws,
                    e,
                    "eks:DescribeNodegroup",
                    &format!("{cluster}:{name}"),
                ),
                None,
            ),
        }
    }

    /// The state value of a described group; `current` is what state held (tags, and the
    /// desired size plat applied: see the module documentation).
    fn value(&self, aws: &Aws, group: &Nodegroup, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let number = |n: Option<i32>| n.map_or(Value::Null, |n| Value::Number(n as f64));
        let (tags, tags_all) = tags::read_values(aws, eks::pairs(group.tags()), &stored);
        let live = group.scaling_config();
        let (min, max) = (
            live.and_then(|s| s.min_size()),
            live.and_then(|s| s.max_size()),
        );
        let desired = match self.scaling(current).2 {
            Some(applied)
                if min.is_none_or(|m| applied >= m) && max.is_none_or(|m| applied <= m) =>
            {
                Some(applied)
            }
            _ => live.and_then(|s| s.desired_size()),
        };
        let scaling = Value::List(vec![Value::Object(BTreeMap::from([
            ("min_size".to_owned(), number(min)),
            ("max_size".to_owned(), number(max)),
            ("desired_size".to_owned(), number(desired)),
        ]))]);
        let taints = Value::set_from(
            group
                .taints()
                .iter()
                .map(|t| {
                    Value::Object(BTreeMap::from([
                        ("key".to_owned(), text(t.key())),
                        ("value".to_owned(), text(t.value())),
                        ("effect".to_owned(), text(t.effect().map(|e| e.as_str()))),
                    ]))
                })
                .collect(),
        );
        let update_config = group.update_config().map_or_else(
            || stored.raw("update_config").clone(),
            |u| {
                Value::List(vec![Value::Object(BTreeMap::from([
                    ("max_unavailable".to_owned(), number(u.max_unavailable())),
                    (
                        "max_unavailable_percentage".to_owned(),
                        number(u.max_unavailable_percentage()),
                    ),
                ]))])
            },
        );
        let labels = group.labels().filter(|l| !l.is_empty()).map_or_else(
            // An unset map and an empty one mean the same; keep what the configuration said.
            || match stored.raw("labels").peel() {
                Value::Map(m) | Value::Object(m) if m.is_empty() => stored.raw("labels").clone(),
                _ => Value::Null,
            },
            |l| {
                Value::Map(
                    l.iter()
                        .map(|(k, v)| (k.clone(), Value::string(v)))
                        .collect(),
                )
            },
        );
        let resources = group.resources().map_or(Value::List(vec![]), |r| {
            Value::List(vec![Value::Object(BTreeMap::from([
                (
                    "autoscaling_groups".to_owned(),
                    Value::List(
                        r.auto_scaling_groups()
                            .iter()
                            .map(|g| {
                                Value::Object(BTreeMap::from([("name".to_owned(), text(g.name()))]))
                            })
                            .collect(),
                    ),
                ),
                (
                    "remote_access_security_group_id".to_owned(),
                    text(r.remote_access_security_group()),
                ),
            ]))])
        });
        let cluster = group.cluster_name().unwrap_or_default();
        let name = group.nodegroup_name().unwrap_or_default();
        complete(
            &self.schema,
            &Value::Null,
            [
                ("cluster_name", Value::string(cluster)),
                ("node_group_name", Value::string(name)),
                (
                    "node_group_name_prefix",
                    stored.raw("node_group_name_prefix").clone(),
                ),
                ("node_role_arn", text(group.node_role())),
                (
                    "subnet_ids",
                    Value::set_from(group.subnets().iter().map(Value::string).collect()),
                ),
                (
                    "instance_types",
                    Value::List(group.instance_types().iter().map(Value::string).collect()),
                ),
                ("ami_type", text(group.ami_type().map(|a| a.as_str()))),
                (
                    "capacity_type",
                    text(group.capacity_type().map(|c| c.as_str())),
                ),
                ("disk_size", number(group.disk_size())),
                ("labels", labels),
                ("version", text(group.version())),
                ("release_version", text(group.release_version())),
                (
                    "force_update_version",
                    stored.raw("force_update_version").clone(),
                ),
                ("id", Value::string(format!("{cluster}:{name}"))),
                ("arn", text(group.nodegroup_arn())),
                ("status", text(group.status().map(|s| s.as_str()))),
                ("resources", resources),
                ("tags", tags),
                ("tags_all", tags_all),
                ("scaling_config", scaling),
                ("taint", taints),
                ("update_config", update_config),
            ],
        )
    }

    async fn read_names(
        &self,
        aws: &Aws,
        cluster: &str,
        name: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .describe(aws, cluster, name)
            .await?
            .map(|g| self.value(aws, &g, current)))
    }

    /// Polls until the group is `ACTIVE`; a failed create or delete is an error naming EKS's
    /// health issues.
    async fn wait_active(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        cluster: &str,
        name: &str,
        activity: &str,
    ) -> Result<Nodegroup, ProviderError> {
        let group = retry::poll(
            ctx,
            activity,
            || self.describe(aws, cluster, name),
            |found| match found.as_ref().and_then(|g| g.status()) {
                Some(NodegroupStatus::Active) => Ok(true),
                Some(status @ (NodegroupStatus::CreateFailed | NodegroupStatus::Degraded)) => {
                    Err(ProviderError::other(format!(
                        "EKS node group {name} is {}{}",
                        status.as_str(),
                        health(found.as_ref())
                    )))
                }
                Some(_) => Ok(false),
                None => Err(ProviderError::NotFound),
            },
            status_of,
        )
        .await?;
        group.ok_or(ProviderError::NotFound)
    }

    fn validate(&self, proposed: &Value) -> Result<(), ProviderError> {
        let attrs = Attrs::new(&self.schema, proposed);
        if let (Ok(Some(_)), Ok(Some(_))) = (
            attrs.string("node_group_name"),
            attrs.string("node_group_name_prefix"),
        ) {
            return Err(ProviderError::validation(
                "node_group_name_prefix",
                "conflicts with node_group_name: set one of them",
            ));
        }
        if let (Some(min), Some(max), desired) = self.scaling(proposed) {
            if max < 1 || min < 0 || min > max {
                return Err(ProviderError::validation(
                    "scaling_config",
                    format!("needs 0 <= min_size <= max_size and max_size >= 1 (min_size = {min}, max_size = {max})"),
                ));
            }
            if let Some(desired) = desired.filter(|d| *d < min || *d > max) {
                return Err(ProviderError::validation(
                    "scaling_config.desired_size",
                    format!("{desired} is outside min_size..max_size ({min}..{max})"),
                ));
            }
        }
        if let Ok(Some(kind)) = attrs.string("capacity_type") {
            if !CAPACITY_TYPES.contains(&kind.as_str()) {
                return Err(ProviderError::validation(
                    "capacity_type",
                    format!("\"{kind}\" is not one of {}", CAPACITY_TYPES.join(", ")),
                ));
            }
        }
        for (key, _, effect) in self.taints(proposed) {
            if !TAINT_EFFECTS.contains(&effect.as_str()) {
                return Err(ProviderError::validation(
                    "taint.effect",
                    format!(
                        "taint {key}: \"{effect}\" is not one of {} (Kubernetes' NoSchedule is NO_SCHEDULE here)",
                        TAINT_EFFECTS.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn status_of(found: &Option<Nodegroup>) -> String {
    found
        .as_ref()
        .and_then(|g| g.status())
        .map_or("gone".into(), |s| s.as_str().to_owned())
}

/// EKS's health issues of a group, for errors.
fn health(group: Option<&Nodegroup>) -> String {
    let issues: Vec<String> = group
        .and_then(|g| g.health())
        .map(|h| h.issues())
        .unwrap_or_default()
        .iter()
        .map(|i| {
            format!(
                "{}: {}",
                i.code().map_or("issue", |c| c.as_str()),
                i.message().unwrap_or("no message")
            )
        })
        .collect();
    if issues.is_empty() {
        String::new()
    } else {
        format!(": {}", issues.join("; "))
    }
}

fn taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
    Taint::builder()
        .key(key)
        .set_value(value.map(str::to_owned))
        .effect(TaintEffect::from(effect))
        .build()
}

impl Default for AwsEksNodeGroup {
    fn default() -> Self {
        AwsEksNodeGroup::new()
    }
}

/// `(cluster, node group)` of a value.
fn names_of(schema: &ResourceSchema, value: &Value) -> Result<(String, String), ProviderError> {
    let attrs = Attrs::new(schema, value);
    let cluster = attrs
        .string("cluster_name")?
        .ok_or_else(|| ProviderError::validation("cluster_name", "is not known"))?;
    let name = attrs
        .string("node_group_name")?
        .ok_or_else(|| ProviderError::validation("node_group_name", "is not known"))?;
    Ok((cluster, name))
}

impl ResourceType for AwsEksNodeGroup {
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
        self.validate(&proposed)?;
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => proposed,
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
            let cluster = attrs
                .string("cluster_name")?
                .ok_or_else(|| ProviderError::validation("cluster_name", "is not known"))?;
            let name = names::for_create(ctx, &attrs, "node_group_name", "node_group_name_prefix")?;
            let address = ctx.address.as_deref();
            let all = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let (min, max, desired) = self.scaling(planned);
            let scaling = NodegroupScalingConfig::builder()
                .set_min_size(min)
                .set_max_size(max)
                .set_desired_size(desired)
                .build();
            let known = |n: &str| attrs.is_known(n);
            let instance_types = known("instance_types")
                .then(|| attrs.strings("instance_types"))
                .transpose()?;
            let text = |n: &str| {
                if known(n) {
                    attrs.string(n)
                } else {
                    Ok(None)
                }
            };
            let disk = match attrs.get("disk_size") {
                Value::Number(n) => Some(*n as i32),
                _ => None,
            };
            let labels = attrs.string_map("labels")?;
            let taints: Vec<Taint> = self
                .taints(planned)
                .iter()
                .map(|(k, v, e)| taint(k, v.as_deref(), e))
                .collect();
            let ours = |g: &Nodegroup| eks::owned_by(g.tags(), address);
            let owned = || async {
                Ok(self
                    .describe(aws, &cluster, &name)
                    .await?
                    .filter(|g| ours(g))
                    .map(drop))
            };
            retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .eks()
                        .create_nodegroup()
                        .cluster_name(&cluster)
                        .nodegroup_name(&name)
                        .node_role(attrs.string("node_role_arn")?.unwrap_or_default())
                        .set_subnets(Some(attrs.strings("subnet_ids")?))
                        .scaling_config(scaling.clone())
                        .set_instance_types(instance_types.clone())
                        .set_ami_type(text("ami_type")?.map(|a| AmiTypes::from(a.as_str())))
                        .set_capacity_type(
                            text("capacity_type")?.map(|c| CapacityTypes::from(c.as_str())),
                        )
                        .set_disk_size(disk)
                        .set_version(text("version")?)
                        .set_release_version(text("release_version")?)
                        .set_labels((!labels.is_empty()).then(|| labels.clone().into_iter().collect()))
                        .set_taints((!taints.is_empty()).then(|| taints.clone()))
                        .set_update_config(self.update_config(planned))
                        .set_tags(Some(all.clone().into_iter().collect()))
                        .customize()
                        .config_override(eks::no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(_) => Ok(()),
                        Err(e) if e.code() == Some("ResourceInUseException") => {
                            if owned().await?.is_some() {
                                return Ok(());
                            }
                            Err(ProviderError::Conflict(format!(
                                "eks:CreateNodegroup: cluster {cluster} already has a node group named {name} that this stack did not create: import it with `plat import {} {cluster}:{name}`, or choose another name",
                                address.unwrap_or("ADDRESS")
                            )))
                        }
                        Err(e) => Err(classify(
                            aws,
                            e,
                            "eks:CreateNodegroup",
                            &format!("{cluster}:{name}"),
                        )),
                    }
                },
                owned,
            )
            .await?;
            let stored = planned;
            match self
                .wait_active(&ctx.or_timeout(WAIT), aws, &cluster, &name, "creating")
                .await
            {
                Ok(group) => Ok(self.value(aws, &group, stored)),
                Err(cause) => Err(ProviderError::incomplete(
                    self.read_names(aws, &cluster, &name, stored).await,
                    || {
                        complete(
                            &self.schema,
                            stored,
                            [("id", Value::string(format!("{cluster}:{name}")))],
                        )
                    },
                    cause,
                )),
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
            let (cluster, name) = names_of(&self.schema, current)?;
            self.read_names(aws, &cluster, &name, current).await
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
            let ctx = &ctx.or_timeout(WAIT);
            let (cluster, name) = names_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let changed = |n: &str| before.raw(n).known_eq(after.raw(n)) != Some(true);
            let activity = "modifying";
            if ["scaling_config", "labels", "taint", "update_config"]
                .iter()
                .any(|n| changed(n))
            {
                let mut call = aws
                    .eks()
                    .update_nodegroup_config()
                    .cluster_name(&cluster)
                    .nodegroup_name(&name);
                if changed("scaling_config") {
                    let (min, max, desired) = self.scaling(planned);
                    let desired = if self.scaling(prior).2 != desired {
                        desired
                    } else {
                        // Only the bounds change: the live size stays unless it falls outside.
                        let live = self
                            .describe(aws, &cluster, &name)
                            .await?
                            .and_then(|g| g.scaling_config().and_then(|s| s.desired_size()));
                        live.map(|d| {
                            let low = min.unwrap_or(d);
                            d.clamp(low, max.unwrap_or(d).max(low))
                        })
                    };
                    call = call.scaling_config(
                        NodegroupScalingConfig::builder()
                            .set_min_size(min)
                            .set_max_size(max)
                            .set_desired_size(desired)
                            .build(),
                    );
                }
                if changed("labels") {
                    let had = before.string_map("labels")?;
                    let wanted = after.string_map("labels")?;
                    let removed: Vec<String> = had
                        .keys()
                        .filter(|k| !wanted.contains_key(*k))
                        .cloned()
                        .collect();
                    let set: std::collections::HashMap<String, String> = wanted
                        .iter()
                        .filter(|(k, v)| had.get(*k) != Some(v))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    call = call.labels(
                        UpdateLabelsPayload::builder()
                            .set_add_or_update_labels((!set.is_empty()).then_some(set))
                            .set_remove_labels((!removed.is_empty()).then_some(removed))
                            .build(),
                    );
                }
                if changed("taint") {
                    let had = self.taints(prior);
                    let wanted = self.taints(planned);
                    let added: Vec<Taint> = wanted
                        .iter()
                        .filter(|t| !had.contains(t))
                        .map(|(k, v, e)| taint(k, v.as_deref(), e))
                        .collect();
                    // A taint whose value changes is re-added under its key and effect; only
                    // key-effect pairs no longer wanted are removed.
                    let removed: Vec<Taint> = had
                        .iter()
                        .filter(|(k, _, e)| !wanted.iter().any(|(k2, _, e2)| k2 == k && e2 == e))
                        .map(|(k, v, e)| taint(k, v.as_deref(), e))
                        .collect();
                    call = call.taints(
                        UpdateTaintsPayload::builder()
                            .set_add_or_update_taints((!added.is_empty()).then_some(added))
                            .set_remove_taints((!removed.is_empty()).then_some(removed))
                            .build(),
                    );
                }
                if changed("update_config") {
                    call = call.set_update_config(self.update_config(planned));
                }
                let what = format!("{cluster}:{name}");
                let update = retry::while_conflict(ctx, activity, || {
                    let call = call.clone();
                    let what = &what;
                    async move {
                        let out = call
                            .send()
                            .await
                            .map_err(|e| classify(aws, e, "eks:UpdateNodegroupConfig", what))?;
                        Ok(eks::pending(out.update()))
                    }
                })
                .await?;
                if let Some(id) = update {
                    eks::wait_for_update(
                        ctx,
                        aws,
                        &cluster,
                        &id,
                        UpdateOf::NodeGroup(&name),
                        activity,
                    )
                    .await?;
                }
                self.wait_active(ctx, aws, &cluster, &name, activity)
                    .await?;
            }
            if changed("version") || changed("release_version") {
                let what = format!("{cluster}:{name}");
                let version = after.string("version").ok().flatten();
                let release = changed("release_version")
                    .then(|| after.string("release_version").ok().flatten())
                    .flatten();
                let force = after.bool("force_update_version")?;
                let update = retry::while_conflict(ctx, "upgrading", || async {
                    let out = aws
                        .eks()
                        .update_nodegroup_version()
                        .cluster_name(&cluster)
                        .nodegroup_name(&name)
                        .set_version(version.clone())
                        .set_release_version(release.clone())
                        .set_force(force)
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "eks:UpdateNodegroupVersion", &what))?;
                    Ok(eks::pending(out.update()))
                })
                .await?;
                if let Some(id) = update {
                    eks::wait_for_update(
                        ctx,
                        aws,
                        &cluster,
                        &id,
                        UpdateOf::NodeGroup(&name),
                        "upgrading",
                    )
                    .await?;
                }
                self.wait_active(ctx, aws, &cluster, &name, "upgrading")
                    .await?;
            }
            let address = ctx.address.as_deref();
            let arn = before.string("arn")?.ok_or_else(|| {
                ProviderError::other(format!("node group {cluster}:{name} has no ARN in state"))
            })?;
            eks::update_tags(
                aws,
                &arn,
                &tags::carried(aws, &self.schema, prior, address)?,
                &tags::carried(aws, &self.schema, planned, address)?,
            )
            .await?;
            self.read_names(aws, &cluster, &name, planned)
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
            let (cluster, name) = names_of(&self.schema, current)?;
            let ctx = ctx.or_timeout(WAIT);
            let what = format!("{cluster}:{name}");
            retry::delete(
                &ctx,
                "destroying (waiting for the group's update)",
                || async {
                    aws.eks()
                        .delete_nodegroup()
                        .cluster_name(&cluster)
                        .nodegroup_name(&name)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "eks:DeleteNodegroup", &what))
                },
            )
            .await?;
            retry::poll(
                &ctx,
                "destroying",
                || self.describe(aws, &cluster, &name),
                |found| match found.as_ref().and_then(|g| g.status()) {
                    None => Ok(true),
                    Some(NodegroupStatus::DeleteFailed) => Err(ProviderError::other(format!(
                        "EKS node group {name} could not be deleted{}",
                        health(found.as_ref())
                    ))),
                    Some(_) => Ok(false),
                },
                status_of,
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
            let Some((cluster, name)) = id.split_once(':') else {
                return Err(ProviderError::validation(
                    "id",
                    format!("\"{id}\" is not CLUSTER:NODE_GROUP"),
                ));
            };
            self.read_names(aws, cluster, name, &Value::Null)
                .await?
                .ok_or_else(|| {
                    ProviderError::validation(
                        "id",
                        format!("cluster {cluster} has no node group named {name}"),
                    )
                })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let attrs = Attrs::new(&self.schema, planned);
        let mut identity =
            names::owned_identity(ctx, &attrs, "node_group_name", "node_group_name_prefix")?;
        identity["cluster"] = attrs.string("cluster_name").ok().flatten()?.into();
        Some(identity)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (Some((name, address)), Some(cluster)) = (
                names::name_and_address(identity),
                identity.get("cluster").and_then(|c| c.as_str()),
            ) else {
                return Ok(None);
            };
            let Some(group) = self.describe(aws, cluster, name).await? else {
                return Ok(None);
            };
            let ours = eks::owned_by(group.tags(), Some(address));
            let stored = names::stored(&self.schema, identity, "node_group_name_prefix");
            Ok(ours.then(|| self.value(aws, &group, &stored)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::config;

    fn group(r: &AwsEksNodeGroup, min: f64, max: f64, desired: f64, effect: &str) -> Value {
        let scaling = Value::List(vec![Value::Object(BTreeMap::from([
            ("min_size".to_owned(), Value::Number(min)),
            ("max_size".to_owned(), Value::Number(max)),
            ("desired_size".to_owned(), Value::Number(desired)),
        ]))]);
        let taint = Value::set_from(vec![Value::Object(BTreeMap::from([
            ("key".to_owned(), Value::string("dedicated")),
            ("value".to_owned(), Value::string("gpu")),
            ("effect".to_owned(), Value::string(effect)),
        ]))]);
        complete(
            &r.schema,
            &config(
                &r.schema,
                &[
                    ("cluster_name", Value::string("c")),
                    ("node_role_arn", Value::string("r")),
                ],
            ),
            [("scaling_config", scaling), ("taint", taint)],
        )
    }

    #[test]
    fn the_plan_checks_scaling_bounds_and_taint_effects() {
        let r = AwsEksNodeGroup::new();
        // (min, max, desired, effect, error naming)
        let cases = [
            (0.0, 6.0, 0.0, "NO_SCHEDULE", None),
            (4.0, 6.0, 4.0, "PREFER_NO_SCHEDULE", None),
            (
                4.0,
                6.0,
                7.0,
                "NO_SCHEDULE",
                Some("outside min_size..max_size"),
            ),
            (5.0, 3.0, 4.0, "NO_SCHEDULE", Some("min_size <= max_size")),
            (0.0, 0.0, 0.0, "NO_SCHEDULE", Some("max_size >= 1")),
            (0.0, 3.0, 0.0, "NoSchedule", Some("NO_SCHEDULE here")),
        ];
        for (min, max, desired, effect, error) in cases {
            let got = r.plan(None, group(&r, min, max, desired, effect));
            match error {
                None => assert!(got.is_ok(), "{min}/{max}/{desired} {effect}: {got:?}"),
                Some(part) => {
                    let e = got.expect_err("refused").to_string();
                    assert!(e.contains(part), "{min}/{max}/{desired} {effect}: {e}");
                }
            }
        }
    }
}
