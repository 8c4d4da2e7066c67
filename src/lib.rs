//! plat: infrastructure as code for complete MLOps platforms.
//!
//! The binary (`src/main.rs`) is a thin wrapper over [`cli::run`]; everything else is library
//! code. See ARCHITECTURE.md for where things live and which invariants hold.
pub mod apply;
pub mod cli;
pub mod expand;
pub mod fmt;
pub mod graph;
pub mod lang;
pub mod ops;
pub mod plan;
pub mod providers;
pub mod render;
pub mod stack;
pub mod state;
