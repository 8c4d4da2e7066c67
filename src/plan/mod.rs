//! Planning: the pure comparison of what the configuration asks for with what state records.
//!
//! Nothing here does IO. The planner (which refreshes through providers and reads state) feeds
//! [`diff::diff_instance`] with values and gets back an action and its reasons; tests drive it
//! with tables of cases.

pub mod data_reads;
pub mod destroy_checks;
pub mod diff;
pub mod model;
pub mod planner;
pub mod saved;
pub mod targeting;
