//! Provider configurations: the `provider` blocks of a stack, turned into what resource types
//! operate through (for AWS: clients for a region and credentials, default and ownership tags).
//!
//! A provider that needs configuration implements [`Configure`]. The run evaluates the stack's
//! `provider` blocks before refresh, configures each provider on its first use, and hands the
//! result to every operation in [`OpContext::provider`](super::resource::OpContext::provider).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::resource::{BoxFuture, ProviderError, ProviderHandle};
use super::schema::ResourceSchema;
use crate::lang::value::Value;

/// What a configured provider knows about the run it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The stack's directory name (ownership tags name it).
    pub stack: String,
    /// `--env`.
    pub env: String,
}

/// A provider that is configured by a `provider` block.
pub trait Configure: Send + Sync {
    /// The arguments and blocks of its `provider` block.
    fn schema(&self) -> &ResourceSchema;

    /// Sets the provider up from its evaluated block (null when the stack has none: defaults and
    /// the environment decide). Errors name what is wrong and what to do.
    fn configure<'a>(
        &'a self,
        config: &'a Value,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<ProviderHandle, ProviderError>>;

    /// Lines describing what the configured providers did during the run (API calls per
    /// operation), for `--stats`. Empty by default.
    fn stats(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The providers of one run: the evaluated `provider` blocks, configured on first use.
///
/// Configured clients hold connections bound to the async runtime they first ran on, so each
/// runtime of a run (refresh, data reads, apply) takes its own set with [`ProviderSet::fresh`].
#[derive(Clone)]
pub struct ProviderSet {
    /// Evaluated root `provider` blocks by `name` or `name.alias`.
    configs: Arc<BTreeMap<String, Value>>,
    scope: Scope,
    configured: Arc<tokio::sync::Mutex<HashMap<String, ProviderHandle>>>,
}

impl ProviderSet {
    pub fn new(configs: BTreeMap<String, Value>, scope: Scope) -> ProviderSet {
        ProviderSet {
            configs: Arc::new(configs),
            scope,
            configured: Arc::default(),
        }
    }

    /// The same configurations, none of them set up yet (for another runtime).
    pub fn fresh(&self) -> ProviderSet {
        ProviderSet {
            configs: self.configs.clone(),
            scope: self.scope.clone(),
            configured: Arc::default(),
        }
    }

    /// The configured provider an instance served by `provider` (`aws`, `aws.west`) goes
    /// through, set up on first use; `None` for providers that take no configuration.
    pub async fn handle(&self, provider: &str) -> Result<Option<ProviderHandle>, ProviderError> {
        let (name, alias) = match provider.split_once('.') {
            Some((name, alias)) => (name, Some(alias)),
            None => (provider, None),
        };
        let Some(configure) = super::registry().configurer(name) else {
            return Ok(None);
        };
        let mut configured = self.configured.lock().await;
        if let Some(handle) = configured.get(provider) {
            return Ok(Some(handle.clone()));
        }
        let config = match (self.configs.get(provider), alias) {
            (Some(config), _) => config.clone(),
            // No block: the provider's defaults and the environment decide.
            (None, None) => Value::Null,
            (None, Some(alias)) => {
                return Err(ProviderError::Validation {
                    attribute: None,
                    message: format!(
                        "provider configuration {provider} is not declared; add provider \"{name}\" {{ alias = \"{alias}\" ... }} to the root module"
                    ),
                })
            }
        };
        if !config.is_fully_known() {
            return Err(ProviderError::Validation {
                attribute: None,
                message: format!(
                    "provider {provider}'s configuration depends on values known only after apply; configure it from variables or data that are known at plan time"
                ),
            });
        }
        let handle = configure
            .configure(&config, &self.scope)
            .await
            .map_err(|e| match e {
                ProviderError::Validation { attribute, message } => ProviderError::Validation {
                    attribute,
                    message: format!("provider {provider}: {message}"),
                },
                ProviderError::Auth(message) => {
                    ProviderError::Auth(format!("provider {provider}: {message}"))
                }
                other => ProviderError::Other(format!("provider {provider}: {other}")),
            })?;
        configured.insert(provider.to_owned(), handle.clone());
        Ok(Some(handle))
    }

    /// Configures each of these providers now, so that a bad configuration (an invalid region,
    /// no credentials) is reported before anything is planned.
    pub async fn prepare(
        &self,
        providers: impl IntoIterator<Item = String>,
    ) -> Result<(), ProviderError> {
        for provider in providers {
            self.handle(&provider).await?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for ProviderSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&String> = self.configs.keys().collect();
        f.debug_struct("ProviderSet")
            .field("declared", &names)
            .finish()
    }
}
