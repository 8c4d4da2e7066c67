//! [`Aws`]: one configured AWS provider (a region, credentials, endpoints and default tags), with
//! a client per service built on first use, and the log of API calls every client reports to.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_types::SdkConfig;

use crate::providers::configured::Scope;
use crate::providers::resource::OpContext;

/// Tag keys plat puts on every taggable object it creates: how an object created just before a
/// crash is found again. They never show in `tags` or `tags_all`.
pub const TAG_STACK: &str = "plat:stack";
pub const TAG_ENV: &str = "plat:env";
pub const TAG_ADDRESS: &str = "plat:address";

pub struct Aws {
    pub sdk: SdkConfig,
    pub region: String,
    /// `endpoints { service = url }` of the provider block.
    endpoints: BTreeMap<String, String>,
    pub default_tags: BTreeMap<String, String>,
    pub profile: Option<String>,
    pub scope: Scope,
    calls: Arc<CallLog>,
    ec2: OnceLock<aws_sdk_ec2::Client>,
    iam: OnceLock<aws_sdk_iam::Client>,
    s3: OnceLock<aws_sdk_s3::Client>,
    sts: OnceLock<aws_sdk_sts::Client>,
    eks: OnceLock<aws_sdk_eks::Client>,
    rds: OnceLock<aws_sdk_rds::Client>,
    efs: OnceLock<aws_sdk_efs::Client>,
    ecr: OnceLock<aws_sdk_ecr::Client>,
}

/// The accessor of one service's client, made on first use: the run's SDK settings, the call
/// counter, and the provider block's endpoint for the service.
macro_rules! client {
    ($service:ident, $krate:ident, $name:literal) => {
        pub fn $service(&self) -> &$krate::Client {
            self.$service.get_or_init(|| {
                let mut config = $krate::config::Builder::from(&self.sdk)
                    .interceptor(CallCounter(self.calls.clone()));
                if let Some(url) = self.endpoints.get($name) {
                    config = config.endpoint_url(url);
                }
                $krate::Client::from_conf(config.build())
            })
        }
    };
}

impl Aws {
    pub fn new(
        sdk: SdkConfig,
        region: String,
        endpoints: BTreeMap<String, String>,
        default_tags: BTreeMap<String, String>,
        profile: Option<String>,
        scope: Scope,
        calls: Arc<CallLog>,
    ) -> Aws {
        Aws {
            sdk,
            region,
            endpoints,
            default_tags,
            profile,
            scope,
            calls,
            ec2: OnceLock::new(),
            iam: OnceLock::new(),
            s3: OnceLock::new(),
            sts: OnceLock::new(),
            eks: OnceLock::new(),
            rds: OnceLock::new(),
            efs: OnceLock::new(),
            ecr: OnceLock::new(),
        }
    }

    /// The endpoint a service's calls go to when it is not AWS's own: the provider block's
    /// `endpoints`, else `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self, service: &str) -> Option<String> {
        if let Some(url) = self.endpoints.get(service) {
            return Some(url.clone());
        }
        let specific = format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase());
        std::env::var(specific)
            .ok()
            .or_else(|| self.sdk.endpoint_url().map(str::to_owned))
            .filter(|url| !url.is_empty())
    }

    /// Where calls of a service go, for messages: the override, or AWS's regional endpoint.
    pub fn endpoint_for_messages(&self, service: &str) -> String {
        self.endpoint(service).unwrap_or_else(|| match service {
            "iam" => "https://iam.amazonaws.com".into(),
            "s3" => format!("https://s3.{}.amazonaws.com", self.region),
            other => format!("https://{other}.{}.amazonaws.com", self.region),
        })
    }

    client!(ec2, aws_sdk_ec2, "ec2");

    client!(iam, aws_sdk_iam, "iam");

    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3.get_or_init(|| {
            let mut config = aws_sdk_s3::config::Builder::from(&self.sdk)
                .interceptor(CallCounter(self.calls.clone()));
            if let Some(url) = self.endpoints.get("s3") {
                config = config.endpoint_url(url);
            }
            // Emulators serve buckets by path, not as subdomains of their host name.
            if self.endpoint("s3").is_some() {
                config = config.force_path_style(true);
            }
            aws_sdk_s3::Client::from_conf(config.build())
        })
    }

    client!(sts, aws_sdk_sts, "sts");
    client!(eks, aws_sdk_eks, "eks");
    client!(rds, aws_sdk_rds, "rds");
    client!(efs, aws_sdk_efs, "efs");
    client!(ecr, aws_sdk_ecr, "ecr");

    /// The ownership tags of the object at `address`.
    pub fn ownership_tags(&self, address: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TAG_STACK.to_owned(), self.scope.stack.clone()),
            (TAG_ENV.to_owned(), self.scope.env.clone()),
            (TAG_ADDRESS.to_owned(), address.to_owned()),
        ])
    }

    /// What an object is tagged with: default tags, then its own tags, then ownership tags.
    pub fn all_tags(
        &self,
        own: &BTreeMap<String, String>,
        address: Option<&str>,
    ) -> BTreeMap<String, String> {
        let mut all = self.default_tags.clone();
        all.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(address) = address {
            all.extend(self.ownership_tags(address));
        }
        all
    }

    /// `tags_all` as users see it: every tag but plat's ownership tags.
    pub fn visible_tags(
        tags: impl IntoIterator<Item = (String, String)>,
    ) -> BTreeMap<String, String> {
        tags.into_iter()
            .filter(|(k, _)| !is_ownership_tag(k))
            .collect()
    }
}

/// The identity of an object found by its ownership tags: the address (stack and environment
/// come from the provider configuration).
pub fn owned_identity(ctx: &OpContext) -> Option<serde_json::Value> {
    let aws = ctx.provider::<Aws>().ok()?;
    Some(serde_json::json!({
        "address": ctx.address.as_deref()?,
        "stack": aws.scope.stack,
        "env": aws.scope.env,
        "region": aws.region,
    }))
}

/// Whether tags `(key, value)` say that the instance at `address` made the object.
pub fn carries_address<'t>(
    tags: impl IntoIterator<Item = (&'t str, &'t str)>,
    address: Option<&str>,
) -> bool {
    address.is_some_and(|address| {
        tags.into_iter()
            .any(|(key, value)| key == TAG_ADDRESS && value == address)
    })
}

pub fn is_ownership_tag(key: &str) -> bool {
    matches!(key, TAG_STACK | TAG_ENV | TAG_ADDRESS)
}

/// API calls made by every configured AWS provider of the run, per service and operation, with
/// the attempts the SDK made (retries included).
#[derive(Default)]
pub struct CallLog {
    counts: Mutex<BTreeMap<(String, String), (u64, u64)>>,
}

impl CallLog {
    fn record(&self, service: &str, operation: &str, first_attempt: bool) {
        if let Ok(mut counts) = self.counts.lock() {
            let entry = counts
                .entry((service.to_owned(), operation.to_owned()))
                .or_default();
            if first_attempt {
                entry.0 += 1;
            }
            entry.1 += 1;
        }
    }

    /// Calls per operation so far: `(service, operation, calls, attempts)`.
    pub fn counts(&self) -> Vec<(String, String, u64, u64)> {
        self.counts
            .lock()
            .map(|c| {
                c.iter()
                    .map(|((s, o), (calls, attempts))| (s.clone(), o.clone(), *calls, *attempts))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One line per operation, then the total, for `--stats`.
    pub fn summary(&self) -> Vec<String> {
        let counts = self.counts();
        if counts.is_empty() {
            return Vec::new();
        }
        let mut lines: Vec<String> = counts
            .iter()
            .map(|(service, operation, calls, attempts)| {
                let service = service.to_ascii_lowercase();
                let retries = attempts - calls;
                if retries > 0 {
                    format!("aws {service} {operation}: {calls} ({retries} retried)")
                } else {
                    format!("aws {service} {operation}: {calls}")
                }
            })
            .collect();
        let total: u64 = counts.iter().map(|c| c.2).sum();
        lines.push(format!("aws API calls in all: {total}"));
        lines
    }
}

/// Reports every attempt of every call to the [`CallLog`].
#[derive(Debug, Clone)]
struct CallCounter(Arc<CallLog>);

impl std::fmt::Debug for CallLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLog").finish_non_exhaustive()
    }
}

/// Whether the attempt about to be sent is the call's first (the SDK counts attempts in the
/// config bag).
fn first_attempt(cfg: &ConfigBag) -> bool {
    cfg.load::<aws_smithy_runtime_api::client::retries::RequestAttempts>()
        .map(|a| a.attempts() <= 1)
        .unwrap_or(true)
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "PlatCallCounter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            self.0
                .record(metadata.service(), metadata.name(), first_attempt(cfg));
        }
        Ok(())
    }
}
