//! The `plat` provider: resources that belong to no cloud.

pub mod plat_data;

use std::sync::Arc;

use super::Provider;

pub fn provider() -> Provider {
    Provider {
        name: "plat",
        resources: vec![Arc::new(plat_data::PlatData::new())],
        data_sources: Vec::new(),
        configure: None,
    }
}
