//! plat: infrastructure as code for complete MLOps platforms.

pub mod fmt;
