//! `aws_eks_addon`: an add-on (vpc-cni, coredns, kube-proxy, ...) of an EKS cluster. The cluster
//! and the add-on's name replace it; its version, configuration values (JSON, compared by
//! meaning) and service account role change in place through UpdateAddon, whose update is
//! waited for (DescribeUpdate) before the add-on is `ACTIVE` again; tags change in place by ARN.
//! `resolve_conflicts_on_create`, `resolve_conflicts_on_update` and `preserve` say how the calls
//! are made and live only in state. The id is `CLUSTER:ADDON`, which is also the import id.
//!
//! An add-on's name is unique in its cluster, so a create whose answer was lost is found by the
//! cluster and add-on names, and adopted when it carries this instance's ownership tags. The
//! create's client request token comes from the journal's identity: a retry of the same create
//! is the same request to EKS, a later create of the same address is a new one.
//!
//! Create and update wait for `ACTIVE` (20 minutes each by default), delete until the add-on is
//! gone (40 minutes); `timeouts` overrides them.

use std::time::Duration;

use aws_sdk_eks::types::{Addon, AddonStatus, ResolveConflicts};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::eks::{self, UpdateOf};
use super::errors::{classify, gone_as};
use super::handle::{owned_identity, Aws};
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsEksAddon {
    schema: ResourceSchema,
}

/// How long each operation waits without `timeouts` (Terraform's defaults).
const CREATE_WAIT: Duration = Duration::from_secs(20 * 60);
const UPDATE_WAIT: Duration = Duration::from_secs(20 * 60);
const DELETE_WAIT: Duration = Duration::from_secs(40 * 60);

const ON_CREATE: [&str; 2] = ["NONE", "OVERWRITE"];
const ON_UPDATE: [&str; 3] = ["NONE", "OVERWRITE", "PRESERVE"];

/// Arguments that say how calls are made: EKS does not return them, state keeps them.
const STATE_ONLY: [&str; 3] = [
    "resolve_conflicts_on_create",
    "resolve_conflicts_on_update",
    "preserve",
];

/// Whether two configuration documents mean the same: equal as JSON values (key order and
/// whitespace aside), or equal as text when either is not JSON.
pub(super) fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a.trim()),
        serde_json::from_str::<serde_json::Value>(b.trim()),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

/// `CLUSTER:ADDON` split in two.
fn parse_id(id: &str) -> Option<(&str, &str)> {
    let (cluster, addon) = id.split_once(':')?;
    (!cluster.is_empty() && !addon.is_empty() && !addon.contains(':')).then_some((cluster, addon))
}

/// The health issues of an add-on, for messages.
fn issues(addon: &Addon) -> String {
    let issues: Vec<String> = addon
        .health()
        .map(|h| h.issues())
        .unwrap_or_default()
        .iter()
        .map(|i| {
            let code = i.code().map_or("", |c| c.as_str());
            let message = i.message().unwrap_or("");
            let resources = i.resource_ids().join(", ");
            let mut text = format!("{code}: {message}");
            if !resources.is_empty() {
                text.push_str(&format!(" ({resources})"));
            }
            text
        })
        .collect();
    if issues.is_empty() {
        "no health issues were reported".into()
    } else {
        issues.join("; ")
    }
}

fn status_of(addon: &Option<Addon>) -> String {
    addon
        .as_ref()
        .and_then(|a| a.status())
        .map_or("not visible yet".into(), |s| s.as_str().to_owned())
}

impl AwsEksAddon {
    pub fn new() -> AwsEksAddon {
        let mut attributes = vec![
            AttributeSchema::required("cluster_name", Type::String).force_new(),
            AttributeSchema::required("addon_name", Type::String).force_new(),
            AttributeSchema::optional_computed("addon_version", Type::String)
                .describe("The add-on's version; EKS's default for the cluster when unset."),
            AttributeSchema::optional("configuration_values", Type::String)
                .describe("The add-on's configuration (JSON); compared by meaning, not text."),
            AttributeSchema::optional("service_account_role_arn", Type::String),
            AttributeSchema::optional("resolve_conflicts_on_create", Type::String)
                .describe("NONE or OVERWRITE: what a create does with existing objects."),
            AttributeSchema::optional("resolve_conflicts_on_update", Type::String)
                .describe("NONE, OVERWRITE or PRESERVE: what an update does with changed objects."),
            AttributeSchema::optional("preserve", Type::Bool)
                .describe("Keep the add-on's Kubernetes objects when the add-on is deleted."),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("status", Type::String),
            AttributeSchema::computed("created_at", Type::String),
            AttributeSchema::computed("modified_at", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsEksAddon {
            schema: ResourceSchema {
                type_name: "aws_eks_addon",
                description: "An add-on of an EKS cluster.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    /// The add-on, or `None` when it (or its cluster) does not exist.
    async fn describe(
        &self,
        aws: &Aws,
        cluster: &str,
        addon: &str,
    ) -> Result<Option<Addon>, ProviderError> {
        match aws
            .eks()
            .describe_addon()
            .cluster_name(cluster)
            .addon_name(addon)
            .send()
            .await
        {
            Ok(out) => Ok(out.addon().cloned()),
            Err(e) => gone_as(
                classify(aws, e, "eks:DescribeAddon", &format!("{cluster}:{addon}")),
                None,
            ),
        }
    }

    /// The value of `addon`, given what state (or the plan) held for it: the arguments EKS does
    /// not return are carried over, and equivalent configuration text is kept as written.
    fn value(&self, aws: &Aws, addon: &Addon, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(
            aws,
            addon
                .tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone())),
            &stored,
        );
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let time = |t: Option<&aws_smithy_types::DateTime>| {
            t.and_then(|t| t.fmt(Format::DateTime).ok())
                .map_or(Value::Null, Value::string)
        };
        let cluster = addon.cluster_name().unwrap_or_default();
        let name = addon.addon_name().unwrap_or_default();
        let configuration = match addon
            .configuration_values()
            .filter(|c| !c.trim().is_empty())
        {
            None => Value::Null,
            Some(read) => match stored.string("configuration_values") {
                Ok(Some(known)) if same_json(&known, read) => Value::string(known),
                _ => Value::string(read),
            },
        };
        let role = addon
            .service_account_role_arn()
            .filter(|r| !r.is_empty())
            .map_or(Value::Null, Value::string);
        // Arguments EKS does not return: as state or the plan holds them.
        let carried = |name: &'static str| {
            let value = stored.raw(name).peel();
            (
                name,
                if value.is_fully_known() {
                    value.clone()
                } else {
                    Value::Null
                },
            )
        };
        complete(
            &self.schema,
            &Value::Null,
            [
                ("cluster_name", Value::string(cluster)),
                ("addon_name", Value::string(name)),
                ("addon_version", text(addon.addon_version())),
                ("configuration_values", configuration),
                ("service_account_role_arn", role),
                carried("resolve_conflicts_on_create"),
                carried("resolve_conflicts_on_update"),
                carried("preserve"),
                ("id", Value::string(format!("{cluster}:{name}"))),
                ("arn", text(addon.addon_arn())),
                ("status", text(addon.status().map(|s| s.as_str()))),
                ("created_at", time(addon.created_at())),
                ("modified_at", time(addon.modified_at())),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        )
    }

    async fn read_names(
        &self,
        aws: &Aws,
        cluster: &str,
        addon: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .describe(aws, cluster, addon)
            .await?
            .map(|a| self.value(aws, &a, current)))
    }

    /// Waits until the add-on is `ACTIVE`; `CREATE_FAILED`, `UPDATE_FAILED` and `DEGRADED` are
    /// errors naming its health issues. An add-on not visible yet (right after its create) is
    /// waited for.
    async fn wait_active(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        cluster: &str,
        addon: &str,
        activity: &str,
    ) -> Result<Addon, ProviderError> {
        let found = retry::poll(
            ctx,
            activity,
            || self.describe(aws, cluster, addon),
            |found| match found.as_ref().and_then(|a| a.status()) {
                Some(AddonStatus::Active) => Ok(true),
                Some(
                    status @ (AddonStatus::CreateFailed
                    | AddonStatus::UpdateFailed
                    | AddonStatus::Degraded),
                ) => Err(ProviderError::other(format!(
                    "the EKS add-on {addon} of cluster {cluster} is {}: {}",
                    status.as_str(),
                    found.as_ref().map(issues).unwrap_or_default()
                ))),
                _ => Ok(false),
            },
            status_of,
        )
        .await?;
        found.ok_or(ProviderError::NotFound)
    }
}

impl Default for AwsEksAddon {
    fn default() -> Self {
        AwsEksAddon::new()
    }
}

/// The cluster and add-on names a value holds.
fn names_of(schema: &ResourceSchema, value: &Value) -> Result<(String, String), ProviderError> {
    let attrs = Attrs::new(schema, value);
    match (attrs.string("cluster_name")?, attrs.string("addon_name")?) {
        (Some(cluster), Some(addon)) => Ok((cluster, addon)),
        _ => Err(ProviderError::other(
            "the EKS add-on has no cluster_name or addon_name in state",
        )),
    }
}

/// An enumerated argument, checked when known.
fn check_choice(attrs: &Attrs, name: &str, allowed: &[&str]) -> Result<(), ProviderError> {
    if let Ok(Some(value)) = attrs.string(name) {
        if !allowed.contains(&value.as_str()) {
            let (last, rest) = allowed.split_last().unwrap_or((&"", &[]));
            return Err(ProviderError::validation(
                name,
                format!("must be {} or {last}, not \"{value}\"", rest.join(", ")),
            ));
        }
    }
    Ok(())
}

/// A client request token: the one the journal's identity holds, so that a retried create is
/// the same request to EKS.
fn request_token(ctx: &OpContext) -> String {
    ctx.identity
        .as_ref()
        .and_then(|i| i.get("client_request_token"))
        .and_then(|t| t.as_str())
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

impl ResourceType for AwsEksAddon {
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
        check_choice(&attrs, "resolve_conflicts_on_create", &ON_CREATE)?;
        check_choice(&attrs, "resolve_conflicts_on_update", &ON_UPDATE)?;
        if let Ok(Some(document)) = attrs.string("configuration_values") {
            if serde_json::from_str::<serde_json::Value>(&document).is_err() {
                return Err(ProviderError::validation(
                    "configuration_values",
                    "is not a JSON document (write it with jsonencode)",
                ));
            }
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => {
                let planned = keep_computed(&self.schema, prior, &proposed);
                // The same configuration written differently is no change.
                let text = |v: &Value| {
                    Attrs::new(&self.schema, v)
                        .string("configuration_values")
                        .ok()
                        .flatten()
                };
                match (text(prior), text(&planned)) {
                    (Some(before), Some(after)) if same_json(&before, &after) => complete(
                        &self.schema,
                        &planned,
                        [("configuration_values", Value::string(before))],
                    ),
                    _ => planned,
                }
            }
            None => {
                let id = match (attrs.string("cluster_name"), attrs.string("addon_name")) {
                    (Ok(Some(cluster)), Ok(Some(addon))) => {
                        Value::string(format!("{cluster}:{addon}"))
                    }
                    _ => unknown(&self.schema, "id"),
                };
                complete(&self.schema, &proposed, [("id", id)])
            }
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
            let ctx = ctx.or_timeout(CREATE_WAIT);
            let attrs = Attrs::new(&self.schema, planned);
            let (cluster, addon) = names_of(&self.schema, planned)?;
            let id = format!("{cluster}:{addon}");
            let address = ctx.address.as_deref();
            let all = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let token = request_token(&ctx);
            let owned = || async {
                Ok(self
                    .describe(aws, &cluster, &addon)
                    .await?
                    .filter(|a| eks::owned_by(a.tags(), address))
                    .map(drop))
            };
            retry::create_once(
                &ctx,
                || async {
                    let sent = aws
                        .eks()
                        .create_addon()
                        .cluster_name(&cluster)
                        .addon_name(&addon)
                        .set_addon_version(attrs.string("addon_version").ok().flatten())
                        .set_configuration_values(attrs.string("configuration_values")?)
                        .set_service_account_role_arn(attrs.string("service_account_role_arn")?)
                        .set_resolve_conflicts(
                            attrs
                                .string("resolve_conflicts_on_create")?
                                .map(|r| ResolveConflicts::from(r.as_str())),
                        )
                        .client_request_token(&token)
                        .set_tags(Some(all.clone().into_iter().collect()))
                        .customize()
                        .config_override(eks::no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(_) => Ok(()),
                        Err(e) if e.code() == Some("ResourceInUseException") => {
                            // The add-on exists: ours if a lost create made it, else someone
                            // else's.
                            if owned().await?.is_some() {
                                return Ok(());
                            }
                            Err(ProviderError::Conflict(format!(
                                "eks:CreateAddon: the add-on {addon} already exists on EKS cluster {cluster} and this stack did not create it: import it with plat import {} {id}",
                                address.unwrap_or("ADDRESS")
                            )))
                        }
                        Err(e) => match classify(aws, e, "eks:CreateAddon", address.unwrap_or(&id))
                        {
                            // The add-on cannot be missing before it is made: the cluster is.
                            ProviderError::NotFound => Err(ProviderError::validation(
                                "cluster_name",
                                format!("there is no EKS cluster {cluster} in {}", aws.region),
                            )),
                            other => Err(other),
                        },
                    }
                },
                owned,
            )
            .await?;
            match self
                .wait_active(&ctx, aws, &cluster, &addon, "creating")
                .await
            {
                Ok(found) => Ok(self.value(aws, &found, planned)),
                // It exists but is not ready: say what exists, so that state keeps it.
                Err(cause) => Err(ProviderError::incomplete(
                    self.read_names(aws, &cluster, &addon, planned).await,
                    || complete(&self.schema, planned, [("id", Value::string(id.clone()))]),
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
            let (cluster, addon) = names_of(&self.schema, current)?;
            self.read_names(aws, &cluster, &addon, current).await
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
            let ctx = ctx.or_timeout(UPDATE_WAIT);
            let (cluster, addon) = names_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let changed = |n: &str| before.get(n).known_eq(after.get(n)) != Some(true);
            let id = format!("{cluster}:{addon}");
            if changed("addon_version")
                || changed("configuration_values")
                || changed("service_account_role_arn")
            {
                // An argument set to nothing is sent empty, which clears it; one never set is
                // left out.
                let cleared = |n: &str| -> Result<Option<String>, ProviderError> {
                    Ok(match after.string(n)? {
                        Some(v) => Some(v),
                        None if changed(n) => Some(String::new()),
                        None => None,
                    })
                };
                let out = aws
                    .eks()
                    .update_addon()
                    .cluster_name(&cluster)
                    .addon_name(&addon)
                    .set_addon_version(after.string("addon_version").ok().flatten())
                    .set_configuration_values(cleared("configuration_values")?)
                    .set_service_account_role_arn(cleared("service_account_role_arn")?)
                    .set_resolve_conflicts(
                        after
                            .string("resolve_conflicts_on_update")?
                            .map(|r| ResolveConflicts::from(r.as_str())),
                    )
                    .client_request_token(uuid::Uuid::new_v4().to_string())
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "eks:UpdateAddon", &id))?;
                if let Some(update_id) = eks::pending(out.update()) {
                    eks::wait_for_update(
                        &ctx,
                        aws,
                        &cluster,
                        &update_id,
                        UpdateOf::Addon(&addon),
                        "modifying",
                    )
                    .await?;
                }
                self.wait_active(&ctx, aws, &cluster, &addon, "modifying")
                    .await?;
            }
            let address = ctx.address.as_deref();
            let had = tags::carried(aws, &self.schema, prior, address)?;
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            if had != wanted {
                let arn = match before.string("arn").ok().flatten() {
                    Some(arn) => arn,
                    None => self
                        .describe(aws, &cluster, &addon)
                        .await?
                        .and_then(|a| a.addon_arn().map(str::to_owned))
                        .ok_or(ProviderError::NotFound)?,
                };
                eks::update_tags(aws, &arn, &had, &wanted).await?;
            }
            self.read_names(aws, &cluster, &addon, planned)
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
            let ctx = ctx.or_timeout(DELETE_WAIT);
            let (cluster, addon) = names_of(&self.schema, current)?;
            let preserve = Attrs::new(&self.schema, current)
                .bool("preserve")
                .ok()
                .flatten()
                .unwrap_or(false);
            let id = format!("{cluster}:{addon}");
            // ResourceInUseException while another change of the add-on finishes.
            retry::delete(&ctx, "destroying (waiting for the add-on)", || async {
                aws.eks()
                    .delete_addon()
                    .cluster_name(&cluster)
                    .addon_name(&addon)
                    .preserve(preserve)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "eks:DeleteAddon", &id))
            })
            .await?;
            retry::poll(
                &ctx,
                "destroying",
                || self.describe(aws, &cluster, &addon),
                |found| match found {
                    None => Ok(true),
                    Some(found) if found.status() == Some(&AddonStatus::DeleteFailed) => {
                        Err(ProviderError::other(format!(
                            "the EKS add-on {addon} of cluster {cluster} could not be deleted: {}",
                            issues(found)
                        )))
                    }
                    Some(_) => Ok(false),
                },
                |found| {
                    found
                        .as_ref()
                        .and_then(|a| a.status())
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
            let (cluster, addon) = parse_id(id).ok_or_else(|| {
                ProviderError::validation(
                    "id",
                    format!("\"{id}\" is not CLUSTER:ADDON (e.g. my-cluster:vpc-cni)"),
                )
            })?;
            self.read_names(aws, cluster, addon, &Value::Null)
                .await?
                .ok_or_else(|| {
                    ProviderError::validation(
                        "id",
                        format!(
                            "no add-on {addon} on EKS cluster {cluster} in {}",
                            aws.region
                        ),
                    )
                })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let (cluster, addon) = names_of(&self.schema, planned).ok()?;
        let mut identity = owned_identity(ctx)?;
        identity["cluster_name"] = cluster.into();
        identity["addon_name"] = addon.into();
        // Made once here and recorded with the journal's intent: the create that follows, and
        // any retry of it, sends this token.
        identity["client_request_token"] = uuid::Uuid::new_v4().to_string().into();
        // What EKS does not return, so that an object adopted after a crash plans no change.
        let attrs = Attrs::new(&self.schema, planned);
        for name in STATE_ONLY {
            if let Some(value) = crate::lang::value::json::to_json(attrs.raw(name).peel()) {
                identity[name] = value;
            }
        }
        Some(identity)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let text = |k: &str| identity.get(k).and_then(|v| v.as_str());
            let (Some(cluster), Some(addon), Some(address)) =
                (text("cluster_name"), text("addon_name"), text("address"))
            else {
                return Ok(None);
            };
            let Some(found) = self.describe(aws, cluster, addon).await? else {
                return Ok(None);
            };
            let ours = eks::owned_by(found.tags(), Some(address));
            let stored = complete(
                &self.schema,
                &Value::Null,
                STATE_ONLY.map(|name| {
                    (
                        name,
                        identity
                            .get(name)
                            .map_or(Value::Null, crate::lang::value::json::from_json),
                    )
                }),
            );
            Ok(ours.then(|| self.value(aws, &found, &stored)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{config, text};

    fn names() -> Vec<(&'static str, Value)> {
        vec![
            ("cluster_name", Value::string("plat-test")),
            ("addon_name", Value::string("vpc-cni")),
        ]
    }

    #[test]
    fn conflict_resolutions_are_checked_at_plan_time() {
        let r = AwsEksAddon::new();
        let with = |name: &'static str, value: &str| {
            let mut set = names();
            set.push((name, Value::string(value)));
            r.plan(None, config(&r.schema, &set))
        };
        assert!(with("resolve_conflicts_on_create", "OVERWRITE").is_ok());
        assert!(with("resolve_conflicts_on_update", "PRESERVE").is_ok());
        let err = with("resolve_conflicts_on_create", "PRESERVE").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid \"resolve_conflicts_on_create\": must be NONE or OVERWRITE, not \"PRESERVE\""
        );
        let err = with("resolve_conflicts_on_update", "overwrite").unwrap_err();
        assert!(
            err.to_string()
                .contains("must be NONE, OVERWRITE or PRESERVE"),
            "{err}"
        );
        let err = with("configuration_values", "replicaCount: 2").unwrap_err();
        assert!(err.to_string().contains("not a JSON document"), "{err}");
    }

    #[test]
    fn a_new_addon_knows_its_id_at_plan_time() {
        let r = AwsEksAddon::new();
        let planned = r.plan(None, config(&r.schema, &names())).unwrap();
        assert_eq!(text(&planned, "id"), "plat-test:vpc-cni");
        assert_eq!(
            parse_id("plat-test:vpc-cni"),
            Some(("plat-test", "vpc-cni"))
        );
        assert_eq!(parse_id("vpc-cni"), None);
        assert_eq!(parse_id("a:b:c"), None);
    }

    #[test]
    fn configuration_rewritten_with_the_same_meaning_keeps_the_prior_text() {
        let r = AwsEksAddon::new();
        let before = r#"{"env":{"ENABLE_PREFIX_DELEGATION":"true","WARM_IP_TARGET":"5"}}"#;
        let after = "{\n  \"env\": {\n    \"WARM_IP_TARGET\": \"5\",\n    \"ENABLE_PREFIX_DELEGATION\": \"true\"\n  }\n}";
        let mut stored = names();
        stored.extend([
            ("configuration_values", Value::string(before)),
            ("addon_version", Value::string("v1.18.0-eksbuild.1")),
            ("id", Value::string("plat-test:vpc-cni")),
            (
                "arn",
                Value::string("arn:aws:eks:us-east-1:123456789012:addon/plat-test/vpc-cni/x"),
            ),
            ("status", Value::string("ACTIVE")),
            ("created_at", Value::string("2026-01-01T00:00:00Z")),
            ("modified_at", Value::string("2026-01-01T00:00:00Z")),
            ("tags_all", Value::Map(Default::default())),
        ]);
        let prior = config(&r.schema, &stored);
        let mut set = names();
        set.extend([
            ("configuration_values", Value::string(after)),
            ("addon_version", Value::string("v1.18.0-eksbuild.1")),
        ]);
        let planned = r.plan(Some(&prior), config(&r.schema, &set)).unwrap();
        assert_eq!(text(&planned, "configuration_values"), before);

        let changed = after.replace("\"5\"", "\"6\"");
        set[2] = ("configuration_values", Value::string(changed.clone()));
        let planned = r.plan(Some(&prior), config(&r.schema, &set)).unwrap();
        assert_eq!(text(&planned, "configuration_values"), changed);

        assert!(same_json(r#"{"a":[1,2]}"#, r#"{ "a": [1, 2] }"#));
        assert!(!same_json(r#"{"a":[1,2]}"#, r#"{"a":[2,1]}"#));
        assert!(!same_json(r#"{"a":"1"}"#, r#"{"a":1}"#));
    }
}
