//! Providers compiled into plat, and the registry of their resource types.
//!
//! Each resource type lives in its own file under its provider's folder and declares its schema
//! next to its implementation of [`resource::ResourceType`]; the registry holds the
//! implementations and derives every schema from them.

pub mod aws;
pub mod builtin;
pub mod configured;
pub mod local;
pub mod random;
pub mod resource;
pub mod schema;
pub mod time;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::lang::config::ResourceMode;
use configured::Configure;
use resource::ResourceType;
use schema::{ProviderSchema, ResourceSchema};

/// Providers whose resource types plat accepts even when their schemas are not compiled in yet
/// (some of `aws` is; the rest comes later). Resources of such types are evaluated, but their
/// attributes are not checked, everything they compute is unknown, and plan refuses them.
pub const UNCHECKED_PROVIDERS: &[&str] = &["aws", "openstack", "helm", "kubernetes", "k3s", "tls"];

/// Diagnostic code for a provider plat does not have (a provider block or a resource type's prefix).
pub const UNKNOWN_PROVIDER: &str = "plat::schema::unknown_provider";

/// A compiled-in provider: its name and the implementations of its types.
pub struct Provider {
    pub name: &'static str,
    pub resources: Vec<Arc<dyn ResourceType>>,
    pub data_sources: Vec<Arc<dyn ResourceType>>,
    /// How a `provider` block configures it; `None` for providers that take no configuration.
    pub configure: Option<Arc<dyn Configure>>,
}

pub struct Registry {
    /// Schemas of each provider, derived from the implementations.
    providers: Vec<ProviderSchema>,
    implementations: Vec<Arc<dyn ResourceType>>,
    configurers: HashMap<&'static str, Arc<dyn Configure>>,
    /// Index into `implementations` by mode and type name.
    index: HashMap<(ResourceMode, &'static str), usize>,
}

impl Registry {
    fn new(providers: Vec<Provider>) -> Registry {
        let mut implementations = Vec::new();
        let mut index = HashMap::new();
        let mut schemas = Vec::with_capacity(providers.len());
        let mut configurers = HashMap::new();
        for provider in providers {
            if let Some(configure) = provider.configure {
                configurers.insert(provider.name, configure);
            }
            let mut derive = |mode, types: Vec<Arc<dyn ResourceType>>| {
                let mut schemas = Vec::with_capacity(types.len());
                for implementation in types {
                    let schema = implementation.schema().clone();
                    index.insert((mode, schema.type_name), implementations.len());
                    implementations.push(implementation);
                    schemas.push(schema);
                }
                schemas
            };
            let resources = derive(ResourceMode::Managed, provider.resources);
            let data_sources = derive(ResourceMode::Data, provider.data_sources);
            schemas.push(ProviderSchema {
                name: provider.name,
                resources,
                data_sources,
            });
        }
        Registry {
            providers: schemas,
            implementations,
            configurers,
            index,
        }
    }

    /// What every configured provider reports about the run so far (API calls), for `--stats`.
    pub fn stats(&self) -> Vec<String> {
        let mut names: Vec<&&str> = self.configurers.keys().collect();
        names.sort();
        names
            .into_iter()
            .flat_map(|name| self.configurers[*name].stats())
            .collect()
    }

    /// How a provider is configured, if it takes configuration.
    pub fn configurer(&self, name: &str) -> Option<Arc<dyn Configure>> {
        self.configurers.get(name).cloned()
    }

    pub fn provider(&self, name: &str) -> Option<&ProviderSchema> {
        self.providers.iter().find(|p| p.name == name)
    }

    pub fn resource(&self, mode: ResourceMode, type_name: &str) -> Option<&ResourceSchema> {
        let i = self.index.get(&(mode, type_name))?;
        self.implementations.get(*i).map(|r| r.schema())
    }

    /// The implementation of a resource type or data source.
    pub fn implementation(
        &self,
        mode: ResourceMode,
        type_name: &str,
    ) -> Option<Arc<dyn ResourceType>> {
        let i = self.index.get(&(mode, type_name))?;
        self.implementations.get(*i).cloned()
    }

    /// Every type name of a mode, for suggestions.
    pub fn type_names(&self, mode: ResourceMode) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .index
            .keys()
            .filter(|(m, _)| *m == mode)
            .map(|(_, n)| *n)
            .collect();
        names.sort_unstable();
        names
    }

    pub fn provider_names(&self) -> Vec<&'static str> {
        self.providers.iter().map(|p| p.name).collect()
    }
}

/// Every compiled-in provider.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::new(vec![
            builtin::provider(),
            random::provider(),
            aws::provider(),
            local::provider(),
            time::provider(),
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_derives_schemas_from_implementations() {
        let registry = registry();
        for name in [
            "plat_data",
            "random_id",
            "random_password",
            "random_string",
            "local_file",
            "time_sleep",
        ] {
            let schema = registry.resource(ResourceMode::Managed, name);
            assert_eq!(schema.map(|s| s.type_name), Some(name));
            let implementation = registry.implementation(ResourceMode::Managed, name);
            assert_eq!(implementation.map(|i| i.schema().type_name), Some(name));
        }
        assert_eq!(
            registry.provider_names(),
            vec!["plat", "random", "aws", "local", "time"]
        );
        assert!(registry
            .provider("random")
            .is_some_and(|p| p.resources.len() == 3));
        for name in ["local", "time"] {
            assert!(!UNCHECKED_PROVIDERS.contains(&name));
        }
        assert!(registry
            .implementation(ResourceMode::Data, "plat_data")
            .is_none());
    }
}
