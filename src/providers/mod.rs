//! Providers compiled into plat, and the registry of their schemas.
//!
//! Each resource type lives in its own file under its provider's folder and declares its schema.

pub mod builtin;
pub mod random;
pub mod schema;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::lang::config::ResourceMode;
use schema::{ProviderSchema, ResourceSchema};

/// Providers whose resource types plat accepts but does not check yet, because their schemas are
/// not compiled in. Resources of these providers are evaluated, but their attributes are not
/// checked and everything they compute is unknown.
pub const UNCHECKED_PROVIDERS: &[&str] = &[
    "aws",
    "openstack",
    "helm",
    "kubernetes",
    "k3s",
    "local",
    "time",
    "tls",
];

/// Diagnostic code for a provider plat does not have (a provider block or a resource type's prefix).
pub const UNKNOWN_PROVIDER: &str = "plat::schema::unknown_provider";

pub struct Registry {
    providers: Vec<ProviderSchema>,
    resources: HashMap<(ResourceMode, &'static str), (usize, usize)>,
}

impl Registry {
    fn new(providers: Vec<ProviderSchema>) -> Registry {
        let mut resources = HashMap::new();
        for (p, provider) in providers.iter().enumerate() {
            for (r, schema) in provider.resources.iter().enumerate() {
                resources.insert((ResourceMode::Managed, schema.type_name), (p, r));
            }
            for (r, schema) in provider.data_sources.iter().enumerate() {
                resources.insert((ResourceMode::Data, schema.type_name), (p, r));
            }
        }
        Registry {
            providers,
            resources,
        }
    }

    pub fn provider(&self, name: &str) -> Option<&ProviderSchema> {
        self.providers.iter().find(|p| p.name == name)
    }

    pub fn resource(&self, mode: ResourceMode, type_name: &str) -> Option<&ResourceSchema> {
        let (p, r) = self.resources.get(&(mode, type_name))?;
        let provider = &self.providers[*p];
        Some(match mode {
            ResourceMode::Managed => &provider.resources[*r],
            ResourceMode::Data => &provider.data_sources[*r],
        })
    }

    /// Every type name of a mode, for suggestions.
    pub fn type_names(&self, mode: ResourceMode) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .resources
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

/// The schemas of every compiled-in provider.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::new(vec![builtin::schema(), random::schema()]))
}
