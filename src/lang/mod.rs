//! The stack language: loading HCL, values, types, functions, evaluation and validation.

pub mod ast;
pub mod config;
pub mod diagnostics;
pub mod eval;
pub mod functions;
pub mod load;
pub mod meta_check;
pub mod reference;
pub mod source;
pub mod syntax_hint;
pub mod type_expr;
pub mod types;
pub mod value;
