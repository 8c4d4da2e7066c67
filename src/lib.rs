//! plat: infrastructure as code for complete MLOps platforms.
pub mod cli;
pub mod expand;
pub mod graph;
pub mod lang;
pub mod providers;
pub mod stack;
