//! `aws_eks_cluster`: an EKS control plane. `name`, `role_arn`, the cluster's subnets and
//! security groups, its service network and `bootstrap_self_managed_addons` replace it. In
//! place, each waited for until EKS reports the update `Successful` and the cluster `ACTIVE`:
//! `version` (UpdateClusterVersion, one minor version at a time; the plan refuses a downgrade or
//! a skipped minor), `enabled_cluster_log_types`, endpoint access and `public_access_cidrs`, and
//! `access_config.authentication_mode` (each an UpdateClusterConfig of its own: EKS takes one
//! kind of change per request and refuses a second while one runs, which is retried), and tags.
//!
//! Create waits for `ACTIVE` (10 to 15 minutes on AWS; 30 by default, `timeouts` to change),
//! delete for the cluster to be gone (15 minutes by default); a cluster that still has node
//! groups refuses deletion, which is retried while they drain. Cluster names are unique in a
//! region, so a create whose answer was lost meets `ResourceInUseException` and adopts the
//! cluster only when it carries this instance's ownership tags.
//!
//! EKS has no batched describe: refresh is one DescribeCluster per cluster, concurrently.
//!
//! Emulator allowances: a describe without subnets (never so on AWS, where a cluster has at
//! least two; moto drops them after UpdateClusterConfig) keeps the network ids state holds, and a
//! describe without `accessConfig` keeps the stored block.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::operation::update_cluster_config::builders::UpdateClusterConfigFluentBuilder;
use aws_sdk_eks::types::builders::VpcConfigRequestBuilder;
use aws_sdk_eks::types::{
    AuthenticationMode, Cluster, CreateAccessConfigRequest, IpFamily,
    KubernetesNetworkConfigRequest, LogSetup, LogType, Logging, UpdateAccessConfigRequest,
    VpcConfigRequest,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::eks::{self, UpdateOf};
use super::errors::classify;
use super::handle::Aws;
use super::{names, retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct AwsEksCluster {
    schema: ResourceSchema,
}

const CREATE_WAIT: Duration = Duration::from_secs(30 * 60);
const UPDATE_WAIT: Duration = Duration::from_secs(60 * 60);
const DELETE_WAIT: Duration = Duration::from_secs(15 * 60);

/// The control-plane log types EKS knows.
const LOG_TYPES: [&str; 5] = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/// Authentication modes in the only order EKS moves between them.
const AUTHENTICATION_MODES: [&str; 3] = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"];

fn strings() -> Type {
    Type::Set(Box::new(Type::String))
}

fn one_block(name: &'static str, attributes: Vec<AttributeSchema>) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::List,
        min_items: 0,
        max_items: Some(1),
        optional_computed: true,
        attributes,
        blocks: Vec::new(),
    }
}

/// The attributes both the resource and `data "aws_eks_cluster"` compute.
pub(super) fn computed_attributes() -> Vec<AttributeSchema> {
    let object = |pairs: &[(&str, Type)]| {
        Type::object(
            pairs
                .iter()
                .map(|(k, t)| (k.to_string(), t.clone()))
                .collect(),
        )
    };
    vec![
        AttributeSchema::computed("id", Type::String),
        AttributeSchema::computed("arn", Type::String),
        AttributeSchema::computed("endpoint", Type::String),
        AttributeSchema::computed("status", Type::String),
        AttributeSchema::computed("platform_version", Type::String),
        AttributeSchema::computed("created_at", Type::String),
        AttributeSchema::computed(
            "certificate_authority",
            Type::list(object(&[("data", Type::String)])),
        )
        .describe("certificate_authority[0].data: the base64 CA bundle of the API server."),
        AttributeSchema::computed(
            "identity",
            Type::list(object(&[(
                "oidc",
                Type::list(object(&[("issuer", Type::String)])),
            )])),
        )
        .describe("identity[0].oidc[0].issuer: the OIDC issuer URL, for IRSA."),
    ]
}

impl AwsEksCluster {
    pub fn new() -> AwsEksCluster {
        let mut attributes = vec![
            AttributeSchema::required("name", Type::String).force_new(),
            AttributeSchema::required("role_arn", Type::String).force_new(),
            AttributeSchema::optional_computed("version", Type::String)
                .describe("Kubernetes MAJOR.MINOR; upgraded in place one minor version at a time."),
            AttributeSchema::optional("enabled_cluster_log_types", strings()),
            AttributeSchema::optional("bootstrap_self_managed_addons", Type::Bool)
                .default(true)
                .force_new(),
        ];
        attributes.extend(computed_attributes());
        attributes.extend(tags::attributes());
        AwsEksCluster {
            schema: ResourceSchema {
                type_name: "aws_eks_cluster",
                description: "An EKS cluster (the Kubernetes control plane).",
                attributes,
                blocks: vec![
                    BlockSchema {
                        name: "vpc_config",
                        nesting: Nesting::List,
                        min_items: 1,
                        max_items: Some(1),
                        optional_computed: false,
                        attributes: vec![
                            AttributeSchema::required("subnet_ids", strings()).force_new(),
                            AttributeSchema::optional_computed("security_group_ids", strings())
                                .force_new(),
                            AttributeSchema::optional("endpoint_private_access", Type::Bool)
                                .default(false),
                            AttributeSchema::optional("endpoint_public_access", Type::Bool)
                                .default(true),
                            AttributeSchema::optional_computed("public_access_cidrs", strings()),
                            AttributeSchema::computed("cluster_security_group_id", Type::String),
                            AttributeSchema::computed("vpc_id", Type::String),
                        ],
                        blocks: Vec::new(),
                    },
                    one_block(
                        "kubernetes_network_config",
                        vec![
                            AttributeSchema::optional_computed("service_ipv4_cidr", Type::String)
                                .force_new(),
                            AttributeSchema::optional_computed("ip_family", Type::String)
                                .force_new(),
                            AttributeSchema::computed("service_ipv6_cidr", Type::String),
                        ],
                    ),
                    one_block(
                        "access_config",
                        vec![
                            AttributeSchema::optional_computed("authentication_mode", Type::String),
                            AttributeSchema::optional_computed(
                                "bootstrap_cluster_creator_admin_permissions",
                                Type::Bool,
                            )
                            .force_new(),
                        ],
                    ),
                ],
            },
        }
    }

    fn block(&self, name: &str) -> ResourceSchema {
        self.schema
            .block(name)
            .expect("a block of the schema")
            .as_schema()
    }

    /// One block's attribute of a value: `(block, attribute)`, null when the block is absent.
    fn block_value(&self, value: &Value, block: &str, attribute: &str) -> Value {
        let schema = self.block(block);
        Attrs::new(&self.schema, value)
            .blocks(block)
            .first()
            .map_or(Value::Null, |item| {
                Attrs::new(&schema, item).get(attribute).clone()
            })
    }

    /// The state value of a described cluster; `current` is what state held (for tags, and for
    /// what EKS does not describe).
    pub(super) fn value(&self, aws: &Aws, cluster: &Cluster, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let set = |items: &[String]| Value::set_from(items.iter().map(Value::string).collect());
        let (tags, tags_all) = tags::read_values(aws, eks::pairs(cluster.tags()), &stored);
        let vpc = cluster.resources_vpc_config();
        let (subnets, groups) = match vpc {
            Some(v) if !v.subnet_ids().is_empty() => {
                (set(v.subnet_ids()), set(v.security_group_ids()))
            }
            _ => (
                self.block_value(current, "vpc_config", "subnet_ids"),
                self.block_value(current, "vpc_config", "security_group_ids"),
            ),
        };
        let vpc_config = Value::List(vec![Value::Object(BTreeMap::from([
            ("subnet_ids".to_owned(), subnets),
            ("security_group_ids".to_owned(), groups),
            (
                "endpoint_private_access".to_owned(),
                Value::Bool(vpc.is_some_and(|v| v.endpoint_private_access())),
            ),
            (
                "endpoint_public_access".to_owned(),
                Value::Bool(vpc.is_none_or(|v| v.endpoint_public_access())),
            ),
            (
                "public_access_cidrs".to_owned(),
                match vpc.map(|v| v.public_access_cidrs()) {
                    Some(cidrs) if !cidrs.is_empty() => set(cidrs),
                    // AWS reports the default; an emulator may not.
                    _ => set(&["0.0.0.0/0".to_owned()]),
                },
            ),
            (
                "cluster_security_group_id".to_owned(),
                text(vpc.and_then(|v| v.cluster_security_group_id())),
            ),
            ("vpc_id".to_owned(), text(vpc.and_then(|v| v.vpc_id()))),
        ]))]);
        let network = cluster.kubernetes_network_config().map_or_else(
            || Value::List(vec![]),
            |n| {
                Value::List(vec![Value::Object(BTreeMap::from([
                    ("service_ipv4_cidr".to_owned(), text(n.service_ipv4_cidr())),
                    (
                        "ip_family".to_owned(),
                        Value::string(n.ip_family().map_or("ipv4", |f| f.as_str())),
                    ),
                    ("service_ipv6_cidr".to_owned(), text(n.service_ipv6_cidr())),
                ]))])
            },
        );
        let access = match cluster.access_config() {
            Some(a) => Value::List(vec![Value::Object(BTreeMap::from([
                (
                    "authentication_mode".to_owned(),
                    text(a.authentication_mode().map(|m| m.as_str())),
                ),
                (
                    "bootstrap_cluster_creator_admin_permissions".to_owned(),
                    a.bootstrap_cluster_creator_admin_permissions().map_or_else(
                        || {
                            self.block_value(
                                current,
                                "access_config",
                                "bootstrap_cluster_creator_admin_permissions",
                            )
                        },
                        Value::Bool,
                    ),
                ),
            ]))]),
            None => stored.raw("access_config").clone(),
        };
        let logs: Vec<Value> = cluster
            .logging()
            .map(|l| l.cluster_logging())
            .unwrap_or_default()
            .iter()
            .filter(|setup| setup.enabled() == Some(true))
            .flat_map(|setup| setup.types().iter().map(|t| Value::string(t.as_str())))
            .collect();
        let certificate = Value::List(vec![Value::Object(BTreeMap::from([(
            "data".to_owned(),
            text(cluster.certificate_authority().and_then(|c| c.data())),
        )]))]);
        let identity = Value::List(vec![Value::Object(BTreeMap::from([(
            "oidc".to_owned(),
            Value::List(vec![Value::Object(BTreeMap::from([(
                "issuer".to_owned(),
                text(
                    cluster
                        .identity()
                        .and_then(|i| i.oidc())
                        .and_then(|o| o.issuer()),
                ),
            )]))]),
        )]))]);
        let bootstrap = match stored.get("bootstrap_self_managed_addons") {
            Value::Bool(b) => Value::Bool(*b),
            _ => Value::Bool(true),
        };
        complete(
            &self.schema,
            &Value::Null,
            [
                ("name", text(cluster.name())),
                ("id", text(cluster.name())),
                ("role_arn", text(cluster.role_arn())),
                ("version", text(cluster.version())),
                (
                    "enabled_cluster_log_types",
                    // No logging and an unset list mean the same.
                    if logs.is_empty() && stored.raw("enabled_cluster_log_types").is_null() {
                        Value::Null
                    } else {
                        Value::set_from(logs)
                    },
                ),
                ("bootstrap_self_managed_addons", bootstrap),
                ("arn", text(cluster.arn())),
                ("endpoint", text(cluster.endpoint())),
                ("status", text(cluster.status().map(|s| s.as_str()))),
                ("platform_version", text(cluster.platform_version())),
                (
                    "created_at",
                    cluster.created_at().map_or(Value::Null, |t| {
                        Value::string(
                            t.fmt(aws_smithy_types::date_time::Format::DateTime)
                                .unwrap_or_default(),
                        )
                    }),
                ),
                ("certificate_authority", certificate),
                ("identity", identity),
                ("tags", tags),
                ("tags_all", tags_all),
                ("vpc_config", vpc_config),
                ("kubernetes_network_config", network),
                ("access_config", access),
            ],
        )
    }

    async fn read_name(
        &self,
        aws: &Aws,
        name: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(eks::describe_cluster(aws, name)
            .await?
            .map(|c| self.value(aws, &c, current)))
    }

    /// Logging as EKS takes it: the configured types on, every other type off.
    fn logging(&self, value: &Value) -> Result<Logging, ProviderError> {
        let enabled = Attrs::new(&self.schema, value).strings("enabled_cluster_log_types")?;
        let disabled: Vec<LogType> = LOG_TYPES
            .iter()
            .filter(|t| !enabled.iter().any(|e| e == *t))
            .map(|t| LogType::from(*t))
            .collect();
        let mut setups = Vec::new();
        if !enabled.is_empty() {
            setups.push(
                LogSetup::builder()
                    .set_types(Some(
                        enabled.iter().map(|t| LogType::from(t.as_str())).collect(),
                    ))
                    .enabled(true)
                    .build(),
            );
        }
        if !disabled.is_empty() {
            setups.push(
                LogSetup::builder()
                    .set_types(Some(disabled))
                    .enabled(false)
                    .build(),
            );
        }
        Ok(Logging::builder().set_cluster_logging(Some(setups)).build())
    }

    /// The endpoint settings of `vpc_config` as an UpdateClusterConfig request (subnets and
    /// security groups are left out: they replace the cluster).
    fn endpoint_access(&self, value: &Value) -> VpcConfigRequestBuilder {
        let flag = |name: &str| match self.block_value(value, "vpc_config", name) {
            Value::Bool(b) => Some(b),
            _ => None,
        };
        let cidrs = match self.block_value(value, "vpc_config", "public_access_cidrs") {
            Value::Set(items) | Value::List(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        };
        VpcConfigRequest::builder()
            .set_endpoint_private_access(flag("endpoint_private_access"))
            .set_endpoint_public_access(flag("endpoint_public_access"))
            .set_public_access_cidrs(cidrs)
    }

    /// Runs one UpdateCluster* call (retried while another update runs) and waits for it.
    async fn update_and_wait<F, Fut>(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        name: &str,
        what: &str,
        call: F,
    ) -> Result<(), ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<String>, ProviderError>>,
    {
        let activity = format!("modifying ({what})");
        let update = retry::while_conflict(ctx, &activity, call).await?;
        // An update id to follow; without one (emulators answer with the cluster), the
        // cluster's own status tells when it is done.
        if let Some(id) = update {
            eks::wait_for_update(ctx, aws, name, &id, UpdateOf::Cluster, &activity).await?;
        }
        eks::wait_cluster_active(ctx, aws, name, &activity)
            .await
            .map(drop)
    }

    /// One UpdateClusterConfig (`set` fills in the one kind of change it carries), waited for.
    async fn update_config(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        name: &str,
        what: &str,
        set: impl Fn(UpdateClusterConfigFluentBuilder) -> UpdateClusterConfigFluentBuilder,
    ) -> Result<(), ProviderError> {
        self.update_and_wait(ctx, aws, name, what, || async {
            let out = set(aws.eks().update_cluster_config().name(name))
                .send()
                .await
                .map_err(|e| classify(aws, e, "eks:UpdateClusterConfig", name))?;
            Ok(eks::pending(out.update()))
        })
        .await
    }

    fn validate(&self, prior: Option<&Value>, proposed: &Value) -> Result<(), ProviderError> {
        let attrs = Attrs::new(&self.schema, proposed);
        if attrs.is_known("enabled_cluster_log_types") {
            for t in attrs.strings("enabled_cluster_log_types")? {
                if !LOG_TYPES.contains(&t.as_str()) {
                    return Err(ProviderError::validation(
                        "enabled_cluster_log_types",
                        format!(
                            "\"{t}\" is not a log type; choose from {}",
                            LOG_TYPES.join(", ")
                        ),
                    ));
                }
            }
        }
        let mode = self.block_value(proposed, "access_config", "authentication_mode");
        if let Some(mode) = mode.as_str() {
            if !AUTHENTICATION_MODES.contains(&mode) {
                return Err(ProviderError::validation(
                    "access_config.authentication_mode",
                    format!(
                        "\"{mode}\" is not an authentication mode; choose from {}",
                        AUTHENTICATION_MODES.join(", ")
                    ),
                ));
            }
        }
        if let Some(family) = self
            .block_value(proposed, "kubernetes_network_config", "ip_family")
            .as_str()
        {
            if !["ipv4", "ipv6"].contains(&family) {
                return Err(ProviderError::validation(
                    "kubernetes_network_config.ip_family",
                    format!("must be ipv4 or ipv6, not \"{family}\""),
                ));
            }
        }
        let Some(prior) = prior else {
            // From a version to itself, only the form can be refused.
            if let Ok(Some(version)) = attrs.string("version") {
                if let Some(refusal) = eks::upgrade_refusal(&version, &version) {
                    return Err(ProviderError::validation("version", refusal));
                }
            }
            return Ok(());
        };
        let before = Attrs::new(&self.schema, prior);
        if let (Ok(Some(from)), Ok(Some(to))) = (before.string("version"), attrs.string("version"))
        {
            if let Some(refusal) = eks::upgrade_refusal(&from, &to) {
                return Err(ProviderError::validation("version", refusal));
            }
        }
        let rank = |v: &Value| {
            v.as_str()
                .and_then(|m| AUTHENTICATION_MODES.iter().position(|x| *x == m))
        };
        let (from, to) = (
            self.block_value(prior, "access_config", "authentication_mode"),
            mode,
        );
        if let (Some(a), Some(b)) = (rank(&from), rank(&to)) {
            if b < a {
                return Err(ProviderError::validation(
                    "access_config.authentication_mode",
                    format!(
                        "EKS moves only forward from CONFIG_MAP to API_AND_CONFIG_MAP to API; it cannot go back from {} to {}",
                        AUTHENTICATION_MODES[a], AUTHENTICATION_MODES[b]
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl Default for AwsEksCluster {
    fn default() -> Self {
        AwsEksCluster::new()
    }
}

fn name_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("name")?
        .ok_or_else(|| ProviderError::validation("name", "is not known"))
}

impl ResourceType for AwsEksCluster {
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
        self.validate(prior, &proposed)?;
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => {
                let planned = keep_computed(&self.schema, prior, &proposed);
                let version_changes = Attrs::new(&self.schema, prior)
                    .get("version")
                    .known_eq(Attrs::new(&self.schema, &planned).get("version"))
                    != Some(true);
                if version_changes {
                    complete(
                        &self.schema,
                        &planned,
                        [(
                            "platform_version",
                            unknown(&self.schema, "platform_version"),
                        )],
                    )
                } else {
                    planned
                }
            }
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
            let name = name_of(&self.schema, planned)?;
            let address = ctx.address.as_deref();
            let all = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let vpc = self.block("vpc_config");
            let vpc_item = attrs.blocks("vpc_config");
            let vpc_attrs = vpc_item.first().map(|item| Attrs::new(&vpc, item));
            let mut vpc_request = self.endpoint_access(planned);
            if let Some(v) = &vpc_attrs {
                vpc_request = vpc_request
                    .set_subnet_ids(Some(v.strings("subnet_ids")?))
                    .set_security_group_ids(
                        v.is_known("security_group_ids")
                            .then(|| v.strings("security_group_ids"))
                            .transpose()?,
                    );
            }
            let network = {
                let cidr =
                    self.block_value(planned, "kubernetes_network_config", "service_ipv4_cidr");
                let family = self.block_value(planned, "kubernetes_network_config", "ip_family");
                (cidr.as_str().is_some() || family.as_str().is_some()).then(|| {
                    KubernetesNetworkConfigRequest::builder()
                        .set_service_ipv4_cidr(cidr.as_str().map(str::to_owned))
                        .set_ip_family(family.as_str().map(IpFamily::from))
                        .build()
                })
            };
            let access = {
                let mode = self.block_value(planned, "access_config", "authentication_mode");
                let bootstrap = self.block_value(
                    planned,
                    "access_config",
                    "bootstrap_cluster_creator_admin_permissions",
                );
                (mode.as_str().is_some() || matches!(bootstrap, Value::Bool(_))).then(|| {
                    CreateAccessConfigRequest::builder()
                        .set_authentication_mode(mode.as_str().map(AuthenticationMode::from))
                        .set_bootstrap_cluster_creator_admin_permissions(match bootstrap {
                            Value::Bool(b) => Some(b),
                            _ => None,
                        })
                        .build()
                })
            };
            let logging = match attrs.strings("enabled_cluster_log_types")?.is_empty() {
                true => None,
                false => Some(self.logging(planned)?),
            };
            let ours = |c: &Cluster| eks::owned_by(c.tags(), address);
            let owned = || async {
                Ok(eks::describe_cluster(aws, &name)
                    .await?
                    .filter(|c| ours(c))
                    .map(drop))
            };
            retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .eks()
                        .create_cluster()
                        .name(&name)
                        .role_arn(attrs.string("role_arn")?.unwrap_or_default())
                        .set_version(attrs.string("version").ok().flatten())
                        .resources_vpc_config(vpc_request.clone().build())
                        .set_kubernetes_network_config(network.clone())
                        .set_access_config(access.clone())
                        .set_logging(logging.clone())
                        .set_bootstrap_self_managed_addons(attrs.bool("bootstrap_self_managed_addons")?)
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
                                "eks:CreateCluster: a cluster named {name} already exists and this stack did not create it: import it with `plat import {} {name}`, or choose another name",
                                address.unwrap_or("ADDRESS")
                            )))
                        }
                        // IAM is eventually consistent: a role made a moment ago may not be
                        // assumable by EKS yet.
                        Err(e)
                            if e.code() == Some("InvalidParameterException")
                                && e.message().is_some_and(|m| m.contains("role")) =>
                        {
                            Err(ProviderError::Retryable {
                                message: format!(
                                    "eks:CreateCluster {name}: {} (waiting for IAM)",
                                    e.message().unwrap_or_default()
                                ),
                                after: Some(Duration::from_secs(5)),
                            })
                        }
                        Err(e) => Err(classify(aws, e, "eks:CreateCluster", &name)),
                    }
                },
                owned,
            )
            .await?;
            let waited =
                eks::wait_cluster_active(&ctx.or_timeout(CREATE_WAIT), aws, &name, "creating")
                    .await;
            match waited {
                Ok(cluster) => Ok(self.value(aws, &cluster, planned)),
                // It exists but is not ready: say what exists, so that state keeps it.
                Err(cause) => Err(ProviderError::incomplete(
                    self.read_name(aws, &name, planned).await,
                    || complete(&self.schema, planned, [("id", Value::string(name.clone()))]),
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
            let ctx = &ctx.or_timeout(UPDATE_WAIT);
            let name = name_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let changed = |n: &str| before.get(n).known_eq(after.get(n)) != Some(true);
            if changed("version") {
                let version = after
                    .string("version")?
                    .ok_or_else(|| ProviderError::validation("version", "is not known"))?;
                self.update_and_wait(ctx, aws, &name, "version", || async {
                    let out = aws
                        .eks()
                        .update_cluster_version()
                        .name(&name)
                        .version(&version)
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "eks:UpdateClusterVersion", &name))?;
                    Ok(eks::pending(out.update()))
                })
                .await?;
            }
            if changed("enabled_cluster_log_types") {
                let logging = self.logging(planned)?;
                self.update_config(ctx, aws, &name, "logging", |call| {
                    call.logging(logging.clone())
                })
                .await?;
            }
            let access_changed = [
                "endpoint_private_access",
                "endpoint_public_access",
                "public_access_cidrs",
            ]
            .iter()
            .any(|a| {
                self.block_value(prior, "vpc_config", a)
                    .known_eq(&self.block_value(planned, "vpc_config", a))
                    != Some(true)
            });
            if access_changed {
                let request = self.endpoint_access(planned).build();
                self.update_config(ctx, aws, &name, "endpoint access", |call| {
                    call.resources_vpc_config(request.clone())
                })
                .await?;
            }
            let mode = self.block_value(planned, "access_config", "authentication_mode");
            if mode.as_str().is_some()
                && self
                    .block_value(prior, "access_config", "authentication_mode")
                    .known_eq(&mode)
                    != Some(true)
            {
                let request = UpdateAccessConfigRequest::builder()
                    .set_authentication_mode(mode.as_str().map(AuthenticationMode::from))
                    .build();
                self.update_config(ctx, aws, &name, "authentication mode", |call| {
                    call.access_config(request.clone())
                })
                .await?;
            }
            let address = ctx.address.as_deref();
            let arn = before.string("arn")?.ok_or_else(|| {
                ProviderError::other(format!("cluster {name} has no ARN in state"))
            })?;
            eks::update_tags(
                aws,
                &arn,
                &tags::carried(aws, &self.schema, prior, address)?,
                &tags::carried(aws, &self.schema, planned, address)?,
            )
            .await?;
            self.read_name(aws, &name, planned)
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
            let name = name_of(&self.schema, current)?;
            let ctx = ctx.or_timeout(DELETE_WAIT);
            // ResourceInUseException while node groups and add-ons drain (deleted just before).
            retry::delete(
                &ctx,
                "destroying (waiting for node groups to be deleted)",
                || async {
                    aws.eks()
                        .delete_cluster()
                        .name(&name)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "eks:DeleteCluster", &name))
                },
            )
            .await?;
            retry::poll(
                &ctx,
                "destroying",
                || eks::describe_cluster(aws, &name),
                |found| Ok(found.is_none()),
                |found| {
                    found
                        .as_ref()
                        .and_then(|c| c.status())
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
            self.read_name(aws, id, &Value::Null).await?.ok_or_else(|| {
                ProviderError::validation(
                    "id",
                    format!("no EKS cluster named {id} in {}", aws.region),
                )
            })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let name = name_of(&self.schema, planned).ok()?;
        let mut identity = super::handle::owned_identity(ctx)?;
        identity["name"] = name.into();
        Some(identity)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((name, address)) = names::name_and_address(identity) else {
                return Ok(None);
            };
            let Some(cluster) = eks::describe_cluster(aws, name).await? else {
                return Ok(None);
            };
            let ours = eks::owned_by(cluster.tags(), Some(address));
            Ok(ours.then(|| self.value(aws, &cluster, &Value::Null)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::config;

    fn with_version(r: &AwsEksCluster, version: &str) -> Value {
        complete(
            &r.schema,
            &config(
                &r.schema,
                &[
                    ("name", Value::string("c")),
                    ("role_arn", Value::string("r")),
                ],
            ),
            [("version", Value::string(version))],
        )
    }

    #[test]
    fn the_plan_refuses_a_downgrade_and_a_skipped_minor_version() {
        let r = AwsEksCluster::new();
        let prior = with_version(&r, "1.29");
        assert!(r.plan(Some(&prior), with_version(&r, "1.30")).is_ok());
        let skip = r.plan(Some(&prior), with_version(&r, "1.31")).unwrap_err();
        assert!(skip.to_string().contains("\"1.30\" first"), "{skip}");
        let down = r.plan(Some(&prior), with_version(&r, "1.28")).unwrap_err();
        assert!(down.to_string().contains("does not downgrade"), "{down}");
        let bad = r.plan(None, with_version(&r, "v1")).unwrap_err();
        assert!(bad.to_string().contains("MAJOR.MINOR"), "{bad}");
    }
}
