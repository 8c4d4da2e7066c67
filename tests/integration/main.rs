//! plat's integration tests: one binary, one module per area.

mod apply;
mod aws;
mod cli;
mod conformance;
mod diagnostics;
mod evaluator;
mod plan;
mod properties;
mod support;
