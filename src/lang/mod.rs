//! The stack language: loading HCL, values, types, functions, evaluation and validation.

pub mod functions;
pub mod types;
pub mod value;
