//! The `plat` provider: resources that belong to no cloud.

pub mod plat_data;

use super::schema::ProviderSchema;

pub fn schema() -> ProviderSchema {
    ProviderSchema {
        name: "plat",
        resources: vec![plat_data::schema()],
        data_sources: Vec::new(),
    }
}
