//! Rendering for humans: plans as text. (Diagnostics render in `lang::diagnostics`.)

pub mod plan_json;
pub mod plan_text;
