//! The `time` provider: waits and timestamps.

pub mod time_sleep;

use std::sync::Arc;

use super::Provider;

pub fn provider() -> Provider {
    Provider {
        name: "time",
        resources: vec![Arc::new(time_sleep::TimeSleep::new())],
        data_sources: Vec::new(),
        configure: None,
    }
}
